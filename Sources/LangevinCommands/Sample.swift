// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import LangevinCore
import Platform
import Potentials

/// `langevin sample`: runs the chains and writes the kept states as CSV.
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample exp(-U/T) and write the kept states as CSV.",
        discussion: "Columns: chain (0-based), step (global step number, burn-in included), one column per variable, p_<name> per variable for underdamped schemes, energy. The same seed gives a byte-identical file whatever the number of threads. --format cmdstan writes CmdStan-style CSV (lp__ = -U/T), one file per chain (FILE_1.csv, ...) when there are several chains. \(exitStatusHelp)")

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, cmdstan }

    @OptionGroup var energy: EnergyOptions
    @OptionGroup var sampling: SamplingOptions

    @Option(help: ArgumentHelp("Output CSV file.", valueName: "FILE.csv"))
    var output: String

    @Option(help: "csv (default) or cmdstan.")
    var format: Format = .csv

    @Option(help: ArgumentHelp("Also write chain 0's particle positions as an XYZ trajectory (particle systems).",
                               valueName: "FILE.xyz"))
    var xyz: String?

    func run() throws {
        do {
            let resolved = try energy.resolve()
            let kind: SampleWriter.Kind = format == .cmdstan ? .cmdstan : .plain
            let usesMomentum = try AnyIntegrator(name: sampling.integrator, parameters: sampling.parameters).usesMomentum
            try SampleWriter.checkColumns(kind: kind, variableNames: resolved.variableNames, usesMomentum: usesMomentum)
            var particleDimension: Int? = nil
            if xyz != nil {
                guard case .builtin(let p) = resolved, let d = p.particleDimension else {
                    throw LangevinError(.invalidParameter, "--xyz needs a particle system (e.g. --potential lennard-jones)")
                }
                particleDimension = d
            }
            let paths = SampleWriter.paths(path: output, kind: kind, chains: sampling.chains)
            if let xyz, paths.contains(xyz) { throw LangevinError(.invalidParameter, "--xyz and --output name the same file '\(xyz)'") }
            try Preflight.checkSampling(sampling, dimension: resolved.variableNames.count, usesMomentum: usesMomentum,
                                        outputs: paths + (xyz.map { [$0] } ?? []), copies: 1)
            // Open the outputs first: an unwritable path, or one another run is writing, fails before any work.
            let writer = try SampleWriter(path: output, kind: kind, chains: sampling.chains)
            var xyzWriter: XYZTrajectoryWriter? = nil
            if let xyz, let particleDimension {
                do {
                    xyzWriter = try XYZTrajectoryWriter(path: xyz, particleDimension: particleDimension)
                } catch {
                    writer.discard()
                    throw error
                }
            }
            // A run that fails before its files are finished leaves the earlier files untouched.
            defer { xyzWriter?.discard() }
            let outcome = try runSampling(energy: resolved, options: sampling)
            try writer.write(outcome, temperature: sampling.temperature)
            if let xyzWriter, let first = outcome.chains.first {
                for r in 0..<first.count {
                    try xyzWriter.write(positions: first.positionRow(r), step: first.steps[r], energy: first.energy(r))
                }
                try xyzWriter.close()
            }
            let kept = outcome.chains.reduce(0) { $0 + $1.count }
            printError("wrote \(kept) rows from \(outcome.chains.count) chain(s) to \(output)")
            for w in acceptanceWarnings(outcome) { printError("warning: \(w)") }
            if let divergence = outcome.divergence {
                throw divergence
            }
        } catch let error as LangevinError {
            throw fail(error)
        }
    }
}
