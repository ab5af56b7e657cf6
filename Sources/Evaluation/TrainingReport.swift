// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

/// How a training run was set up: the free-form part of a ``TrainingReport``.
///
/// Values are descriptive, as given on the command line; the report does not interpret them.
public struct RunSettings: Sendable, Equatable, Codable {
    /// The sampler or optimizer, e.g. `"sgld"` or `"sgd"`.
    public var sampler: String
    /// The network, e.g. `"mlp 784-400-400-10"`.
    public var model: String
    /// The training data set's name or path.
    public var data: String
    /// Passes over the training set.
    public var epochs: Int
    /// Minibatch size (examples per gradient).
    public var batchSize: Int
    /// The (initial) step size: learning rate for SGD, step size ε for SGLD.
    public var stepSize: Double
    /// The step-size schedule, e.g. `"constant"` or `"polynomial a(b+t)^-0.55"`.
    public var schedule: String
    /// Precision λ of the isotropic Gaussian prior N(0, λ⁻¹ I) on the weights.
    public var priorPrecision: Double
    /// The posterior temperature T set by the user (p(θ | D)^{1/T}; 1 is the Bayes posterior).
    public var temperature: Double
    /// The number of training examples.
    public var trainSize: Int
    /// The number of test examples the metrics were computed on.
    public var testSize: Int
    /// The random seed.
    public var seed: UInt64

    public init(sampler: String, model: String, data: String, epochs: Int, batchSize: Int, stepSize: Double,
                schedule: String, priorPrecision: Double, temperature: Double, trainSize: Int, testSize: Int,
                seed: UInt64) {
        self.sampler = sampler
        self.model = model
        self.data = data
        self.epochs = epochs
        self.batchSize = batchSize
        self.stepSize = stepSize
        self.schedule = schedule
        self.priorPrecision = priorPrecision
        self.temperature = temperature
        self.trainSize = trainSize
        self.testSize = testSize
        self.seed = seed
    }

    enum CodingKeys: String, CodingKey {
        case sampler, model, data, epochs, schedule, temperature, seed
        case batchSize = "batch_size"
        case stepSize = "step_size"
        case priorPrecision = "prior_precision"
        case trainSize = "train_size"
        case testSize = "test_size"
    }
}

/// The outcome of one training (optimization or posterior-sampling) run, written as `report.json`.
///
/// **Contract.** The JSON object is flat, with snake_case keys whose names are fixed (scripts read them):
/// `test_accuracy` (posterior predictive), `test_accuracy_last` (the last sample or the final weights),
/// `test_nll`, `test_ece`, `test_brier` (posterior predictive; see ``ClassificationMetrics`` for the definitions),
/// `samples_averaged`, `effective_temperature`, `samples_per_second`, and `ood` — an object with `dataset`,
/// `size`, `auroc_max_prob`, `auroc_entropy`, `auroc_mutual_information` (see ``OODDetection``), or `null`.
/// The other keys (``RunSettings``'s, `test_nll_last`, `test_ece_last`, `test_brier_last`, `seconds`, `diverged`,
/// `reliability`) describe the run. ``jsonKeys`` lists every top-level key; all are always present.
///
/// **Missing values.** A number that is not finite (NaN for "not measured", or ±∞ after a divergence) is written
/// as `null` and read back as NaN, so that a report can always be written.
public struct TrainingReport: Sendable, Equatable, Codable {
    /// How the run was set up.
    public var settings: RunSettings
    /// Accuracy of the posterior predictive (mean of the kept samples' probabilities) on the test set.
    public var testAccuracy: Double
    /// Accuracy of the last sample alone.
    public var testAccuracyLast: Double
    /// Mean negative log-likelihood of the posterior predictive, nats per test example.
    public var testNLL: Double
    /// Expected calibration error of the posterior predictive (15 bins).
    public var testECE: Double
    /// Multi-class Brier score of the posterior predictive.
    public var testBrier: Double
    /// Mean negative log-likelihood of the last sample alone.
    public var testNLLLast: Double
    /// Expected calibration error of the last sample alone.
    public var testECELast: Double
    /// Brier score of the last sample alone.
    public var testBrierLast: Double
    /// The number of posterior samples in the predictive average (1 for SGD: the final weights).
    public var samplesAveraged: Int
    /// The temperature the sampler effectively targeted, as measured or derived by the trainer (1 = the Bayes
    /// posterior, 0 for noiseless SGD); NaN when not measured.
    public var effectiveTemperature: Double
    /// Throughput supplied by the trainer: training examples processed per second of training wall-clock time.
    public var samplesPerSecond: Double
    /// Out-of-distribution detection, or nil when no OOD set was given.
    public var ood: OODDetection?
    /// Wall-clock duration of the run, seconds.
    public var seconds: Double
    /// Why the run stopped early when it diverged (a non-finite loss, gradient or weight), else nil.
    public var diverged: String?
    /// The reliability-diagram bins of the posterior predictive.
    public var reliability: [ReliabilityBin]
    /// The BLAS kernel the run computed with (key `blas_kernel`, e.g. `"SkylakeX"`), nil when not given.
    public var blasKernel: String? = nil
    /// The random-number generator of the noise (key `rng`, e.g. `"philox4x32-10"`, `"taus2"`), nil when not given.
    public var rng: String? = nil
    /// The number of chains pooled (1 for a single chain or SGD network).
    public var chains: Int = 1
    /// Every OOD set's detection; `ood` is the first.
    public var oodSets: [OODDetection] = []
    /// The pooled predictive on the shifted test sets, or nil.
    public var shift: ShiftReport? = nil
    /// Each chain's own predictive (empty for one chain).
    public var perChain: [PerChainSummary] = []
    /// Between-chain R̂/ESS of sample functionals and the chains' disagreement (nil for one chain).
    public var chainDiagnostics: ChainDiagnostics? = nil

    /// Every top-level key of the JSON object, sorted.
    public static let jsonKeys: [String] = (CodingKeys.allCases.map(\.rawValue)
        + ["sampler", "model", "data", "epochs", "batch_size", "step_size", "schedule", "prior_precision",
           "temperature", "train_size", "test_size", "seed"]).sorted()

    /// The contract keys that scripts rely on (a subset of ``jsonKeys``).
    public static let contractKeys: [String] = [
        "test_accuracy", "test_accuracy_last", "test_nll", "test_ece", "test_brier", "samples_averaged",
        "effective_temperature", "samples_per_second", "ood",
    ]

    /// A report from the metrics of the posterior predictive and of the last sample.
    public init(settings: RunSettings, posterior: ClassificationMetrics, last: ClassificationMetrics,
                samplesAveraged: Int, effectiveTemperature: Double, samplesPerSecond: Double, seconds: Double,
                ood: OODDetection?, diverged: String? = nil) {
        self.settings = settings
        testAccuracy = posterior.accuracy
        testNLL = posterior.nll
        testECE = posterior.ece
        testBrier = posterior.brier
        reliability = posterior.reliability
        testAccuracyLast = last.accuracy
        testNLLLast = last.nll
        testECELast = last.ece
        testBrierLast = last.brier
        self.samplesAveraged = samplesAveraged
        self.effectiveTemperature = effectiveTemperature
        self.samplesPerSecond = samplesPerSecond
        self.seconds = seconds
        self.ood = ood
        self.diverged = diverged
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case testAccuracy = "test_accuracy"
        case testAccuracyLast = "test_accuracy_last"
        case testNLL = "test_nll"
        case testECE = "test_ece"
        case testBrier = "test_brier"
        case testNLLLast = "test_nll_last"
        case testECELast = "test_ece_last"
        case testBrierLast = "test_brier_last"
        case samplesAveraged = "samples_averaged"
        case effectiveTemperature = "effective_temperature"
        case samplesPerSecond = "samples_per_second"
        case ood, seconds, diverged, reliability
        case blasKernel = "blas_kernel"
        case rng, chains, shift
        case oodSets = "ood_sets"
        case perChain = "per_chain"
        case chainDiagnostics = "chain_diagnostics"
    }

    public func encode(to encoder: any Encoder) throws {
        try settings.encode(to: encoder)  // the same (flat) object
        var c = encoder.container(keyedBy: CodingKeys.self)
        func number(_ v: Double, _ key: CodingKeys) throws {
            if v.isFinite { try c.encode(v, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
        try number(testAccuracy, .testAccuracy)
        try number(testAccuracyLast, .testAccuracyLast)
        try number(testNLL, .testNLL)
        try number(testECE, .testECE)
        try number(testBrier, .testBrier)
        try number(testNLLLast, .testNLLLast)
        try number(testECELast, .testECELast)
        try number(testBrierLast, .testBrierLast)
        try c.encode(samplesAveraged, forKey: .samplesAveraged)
        try number(effectiveTemperature, .effectiveTemperature)
        try number(samplesPerSecond, .samplesPerSecond)
        try number(seconds, .seconds)
        if let ood { try c.encode(ood, forKey: .ood) } else { try c.encodeNil(forKey: .ood) }
        if let diverged { try c.encode(diverged, forKey: .diverged) } else { try c.encodeNil(forKey: .diverged) }
        try c.encode(reliability, forKey: .reliability)
        if let blasKernel { try c.encode(blasKernel, forKey: .blasKernel) } else { try c.encodeNil(forKey: .blasKernel) }
        if let rng { try c.encode(rng, forKey: .rng) } else { try c.encodeNil(forKey: .rng) }
        try c.encode(chains, forKey: .chains)
        try c.encode(oodSets, forKey: .oodSets)
        if let shift { try c.encode(shift, forKey: .shift) } else { try c.encodeNil(forKey: .shift) }
        try c.encode(perChain, forKey: .perChain)
        if let chainDiagnostics { try c.encode(chainDiagnostics, forKey: .chainDiagnostics) } else {
            try c.encodeNil(forKey: .chainDiagnostics)
        }
    }

    public init(from decoder: any Decoder) throws {
        settings = try RunSettings(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        testAccuracy = try number(.testAccuracy)
        testAccuracyLast = try number(.testAccuracyLast)
        testNLL = try number(.testNLL)
        testECE = try number(.testECE)
        testBrier = try number(.testBrier)
        testNLLLast = try number(.testNLLLast)
        testECELast = try number(.testECELast)
        testBrierLast = try number(.testBrierLast)
        samplesAveraged = try c.decode(Int.self, forKey: .samplesAveraged)
        effectiveTemperature = try number(.effectiveTemperature)
        samplesPerSecond = try number(.samplesPerSecond)
        seconds = try number(.seconds)
        ood = try c.decodeIfPresent(OODDetection.self, forKey: .ood)
        diverged = try c.decodeIfPresent(String.self, forKey: .diverged)
        reliability = try c.decodeIfPresent([ReliabilityBin].self, forKey: .reliability) ?? []
        blasKernel = try c.decodeIfPresent(String.self, forKey: .blasKernel)
        rng = try c.decodeIfPresent(String.self, forKey: .rng)
        chains = try c.decodeIfPresent(Int.self, forKey: .chains) ?? 1
        oodSets = try c.decodeIfPresent([OODDetection].self, forKey: .oodSets) ?? ood.map { [$0] } ?? []
        shift = try c.decodeIfPresent(ShiftReport.self, forKey: .shift)
        perChain = try c.decodeIfPresent([PerChainSummary].self, forKey: .perChain) ?? []
        chainDiagnostics = try c.decodeIfPresent(ChainDiagnostics.self, forKey: .chainDiagnostics)
    }
}

/// The report's `shift`: the transform and the pooled predictive's metrics at each shift value.
public struct ShiftReport: Sendable, Codable, Equatable {
    /// E.g. `"rotation"` (angles in degrees).
    public var transform: String
    public var points: [ShiftPoint]
    public init(transform: String, points: [ShiftPoint]) {
        self.transform = transform
        self.points = points
    }
}
