// SPDX-License-Identifier: GPL-3.0-or-later
// Example: an integrator of your own. `RandomWalkMetropolis` below is written here, outside the library, with the
// public trial-step API only (no @testable import), so the same file builds in a package that depends on this one:
//
// 1. `withStepBuffers` — write the proposal y = x + σξ into the trial position (ξ drawn into the noise buffer);
// 2. `evaluateTrial(field:)` — U(y) and ∇U(y) into the trial buffers;
// 3. accept with probability min(1, exp(−(U(y) − U(x))/T)): `commitTrial` (which keeps the divergence guarantee: a
//    non-finite trial leaves the state as it was and throws), otherwise `rejectTrial()`.
//
// The scheme runs through the library's parallel chain runner `sampleChains` on the built-in double well
// U(x) = (x² − 1)² at T = 0.5 and must pass the Boltzmann check against exp(−U/T)/Z by quadrature. Random-walk
// Metropolis is exact for any proposal width, so the check has no discretisation bias to forgive.
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
let seed: UInt64 = 2028

do {
    let well = try BuiltinPotential.make(name: "double-well-1d")   // U = (x² − 1)², minima at ±1, barrier 1
    // h = 0.5 at T = 0.5: σ = 0.71, wide enough to cross the barrier often.
    let integrator = try RandomWalkMetropolis(LangevinParameters(timeStep: 0.5, temperature: temperature))
    let runs = try sampleChains(
        chains: chains, integrator: integrator, initialPosition: [1.0], schedule: schedule,
        makeField: { _ in well },
        makeRandom: { c in GSLRandom(algorithm: .mt19937, seed: seed, stream: c) })
    for run in runs { if let divergence = run.divergence { throw divergence } }

    let reference = try BoltzmannReference(
        temperature: temperature, energy: { x in well.energy(at: [x]) },
        derivative: { x in well.energyAndGradient(at: [x]).gradient[0] })
    let samples = try CheckSamples(
        dimension: 1,
        chains: runs.map { c in (0..<c.count).flatMap { c.positionRow($0) } },
        energies: runs.map { $0.energySeries() },
        variableNames: well.variableNames)
    let report = try BoltzmannCheck(familywiseAlpha: 0.01).run(samples, target: BoltzmannTarget(reference))

    let acceptance = runs.map(\.summary.acceptanceRate).reduce(0, +) / Double(runs.count)
    let meanProbability = runs.map(\.summary.meanAcceptance).reduce(0, +) / Double(runs.count)
    print("double well U = (x² − 1)², \(integrator.name) (written in this example), h = \(integrator.parameters.timeStep), "
          + "T = \(temperature), \(chains) chains x \(runs[0].count) kept draws, seed \(seed)")
    print("acceptance rate \(rounded(acceptance)) (mean acceptance probability \(rounded(meanProbability)))")
    print(report.renderTable(), terminator: "")
    // An acceptance rate of 0 or 1 would mean the accept/reject step is not doing its job.
    guard acceptance > 0.05 && acceptance < 0.95 else {
        print("custom-integrator: acceptance rate \(acceptance) is outside (0.05, 0.95) — FAILED")
        exit(1)
    }
    if report.passed {
        print("custom-integrator: all \(report.entries.filter { $0.passed != nil }.count) checks passed")
    } else {
        print("custom-integrator: \(report.failures.count) check(s) FAILED")
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
