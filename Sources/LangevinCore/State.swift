// SPDX-License-Identifier: GPL-3.0-or-later

/// The state of one chain: position, momentum (underdamped schemes), and U and ∇U at the position.
///
/// The trial buffers are preallocated scratch space so that a step allocates nothing.
public struct LangevinState<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// x ∈ ℝᵈ.
    public var position: [Scalar] { _position }
    @usableFromInline var _position: [Scalar]
    /// p ∈ ℝᵈ for underdamped schemes; empty for overdamped ones.
    public var momentum: [Scalar] { _momentum }
    @usableFromInline var _momentum: [Scalar]
    /// ∇U(x) (or its last estimate) at `position`.
    public var gradient: [Scalar] { _gradient }
    @usableFromInline var _gradient: [Scalar]
    /// U(x) (or its last estimate) at `position`.
    public var energy: Double { _energy }
    @usableFromInline var _energy: Double
    /// Steps taken so far.
    public var stepCount: Int { _stepCount }
    @usableFromInline var _stepCount: Int

    @usableFromInline var trialPosition: [Scalar]
    @usableFromInline var trialMomentum: [Scalar]
    @usableFromInline var trialGradient: [Scalar]
    @usableFromInline var noise: [Scalar]

    /// Evaluates U and ∇U at `position`; fails if either is not finite (or the dimension is wrong).
    public init<F: GradientEstimator>(
        position: [Scalar], momentum: [Scalar] = [], field: inout F
    ) throws(LangevinError) where F.Scalar == Scalar {
        guard position.count == field.dimension else {
            throw .invalidParameter("initial position has \(position.count) coordinates, the energy has \(field.dimension)")
        }
        guard momentum.isEmpty || momentum.count == position.count else {
            throw .invalidParameter("initial momentum has \(momentum.count) coordinates, expected \(position.count)")
        }
        guard allFinite(position) else {
            throw LangevinError(.nonFiniteInitialState, "the initial position is not finite")
        }
        self._position = position
        self._momentum = momentum
        self._gradient = [Scalar](repeating: 0, count: position.count)
        self.trialPosition = position
        self.trialMomentum = momentum.isEmpty ? [] : momentum
        self.trialGradient = _gradient
        self.noise = _gradient
        self._stepCount = 0
        self._energy = 0
        let u = position.withUnsafeBufferPointer { x in
            _gradient.withUnsafeMutableBufferPointer { g in field.energyAndGradient(at: x, gradient: g) }
        }
        self._energy = u
        guard !u.isInfinite, !(u.isNaN && field.isExact) else {
            throw LangevinError(.nonFiniteInitialState,
                                "the energy at the initial point \(position.map { Double($0) }) is \(u), not finite")
        }
        guard allFinite(_gradient) else {
            throw LangevinError(.nonFiniteInitialState,
                                "the gradient at the initial point \(position.map { Double($0) }) is not finite")
        }
    }

    /// Sets the momentum (e.g. a Maxwell–Boltzmann draw before the first underdamped step).
    public mutating func setMomentum(_ p: [Scalar]) {
        precondition(p.count == position.count, "momentum dimension mismatch")
        _momentum = p
        trialMomentum = p
    }

    /// Makes the scratch buffers ready for a step (momentum buffers only when the scheme uses them).
    @inlinable mutating func ensureMomentum() {
        if _momentum.isEmpty {
            _momentum = [Scalar](repeating: 0, count: _position.count)
            trialMomentum = _momentum
        }
    }
}

/// Whether every element is finite (NaN and ±∞ are not).
@inlinable public func allFinite<S: BinaryFloatingPoint>(_ v: [S]) -> Bool {
    v.withUnsafeBufferPointer { allFinite($0) }
}

/// Whether every element is finite; one branch-free pass (x·0 is NaN exactly when x is not finite).
@inlinable public func allFinite<S: BinaryFloatingPoint>(_ v: UnsafeBufferPointer<S>) -> Bool {
    var acc: S = 0
    for x in v { acc += x * 0 }
    return acc == 0
}
