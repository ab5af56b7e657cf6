// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport
import LangevinCore
import Datasets
import Evaluation
import NeuralNetworks

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

/// Network architecture: `mlp` (784-400-400-10), `mlp:H1,H2,…`, or `cnn` (the talk's CNN).
public enum ModelSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    case mlp(hidden: [Int])
    case cnn

    public init(parsing text: String) throws(LangevinError) {
        let t = text.lowercased()
        if t == "cnn" { self = .cnn; return }
        if t == "mlp" { self = .mlp(hidden: [400, 400]); return }
        if t.hasPrefix("mlp:") {
            let parts = t.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false)
            var hidden: [Int] = []
            for p in parts {
                guard let n = Int(p), n >= 1, n <= 100_000 else {
                    throw .invalidParameter("--model '\(text)': hidden layer sizes must be integers in 1...100000")
                }
                hidden.append(n)
            }
            guard !hidden.isEmpty else { throw .invalidParameter("--model '\(text)': name at least one hidden layer") }
            self = .mlp(hidden: hidden)
            return
        }
        throw LangevinError(.unknownName, "unknown model '\(text)': use mlp, mlp:H1,H2,… or cnn")
    }

    public var description: String {
        switch self {
        case .cnn: "cnn"
        case .mlp(let h): "mlp:" + h.map(String.init).joined(separator: ",")
        }
    }

    /// Builds the network for 28×28 inputs and 10 classes.
    public func makeNetwork(maxBatchSize: Int) -> SequentialNetwork {
        switch self {
        case .cnn: TalkCNN(maxBatchSize: maxBatchSize)
        case .mlp(let h): MLP(input: 784, hidden: h, classes: 10, maxBatchSize: maxBatchSize)
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
        guard epochs >= 1 else { throw .invalidParameter("--epochs must be ≥ 1, got \(epochs)") }
        guard batchSize >= 1, batchSize <= trainSize else {
            throw .invalidParameter("--batch-size must be in 1...\(trainSize) (the training set size), got \(batchSize)")
        }
        guard stepSize.isFinite, stepSize > 0 else { throw .invalidParameter("--step-size must be > 0, got \(stepSize)") }
        try schedule.validate()
        guard priorPrecision.isFinite, priorPrecision >= 0 else {
            throw .invalidParameter("--prior-precision must be ≥ 0, got \(priorPrecision)")
        }
        guard temperature.isFinite, temperature >= 0 else {
            throw .invalidParameter("--temperature must be ≥ 0, got \(temperature)")
        }
        guard burnInEpochs >= 0, burnInEpochs < epochs || sampler == .sgd else {
            throw .invalidParameter("--burn-in-epochs must be in 0..<epochs (\(epochs)), got \(burnInEpochs)")
        }
        guard warmStartEpochs >= 0, warmStartEpochs <= burnInEpochs || sampler == .sgd else {
            throw .invalidParameter("--warm-start-epochs (\(warmStartEpochs)) must not exceed --burn-in-epochs (\(burnInEpochs))")
        }
        guard warmStartStepSize.isFinite, warmStartStepSize > 0 else {
            throw .invalidParameter("warm-start step size must be > 0, got \(warmStartStepSize)")
        }
        guard thin >= 1 else { throw .invalidParameter("--thin must be ≥ 1, got \(thin)") }
        guard momentum.isFinite, momentum >= 0, momentum < 1 else {
            throw .invalidParameter("--momentum must be in [0, 1), got \(momentum)")
        }
        guard sampler != .sghmc || momentum > 0 else {
            throw .invalidParameter("sghmc needs --momentum in (0, 1): μ = e^{−γh} = 0 would mean infinite friction")
        }
    }
}

/// Parses `--schedule`: `constant`, `polynomial[:b,gamma]` (h(t) = η·(1 + t/b)^(−γ), i.e. a·(b + t)^(−γ) with
/// a = η·b^γ; defaults b = 1000, γ = 0.55), or `cyclical[:cycles[,exploration]]` (Zhang et al. 2020; defaults 4, 0.5).
public func parseSchedule(_ text: String, stepSize: Double, totalSteps: Int) throws(LangevinError) -> StepSizeSchedule {
    let parts = text.lowercased().split(separator: ":", maxSplits: 1)
    let name = parts.first.map(String.init) ?? ""
    let args = parts.count > 1 ? parts[1].split(separator: ",").map { Double($0) } : []
    guard !args.contains(where: { $0 == nil }) else {
        throw .invalidParameter("--schedule '\(text)': arguments must be numbers")
    }
    let a = args.map { $0! }
    switch name {
    case "constant":
        return .constant(stepSize)
    case "polynomial":
        let b = a.count > 0 ? a[0] : 1000, gamma = a.count > 1 ? a[1] : 0.55
        guard b > 0 else { throw .invalidParameter("--schedule polynomial: b must be > 0") }
        return .polynomial(a: stepSize * _pow(b, gamma), b: b, gamma: gamma)
    case "cosine":
        // One cosine cycle over the run with no exploration stage: h(t) = (η/2)(cos(πt/T) + 1).
        return .cyclical(initial: stepSize, cycles: 1, totalSteps: totalSteps, explorationFraction: 0)
    case "cyclical":
        let cycles = a.count > 0 ? Int(a[0]) : 4, exploration = a.count > 1 ? a[1] : 0.5
        return .cyclical(initial: stepSize, cycles: max(cycles, 1), totalSteps: totalSteps, explorationFraction: exploration)
    default:
        throw LangevinError(.unknownName,
            "unknown schedule '\(text)': use constant, cosine, polynomial[:b,gamma] or cyclical[:cycles[,exploration]]")
    }
}

#if canImport(Glibc)
import Glibc
#endif
@inline(__always) func _pow(_ a: Double, _ b: Double) -> Double { pow(a, b) }
