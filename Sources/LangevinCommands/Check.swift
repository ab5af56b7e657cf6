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
        abstract: "Sample exp(-U/T), or read draws from files (--samples), and check them against the exact Boltzmann distribution.",
        discussion: "With --samples FILE... the draws come from files written by any sampler (this tool's CSV, CmdStan CSV, or any CSV with a header; --columns names the columns) and are checked at --temperature; the sampling options are then not used. The reference is the closed form where one exists (harmonic wells), else GSL quadrature for energies in one or two dimensions. Checks: Kolmogorov-Smirnov and chi-squared on each marginal (thinned by 2x the integrated autocorrelation time), moment z-scores with standard errors from the effective sample size, rank-normalised split R-hat across chains, and a kernel Stein discrepancy as a figure. Holm's procedure holds the family-wise error rate at --alpha. A MALA chain whose mean acceptance is below 0.05 or above 0.9999 is flagged. Unreadable or malformed sample files are errors (status 2). \(exitStatusHelp)")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var energy: EnergyOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: "table (default) or json.")
    var format: Format = .table

    @Option(help: ArgumentHelp("Family-wise error rate of the p-value tests.", valueName: "ALPHA"))
    var alpha: Double = 0.01

    @Option(help: ArgumentHelp("Also write the samples as CSV.", valueName: "FILE.csv"))
    var output: String?

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Check these draws instead of sampling: this tool's CSV (chains from its chain column), CmdStan CSV (one file per chain) or any CSV with a header naming the columns.",
        valueName: "FILE"))
    var samples: [String] = []

    @Option(help: ArgumentHelp(
        "With --samples: the columns holding the energy's variables, in its variable order (default: the variable names).",
        valueName: "NAMES"))
    var columns: String?

    func validate() throws {
        guard alpha > 0, alpha < 1 else { throw ValidationError("--alpha must be in (0, 1), got \(alpha)") }
        if samples.isEmpty {
            if columns != nil { throw ValidationError("--columns applies to --samples only") }
            guard sampling.chains >= 2 else {
                throw ValidationError("check needs --chains ≥ 2 (R-hat compares chains)")
            }
        } else if output != nil {
            throw ValidationError("--output writes the draws check samples; with --samples there are none to write")
        }
        guard sampling.temperature > 0 else {
            throw ValidationError("check needs --temperature > 0 (at T = 0 there is no Boltzmann distribution)")
        }
    }

    func run() throws {
        let result: CheckOutput
        do {
            let resolved = try energy.resolve()
            result = samples.isEmpty ? try checkOwnDraws(resolved) : try checkFiles(resolved)
            switch format {
            case .table:
                try printChecked(result.header)
                try printChecked("monitors: " + result.monitors.text)
                for f in result.flags { try printChecked("FLAGGED  \(f)") }
                try printChecked(result.report.renderTable())
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                let data = try encoder.encode(result)
                try printChecked(String(decoding: data, as: UTF8.self))
            }
        } catch let error as LangevinError {
            throw fail(error)
        } catch let error as EncodingError {
            throw fail("cannot encode the report: \(error)")
        }
        if !result.report.passed { throw ExitCode(1) }
    }

    /// Samples like `sample`, then checks the kept draws.
    func checkOwnDraws(_ resolved: ResolvedEnergy) throws(LangevinError) -> CheckOutput {
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
        let draws = try CheckSamples(
            dimension: resolved.variableNames.count,
            chains: outcome.chains.map { c in (0..<c.count).flatMap { c.positionRow($0) } },
            energies: outcome.chains.map { $0.energySeries() },
            variableNames: resolved.variableNames)
        let report = try SamplerCheck.check(draws, target: target, alpha: alpha).report
        let header = "\(resolved.label), \(outcome.integratorName), dt=\(sampling.dt), T=\(sampling.temperature), "
            + "\(sampling.chains) chains x \(outcome.chains[0].count) kept draws, seed \(sampling.seed)"
        let rows = outcome.chains.flatMap { c in (0..<c.count).map { c.positionRow($0) } }
        var monitors = CheckMonitors()
        let kinetic = outcome.chains.map(\.summary.kineticTemperature).filter { !$0.isNaN }
        if !kinetic.isEmpty { monitors.kineticTemperature = kinetic.reduce(0, +) / Double(kinetic.count) }
        monitors.configurationalTemperature = configurationalTemperature(resolved, rows)
        if outcome.isMetropolisAdjusted {
            monitors.meanAcceptance = outcome.chains.map(\.summary.meanAcceptance).reduce(0, +)
                / Double(outcome.chains.count)
        }
        var settings = CheckSettings(source: "sampled", energy: resolved.label, temperature: sampling.temperature,
                                     alpha: alpha)
        settings.integrator = outcome.integratorName
        settings.dt = sampling.dt
        settings.friction = sampling.friction
        settings.mass = sampling.mass
        settings.steps = sampling.steps
        settings.burnIn = sampling.burnIn
        settings.thin = sampling.thin
        settings.chains = sampling.chains
        settings.seed = sampling.seed
        settings.rng = sampling.rng
        settings.drawsPerChain = outcome.chains[0].count
        return CheckOutput(report: report, monitors: monitors, settings: settings, header: header, flags: flags)
    }

    /// Checks draws read from files (`--samples`); U is recomputed from the positions with the named energy.
    func checkFiles(_ resolved: ResolvedEnergy) throws(LangevinError) -> CheckOutput {
        let names = resolved.variableNames
        let columnNames = columns.map { $0.split(separator: ",").map { String($0).trimmed } }
        let read = try SampleFileReader.read(paths: samples, variables: names, columns: columnNames)
        guard read.chains.count >= 2 else {
            throw LangevinError(.invalidData,
                "\(read.chainLabels.joined(separator: ", ")) holds 1 chain; the check needs at least 2 (R-hat compares "
                + "chains): give one file per chain, or a file with a chain column")
        }
        let minimum = EffectiveSampleSize.minimumSampleCount
        guard read.drawsPerChain >= minimum else {
            throw LangevinError(.invalidData,
                "the chains have \(read.drawsPerChain) draws each; the check needs at least \(minimum) per chain, and "
                + "at least 50 integrated autocorrelation times")
        }
        let target = try makeTarget(resolved, temperature: sampling.temperature)
        let draws = try CheckSamples(dimension: names.count, chains: read.chains, variableNames: names)
        let report = try SamplerCheck.check(draws, target: target, alpha: alpha).report
        let files = samples.count == 1 ? samples[0] : "\(samples.count) files"
        let header = "\(resolved.label), samples from \(files) (\(Array(Set(read.formats)).sorted().joined(separator: "/"))), "
            + "T=\(sampling.temperature), \(read.chains.count) chains x \(read.drawsPerChain) draws"
        let d = names.count
        let rows = read.chains.flatMap { x in Swift.stride(from: 0, to: x.count, by: d).map { Array(x[$0..<($0 + d)]) } }
        var monitors = CheckMonitors()
        monitors.configurationalTemperature = configurationalTemperature(resolved, rows)
        var settings = CheckSettings(source: "files", energy: resolved.label, temperature: sampling.temperature,
                                     alpha: alpha)
        settings.files = samples
        settings.formats = read.formats
        settings.columns = columnNames ?? names
        settings.chains = read.chains.count
        settings.drawsPerChain = read.drawsPerChain
        return CheckOutput(report: report, monitors: monitors, settings: settings, header: header)
    }

    /// Configurational temperature ⟨|∇U|²⟩/⟨∇²U⟩ on up to 20 000 evenly spaced draws: at equilibrium it estimates T.
    func configurationalTemperature(_ resolved: ResolvedEnergy, _ rows: [[Double]]) -> Double {
        let stride = max(1, rows.count / 20_000)
        let picked = Swift.stride(from: 0, to: rows.count, by: stride).map { rows[$0] }
        return switch resolved {
        case .builtin(let p): TemperatureMonitor.configurational(p, positions: picked)
        case .expression(let e): TemperatureMonitor.configurational(e, positions: picked)
        }
    }

    /// The exact reference: closed form for harmonic wells, quadrature in one or two dimensions, else moments only
    /// where known (and R-hat and the KSD figure always).
    func makeTarget(_ resolved: ResolvedEnergy, temperature t: Double) throws(LangevinError) -> BoltzmannTarget {
        switch resolved {
        case .builtin(let p): try .builtin(p, temperature: t)
        case .expression(let e): try SamplerCheck.target(for: e, temperature: t)
        }
    }
}
