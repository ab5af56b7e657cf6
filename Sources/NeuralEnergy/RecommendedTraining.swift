// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport
import LangevinCore

/// The tuned training settings for a sampler, a model and a training-set size N, in the package's convention
/// (steps on U = (N/B)·ΣNLL + prior, i.e. a mean-loss learning rate divided by N). These are the defaults of
/// `langevin train`; measurements behind them are in Docs/Networks.md.
public struct RecommendedTraining: Sendable {
    public let sampler: NetworkSampler
    public let model: ModelSpec
    /// N, the number of training examples.
    public let trainSize: Int

    public init(sampler: NetworkSampler, model: ModelSpec, trainSize: Int) {
        self.sampler = sampler
        self.model = model
        self.trainSize = trainSize
    }

    var n: Double { Double(max(trainSize, 1)) }

    /// Whether the CNN or a large (> 20 000 images) data set: fewer, longer epochs.
    public var isLarge: Bool {
        if case .cnn = model { return true }
        return trainSize > 20000
    }

    /// SGD's step: learning rate 0.3 (MLP on small data), 0.1 (MLP on 60k images) or 0.05 (CNN) on the mean loss,
    /// i.e. 0.3/N … on U (the tuned values of the PyTorch reference runs).
    public var sgdStepSize: Double {
        if case .cnn = model { return 0.05 / n }
        return (trainSize > 20000 ? 0.1 : 0.3) / n
    }

    /// The sampler's step η. SGLD: the peak 0.2/N of a cyclical schedule (5e-5 on MNIST-5k) for the MLP on small
    /// data, else a constant 0.002/N. SGHMC: 0.0002/N, ten times smaller than constant SGLD, since its momentum
    /// (μ = 0.9) amplifies the drift by 1/(1 − μ). pSGLD: 10⁻⁶ in parameter units (G ≈ 1/|∇U|).
    ///
    /// Why cyclical for SGLD: on MNIST-5k a constant 0.002/N never leaves the warm start's mode (five such chains
    /// pool to exactly what the five SGD networks they start from give), and a constant 0.04/N explores but costs
    /// accuracy (one chain 0.938 against SGD's 0.946). Cycles that explore at T = 0 with a large step and sample
    /// while the step decays to 0 (Zhang et al. 2020) keep the accuracy and still move: see Docs/Networks.md.
    public var stepSize: Double {
        switch sampler {
        case .sgd: sgdStepSize
        case .sgld: cyclicalSGLD ? 0.2 / n : 0.002 / n
        case .psgld: 1e-6
        case .sghmc: 0.0002 / n
        }
    }

    /// SGD's own budget: 40 epochs on MNIST-5k, 5 on 60k images, 8 for the CNN.
    public var sgdEpochs: Int {
        if case .cnn = model { return 8 }
        return trainSize > 20000 ? 5 : 40
    }

    /// SGD: its budget. Samplers: a warm start of that many SGD epochs, then 20 epochs (MLP on small data) or 3
    /// (CNN) of sampling; on 60k images the whole budget is SGD's 5 epochs.
    public var epochs: Int {
        switch sampler {
        case .sgd: sgdEpochs
        default: trainSize > 20000 ? sgdEpochs : sgdEpochs + (isLarge ? 3 : 20)
        }
    }

    /// The warm start: SGD's budget, except on 60k images where 4 of the 5 epochs are SGD.
    public var warmStartEpochs: Int { trainSize > 20000 ? sgdEpochs - 1 : sgdEpochs }

    /// SGD decays its step by a cosine on 60k images (5 epochs: the tuned reference does); on MNIST-5k a constant
    /// step for 40 epochs did as well or better (0.952 / NLL 0.195 against 0.948 / 0.210, seed 1).
    public var cosineSGD: Bool { trainSize > 20000 }

    /// Whether SGLD runs the cyclical schedule by default: the MLP on small data (where it was measured).
    public var cyclicalSGLD: Bool { sampler == .sgld && !isLarge }

    /// The schedule's shape: a cosine for SGD on 60k images; for SGLD with the MLP on small data 4 cosine cycles over
    /// the sampling epochs, the first half of each an exploration stage (T = 0, no samples kept); else constant.
    public var scheduleShape: ScheduleShape {
        if sampler == .sgd && cosineSGD { return .cosine }
        if cyclicalSGLD { return .cyclical(cycles: 4, exploration: 0.5) }
        return .constant
    }

    /// Steps between kept samples: 5 (MLP on small data) or a quarter epoch otherwise.
    public func thin(stepsPerEpoch: Int) -> Int { isLarge ? max(stepsPerEpoch / 4, 1) : 5 }

    /// Epochs before the first kept sample: the warm start (one more for the CNN), less than `epochs`.
    public func burnInEpochs(epochs: Int) -> Int { min(epochs - 1, warmStartEpochs + (model == .cnn ? 1 : 0)) }
}

extension TrainingConfiguration {
    /// The recommended configuration (``RecommendedTraining``) with the given choices in place of its defaults;
    /// nil means "recommended". The warm start and burn-in are clamped into the run (at most `epochs − 1`, burn-in
    /// at least the warm start), SGD gets neither and T = 0.
    public static func recommended(
        data: String, model: ModelSpec, sampler: NetworkSampler, trainSize: Int, batchSize: Int = 100,
        epochs: Int? = nil, stepSize: Double? = nil, schedule: ScheduleShape? = nil, priorPrecision: Double = 1,
        temperature: Double = 1, burnInEpochs: Int? = nil, warmStartEpochs: Int? = nil, thin: Int? = nil,
        momentum: Double = 0.9, seed: UInt64 = 1, rng: GSLAlgorithm = .taus2, ood: String? = nil
    ) throws(LangevinError) -> TrainingConfiguration {
        let r = RecommendedTraining(sampler: sampler, model: model, trainSize: trainSize)
        let e = epochs ?? r.epochs
        guard e >= 1 else { throw .invalidParameter("the number of epochs must be ≥ 1, got \(e)", parameter: "epochs") }
        let warm = sampler == .sgd ? 0 : min(warmStartEpochs ?? r.warmStartEpochs, e - 1)
        let burn = sampler == .sgd ? 0 : min(max(burnInEpochs ?? r.burnInEpochs(epochs: e), warm), e - 1)
        let h = stepSize ?? r.stepSize
        guard h.isFinite, h > 0 else {
            throw .invalidParameter("the step size η must be > 0, got \(h)", parameter: "stepSize")
        }
        guard batchSize >= 1, batchSize <= trainSize else {
            throw .invalidParameter("the batch size must be in 1...\(trainSize) (the training set size), got \(batchSize)",
                                    parameter: "batchSize")
        }
        let stepsPerEpoch = trainSize / batchSize
        let (total, overflow) = e.multipliedReportingOverflow(by: stepsPerEpoch)
        guard !overflow else {
            throw .invalidParameter("\(e) epochs of \(stepsPerEpoch) steps overflow the step counter", parameter: "epochs")
        }
        let sched = try (schedule ?? r.scheduleShape).schedule(stepSize: h, totalSteps: total - warm * stepsPerEpoch)
        var config = TrainingConfiguration(
            data: data, model: model, sampler: sampler, epochs: e, batchSize: batchSize, stepSize: h,
            schedule: sched, priorPrecision: priorPrecision, temperature: sampler == .sgd ? 0 : temperature,
            burnInEpochs: burn, warmStartEpochs: warm, warmStartStepSize: r.sgdStepSize,
            thin: thin ?? r.thin(stepsPerEpoch: stepsPerEpoch), momentum: momentum, seed: seed, rng: rng, ood: ood)
        config.warmStartCosine = r.cosineSGD
        return config
    }
}
