// SPDX-License-Identifier: GPL-3.0-or-later

/// Physical parameters shared by the Langevin integrators.
///
/// Conventions (the same for every scheme):
/// - `temperature` is kT, in the units of the energy U; the target density is ∝ exp(−U(x)/T). T = 0 is allowed for
///   the unadjusted schemes (gradient flow, or friction dynamics).
/// - `timeStep` h is the step of the integrator's time variable. Overdamped schemes integrate
///   dx = −(1/γ)∇U dt + √(2T/γ) dW, so one step moves by −(h/γ)∇U plus noise of variance 2hT/γ per coordinate;
///   with the default γ = 1, h is the "learning rate" of the SGLD literature.
/// - `friction` γ (units 1/time) is the Ornstein–Uhlenbeck rate of the underdamped schemes
///   dx = p/m dt, dp = −∇U dt − γp dt + √(2γmT) dW; for overdamped schemes 1/γ is the mobility.
/// - `mass` m scales the kinetic energy |p|²/(2m) of the underdamped schemes (momenta are ∼ N(0, mT)).
public struct LangevinParameters: Sendable, Equatable {
    public var timeStep: Double
    public var temperature: Double
    public var friction: Double
    public var mass: Double

    public init(timeStep: Double, temperature: Double = 1, friction: Double = 1, mass: Double = 1) {
        self.timeStep = timeStep
        self.temperature = temperature
        self.friction = friction
        self.mass = mass
    }

    /// Checks every parameter's domain; the message names the parameter and its value.
    public func validate() throws(LangevinError) {
        guard timeStep.isFinite, timeStep > 0 else {
            throw .invalidParameter("time step h must be a finite number > 0, got \(timeStep)", parameter: "timeStep")
        }
        guard temperature.isFinite, temperature >= 0 else {
            throw .invalidParameter("temperature T must be a finite number ≥ 0, got \(temperature)",
                                    parameter: "temperature")
        }
        guard friction.isFinite, friction >= 0 else {
            throw .invalidParameter("friction γ must be a finite number ≥ 0, got \(friction)", parameter: "friction")
        }
        guard mass.isFinite, mass > 0 else {
            throw .invalidParameter("mass m must be a finite number > 0, got \(mass)", parameter: "mass")
        }
    }
}

/// What one step reports, so diagnostics never re-run work.
public struct StepInfo: Sendable, Equatable {
    /// U at the state after the step (an estimate for stochastic gradients; NaN when unknown).
    public var energy: Double
    /// Metropolis acceptance probability of the step (1 for unadjusted schemes).
    public var acceptanceProbability: Double
    /// Whether the proposal was accepted (always true for unadjusted schemes).
    public var accepted: Bool
    /// Gradient evaluations spent by the step.
    public var gradientEvaluations: Int

    public init(energy: Double, acceptanceProbability: Double = 1, accepted: Bool = true, gradientEvaluations: Int) {
        self.energy = energy
        self.acceptanceProbability = acceptanceProbability
        self.accepted = accepted
        self.gradientEvaluations = gradientEvaluations
    }
}

/// The running totals of a chain's steps, accumulated step by step in order (by
/// ``LangevinIntegrator/advance(_:field:random:steps:totals:)``), and the last step's ``StepInfo``.
///
/// Equality compares the fields as numbers: before the first step `last.energy` is NaN, so two fresh totals are
/// not equal.
public struct StepTotals: Sendable, Equatable {
    /// The last step's report (energy NaN and no gradient evaluations before any step).
    public var last = StepInfo(energy: .nan, gradientEvaluations: 0)
    /// Steps taken.
    public var steps = 0
    /// Gradient evaluations spent by all of them.
    public var gradientEvaluations = 0
    /// Σ of the steps' Metropolis acceptance probabilities.
    public var acceptanceSum = 0.0
    /// Accepted proposals.
    public var accepted = 0

    public init() {}

    /// Appends one step's report.
    @inlinable public mutating func add(_ info: StepInfo) {
        last = info
        steps &+= 1
        gradientEvaluations &+= info.gradientEvaluations
        acceptanceSum += info.acceptanceProbability
        if info.accepted { accepted &+= 1 }
    }
}
