// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A network sampler's update as one of the core's integrators, in the learning-rate parametrisation of the
/// stochastic-gradient MCMC literature: step η, momentum μ, temperature T. The mapping to the core's (h, γ):
///
/// - `sgld`: Euler–Maruyama with h = η, γ = 1: w ← w − η∇U + √(2ηT)·ξ.
/// - `psgld`: ``PreconditionedEulerMaruyama`` with h = η.
/// - `sghmc`: the BAOAB splitting with h = √η and γ = −ln μ / h, so that the O step's decay is e^{−γh} = μ.
/// - `sgd`: heavy-ball SGD p ← μp − η∇U, w ← w + p as the "OBA" splitting at T = 0 with the same h and γ
///   (with μ = 0: Euler–Maruyama at T = 0, plain gradient descent).
///
/// Changing η or T between steps (a schedule, a cyclical exploration stage) re-maps them through
/// ``setStepSize(_:temperature:)``; nothing is rebuilt.
public struct SamplerIntegrator: LangevinIntegrator, Sendable {
    /// The sampler this integrator realises.
    public let sampler: NetworkSampler
    /// μ (sgd and sghmc).
    public let momentum: Double
    /// The step η of the last ``setStepSize(_:temperature:)``.
    public private(set) var stepSize: Double
    @usableFromInline var scheme: AnyScheme

    @usableFromInline enum AnyScheme: Sendable {
        case overdamped(EulerMaruyama)
        case preconditioned(PreconditionedEulerMaruyama)
        case underdamped(SplittingIntegrator)
    }

    /// The core's parameters (h, T, γ) for step η, momentum μ and temperature T of `sampler`.
    public static func coreParameters(sampler: NetworkSampler, stepSize eta: Double, momentum mu: Double,
                                      temperature: Double) -> LangevinParameters {
        switch sampler {
        case .sgld, .psgld:
            return LangevinParameters(timeStep: eta, temperature: temperature)
        case .sgd where mu == 0:
            return LangevinParameters(timeStep: eta, temperature: 0)
        case .sgd, .sghmc:
            let h = eta.squareRoot()
            return LangevinParameters(timeStep: h, temperature: sampler == .sgd ? 0 : temperature,
                                      friction: -log(mu) / h)
        }
    }

    /// - Parameters:
    ///   - sampler: which update.
    ///   - stepSize: η > 0.
    ///   - momentum: μ ∈ (0, 1) for sghmc, [0, 1) for sgd (ignored otherwise).
    ///   - temperature: T ≥ 0 (ignored by sgd).
    ///   - preconditionerDecay: α of pSGLD's RMSprop mean square.
    public init(sampler: NetworkSampler, stepSize: Double, momentum: Double, temperature: Double,
                preconditionerDecay: Double = 0.99) throws(LangevinError) {
        if sampler == .sghmc || sampler == .sgd {
            guard momentum.isFinite, momentum >= 0, momentum < 1, sampler == .sgd || momentum > 0 else {
                throw .invalidParameter(
                    "\(sampler.rawValue) needs momentum μ in \(sampler == .sgd ? "[0, 1)" : "(0, 1)"), got \(momentum)",
                    parameter: "momentum")
            }
        }
        self.sampler = sampler
        self.momentum = momentum
        self.stepSize = stepSize
        let p = Self.coreParameters(sampler: sampler, stepSize: stepSize, momentum: momentum, temperature: temperature)
        switch sampler {
        case .sgld:
            scheme = .overdamped(try EulerMaruyama(p))
        case .sgd where momentum == 0:
            scheme = .overdamped(try EulerMaruyama(p))
        case .psgld:
            scheme = .preconditioned(try PreconditionedEulerMaruyama(p, decay: preconditionerDecay))
        case .sgd:
            scheme = .underdamped(try SplittingIntegrator(p, scheme: try SplittingScheme("OBA")))
        case .sghmc:
            scheme = .underdamped(try SplittingIntegrator(p, scheme: try SplittingScheme("BAOAB")))
        }
    }

    /// Sets η and T for the following steps (T is ignored by sgd), re-mapping them to the core's (h, γ).
    public mutating func setStepSize(_ eta: Double, temperature: Double) throws(LangevinError) {
        try setParameters(Self.coreParameters(sampler: sampler, stepSize: eta, momentum: momentum,
                                              temperature: temperature))
        stepSize = eta
    }

    /// pSGLD's running mean square V (nil for the other samplers; empty before the first step).
    public var preconditionerMeanSquare: [Double]? {
        if case .preconditioned(let i) = scheme { return i.meanSquare }
        return nil
    }

    /// Restores pSGLD's V (a checkpoint's); no effect for the other samplers.
    public mutating func restorePreconditioner(meanSquare: [Float]) {
        if case .preconditioned(var i) = scheme {
            i.restoreMeanSquare(meanSquare)
            scheme = .preconditioned(i)
        }
    }

    var wrapped: any LangevinIntegrator {
        switch scheme {
        case .overdamped(let i): i
        case .preconditioned(let i): i
        case .underdamped(let i): i
        }
    }

    public var parameters: LangevinParameters { wrapped.parameters }
    public var usesMomentum: Bool { wrapped.usesMomentum }
    public var requiresExactGradient: Bool { false }
    public var isMetropolisAdjusted: Bool { false }
    public var name: String { sampler.rawValue }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        switch scheme {
        case .overdamped(var i): try i.setParameters(parameters); scheme = .overdamped(i)
        case .preconditioned(var i): try i.setParameters(parameters); scheme = .preconditioned(i)
        case .underdamped(var i): try i.setParameters(parameters); scheme = .underdamped(i)
        }
    }

    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        switch scheme {
        case .overdamped(var i):
            return try i.step(&state, field: &field, random: &random)
        case .underdamped(var i):
            return try i.step(&state, field: &field, random: &random)
        case .preconditioned(var i):
            defer { scheme = .preconditioned(i) }
            return try i.step(&state, field: &field, random: &random)
        }
    }
}

/// The integrator of a training run: heavy-ball SGD (``SamplerIntegrator`` with `.sgd`) during the warm start,
/// then the configured sampler; one of the core's schemes in each phase, advanced by the core's chain driver.
public struct TrainingIntegrator: LangevinIntegrator, Sendable {
    /// The warm start's SGD (nil when the sampler is SGD itself or there is no warm start).
    public var warmStart: SamplerIntegrator?
    /// The sampler of the sampling phase (SGD for an SGD run).
    public var sampler: SamplerIntegrator
    /// Whether the next step belongs to the warm start.
    public var inWarmStart: Bool

    public init(warmStart: SamplerIntegrator?, sampler: SamplerIntegrator) {
        self.warmStart = warmStart
        self.sampler = sampler
        self.inWarmStart = warmStart != nil
    }

    var current: SamplerIntegrator { inWarmStart ? warmStart! : sampler }

    public var parameters: LangevinParameters { current.parameters }
    public var usesMomentum: Bool { current.usesMomentum }
    public var requiresExactGradient: Bool { false }
    public var isMetropolisAdjusted: Bool { false }
    public var name: String { current.name }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        if inWarmStart { try warmStart!.setParameters(parameters) } else { try sampler.setParameters(parameters) }
    }

    /// Sets η and T of the current phase's update.
    public mutating func setStepSize(_ eta: Double, temperature: Double) throws(LangevinError) {
        if inWarmStart { try warmStart!.setStepSize(eta, temperature: temperature) }
        else { try sampler.setStepSize(eta, temperature: temperature) }
    }

    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        if inWarmStart { return try warmStart!.step(&state, field: &field, random: &random) }
        return try sampler.step(&state, field: &field, random: &random)
    }
}
