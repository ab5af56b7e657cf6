// SPDX-License-Identifier: GPL-3.0-or-later
// The `langevin` command-line contract: columns, reproducibility, exit statuses and error messages.
import Foundation
import LangevinTestSupport
import Testing

@Suite("langevin sample / check / potentials", .tags(.endToEnd))
struct SampleCheckTests {
    @Test("sample writes chain, step, variables, momenta and energy; the same seed gives the same bytes")
    func sampleColumnsAndReproducibility() throws {
        let dir = CLI.temporaryDirectory("sample")
        let args = ["sample", "--potential", "double-well", "--integrator", "baoab", "--dt", "0.05", "--steps", "2000",
                    "--burn-in", "100", "--thin", "10", "--chains", "3", "--seed", "42"]
        let a = try CLI.run(args + ["--output", dir + "/a.csv"])
        let b = try CLI.run(args + ["--output", dir + "/b.csv"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)")
        let textA = try String(contentsOfFile: dir + "/a.csv", encoding: .utf8)
        let textB = try String(contentsOfFile: dir + "/b.csv", encoding: .utf8)
        #expect(textA == textB)
        let lines = textA.split(separator: "\n")
        #expect(lines.first == "chain,step,x,y,p_x,p_y,energy")
        #expect(lines.count == 1 + 3 * 200)
        #expect(lines[1].hasPrefix("0,110,"))
        #expect(lines.last!.hasPrefix("2,2100,"))
        let c = try CLI.run(["sample", "--potential", "double-well", "--integrator", "baoab", "--dt", "0.05",
                             "--steps", "2000", "--burn-in", "100", "--thin", "10", "--chains", "3", "--seed", "43",
                             "--output", dir + "/c.csv"])
        #expect(c.status == 0)
        #expect(try String(contentsOfFile: dir + "/c.csv", encoding: .utf8) != textA)
    }

    @Test("The same seed gives the same bytes on one core as on all of them",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset")))
    func threadCountIndependence() throws {
        let dir = CLI.temporaryDirectory("threads")
        let args = ["sample", "--potential", "mueller-brown", "--integrator", "obabo", "--steps", "5000", "--thin", "50",
                    "--chains", "6", "--seed", "9"]
        let all = try CLI.run(args + ["--output", dir + "/all.csv"])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        p.arguments = ["-c", "0", CLI.executable] + args + ["--output", dir + "/one.csv"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(all.status == 0 && p.terminationStatus == 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/all.csv"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/one.csv"))
        #expect(a == b)
        #expect(a.count > 1000)
    }

    @Test("Expressions name their columns; overdamped schemes write no momenta; cmdstan format")
    func expressionColumns() throws {
        let dir = CLI.temporaryDirectory("expr")
        let r = try CLI.run(["sample", "--energy", "(u^2-1)^2 + v^2/2 + w^2", "--integrator", "mala", "--dt", "0.1",
                             "--steps", "100", "--chains", "2", "--output", dir + "/e.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let header = try String(contentsOfFile: dir + "/e.csv", encoding: .utf8).split(separator: "\n")[0]
        #expect(header == "chain,step,u,v,w,energy")
        let s = try CLI.run(["sample", "--energy", "x^2/2", "--steps", "100", "--chains", "2", "--format", "cmdstan",
                             "--output", dir + "/s.csv"])
        #expect(s.status == 0)
        let cmdstan = try String(contentsOfFile: dir + "/s_2.csv", encoding: .utf8)
        #expect(cmdstan.contains("lp__,accept_stat__,p_x__,x\n"))
    }

    @Test("check passes MALA on the double well (exit 0, JSON passed = true)")
    func checkPasses() throws {
        let r = try CLI.run(["check", "--potential", "double-well", "--integrator", "mala", "--dt", "0.05",
                             "--steps", "100000", "--thin", "10", "--chains", "4", "--seed", "20261128",
                             "--format", "json"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["passed"] as? Bool == true)
        let checks = json?["checks"] as? [[String: Any]] ?? []
        #expect(checks.contains { ($0["kind"] as? String) == "ks" })
        #expect(checks.contains { ($0["kind"] as? String) == "rhat" })
    }

    @Test("check fails Euler–Maruyama at dt = 0.5 on the unit harmonic well (variance 33 % too large): exit 1")
    func checkFails() throws {
        let r = try CLI.run(["check", "--potential", "harmonic", "--integrator", "euler-maruyama", "--dt", "0.5",
                             "--steps", "100000", "--thin", "1", "--chains", "4", "--seed", "3"])
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("FAILED"))
    }

    @Test("Bad input: a clear message and a non-zero status, never a trap", arguments: [
        (["sample", "--potential", "nope", "--output", "/tmp/x.csv"], "unknown potential"),
        (["sample", "--energy", "x^2 + * y", "--output", "/tmp/x.csv"], "column 7"),
        (["sample", "--energy", "foo(x)", "--output", "/tmp/x.csv"], "unknown function"),
        (["sample", "--energy", "(x+1", "--output", "/tmp/x.csv"], "expression"),
        (["sample", "--potential", "double-well", "--init", "z=1", "--output", "/tmp/x.csv"], "unknown variable 'z'"),
        (["sample", "--energy", "log(x)", "--init", "x=-1", "--output", "/tmp/x.csv"], "not finite"),
        (["sample", "--potential", "double-well", "--output", "/nonexistent-dir/x.csv"], "cannot write"),
        (["sample", "--potential", "harmonic", "--set", "k=-1", "--output", "/tmp/x.csv"], "k"),
        (["sample", "--potential", "harmonic", "--set", "q=1", "--output", "/tmp/x.csv"], "q"),
        (["sample", "--potential", "double-well", "--dt=-1", "--output", "/tmp/x.csv"], "time step"),
        (["sample", "--potential", "double-well", "--dt", "nan", "--output", "/tmp/x.csv"], "time step"),
        (["sample", "--potential", "double-well", "--temperature=-1", "--output", "/tmp/x.csv"], "temperature"),
        (["sample", "--potential", "double-well", "--friction=-1", "--output", "/tmp/x.csv"], "friction"),
        (["sample", "--potential", "double-well", "--mass", "0", "--output", "/tmp/x.csv"], "mass"),
        (["sample", "--potential", "double-well", "--thin", "0", "--output", "/tmp/x.csv"], "thin"),
        (["sample", "--potential", "double-well", "--integrator", "leapfrog", "--output", "/tmp/x.csv"], "unknown integrator"),
        (["sample", "--potential", "double-well", "--rng", "xorshift", "--output", "/tmp/x.csv"], "unknown random"),
    ])
    func badInput(_ args: [String], _ fragment: String) throws {
        let r = try CLI.run(args)
        #expect(r.status != 0)
        #expect(r.status != 1, "errors must not look like a failed check")
        #expect(r.status < 128, "a signal means a crash")
        #expect(r.stderr.contains(fragment), "stderr: \(r.stderr)")
    }

    @Test("A diverging run names the step, keeps finite rows only, and exits with 3 (divergence)")
    func divergence() throws {
        let dir = CLI.temporaryDirectory("diverge")
        let r = try CLI.run(["sample", "--energy=-x^4", "--init", "x=3", "--dt", "0.5", "--temperature", "0.1",
                             "--integrator", "euler-maruyama", "--burn-in", "0", "--thin", "1", "--chains", "1",
                             "--output", dir + "/d.csv"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("diverged at step"))
        let text = try String(contentsOfFile: dir + "/d.csv", encoding: .utf8)
        #expect(!text.lowercased().contains("nan") && !text.contains("inf"))
    }

    @Test("potentials lists every built-in with its parameters")
    func potentials() throws {
        let r = try CLI.run(["potentials"])
        #expect(r.status == 0)
        for name in ["harmonic", "quartic", "double-well-1d", "double-well", "mueller-brown", "gaussian-mixture",
                     "rosenbrock", "lennard-jones"] {
            #expect(r.stdout.contains(name))
        }
    }

    @Test("The Lennard-Jones cluster writes an XYZ trajectory that viewers read")
    func xyz() throws {
        let dir = CLI.temporaryDirectory("xyz")
        let r = try CLI.run(["sample", "--potential", "lennard-jones", "--temperature", "0.1", "--steps", "1000",
                             "--thin", "500", "--chains", "1", "--xyz", dir + "/lj.xyz", "--output", dir + "/lj.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: dir + "/lj.xyz", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2 * 9)
        #expect(lines[0] == "7")
        #expect(lines[2].split(separator: " ").count == 4)
    }
}
