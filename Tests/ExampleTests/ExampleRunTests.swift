// SPDX-License-Identifier: GPL-3.0-or-later
// Every teaching example runs (short setting), passes its own assertions and writes valid PNG figures of the size it
// declares.
import ExampleSupport
import Figures
import Foundation
import Testing

@Suite("Examples run and draw their figures")
struct ExampleRunTests {
    /// Runs `example OUT --quick` and checks status 0, the verdict line, and each figure's PNG header.
    @discardableResult
    func check(_ example: String, figures: [String: (Int, Int)], arguments: [String] = [],
               environment: [String: String] = [:]) throws -> String {
        let dir = Examples.temporaryDirectory(example)
        let r = try Examples.run(example, [dir, "--quick"] + arguments, environment: environment)
        #expect(r.status == 0, "\(example) exited \(r.status):\n\(r.output)")
        #expect(r.output.contains("\(example): all "), "\(r.output)")
        for (name, size) in figures {
            let path = dir + "/" + name + ".png"
            let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
            #expect(Array(bytes.prefix(8)) == PNGImage.signature, "\(path) is missing or not a PNG")
            let dims = try PNGImage.dimensions(of: bytes)
            #expect(dims.width == size.0 && dims.height == size.1, "\(path): \(dims)")
            #expect(bytes.count > 20_000, "\(path) is only \(bytes.count) bytes: an empty plot?")
            #expect(FileManager.default.fileExists(atPath: dir + "/" + name + ".gp"))
            #expect(FileManager.default.fileExists(atPath: dir + "/" + name + ".dat"))
        }
        return r.output
    }

    @Test("temperature-dial: the double well at four temperatures against exp(−U/T)/Z")
    func temperatureDial() throws {
        try check("temperature-dial", figures: ["temperature-dial": (1400, 1000)])
    }

    @Test("relaxation: Müller–Brown chains relax to the exact ⟨U⟩")
    func relaxation() throws {
        try check("relaxation", figures: ["relaxation": (1600, 700)])
    }

    @Test("integrator-bias: ⟨x²⟩ and ⟨p²⟩ against the exact discrete-time formulas, table kept")
    func integratorBias() throws {
        let output = try check("integrator-bias", figures: ["integrator-bias": (1500, 650)])
        #expect(output.contains("h      scheme           <x^2> measured  exact    <p^2> measured  exact"))
        for row in ["0.1    euler-maruyama", "0.5    BAOAB", "1.0    OBABO", "0.25   mala"] {
            #expect(output.contains(row), "missing row \(row)")
        }
    }

    @Test("sgd-vs-sgld: SGD's point and SGLD's posterior against the exact grid posterior")
    func sgdVersusSgld() throws {
        try check("sgd-vs-sgld", figures: ["sgd-vs-sgld": (1900, 680)])
    }

    @Test("a second folder argument is a usage error")
    func arguments() throws {
        let r = try Examples.run("temperature-dial", ["a", "b"])
        #expect(r.status == 64)
        #expect(r.output.contains("unexpected argument 'b'"))
    }

    @Test("the examples' assertions: within k SE passes, outside fails, a zero or NaN SE fails; arguments parsed")
    func assertions() {
        var run = ExampleRun(name: "t", arguments: ["figs", "--quick", "--data", "x.csv"])
        #expect(run.outputDirectory == "figs" && run.quick && run.options["data"] == "x.csv")
        run.within("inside", measured: 1.3, exact: 1, standardError: 0.1, k: 4)
        #expect(run.failedChecks.isEmpty)
        run.within("outside", measured: 1.5, exact: 1, standardError: 0.1, k: 4)
        run.within("zero SE", measured: 1, exact: 1, standardError: 0, k: 4)
        run.within("NaN", measured: .nan, exact: 1, standardError: 0.1, k: 4)
        run.require(false, "a plain condition")
        #expect(run.failedChecks.count == 4 && run.checkCount == 5)
        #expect(ExampleRun(name: "t", arguments: []).outputDirectory == "out/examples")
    }

    @Test("double-well-histogram still prints its table")
    func doubleWellHistogram() throws {
        let r = try Examples.run("double-well-histogram", [])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("kept states"))
    }
}
