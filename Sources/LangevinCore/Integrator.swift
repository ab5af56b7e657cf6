// SPDX-License-Identifier: GPL-3.0-or-later
import RealModule

/// One step of a Langevin scheme: a kernel in the BlackJAX sense, mapping a state to the next state plus an info
/// value. Integrators are generic over the gradient field and over the random source.
///
/// Writing a scheme of one's own (in this package or another): propose into the state's trial buffers through
/// ``LangevinState/withStepBuffers(_:)``, evaluate with ``LangevinState/evaluateTrial(field:)``, then
/// ``LangevinState/commitTrial(energy:exact:includesMomentum:gradientImpliedFinite:)`` or
/// ``LangevinState/rejectTrial()``; the divergence guarantee (a non-finite result leaves the state as it was and
/// throws a ``DivergenceError``) then holds for it as for the built-in schemes. Parameters may change between
/// steps through ``setParameters(_:)`` (schedules, tempering), and a scheme may carry state of its own
/// (an adaptive preconditioner, a step counter): `step` is `mutating`.
public protocol LangevinIntegrator {
    /// The parameters (h, T, γ, m) in the conventions of ``LangevinParameters``, as used by the next step.
    var parameters: LangevinParameters { get }
    /// Whether the scheme carries momenta (underdamped schemes).
    var usesMomentum: Bool { get }
    /// Whether the scheme needs the exact energy and gradient (Metropolis-adjusted schemes).
    var requiresExactGradient: Bool { get }
    /// Whether a step is a Metropolis–Hastings accept/reject, so that its acceptance rate means something.
    var isMetropolisAdjusted: Bool { get }
    /// A short name: `euler-maruyama`, `mala`, or the splitting string (`BAOAB`, …).
    var name: String { get }

    /// Replaces the parameters for the following steps (a step-size schedule calls this every step), updating
    /// whatever the scheme precomputes from them. Throws, leaving the integrator unchanged, when a parameter is
    /// outside the scheme's domain.
    mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError)

    /// Advances `state` by one step. On a non-finite energy, gradient, position or momentum, `state` is left as it
    /// was and a ``DivergenceError`` is thrown.
    mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo

    /// Takes `steps` ≥ 0 steps, exactly as that many calls of ``step(_:field:random:)`` would (same numbers, bit for
    /// bit), adding each step's report to `totals` in order.
    /// ``runChain(integrator:field:state:random:schedule:progressInterval:progress:keptAcceptance:keep:)``
    /// calls it for the steps between kept states, so that a scheme may make the state's storage unique
    /// (``LangevinState/makeUnique()``, which an implementation must call before it writes, as `step` does) once
    /// for the whole run, or keep a small state in local variables. On divergence it throws the error the failing ``step(_:field:random:)`` would have
    /// thrown, with the state at the last finite step. The default calls ``step(_:field:random:)`` `steps` times.
    mutating func advance<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R, steps: Int,
        totals: inout StepTotals
    ) throws(DivergenceError<F.Scalar>)
}

extension LangevinIntegrator {
    @inlinable
    public mutating func advance<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R, steps: Int,
        totals: inout StepTotals
    ) throws(DivergenceError<F.Scalar>) {
        for _ in 0..<steps { totals.add(try step(&state, field: &field, random: &random)) }
    }

    /// Sets the time step h for the following steps, keeping T, γ and m.
    public mutating func setTimeStep(_ timeStep: Double) throws(LangevinError) {
        var p = parameters
        p.timeStep = timeStep
        try setParameters(p)
    }

    /// Sets the temperature T for the following steps, keeping h, γ and m.
    public mutating func setTemperature(_ temperature: Double) throws(LangevinError) {
        var p = parameters
        p.temperature = temperature
        try setParameters(p)
    }
}

extension LangevinIntegrator {
    /// Prepares a state before the first step: for underdamped schemes with no momentum yet, draws p ∼ N(0, mT)
    /// (the Maxwell–Boltzmann distribution; p = 0 at T = 0).
    public func prepare<S: BinaryFloatingPoint & Sendable, R: RandomSource>(_ state: inout LangevinState<S>, random: inout R) {
        guard usesMomentum, !state.hasMomentum else { return }
        var p = [S](repeating: 0, count: state.dimension)
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
public struct EulerMaruyama: LangevinIntegrator, Sendable {
    public private(set) var parameters: LangevinParameters
    public var usesMomentum: Bool { false }
    public var requiresExactGradient: Bool { false }
    public var isMetropolisAdjusted: Bool { false }
    public var name: String { "euler-maruyama" }

    public init(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        self.parameters = parameters
        self.tau = parameters.timeStep / parameters.friction
        self.sigma = (2 * tau * parameters.temperature).squareRoot()
    }

    static func check(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        guard parameters.friction > 0 else {
            throw .invalidParameter("the overdamped scheme needs friction γ > 0 (its mobility is 1/γ)",
                                    parameter: "friction")
        }
    }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        self.parameters = parameters
        tau = parameters.timeStep / parameters.friction
        sigma = (2 * tau * parameters.temperature).squareRoot()
    }

    /// τ = h/γ and σ = √(2τT), precomputed.
    @usableFromInline var tau: Double
    @usableFromInline var sigma: Double

    /// yᵢ = xᵢ − τ gᵢ + ξᵢ for i in `range` (ξ already scaled by σ); returns Σ yᵢ·0 over the range, accumulated in
    /// order: 0 exactly when those yᵢ are finite.
    /// (The move every Euler–Maruyama path runs; public so that benchmarks time the library's own loop.)
    @inlinable @inline(__always)
    public static func move<S: BinaryFloatingPoint>(
        _ x: UnsafePointer<S>, _ g: UnsafePointer<S>, noise xi: UnsafePointer<S>,
        into y: UnsafeMutablePointer<S>, _ range: Range<Int>, tau hs: S
    ) -> S {
        var check: S = 0
        for i in range {
            let v = x[i] - hs * g[i] + xi[i]
            y[i] = v
            check += v * 0
        }
        return check
    }

    /// Writes the move y = x − τ∇U(x) + σξ into the state's trial position (no ξ drawn when σ = 0) and returns
    /// Σ yᵢ·0, accumulated in the same loop: 0 exactly when y is finite (v·0 is NaN when v is not finite).
    /// The caller has made the state unique.
    @inlinable @inline(__always)
    func propose<S, R: RandomSource>(_ state: inout LangevinState<S>, random: inout R) -> S {
        let n = state.dimension
        let x = state.x, g = state.g, y = state.trialX, xi = state.noise
        let hs = S(tau)
        var check: S = 0
        if sigma > 0 && n >= 4096 {
            // Large states (networks): the noise is applied block by block as it is drawn, on the source's threads.
            check = random.fillGaussian(UnsafeMutableBufferPointer(start: xi, count: n), standardDeviation: sigma) {
                range in Self.move(x, g, noise: xi, into: y, range, tau: hs)
            }
        } else if sigma > 0 {
            random.fillGaussian(generic: UnsafeMutableBufferPointer(start: xi, count: n), standardDeviation: sigma)
            check = Self.move(x, g, noise: xi, into: y, 0..<n, tau: hs)
        } else {
            for i in 0..<n {
                let v = x[i] - hs * g[i]
                y[i] = v
                check += v * 0
            }
        }
        return check
    }

    @inlinable @inline(__always)
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        state.makeUnique()
        return try stepOnUniqueState(&state, field: &field, random: &random)
    }

    /// The steps one after another with one copy-on-write check for the whole run instead of one per step.
    ///
    /// A small noisy state (d < 4096, σ > 0: toy potentials) runs with the state's buffer pointers, energy and
    /// step count in local variables, written back when the run ends; the arithmetic, the order of the random
    /// draws and the finiteness checks are those of ``step(_:field:random:)``, and a non-finite trial is handed to
    /// the state's own commit, so the divergence error and the state it keeps are the same too. Two dimensions
    /// (most of the built-in surfaces) are compiled with d a constant, so that their loops unroll. W1a's built-in
    /// double well on a Zen 4, against the C loop: 0.75 → 0.83× with mt19937, 0.65 → 0.78× with taus2 (constant
    /// cases for d = 1 and 3 as well made the expression path slower there, so there is one). For an exact field the
    /// position and energy are tested by one comparison (``LangevinState/trialIsFinite(energy:exact:check:)``); the
    /// run is compiled apart for fields whose finite energy implies a finite gradient, so that test is all it does; and it
    /// draws from a local copy of the source, written back when the run ends or fails (callgrind, instructions per
    /// W1a step with taus2, GSL's 168 included: 260 → 249). Tried and slower: two steps per iteration with the
    /// buffers' roles fixed instead of swapped (268), and drawing the noise of many steps ahead (Docs/Benchmarks.md).
    @inlinable @inline(__always)
    public mutating func advance<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R, steps: Int,
        totals: inout StepTotals
    ) throws(DivergenceError<F.Scalar>) {
        state.makeUnique()
        let n = state.dimension
        guard sigma > 0 && n < 4096 && steps > 1 else {
            for _ in 0..<steps { totals.add(try stepOnUniqueState(&state, field: &field, random: &random)) }
            return
        }
        typealias S = F.Scalar
        var x = state.x, g = state.g, y = state.trialX, gy = state.trialG
        let xi = state.noise
        let hs = S(tau), sd = sigma
        let exact = field.isExact, implied = field.gradientIsFiniteWhereEnergyIs && exact
        var u = state._energy
        var taken = 0
        // The run draws from a local copy of the source, read from this frame rather than through `random`
        // (4 instructions fewer a W1a step); every exit writes it back.
        var source = random
        func writeBack(_ state: inout LangevinState<S>) {
            random = source
            state.x = x; state.g = g; state.trialX = y; state.trialG = gy
            state._energy = u
            state._stepCount &+= taken
        }
        @inline(__always) func run(_ n: Int, _ implied: Bool) throws(DivergenceError<S>) {
            while taken < steps {
                source.fillGaussian(generic: UnsafeMutableBufferPointer(start: xi, count: n), standardDeviation: sd)
                let check = Self.move(x, g, noise: xi, into: y, 0..<n, tau: hs)
                let e = field.energyAndGradient(at: UnsafeBufferPointer(start: y, count: n),
                                                gradient: UnsafeMutableBufferPointer(start: gy, count: n))
                var acc = check
                if !implied { acc += field.gradientFinitenessCheck(UnsafeBufferPointer(start: gy, count: n)) }
                guard LangevinState<S>.trialIsFinite(energy: e, exact: exact, check: acc) else {
                    writeBack(&state)
                    // The trial buffers hold the failing move: the state's commit throws what step() would throw.
                    try state.commitTrial(energy: e, exact: exact, momentum: false, positionCheck: check,
                                          gradientImpliedFinite: field.gradientIsFiniteWhereEnergyIs,
                                          gradientCheck: field.trialGradientCheck(state))
                    preconditionFailure("a non-finite trial was committed")
                }
                swap(&x, &y)
                swap(&g, &gy)
                u = e
                taken &+= 1
                totals.add(StepInfo(energy: e, gradientEvaluations: 1))
            }
        }
        // The same code for any d; with the constant 2 (most built-in surfaces) the compiler unrolls its loops.
        if n == 2 && implied { try run(2, true) } else if n == 2 { try run(2, false) } else { try run(n, implied) }
        writeBack(&state)
    }

    /// ``step(_:field:random:)`` without the copy-on-write check (the caller has made the state unique).
    @inlinable @inline(__always)
    mutating func stepOnUniqueState<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        let check = propose(&state, random: &random)
        let n = state.dimension
        let u = field.energyAndGradient(at: UnsafeBufferPointer(start: state.trialX, count: n),
                                        gradient: UnsafeMutableBufferPointer(start: state.trialG, count: n))
        try state.commitTrial(energy: u, exact: field.isExact, momentum: false, positionCheck: check,
                              gradientImpliedFinite: field.gradientIsFiniteWhereEnergyIs,
                              gradientCheck: field.trialGradientCheck(state))
        return StepInfo(energy: u, gradientEvaluations: 1)
    }
}

/// The Metropolis-adjusted Langevin algorithm (Roberts & Tweedie 1996; Besag 1994): an Euler–Maruyama proposal
///
///     y = x − τ ∇U(x) + √(2τT) ξ,   τ = h/γ,
///
/// accepted with probability min(1, exp(−(U(y) − U(x))/T) · q(x | y) / q(y | x)),
/// log q(y | x) = −|y − x + τ∇U(x)|² / (4τT). It leaves exp(−U/T) exactly invariant for any h > 0.
/// Needs T > 0 and exact gradients. One gradient evaluation and two uniform/Gaussian draws per coordinate per step.
public struct MALA: LangevinIntegrator, Sendable {
    public var parameters: LangevinParameters { proposal.parameters }
    public var usesMomentum: Bool { false }
    public var requiresExactGradient: Bool { true }
    public var isMetropolisAdjusted: Bool { true }
    public var name: String { "mala" }

    public init(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        self.proposal = try EulerMaruyama(parameters)
    }

    static func check(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        guard parameters.temperature > 0 else {
            throw .invalidParameter("MALA needs temperature > 0 (its acceptance ratio divides by T)",
                                    parameter: "temperature")
        }
        guard parameters.friction > 0 else {
            throw .invalidParameter("MALA needs friction γ > 0 (its proposal step is h/γ)", parameter: "friction")
        }
    }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        try proposal.setParameters(parameters)
    }

    /// The Euler–Maruyama move that proposes.
    @usableFromInline var proposal: EulerMaruyama

    @inlinable @inline(__always)
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        state.makeUnique()
        let proposedFinite = proposal.propose(&state, random: &random) == 0
        let temperature = parameters.temperature, tau = proposal.tau
        let n = state.dimension
        let x = state.x, g = state.g, y = state.trialX, gy = state.trialG
        let u1 = field.energyAndGradient(at: UnsafeBufferPointer(start: y, count: n),
                                         gradient: UnsafeMutableBufferPointer(start: gy, count: n))
        // A non-finite proposal is rejected (the chain stays finite); it is not a divergence of the chain.
        let finite = proposedFinite && u1.isFinite && allFinite(UnsafeBufferPointer(start: gy, count: n))
        var logAlpha = -Double.infinity
        if finite {
            // log q(x|y) − log q(y|x) with q(b|a) ∝ exp(−|b − a + τ∇U(a)|² / (4τT)).
            var forward = 0.0, backward = 0.0
            for i in 0..<n {
                let f = Double(y[i]) - Double(x[i]) + tau * Double(g[i])
                let b = Double(x[i]) - Double(y[i]) + tau * Double(gy[i])
                forward += f * f
                backward += b * b
            }
            logAlpha = -(u1 - state._energy) / temperature - (backward - forward) / (4 * tau * temperature)
        }
        let alpha = logAlpha >= 0 ? 1.0 : Double.exp(logAlpha)
        let accept = random.nextUniform() < alpha
        if accept {
            swap(&state.x, &state.trialX)
            swap(&state.g, &state.trialG)
            state._energy = u1
        }
        state._stepCount += 1
        return StepInfo(energy: state._energy, acceptanceProbability: alpha.isNaN ? 0 : alpha, accepted: accept,
                        gradientEvaluations: 1)
    }
}
