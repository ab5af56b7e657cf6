// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Diagnostics
import Foundation
import GSLSupport
import LangevinCore
import Potentials

/// `langevin check`: samples like `sample`, then tests the draws against the Boltzmann distribution.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample exp(-U/T) and check the draws against the exact Boltzmann distribution.",
        discussion: "The reference is the closed form where one exists (harmonic wells), else GSL quadrature for energies in one or two dimensions. Checks: Kolmogorov-Smirnov and chi-squared on each marginal (thinned by 2x the integrated autocorrelation time), moment z-scores with standard errors from the effective sample size, split R-hat across chains, and a kernel Stein discrepancy as a figure. Holm's procedure holds the family-wise error rate at --alpha. A MALA chain whose mean acceptance is below 0.05 or above 0.9999 is flagged. \(exitStatusHelp)")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var energy: EnergyOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "table (default) or json.")
    var format: Format = .table

    @Option(help: ArgumentHelp("Family-wise error rate of the p-value tests.", valueName: "ALPHA"))
    var alpha: Double = 0.01

    @Option(help: ArgumentHelp("Also write the samples as CSV.", valueName: "FILE.csv"))
    var output: String?

    func validate() throws {
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
        guard sampling.chains >= 2 else {
            throw ValidationError("check needs --chains ≥ 2 (R-hat compares chains)")
        }
        guard sampling.temperature > 0 else {
            throw ValidationError("check needs --temperature > 0 (at T = 0 there is no Boltzmann distribution)")
        }
    }

    func run() throws {
        let report: CheckReport
        do {
            let resolved = try energy.resolve()
            let usesMomentum = try AnyIntegrator(name: sampling.integrator, parameters: sampling.parameters).usesMomentum
            if output != nil {
                try SampleWriter.checkColumns(kind: .plain, variableNames: resolved.variableNames, usesMomentum: usesMomentum)
            }
            try Preflight.checkSampling(sampling, dimension: resolved.variableNames.count, usesMomentum: usesMomentum,
                                        outputs: output.map { [$0] } ?? [], copies: 3)
            let writer = try output.map { path throws(LangevinError) in
                try SampleWriter(path: path, kind: .plain, chains: sampling.chains)
            }
            let target = try makeTarget(resolved, temperature: sampling.temperature)
            let outcome = try runSampling(energy: resolved, options: sampling)
            try writer?.write(outcome, temperature: sampling.temperature)
            if let divergence = outcome.divergence { throw divergence }
            // Flagged now, so that a stuck chain is named even when the checks below cannot run.
            let flags = acceptanceWarnings(outcome)
            for f in flags { printError("warning: \(f)") }
            let samples = try CheckSamples(
                dimension: resolved.variableNames.count,
                chains: outcome.chains.map { c in (0..<c.count).flatMap { c.positionRow($0) } },
                energies: outcome.chains.map { $0.energySeries() },
                variableNames: resolved.variableNames)
            let checker = BoltzmannCheck(familywiseAlpha: alpha)
            report = try checker.run(samples, target: target)
            let header = "\(resolved.label), \(outcome.integratorName), dt=\(sampling.dt), T=\(sampling.temperature), "
                + "\(sampling.chains) chains x \(outcome.chains[0].count) kept draws, seed \(sampling.seed)"
            let monitors = temperatureMonitors(resolved, outcome)
            switch format {
            case .table:
                try printChecked(header)
                try printChecked(monitors)
                for f in flags { try printChecked("FLAGGED  \(f)") }
                try printChecked(report.renderTable())
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data = try encoder.encode(report)
                try printChecked(String(decoding: data, as: UTF8.self))
            }
        } catch let error as LangevinError {
            throw fail(error)
        } catch let error as EncodingError {
            throw fail("cannot encode the report: \(error)")
        }
        if !report.passed { throw ExitCode(1) }
    }

    /// Kinetic (underdamped schemes) and configurational temperature estimates of the kept draws, and the mean
    /// Metropolis acceptance (MALA): at equilibrium both temperatures estimate T.
    func temperatureMonitors(_ resolved: ResolvedEnergy, _ outcome: SamplingOutcome) -> String {
        var parts: [String] = []
        let kinetic = outcome.chains.map(\.summary.kineticTemperature).filter { !$0.isNaN }
        if !kinetic.isEmpty { parts.append("kinetic temperature \(rounded(kinetic.reduce(0, +) / Double(kinetic.count)))") }
        // Configurational temperature ⟨|∇U|²⟩/⟨∇²U⟩ on up to 20 000 evenly spaced kept draws.
        let rows = outcome.chains.flatMap { c in (0..<c.count).map { c.positionRow($0) } }
        let stride = max(1, rows.count / 20_000)
        let picked = Swift.stride(from: 0, to: rows.count, by: stride).map { rows[$0] }
        let configurational: Double = switch resolved {
        case .builtin(let p): TemperatureMonitor.configurational(p, positions: picked)
        case .expression(let e): TemperatureMonitor.configurational(e, positions: picked)
        }
        parts.append("configurational temperature \(rounded(configurational))")
        if outcome.isMetropolisAdjusted {
            let a = outcome.chains.map(\.summary.meanAcceptance).reduce(0, +) / Double(outcome.chains.count)
            parts.append("mean acceptance \(rounded(a))")
        }
        return "monitors: " + parts.joined(separator: ", ")
    }

    /// The exact reference: closed form for harmonic wells, quadrature in one or two dimensions, else moments only
    /// where known (and R-hat and the KSD figure always).
    func makeTarget(_ resolved: ResolvedEnergy, temperature t: Double) throws(LangevinError) -> BoltzmannTarget {
        let d = resolved.variableNames.count
        let score: ([Double]) -> [Double]
        let energyFunction: ([Double]) -> Double
        switch resolved {
        case .builtin(let p):
            score = { x in p.energyAndGradient(at: x).gradient.map { -$0 / t } }
            energyFunction = { x in p.energy(at: x) }
            if case .harmonic(let h) = p {
                return harmonicTarget(h, temperature: t, score: score, energy: energyFunction)
            }
        case .expression(let e):
            score = { x in e.energyAndGradient(at: x).gradient.map { -$0 / t } }
            energyFunction = { x in e.energy(at: x) }
        }
        if d == 1 {
            let reference = try BoltzmannReference(
                temperature: t, energy: { x in energyFunction([x]) }, derivative: { x in -t * score([x])[0] })
            return BoltzmannTarget(reference)
        }
        if d == 2 {
            let reference = try BoltzmannReference(
                temperature: t, energy: { x, y in energyFunction([x, y]) },
                gradient: { x, y in let s = score([x, y]); return (-t * s[0], -t * s[1]) })
            return BoltzmannTarget(reference)
        }
        var exact = ReferenceMoments()
        if case .builtin(let p) = resolved, let m = p.exactMoments(temperature: t) {
            exact = ReferenceMoments(means: m.means ?? [], variances: m.variances ?? [], meanEnergy: m.meanEnergy)
        }
        return BoltzmannTarget(dimension: d, exact: exact, energy: energyFunction, score: score)
    }

    func harmonicTarget(_ h: Harmonic, temperature t: Double, score: @escaping ([Double]) -> [Double],
                        energy: @escaping ([Double]) -> Double) -> BoltzmannTarget {
        let d = h.dimension
        let means = h.center
        let variances = h.stiffness.map { t / $0 }
        let sd = variances.map { $0.squareRoot() }
        return BoltzmannTarget(
            dimension: d,
            exact: ReferenceMoments(means: means, variances: variances, meanEnergy: Double(d) * t / 2),
            marginalCDFs: (0..<d).map { i in { GSLDistributions.normalCDF(($0 - means[i]) / sd[i]) } },
            marginalQuantiles: (0..<d).map { i in { means[i] + sd[i] * GSLDistributions.normalQuantile($0) } },
            energy: energy, score: score)
    }
}
