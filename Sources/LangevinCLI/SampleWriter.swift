// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

/// Writes kept states as plain CSV (one file) or CmdStan-style CSV (one file per chain).
struct SampleWriter {
    enum Kind { case plain, cmdstan }

    let files: [AtomicTextFile]
    let kind: Kind

    init(path: String, kind: Kind, chains: Int) throws(LangevinError) {
        self.kind = kind
        if kind == .cmdstan && chains > 1 {
            let stem = path.hasSuffix(".csv") ? String(path.dropLast(4)) : path
            var files: [AtomicTextFile] = []
            for c in 1...chains { files.append(try AtomicTextFile(path: "\(stem)_\(c).csv")) }
            self.files = files
        } else {
            self.files = [try AtomicTextFile(path: path)]
        }
    }

    func write(_ outcome: SamplingOutcome, temperature: Double) throws(LangevinError) {
        let names = outcome.variableNames
        switch kind {
        case .plain:
            let momentumNames = outcome.usesMomentum ? names.map { "p_\($0)" } : []
            let file = files[0]
            file.write((["chain", "step"] + names + momentumNames + ["energy"]).joined(separator: ",") + "\n")
            for chain in outcome.chains {
                let width = chain.rowWidth
                for r in 0..<chain.count {
                    var line = "\(chain.chain),\(chain.steps[r])"
                    for j in 0..<width { line += ",\(chain.values[r * width + j])" }
                    file.write(line + "\n")
                }
            }
            try file.commit()
        case .cmdstan:
            // Stan's conventions, which ArviZ follows: names ending in `__` are the sampler's (sample_stats), the
            // others parameters (posterior). Momenta are the sampler's state, not parameters: `p_x__`.
            let stanMomenta = outcome.usesMomentum ? names.map { "p_\($0)__" } : []
            for (i, chain) in outcome.chains.enumerated() {
                let file = files[files.count == 1 ? 0 : i]
                file.write("# Langevin sampler output (CmdStan-style CSV)\n")
                file.write("# algorithm = \(outcome.integratorName)\n# chain_id = \(chain.chain + 1)\n")
                file.write("# temperature = \(temperature)\n")
                file.write(temperature > 0 ? "# lp__ = -U/T\n"
                                           : "# lp__ = -U (T = 0: no Boltzmann density; minus the energy)\n")
                file.write("# accept_stat__ = Metropolis acceptance probability of the step that produced the draw "
                    + "(1 for unadjusted schemes)\n")
                file.write((["lp__", "accept_stat__"] + stanMomenta + names).joined(separator: ",") + "\n")
                let width = chain.rowWidth
                let d = chain.dimension
                for r in 0..<chain.count {
                    let u = chain.values[r * width + width - 1]
                    let lp = temperature > 0 ? -u / temperature : -u
                    let accept = r < chain.acceptance.count ? chain.acceptance[r] : 1
                    var line = "\(lp),\(accept)"
                    if chain.hasMomentum { for j in d..<(2 * d) { line += ",\(chain.values[r * width + j])" } }
                    for j in 0..<d { line += ",\(chain.values[r * width + j])" }
                    file.write(line + "\n")
                }
                if files.count == 1 { break }
            }
            for f in files { try f.commit() }
        }
    }
}
