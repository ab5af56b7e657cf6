// SPDX-License-Identifier: GPL-3.0-or-later
// `check --samples`: draws written by any sampler are checked like the tool's own; JSON numbers; CmdStan output.
import Foundation
import Testing

/// SplitMix64 with Box–Muller Gaussians: a sampler "written elsewhere", independent of the tool's GSL generators.
struct TestGaussians {
    var state: UInt64
    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
    }
    mutating func gaussian() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }
}

@Suite("langevin check --samples")
struct SamplesFileCheckTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func checks(_ json: [String: Any]) -> [[String: Any]] { json["checks"] as? [[String: Any]] ?? [] }

    static let run = ["--potential", "double-well", "--integrator", "mala", "--dt", "0.05", "--steps", "100000",
                      "--thin", "10", "--chains", "4", "--seed", "20261128"]

    @Test("A file written by check --output, read back with --samples, gives the same checks, numbers and verdict")
    func sameVerdictAsOwnDraws() throws {
        let dir = CLI.temporaryDirectory("roundtrip")
        let own = try CLI.run(["check"] + Self.run + ["--format", "json", "--output", dir + "/d.csv"])
        #expect(own.status == 0, "\(own.stderr)")
        let fromFile = try CLI.run(["check", "--potential", "double-well", "--samples", dir + "/d.csv",
                                    "--format", "json"])
        #expect(fromFile.status == own.status, "\(fromFile.stderr)")
        let a = try Self.json(own.stdout), b = try Self.json(fromFile.stdout)
        #expect(a["passed"] as? Bool == b["passed"] as? Bool)
        let ca = Self.checks(a), cb = Self.checks(b)
        #expect(ca.count == cb.count && ca.count > 8)
        for (x, y) in zip(ca, cb) {
            #expect(x["name"] as? String == y["name"] as? String)
            #expect(x["verdict"] as? String == y["verdict"] as? String)
            // Positions round-trip exactly through the CSV; ⟨U⟩ is recomputed from them (energy(at:) instead of the
            // integrator's energyAndGradient), equal to rounding.
            let s = x["statistic"] as? Double ?? .nan, t = y["statistic"] as? Double ?? .nan
            #expect(abs(s - t) <= 1e-12 * max(1, abs(s)), "\(x["name"] ?? ""): \(s) vs \(t)")
        }
        let settings = b["settings"] as? [String: Any]
        #expect(settings?["source"] as? String == "files")
        #expect(settings?["formats"] as? [String] == ["langevin"])
    }

    @Test("CmdStan files (one per chain) from sample --format cmdstan give the same verdict and numbers")
    func cmdstanFiles() throws {
        let dir = CLI.temporaryDirectory("cmdstan-in")
        let sampleArgs = ["sample"] + Self.run
        #expect(try CLI.run(sampleArgs + ["--output", dir + "/plain.csv"]).status == 0)
        #expect(try CLI.run(sampleArgs + ["--format", "cmdstan", "--output", dir + "/stan.csv"]).status == 0)
        let plain = try CLI.run(["check", "--potential", "double-well", "--samples", dir + "/plain.csv",
                                 "--format", "json"])
        let stan = try CLI.run(["check", "--potential", "double-well", "--format", "json", "--samples"]
                               + (1...4).map { dir + "/stan_\($0).csv" })
        #expect(plain.status == 0 && stan.status == 0, "\(stan.stderr)")
        let a = Self.checks(try Self.json(plain.stdout)), b = Self.checks(try Self.json(stan.stdout))
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(x["name"] as? String == y["name"] as? String)
            #expect(x["statistic"] as? Double == y["statistic"] as? Double)
        }
        #expect((try Self.json(stan.stdout)["settings"] as? [String: Any])?["formats"] as? [String]
                == ["cmdstan", "cmdstan", "cmdstan", "cmdstan"])
    }

    /// Exact draws of the default Rosenbrock (x ∼ N(1, 10), y | x ∼ N(x², 0.1) at T = 1), and the same with x's
    /// variance 20 % too large — a bias the check must see: ⟨x²⟩ is off by 2 = 16 SE at 4 × 5000 independent draws
    /// (SE of ⟨x²⟩ ≈ √(2·10²+4·10)/√20000 ≈ 0.11).
    static func rosenbrockFile(_ path: String, xVarianceFactor: Double, seed: UInt64) throws {
        var g = TestGaussians(state: seed)
        var text = "chain,x,y\n"
        for c in 0..<4 {
            for _ in 0..<5000 {
                let x = 1 + (10 * xVarianceFactor).squareRoot() * g.gaussian()
                let y = x * x + 0.1.squareRoot() * g.gaussian()
                text += "\(c),\(x),\(y)\n"
            }
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("Rosenbrock at its documented parameters: exact draws pass, draws with Var(x) 20 % too large fail")
    func rosenbrock() throws {
        let dir = CLI.temporaryDirectory("rosenbrock")
        try Self.rosenbrockFile(dir + "/exact.csv", xVarianceFactor: 1, seed: 20261202)
        try Self.rosenbrockFile(dir + "/biased.csv", xVarianceFactor: 1.2, seed: 20261203)
        let good = try CLI.run(["check", "--potential", "rosenbrock", "--samples", dir + "/exact.csv"])
        #expect(good.status == 0, "\(good.stdout)\n\(good.stderr)")
        #expect(good.stdout.contains("ks[y]") && good.stdout.contains("chi2[y]"))
        let bad = try CLI.run(["check", "--potential", "rosenbrock", "--samples", dir + "/biased.csv"])
        #expect(bad.status == 1, "\(bad.stdout)\n\(bad.stderr)")
        // The same energy as an expression goes through the generic 2-D quadrature (split at the minima along each
        // inner line): the same verdict, and KS and χ² statistics equal to the exact marginals' to 10⁻⁶.
        let expression = try CLI.run(["check", "--energy", "((1-x)^2 + 100*(y-x^2)^2)/20", "--variables", "x,y",
                                      "--samples", dir + "/exact.csv", "--format", "json"])
        #expect(expression.status == 0, "\(expression.stdout)\n\(expression.stderr)")
        let builtin = try CLI.run(["check", "--potential", "rosenbrock", "--samples", dir + "/exact.csv",
                                   "--format", "json"])
        let e = Self.checks(try Self.json(expression.stdout)), b = Self.checks(try Self.json(builtin.stdout))
        for name in ["ks[x]", "ks[y]", "chi2[x]", "chi2[y]"] {
            let u = e.first { $0["name"] as? String == name }?["statistic"] as? Double ?? .nan
            let v = b.first { $0["name"] as? String == name }?["statistic"] as? Double ?? .nan
            #expect(abs(u - v) <= 1e-6 * max(1, abs(v)), "\(name): expression \(u), exact marginals \(v)")
        }
    }

    @Test("Any CSV: --columns picks the columns (in the energy's variable order), extra columns are ignored; BOM, quotes")
    func columns() throws {
        let dir = CLI.temporaryDirectory("columns")
        var g = TestGaussians(state: 7)
        // The first file as a spreadsheet may write it: a byte-order mark, quoted header cells, CRLF line ends.
        var text = "\u{FEFF}\"id\",\"b\",\"a\"\r\n"
        for t in 0..<4000 { text += "\(t),\(3 + 2 * g.gaussian()),\(g.gaussian())\n" }
        try text.write(toFile: dir + "/1.csv", atomically: true, encoding: .utf8)
        var text2 = "id,b,a\n"
        for t in 0..<4000 { text2 += "\(t),\(3 + 2 * g.gaussian()),\(g.gaussian())\n" }
        try text2.write(toFile: dir + "/2.csv", atomically: true, encoding: .utf8)
        // U = x²/2 + (y − 3)²/8: x ∼ N(0, 1) in column a, y ∼ N(3, 4) in column b.
        let r = try CLI.run(["check", "--energy", "x^2/2 + (y-3)^2/8", "--variables", "x,y", "--columns", "a,b",
                             "--samples", dir + "/1.csv", dir + "/2.csv", "--format", "json"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let j = try Self.json(r.stdout)
        #expect((j["settings"] as? [String: Any])?["columns"] as? [String] == ["a", "b"])
        #expect(j["chainCount"] as? Int == 2)
        // Swapped columns put N(3, 4) draws against N(0, 1): a failed check, not an error.
        let swapped = try CLI.run(["check", "--energy", "x^2/2 + (y-3)^2/8", "--variables", "x,y", "--columns", "b,a",
                                   "--samples", dir + "/1.csv", dir + "/2.csv"])
        #expect(swapped.status == 1)
    }

    @Test("JSON: per-check estimate, exact value, SE, ESS, z, p, Holm p and verdict; monitors and settings")
    func jsonNumbers() throws {
        let r = try CLI.run(["check"] + Self.run + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r.stdout)
        for key in ["passed", "familywiseAlpha", "rHatThreshold", "chainCount", "drawCount", "checks", "monitors",
                    "settings"] {
            #expect(j[key] != nil, "missing \(key)")
        }
        let checks = Self.checks(j)
        let mean = try #require(checks.first { $0["name"] as? String == "mean[x]" })
        for key in ["statistic", "estimate", "exact", "standardError", "ess", "zScore", "pValue", "adjustedPValue",
                    "verdict", "passed", "sampleCount"] {
            #expect(mean[key] != nil, "mean[x] lacks \(key)")
        }
        // z = (estimate − exact)/SE, as stated.
        let z = ((mean["estimate"] as! Double) - (mean["exact"] as! Double)) / (mean["standardError"] as! Double)
        #expect(abs(z - (mean["zScore"] as! Double)) <= 1e-9 * max(1, abs(z)))
        let rhat = try #require(checks.first { $0["name"] as? String == "rhat[x]" })
        for key in ["ess", "essBulk", "essTail", "verdict"] { #expect(rhat[key] != nil, "rhat[x] lacks \(key)") }
        let ks = try #require(checks.first { $0["name"] as? String == "ks[x]" })
        #expect(ks["sampleCount"] as? Int ?? 0 > 100)
        let monitors = j["monitors"] as? [String: Any]
        #expect(monitors?["configurationalTemperature"] is Double)
        #expect(monitors?["meanAcceptance"] is Double)
        let settings = j["settings"] as? [String: Any]
        #expect(settings?["integrator"] as? String == "mala")
        #expect(settings?["dt"] as? Double == 0.05)
        #expect(settings?["seed"] as? Int == 20261128)
    }

    @Test("Bad sample files: a clear error and exit 2 (usage errors 64), never a trap", arguments: [
        ("missing", "no such file", Int32(2)),
        ("nocolumn", "no column 'y'", 2),
        ("nonnumeric", "line 3, column 'x': 'abc' is not a finite number", 2),
        ("nan", "'nan' is not a finite number", 2),
        ("ragged", "line 4: 2 cells, but the header has 3", 2),
        ("mismatched", "different numbers of draws", 2),
        ("toofew", "at least 20 per chain", 2),
        ("onechain", "holds 1 chain; the check needs at least 2", 2),
        ("empty", "is empty", 2),
        ("headeronly", "has a header but no draws", 2),
        ("columnscount", "--columns names 1 column(s)", 64),
        ("columnswithout", "--columns applies to --samples only", 64),
        ("outputwith", "with --samples there are none to write", 64),
    ])
    func badFiles(_ kind: String, _ fragment: String, _ status: Int32) throws {
        let dir = CLI.temporaryDirectory("bad-\(kind)")
        let f = dir + "/s.csv"
        func rows(_ chains: [Int], _ n: Int) -> String {
            var s = "chain,x,y\n"
            for c in chains { for t in 0..<n { s += "\(c),\(Double(t % 7) * 0.1),\(Double(t % 5) * 0.2)\n" } }
            return s
        }
        var args = ["check", "--potential", "double-well", "--samples", f]
        switch kind {
        case "missing": args[4] = dir + "/absent.csv"
        case "nocolumn": try "chain,x\n0,1\n1,2\n".write(toFile: f, atomically: true, encoding: .utf8)
        case "nonnumeric": try "chain,x,y\n0,1,2\n0,abc,2\n".write(toFile: f, atomically: true, encoding: .utf8)
        case "nan": try "chain,x,y\n0,1,2\n0,nan,2\n".write(toFile: f, atomically: true, encoding: .utf8)
        case "ragged": try "# comment\nchain,x,y\n0,1,2\n0,1\n".write(toFile: f, atomically: true, encoding: .utf8)
        case "mismatched":
            try (rows([0], 100) + rows([1], 90).split(separator: "\n").dropFirst().joined(separator: "\n") + "\n")
                .write(toFile: f, atomically: true, encoding: .utf8)
        case "toofew": try rows([0, 1], 10).write(toFile: f, atomically: true, encoding: .utf8)
        case "onechain": try rows([0], 100).write(toFile: f, atomically: true, encoding: .utf8)
        case "empty": try "".write(toFile: f, atomically: true, encoding: .utf8)
        case "headeronly": try "chain,x,y\n".write(toFile: f, atomically: true, encoding: .utf8)
        case "columnscount":
            try rows([0, 1], 100).write(toFile: f, atomically: true, encoding: .utf8)
            args += ["--columns", "x"]
        case "columnswithout": args = ["check", "--potential", "double-well", "--columns", "x,y"]
        case "outputwith":
            try rows([0, 1], 100).write(toFile: f, atomically: true, encoding: .utf8)
            args += ["--output", dir + "/o.csv"]
        default: Issue.record("unknown case \(kind)")
        }
        let r = try CLI.run(args)
        #expect(r.status == status, "stdout: \(r.stdout)\nstderr: \(r.stderr)")
        #expect(r.stderr.contains(fragment), "stderr: \(r.stderr)")
    }

    @Test("CmdStan output: per-draw accept_stat__ (MALA), momenta as p_x__ sampler columns, lp__ = −U/T; at T = 0 −U")
    func cmdstanOutput() throws {
        let dir = CLI.temporaryDirectory("cmdstan-out")
        let r = try CLI.run(["sample", "--potential", "double-well", "--integrator", "mala", "--dt", "0.3",
                             "--temperature", "2", "--steps", "2000", "--thin", "5", "--chains", "2", "--seed", "5",
                             "--format", "cmdstan", "--output", dir + "/m.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: dir + "/m_1.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.contains("# lp__ = -U/T"))
        let header = lines.first { !$0.hasPrefix("#") }!
        #expect(header == "lp__,accept_stat__,x,y")
        let rows = lines.filter { !$0.hasPrefix("#") }.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        #expect(rows.count == 400)
        let accept = rows.map { $0[1] }
        #expect(accept.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(Set(accept).count > 100, "accept_stat__ must be per draw, not the chain's mean repeated")
        // lp__ = −U/T with U = (x² − 1)² + y²/2 at T = 2.
        for row in rows {
            let u = (row[2] * row[2] - 1) * (row[2] * row[2] - 1) + row[3] * row[3] / 2
            #expect(abs(row[0] + u / 2) <= 1e-12 * max(1, u))
        }
        // Underdamped at T = 0: momenta are sampler columns and lp__ = −U as the header says.
        let z = try CLI.run(["sample", "--potential", "double-well", "--integrator", "baoab", "--temperature", "0",
                             "--steps", "200", "--thin", "10", "--chains", "1", "--format", "cmdstan",
                             "--output", dir + "/z.csv"])
        #expect(z.status == 0, "\(z.stderr)")
        let zl = try String(contentsOfFile: dir + "/z.csv", encoding: .utf8).split(separator: "\n")
        #expect(zl.contains { $0.hasPrefix("# lp__ = -U (T = 0") })
        #expect(zl.first { !$0.hasPrefix("#") } == "lp__,accept_stat__,p_x__,p_y__,x,y")
        for line in zl.filter({ !$0.hasPrefix("#") }).dropFirst() {
            let v = line.split(separator: ",").map { Double($0)! }
            let u = (v[4] * v[4] - 1) * (v[4] * v[4] - 1) + v[5] * v[5] / 2
            #expect(abs(v[0] + u) <= 1e-12 * max(1, u))
            #expect(v[1] == 1)
        }
    }
}
