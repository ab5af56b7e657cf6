// SPDX-License-Identifier: GPL-3.0-or-later

/// The state of one chain: position x, momentum p (underdamped schemes), and U and ∇U at the position.
///
/// Storage is one contiguous block holding x, p, ∇U and their trial copies plus a noise buffer, so a step allocates
/// nothing and commits by swapping pointers. The type has value semantics (copy-on-write: a step on a copy that
/// shares storage first clones it).
public struct LangevinState<Scalar: BinaryFloatingPoint & Sendable>: @unchecked Sendable {
    // Safety of @unchecked Sendable: the buffers are only written through mutating methods, which first make the
    // storage unique (copy-on-write), exactly as Array does.
    @usableFromInline var storage: StateStorage<Scalar>
    @usableFromInline var x: UnsafeMutablePointer<Scalar>
    @usableFromInline var p: UnsafeMutablePointer<Scalar>
    @usableFromInline var g: UnsafeMutablePointer<Scalar>
    @usableFromInline var trialX: UnsafeMutablePointer<Scalar>
    @usableFromInline var trialP: UnsafeMutablePointer<Scalar>
    @usableFromInline var trialG: UnsafeMutablePointer<Scalar>
    @usableFromInline var noise: UnsafeMutablePointer<Scalar>
    @usableFromInline var _energy: Double
    @usableFromInline var _stepCount: Int
    @usableFromInline var _hasMomentum: Bool

    /// The dimension d.
    public let dimension: Int
    /// U(x) (or its last estimate) at `position`.
    @inlinable public var energy: Double { _energy }
    /// Steps taken so far.
    @inlinable public var stepCount: Int { _stepCount }
    /// Whether the state carries momenta.
    @inlinable public var hasMomentum: Bool { _hasMomentum }

    /// x ∈ ℝᵈ (a copy; use ``withPosition(_:)`` in hot loops).
    public var position: [Scalar] { Array(UnsafeBufferPointer(start: x, count: dimension)) }
    /// p ∈ ℝᵈ for underdamped schemes; empty for overdamped ones.
    public var momentum: [Scalar] { _hasMomentum ? Array(UnsafeBufferPointer(start: p, count: dimension)) : [] }
    /// ∇U(x) (or its last estimate).
    public var gradient: [Scalar] { Array(UnsafeBufferPointer(start: g, count: dimension)) }

    /// Calls `body` with a view of x (no copy).
    @inlinable public func withPosition<T>(_ body: (UnsafeBufferPointer<Scalar>) throws -> T) rethrows -> T {
        try body(UnsafeBufferPointer(start: x, count: dimension))
    }
    /// Calls `body` with a view of p (empty when the state has no momenta).
    @inlinable public func withMomentum<T>(_ body: (UnsafeBufferPointer<Scalar>) throws -> T) rethrows -> T {
        try body(UnsafeBufferPointer(start: p, count: _hasMomentum ? dimension : 0))
    }
    /// Calls `body` with a view of ∇U(x).
    @inlinable public func withGradient<T>(_ body: (UnsafeBufferPointer<Scalar>) throws -> T) rethrows -> T {
        try body(UnsafeBufferPointer(start: g, count: dimension))
    }

    /// Evaluates U and ∇U at `position`; fails if either is not finite (or a dimension is wrong).
    public init<F: GradientEstimator>(
        position: [Scalar], momentum: [Scalar] = [], field: inout F
    ) throws(LangevinError) where F.Scalar == Scalar {
        guard position.count == field.dimension else {
            throw .invalidParameter("initial position has \(position.count) coordinates, the energy has \(field.dimension)")
        }
        guard momentum.isEmpty || momentum.count == position.count else {
            throw .invalidParameter("initial momentum has \(momentum.count) coordinates, expected \(position.count)")
        }
        guard allFinite(position), allFinite(momentum) else {
            throw LangevinError(.nonFiniteInitialState, "the initial position or momentum is not finite")
        }
        let d = position.count
        let s = StateStorage<Scalar>(dimension: d)
        storage = s
        dimension = d
        x = s.base
        p = s.base + d
        g = s.base + 2 * d
        trialX = s.base + 3 * d
        trialP = s.base + 4 * d
        trialG = s.base + 5 * d
        noise = s.base + 6 * d
        _stepCount = 0
        _hasMomentum = !momentum.isEmpty
        _energy = 0
        x.update(from: position, count: d)
        if _hasMomentum { p.update(from: momentum, count: d) }
        let u = field.energyAndGradient(at: UnsafeBufferPointer(start: x, count: d),
                                        gradient: UnsafeMutableBufferPointer(start: g, count: d))
        _energy = u
        guard !u.isInfinite, !(u.isNaN && field.isExact) else {
            throw LangevinError(.nonFiniteInitialState,
                                "the energy at the initial point \(position.map { Double($0) }) is \(u), not finite")
        }
        guard allFinite(UnsafeBufferPointer(start: g, count: d)) else {
            throw LangevinError(.nonFiniteInitialState,
                                "the gradient at the initial point \(position.map { Double($0) }) is not finite")
        }
    }

    /// Sets the momentum (e.g. a Maxwell–Boltzmann draw before the first underdamped step).
    public mutating func setMomentum(_ momentum: [Scalar]) {
        precondition(momentum.count == dimension, "momentum dimension mismatch")
        makeUnique()
        p.update(from: momentum, count: dimension)
        _hasMomentum = true
    }

    /// Replaces the position, energy and gradient together (used when restoring a checkpoint).
    public mutating func restore(position: [Scalar], momentum: [Scalar], gradient: [Scalar], energy: Double, stepCount: Int) {
        precondition(position.count == dimension && gradient.count == dimension)
        makeUnique()
        x.update(from: position, count: dimension)
        g.update(from: gradient, count: dimension)
        if !momentum.isEmpty {
            precondition(momentum.count == dimension)
            p.update(from: momentum, count: dimension)
            _hasMomentum = true
        }
        _energy = energy
        _stepCount = stepCount
    }

    /// Copy-on-write: clones the storage if another state value shares it.
    @inlinable public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { cloneStorage() }
    }

    @usableFromInline mutating func cloneStorage() {
        let old = storage.base
        let s = storage.clone()
        func remap(_ q: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Scalar> { s.base + (q - old) }
        x = remap(x); p = remap(p); g = remap(g)
        trialX = remap(trialX); trialP = remap(trialP); trialG = remap(trialG); noise = remap(noise)
        storage = s
    }

    /// Makes the momentum buffer live (zero) if the state had none.
    @inlinable mutating func ensureMomentum() {
        if !_hasMomentum {
            p.update(repeating: 0, count: dimension)
            _hasMomentum = true
        }
    }

    /// The first non-finite trial quantity ("position", "momentum", "energy", "gradient"), or nil if all are finite.
    @inlinable @inline(__always)
    func nonFiniteTrialQuantity(energy u: Double, exact: Bool, momentum: Bool) -> String? {
        let d = dimension
        if !allFinite(UnsafeBufferPointer(start: trialX, count: d)) { return "position" }
        if momentum && !allFinite(UnsafeBufferPointer(start: trialP, count: d)) { return "momentum" }
        if u.isInfinite || (u.isNaN && exact) { return "energy" }
        if !allFinite(UnsafeBufferPointer(start: trialG, count: d)) { return "gradient" }
        return nil
    }

    /// The rule of ``commitTrial(energy:exact:momentum:positionCheck:gradientImpliedFinite:gradientCheck:)``: a
    /// trial is accepted when its Σ v·0 check over the checked numbers is 0 (all finite) and its energy is finite
    /// (exact energies) or not infinite (estimates). For an exact energy one comparison tests both: Σ v·0 + U·0 is
    /// 0 exactly when both terms are (each is ±0 or NaN).
    @inlinable @inline(__always)
    static func trialIsFinite(energy u: Double, exact: Bool, check acc: Scalar) -> Bool {
        exact ? Double(acc) + u * 0 == 0 : acc == 0 && !u.isInfinite
    }

    /// Checks the trial buffers; if all finite, makes them current, else throws and leaves the state as it was.
    ///
    /// `positionCheck` is Σ yᵢ·0 accumulated by the caller while it wrote the trial position (0 exactly when every yᵢ
    /// is finite; pass nil to have it computed here). The fast path adds the gradient's and the energy's x·0 terms and
    /// tests one number; only a failure looks for the culprit. `gradientCheck`, when given, is Σ gᵢ·0 over the trial
    /// gradient computed by the caller (the gradient pass is then skipped here).
    @inlinable @inline(__always)
    mutating func commitTrial(energy u: Double, exact: Bool, momentum: Bool, positionCheck: Scalar? = nil,
                              gradientImpliedFinite: Bool = false, gradientCheck: Scalar? = nil)
        throws(DivergenceError<Scalar>)
    {
        let d = dimension
        var acc: Scalar = positionCheck ?? 0
        if positionCheck == nil { for i in 0..<d { acc += trialX[i] * 0 } }
        if momentum { for i in 0..<d { acc += trialP[i] * 0 } }
        // A finite energy at a finite position implies a finite gradient for some energies (they say so); an
        // estimator may have computed Σ gᵢ·0 itself (``GradientEstimator/gradientFinitenessCheck(_:)``).
        if let gradientCheck {
            acc += gradientCheck
        } else if !(gradientImpliedFinite && exact) {
            for i in 0..<d { acc += trialG[i] * 0 }
        }
        guard Self.trialIsFinite(energy: u, exact: exact, check: acc) else {
            let quantity = nonFiniteTrialQuantity(energy: u, exact: exact, momentum: momentum)
                ?? "position"
            throw DivergenceError(step: _stepCount + 1, quantity: quantity, lastFiniteState: self)
        }
        swap(&x, &trialX)
        swap(&g, &trialG)
        if momentum { swap(&p, &trialP) }
        _energy = u
        _stepCount &+= 1
    }
}

/// One block of 7·d scalars owned by a chain state.
@usableFromInline final class StateStorage<Scalar: BinaryFloatingPoint>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let dimension: Int

    @usableFromInline init(dimension: Int) {
        self.dimension = dimension
        base = .allocate(capacity: max(7 * dimension, 1))
        base.initialize(repeating: 0, count: max(7 * dimension, 1))
    }

    @usableFromInline func clone() -> StateStorage {
        let s = StateStorage(dimension: dimension)
        s.base.update(from: base, count: max(7 * dimension, 1))
        return s
    }

    deinit { base.deallocate() }
}

/// Whether every element is finite (NaN and ±∞ are not).
@inlinable public func allFinite<S: BinaryFloatingPoint>(_ v: [S]) -> Bool {
    v.withUnsafeBufferPointer { allFinite($0) }
}

/// Whether every element is finite; one branch-free pass (x·0 is NaN exactly when x is not finite).
@inlinable @inline(__always)
public func allFinite<S: BinaryFloatingPoint>(_ v: UnsafeBufferPointer<S>) -> Bool {
    var acc: S = 0
    for x in v { acc += x * 0 }
    return acc == 0
}
