// SPDX-License-Identifier: GPL-3.0-or-later

/// Euler–Maruyama with a diagonal, adaptive preconditioner G (RMSprop), i.e. preconditioned SGLD
/// (Li, Chen, Carlson & Carin 2016, "pSGLD"):
///
///     V ← αV + (1 − α) g∘g,   G = 1 / (ε + √V),
///     x ← x − h G∘∇U(x) + √(2hT G) ∘ ξ,
///
/// where g is the gradient estimate of the step (∇U itself: with U = (N/B)ΣNLL + prior, G is in units of 1/|∇U| so h
/// is a step in parameter units). On the first step V = g∘g. The correction term Γ(x) = Σⱼ ∂G/∂xⱼ is **not**
/// applied (as in Li et al.'s experiments: it vanishes as α → 1 and costs a second pass); the chain therefore samples
/// exp(−U/T) only up to that O(1 − α) bias on top of the discretisation bias. G is updated from the gradient at the
/// current point before the move, so a step costs one gradient evaluation. The friction γ and mass m of
/// ``LangevinParameters`` are not used (γ = 1).
///
/// The running mean square V is the integrator's own state (it is checkpointed with the chain): the scheme is a
/// ``LangevinIntegrator`` like any other, whose `step` updates V. V is kept in the scalar type of the chain it is
/// used with (Float for networks, Double for toy energies).
public struct PreconditionedEulerMaruyama: LangevinIntegrator, Sendable {
    public private(set) var parameters: LangevinParameters
    public var usesMomentum: Bool { false }
    public var requiresExactGradient: Bool { false }
    public var isMetropolisAdjusted: Bool { false }
    public var name: String { "psgld" }
    /// RMSprop decay α ∈ [0, 1).
    public let decay: Double
    /// Regulariser ε > 0 of G = 1/(ε + √V).
    public let epsilon: Double
    /// The running mean square V, in the chain's scalar type (empty before the first step).
    @usableFromInline var storage: ScalarArray

    /// - Parameters:
    ///   - parameters: h and T (γ and m are not used).
    ///   - decay: α of the running mean square.
    ///   - epsilon: ε of G = 1/(ε + √V).
    public init(_ parameters: LangevinParameters, decay: Double = 0.99, epsilon: Double = 1e-5) throws(LangevinError) {
        try parameters.validate()
        guard decay >= 0, decay < 1 else {
            throw .invalidParameter("RMSprop decay α must be in [0, 1), got \(decay)", parameter: "decay")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw .invalidParameter("ε must be a finite number > 0, got \(epsilon)", parameter: "epsilon")
        }
        self.parameters = parameters
        self.decay = decay
        self.epsilon = epsilon
        self.storage = .empty
    }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        self.parameters = parameters
    }

    /// Whether V has been initialised from a first gradient.
    public var initialised: Bool { !storage.isEmpty }

    /// V as Double values (empty before the first step).
    public var meanSquare: [Double] { storage.doubles }

    /// Sets V (a checkpoint's), in the scalar type of the chain it will be used with; an empty array means "not
    /// initialised" (the next step starts V from g∘g).
    public mutating func restoreMeanSquare<S: BinaryFloatingPoint>(_ values: [S]) {
        storage = values.isEmpty ? .empty : ScalarArray(values)
    }

    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        typealias S = F.Scalar
        precondition(S.self == Float.self || S.self == Double.self, "pSGLD runs Float and Double chains")
        state.makeUnique()
        let n = state.dimension
        let a = S(decay), b = S(1 - decay), eps = S(epsilon), h = S(parameters.timeStep)
        let grad = state.g, x = state.x, y = state.trialX, xi = state.noise
        let sigma = (2 * parameters.timeStep * parameters.temperature).squareRoot()
        if sigma > 0 {
            random.fillGaussian(generic: UnsafeMutableBufferPointer(start: xi, count: n), standardDeviation: sigma)
        }
        let first = !storage.holds(S.self, count: n)
        if first { storage = .zeros(S.self, count: n) }
        var check: S = 0
        storage.withMutableBuffer(as: S.self) { v in
            for i in 0..<n {
                let gi = grad[i]
                v[i] = first ? gi * gi : a * v[i] + b * gi * gi
                let G = 1 / (eps + v[i].squareRoot())
                var value = x[i] - h * G * gi
                if sigma > 0 { value += G.squareRoot() * xi[i] }
                y[i] = value
                check += value * 0
            }
        }
        let u = field.energyAndGradient(at: UnsafeBufferPointer(start: y, count: n),
                                        gradient: UnsafeMutableBufferPointer(start: state.trialG, count: n))
        try state.commitTrial(energy: u, exact: field.isExact, momentum: false, positionCheck: check,
                              gradientCheck: field.trialGradientCheck(state))
        return StepInfo(energy: u, gradientEvaluations: 1)
    }
}

/// An array of Float or Double chosen at run time: the state of an integrator whose chains may be of either type.
@usableFromInline
enum ScalarArray: Sendable {
    case empty
    case float([Float])
    case double([Double])

    @usableFromInline init<S: BinaryFloatingPoint>(_ values: [S]) {
        if S.self == Float.self { self = .float(values.map { Float($0) }) } else { self = .double(values.map { Double($0) }) }
    }

    @usableFromInline static func zeros<S: BinaryFloatingPoint>(_: S.Type, count: Int) -> ScalarArray {
        S.self == Float.self ? .float([Float](repeating: 0, count: count)) : .double([Double](repeating: 0, count: count))
    }

    @usableFromInline var isEmpty: Bool {
        switch self {
        case .empty: true
        case .float(let v): v.isEmpty
        case .double(let v): v.isEmpty
        }
    }

    @usableFromInline var doubles: [Double] {
        switch self {
        case .empty: []
        case .float(let v): v.map(Double.init)
        case .double(let v): v
        }
    }

    /// Whether the array holds `count` values of type S (Float or Double; any other type is held as Double).
    @usableFromInline func holds<S>(_: S.Type, count: Int) -> Bool {
        switch self {
        case .empty: false
        case .float(let v): S.self == Float.self && v.count == count
        case .double(let v): S.self == Double.self && v.count == count
        }
    }

    /// Calls `body` with the values viewed as S (which must be the stored type).
    @usableFromInline mutating func withMutableBuffer<S, T>(as: S.Type, _ body: (UnsafeMutableBufferPointer<S>) -> T) -> T {
        switch self {
        case .empty:
            return body(UnsafeMutableBufferPointer(start: nil, count: 0))
        case .float(var v):
            self = .empty   // keep the array uniquely referenced while it is written
            defer { self = .float(v) }
            precondition(S.self == Float.self, "integrator state holds Float values")
            return v.withUnsafeMutableBytes { body($0.bindMemory(to: S.self)) }
        case .double(var v):
            self = .empty
            defer { self = .double(v) }
            precondition(S.self == Double.self, "integrator state holds Double values")
            return v.withUnsafeMutableBytes { body($0.bindMemory(to: S.self)) }
        }
    }
}
