// SPDX-License-Identifier: GPL-3.0-or-later
// The two examples that extend the library from outside — a user's own energy type and a user's own integrator,
// both written with public API only — run in their short setting and pass the Boltzmann check they print.
import Foundation
import Testing

@Suite("Examples written against the public API (a user's energy, a user's integrator)")
struct CustomExampleTests {
    /// Runs `example --quick`; checks status 0, the check's PASSED verdict line and the example's own closing line.
    @discardableResult
    func check(_ example: String) throws -> String {
        let r = try Examples.run(example, ["--quick"])
        #expect(r.status == 0, "\(example) exited \(r.status):\n\(r.output)")
        #expect(r.output.contains("PASSED: "), "no PASSED verdict line:\n\(r.output)")
        #expect(!r.output.contains("FAIL"), "\(r.output)")
        #expect(r.output.contains("\(example): all "), "\(r.output)")
        return r.output
    }

    @Test("custom-energy: a banana energy defined in the example, MALA chains, Boltzmann check by 2-D quadrature")
    func customEnergy() throws {
        let output = try check("custom-energy")
        for row in ["ks[x]", "ks[y]", "second-moment[y]", "mean-energy"] {
            #expect(output.contains(row), "missing row \(row)")
        }
    }

    @Test("custom-integrator: random-walk Metropolis written with the trial-step API, on the double well")
    func customIntegrator() throws {
        let output = try check("custom-integrator")
        #expect(output.contains("random-walk-metropolis"))
        // The acceptance rate is printed and lies strictly between 0 and 1 (the example also enforces this).
        let line = output.split(separator: "\n").first { $0.hasPrefix("acceptance rate ") }
        let rate = line.flatMap { Double($0.split(separator: " ")[2]) }
        #expect(rate.map { $0 > 0.05 && $0 < 0.95 } ?? false, "acceptance line: \(String(describing: line))")
    }

    @Test("an unknown option is a usage error (status 64)")
    func usage() throws {
        for example in ["custom-energy", "custom-integrator"] {
            let r = try Examples.run(example, ["--frobnicate"])
            #expect(r.status == 64, "\(example): \(r.status)")
            #expect(r.output.contains("unknown option '--frobnicate'"))
        }
    }
}
