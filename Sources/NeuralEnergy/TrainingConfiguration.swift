// SPDX-License-Identifier: GPL-3.0-or-later
import Datasets
import Evaluation
import GSLSupport
import LangevinCore
import NeuralNetworks
import RealModule

/// The samplers of network posteriors; each is one of the core's integrators driven by a minibatch gradient.
///
/// Convention (the same as the toy potentials): the energy is U(w) = (N/B)·Σ_batch NLL(w) + (λ/2)‖w‖² and the target
/// is exp(−U/T). `stepSize` η is the step of the overdamped schemes, so SGLD is w ← w − η∇U + √(2ηT)·ξ.
public enum NetworkSampler: String, CaseIterable, Sendable, Codable {
    /// Stochastic gradient descent, heavy-ball momentum μ: p ← μp − η∇U, w ← w + p. This is the core's splitting
    /// "OBA" at T = 0 with time step h = √η, friction γ = −ln μ / h (so e^{−γh} = μ); with μ = 0, Euler–Maruyama at T = 0.
    case sgd
    /// Stochastic gradient Langevin dynamics (Welling & Teh 2011): the core's Euler–Maruyama with a minibatch gradient.
    case sgld
    /// Preconditioned SGLD with an RMSprop preconditioner (Li et al. 2016), the core's PreconditionedEulerMaruyama;
    /// the Γ correction term is not applied.
    case psgld
    /// Stochastic-gradient underdamped Langevin (SGHMC in the form of Chen et al. 2014): the core's BAOAB splitting
    /// with a minibatch kick, h = √η, e^{−γh} = μ, noise at temperature T in the O step.
    case sghmc
}

/// Network architecture: a multilayer perceptron with the given hidden widths (`mlp` = 400, 400), or the default
/// convolutional network (`cnn`, the talk's CNN); input size and class count come from the data.
public enum ModelSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    case mlp(hidden: [Int])
    case cnn

    public var description: String {
        switch self {
        case .cnn: "cnn"
        case .mlp(let h): "mlp:" + h.map(String.init).joined(separator: ",")
        }
    }

    /// Builds the network for images of `rows × cols` pixels (one channel) and `classes` classes (the data's).
    public func makeNetwork(rows: Int = 28, cols: Int = 28, classes: Int = 10, maxBatchSize: Int,
                            threads: Int? = nil) -> SequentialNetwork {
        switch self {
        case .cnn:
            .convolutional(input: TensorShape(height: rows, width: cols, channels: 1), classes: classes,
                           maxBatchSize: maxBatchSize, threads: threads)
        case .mlp(let h):
            .multilayerPerceptron(input: rows * cols, hidden: h, classes: classes, maxBatchSize: maxBatchSize,
                                  threads: threads)
        }
    }
}

/// Everything that determines a training run's results (a checkpoint must match it to be resumed).
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    public var data: String
    public var model: ModelSpec
    public var sampler: NetworkSampler
    public var epochs: Int
    public var batchSize: Int
    /// η: the step of the overdamped schemes, h² of the underdamped ones (see ``NetworkSampler``).
    public var stepSize: Double
    public var schedule: StepSizeSchedule
    /// λ of the Gaussian prior (λ/2)‖w‖².
    public var priorPrecision: Double
    public var temperature: Double
    /// Epochs before the first kept sample (warm start included).
    public var burnInEpochs: Int
    /// Epochs of SGD with momentum before the sampler starts (part of the burn-in).
    public var warmStartEpochs: Int
    /// SGD's step during the warm start.
    public var warmStartStepSize: Double
    /// Whether the warm start decays its step by a cosine (to 0 at the end of the warm start) or keeps it constant.
    public var warmStartCosine: Bool = false
    /// Steps between kept samples after burn-in.
    public var thin: Int
    /// μ for sgd and sghmc.
    public var momentum: Double
    public var seed: UInt64
    public var rng: GSLAlgorithm
    /// The generator of the SGLD noise: nil or `.gsl` for `rng` (the initial weights always come from `rng`).
    public var noise: NoiseKind? = nil
    public var ood: String?

    public init(data: String, model: ModelSpec, sampler: NetworkSampler, epochs: Int, batchSize: Int,
                stepSize: Double, schedule: StepSizeSchedule, priorPrecision: Double, temperature: Double,
                burnInEpochs: Int, warmStartEpochs: Int, warmStartStepSize: Double, thin: Int, momentum: Double,
                seed: UInt64, rng: GSLAlgorithm, ood: String?) {
        self.data = data
        self.model = model
        self.sampler = sampler
        self.epochs = epochs
        self.batchSize = batchSize
        self.stepSize = stepSize
        self.schedule = schedule
        self.priorPrecision = priorPrecision
        self.temperature = temperature
        self.burnInEpochs = burnInEpochs
        self.warmStartEpochs = warmStartEpochs
        self.warmStartStepSize = warmStartStepSize
        self.thin = thin
        self.momentum = momentum
        self.seed = seed
        self.rng = rng
        self.ood = ood
    }

    public func validate(trainSize: Int) throws(LangevinError) {
        guard epochs >= 1 else { throw .invalidParameter("the number of epochs must be ≥ 1, got \(epochs)", parameter: "epochs") }
        guard batchSize >= 1, batchSize <= trainSize else {
            throw .invalidParameter("the batch size must be in 1...\(trainSize) (the training set size), got \(batchSize)",
                                    parameter: "batchSize")
        }
        guard stepSize.isFinite, stepSize > 0 else { throw .invalidParameter("the step size η must be > 0, got \(stepSize)", parameter: "stepSize") }
        try schedule.validate()
        guard priorPrecision.isFinite, priorPrecision >= 0 else {
            throw .invalidParameter("the prior precision λ must be ≥ 0, got \(priorPrecision)", parameter: "priorPrecision")
        }
        guard temperature.isFinite, temperature >= 0 else {
            throw .invalidParameter("the temperature T must be ≥ 0, got \(temperature)", parameter: "temperature")
        }
        guard burnInEpochs >= 0, burnInEpochs < epochs || sampler == .sgd else {
            throw .invalidParameter("the burn-in epochs must be in 0..<epochs (\(epochs)), got \(burnInEpochs)",
                                    parameter: "burnInEpochs")
        }
        guard warmStartEpochs >= 0, warmStartEpochs <= burnInEpochs || sampler == .sgd else {
            throw .invalidParameter(
                "the warm-start epochs (\(warmStartEpochs)) must not exceed the burn-in epochs (\(burnInEpochs))",
                parameter: "warmStartEpochs")
        }
        guard warmStartStepSize.isFinite, warmStartStepSize > 0 else {
            throw .invalidParameter("warm-start step size must be > 0, got \(warmStartStepSize)")
        }
        guard thin >= 1 else { throw .invalidParameter("the thinning interval must be ≥ 1, got \(thin)", parameter: "thin") }
        guard momentum.isFinite, momentum >= 0, momentum < 1 else {
            throw .invalidParameter("the momentum μ must be in [0, 1), got \(momentum)", parameter: "momentum")
        }
        guard sampler != .sghmc || momentum > 0 else {
            throw .invalidParameter("sghmc needs a momentum μ in (0, 1): μ = e^{−γh} = 0 would mean infinite friction",
                                    parameter: "momentum")
        }
    }
}

/// The shape of a step-size schedule, before its step η and length are known (what a user names: `constant`,
/// `cosine`, `polynomial`, `cyclical`); ``schedule(stepSize:totalSteps:)`` makes the ``StepSizeSchedule``.
public enum ScheduleShape: Sendable, Equatable {
    /// h(t) = η.
    case constant
    /// One cosine cycle over the run with no exploration stage: h(t) = (η/2)(cos(πt/T) + 1).
    case cosine
    /// h(t) = η·(1 + t/b)^(−γ), i.e. a·(b + t)^(−γ) with a = η·b^γ (Welling & Teh 2011). Defaults b = 1000, γ = 0.55.
    case polynomial(b: Double = 1000, gamma: Double = 0.55)
    /// Zhang et al. (2020): `cycles` cosine cycles, the first `exploration` fraction of each without noise or samples.
    case cyclical(cycles: Int = 4, exploration: Double = 0.5)

    /// The schedule for step η over `totalSteps` steps.
    public func schedule(stepSize eta: Double, totalSteps: Int) throws(LangevinError) -> StepSizeSchedule {
        let s: StepSizeSchedule
        switch self {
        case .constant:
            s = .constant(eta)
        case .cosine:
            s = .cyclical(initial: eta, cycles: 1, totalSteps: totalSteps, explorationFraction: 0)
        case .polynomial(let b, let gamma):
            guard b > 0, b.isFinite, gamma.isFinite, gamma >= 0 else {
                throw .invalidParameter("polynomial schedule: b must be > 0 and γ ≥ 0, got b = \(b), γ = \(gamma)",
                                        parameter: "schedule")
            }
            s = .polynomial(a: eta * Double.pow(b, gamma), b: b, gamma: gamma)
        case .cyclical(let cycles, let exploration):
            s = .cyclical(initial: eta, cycles: max(cycles, 1), totalSteps: totalSteps, explorationFraction: exploration)
        }
        try s.validate()
        return s
    }
}

