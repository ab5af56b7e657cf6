// SPDX-License-Identifier: GPL-3.0-or-later
// Example: an integrator of your own. `RandomWalkMetropolis` below is written here, outside the library, with the
// public trial-step API only (no @testable import), so the same file builds in a package that depends on this one:
//
// 1. `withStepBuffers` — write the proposal y = x + σξ into the trial position (ξ drawn into the noise buffer);
// 2. `evaluateTrial(field:)` — U(y) and ∇U(y) into the trial buffers;
// 3. accept with probability min(1, exp(−(U(y) − U(x))/T)): `commitTrial` (which keeps the divergence guarantee: a
//    non-finite trial leaves the state as it was and throws), otherwise `rejectTrial()`.
//
// `HamiltonianMonteCarlo` uses the same three moves with several gradient evaluations per step: a leapfrog
// trajectory written in the trial position and momentum, each force evaluated with `evaluateTrial`, then one
// accept/reject on the change of the Hamiltonian.
//
// Both schemes run through the library's parallel chain runner `sampleChains` on the built-in double well
// U(x) = (x² − 1)² at T = 0.5 and must pass the Boltzmann check against exp(−U/T)/Z by quadrature. Both are exact
// (Metropolis-adjusted) for any step, so the check has no discretisation bias to forgive.
//
//     swift run -c release custom-integrator [--quick]
import Diagnostics
import Foundation
import GSLSupport
import LangevinCore
import Potentials

/// Random-walk Metropolis (Metropolis et al. 1953): the proposal y = x + σξ, ξ ∼ N(0, I), with σ = √(2hT) (the
/// noise of one Euler–Maruyama step of size h, without its drift), accepted with probability
/// min(1, exp(−(U(y) − U(x))/T)). The proposal is symmetric, so this leaves exp(−U/T) exactly invariant for any
/// h > 0. Needs T > 0 and the exact energy; γ and m are not used.
struct RandomWalkMetropolis: LangevinIntegrator, Sendable {
    private(set) var parameters: LangevinParameters
    var usesMomentum: Bool { false }
    var requiresExactGradient: Bool { true }
    var isMetropolisAdjusted: Bool { true }
    var name: String { "random-walk-metropolis" }
    /// σ = √(2hT), the proposal's standard deviation per coordinate.
    private var sigma: Double

    init(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        self.parameters = parameters
        self.sigma = (2 * parameters.timeStep * parameters.temperature).squareRoot()
    }

    private static func check(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        guard parameters.temperature > 0 else {
            throw .invalidParameter("random-walk Metropolis needs temperature > 0 (its acceptance divides by T)",
                                    parameter: "temperature")
        }
    }

    mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        self.parameters = parameters
        sigma = (2 * parameters.timeStep * parameters.temperature).squareRoot()
    }

    mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        let sigma = self.sigma
        // 1. Propose into the trial buffer.
        let proposalFinite = state.withStepBuffers { buffers in
            random.fillGaussian(generic: buffers.noise, standardDeviation: sigma)
            var finite = true
            for i in buffers.trialPosition.indices {
                let y = buffers.position[i] + buffers.noise[i]
                buffers.trialPosition[i] = y
                finite = finite && y.isFinite
            }
            return finite
        }
        // 2. Evaluate U(y), ∇U(y).
        let current = state.energy
        let proposed = state.evaluateTrial(field: &field)
        // 3. Metropolis: a non-finite proposal is simply rejected (the chain itself stays finite).
        var logAlpha = -Double.infinity
        if proposalFinite && proposed.isFinite { logAlpha = -(proposed - current) / parameters.temperature }
        let alpha = logAlpha >= 0 ? 1 : exp(logAlpha)
        if random.nextUniform() < alpha {
            try state.commitTrial(energy: proposed, exact: field.isExact, includesMomentum: false,
                                  gradientImpliedFinite: field.gradientIsFiniteWhereEnergyIs)
            return StepInfo(energy: proposed, acceptanceProbability: alpha, accepted: true, gradientEvaluations: 1)
        }
        state.rejectTrial()
        return StepInfo(energy: current, acceptanceProbability: alpha, accepted: false, gradientEvaluations: 1)
    }
}

/// Hamiltonian Monte Carlo (Duane, Kennedy, Pendleton & Roweth 1987; Neal 2011): draw p ∼ N(0, mT), run L leapfrog
/// steps of size h on H(x, p) = U(x) + |p|²/(2m),
///
///     p ← p − (h/2)∇U(x),   x ← x + (h/m)p,   p ← p − (h/2)∇U(x),
///
/// and accept the end point with probability min(1, exp(−ΔH/T)). The leapfrog map is volume-preserving and
/// reversible (with p ↦ −p), so exp(−U/T) is exactly invariant for any h > 0. The momentum is refreshed every step and
/// not kept (`usesMomentum` is false); L gradient evaluations per step. Needs T > 0 and the exact energy.
struct HamiltonianMonteCarlo: LangevinIntegrator, Sendable {
    private(set) var parameters: LangevinParameters
    /// L, the leapfrog steps per trajectory.
    let leapfrogSteps: Int
    var usesMomentum: Bool { false }
    var requiresExactGradient: Bool { true }
    var isMetropolisAdjusted: Bool { true }
    var name: String { "hmc" }

    init(_ parameters: LangevinParameters, leapfrogSteps: Int) throws(LangevinError) {
        try Self.check(parameters)
        guard leapfrogSteps >= 1 else {
            throw .invalidParameter("HMC needs at least one leapfrog step, got \(leapfrogSteps)", parameter: "leapfrogSteps")
        }
        self.parameters = parameters
        self.leapfrogSteps = leapfrogSteps
    }

    private static func check(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        guard parameters.temperature > 0 else {
            throw .invalidParameter("HMC needs temperature > 0 (its acceptance divides by T)", parameter: "temperature")
        }
    }

    mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        try Self.check(parameters)
        self.parameters = parameters
    }

    mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        typealias S = F.Scalar
        let m = parameters.mass, temperature = parameters.temperature
        let halfKick = S(parameters.timeStep / 2), drift = S(parameters.timeStep / m)
        // Start the trajectory at (x, p), p ∼ N(0, mT), with ∇U(x) already known.
        let kineticBefore = state.withStepBuffers { b in
            random.fillGaussian(generic: b.trialMomentum, standardDeviation: (m * temperature).squareRoot())
            var k = 0.0
            for i in b.trialPosition.indices {
                b.trialPosition[i] = b.position[i]
                b.trialGradient[i] = b.gradient[i]
                k += Double(b.trialMomentum[i]) * Double(b.trialMomentum[i]) / (2 * m)
            }
            return k
        }
        let current = state.energy
        var proposed = current
        var finite = true
        for _ in 0..<leapfrogSteps {
            state.withStepBuffers { b in
                for i in b.trialPosition.indices {
                    b.trialMomentum[i] -= halfKick * b.trialGradient[i]
                    b.trialPosition[i] += drift * b.trialMomentum[i]
                }
            }
            proposed = state.evaluateTrial(field: &field)
            finite = proposed.isFinite
            if !finite { break }
            state.withStepBuffers { b in
                for i in b.trialMomentum.indices { b.trialMomentum[i] -= halfKick * b.trialGradient[i] }
            }
        }
        let kineticAfter = state.withStepBuffers { b in
            var k = 0.0
            for v in b.trialMomentum { k += Double(v) * Double(v) / (2 * m) }
            return k
        }
        // A trajectory that left the finite numbers is rejected (the chain itself stays finite).
        var logAlpha = -Double.infinity
        if finite && kineticAfter.isFinite {
            logAlpha = -((proposed - current) + (kineticAfter - kineticBefore)) / temperature
        }
        let alpha = logAlpha >= 0 ? 1 : exp(logAlpha)
        if random.nextUniform() < alpha {
            try state.commitTrial(energy: proposed, exact: field.isExact, includesMomentum: false,
                                  gradientImpliedFinite: field.gradientIsFiniteWhereEnergyIs)
            return StepInfo(energy: proposed, acceptanceProbability: alpha, accepted: true,
                            gradientEvaluations: leapfrogSteps)
        }
        state.rejectTrial()
        return StepInfo(energy: current, acceptanceProbability: alpha, accepted: false,
                        gradientEvaluations: leapfrogSteps)
    }
}

// Command line: [--quick] (the short run the tests use; the same check at the same α on fewer draws).
var quick = false
for argument in CommandLine.arguments.dropFirst() {
    switch argument {
    case "--quick": quick = true
    case "--help", "-h":
        print("usage: custom-integrator [--quick]")
        exit(0)
    default:
        if argument.hasPrefix("-") {
            printError("custom-integrator: unknown option '\(argument)' (usage: custom-integrator [--quick])")
            exit(64)
        }
        // A positional argument (the output folder the other examples take) is accepted and unused: nothing is written.
    }
}

let temperature = 0.5
let chains = 4
let schedule = ChainSchedule(steps: quick ? 50_000 : 250_000, burnIn: 2_000, thin: 2)

/// Runs `chains` chains of `integrator` on `well` through the library's `sampleChains`, prints the acceptance rate
/// and the Boltzmann check's table; returns whether the check passed and the acceptance rate is inside (0.05, 0.99)
/// (a rate of 0 or 1 would mean the accept/reject step is not doing its job).
func sampleAndCheck<I: LangevinIntegrator & Sendable>(
    _ integrator: I, on well: BuiltinPotential, reference: BoltzmannReference, seed: UInt64
) throws -> Bool {
    let runs = try sampleChains(
        chains: chains, integrator: integrator, initialPosition: [1.0], schedule: schedule,
        makeField: { _ in well },
        makeRandom: { c in GSLRandom(algorithm: .mt19937, seed: seed, stream: c) })
    for run in runs { if let divergence = run.divergence { throw divergence } }
    let samples = try CheckSamples(
        dimension: 1,
        chains: runs.map { c in (0..<c.count).flatMap { c.positionRow($0) } },
        energies: runs.map { $0.energySeries() },
        variableNames: well.variableNames)
    let report = try BoltzmannCheck(familywiseAlpha: 0.01).run(samples, target: BoltzmannTarget(reference))

    let acceptance = runs.map(\.summary.acceptanceRate).reduce(0, +) / Double(runs.count)
    let meanProbability = runs.map(\.summary.meanAcceptance).reduce(0, +) / Double(runs.count)
    print("")
    print("double well U = (x² − 1)², \(integrator.name) (written in this example), h = \(integrator.parameters.timeStep), "
          + "T = \(temperature), \(chains) chains x \(runs[0].count) kept draws, seed \(seed)")
    print("acceptance rate \(rounded(acceptance)) (mean acceptance probability \(rounded(meanProbability)))")
    print(report.renderTable(), terminator: "")
    let acceptanceSensible = acceptance > 0.05 && acceptance < 0.99
    if !acceptanceSensible { print("\(integrator.name): acceptance rate \(acceptance) is outside (0.05, 0.99)") }
    return report.passed && acceptanceSensible
}

do {
    let well = try BuiltinPotential.make(name: "double-well-1d")   // U = (x² − 1)², minima at ±1, barrier 1
    let reference = try BoltzmannReference(
        temperature: temperature, energy: { x in well.energy(at: [x]) },
        derivative: { x in well.energyAndGradient(at: [x]).gradient[0] })
    // Random walk: h = 0.5 at T = 0.5 gives σ = 0.71, wide enough to cross the barrier often.
    let walk = try RandomWalkMetropolis(LangevinParameters(timeStep: 0.5, temperature: temperature))
    // HMC: 6 leapfrog steps of 0.25 (ω·h ≈ 0.71 at the minima, where U'' = 8; stable below 2), a trajectory of
    // length 1.5, with enough energy error that some trajectories are rejected.
    let hmc = try HamiltonianMonteCarlo(LangevinParameters(timeStep: 0.25, temperature: temperature),
                                        leapfrogSteps: 6)
    let results = [try sampleAndCheck(walk, on: well, reference: reference, seed: 2028),
                   try sampleAndCheck(hmc, on: well, reference: reference, seed: 2029)]
    if results.allSatisfy({ $0 }) {
        print("custom-integrator: all checks passed (random-walk-metropolis and hmc)")
    } else {
        print("custom-integrator: a check FAILED")
        exit(1)
    }
} catch {
    printError("custom-integrator: \(error)")
    exit(1)
}

func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
