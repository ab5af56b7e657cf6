// SPDX-License-Identifier: GPL-3.0-or-later

/// How long a chain runs and which states it keeps.
///
/// The chain first takes `burnIn` steps that are discarded, then `steps` further steps; of those it keeps every
/// `thin`-th (global step numbers burnIn + thin, burnIn + 2·thin, …), so it keeps ⌊steps / thin⌋ states.
public struct ChainSchedule: Sendable, Equatable {
    public var steps: Int
    public var burnIn: Int
    public var thin: Int

    public init(steps: Int, burnIn: Int = 0, thin: Int = 1) {
        self.steps = steps
        self.burnIn = burnIn
        self.thin = thin
    }

    public func validate() throws(LangevinError) {
        guard steps >= 1 else { throw .invalidParameter("the number of sampling steps must be ≥ 1, got \(steps)", parameter: "steps") }
        guard burnIn >= 0 else { throw .invalidParameter("the number of burn-in steps must be ≥ 0, got \(burnIn)", parameter: "burnIn") }
        guard thin >= 1 else { throw .invalidParameter("the thinning interval must be ≥ 1, got \(thin)", parameter: "thin") }
        guard burnIn <= Int.max - steps else {
            throw .invalidParameter("burn-in plus sampling steps is too large for a 64-bit count (\(burnIn) + \(steps))",
                                    parameter: "burnIn")
        }
    }

    /// Number of states kept.
    public var keptCount: Int { steps / thin }
    /// Total steps taken, burn-in included.
    public var totalSteps: Int { burnIn + steps }
}

/// What a finished (or diverged) chain reports besides its kept states.
public struct ChainSummary: Sendable, Equatable {
    /// Steps actually taken (burn-in included).
    public var stepsTaken: Int = 0
    /// Mean Metropolis acceptance probability over all steps (1 for unadjusted schemes).
    public var meanAcceptance: Double = 0
    /// Fraction of accepted proposals.
    public var acceptanceRate: Double = 0
    /// Gradient evaluations spent.
    public var gradientEvaluations: Int = 0
    /// Mean kinetic temperature ⟨|p|²/m⟩/d over kept states (NaN for overdamped schemes).
    public var kineticTemperature: Double = .nan
    public init() {}
}

/// Runs one chain: burn-in, then sampling; calls `keep(step, state)` for each kept state, in order, and
/// `progress(stepsDone)` every `progressInterval` steps. For Metropolis-adjusted schemes, `keptAcceptance(α)` is
/// called after each `keep` with the acceptance probability α of the step that produced the kept state.
///
/// On divergence the chain stops: the error names the step and carries the last finite state; states kept before it
/// were already delivered through `keep`.
@inlinable
public func runChain<I: LangevinIntegrator, F: GradientEstimator, R: RandomSource>(
    integrator: inout I, field: inout F, state: inout LangevinState<F.Scalar>, random: inout R,
    schedule: ChainSchedule, progressInterval: Int = 0, progress: ((Int) -> Void)? = nil,
    keptAcceptance: ((Double) -> Void)? = nil,
    keep: (Int, borrowing LangevinState<F.Scalar>) -> Void
) throws(DivergenceError<F.Scalar>) -> ChainSummary {
    if var any = integrator as? AnyIntegrator {
        // A scheme chosen at run time: select it once, outside the step loop.
        defer { integrator = any as! I }
        return try runChain(integrator: &any, field: &field, state: &state, random: &random, schedule: schedule,
                            progressInterval: progressInterval, progress: progress, keptAcceptance: keptAcceptance,
                            keep: keep)
    }
    do {
        try schedule.validate()
    } catch {
        preconditionFailure("runChain: \(error.message) (check the schedule with ChainSchedule.validate() first)")
    }
    var summary = ChainSummary()
    integrator.prepare(&state, random: &random)
    let adjusted = integrator.isMetropolisAdjusted   // track acceptance
    var totals = StepTotals()
    var kinetic = 0.0
    var keptStates = 0
    let inverseMass = 1 / integrator.parameters.mass
    let total = schedule.totalSteps
    var t = 0
    // Step numbers of the next kept state and the next progress report; between them the loop only steps and counts.
    var nextKeep = schedule.thin <= total - schedule.burnIn ? schedule.burnIn + schedule.thin : Int.max
    var nextProgress = progressInterval > 0 ? progressInterval : Int.max
    while t < total {
        let stop = min(nextKeep, nextProgress, total)
        try integrator.advance(&state, field: &field, random: &random, steps: stop - t, totals: &totals)
        t = stop
        if t == nextKeep {
            nextKeep = t <= total - schedule.thin ? t + schedule.thin : Int.max
            if integrator.usesMomentum {
                let s = state.withMomentum { p in
                    var s = 0.0
                    for v in p { s += Double(v) * Double(v) }
                    return s
                }
                kinetic += s * inverseMass / Double(state.dimension)
            }
            keptStates += 1
            keep(t, state)
            if adjusted { keptAcceptance?(totals.last.acceptanceProbability) }
        }
        if t == nextProgress {
            nextProgress = t <= Int.max - progressInterval ? t + progressInterval : Int.max
            progress?(t)
        }
    }
    summary.stepsTaken = t
    summary.gradientEvaluations = totals.gradientEvaluations
    if integrator.usesMomentum && keptStates > 0 { summary.kineticTemperature = kinetic / Double(keptStates) }
    summary.meanAcceptance = adjusted ? totals.acceptanceSum / Double(max(t, 1)) : 1
    summary.acceptanceRate = adjusted ? Double(totals.accepted) / Double(max(t, 1)) : 1
    return summary
}

/// ``runChain(integrator:field:state:random:schedule:progressInterval:progress:keptAcceptance:keep:)`` for an integrator chosen at
/// run time: the scheme is selected once, outside the step loop, so the loop runs the concrete scheme.
@inlinable
public func runChain<F: GradientEstimator, R: RandomSource>(
    integrator: inout AnyIntegrator, field: inout F, state: inout LangevinState<F.Scalar>, random: inout R,
    schedule: ChainSchedule, progressInterval: Int = 0, progress: ((Int) -> Void)? = nil,
    keptAcceptance: ((Double) -> Void)? = nil,
    keep: (Int, borrowing LangevinState<F.Scalar>) -> Void
) throws(DivergenceError<F.Scalar>) -> ChainSummary {
    switch integrator {
    case .eulerMaruyama(var i):
        defer { integrator = .eulerMaruyama(i) }
        return try runChain(integrator: &i, field: &field, state: &state, random: &random, schedule: schedule,
                            progressInterval: progressInterval, progress: progress, keptAcceptance: keptAcceptance,
                            keep: keep)
    case .mala(var i):
        defer { integrator = .mala(i) }
        return try runChain(integrator: &i, field: &field, state: &state, random: &random, schedule: schedule,
                            progressInterval: progressInterval, progress: progress, keptAcceptance: keptAcceptance,
                            keep: keep)
    case .splitting(var i):
        defer { integrator = .splitting(i) }
        return try runChain(integrator: &i, field: &field, state: &state, random: &random, schedule: schedule,
                            progressInterval: progressInterval, progress: progress, keptAcceptance: keptAcceptance,
                            keep: keep)
    }
}
