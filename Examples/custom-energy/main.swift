// SPDX-License-Identifier: GPL-3.0-or-later
// Example: sample an energy of your own. `Banana` below is an ordinary Swift struct written here, outside the
// library; conforming to `Energy` (U and ∇U on buffers) is all it takes for every built-in integrator, the parallel
// chain runner and the Boltzmann check to accept it. Only public API is used (no @testable import), so the same file
// builds in a package that depends on this one.
//
//     swift run -c release custom-energy [--quick]
//
// The banana: x ∼ N(0, s²) and, given x, y ∼ N(b·x², 1), i.e. at T = 1
//
//     U(x, y) = x²/(2s²) + (y − b·x²)²/2,   ∇U = (x/s² − 2b·x·(y − b·x²),  y − b·x²).
//
// Exact moments for the record (the check computes its reference by 2-D quadrature instead): ⟨x⟩ = 0, ⟨x²⟩ = s²,
// ⟨y⟩ = b·s², Var(y) = 1 + 2b²s⁴. The chains are drawn with MALA (exact for any step), the verdict table is printed,
// and the exit status is 1 when the check fails.
import Diagnostics
import Foundation
import GSLSupport
import LangevinCore

/// U(x, y) = x²/(2s²) + (y − b·x²)²/2, a curved ("banana") density at T = 1; s > 0 is the spread of x, b the bend.
struct Banana: Energy, Sendable {
    typealias Scalar = Double
    var spread: Double
    var bend: Double

    var dimension: Int { 2 }
    var variableNames: [String] { ["x", "y"] }
    /// U is a polynomial: a finite U at a finite point has a finite gradient (the integrators skip one check).
    var gradientIsFiniteWhereEnergyIs: Bool { true }

    func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let r = x[1] - bend * x[0] * x[0]
        return x[0] * x[0] / (2 * spread * spread) + r * r / 2
    }

    func energyAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        let r = x[1] - bend * x[0] * x[0]
        gradient[0] = x[0] / (spread * spread) - 2 * bend * x[0] * r
        gradient[1] = r
        return x[0] * x[0] / (2 * spread * spread) + r * r / 2
    }
}

// Command line: [--quick] (the short run the tests use; the same check at the same α on fewer draws).
var quick = false
for argument in CommandLine.arguments.dropFirst() {
    switch argument {
    case "--quick": quick = true
    case "--help", "-h":
        print("usage: custom-energy [--quick]")
        exit(0)
    default:
        if argument.hasPrefix("-") {
            printError("custom-energy: unknown option '\(argument)' (usage: custom-energy [--quick])")
            exit(64)
        }
        // A positional argument (the output folder the other examples take) is accepted and unused: nothing is written.
    }
}

let banana = Banana(spread: 1, bend: 0.5)
let temperature = 1.0
let chains = 4
let schedule = ChainSchedule(steps: quick ? 40_000 : 200_000, burnIn: 2_000, thin: 2)
let seed: UInt64 = 2027

do {
    let integrator = try MALA(LangevinParameters(timeStep: 0.3, temperature: temperature))
    let runs = try sampleChains(
        chains: chains, integrator: integrator, initialPosition: [0.0, 0.0], schedule: schedule,
        makeField: { _ in banana },
        makeRandom: { c in GSLRandom(algorithm: .mt19937, seed: seed, stream: c) })
    for run in runs { if let divergence = run.divergence { throw divergence } }

    // The Boltzmann check's reference: exp(−U/T)/Z by 2-D quadrature, from the energy and its gradient.
    let reference = try BoltzmannReference(
        temperature: temperature,
        energy: { x, y in banana.energy(at: [x, y]) },
        gradient: { x, y in let g = banana.energyAndGradient(at: [x, y]).gradient; return (g[0], g[1]) })
    let samples = try CheckSamples(
        dimension: banana.dimension,
        chains: runs.map { c in (0..<c.count).flatMap { c.positionRow($0) } },
        energies: runs.map { $0.energySeries() },
        variableNames: banana.variableNames)
    let report = try BoltzmannCheck(familywiseAlpha: 0.01).run(samples, target: BoltzmannTarget(reference))

    let acceptance = runs.map(\.summary.acceptanceRate).reduce(0, +) / Double(runs.count)
    print("banana U = x²/(2s²) + (y − b·x²)²/2 with s = \(banana.spread), b = \(banana.bend); \(integrator.name), "
          + "h = \(integrator.parameters.timeStep), T = \(temperature), \(chains) chains x \(runs[0].count) kept draws, "
          + "seed \(seed), acceptance \((acceptance * 1000).rounded() / 1000)")
    print("exact: <x> = 0, <x^2> = \(banana.spread * banana.spread), <y> = \(banana.bend * banana.spread * banana.spread)"
          + "; quadrature: <x^2> = \(reference.secondMoments[0]), <y> = \(reference.means[1])")
    print(report.renderTable(), terminator: "")
    if report.passed {
        print("custom-energy: all \(report.entries.filter { $0.passed != nil }.count) checks passed")
    } else {
        print("custom-energy: \(report.failures.count) check(s) FAILED")
        exit(1)
    }
} catch {
    printError("custom-energy: \(error)")
    exit(1)
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
