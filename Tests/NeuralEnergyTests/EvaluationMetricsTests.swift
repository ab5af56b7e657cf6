// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct EvaluationMetricsTests {
    // Five rows, three classes. Confidences 0.70, 0.62, 0.83, 0.42, 0.72 fall (15 bins of width 1/15) in bins
    // 10 ((0.667, 0.733]), 9, 12, 6 and 10: rows 0 and 4 share a bin. Rows 0 and 2 are right, 1, 3, 4 wrong.
    static let probabilities: [Double] = [
        0.70, 0.20, 0.10,
        0.20, 0.62, 0.18,
        0.10, 0.07, 0.83,
        0.42, 0.33, 0.25,
        0.10, 0.72, 0.18,
    ]
    static let labels: [Int32] = [0, 2, 2, 1, 0]

    @Test func accuracyNLLBrierByHand() throws {
        let m = try ClassificationMetrics(probabilities: Self.probabilities, labels: Self.labels, classes: 3)
        #expect(m.count == 5)
        #expect(m.accuracy == 0.4)
        let nll = -(log(0.70) + log(0.18) + log(0.83) + log(0.33) + log(0.10)) / 5
        #expect(abs(m.nll - nll) < 1e-12)
        // Σ_k (p_k − 1[y = k])² per row: 0.14, 1.0968, 0.0438, 0.6878, 1.3608.
        #expect(abs(m.brier - 3.3292 / 5) < 1e-12)
    }

    @Test func eceAndBinsByHand() throws {
        let m = try ClassificationMetrics(probabilities: Self.probabilities, labels: Self.labels, classes: 3)
        #expect(m.reliability.count == 15)
        // Bin 10: rows 0 (right, 0.70) and 4 (wrong, 0.72): conf 0.71, acc 0.5, weight 2/5.
        // Bins 9, 12, 6: single rows with gaps 0.62, 0.17, 0.42, weight 1/5 each.
        let ece = 2.0 / 5 * 0.21 + (0.62 + 0.17 + 0.42) / 5
        #expect(abs(m.ece - ece) < 1e-12)
        let occupied = m.reliability.enumerated().filter { $0.element.count > 0 }.map(\.offset)
        #expect(occupied == [6, 9, 10, 12])
        let b10 = m.reliability[10]
        #expect(b10.count == 2 && abs(b10.confidence - 0.71) < 1e-12 && b10.accuracy == 0.5)
        #expect(abs(b10.lower - 10.0 / 15) < 1e-15 && abs(b10.upper - 11.0 / 15) < 1e-15)
        #expect(m.reliability[12].accuracy == 1 && m.reliability[9].accuracy == 0)
        #expect(m.reliability[0].count == 0 && m.reliability[0].confidence == 0 && m.reliability[0].accuracy == 0)
        // The same through the free function.
        let (e, bins) = try expectedCalibrationError(confidences: [0.70, 0.62, 0.83, 0.42, 0.72],
                                                     correct: [true, false, true, false, false])
        #expect(abs(e - ece) < 1e-12 && bins == m.reliability)
        // Float input gives the same bins up to Float rounding.
        let mf = try ClassificationMetrics(probabilities: Self.probabilities.map(Float.init), labels: Self.labels,
                                           classes: 3)
        #expect(abs(mf.ece - ece) < 1e-6 && mf.accuracy == 0.4)
    }

    @Test func perfectAndClampedPredictions() throws {
        let onehot: [Double] = [1, 0, 0, 0, 1, 0]
        let perfect = try ClassificationMetrics(probabilities: onehot, labels: [0, 1], classes: 3)
        #expect(perfect.accuracy == 1 && perfect.nll == 0 && perfect.brier == 0 && perfect.ece == 0)
        #expect(perfect.reliability[14].count == 2)
        let wrong = try ClassificationMetrics(probabilities: onehot, labels: [1, 0], classes: 3)
        #expect(wrong.accuracy == 0 && wrong.brier == 2 && wrong.ece == 1)
        #expect(abs(wrong.nll - (-log(1e-12))) < 1e-9)  // p_y = 0 clamped at 1e-12
    }

    @Test func perRowScores() throws {
        let p: [Double] = [0.5, 0.5, 0, /**/ 0.2, 0.3, 0.5, /**/ 1, 0, 0]
        #expect(try predictedClasses(probabilities: p, classes: 3) == [0, 2, 0])  // ties → lowest index
        #expect(try maxProbabilities(probabilities: p, classes: 3) == [0.5, 0.5, 1])
        let h = try entropies(probabilities: p, classes: 3)
        #expect(abs(h[0] - log(2)) < 1e-15 && h[2] == 0)
        #expect(abs(h[1] + (0.2 * log(0.2) + 0.3 * log(0.3) + 0.5 * log(0.5))) < 1e-15)
    }

    @Test func invalidInputs() {
        expectEvaluationError(.invalidParameter) {
            _ = try ClassificationMetrics(probabilities: [Double](), labels: [], classes: 3)
        }
        expectEvaluationError(.invalidParameter, ["5 probabilities"]) {
            _ = try ClassificationMetrics(probabilities: [0.5, 0.5, 0, 1, 0], labels: [0, 1], classes: 3)
        }
        expectEvaluationError(.invalidData, ["label 3"]) {
            _ = try ClassificationMetrics(probabilities: [0.5, 0.5, 0], labels: [3], classes: 3)
        }
        expectEvaluationError(.invalidData, ["row 0, class 1"]) {
            _ = try ClassificationMetrics(probabilities: [0.5, -0.5, 1], labels: [0], classes: 3)
        }
        expectEvaluationError(.invalidData, ["outside [0, 1]"]) {
            _ = try expectedCalibrationError(confidences: [1.5], correct: [true])
        }
    }

    // MARK: AUROC

    @Test func aurocSeparationAndTies() throws {
        #expect(try auroc(inDistribution: [0.1, 0.2, 0.3], outOfDistribution: [0.8, 0.9]) == 1)
        #expect(try auroc(inDistribution: [0.8, 0.9], outOfDistribution: [0.1, 0.2, 0.3]) == 0)
        #expect(try auroc(inDistribution: [0.4, 0.4, 0.4], outOfDistribution: [0.4, 0.4]) == 0.5)
        #expect(try auroc(inDistribution: [1], outOfDistribution: [1]) == 0.5)
        // Pairs (out, in): (0.5, 0.1) 1, (0.5, 0.5) ½, (0.9, 0.1) 1, (0.9, 0.5) 1 → 3.5 / 4.
        #expect(try auroc(inDistribution: [0.1, 0.5], outOfDistribution: [0.5, 0.9]) == 0.875)
        // Interleaved without ties: in {1, 3}, out {2, 4}: 3 of 4 pairs.
        #expect(try auroc(inDistribution: [3, 1], outOfDistribution: [4, 2]) == 0.75)
    }

    @Test func aurocMatchesPairCountingWithManyTies() throws {
        var g = TestGenerator(seed: 3)
        let a = (0 ..< 200).map { _ in Double(g.next() % 12) }
        let b = (0 ..< 150).map { _ in Double(g.next() % 12) + 1 }
        var pairs = 0.0
        for x in b { for y in a { pairs += x > y ? 1 : (x == y ? 0.5 : 0) } }
        let value = try auroc(inDistribution: a, outOfDistribution: b)
        #expect(abs(value - pairs / Double(a.count * b.count)) < 1e-14)
        #expect(try abs(auroc(inDistribution: b, outOfDistribution: a) - (1 - value)) < 1e-14)
    }

    @Test func aurocRejectsEmptyAndNaN() {
        expectEvaluationError(.invalidParameter) { _ = try auroc(inDistribution: [], outOfDistribution: [1]) }
        expectEvaluationError(.invalidData) { _ = try auroc(inDistribution: [.nan], outOfDistribution: [1]) }
    }

    @Test func oodDetectionFromAccumulators() throws {
        var g = TestGenerator(seed: 9)
        let classes = 4
        var test = try PredictiveAccumulator(rows: 20, classes: classes)
        var ood = try PredictiveAccumulator(rows: 10, classes: classes)
        for _ in 0 ..< 3 {
            // Test inputs: every sample confident in class i mod 4; OOD: samples disagree on a confident class.
            try test.add(probabilities: (0 ..< 20).flatMap { i in
                (0 ..< classes).map { k in Float(k == i % classes ? 0.91 : 0.03) }
            }, rows: 0 ..< 20)
            try ood.add(probabilities: (0 ..< 10).flatMap { _ in
                let c = Int(g.next() % UInt64(classes))
                return (0 ..< classes).map { k in Float(k == c ? 0.7 : 0.1) }
            }, rows: 0 ..< 10)
            try test.finishSample()
            try ood.finishSample()
        }
        let d = try OODDetection(dataset: "noise", inDistribution: test, outOfDistribution: ood)
        #expect(d.size == 10 && d.dataset == "noise")
        #expect(d.aurocMaxProb == 1 && d.aurocEntropy == 1)
        // Test-set MI is 0; OOD MI is 0 only where the three samples happened to agree.
        #expect(d.aurocMutualInformation > 0.5)
    }
}

@Suite struct WeightStatisticsTests {
    @Test("The 99th-percentile |w| by selection equals the sorted value (ties, signs, several sizes)",
          arguments: [1, 2, 7, 100, 1001, 40_000])
    func quantileBySelection(_ n: Int) throws {
        var g = SplitMix64(seed: UInt64(n))
        // Values on a coarse grid so that ties are common.
        let w = (0..<n).map { _ in Float(Int(g.next() % 41) - 20) / 8 }
        let sorted = w.map { abs($0) }.sorted()
        let rank = Int((0.99 * Double(n)).rounded(.up))
        let expected = sorted[max(0, min(n - 1, rank - 1))]
        let stats = try WeightStatistics(x: 0, weights: w)
        #expect(stats.absQuantile99 == Double(expected))
    }
}
