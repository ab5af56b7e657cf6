// SPDX-License-Identifier: GPL-3.0-or-later
// `langevin train` on a small synthetic digit file the test writes itself: the report contract, and a run killed
// with SIGKILL and resumed giving the same results as an uninterrupted run.
import Foundation
import LangevinTestSupport
import Testing

/// Writes `rows` synthetic 28×28 "digits" (class k: a bright bar at rows 2k…2k+3, plus deterministic speckle) as
/// CSV (784 pixels 0–255, then the label), sorted by label like MNIST-5k.
func writeSyntheticDigits(_ path: String, perClass: Int) throws {
    var text = ""
    var state: UInt64 = 12345
    for k in 0..<10 {
        for _ in 0..<perClass {
            var pixels = [Int](repeating: 0, count: 784)
            for r in (2 * k + 2)...(2 * k + 5) { for c in 4..<24 { pixels[r * 28 + c] = 200 } }
            for _ in 0..<60 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                pixels[Int(state >> 33) % 784] = Int((state >> 20) & 0xFF)
            }
            text += pixels.map(String.init).joined(separator: ",") + ",\(k)\n"
        }
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

@Suite("langevin train", .serialized, .tags(.endToEnd))
struct TrainTests {
    @Test("The report has the contract keys and the plots are written")
    func reportContract() throws {
        let dir = CLI.temporaryDirectory("train")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 30)
        let r = try CLI.run(["train", "--data", dir + "/digits.csv", "--model", "mlp:32", "--sampler", "sgld",
                             "--epochs", "6", "--batch-size", "20", "--warm-start-epochs", "2", "--burn-in-epochs", "3",
                             "--ood", dir + "/digits.csv", "--seed", "5", "--output", dir + "/run"])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/run/report.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["test_accuracy", "test_accuracy_last", "test_nll", "test_ece", "test_brier", "samples_averaged",
                    "effective_temperature", "samples_per_second", "ood"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let ood = try #require(json["ood"] as? [String: Any])
        for key in ["dataset", "auroc_max_prob", "auroc_entropy"] { #expect(ood[key] != nil, "missing ood.\(key)") }
        #expect(json["effective_temperature"] as? Double == 1)
        #expect((json["samples_averaged"] as? Int ?? 0) >= 2)
        #expect(FileManager.default.fileExists(atPath: dir + "/run/report.md"))
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") {
            for plot in ["confidence.png", "training-loss.png", "weights.png", "reliability.png"] {
                #expect(FileManager.default.fileExists(atPath: dir + "/run/" + plot), "missing \(plot)")
            }
        }
    }

    @Test("--chains 2 with two synthetic OOD sets and --shift rotation: report keys, per-chain files, diagnostics")
    func chainsOODListAndShift() throws {
        let dir = CLI.temporaryDirectory("train-chains")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 20)
        let r = try CLI.run(["train", "--data", dir + "/digits.csv", "--model", "mlp:16", "--sampler", "sgld",
                             "--epochs", "4", "--batch-size", "20", "--warm-start-epochs", "1", "--burn-in-epochs", "2",
                             "--thin", "1", "--chains", "2", "--ood", "negated,uniform-noise", "--shift", "rotation",
                             "--save-weights", "--seed", "3", "--output", dir + "/run"])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/run/report.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["chains"] as? Int == 2)
        let sets = try #require(json["ood_sets"] as? [[String: Any]])
        #expect(sets.compactMap { $0["dataset"] as? String } == ["negated", "uniform-noise"])
        #expect((json["ood"] as? [String: Any])?["dataset"] as? String == "negated")
        for set in sets {
            let c = try #require(set["mean_confidence"] as? Double)
            #expect(c > 0 && c <= 1)
        }
        let shift = try #require(json["shift"] as? [String: Any])
        #expect(shift["transform"] as? String == "rotation")
        let points = try #require(shift["points"] as? [[String: Any]])
        #expect(points.compactMap { $0["angle"] as? Double } == stride(from: 0, through: 180, by: 15).map(Double.init))
        for p in points { for key in ["accuracy", "nll", "ece", "brier"] { #expect(p[key] is Double, "\(key)") } }
        // The 0° point is the test set itself: the same accuracy as the report's.
        #expect(abs((points[0]["accuracy"] as? Double ?? -1) - (json["test_accuracy"] as? Double ?? -2)) < 1e-3)
        let perChain = try #require(json["per_chain"] as? [[String: Any]])
        #expect(perChain.count == 2)
        let diagnostics = try #require(json["chain_diagnostics"] as? [String: Any])
        let functionals = try #require(diagnostics["functionals"] as? [[String: Any]])
        #expect(functionals.contains { $0["name"] as? String == "sample_test_nll" && $0["r_hat"] is Double })
        for file in ["weights.f32", "weights-chain-2.f32"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/run/" + file), "missing \(file)")
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") {
            #expect(FileManager.default.fileExists(atPath: dir + "/run/shift.png"), "missing shift.png")
        }
    }

    @Test("Bad training input gets a clear error", arguments: [
        (["--data", "/nonexistent.csv", "--sampler", "sgld"], "nonexistent"),
        (["--data", "mnist-5k", "--data-root", "/nonexistent", "--sampler", "sgld"], "make data"),
        (["--data", "DIGITS", "--sampler", "langevin-monte-carlo"], "unknown sampler"),
        (["--data", "DIGITS", "--sampler", "sgld", "--model", "resnet"], "unknown model"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "100000"], "batch-size"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--step-size=-1"], "step-size"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--schedule", "weird"], "unknown schedule"),
        (["--data", "DIGITS", "--sampler", "sghmc", "--batch-size", "10", "--momentum", "0"], "momentum"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--temperature=-1"], "temperature"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--epochs", "0"], "epochs"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--shift", "blur"], "unknown --shift"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--chains", "0"], "--chains"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--ood", "negated,negated"], "twice"),
        (["--data", "DIGITS", "--sampler", "sgld", "--batch-size", "10", "--ood", "none,negated"], "none alone"),
    ])
    func badInput(_ args: [String], _ fragment: String) throws {
        let dir = CLI.temporaryDirectory("train-bad")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 5)
        let a = args.map { $0 == "DIGITS" ? dir + "/digits.csv" : $0 }
        let r = try CLI.run(["train"] + a + ["--output", dir + "/out"])
        #expect(r.status == 2 || r.status == 64, "errors exit 2, usage errors 64: \(r.stderr)")
        #expect(r.stderr.contains(fragment), "stderr: \(r.stderr)")
    }

    @Test("A diverging run is caught: report written with \"diverged\", nothing non-finite, exit status 3")
    func divergence() throws {
        let dir = CLI.temporaryDirectory("train-diverge")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 10)
        let r = try CLI.run(["train", "--data", dir + "/digits.csv", "--model", "mlp:16", "--sampler", "sgld",
                             "--batch-size", "10", "--epochs", "3", "--warm-start-epochs", "0", "--burn-in-epochs", "0",
                             "--step-size", "10", "--ood", "none", "--output", dir + "/run"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("diverged at step"))
        let text = try String(contentsOfFile: dir + "/run/report.json", encoding: .utf8)
        #expect(text.contains("\"diverged\" : \"diverged at step"))
        #expect(!text.contains("nan") && !text.contains("inf"))
    }

    @Test("A run killed with SIGKILL after a checkpoint resumes to the same results; corrupt checkpoints are refused")
    func killAndResume() throws {
        let dir = CLI.temporaryDirectory("resume")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 20)
        let common = ["train", "--data", dir + "/digits.csv", "--model", "cnn", "--sampler", "sgld", "--epochs", "6",
                      "--batch-size", "20", "--warm-start-epochs", "1", "--burn-in-epochs", "2", "--thin", "3",
                      "--ood", "none", "--seed", "11"]
        let whole = try CLI.run(common + ["--output", dir + "/whole", "--save-weights"])
        #expect(whole.status == 0, "\(whole.stderr)")

        let checkpoint = dir + "/killed/checkpoint.bin"
        let p = try CLI.start(common + ["--output", dir + "/killed", "--checkpoint-every", "7", "--save-weights"])
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning && Date() < deadline {
            usleep(2000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: checkpoint), "no checkpoint before the run ended")
        let resumed = try CLI.run(common + ["--output", dir + "/killed", "--checkpoint-every", "7", "--resume",
                                            "--save-weights"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed from"))

        /// report.json without its two timing fields (wall-clock time is not a result), re-serialised canonically.
        func results(_ run: String) throws -> Data {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/\(run)/report.json"))
            var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            json["seconds"] = nil
            json["samples_per_second"] = nil
            return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        }
        #expect(try results("whole") == results("killed"))
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/whole/confidence.json"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/killed/confidence.json"))
        #expect(a == b)
        // The saved weights too: one Float32 row per kept sample, the same bytes.
        let wa = try Data(contentsOf: URL(fileURLWithPath: dir + "/whole/weights.f32"))
        let wb = try Data(contentsOf: URL(fileURLWithPath: dir + "/killed/weights.f32"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/whole/report.json"))) as! [String: Any]
        let kept = report["samples_averaged"] as? Int ?? -1
        #expect(wa.count == kept * 909_770 * 4)
        #expect(wa == wb)

        // A corrupt checkpoint and one from other settings are refused with a clear error.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: checkpoint))
        let corrupt = try CLI.run(common + ["--output", dir + "/killed", "--resume"])
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.contains("corrupt"), "\(corrupt.stderr)")
    }
}
