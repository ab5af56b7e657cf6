// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct EvaluationAccumulatorTests {
    // Two samples of a 3 × 3 problem; every value is a binary fraction, so the averages are exact.
    static let sample1: [Float] = [0.5, 0.25, 0.25, /**/ 0.125, 0.75, 0.125, /**/ 0.25, 0.25, 0.5]
    static let sample2: [Float] = [0.25, 0.5, 0.25, /**/ 0.125, 0.125, 0.75, /**/ 0.25, 0.25, 0.5]

    static func twoSamples() throws -> PredictiveAccumulator {
        var acc = try PredictiveAccumulator(rows: 3, classes: 3)
        // Sample 1 in blocks 0..<2 then 2..<3; sample 2 in the other order.
        try acc.add(probabilities: Array(sample1[0 ..< 6]), rows: 0 ..< 2)
        try acc.add(probabilities: Array(sample1[6 ..< 9]), rows: 2 ..< 3)
        try acc.finishSample()
        try acc.add(probabilities: Array(sample2[6 ..< 9]), rows: 2 ..< 3)
        try sample2[0 ..< 6].withUnsafeBufferPointer { try acc.add(probabilities: $0, rows: 0 ..< 2) }
        try acc.finishSample()
        return acc
    }

    func entropy(_ p: [Double]) -> Double { -p.filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) } }

    @Test func averagesProbabilitiesOverSamples() throws {
        let acc = try Self.twoSamples()
        #expect(acc.samplesAveraged == 2)
        #expect(acc.rowsInOpenSample == 0)
        #expect(try acc.mean(row: 0) == [0.375, 0.375, 0.25])
        #expect(try acc.mean(row: 1) == [0.125, 0.4375, 0.4375])
        #expect(try acc.mean(row: 2) == [0.25, 0.25, 0.5])
        #expect(try acc.meanProbabilities() == [0.375, 0.375, 0.25, 0.125, 0.4375, 0.4375, 0.25, 0.25, 0.5])
    }

    @Test func entropiesAndMutualInformationByHand() throws {
        let acc = try Self.twoSamples()
        let h1 = [entropy([0.5, 0.25, 0.25]), entropy([0.125, 0.75, 0.125]), entropy([0.25, 0.25, 0.5])]
        let h2 = [entropy([0.25, 0.5, 0.25]), entropy([0.125, 0.125, 0.75]), entropy([0.25, 0.25, 0.5])]
        let total = [entropy([0.375, 0.375, 0.25]), entropy([0.125, 0.4375, 0.4375]), entropy([0.25, 0.25, 0.5])]
        let expected = try acc.expectedEntropies()
        let predictive = try acc.predictiveEntropies()
        let mi = try acc.mutualInformation()
        for i in 0 ..< 3 {
            #expect(abs(expected[i] - (h1[i] + h2[i]) / 2) < 1e-14)
            #expect(abs(predictive[i] - total[i]) < 1e-14)
            #expect(abs(mi[i] - (total[i] - (h1[i] + h2[i]) / 2)) < 1e-14)
        }
        #expect(mi[0] > 0.01 && mi[1] > 0.01)
        #expect(mi[2] == 0)  // both samples agree on row 2
    }

    @Test func mutualInformationIsNonNegativeAndZeroWhenSamplesAgree() throws {
        var g = TestGenerator(seed: 11)
        let rows = 50, classes = 10
        var disagreeing = try PredictiveAccumulator(rows: rows, classes: classes)
        var agreeing = try PredictiveAccumulator(rows: rows, classes: classes)
        let fixed = (0 ..< rows).flatMap { _ in g.probabilities(classes: classes) }
        for _ in 0 ..< 7 {
            try disagreeing.add(probabilities: (0 ..< rows).flatMap { _ in g.probabilities(classes: classes) },
                                rows: 0 ..< rows)
            try disagreeing.finishSample()
            try agreeing.add(probabilities: fixed, rows: 0 ..< rows)
            try agreeing.finishSample()
        }
        #expect(try disagreeing.mutualInformation().allSatisfy { $0 > 0 })
        #expect(try agreeing.mutualInformation().allSatisfy { $0 >= 0 && $0 < 1e-13 })
        // Entropies lie in [0, log C].
        #expect(try disagreeing.predictiveEntropies().allSatisfy { $0 >= 0 && $0 <= log(Double(classes)) + 1e-12 })
    }

    @Test func missingRowIsDetectedAndCanBeAddedLater() throws {
        var acc = try PredictiveAccumulator(rows: 3, classes: 3)
        try acc.add(probabilities: Array(Self.sample1[0 ..< 6]), rows: 0 ..< 2)
        expectEvaluationError(.invalidData, ["sample 1", "1 of 3 rows", "rows 2"]) { try acc.finishSample() }
        #expect(acc.samplesAveraged == 0 && acc.rowsInOpenSample == 2)
        try acc.add(probabilities: Array(Self.sample1[6 ..< 9]), rows: 2 ..< 3)
        try acc.finishSample()
        #expect(acc.samplesAveraged == 1)
        #expect(try acc.mean(row: 1) == [0.125, 0.75, 0.125])
    }

    @Test func repeatedRowIsRejectedWithoutChangingState() throws {
        var acc = try PredictiveAccumulator(rows: 3, classes: 3)
        try acc.add(probabilities: Array(Self.sample1[3 ..< 6]), rows: 1 ..< 2)
        let before = acc
        expectEvaluationError(.invalidData, ["row 1 already"]) {
            try acc.add(probabilities: Array(Self.sample1[0 ..< 6]), rows: 0 ..< 2)
        }
        #expect(acc == before && acc.rowsInOpenSample == 1)
        acc.discardSample()
        #expect(acc.rowsInOpenSample == 0)
        try acc.add(probabilities: Self.sample2, rows: 0 ..< 3)
        try acc.finishSample()
        #expect(try acc.meanProbabilities() == Self.sample2.map(Double.init))
    }

    @Test func invalidInputs() throws {
        expectEvaluationError(.invalidParameter) { _ = try PredictiveAccumulator(rows: 0, classes: 3) }
        var acc = try PredictiveAccumulator(rows: 3, classes: 3)
        expectEvaluationError(.invalidParameter, ["no finished sample"]) { _ = try acc.meanProbabilities() }
        expectEvaluationError(.invalidParameter, ["0..<3"]) {
            try acc.add(probabilities: Self.sample1, rows: 1 ..< 4)
        }
        expectEvaluationError(.invalidParameter, ["6 probabilities"]) {
            try acc.add(probabilities: Array(Self.sample1[0 ..< 6]), rows: 0 ..< 3)
        }
        expectEvaluationError(.invalidData, ["row 0", "sum"]) {
            try acc.add(probabilities: [0.5, 0.5, 0.5], rows: 0 ..< 1)
        }
        expectEvaluationError(.invalidData, ["row 2, class 1"]) {
            try acc.add(probabilities: [0.5, .nan, 0.5], rows: 2 ..< 3)
        }
        #expect(acc.rowsInOpenSample == 0)
        try acc.add(probabilities: Self.sample1, rows: 0 ..< 3)
        try acc.finishSample()
        expectEvaluationError(.invalidParameter, ["row 3"]) { _ = try acc.mean(row: 3) }
    }

    @Test func codableRoundTripIsExact() throws {
        var g = TestGenerator(seed: 5)
        let rows = 17, classes = 10
        var acc = try PredictiveAccumulator(rows: rows, classes: classes)
        for _ in 0 ..< 5 {
            try acc.add(probabilities: (0 ..< rows).flatMap { _ in g.probabilities(classes: classes) }, rows: 0 ..< rows)
            try acc.finishSample()
        }
        // An open sample, too.
        try acc.add(probabilities: (0 ..< 4).flatMap { _ in g.probabilities(classes: classes) }, rows: 3 ..< 7)
        let data = try JSONEncoder().encode(acc)
        var copy = try JSONDecoder().decode(PredictiveAccumulator.self, from: data)
        #expect(copy == acc)
        #expect(copy.samplesAveraged == 5 && copy.rowsInOpenSample == 4)
        // Finishing the same sample on both gives bit-identical results.
        let rest = (0 ..< rows - 4).flatMap { _ in g.probabilities(classes: classes) }
        func finish(_ a: inout PredictiveAccumulator) throws {
            try a.add(probabilities: Array(rest[0 ..< 30]), rows: 0 ..< 3)
            try a.add(probabilities: Array(rest[30...]), rows: 7 ..< rows)
            try a.finishSample()
        }
        try finish(&acc)
        try finish(&copy)
        #expect(copy == acc)
        #expect(try copy.meanProbabilities().map(\.bitPattern) == acc.meanProbabilities().map(\.bitPattern))
        #expect(try copy.mutualInformation().map(\.bitPattern) == acc.mutualInformation().map(\.bitPattern))
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        #expect(try sorted.encode(copy) == sorted.encode(acc))
    }

    @Test func corruptCheckpointIsRejected() throws {
        let acc = try Self.twoSamples()
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(acc)) as! [String: Any]
        object["plogp_sums"] = "AAAA"
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PredictiveAccumulator.self, from: data) }
    }
}
