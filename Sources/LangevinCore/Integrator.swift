// SPDX-License-Identifier: GPL-3.0-or-later

/// One step of a Langevin scheme: a kernel in the BlackJAX sense, mapping a state to the next state plus an info
/// value. Integrators are generic over the gradient field and over the random source.
public protocol LangevinIntegrator {
    /// The parameters (h, T, γ, m) in the conventions of ``LangevinParameters``.
    var parameters: LangevinParameters { get }
    /// Whether the scheme carries momenta (underdamped schemes).
    var usesMomentum: Bool { get }
    /// Whether the scheme needs the exact energy and gradient (Metropolis-adjusted schemes).
    var requiresExactGradient: Bool { get }
    /// A short name: `euler-maruyama`, `mala`, or the splitting string (`BAOAB`, …).
    var name: String { get }

    /// Advances `state` by one step. On a non-finite energy, gradient, position or momentum, `state` is left as it
    /// was and a ``DivergenceError`` is thrown.
    mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo
}

extension LangevinIntegrator {
    /// Prepares a state before the first step: for underdamped schemes with no momentum yet, draws p ∼ N(0, mT)
    /// (the Maxwell–Boltzmann distribution; p = 0 at T = 0).
    public func prepare<S: BinaryFloatingPoint & Sendable, R: RandomSource>(_ state: inout LangevinState<S>, random: inout R) {
        guard usesMomentum, state._momentum.isEmpty else { return }
        var p = [S](repeating: 0, count: state._position.count)
        let sd = (parameters.mass * parameters.temperature).squareRoot()
        if sd > 0 { p.withUnsafeMutableBufferPointer { random.fillGaussian(generic: $0, standardDeviation: sd) } }
        state.setMomentum(p)
    }
}

/// Overdamped Langevin dynamics discretised by Euler–Maruyama (the unadjusted Langevin algorithm, ULA; SGLD when the
/// gradient is a minibatch estimate, Welling & Teh 2011):
///
///     x ← x − (h/γ) ∇U(x) + √(2hT/γ) ξ,   ξ ∼ N(0, I).
///
/// Its stationary law is exp(−U/T) only as h → 0; on U = kx²/2 (γ = 1) the variance is T / (k(1 − kh/2)), and the
/// bias is O(h) in general. One gradient evaluation per step. T = 0 is gradient descent (no random numbers drawn).
public struct EulerMaruyama: LangevinIntegrator {
    public let parameters: LangevinParameters
    public var usesMomentum: Bool { false }
    public var requiresExactGradient: Bool { false }
    public var name: String { "euler-maruyama" }

    public init(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        guard parameters.friction > 0 else {
            throw .invalidParameter("the overdamped scheme needs friction γ > 0 (its mobility is 1/γ)")
        }
        self.parameters = parameters
    }

    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        typealias S = F.Scalar
        let tau = parameters.timeStep / parameters.friction
        let sigma = (2 * tau * parameters.temperature).squareRoot()
        let n = state._position.count
        if sigma > 0 {
            state.noise.withUnsafeMutableBufferPointer { random.fillGaussian(generic: $0, standardDeviation: sigma) }
        }
        let hs = S(tau)
        let u: Double = state._position.withUnsafeBufferPointer { x in
            state._gradient.withUnsafeBufferPointer { g in
                state.noise.withUnsafeBufferPointer { xi in
                    state.trialPosition.withUnsafeMutableBufferPointer { y in
                        if sigma > 0 {
                            for i in 0..<n { y[i] = x[i] - hs * g[i] + xi[i] }
                        } else {
                            for i in 0..<n { y[i] = x[i] - hs * g[i] }
                        }
                        return state.trialGradient.withUnsafeMutableBufferPointer { gy in
                            field.energyAndGradient(at: UnsafeBufferPointer(y), gradient: gy)
                        }
                    }
                }
            }
        }
        try state.commitOverdamped(energy: u, exact: field.isExact)
        return StepInfo(energy: u, gradientEvaluations: 1)
    }
}

extension LangevinState {
    /// Checks the trial position, gradient and energy; if all finite, makes them current.
    @inlinable
    mutating func commitOverdamped(energy u: Double, exact: Bool) throws(DivergenceError<Scalar>) {
        let step = _stepCount + 1
        if !allFinite(trialPosition) { throw DivergenceError(step: step, quantity: "position", lastFiniteState: self) }
        if u.isInfinite || (u.isNaN && exact) {
            throw DivergenceError(step: step, quantity: "energy", lastFiniteState: self)
        }
        if !allFinite(trialGradient) { throw DivergenceError(step: step, quantity: "gradient", lastFiniteState: self) }
        swap(&_position, &trialPosition)
        swap(&_gradient, &trialGradient)
        _energy = u
        _stepCount = step
    }
}

/// The Metropolis-adjusted Langevin algorithm (Roberts & Tweedie 1996; Besag 1994): an Euler–Maruyama proposal
///
///     y = x − τ ∇U(x) + √(2τT) ξ,   τ = h/γ,
///
/// accepted with probability min(1, exp(−(U(y) − U(x))/T) · q(x | y) / q(y | x)),
/// log q(y | x) = −|y − x + τ∇U(x)|² / (4τT). It leaves exp(−U/T) exactly invariant for any h > 0.
/// Needs T > 0 and exact gradients. One gradient evaluation and two uniform/Gaussian draws per coordinate per step.
public struct MALA: LangevinIntegrator {
    public let parameters: LangevinParameters
    public var usesMomentum: Bool { false }
    public var requiresExactGradient: Bool { true }
    public var name: String { "mala" }

    public init(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        guard parameters.temperature > 0 else {
            throw .invalidParameter("MALA needs temperature > 0 (its acceptance ratio divides by T)")
        }
        guard parameters.friction > 0 else {
            throw .invalidParameter("MALA needs friction γ > 0 (its proposal step is h/γ)")
        }
        self.parameters = parameters
    }

    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        typealias S = F.Scalar
        let tau = parameters.timeStep / parameters.friction
        let temperature = parameters.temperature
        let sigma = (2 * tau * temperature).squareRoot()
        let n = state._position.count
        state.noise.withUnsafeMutableBufferPointer { random.fillGaussian(generic: $0, standardDeviation: sigma) }
        let hs = S(tau)
        let u1: Double = state._position.withUnsafeBufferPointer { x in
            state._gradient.withUnsafeBufferPointer { g in
                state.noise.withUnsafeBufferPointer { xi in
                    state.trialPosition.withUnsafeMutableBufferPointer { y in
                        for i in 0..<n { y[i] = x[i] - hs * g[i] + xi[i] }
                        return state.trialGradient.withUnsafeMutableBufferPointer { gy in
                            field.energyAndGradient(at: UnsafeBufferPointer(y), gradient: gy)
                        }
                    }
                }
            }
        }
        // A non-finite proposal is rejected (the chain stays finite); it is not a divergence of the chain.
        let finite = u1.isFinite && allFinite(state.trialPosition) && allFinite(state.trialGradient)
        var logAlpha = -Double.infinity
        if finite {
            // log q(x|y) − log q(y|x) with q(b|a) ∝ exp(−|b − a + τ∇U(a)|² / (4τT)).
            var forward = 0.0, backward = 0.0
            state._position.withUnsafeBufferPointer { x in
                state._gradient.withUnsafeBufferPointer { g in
                    state.trialPosition.withUnsafeBufferPointer { y in
                        state.trialGradient.withUnsafeBufferPointer { gy in
                            for i in 0..<n {
                                let f = Double(y[i]) - Double(x[i]) + tau * Double(g[i])
                                let b = Double(x[i]) - Double(y[i]) + tau * Double(gy[i])
                                forward += f * f
                                backward += b * b
                            }
                        }
                    }
                }
            }
            logAlpha = -(u1 - state._energy) / temperature - (backward - forward) / (4 * tau * temperature)
        }
        let alpha = logAlpha >= 0 ? 1.0 : _exp(logAlpha)
        let accept = random.nextUniform() < alpha
        if accept {
            swap(&state._position, &state.trialPosition)
            swap(&state._gradient, &state.trialGradient)
            state._energy = u1
        }
        state._stepCount += 1
        return StepInfo(energy: state._energy, acceptanceProbability: alpha.isNaN ? 0 : alpha, accepted: accept,
                        gradientEvaluations: 1)
    }
}
