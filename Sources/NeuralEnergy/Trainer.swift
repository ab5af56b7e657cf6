// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import GSLSupport
import LangevinCore

import Datasets
import Evaluation
import NeuralNetworks
import RealModule

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
}

/// Trains (samples) a network posterior with one of the core's integrators and a minibatch gradient, keeps the
/// posterior predictive online, and checkpoints its complete state so that a resumed run continues bit for bit.
///
/// The run is one chain of the core (``MarkovChain``: a ``TrainingIntegrator``, the ``MinibatchEnergy``, the chain
/// state and the random source) advanced by the core's driver ``drive(_:steps:before:after:)``: before each step the
/// trainer sets the phase (warm start or sampling) and η(t), T(t); after it, it keeps samples, logs epochs and
/// writes checkpoints.
public final class Trainer {
    typealias Chain = MarkovChain<TrainingIntegrator, MinibatchEnergy<SequentialNetwork>, NetworkNoise>

    public let configuration: TrainingConfiguration
    public let data: TrainingData
    let network: SequentialNetwork
    /// The chain: integrator, minibatch energy, weights and random source.
    var chain: Chain
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
    /// Where kept samples' weights go (nil: not saved).
    public var weightFile: WeightSampleFile?

    /// Minibatches per epoch, ⌈N/B⌉ (stored: the chain is borrowed by the driver while the run's hooks read it).
    public let stepsPerEpoch: Int
    /// The number of network parameters d.
    public var parameterCount: Int { network.parameterCount }
    public var totalSteps: Int { configuration.epochs * stepsPerEpoch }
    /// Number of classes c, from the data.
    var classes: Int { network.classCount }

    public init(configuration: TrainingConfiguration, data: TrainingData) throws(LangevinError) {
        try configuration.validate(trainSize: data.train.count)
        let shape = (data.train.rows, data.train.cols, data.train.classes)
        for (role, set) in [("test", data.test)] + (data.ood.map { [("OOD", $0)] } ?? []) {
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
        let net = configuration.model.makeNetwork(rows: shape.0, cols: shape.1, classes: shape.2,
                                                  maxBatchSize: max(configuration.batchSize, 100))
        network = net
        var initRandom = GSLRandom(algorithm: configuration.rng, seed: configuration.seed, stream: 0)
        let w0 = net.initialParameters(random: &initRandom)
        var energy = MinibatchEnergy(network: net, inputs: data.train.images, labels: data.train.labels,
                                     batchSize: configuration.batchSize,
                                     prior: .isotropic(precision: Float(configuration.priorPrecision)),
                                     seed: SplitMix64.mix(configuration.seed, 0xDA7A))
        let state = try LangevinState(position: w0, field: &energy)
        let random = NetworkNoise(configuration: configuration)
        let c = configuration
        let sampler = try SamplerIntegrator(sampler: c.sampler, stepSize: c.schedule.stepSize(at: 0),
                                            momentum: c.momentum, temperature: c.temperature)
        let warm = c.sampler != .sgd && c.warmStartEpochs > 0
            ? try SamplerIntegrator(sampler: .sgd, stepSize: c.warmStartStepSize, momentum: c.momentum, temperature: 0)
            : nil
        stepsPerEpoch = energy.batchesPerEpoch
        chain = Chain(integrator: TrainingIntegrator(warmStart: warm, sampler: sampler), field: energy, state: state,
                      random: random)
        testAccumulator = try PredictiveAccumulator(rows: data.test.count, classes: net.classCount)
        oodAccumulator = try data.ood.map { d throws(LangevinError) in
            try PredictiveAccumulator(rows: d.count, classes: net.classCount)
        }
        let weightBlocks = net.parameterBlocks.filter { $0.role == "weight" }
        weightTraces = weightBlocks.map { LayerWeightTrace(name: "layer \($0.parameterizedLayer + 1)", points: []) }
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

    /// Adds the predictions of the weights in `state` to the posterior-predictive accumulators.
    func keepSample(_ state: LangevinState<Float>) throws(LangevinError) {
        if let weightFile {
            let written: Result<Void, LangevinError> = state.withPosition { w in
                do throws(LangevinError) { try weightFile.append(w); return .success(()) } catch { return .failure(error) }
            }
            try written.get()
        }
        let p = probabilities(data.test, at: state)
        try testAccumulator.add(probabilities: p, rows: 0..<data.test.count)
        try testAccumulator.finishSample()
        if let ood = data.ood {
            let q = probabilities(ood, at: state)
            try oodAccumulator!.add(probabilities: q, rows: 0..<ood.count)
            try oodAccumulator!.finishSample()
        }
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
        let s = stepsPerEpoch, total = totalSteps
        guard stepsDone < total, divergence == nil else { return try finish() }
        var stepStart: UInt64 = 0
        do throws(ChainRunError<Float>) {
            _ = try drive(&chain, steps: stepsDone..<total) { t, chain throws(LangevinError) in
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
        return try finish()
    }

    func finish() throws(LangevinError) -> TrainingOutcome {
        let classes = self.classes
        let last = probabilities(data.test)
        let lastMetrics = try ClassificationMetrics(probabilities: last, labels: data.test.labels, classes: classes)
        var posteriorAccumulator = testAccumulator
        var oodPosterior = oodAccumulator
        if posteriorAccumulator.samplesAveraged == 0 {
            // SGD, or a run that stopped before its first sample: the posterior predictive is the last weights',
            // and those weights are the one sample the weight file holds (its rows are the samples averaged).
            if let weightFile {
                let written: Result<Void, LangevinError> = chain.state.withPosition { w in
                    do throws(LangevinError) { try weightFile.append(w); return .success(()) } catch { return .failure(error) }
                }
                try written.get()
                try weightFile.sync()
            }
            posteriorAccumulator = try PredictiveAccumulator(rows: data.test.count, classes: classes)
            try posteriorAccumulator.add(probabilities: last, rows: 0..<data.test.count)
            try posteriorAccumulator.finishSample()
            if let ood = data.ood {
                var o = try PredictiveAccumulator(rows: ood.count, classes: classes)
                try o.add(probabilities: probabilities(ood), rows: 0..<ood.count)
                try o.finishSample()
                oodPosterior = o
            }
        }
        let mean = try posteriorAccumulator.meanProbabilities()
        let posterior = try ClassificationMetrics(probabilities: mean, labels: data.test.labels, classes: classes)
        var ood: OODDetection? = nil
        var oodMean: [Double]? = nil
        if let o = oodPosterior, let name = data.oodName {
            ood = try OODDetection(dataset: name, inDistribution: posteriorAccumulator, outOfDistribution: o)
            oodMean = try o.meanProbabilities()
        }
        let label = configuration.sampler == .sgd ? "SGD" : configuration.sampler.rawValue.uppercased()
        let confidence = try ConfidenceSummary(label: label, probabilities: mean, labels: data.test.labels, classes: classes,
                                               oodProbabilities: oodMean, oodName: data.oodName)
        let trained = Double(stepsDone * configuration.batchSize)
        return TrainingOutcome(
            posterior: posterior, last: lastMetrics,
            samplesAveraged: posteriorAccumulator.samplesAveraged, ood: ood,
            effectiveTemperature: effectiveTemperature,
            samplesPerSecond: samplingSeconds > 0 ? trained / samplingSeconds : 0,
            diverged: divergence,
            curve: TrainingCurve(label: label, points: curve), weightTraces: weightTraces,
            confidence: confidence)
    }
}
