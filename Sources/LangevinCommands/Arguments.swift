// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import NeuralEnergy

// The command line's spellings of the library's choices. The library takes typed values (``ModelSpec``,
// ``ScheduleShape``); these parsers are the only place that knows their text form.

extension ModelSpec {
    /// `mlp` (784-400-400-10 on MNIST-sized data), `mlp:H1,H2,…` (hidden widths in 1…100 000), or `cnn`.
    init(commandLine text: String) throws(LangevinError) {
        let t = text.lowercased()
        if t == "cnn" { self = .cnn; return }
        if t == "mlp" { self = .mlp(hidden: [400, 400]); return }
        if t.hasPrefix("mlp:") {
            let parts = t.dropFirst(4).split(separator: ",", omittingEmptySubsequences: false)
            var hidden: [Int] = []
            for p in parts {
                guard let n = Int(p), n >= 1, n <= 100_000 else {
                    throw .invalidParameter("--model '\(text)': hidden layer sizes must be integers in 1...100000")
                }
                hidden.append(n)
            }
            guard !hidden.isEmpty else { throw .invalidParameter("--model '\(text)': name at least one hidden layer") }
            self = .mlp(hidden: hidden)
            return
        }
        throw LangevinError(.unknownName, "unknown model '\(text)': use mlp, mlp:H1,H2,… or cnn")
    }
}

extension ScheduleShape {
    /// `constant`, `cosine`, `polynomial[:b,gamma]` or `cyclical[:cycles[,exploration]]`.
    init(commandLine text: String) throws(LangevinError) {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1)
        let name = parts.first.map(String.init) ?? ""
        let args = parts.count > 1 ? parts[1].split(separator: ",").map { Double($0) } : []
        guard !args.contains(where: { $0 == nil }) else {
            throw .invalidParameter("--schedule '\(text)': arguments must be numbers")
        }
        let a = args.map { $0! }
        switch name {
        case "constant" where a.isEmpty: self = .constant
        case "cosine" where a.isEmpty: self = .cosine
        case "polynomial" where a.count <= 2:
            self = .polynomial(b: a.count > 0 ? a[0] : 1000, gamma: a.count > 1 ? a[1] : 0.55)
        case "cyclical" where a.count <= 2:
            if let c = a.first, !(c >= 1 && c <= 1_000_000 && c == c.rounded()) {
                throw .invalidParameter("--schedule '\(text)': the number of cycles must be an integer ≥ 1")
            }
            self = .cyclical(cycles: a.count > 0 ? Int(a[0]) : 4, exploration: a.count > 1 ? a[1] : 0.5)
        case "constant", "cosine", "polynomial", "cyclical":
            throw .invalidParameter("--schedule '\(text)': too many arguments")
        default:
            throw LangevinError(.unknownName,
                "unknown schedule '\(text)': use constant, cosine, polynomial[:b,gamma] or cyclical[:cycles[,exploration]]")
        }
    }
}
