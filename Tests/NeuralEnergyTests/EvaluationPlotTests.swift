// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct EvaluationPlotTests {
    static let pngMagic: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Synthetic confidences: `u^sharpness` pushed towards 1 (larger sharpness = more confident).
    static func confidences(_ g: inout TestGenerator, _ n: Int, sharpness: Double, floor: Double = 0.1) -> [Double] {
        (0 ..< n).map { _ in 1 - (1 - floor) * pow(g.uniform(), sharpness) }
    }

    static func runs() -> [ConfidenceSummary] {
        var g = TestGenerator(seed: 1)
        let sgd = ConfidenceSummary(label: "SGD", correct: confidences(&g, 950, sharpness: 12),
                                    incorrect: confidences(&g, 50, sharpness: 2.5),
                                    ood: confidences(&g, 1000, sharpness: 3), oodName: "fashion-mnist")
        let sgld = ConfidenceSummary(label: "SGLD", correct: confidences(&g, 960, sharpness: 6),
                                     incorrect: confidences(&g, 40, sharpness: 1),
                                     ood: confidences(&g, 1000, sharpness: 0.9), oodName: "fashion-mnist")
        return [sgd, sgld]
    }

    static func expectPNG(_ outcome: PlotOutcome, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard case let .written(path) = outcome else {
            Issue.record("plot skipped: \(outcome.warning ?? "")", sourceLocation: sourceLocation)
            return
        }
        let bytes = try #require(FileManager.default.contents(atPath: path), sourceLocation: sourceLocation)
        #expect(bytes.count > 1000 && Array(bytes.prefix(8)) == pngMagic, sourceLocation: sourceLocation)
    }

    @Test(.enabled(if: Plotter.locateGnuplot() != nil, "gnuplot is not installed"))
    func drawsAllFigures() throws {
        let dir = try EvaluationTempDir("plots")
        let plotter = Plotter(directory: dir.path)
        try Self.expectPNG(plotter.confidence(Self.runs()))
        try Self.expectPNG(plotter.confidence([Self.runs()[1]], name: "confidence-one"))
        // The OOD group's key names its mean confidence (max probability), the talk's number.
        let sgldOOD = Self.runs()[1].ood
        let meanText = String(format: "mean confidence %.3f", sgldOOD.reduce(0, +) / Double(sgldOOD.count))
        #expect(try String(contentsOfFile: dir.path + "/confidence.gp", encoding: .utf8).contains(meanText))

        let sgd = TrainingCurve(label: "SGD", points: (1 ... 30).map { e in
            let x = Double(e)
            let loss: Double = 0.9 * exp(-x / 4) + 0.005
            let accuracy: Double? = e % 5 == 0 ? 0.97 - 0.3 * exp(-x / 3) : nil
            return TrainingLogPoint(x: x, loss: loss, testAccuracy: accuracy)
        })
        let sgld = TrainingCurve(label: "SGLD", points: (1 ... 30).map { e in
            let x = Double(e)
            let loss: Double = 0.9 * exp(-x / 5) + 0.04 + 0.01 * sin(x)
            let accuracy: Double = 0.975 - 0.3 * exp(-x / 4)
            return TrainingLogPoint(x: x, loss: loss, testAccuracy: accuracy)
        })
        try Self.expectPNG(plotter.trainingLoss([sgd, sgld]))

        var g = TestGenerator(seed: 2)
        let layers = try ["layer 1 weights (784×400)", "layer 2 weights (400×400)", "layer 3 weights (400×10)"]
            .enumerated().map { l, name in
                try LayerWeightTrace(name: name, points: (0 ... 20).map { e in
                    let scale: Double = 0.05 / Double(l + 1) * (1 + 0.03 * Double(e))
                    var w = [Float]()
                    for _ in 0 ..< 2000 {
                        let u: Double = g.uniform() + g.uniform() + g.uniform() - 1.5
                        w.append(Float(2 * scale * u))
                    }
                    return try WeightStatistics(x: Double(e), weights: w)
                })
            }
        try Self.expectPNG(plotter.weights(layers))

        let p = EvaluationMetricsTests.probabilities
        let few = try ClassificationMetrics(probabilities: p, labels: EvaluationMetricsTests.labels, classes: 3)
        let runs = Self.runs()
        func diagram(_ r: ConfidenceSummary) throws -> ReliabilityDiagram {
            let (_, bins) = try expectedCalibrationError(confidences: r.correct + r.incorrect,
                                                         correct: r.correct.map { _ in true } + r.incorrect.map { _ in false })
            return ReliabilityDiagram(label: r.label, bins: bins)
        }
        try Self.expectPNG(plotter.reliability([diagram(runs[0]), diagram(runs[1])]))
        try Self.expectPNG(plotter.reliability([ReliabilityDiagram(label: "tiny", bins: few.reliability)],
                                               name: "reliability-one"))
        let curves = ["SGD ensemble ×5", "SGLD ×5 chains"].enumerated().map { k, label in
            ShiftCurve(label: label, points: stride(from: 0.0, through: 180, by: 15).map { a in
                ShiftPoint(angle: a, accuracy: 0.95 - 0.8 * sin(a * .pi / 360), nll: 0.2 + (5 - Double(k)) * a / 180,
                           ece: 0.02 + (0.6 - 0.1 * Double(k)) * a / 180, brier: 0.07 + a / 200)
            })
        }
        try Self.expectPNG(plotter.shift(curves))
        let shiftData = try String(contentsOfFile: dir.path + "/shift.dat", encoding: .utf8)
        #expect(shiftData.contains("# block 1: SGLD ×5 chains") && shiftData.contains("\n180.0 "))
        let files = try dir.contents()
        for name in ["confidence", "training-loss", "weights", "reliability", "shift"] {
            #expect(files.contains(name + ".png") && files.contains(name + ".dat") && files.contains(name + ".gp"))
        }
    }

    @Test func missingGnuplotIsAWarningNotACrash() throws {
        let dir = try EvaluationTempDir("no-gnuplot")
        let plotter = Plotter(directory: dir.path, gnuplot: dir.path + "/not-gnuplot")
        let outcome = try plotter.reliability([ReliabilityDiagram(label: "x", bins: [
            ReliabilityBin(lower: 0, upper: 1, count: 3, confidence: 0.8, accuracy: 0.6),
        ])])
        #expect(outcome.warning?.contains("reliability.png was not drawn") == true)
        #expect(try dir.contents() == ["reliability.dat", "reliability.gp"])
    }

    @Test func invalidPlotInputsThrow() {
        let plotter = Plotter(directory: FileManager.default.temporaryDirectory.path + "/unused", gnuplot: "/none")
        expectEvaluationError(.invalidParameter) { _ = try plotter.confidence([]) }
        expectEvaluationError(.invalidParameter) { _ = try plotter.shift([]) }
        expectEvaluationError(.invalidParameter) { _ = try plotter.shift([ShiftCurve(label: "a", points: [])]) }
        expectEvaluationError(.invalidParameter) { _ = try plotter.trainingLoss([TrainingCurve(label: "a", points: [])]) }
        expectEvaluationError(.invalidParameter) { _ = try WeightStatistics(x: 0, weights: [Float]()) }
    }

    @Test func weightStatisticsByHand() throws {
        let s = try WeightStatistics(x: 3, weights: (1 ... 100).map { Float($0) * (($0 % 2 == 0) ? 1 : -1) })
        #expect(s.x == 3 && s.mean == 0.5)
        // Population variance of ±k, k = 1…100 about 0.5: (Σ k² / 100) − 0.25.
        #expect(abs(s.standardDeviation - (338_350.0 / 100 - 0.25).squareRoot()) < 1e-12)
        #expect(s.absQuantile99 == 99)  // the 99th smallest of |w| = 1…100
    }

    @Test func confidenceSummarySplitsAndRoundTrips() throws {
        let dir = try EvaluationTempDir("confidence-json")
        let s = try ConfidenceSummary(label: "SGLD", probabilities: EvaluationMetricsTests.probabilities,
                                      labels: EvaluationMetricsTests.labels, classes: 3,
                                      oodProbabilities: [0.4, 0.3, 0.3], oodName: "noise")
        #expect(s.correct == [0.70, 0.83] && s.incorrect == [0.62, 0.42, 0.72] && s.ood == [0.4])
        try s.write(to: dir.path)
        #expect(try ConfidenceSummary.read(from: dir.path) == s)
    }
}
