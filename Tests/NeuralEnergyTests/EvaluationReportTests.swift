// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct EvaluationReportTests {
    static let settings = RunSettings(
        sampler: "sgld", model: "mlp 784-400-400-10", data: "data/mnist_5k.csv.gz", epochs: 40, batchSize: 100,
        stepSize: 1e-4, schedule: "constant", priorPrecision: 1, temperature: 1, trainSize: 4000, testSize: 5,
        seed: 1)

    static func report(ood: Bool = true, diverged: String? = nil) throws -> TrainingReport {
        let posterior = try ClassificationMetrics(probabilities: EvaluationMetricsTests.probabilities,
                                                  labels: EvaluationMetricsTests.labels, classes: 3)
        let last = try ClassificationMetrics(probabilities: [Double](repeating: 1.0 / 3, count: 15),
                                             labels: EvaluationMetricsTests.labels, classes: 3)
        let detection = OODDetection(dataset: "fashion-mnist/test", size: 1000, aurocMaxProb: 0.81,
                                     aurocEntropy: 0.83, aurocMutualInformation: 0.9)
        return TrainingReport(settings: settings, posterior: posterior, last: last, samplesAveraged: 120,
                              effectiveTemperature: 0.97, samplesPerSecond: 25_000, seconds: 42.5,
                              ood: ood ? detection : nil, diverged: diverged)
    }

    static func object(_ report: TrainingReport) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(ReportWriter.json(report).utf8)) as! [String: Any]
    }

    static let expectedKeys: Set<String> = [
        // The contract.
        "test_accuracy", "test_accuracy_last", "test_nll", "test_ece", "test_brier", "samples_averaged",
        "effective_temperature", "samples_per_second", "ood",
        // The extras.
        "sampler", "model", "data", "epochs", "batch_size", "step_size", "schedule", "prior_precision",
        "temperature", "train_size", "test_size", "seed", "test_nll_last", "test_ece_last", "test_brier_last",
        "seconds", "diverged", "reliability", "blas_kernel", "rng",
        // Multi-chain runs, OOD lists and shifts.
        "chains", "ood_sets", "shift", "per_chain", "chain_diagnostics",
    ]

    @Test func jsonHasExactlyTheContractKeys() throws {
        let json = try Self.object(Self.report())
        #expect(Set(json.keys) == Self.expectedKeys)
        #expect(Set(TrainingReport.jsonKeys) == Self.expectedKeys && TrainingReport.jsonKeys.count == Self.expectedKeys.count)
        #expect(Set(TrainingReport.contractKeys).isSubset(of: json.keys))
        let ood = try #require(json["ood"] as? [String: Any])
        #expect(Set(ood.keys) == ["dataset", "size", "auroc_max_prob", "auroc_entropy", "auroc_mutual_information",
                                  "mean_confidence", "mean_confidence_in_distribution"])
        #expect(ood["auroc_mutual_information"] as? Double == 0.9)
        #expect(json["test_accuracy"] as? Double == 0.4)
        #expect(json["test_accuracy_last"] as? Double == 0.4)  // uniform rows: arg max is class 0, right twice
        #expect(json["samples_averaged"] as? Int == 120)
        #expect(json["batch_size"] as? Int == 100 && json["sampler"] as? String == "sgld")
        #expect(json["diverged"] is NSNull)
        let bins = try #require(json["reliability"] as? [[String: Any]])
        #expect(bins.count == 15 && Set(bins[0].keys) == ["lower", "upper", "count", "confidence", "accuracy"])
    }

    @Test func nullOODAndNonFiniteNumbers() throws {
        var report = try Self.report(ood: false, diverged: "non-finite loss at step 1234")
        report.effectiveTemperature = .nan
        report.testNLLLast = .infinity
        let json = try Self.object(report)
        #expect(Set(json.keys) == Self.expectedKeys)
        #expect(json["ood"] is NSNull && json["effective_temperature"] is NSNull && json["test_nll_last"] is NSNull)
        #expect(json["diverged"] as? String == "non-finite loss at step 1234")
        let back = try JSONDecoder().decode(TrainingReport.self, from: Data(ReportWriter.json(report).utf8))
        #expect(back.ood == nil && back.effectiveTemperature.isNaN && back.testNLLLast.isNaN)
        #expect(back.diverged == report.diverged)
    }

    @Test func jsonIsSortedPrettyAndRoundTrips() throws {
        let report = try Self.report()
        let text = try ReportWriter.json(report)
        #expect(text.hasPrefix("{\n  \"batch_size\" : 100,\n"))
        #expect(text.contains("\"data\" : \"data/mnist_5k.csv.gz\""))  // slashes unescaped
        let back = try JSONDecoder().decode(TrainingReport.self, from: Data(text.utf8))
        #expect(back == report)
    }

    @Test func writesJSONAndMarkdownAtomically() throws {
        let dir = try EvaluationTempDir("report")
        let report = try Self.report()
        let paths = try ReportWriter.write(report, to: dir.path + "/run", plots: ["reliability.png", "confidence.png"])
        #expect(paths.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/run").sorted() == ["report.json", "report.md"])
        #expect(try ReportWriter.read(dir.path + "/run/report.json") == report)
        let md = try String(contentsOfFile: dir.path + "/run/report.md", encoding: .utf8)
        #expect(md.contains("| accuracy | 0.4000 | 0.4000 |"))
        #expect(md.contains("| `fashion-mnist/test` | 1000 | 0.8100 | 0.8300 | 0.9000 | – | – |"), "\(md)")
        #expect(md.contains("How to read this"))
        #expect(md.contains("[reliability.png](reliability.png)"))
        // Overwriting replaces the file.
        var second = report
        second.samplesAveraged = 7
        try ReportWriter.write(second, to: dir.path + "/run")
        #expect(try ReportWriter.read(dir.path + "/run/report.json").samplesAveraged == 7)
        expectEvaluationError(.io) { try writeFileAtomically([1, 2], to: dir.path + "/no/such/dir/file") }
    }
}
