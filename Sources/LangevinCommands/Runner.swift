// SPDX-License-Identifier: GPL-3.0-or-later
import Expressions
import GSLSupport
import LangevinCore
import Potentials

/// Everything a finished multi-chain run hands to the writers and the checks.
struct SamplingOutcome {
    var chains: [ChainSamples]
    var variableNames: [String]
    var integratorName: String
    var usesMomentum: Bool
    /// Whether the scheme accepts or rejects (its acceptance rate is a monitor).
    var isMetropolisAdjusted: Bool = false
    /// The first divergence among the chains, if any.
    var divergence: LangevinError? { chains.compactMap(\.divergence).first }
}

/// An energy that can hand each chain its own copy (expressions own scratch space; built-ins are plain values).
protocol PerChainCopyable {
    func copyForChain() -> Self
}

extension BuiltinPotential: PerChainCopyable {
    func copyForChain() -> BuiltinPotential { self }
}

extension ExpressionEnergy: PerChainCopyable {
    // Expressions keep their scratch space on the evaluating thread's stack: one value serves every chain.
    func copyForChain() -> ExpressionEnergy { self }
}

/// Carries a prototype energy into the worker threads; each chain takes its own copy before use.
struct PrototypeBox<E: PerChainCopyable>: @unchecked Sendable {
    // Safety: the prototype is only read (copied) concurrently; every chain mutates its own copy.
    let prototype: E
}

/// Runs the chains for `energy` with the options' integrator, generator and schedule: every chain in one process,
/// or this root's share and the workers' (``DistributedRun``), joined in chain order.
func runSampling<E: Energy & PerChainCopyable & SendableMetatype>(
    energy: E, options: SamplingOptions, initialPosition: [Double], showProgress: Bool
) throws(LangevinError) -> SamplingOutcome where E.Scalar == Double {
    let integrator = try AnyIntegrator(name: options.integrator, parameters: options.parameters)
    let total = options.chains
    let chains: [ChainSamples]
    if let group = DistributedRun.current {
        let shares = try DistributedRun.gatherShares(group, total: total) { (indices) throws(LangevinError) in
            DistributedRun.serialize(try sampleShare(energy: energy, options: options, initialPosition: initialPosition,
                                                     indices: indices, showProgress: showProgress))
        }
        chains = try DistributedRun.mergeChains(shares, total: total)
    } else {
        chains = try sampleShare(energy: energy, options: options, initialPosition: initialPosition,
                                 indices: Array(0..<total), showProgress: showProgress)
    }
    return SamplingOutcome(chains: chains, variableNames: energy.variableNames, integratorName: integrator.name,
                           usesMomentum: integrator.usesMomentum,
                           isMetropolisAdjusted: integrator.isMetropolisAdjusted)
}

/// Runs the chains numbered `indices` of the options' run (chain c from GSL stream (seed, c)).
func sampleShare<E: Energy & PerChainCopyable & SendableMetatype>(
    energy: E, options: SamplingOptions, initialPosition: [Double], indices: [Int], showProgress: Bool
) throws(LangevinError) -> [ChainSamples] where E.Scalar == Double {
    let integrator = try AnyIntegrator(name: options.integrator, parameters: options.parameters)
    let algorithm = try GSLAlgorithm(name: options.rng)
    let schedule = options.schedule
    let box = PrototypeBox(prototype: energy)
    let seed = options.seed
    let interval = max(1, schedule.totalSteps / 200)
    let bar = showProgress && !indices.isEmpty
        ? ProgressBar(total: schedule.totalSteps * indices.count,
                      label: indices.count == options.chains ? "sampling" : "sampling (\(indices.count) of \(options.chains) chains here)")
        : nil
    var progress: (@Sendable (Int) -> Void)? = nil
    if let bar { progress = { n in bar.advance(n) } }
    let chains = try sampleChains(
        indices: indices, integrator: integrator, initialPosition: initialPosition, schedule: schedule,
        makeField: { (_: Int) -> E in box.prototype.copyForChain() },
        makeRandom: { (c: Int) -> GSLRandom in GSLRandom(algorithm: algorithm, seed: seed, stream: c) },
        progressInterval: bar == nil ? 0 : interval,
        progress: progress)
    bar?.finish()
    return chains
}

/// Resolves the options and runs the chains.
func runSampling(energy: ResolvedEnergy, options: SamplingOptions, showProgress: Bool = true)
    throws(LangevinError) -> SamplingOutcome
{
    let x0 = try options.initialPosition(names: energy.variableNames, defaults: energy.defaultInitialPosition)
    switch energy {
    case .builtin(let p): return try runSampling(energy: p, options: options, initialPosition: x0, showProgress: showProgress)
    case .expression(let e): return try runSampling(energy: e, options: options, initialPosition: x0, showProgress: showProgress)
    }
}

/// A worker's share of a `sample` or `check` run: the chains numbered `indices`, serialized.
func samplingWorkerShare(energy options: EnergyOptions, sampling: SamplingOptions, indices: [Int])
    throws(LangevinError) -> WorkerShare
{
    let energy = try options.resolve()
    let x0 = try sampling.initialPosition(names: energy.variableNames, defaults: energy.defaultInitialPosition)
    return WorkerShare { () throws(LangevinError) in
        let chains: [ChainSamples]
        switch energy {
        case .builtin(let p):
            chains = try sampleShare(energy: p, options: sampling, initialPosition: x0, indices: indices, showProgress: false)
        case .expression(let e):
            chains = try sampleShare(energy: e, options: sampling, initialPosition: x0, indices: indices, showProgress: false)
        }
        return DistributedRun.serialize(chains)
    }
}

extension Sample: DistributedCommand {
    var chainCount: Int { sampling.chains }
    func prepareWorkerShare(_ share: [Int]) throws(LangevinError) -> WorkerShare {
        try samplingWorkerShare(energy: energy, sampling: sampling, indices: share)
    }
}

extension Check: DistributedCommand {
    var chainCount: Int { sampling.chains }
    func prepareWorkerShare(_ share: [Int]) throws(LangevinError) -> WorkerShare {
        try samplingWorkerShare(energy: energy, sampling: sampling, indices: share)
    }
}
