// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import Platform

/// Writes kept states as plain CSV (one file) or CmdStan-style CSV (one file per chain), each through Platform's
/// ``OutputFile`` (temporary file beside the target, checked writes, fsync, rename; a lock against a second writer).
struct SampleWriter {
    enum Kind { case plain, cmdstan }

    let files: [OutputFile]
    let kind: Kind

    /// The column names of a file of this kind: generated ones (chain, step, p_<name>, energy; lp__, accept_stat__)
    /// around the variables.
    static func columns(kind: Kind, variableNames names: [String], usesMomentum: Bool) -> [String] {
        let momentumNames = usesMomentum ? names.map { "p_\($0)" } : []
        switch kind {
        case .plain: return ["chain", "step"] + names + momentumNames + ["energy"]
        case .cmdstan:
            // Stan's conventions, which ArviZ follows: names ending in `__` are the sampler's (sample_stats), the
            // others parameters (posterior). Momenta are the sampler's state, not parameters: `p_x__`.
            return ["lp__", "accept_stat__"] + (usesMomentum ? names.map { "p_\($0)__" } : []) + names
        }
    }

    /// Refuses variable names that would make two columns of the file share a name (a variable called `energy`,
    /// `chain`, `step`, `lp__`, or `p_x` beside `x` under an underdamped scheme): a reader would silently take one
    /// for the other.
    static func checkColumns(kind: Kind, variableNames names: [String], usesMomentum: Bool) throws(LangevinError) {
        var seen: Set<String> = []
        for c in columns(kind: kind, variableNames: names, usesMomentum: usesMomentum) where !seen.insert(c).inserted {
            throw .invalidParameter(
                "the sample file would have two columns named '\(c)': rename the variable '\(c)' (the names chain, "
                + "step, energy, lp__, accept_stat__ and p_<variable> are generated)")
        }
    }

    /// The paths written for `path`: FILE_1.csv … FILE_C.csv for CmdStan output of several chains, else `path`.
    static func paths(path: String, kind: Kind, chains: Int) -> [String] {
        guard kind == .cmdstan && chains > 1 else { return [path] }
        let stem = path.hasSuffix(".csv") ? String(path.dropLast(4)) : path
        return (1...chains).map { "\(stem)_\($0).csv" }
    }

    /// Opens the outputs (locks them and creates their temporary files), so an unwritable path fails before work.
    init(path: String, kind: Kind, chains: Int) throws(LangevinError) {
        self.kind = kind
        var files: [OutputFile] = []
        do throws(FileError) {
            for p in Self.paths(path: path, kind: kind, chains: chains) { files.append(try OutputFile(path: p)) }
        } catch {
            for f in files { f.discard() }
            throw LangevinError(.io, error.description)
        }
        self.files = files
    }

    /// Drops every output (temporary files removed, targets untouched).
    func discard() { for f in files { f.discard() } }

    func write(_ outcome: SamplingOutcome, temperature: Double) throws(LangevinError) {
        if kind == .cmdstan && temperature > 0 {
            // lp__ = −U/T must be a number: at an extreme temperature it can overflow where U did not.
            for chain in outcome.chains {
                for r in 0..<chain.count where !(-chain.energy(r) / temperature).isFinite {
                    discard()
                    throw LangevinError(.numerical, """
                        lp__ = -U/T overflows at T = \(temperature) (U = \(chain.energy(r)), chain \(chain.chain)): \
                        use --format csv, which writes U itself
                        """)
                }
            }
        }
        do throws(FileError) {
            try writeRows(outcome, temperature: temperature)
            for f in files { try f.commit() }
        } catch {
            discard()
            throw LangevinError(.io, error.description)
        }
    }

    private func writeRows(_ outcome: SamplingOutcome, temperature: Double) throws(FileError) {
        let names = outcome.variableNames
        let header = Self.columns(kind: kind, variableNames: names, usesMomentum: outcome.usesMomentum)
        switch kind {
        case .plain:
            let file = files[0]
            try file.write(header.joined(separator: ",") + "\n")
            for chain in outcome.chains {
                let width = chain.rowWidth
                for r in 0..<chain.count {
                    var line = "\(chain.chain),\(chain.steps[r])"
                    for j in 0..<width { line += ",\(chain.values[r * width + j])" }
                    try file.write(line + "\n")
                }
            }
        case .cmdstan:
            for (i, chain) in outcome.chains.enumerated() {
                let file = files[files.count == 1 ? 0 : i]
                try file.write("# Langevin sampler output (CmdStan-style CSV)\n")
                try file.write("# algorithm = \(outcome.integratorName)\n# chain_id = \(chain.chain + 1)\n")
                try file.write("# temperature = \(temperature)\n")
                try file.write(temperature > 0 ? "# lp__ = -U/T\n"
                                               : "# lp__ = -U (T = 0: no Boltzmann density; minus the energy)\n")
                try file.write("# accept_stat__ = Metropolis acceptance probability of the step that produced the draw "
                    + "(1 for unadjusted schemes)\n")
                try file.write(header.joined(separator: ",") + "\n")
                let width = chain.rowWidth
                let d = chain.dimension
                for r in 0..<chain.count {
                    let u = chain.values[r * width + width - 1]
                    let lp = temperature > 0 ? -u / temperature : -u
                    let accept = r < chain.acceptance.count ? chain.acceptance[r] : 1
                    var line = "\(lp),\(accept)"
                    if chain.hasMomentum { for j in d..<(2 * d) { line += ",\(chain.values[r * width + j])" } }
                    for j in 0..<d { line += ",\(chain.values[r * width + j])" }
                    try file.write(line + "\n")
                }
                if files.count == 1 { break }
            }
        }
    }
}
