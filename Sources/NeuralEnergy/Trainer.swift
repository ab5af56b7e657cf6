// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import GSLSupport
import LangevinCore

import Datasets
import Evaluation
import NeuralNetworks
import RealModule

/// A named evaluation set (an OOD set, for instance).
public struct EvaluationSet: Sendable {
    public var name: String
    public var dataset: Dataset
    public init(name: String, dataset: Dataset) {
        self.name = name
        self.dataset = dataset
    }
}

/// The test set under a family of shifts (e.g. rotations by 0°, 15°, …, 180°): one data set per shift value.
public struct ShiftedTestSets: Sendable {
    /// The transform's name, e.g. `"rotation"`.
    public var transform: String
    /// The shift values (degrees for a rotation), one per set.
    public var values: [Double]
    /// The shifted test sets, in the order of ``values``; labels are the test set's.
    public var sets: [Dataset]
    public init(transform: String, values: [Double], sets: [Dataset]) {
        self.transform = transform
        self.values = values
        self.sets = sets
    }
}

/// The data of a training run: train and test splits, out-of-distribution sets and shifted test sets.
public struct TrainingData: Sendable {
    public var train: Dataset
    public var test: Dataset
    /// The OOD sets; the first is the report's `ood`.
    public var oodSets: [EvaluationSet]
    /// The test set under a shift, or nil.
    public var shift: ShiftedTestSets?
    /// The first OOD set.
    public var ood: Dataset? { oodSets.first?.dataset }
    /// The first OOD set's name.
    public var oodName: String? { oodSets.first?.name }

    public init(train: Dataset, test: Dataset, ood: Dataset? = nil, oodName: String? = nil) {
        self.init(train: train, test: test,
                  oodSets: ood.map { [EvaluationSet(name: oodName ?? $0.name, dataset: $0)] } ?? [])
    }

    public init(train: Dataset, test: Dataset, oodSets: [EvaluationSet], shift: ShiftedTestSets? = nil) {
        self.train = train
        self.test = test
        self.oodSets = oodSets
        self.shift = shift
    }
}

/// The posterior predictive of one chain at the end of its run, before it is pooled with other chains'.
///
/// For SGD (or a chain that stopped before its first kept sample) the accumulators hold the last weights' single
/// prediction, so that an ensemble of SGD runs pools one network per chain.
public struct ChainPredictive: Sendable, Codable {
    /// Test-set predictive.
    public var test: PredictiveAccumulator
    /// One accumulator per OOD set (``TrainingData/oodSets``).
    public var ood: [PredictiveAccumulator]
    /// One accumulator per shifted test set (``TrainingData/shift``); fed from every ``Trainer/shiftStride``-th
    /// kept sample.
    public var shift: [PredictiveAccumulator]
}

/// What a finished (or diverged) chain hands to the pooling and the report writer.
public struct ChainResult: Sendable, Codable {
    /// The chain's index (0-based; chain 0 is the run `--chains 1` makes with the same seed).
    public var chain: Int
    public var predictive: ChainPredictive
    /// Test metrics of the last weights.
    public var last: ClassificationMetrics
    /// Per kept sample: the sample's own test NLL, its weight norm ‖w‖, and p(true label) at three fixed test rows
    /// (``Trainer/functionalNames``), one array each, in sampling order.
    public var functionals: [[Double]]
    public var diverged: String?
    public var curve: [TrainingLogPoint]
    public var weightTraces: [LayerWeightTrace]
    /// Examples processed (steps × B) and the seconds spent in steps.
    public var examplesTrained: Double
    public var samplingSeconds: Double
}

/// What a finished (or diverged) run hands to the report writer.
public struct TrainingOutcome {
    public var posterior: ClassificationMetrics
    public var last: ClassificationMetrics
    public var samplesAveraged: Int
    /// The first OOD set's detection (report key `ood`).
    public var ood: OODDetection?
    /// Every OOD set's detection (report key `ood_sets`).
    public var oodSets: [OODDetection]
    /// The pooled predictive's metrics on each shifted test set, with the shift value.
    public var shift: [(value: Double, metrics: ClassificationMetrics)]
    public var effectiveTemperature: Double
    public var samplesPerSecond: Double
    public var diverged: String?
    public var curve: TrainingCurve
    public var weightTraces: [LayerWeightTrace]
    public var confidence: ConfidenceSummary
    /// The number of chains pooled.
    public var chains: Int
    /// Per chain: its own predictive's metrics and samples (empty for one chain).
    public var perChain: [PerChainSummary]
    /// Between-chain diagnostics (nil for one chain).
    public var chainDiagnostics: ChainDiagnostics?
}

/// Trains (samples) a network posterior with one of the core's integrators and a minibatch gradient, keeps the
/// posterior predictive online, and checkpoints its complete state so that a resumed run continues bit for bit.
///
/// The run is one chain of the core (``MarkovChain``: a ``TrainingIntegrator``, the ``MinibatchEnergy``, the chain
/// state and the random source) advanced by the core's driver ``drive(_:steps:before:after:)``: before each step the
/// trainer sets the phase (warm start or sampling) and η(t), T(t); after it, it keeps samples, logs epochs and
/// writes checkpoints.
///
/// **Chains.** Chain k of a run with seed s draws its initial weights, its minibatch order and its noise from
/// streams derived from (s, k) (``chainSeed(_:chain:)``; chain 0's are the single-chain run's). Several chains are
/// run and pooled by ``MultiChainTrainer``.
public final class Trainer {
    typealias Chain = MarkovChain<TrainingIntegrator, MinibatchEnergy<SequentialNetwork>, NetworkNoise>

    public let configuration: TrainingConfiguration
    public let data: TrainingData
    /// This chain's index (0-based).
    public let chainIndex: Int
    /// Worker threads of the network and the noise (nil: all processors).
    let threads: Int?
    let network: SequentialNetwork
    /// The chain: integrator, minibatch energy, weights and random source.
    var chain: Chain
    /// Steps taken so far (t).
    public internal(set) var stepsDone = 0
    var testAccumulator: PredictiveAccumulator
    var oodAccumulators: [PredictiveAccumulator]
    var shiftAccumulators: [PredictiveAccumulator]
    /// Per kept sample, the scalar functionals of ``functionalNames``.
    var functionals: [[Double]]
    var curve: [TrainingLogPoint] = []
    var weightTraces: [LayerWeightTrace]
    var epochEnergySum = 0.0
    var epochEnergyCount = 0
    var divergence: String?
    var samplingSeconds = 0.0
    /// Where kept samples' weights go (nil: not saved).
    public var weightFile: WeightSampleFile?

    /// Minibatches per epoch, ⌈N/B⌉ (stored: the chain is borrowed by the driver while the run's hooks read it).
    public let stepsPerEpoch: Int
    /// The number of network parameters d.
    public var parameterCount: Int { network.parameterCount }
    public var totalSteps: Int { configuration.epochs * stepsPerEpoch }
    /// Number of classes c, from the data.
    var classes: Int { network.classCount }
    /// The shifted test sets see every `shiftStride`-th kept sample (the first included), so that at most
    /// ``maxShiftSamples`` samples are evaluated on them: each shifted set costs a test-set evaluation per sample.
    public let shiftStride: Int
    /// The most kept samples the shifted test sets are evaluated on.
    public static let maxShiftSamples = 20
    /// The names of the per-sample functionals whose between-chain R̂ and ESS the report gives.
    public static let functionalNames = ["sample_test_nll", "weight_norm", "p_true_first", "p_true_middle", "p_true_last"]

    /// The seed of chain k's streams: the run's seed for chain 0, a SplitMix64 mix of (seed, k) for the others.
    public static func chainSeed(_ seed: UInt64, chain: Int) -> UInt64 {
        chain == 0 ? seed : SplitMix64.mix(seed, 0x6368_6169_6E00 &+ UInt64(chain))
    }

    /// - Parameters:
    ///   - chain: the chain's index k ≥ 0 (its streams come from (seed, k)).
    ///   - threads: worker threads of the chain's network and noise (default: all processors); chains run side by
    ///     side use 1 each.
    public init(configuration: TrainingConfiguration, data: TrainingData, chain: Int = 0,
                threads: Int? = nil) throws(LangevinError) {
        try configuration.validate(trainSize: data.train.count)
        guard chain >= 0 else { throw .invalidParameter("the chain index must be ≥ 0, got \(chain)", parameter: "chains") }
        let shape = (data.train.rows, data.train.cols, data.train.classes)
        var checked = [("test", data.test)] + data.oodSets.map { ("OOD", $0.dataset) }
        if let shift = data.shift {
            guard shift.sets.count == shift.values.count else {
                throw LangevinError(.invalidParameter,
                    "\(shift.sets.count) shifted test sets for \(shift.values.count) shift values")
            }
            for set in shift.sets {
                guard set.labels == data.test.labels else {
                    throw LangevinError(.invalidData, "the shifted test set \(set.name) does not have the test set's labels")
                }
            }
            checked += shift.sets.map { ("shifted test", $0) }
        }
        for (role, set) in checked {
            guard (set.rows, set.cols) == (shape.0, shape.1) else {
                throw LangevinError(.invalidData,
                    "the \(role) set \(set.name) has \(set.rows)×\(set.cols) images, the training set \(shape.0)×\(shape.1)")
            }
        }
        guard data.test.classes == shape.2 else {
            throw LangevinError(.invalidData,
                "the test set \(data.test.name) has \(data.test.classes) classes, the training set \(shape.2)")
        }
        if case .cnn = configuration.model, shape.0 < 4 || shape.1 < 4 {
            throw LangevinError(.invalidData, "the CNN needs images of at least 4×4 pixels; the data have \(shape.0)×\(shape.1)")
        }
        self.configuration = configuration
        self.data = data
        self.chainIndex = chain
        self.threads = threads
        let net = configuration.model.makeNetwork(rows: shape.0, cols: shape.1, classes: shape.2,
                                                  maxBatchSize: max(configuration.batchSize, 100), threads: threads)
        network = net
        let seed = Self.chainSeed(configuration.seed, chain: chain)
        var initRandom = GSLRandom(algorithm: configuration.rng, seed: seed, stream: 0)
        let w0 = net.initialParameters(random: &initRandom)
        var energy = MinibatchEnergy(network: net, inputs: data.train.images, labels: data.train.labels,
                                     batchSize: configuration.batchSize,
                                     prior: .isotropic(precision: Float(configuration.priorPrecision)),
                                     seed: SplitMix64.mix(seed, 0xDA7A))
        let state = try LangevinState(position: w0, field: &energy)
        let random = NetworkNoise(configuration: configuration, chain: chain, parallelism: threads)
        let c = configuration
        let sampler = try SamplerIntegrator(sampler: c.sampler, stepSize: c.schedule.stepSize(at: 0),
                                            momentum: c.momentum, temperature: c.temperature)
        let warm = c.sampler != .sgd && c.warmStartEpochs > 0
            ? try SamplerIntegrator(sampler: .sgd, stepSize: c.warmStartStepSize, momentum: c.momentum, temperature: 0)
            : nil
        stepsPerEpoch = energy.batchesPerEpoch
        self.chain = Chain(integrator: TrainingIntegrator(warmStart: warm, sampler: sampler), field: energy, state: state,
                      random: random)
        testAccumulator = try PredictiveAccumulator(rows: data.test.count, classes: net.classCount)
        oodAccumulators = try data.oodSets.map { d throws(LangevinError) in
            try PredictiveAccumulator(rows: d.dataset.count, classes: net.classCount)
        }
        shiftAccumulators = try (data.shift?.sets ?? []).map { d throws(LangevinError) in
            try PredictiveAccumulator(rows: d.count, classes: net.classCount)
        }
        functionals = Array(repeating: [], count: Self.functionalNames.count)
        let weightBlocks = net.parameterBlocks.filter { $0.role == "weight" }
        weightTraces = weightBlocks.map { LayerWeightTrace(name: "layer \($0.parameterizedLayer + 1)", points: []) }
        // Kept samples over the whole run, for the shift stride.
        var kept = 0
        let total = configuration.epochs * stepsPerEpoch
        let (burn, thin) = (configuration.burnInEpochs * stepsPerEpoch, configuration.thin)
        if configuration.sampler != .sgd {
            var done = burn + thin
            while done <= total {
                if !configuration.schedule.isExploring(at: done - 1 - configuration.warmStartEpochs * stepsPerEpoch) {
                    kept += 1
                }
                done += thin
            }
        }
        shiftStride = max(1, (kept + Self.maxShiftSamples - 1) / Self.maxShiftSamples)
    }

    // MARK: - The step

    /// Whether step t (0-based) belongs to the SGD warm start.
    func isWarmStart(_ t: Int) -> Bool {
        configuration.sampler != .sgd && t < configuration.warmStartEpochs * stepsPerEpoch
    }

    /// Sets the chain up for step t (0-based): the phase, η(t) and T(t).
    ///
    /// The warm start's step is constant, or decayed by the cosine of an SGD run over the whole budget (the sampler
    /// then takes the last epochs over from SGD's tail, instead of SGD's schedule being squeezed into the warm
    /// start). The sampler's schedule runs on the sampling phase's own clock (t counted from the end of the warm
    /// start); in a cyclical schedule's exploration stage T = 0.
    func prepareStep(_ t: Int, _ chain: inout Chain) throws(LangevinError) {
        let c = configuration
        if c.sampler == .sgd {
            try chain.integrator.setStepSize(c.schedule.stepSize(at: t), temperature: 0)
            return
        }
        if isWarmStart(t) {
            let warmSteps = Double(c.epochs * stepsPerEpoch)
            let decay = c.warmStartCosine ? 0.5 * (Double.cos(Double.pi * Double(t) / warmSteps) + 1) : 1
            chain.integrator.inWarmStart = true
            try chain.integrator.setStepSize(c.warmStartStepSize * decay, temperature: 0)
            return
        }
        let warmEnd = c.warmStartEpochs * stepsPerEpoch
        if chain.integrator.inWarmStart {
            chain.integrator.inWarmStart = false
        }
        if t == warmEnd && c.warmStartEpochs > 0 && chain.state.hasMomentum {
            // Leaving the warm start: the sampler starts from rest (underdamped) or without momenta.
            chain.state.setMomentum([Float](repeating: 0, count: chain.state.dimension))
        }
        let ts = t - warmEnd
        let temperature = c.schedule.isExploring(at: ts) ? 0 : c.temperature
        try chain.integrator.setStepSize(c.schedule.stepSize(at: ts), temperature: temperature)
    }

    /// The temperature the sampling phase's update realises: with this package's single convention (U carries the
    /// N/B factor and the prior; the noise is √(2ηT)) it is the set T for every sampler, 0 for SGD — the talk's
    /// convention (mean loss, noise variance η) would give N/2. That the code's noise and drift really realise it is
    /// tested on Bayesian linear regression, whose posterior is known in closed form.
    public var effectiveTemperature: Double {
        configuration.sampler == .sgd ? 0 : configuration.temperature
    }

    // MARK: - Evaluation

    /// Softmax probabilities of `dataset` at the weights of `state` (default: the chain's), row-major [n × c].
    func probabilities(_ dataset: Dataset, at state: LangevinState<Float>? = nil) -> [Float] {
        let c = classes, d = dataset.pixelsPerImage
        var out = [Float](repeating: 0, count: dataset.count * c)
        let b = network.maxBatchSize
        (state ?? chain.state).withPosition { w in
            dataset.images.withUnsafeBufferPointer { images in
                out.withUnsafeMutableBufferPointer { o in
                    var start = 0
                    while start < dataset.count {
                        let n = min(b, dataset.count - start)
                        network.predictProbabilities(
                            parameters: w, inputs: images.baseAddress! + start * d, count: n,
                            into: UnsafeMutableBufferPointer(rebasing: o[(start * c)..<((start + n) * c)]))
                        start += n
                    }
                }
            }
        }
        return out
    }

    /// Adds the predictions of the weights in `state` to the posterior-predictive accumulators, and records the
    /// sample's functionals.
    func keepSample(_ state: LangevinState<Float>) throws(LangevinError) {
        if let weightFile {
            let written: Result<Void, LangevinError> = state.withPosition { w in
                do throws(LangevinError) { try weightFile.append(w); return .success(()) } catch { return .failure(error) }
            }
            try written.get()
        }
        let keptBefore = testAccumulator.samplesAveraged
        let p = probabilities(data.test, at: state)
        try testAccumulator.add(probabilities: p, rows: 0..<data.test.count)
        try testAccumulator.finishSample()
        for (i, set) in data.oodSets.enumerated() {
            let q = probabilities(set.dataset, at: state)
            try oodAccumulators[i].add(probabilities: q, rows: 0..<set.dataset.count)
            try oodAccumulators[i].finishSample()
        }
        if let shift = data.shift, keptBefore % shiftStride == 0 {
            for (i, set) in shift.sets.enumerated() {
                let q = probabilities(set, at: state)
                try shiftAccumulators[i].add(probabilities: q, rows: 0..<set.count)
                try shiftAccumulators[i].finishSample()
            }
        }
        for (i, v) in sampleFunctionals(probabilities: p, state: state).enumerated() { functionals[i].append(v) }
    }

    /// The functionals of ``functionalNames`` for one sample: its test NLL (nats per example), ‖w‖, and the
    /// probability of the true label at test rows 0, n/2 and n − 1.
    func sampleFunctionals(probabilities p: [Float], state: LangevinState<Float>) -> [Double] {
        let n = data.test.count, c = classes
        var nll = 0.0
        for i in 0..<n {
            nll -= Double.log(max(Double(p[i * c + Int(data.test.labels[i])]), ClassificationMetrics.probabilityFloor))
        }
        let norm = state.withPosition { w in w.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
        let rows = [0, n / 2, n - 1]
        return [nll / Double(max(n, 1)), norm] + rows.map { Double(p[$0 * c + Int(data.test.labels[$0])]) }
    }

    func accuracy(of state: LangevinState<Float>) throws(LangevinError) -> Double {
        let predicted = try predictedClasses(probabilities: probabilities(data.test, at: state), classes: classes)
        let correct = zip(predicted, data.test.labels).filter { $0 == Int($1) }.count
        return Double(correct) / Double(max(data.test.count, 1))
    }

    func logEpoch(_ epoch: Int, _ state: LangevinState<Float>) throws(LangevinError) {
        let meanEnergy = epochEnergySum / Double(max(epochEnergyCount, 1)) / Double(data.train.count)
        curve.append(TrainingLogPoint(x: Double(epoch), loss: meanEnergy, testAccuracy: try accuracy(of: state)))
        epochEnergySum = 0
        epochEnergyCount = 0
        let blocks = network.parameterBlocks.filter { $0.role == "weight" }
        let w = state.position
        for (i, block) in blocks.enumerated() {
            weightTraces[i].points.append(try WeightStatistics(x: Double(epoch), weights: Array(w[block.range])))
        }
    }

    /// Whether the state after step t (1-based count `done`) is kept as a posterior sample.
    func isKept(afterSteps done: Int) -> Bool {
        let c = configuration
        guard c.sampler != .sgd else { return false }
        let burn = c.burnInEpochs * stepsPerEpoch
        guard done > burn, (done - burn) % c.thin == 0 else { return false }
        return !c.schedule.isExploring(at: done - 1 - c.warmStartEpochs * stepsPerEpoch)
    }

    // MARK: - The run

    /// Runs from the current step to the end; writes a checkpoint every `checkpointEvery` steps (and at the end).
    public func run(checkpointEvery: Int? = nil, checkpointPath: String? = nil,
                    progress: ((Int, Int) -> Void)? = nil) throws(LangevinError) -> TrainingOutcome {
        try advance(to: totalSteps, checkpointEvery: checkpointEvery, checkpointPath: checkpointPath, progress: progress)
        return try TrainingOutcome(pooling: [finish()], configuration: configuration, data: data)
    }

    /// Whether the chain has taken its last step (or diverged).
    public var isFinished: Bool { stepsDone >= totalSteps || divergence != nil }

    /// Runs from the current step up to step `end` (at most the run's total), writing a checkpoint every
    /// `checkpointEvery` steps; a divergence ends the chain (``isFinished``) without throwing.
    public func advance(to end: Int, checkpointEvery: Int? = nil, checkpointPath: String? = nil,
                        progress: ((Int, Int) -> Void)? = nil) throws(LangevinError) {
        let s = stepsPerEpoch, total = totalSteps
        let stop = min(end, total)
        guard stepsDone < stop, divergence == nil else { return }
        var stepStart: UInt64 = 0
        do throws(ChainRunError<Float>) {
            _ = try drive(&chain, steps: stepsDone..<stop) { t, chain throws(LangevinError) in
                try prepareStep(t, &chain)
                stepStart = DispatchTime.now().uptimeNanoseconds
            } after: { t, info, chain throws(LangevinError) in
                samplingSeconds += Double(DispatchTime.now().uptimeNanoseconds - stepStart) * 1e-9
                if info.energy.isFinite {
                    epochEnergySum += info.energy
                    epochEnergyCount += 1
                }
                stepsDone = t + 1
                if isKept(afterSteps: stepsDone) { try keepSample(chain.state) }
                if stepsDone % s == 0 { try logEpoch(stepsDone / s, chain.state) }
                progress?(stepsDone, total)
                if let every = checkpointEvery, let path = checkpointPath, stepsDone % every == 0, stepsDone < total {
                    try writeCheckpoint(chain, to: path)
                }
                return .proceed
            }
        } catch {
            switch error {
            case .diverged(let e):
                divergence = "diverged at step \(e.step) (epoch \(stepsDone / s + 1)): non-finite \(e.quantity); "
                    + "the last finite weights were kept"
            case .failed(let e):
                throw e
            }
        }
    }

    /// The chain's result: its predictive (the last weights' when no sample was kept: SGD, or a chain that stopped
    /// before its first sample; those weights are then the one row the weight file holds), last metrics, functionals.
    public func finish() throws(LangevinError) -> ChainResult {
        let last = probabilities(data.test)
        let lastMetrics = try ClassificationMetrics(probabilities: last, labels: data.test.labels, classes: classes)
        var predictive = ChainPredictive(test: testAccumulator, ood: oodAccumulators, shift: shiftAccumulators)
        if predictive.test.samplesAveraged == 0 {
            if let weightFile {
                let written: Result<Void, LangevinError> = chain.state.withPosition { w in
                    do throws(LangevinError) { try weightFile.append(w); return .success(()) } catch { return .failure(error) }
                }
                try written.get()
                try weightFile.sync()
            }
            func single(_ set: Dataset, _ p: [Float]? = nil) throws(LangevinError) -> PredictiveAccumulator {
                var a = try PredictiveAccumulator(rows: set.count, classes: classes)
                try a.add(probabilities: p ?? probabilities(set), rows: 0..<set.count)
                try a.finishSample()
                return a
            }
            predictive.test = try single(data.test, last)
            predictive.ood = try data.oodSets.map { e throws(LangevinError) in try single(e.dataset) }
            predictive.shift = try (data.shift?.sets ?? []).map { d throws(LangevinError) in try single(d) }
        } else if predictive.shift.contains(where: { $0.samplesAveraged == 0 }) {
            throw LangevinError(.invalidData, "chain \(chainIndex + 1): a shifted test set has no sample")
        }
        return ChainResult(
            chain: chainIndex, predictive: predictive, last: lastMetrics, functionals: functionals,
            diverged: divergence, curve: curve, weightTraces: weightTraces,
            examplesTrained: Double(stepsDone * configuration.batchSize), samplingSeconds: samplingSeconds)
    }
}
