// SPDX-License-Identifier: GPL-3.0-or-later

/// Euler–Maruyama with a diagonal, adaptive preconditioner G (RMSprop), i.e. preconditioned SGLD
/// (Li, Chen, Carlson & Carin 2016, "pSGLD"):
///
///     V ← αV + (1 − α) g∘g,   G = 1 / (ε + √V),
///     x ← x − h G∘∇U(x) + √(2hT G) ∘ ξ,
///
/// where g is the gradient estimate of the step (∇U itself: with U = (N/B)ΣNLL + prior, G is in units of 1/|∇U| so h
/// is a step in parameter units). The correction term Γ(x) = Σⱼ ∂G/∂xⱼ is **not** applied (as in Li et al.'s
/// experiments: it vanishes as α → 1 and costs a second pass); the chain therefore samples exp(−U/T) only up to that
/// O(1 − α) bias on top of the discretisation bias. G is updated from the gradient at the current point before the
/// move, so a step costs one gradient evaluation.
public struct PreconditionedEulerMaruyama<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    public var timeStep: Double
    public var temperature: Double
    /// RMSprop decay α ∈ [0, 1).
    public let decay: Double
    /// Regulariser ε > 0 of G = 1/(ε + √V).
    public let epsilon: Double
    /// The running mean square V (state of the sampler; checkpointed with it).
    public var meanSquare: [Scalar]
    /// Whether V has been initialised from a first gradient.
    public var initialised: Bool

    public init(dimension: Int, timeStep: Double, temperature: Double, decay: Double = 0.99, epsilon: Double = 1e-5)
        throws(LangevinError)
    {
        try LangevinParameters(timeStep: timeStep, temperature: temperature).validate()
        guard decay >= 0, decay < 1 else { throw .invalidParameter("RMSprop decay must be in [0, 1), got \(decay)") }
        guard epsilon > 0, epsilon.isFinite else { throw .invalidParameter("epsilon must be > 0, got \(epsilon)") }
        self.timeStep = timeStep
        self.temperature = temperature
        self.decay = decay
        self.epsilon = epsilon
        meanSquare = [Scalar](repeating: 0, count: dimension)
        initialised = false
    }

    /// One step from `state` (whose gradient is the estimate at the current point).
    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<Scalar>) -> StepInfo where F.Scalar == Scalar {
        state.makeUnique()
        let n = state.dimension
        let a = Scalar(decay), b = Scalar(1 - decay), eps = Scalar(epsilon), h = Scalar(timeStep)
        let grad = state.g, x = state.x, y = state.trialX, xi = state.noise
        let sigma = (2 * timeStep * temperature).squareRoot()
        if sigma > 0 {
            random.fillGaussian(generic: UnsafeMutableBufferPointer(start: xi, count: n), standardDeviation: sigma)
        }
        let first = !initialised
        var check: Scalar = 0
        meanSquare.withUnsafeMutableBufferPointer { v in
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
        initialised = true
        let u = field.energyAndGradient(at: UnsafeBufferPointer(start: y, count: n),
                                        gradient: UnsafeMutableBufferPointer(start: state.trialG, count: n))
        try state.commitTrial(energy: u, exact: field.isExact, momentum: false, positionCheck: check)
        return StepInfo(energy: u, gradientEvaluations: 1)
    }
}
