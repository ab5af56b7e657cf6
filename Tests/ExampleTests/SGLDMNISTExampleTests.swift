// SPDX-License-Identifier: GPL-3.0-or-later
// sgld-mnist on a small synthetic data set (so the test needs no download): it runs, passes its own assertions and
// draws the confidence histograms; missing data is a clear error.
import Figures
import Foundation
import Testing

@Suite("sgld-mnist example on synthetic digits")
struct SGLDMNISTExampleTests {
    /// A CSV digits file (784 pixels then the label per line) of `perClass` noisy 28×28 images of each of 10
    /// classes: class c is a bright bar at rows 2c+4…2c+5 (`horizontal`) or columns (otherwise), on uniform noise
    /// up to 60 of 255. Deterministic (a fixed linear congruential generator).
    static func writeDigits(_ path: String, perClass: Int, horizontal: Bool, seed: UInt64) throws {
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % 61
        }
        var text = ""
        for i in 0 ..< 10 * perClass {
            let c = i % 10
            var pixels = [Int]()
            for r in 0 ..< 28 {
                for col in 0 ..< 28 {
                    let line = horizontal ? r : col
                    pixels.append(line == 2 * c + 4 || line == 2 * c + 5 ? 200 + next() % 56 : next())
                }
            }
            text += pixels.map(String.init).joined(separator: ",") + ",\(c)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("trains SGD and SGLD on synthetic digits and draws the confidence slide")
    func synthetic() throws {
        let dir = Examples.temporaryDirectory("sgld-mnist")
        try Self.writeDigits(dir + "/digits.csv", perClass: 50, horizontal: false, seed: 1)
        try Self.writeDigits(dir + "/ood.csv", perClass: 50, horizontal: true, seed: 2)
        let r = try Examples.run("sgld-mnist", [dir + "/out", "--quick", "--data", dir + "/digits.csv",
                                                "--ood", dir + "/ood.csv", "--hidden", "32", "--epochs", "20"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("sgld-mnist: all 4 checks passed"), "\(r.output)")
        #expect(r.output.contains("posterior predictive over"))
        let d = try PNGImage.dimensions(ofFile: dir + "/out/sgld-mnist.png")
        #expect(d.width == 1500 && d.height == 620)
    }

    @Test("missing data: a clear error naming how to get it, status 2")
    func missingData() throws {
        let dir = Examples.temporaryDirectory("sgld-mnist-missing")
        let r = try Examples.run("sgld-mnist", [dir, "--data-root", dir + "/nothing"])
        #expect(r.status == 2)
        #expect(r.output.contains("make data"), "\(r.output)")
    }
}
