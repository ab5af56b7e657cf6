// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import Synchronization
import LangevinCore
import Diagnostics

import Datasets
import Evaluation
import NeuralNetworks
import RealModule

extension ChainDiagnostics {
    /// The diagnostics of finished chains (at least two).
    public init(chains: [ChainResult], classes: Int) throws(LangevinError) {
        guard chains.count >= 2 else {
            throw LangevinError(.invalidParameter, "between-chain diagnostics need at least 2 chains, got \(chains.count)")
        }
        let functionals = Trainer.functionalNames.enumerated().map { i, name in
            let n = chains.map { $0.functionals[i].count }.min() ?? 0
            let draws = chains.map { Array($0.functionals[i].prefix(n)) }
            return FunctionalDiagnostic(name: name, rHat: ArviZStyleESS.rankNormalizedSplitRHat(draws),
                                        essBulk: ArviZStyleESS.bulk(draws), drawsPerChain: n)
        }
        var pooled = chains[0].predictive.test
        for c in chains.dropFirst() { try pooled.merge(c.predictive.test) }
        let mi = try pooled.mutualInformation()
        let mutualInformation = mi.reduce(0, +) / Double(max(mi.count, 1))
        let means = try chains.map { c throws(LangevinError) in try c.predictive.test.meanProbabilities() }
        let rows = chains[0].predictive.test.rows
        let k = Double(chains.count)
        var between = 0.0
        for r in 0..<rows {
            var mixture = [Double](repeating: 0, count: classes)
            var meanEntropy = 0.0
            for m in means {
                var h = 0.0
                for j in 0..<classes {
                    let p = m[r * classes + j]
                    mixture[j] += p / k
                    if p > 0 { h -= p * Double.log(p) }
                }
                meanEntropy += h / k
            }
            var hMix = 0.0
            for p in mixture where p > 0 { hMix -= p * Double.log(p) }
            between += max(0, hMix - meanEntropy)
        }
        let betweenChainMutualInformation = between / Double(max(rows, 1))
        let predicted = try means.map { m throws(LangevinError) in try predictedClasses(probabilities: m, classes: classes) }
        var pairs = 0.0, differ = 0.0
        for a in 0..<predicted.count {
            for b in (a + 1)..<predicted.count {
                pairs += 1
                differ += Double(zip(predicted[a], predicted[b]).filter { $0 != $1 }.count) / Double(max(rows, 1))
            }
        }
        self.init(functionals: functionals, mutualInformation: mutualInformation,
                  betweenChainMutualInformation: betweenChainMutualInformation, disagreement: differ / max(pairs, 1))
    }
}

extension TrainingOutcome {
    /// The outcome of finished chains: the posterior predictive pools every kept sample of every chain (each
    /// sample weighs the same); `last`, the curve and the weight traces are chain 1's.
    public init(pooling chains: [ChainResult], configuration: TrainingConfiguration,
                data: TrainingData) throws(LangevinError) {
        guard let first = chains.first else {
            throw LangevinError(.invalidParameter, "no chain to pool")
        }
        let classes = first.predictive.test.classes
        var test = first.predictive.test
        var ood = first.predictive.ood
        var shift = first.predictive.shift
        for c in chains.dropFirst() {
            try test.merge(c.predictive.test)
            for i in ood.indices { try ood[i].merge(c.predictive.ood[i]) }
            for i in shift.indices { try shift[i].merge(c.predictive.shift[i]) }
        }
        let mean = try test.meanProbabilities()
        posterior = try ClassificationMetrics(probabilities: mean, labels: data.test.labels, classes: classes)
        last = first.last
        samplesAveraged = test.samplesAveraged
        oodSets = try zip(data.oodSets, ood).map { set, o throws(LangevinError) in
            try OODDetection(dataset: set.name, inDistribution: test, outOfDistribution: o)
        }
        self.ood = oodSets.first
        self.shift = try zip(data.shift?.values ?? [], shift).map { v, a throws(LangevinError) in
            (v, try ClassificationMetrics(probabilities: a.meanProbabilities(), labels: data.test.labels, classes: classes))
        }
        effectiveTemperature = configuration.sampler == .sgd ? 0 : configuration.temperature
        let seconds = chains.reduce(0) { $0 + $1.samplingSeconds }
        samplesPerSecond = seconds > 0 ? chains.reduce(0) { $0 + $1.examplesTrained } / seconds : 0
        let divergences = chains.compactMap { c in c.diverged.map { chains.count > 1 ? "chain \(c.chain + 1) \($0)" : $0 } }
        diverged = divergences.isEmpty ? nil : divergences.joined(separator: "; ")
        var label = configuration.sampler == .sgd ? "SGD" : configuration.sampler.rawValue.uppercased()
        if chains.count > 1 { label += configuration.sampler == .sgd ? " ensemble ×\(chains.count)" : " ×\(chains.count) chains" }
        curve = TrainingCurve(label: label, points: first.curve)
        weightTraces = first.weightTraces
        let oodMean = try ood.first.map { o throws(LangevinError) in try o.meanProbabilities() }
        confidence = try ConfidenceSummary(label: label, probabilities: mean, labels: data.test.labels, classes: classes,
                                           oodProbabilities: oodMean,
                                           oodName: data.oodName)
        self.chains = chains.count
        if chains.count > 1 {
            perChain = try chains.map { c throws(LangevinError) in
                let m = try ClassificationMetrics(probabilities: c.predictive.test.meanProbabilities(),
                                                  labels: data.test.labels, classes: classes)
                let detection = try c.predictive.ood.first.map { o throws(LangevinError) in
                    try OODDetection(dataset: "", inDistribution: c.predictive.test, outOfDistribution: o)
                }
                return PerChainSummary(chain: c.chain + 1, testAccuracy: m.accuracy, testNLL: m.nll, testECE: m.ece,
                                    testBrier: m.brier, samplesAveraged: c.predictive.test.samplesAveraged,
                                    aurocEntropy: detection?.aurocEntropy ?? .nan,
                                    meanOODConfidence: detection?.meanConfidence ?? .nan, diverged: c.diverged)
            }
            chainDiagnostics = try ChainDiagnostics(chains: chains, classes: classes)
        } else {
            perChain = []
            chainDiagnostics = nil
        }
    }
}

/// K independent chains of one training configuration, run side by side and pooled.
///
/// Chain k (0-based) is a ``Trainer`` with `chain: k`: its own initial weights, minibatch order and noise from
/// (seed, k). With more than one chain and more than one processor the chains run concurrently, each on one thread
/// (network and noise single-threaded, OpenBLAS set to one thread for the run): a pool of min(K, processors)
/// workers takes chains in turn for `slice` steps at a time, so every chain advances at the same pace. A chain's
/// results depend only on (configuration, k), never on the number of threads or on the order the workers took
/// chains in. With one chain this is exactly ``Trainer/run(checkpointEvery:checkpointPath:progress:)``.
public final class MultiChainTrainer {
    public let trainers: [Trainer]
    public let configuration: TrainingConfiguration
    public let data: TrainingData
    /// Worker threads running chains at the same time.
    public let concurrency: Int

    /// - Parameters:
    ///   - chains: K ≥ 1, the chains of the whole run.
    ///   - concurrency: chains run at once (default: min(K, processors)); with 1 the chains run one after another,
    ///     each with the network's default threads.
    ///   - indices: the chains this process runs (default: all of 0..<K) — one process's share when several
    ///     cooperate (MPI ranks). Chain k is the same whichever share it falls in and however many run at a time.
    ///   - threadsPerChain: the network, noise and BLAS threads of each chain (nil: 1 when K ≥ 2, so that a chain's
    ///     numbers never depend on the cores, the concurrency or the share; the processors when K = 1). The chains
    ///     are built (their initial gradient), run and evaluated with OpenBLAS on that many threads: OpenBLAS's sums
    ///     depend on its thread count.
    public init(configuration: TrainingConfiguration, data: TrainingData, chains: Int,
                concurrency: Int? = nil, indices: [Int]? = nil, threadsPerChain: Int? = nil) throws(LangevinError) {
        guard chains >= 1 else {
            throw .invalidParameter("the number of chains must be ≥ 1, got \(chains)", parameter: "chains")
        }
        guard chains <= 1024 else {
            throw .invalidParameter("at most 1024 chains, got \(chains)", parameter: "chains")
        }
        let share = indices ?? Array(0..<chains)
        guard share.allSatisfy({ (0..<chains).contains($0) }), Set(share).count == share.count else {
            throw .invalidParameter("chain indices must be distinct and in 0..<\(chains), got \(share)", parameter: "chains")
        }
        if let t = threadsPerChain, t < 1 {
            throw .invalidParameter("threads per chain must be ≥ 1, got \(t)")
        }
        let workers = max(1, min(share.count, concurrency ?? ThreadBudget.processors))
        self.concurrency = workers
        self.configuration = configuration
        self.data = data
        self.chains = chains
        let threads = threadsPerChain ?? (chains > 1 ? 1 : nil)
        self.threadsPerChain = threads
        trainers = try Self.withBLASThreads(threads) { () throws(LangevinError) in
            var made: [Trainer] = []
            for k in share {
                made.append(try Trainer(configuration: configuration, data: data, chain: k, threads: threads))
            }
            return made
        }
    }

    /// K, the chains of the whole run (``trainers`` holds this process's share of them).
    public let chains: Int
    /// The threads each chain runs with (nil: the processors).
    public let threadsPerChain: Int?

    /// Runs `body` with OpenBLAS on one thread when the chains have a thread count of their own (nil: as it is).
    /// Whatever touches a chain's numbers outside ``runChains(checkpointEvery:checkpointPath:progress:)`` (restoring
    /// a checkpoint) runs inside `withChainThreads`. (Each network evaluation sets OpenBLAS to one thread anyway, in
    /// the same process-wide counted scope, so that chains side by side never restore it under each other.)
    static func withBLASThreads<T>(_ threads: Int?, _ body: () throws(LangevinError) -> T) throws(LangevinError) -> T {
        guard threads != nil else { return try body() }
        return try NetworkThreads.withSingleThreadedBLAS(body)
    }

    /// Runs `body` with OpenBLAS as the chains run it (for restoring checkpoints and the like).
    public func withChainThreads<T>(_ body: () throws(LangevinError) -> T) throws(LangevinError) -> T {
        try Self.withBLASThreads(threadsPerChain, body)
    }

    public var totalSteps: Int { trainers.reduce(0) { $0 + $1.totalSteps } }
    public var stepsDone: Int { trainers.reduce(0) { $0 + $1.stepsDone } }

    /// Runs every chain to its end and pools them. `checkpointPath(k)` names chain k's checkpoint file (nil: none);
    /// `progress` is called (from any worker thread) with the steps done over all chains and their total.
    public func run(checkpointEvery: Int? = nil, checkpointPath: ((Int) -> String?)? = nil,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws(LangevinError) -> TrainingOutcome {
        let started = DispatchTime.now().uptimeNanoseconds
        let results = try runChains(checkpointEvery: checkpointEvery, checkpointPath: checkpointPath, progress: progress)
        return try Self.pool(results, configuration: configuration, data: data,
                             wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9)
    }

    /// Pools finished chains (of one process or gathered from several), which must be in chain order: the posterior
    /// predictive sums them in that order, so the pooled figures are the same to the last bit however the chains
    /// were run. With several chains the throughput is every chain's examples over `wallSeconds`.
    public static func pool(_ results: [ChainResult], configuration: TrainingConfiguration, data: TrainingData,
                            wallSeconds: Double) throws(LangevinError) -> TrainingOutcome {
        var outcome = try TrainingOutcome(pooling: results, configuration: configuration, data: data)
        if results.count > 1 {
            let examples = results.reduce(0) { $0 + $1.examplesTrained }
            if wallSeconds > 0 { outcome.samplesPerSecond = examples / wallSeconds }
        }
        return outcome
    }

    /// Runs this process's chains to their end and returns their results in the order of ``trainers``, unpooled.
    public func runChains(checkpointEvery: Int? = nil, checkpointPath: ((Int) -> String?)? = nil,
                          progress: (@Sendable (Int, Int) -> Void)? = nil) throws(LangevinError) -> [ChainResult] {
        try withChainThreads { () throws(LangevinError) in
            let total = totalSteps
            if concurrency <= 1 {
                for t in trainers {
                    let offset = stepsDone - t.stepsDone
                    try t.advance(to: t.totalSteps, checkpointEvery: checkpointEvery,
                                  checkpointPath: checkpointPath?(t.chainIndex)) { d, _ in
                        progress?(offset + d, total)
                    }
                }
            } else {
                try runConcurrently(checkpointEvery: checkpointEvery, checkpointPath: checkpointPath, progress: progress)
            }
            return try trainers.map { t throws(LangevinError) in try t.finish() }
        }
    }

    /// Steps a worker runs of one chain before taking the next: an epoch.
    var slice: Int { max(1, trainers[0].stepsPerEpoch) }

    private func runConcurrently(checkpointEvery: Int?, checkpointPath: ((Int) -> String?)?,
                                 progress: (@Sendable (Int, Int) -> Void)?) throws(LangevinError) {
        let queue = ChainQueue(count: trainers.count)
        let failure = Mutex<LangevinError?>(nil)
        let done = Atomic<Int>(stepsDone)
        let total = totalSteps
        let box = UnsafeTransfer(self)
        let paths = UnsafeTransfer(checkpointPath)
        DispatchQueue.concurrentPerform(iterations: concurrency) { _ in
            let me = box.value
            while failure.withLock({ $0 == nil }), let k = queue.next(where: { !me.trainers[$0].isFinished }) {
                let t = me.trainers[k]
                let before = t.stepsDone
                do throws(LangevinError) {
                    try t.advance(to: (t.stepsDone / me.slice + 1) * me.slice, checkpointEvery: checkpointEvery,
                                  checkpointPath: paths.value?(t.chainIndex))
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
                let now = done.add(t.stepsDone - before, ordering: .relaxed).newValue
                progress?(now, total)
                queue.release(k)
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// Hands out chain indices round-robin, each to one worker at a time.
private final class ChainQueue: @unchecked Sendable {
    private let lock = Mutex<(next: Int, busy: [Bool])>((0, []))
    private let count: Int
    init(count: Int) {
        self.count = count
        lock.withLock { $0.busy = [Bool](repeating: false, count: count) }
    }

    /// The next chain (round-robin from the last handed out) that is not busy and satisfies `wanted`, or nil when
    /// every wanted chain is busy or none is left: the workers holding the busy ones finish them (there are at least
    /// as many of those workers as unfinished chains), so the caller may stop.
    func next(where wanted: (Int) -> Bool) -> Int? {
        lock.withLock { s in
            for i in 0..<count {
                let k = (s.next + i) % count
                if !s.busy[k] && wanted(k) {
                    s.busy[k] = true
                    s.next = (k + 1) % count
                    return k
                }
            }
            return nil
        }
    }

    func release(_ k: Int) { lock.withLock { $0.busy[k] = false } }
}

/// A value handed to worker threads that only read it (the trainers are driven by one worker at a time).
private struct UnsafeTransfer<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
