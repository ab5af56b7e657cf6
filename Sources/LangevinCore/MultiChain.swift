// SPDX-License-Identifier: GPL-3.0-or-later

/// The kept states of one chain, stored row by row without per-row allocation.
///
/// Row layout: `position` (d values), then `momentum` (d values, underdamped schemes only), then `energy`.
public struct ChainSamples: Sendable {
    /// Chain index (0-based).
    public let chain: Int
    /// Dimension d.
    public let dimension: Int
    /// Whether rows carry momenta.
    public let hasMomentum: Bool
    /// Global step number (burn-in included, 1-based) of each kept row.
    public var steps: [Int] = []
    /// Row-major values, `rowWidth` per row.
    public var values: [Double] = []
    /// What the chain reports (acceptance, gradient evaluations, kinetic temperature).
    public var summary = ChainSummary()
    /// The divergence that stopped the chain early, if any.
    public var divergence: LangevinError?
    /// Position, momentum and energy of the last state (finite even after a divergence).
    public var finalPosition: [Double] = []

    public var rowWidth: Int { dimension * (hasMomentum ? 2 : 1) + 1 }
    public var count: Int { steps.count }

    public init(chain: Int, dimension: Int, hasMomentum: Bool) {
        self.chain = chain
        self.dimension = dimension
        self.hasMomentum = hasMomentum
    }

    /// Coordinate `i` of row `r`.
    @inlinable public func position(_ r: Int, _ i: Int) -> Double { values[r * rowWidth + i] }
    /// Energy of row `r`.
    @inlinable public func energy(_ r: Int) -> Double { values[r * rowWidth + rowWidth - 1] }
    /// The series of coordinate `i` over the kept rows.
    public func coordinateSeries(_ i: Int) -> [Double] { (0..<count).map { position($0, i) } }
    /// The series of U over the kept rows.
    public func energySeries() -> [Double] { (0..<count).map { energy($0) } }
    /// Row `r`'s position as an array.
    public func positionRow(_ r: Int) -> [Double] { Array(values[(r * rowWidth)..<(r * rowWidth + dimension)]) }

    /// Appends one kept state as a row.
    @inlinable public mutating func append<S>(step: Int, state: borrowing LangevinState<S>) {
        steps.append(step)
        let d = dimension
        let x = state.x
        for i in 0..<d { values.append(Double(x[i])) }
        if hasMomentum {
            let p = state.p
            for i in 0..<d { values.append(Double(p[i])) }
        }
        values.append(state.energy)
    }
}

/// Runs `chains` independent chains in parallel, chain i with its own energy copy `makeField(i)`, generator
/// `makeRandom(i)` and copy of `integrator` (any scheme, built in or not), all from the same initial position. Results come back in chain order and do not
/// depend on the number of threads.
///
/// `progress(stepsJustDone)` is called from worker threads every `progressInterval` steps of each chain.
@inlinable
public func sampleChains<I: LangevinIntegrator & Sendable, F: GradientEstimator & SendableMetatype,
                         R: RandomSource & SendableMetatype>(
    chains: Int,
    integrator: I,
    initialPosition: [F.Scalar],
    schedule: ChainSchedule,
    makeField: @Sendable (Int) -> F,
    makeRandom: @Sendable (Int) -> R,
    progressInterval: Int = 0,
    progress: (@Sendable (Int) -> Void)? = nil
) throws(LangevinError) -> [ChainSamples] {
    try schedule.validate()
    guard chains >= 1 else { throw .invalidParameter("the number of chains must be ≥ 1, got \(chains)", parameter: "chains") }
    // Fail early (and with the plain message) on a bad initial state.
    var probe = makeField(0)
    if integrator.requiresExactGradient && !probe.isExact {
        throw .invalidParameter("\(integrator.name) needs the exact energy and gradient, not a stochastic estimate")
    }
    _ = try LangevinState(position: initialPosition, field: &probe)

    let results: [Result<ChainSamples, LangevinError>] = parallelMap(count: chains) { c in
        var field = makeField(c)
        var random = makeRandom(c)
        var integrator = integrator
        var samples = ChainSamples(chain: c, dimension: initialPosition.count, hasMomentum: integrator.usesMomentum)
        samples.values.reserveCapacity(schedule.keptCount * samples.rowWidth)
        samples.steps.reserveCapacity(schedule.keptCount)
        var state: LangevinState<F.Scalar>
        do throws(LangevinError) {
            state = try LangevinState(position: initialPosition, field: &field)
        } catch {
            return .failure(error)
        }
        do throws(DivergenceError<F.Scalar>) {
            samples.summary = try runChain(
                integrator: &integrator, field: &field, state: &state, random: &random, schedule: schedule,
                progressInterval: progressInterval,
                progress: progress.map { p in { _ in p(progressInterval) } }
            ) { step, s in samples.append(step: step, state: s) }
            samples.finalPosition = state.position.map(Double.init)
        } catch {
            samples.divergence = LangevinError(.diverged, "chain \(c): \(error.description)")
            samples.summary.stepsTaken = error.step - 1
            samples.finalPosition = error.lastFiniteState.position.map(Double.init)
        }
        return .success(samples)
    }
    return try results.map { r throws(LangevinError) in try r.get() }
}
