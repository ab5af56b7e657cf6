// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import GSLSupport
import LangevinCore

#if canImport(Glibc)
import Glibc
import Datasets
import Evaluation
import NeuralNetworks
#endif
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }

/// The data of a training run: train and test splits, and optionally an out-of-distribution set.
public struct TrainingData: Sendable {
    public var train: Dataset
    public var test: Dataset
    public var ood: Dataset?
    public var oodName: String?
    public init(train: Dataset, test: Dataset, ood: Dataset? = nil, oodName: String? = nil) {
        self.train = train
        self.test = test
        self.ood = ood
        self.oodName = oodName
    }
}

/// What a finished (or diverged) run hands to the report writer.
public struct TrainingOutcome {
    public var posterior: ClassificationMetrics
    public var last: ClassificationMetrics
    public var samplesAveraged: Int
    public var ood: OODDetection?
    public var effectiveTemperature: Double
    public var samplesPerSecond: Double
    public var diverged: String?
    public var curve: TrainingCurve
    public var weightTraces: [LayerWeightTrace]
    public var confidence: ConfidenceSummary
    public var lastProbabilities: [Float]
}

/// Trains (samples) a network posterior with one of the core's integrators and a minibatch gradient, keeps the
/// posterior predictive online, and checkpoints its complete state so that a resumed run continues bit for bit.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let data: TrainingData
    let network: SequentialNetwork
    var energy: MinibatchEnergy<SequentialNetwork>
    var state: LangevinState<Float>
    var random: NetworkNoise
    var preconditioned: PreconditionedEulerMaruyama<Float>?
    /// Steps taken so far (t).
    public internal(set) var stepsDone = 0
    var testAccumulator: PredictiveAccumulator
    var oodAccumulator: PredictiveAccumulator?
    var curve: [TrainingLogPoint] = []
    var weightTraces: [LayerWeightTrace]
    var epochEnergySum = 0.0
    var epochEnergyCount = 0
    var divergence: String?
    var samplingSeconds = 0.0
    var evaluationBuffer: [Float]
    /// Where kept samples' weights go (nil: not saved).
    public var weightFile: WeightSampleFile?
    let orderScheme = try! SplittingScheme("OBA")
    let underdampedScheme = try! SplittingScheme("BAOAB")

    public var stepsPerEpoch: Int { energy.batchesPerEpoch }
    /// The number of network parameters d.
    public var parameterCount: Int { network.parameterCount }
    public var totalSteps: Int { configuration.epochs * stepsPerEpoch }

    public init(configuration: TrainingConfiguration, data: TrainingData) throws(LangevinError) {
        try configuration.validate(trainSize: data.train.count)
        guard data.train.pixelsPerImage == 784, data.test.pixelsPerImage == 784 else {
            throw LangevinError(.invalidData, "the networks take 28×28 images; the data have \(data.train.rows)×\(data.train.cols)")
        }
        self.configuration = configuration
        self.data = data
        let net = configuration.model.makeNetwork(maxBatchSize: max(configuration.batchSize, 100))
        network = net
        var initRandom = GSLRandom(algorithm: configuration.rng, seed: configuration.seed, stream: 0)
        let w0 = net.initialParameters(random: &initRandom)
        energy = MinibatchEnergy(network: net, inputs: data.train.images, labels: data.train.labels,
                                 batchSize: configuration.batchSize,
                                 prior: .isotropic(precision: Float(configuration.priorPrecision)),
                                 seed: SplitMix64.mix(configuration.seed, 0xDA7A))
        state = try LangevinState(position: w0, field: &energy)
        random = NetworkNoise(configuration: configuration)
        if configuration.sampler == .psgld {
            preconditioned = try PreconditionedEulerMaruyama<Float>(
                dimension: net.parameterCount, timeStep: configuration.stepSize, temperature: configuration.temperature)
        }
        testAccumulator = try PredictiveAccumulator(rows: data.test.count, classes: 10)
        oodAccumulator = try data.ood.map { d throws(LangevinError) in try PredictiveAccumulator(rows: d.count, classes: 10) }
        let weightBlocks = net.parameterBlocks.filter { $0.role == "weight" }
        weightTraces = weightBlocks.map { LayerWeightTrace(name: "layer \($0.parameterizedLayer + 1)", points: []) }
        evaluationBuffer = [Float](repeating: 0, count: net.maxBatchSize * 10)
    }

    // MARK: - The step

    /// Whether step t (0-based) belongs to the SGD warm start.
    func isWarmStart(_ t: Int) -> Bool {
        configuration.sampler != .sgd && t < configuration.warmStartEpochs * stepsPerEpoch
    }

    /// One step of the configured sampler at step index t.
    func step(_ t: Int) throws(DivergenceError<Float>) -> StepInfo {
        let c = configuration
        if c.sampler == .sgd {
            return try sgdStep(eta: c.schedule.stepSize(at: t))
        }
        if isWarmStart(t) {
            // Constant, or decayed by the cosine of an SGD run over the whole budget (the sampler then takes the
            // last epochs over from SGD's tail, instead of SGD's schedule being squeezed into the warm start).
            let warmSteps = Double(c.epochs * stepsPerEpoch)
            let decay = c.warmStartCosine ? 0.5 * (_cos(Double.pi * Double(t) / warmSteps) + 1) : 1
            return try sgdStep(eta: c.warmStartStepSize * decay)
        }
        if t == c.warmStartEpochs * stepsPerEpoch && c.warmStartEpochs > 0 && state.hasMomentum {
            // Leaving the warm start: the sampler starts from rest (underdamped) or without momenta.
            state.setMomentum([Float](repeating: 0, count: state.dimension))
        }
        // The schedule runs on the sampling phase's own clock (t counted from the end of the warm start).
        let ts = t - c.warmStartEpochs * stepsPerEpoch
        let eta = c.schedule.stepSize(at: ts)
        let temperature = c.schedule.isExploring(at: ts) ? 0 : c.temperature
        switch c.sampler {
        case .sgd, .sgld:   // (sgd returned above)
            let em = try! EulerMaruyama(LangevinParameters(timeStep: eta, temperature: temperature))
            return try em.step(&state, field: &energy, random: &random)
        case .psgld:
            preconditioned!.timeStep = eta
            preconditioned!.temperature = temperature
            return try preconditioned!.step(&state, field: &energy, random: &random)
        case .sghmc:
            let h = eta.squareRoot()
            let p = LangevinParameters(timeStep: h, temperature: temperature, friction: -_log(c.momentum) / h)
            let integrator = try! SplittingIntegrator(p, scheme: underdampedScheme)
            return try integrator.step(&state, field: &energy, random: &random)
        }
    }

    /// SGD with heavy-ball momentum μ as the core's "OBA" splitting at T = 0 (h = √η, e^{−γh} = μ), or plain
    /// gradient descent (Euler–Maruyama at T = 0) when μ = 0.
    func sgdStep(eta: Double) throws(DivergenceError<Float>) -> StepInfo {
        let mu = configuration.momentum
        if mu == 0 {
            let em = try! EulerMaruyama(LangevinParameters(timeStep: eta, temperature: 0))
            return try em.step(&state, field: &energy, random: &random)
        }
        let h = eta.squareRoot()
        let p = LangevinParameters(timeStep: h, temperature: 0, friction: -_log(mu) / h)
        let integrator = try! SplittingIntegrator(p, scheme: orderScheme)
        return try integrator.step(&state, field: &energy, random: &random)
    }

    /// The temperature the sampling phase's update implies: noise variance per step over twice the coefficient of ∇U
    /// in the drift (SGLD/pSGLD: 2ηT/(2η); SGHMC's O step: (1 − c²)mT/((1 − c²)m)); 0 for SGD. With this package's
    /// single convention (U carries the N/B factor and the prior; the noise is √(2ηT)) it is the set T for every
    /// sampler — the talk's convention (mean loss, noise variance η) would give N/2. That the code's noise and drift
    /// really realise it is tested on Bayesian linear regression, whose posterior is known in closed form.
    public var effectiveTemperature: Double {
        configuration.sampler == .sgd ? 0 : configuration.temperature
    }

    // MARK: - Evaluation

    /// Softmax probabilities of `dataset` at the current weights, row-major [n × 10].
    func probabilities(_ dataset: Dataset) -> [Float] {
        var out = [Float](repeating: 0, count: dataset.count * 10)
        let b = network.maxBatchSize
        state.withPosition { w in
            dataset.images.withUnsafeBufferPointer { images in
                out.withUnsafeMutableBufferPointer { o in
                    var start = 0
                    while start < dataset.count {
                        let n = min(b, dataset.count - start)
                        network.predictProbabilities(
                            parameters: w, inputs: images.baseAddress! + start * 784, count: n,
                            into: UnsafeMutableBufferPointer(rebasing: o[(start * 10)..<((start + n) * 10)]))
                        start += n
                    }
                }
            }
        }
        return out
    }

    /// Adds the current weights' predictions to the posterior-predictive accumulators.
    func keepSample() throws(LangevinError) {
        if let weightFile {
            let written: Result<Void, LangevinError> = state.withPosition { w in
                do throws(LangevinError) { try weightFile.append(w); return .success(()) } catch { return .failure(error) }
            }
            try written.get()
        }
        let p = probabilities(data.test)
        try testAccumulator.add(probabilities: p, rows: 0..<data.test.count)
        try testAccumulator.finishSample()
        if let ood = data.ood {
            let q = probabilities(ood)
            try oodAccumulator!.add(probabilities: q, rows: 0..<ood.count)
            try oodAccumulator!.finishSample()
        }
    }

    func accuracyOfCurrentWeights() throws(LangevinError) -> Double {
        let predicted = try predictedClasses(probabilities: probabilities(data.test), classes: 10)
        let correct = zip(predicted, data.test.labels).filter { $0 == Int($1) }.count
        return Double(correct) / Double(max(data.test.count, 1))
    }

    func logEpoch(_ epoch: Int) throws(LangevinError) {
        let meanEnergy = epochEnergySum / Double(max(epochEnergyCount, 1)) / Double(data.train.count)
        curve.append(TrainingLogPoint(x: Double(epoch), loss: meanEnergy, testAccuracy: try accuracyOfCurrentWeights()))
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
        let s = stepsPerEpoch
        while stepsDone < totalSteps && divergence == nil {
            let t = stepsDone
            let t0 = DispatchTime.now().uptimeNanoseconds
            do {
                let info = try step(t)
                if info.energy.isFinite {
                    epochEnergySum += info.energy
                    epochEnergyCount += 1
                }
            } catch {
                divergence = "diverged at step \(error.step) (epoch \(t / s + 1)): non-finite \(error.quantity); "
                    + "the last finite weights were kept"
                break
            }
            samplingSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
            stepsDone = t + 1
            if isKept(afterSteps: stepsDone) { try keepSample() }
            if stepsDone % s == 0 { try logEpoch(stepsDone / s) }
            progress?(stepsDone, totalSteps)
            if let every = checkpointEvery, let path = checkpointPath, stepsDone % every == 0, stepsDone < totalSteps {
                try writeCheckpoint(to: path)
            }
        }
        return try finish()
    }

    func finish() throws(LangevinError) -> TrainingOutcome {
        let last = probabilities(data.test)
        let lastMetrics = try ClassificationMetrics(probabilities: last, labels: data.test.labels, classes: 10)
        var posteriorAccumulator = testAccumulator
        var oodPosterior = oodAccumulator
        if posteriorAccumulator.samplesAveraged == 0 {
            // SGD, or a run that stopped before its first sample: the posterior predictive is the last weights'.
            posteriorAccumulator = try PredictiveAccumulator(rows: data.test.count, classes: 10)
            try posteriorAccumulator.add(probabilities: last, rows: 0..<data.test.count)
            try posteriorAccumulator.finishSample()
            if let ood = data.ood {
                var o = try PredictiveAccumulator(rows: ood.count, classes: 10)
                try o.add(probabilities: probabilities(ood), rows: 0..<ood.count)
                try o.finishSample()
                oodPosterior = o
            }
        }
        let mean = try posteriorAccumulator.meanProbabilities()
        let posterior = try ClassificationMetrics(probabilities: mean, labels: data.test.labels, classes: 10)
        var ood: OODDetection? = nil
        var oodMean: [Double]? = nil
        if let o = oodPosterior, let name = data.oodName {
            ood = try OODDetection(dataset: name, inDistribution: posteriorAccumulator, outOfDistribution: o)
            oodMean = try o.meanProbabilities()
        }
        let label = configuration.sampler == .sgd ? "SGD" : configuration.sampler.rawValue.uppercased()
        let confidence = try ConfidenceSummary(label: label, probabilities: mean, labels: data.test.labels, classes: 10,
                                               oodProbabilities: oodMean, oodName: data.oodName)
        let trained = Double(stepsDone * configuration.batchSize)
        return TrainingOutcome(
            posterior: posterior, last: lastMetrics,
            samplesAveraged: posteriorAccumulator.samplesAveraged, ood: ood,
            effectiveTemperature: effectiveTemperature,
            samplesPerSecond: samplingSeconds > 0 ? trained / samplingSeconds : 0,
            diverged: divergence,
            curve: TrainingCurve(label: label, points: curve), weightTraces: weightTraces,
            confidence: confidence, lastProbabilities: last)
    }
}
