// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore

/// The confidences (maximum predicted probabilities) of one run, split into correctly and incorrectly classified
/// test inputs and out-of-distribution inputs: the data of the confidence histograms of ``Plotter``.
///
/// Saved as `confidence.json` in a run's output directory, so that a later run can draw both side by side.
public struct ConfidenceSummary: Sendable, Equatable, Codable {
    /// The run's name in plots, e.g. `"SGD"` or `"SGLD"`.
    public var label: String
    /// Confidence of each correctly classified test input.
    public var correct: [Double]
    /// Confidence of each misclassified test input.
    public var incorrect: [Double]
    /// Confidence of each out-of-distribution input (empty when there is no OOD set).
    public var ood: [Double]
    /// The OOD data set's name, or nil.
    public var oodName: String?

    /// The file name used by ``write(to:)`` and ``read(from:)``.
    public static let fileName = "confidence.json"

    public init(label: String, correct: [Double], incorrect: [Double], ood: [Double] = [], oodName: String? = nil) {
        self.label = label
        self.correct = correct
        self.incorrect = incorrect
        self.ood = ood
        self.oodName = oodName
    }

    /// Splits the test set's confidences by correctness (arg max, lowest index on ties, against `labels`) and adds
    /// the OOD set's confidences. Matrices are row-major `n × classes`. Throws like ``ClassificationMetrics``.
    public init<P: BinaryFloatingPoint>(label: String, probabilities: [P], labels: [Int32], classes: Int,
                                        oodProbabilities: [P]? = nil, oodName: String? = nil) throws(LangevinError) {
        try checkMatrix(probabilities, rows: labels.count, classes: classes)
        let confidence = try maxProbabilities(probabilities: probabilities, classes: classes)
        let predicted = try predictedClasses(probabilities: probabilities, classes: classes)
        var correct = [Double]()
        var incorrect = [Double]()
        for i in labels.indices {
            if predicted[i] == Int(labels[i]) { correct.append(confidence[i]) } else { incorrect.append(confidence[i]) }
        }
        let ood = try oodProbabilities.map { (p) throws(LangevinError) in
            try maxProbabilities(probabilities: p, classes: classes)
        } ?? []
        self.init(label: label, correct: correct, incorrect: incorrect, ood: ood, oodName: oodName)
    }

    /// Writes `confidence.json` into `directory` (atomically).
    public func write(to directory: String) throws(LangevinError) {
        try makeFolder(directory)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]   // byte-identical output for identical results
            let data = try encoder.encode(self)
            try writeFileAtomically([UInt8](data), to: directory + "/" + Self.fileName)
        } catch let error as LangevinError {
            throw error
        } catch {
            throw LangevinError(.io, "cannot encode the confidences of \(label): \(error)")
        }
    }

    /// Reads `confidence.json` from `directory`.
    public static func read(from directory: String) throws(LangevinError) -> ConfidenceSummary {
        let path = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LangevinError(.io, "cannot read '\(path)'")
        }
        do {
            return try JSONDecoder().decode(ConfidenceSummary.self, from: data)
        } catch {
            throw LangevinError(.invalidData, "'\(path)' does not hold confidences: \(error)")
        }
    }
}

/// One logged point of a training curve.
public struct TrainingLogPoint: Sendable, Equatable, Codable {
    /// Position in training: the epoch (possibly fractional) or the step, as the curve's caller chooses.
    public var x: Double
    /// Training loss at that point (e.g. mean minibatch negative log-posterior per example, or the data NLL).
    public var loss: Double
    /// Test accuracy at that point, in [0, 1], when it was measured.
    public var testAccuracy: Double?

    public init(x: Double, loss: Double, testAccuracy: Double? = nil) {
        self.x = x
        self.loss = loss
        self.testAccuracy = testAccuracy
    }
}

/// A named training curve (one run).
public struct TrainingCurve: Sendable, Equatable, Codable {
    public var label: String
    public var points: [TrainingLogPoint]

    public init(label: String, points: [TrainingLogPoint]) {
        self.label = label
        self.points = points
    }
}

/// Summary statistics of one layer's weights at one logged point of training.
public struct WeightStatistics: Sendable, Equatable, Codable {
    /// Position in training (epoch or step).
    public var x: Double
    /// Mean of the weights.
    public var mean: Double
    /// Population standard deviation of the weights, √((1/n) Σ (w − mean)²).
    public var standardDeviation: Double
    /// The 99th percentile of |w| (nearest-rank: the ⌈0.99 n⌉-th smallest |w|).
    public var absQuantile99: Double

    public init(x: Double, mean: Double, standardDeviation: Double, absQuantile99: Double) {
        self.x = x
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.absQuantile99 = absQuantile99
    }

    /// The statistics of `weights` (non-empty) at training position `x`. O(n): the quantile by selection.
    public init(x: Double, weights: UnsafeBufferPointer<Float>) throws(LangevinError) {
        guard !weights.isEmpty else { throw LangevinError(.invalidParameter, "weight statistics of no weights") }
        let n = Double(weights.count)
        var sum = 0.0
        for w in weights { sum += Double(w) }
        let mean = sum / n
        var squares = 0.0
        for w in weights { squares += (Double(w) - mean) * (Double(w) - mean) }
        var magnitudes = weights.map { abs($0) }
        let rank = Int((0.99 * n).rounded(.up))
        let k = max(0, min(magnitudes.count - 1, rank - 1))
        self.init(x: x, mean: mean, standardDeviation: (squares / n).squareRoot(),
                  absQuantile99: Double(select(&magnitudes, k)))
    }

    /// The statistics of `weights` (non-empty) at training position `x`.
    public init(x: Double, weights: [Float]) throws(LangevinError) {
        let result: Result<WeightStatistics, LangevinError> = weights.withUnsafeBufferPointer { buffer in
            do throws(LangevinError) { return .success(try WeightStatistics(x: x, weights: buffer)) } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }
}

/// The weight statistics of one layer over training.
public struct LayerWeightTrace: Sendable, Equatable, Codable {
    /// The layer's name in plots, e.g. `"layer 1 weights (784×400)"`.
    public var name: String
    public var points: [WeightStatistics]

    public init(name: String, points: [WeightStatistics]) {
        self.name = name
        self.points = points
    }
}

/// A named reliability diagram (one run).
public struct ReliabilityDiagram: Sendable, Equatable, Codable {
    public var label: String
    public var bins: [ReliabilityBin]

    public init(label: String, bins: [ReliabilityBin]) {
        self.label = label
        self.bins = bins
    }

    /// The expected calibration error of the bins: Σ_m (|B_m| / n) |acc(B_m) − conf(B_m)|.
    public var ece: Double {
        let n = bins.reduce(0) { $0 + $1.count }
        guard n > 0 else { return 0 }
        return bins.reduce(0) { $0 + Double($1.count) / Double(n) * abs($1.accuracy - $1.confidence) }
    }
}

/// The k-th smallest element (0-based) of `values`, by quickselect (Hoare partition, median-of-three pivot);
/// reorders `values`. Expected O(n); the same value as `values.sorted()[k]`.
func select(_ values: inout [Float], _ k: Int) -> Float {
    var lo = 0, hi = values.count - 1
    while lo < hi {
        let mid = lo + (hi - lo) / 2
        // Median of three as the pivot.
        let a = values[lo], b = values[mid], c = values[hi]
        let pivot = max(min(a, b), min(max(a, b), c))
        var i = lo, j = hi
        while i <= j {
            while values[i] < pivot { i += 1 }
            while values[j] > pivot { j -= 1 }
            if i <= j {
                values.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        if k <= j { hi = j } else if k >= i { lo = i } else { return values[k] }
    }
    return values[lo]
}
