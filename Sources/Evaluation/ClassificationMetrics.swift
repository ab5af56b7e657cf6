// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import Platform

// Conventions for every function of this file: a probability matrix is row-major `n × classes` (row i holds
// p(· | xᵢ)), labels are class indices in `0 ..< classes`, logarithms are natural (entropies in nats), and the
// predicted class is the arg max of a row, the lowest index winning ties.

/// One confidence bin of a reliability diagram (Guo et al. 2017, §2).
///
/// The bin holds the rows whose confidence (maximum predicted probability) lies in (``lower``, ``upper``]; the
/// first bin also holds confidence 0.
public struct ReliabilityBin: Sendable, Equatable, Codable {
    /// Lower edge of the bin (exclusive, except 0 for the first bin).
    public let lower: Double
    /// Upper edge of the bin (inclusive).
    public let upper: Double
    /// The number of rows in the bin.
    public let count: Int
    /// conf(B): the mean confidence of the bin's rows; 0 when the bin is empty.
    public let confidence: Double
    /// acc(B): the fraction of the bin's rows whose predicted class is the label; 0 when the bin is empty.
    public let accuracy: Double

    public init(lower: Double, upper: Double, count: Int, confidence: Double, accuracy: Double) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.confidence = confidence
        self.accuracy = accuracy
    }
}

/// Standard metrics of a probabilistic classifier on a labelled evaluation set.
///
/// Definitions, for n rows with labels yᵢ and predicted probabilities pᵢₖ:
/// - ``accuracy``: (1/n) Σᵢ 1[arg maxₖ pᵢₖ = yᵢ].
/// - ``nll``: negative log-likelihood per row, (1/n) Σᵢ −log max(pᵢ,yᵢ, ε) with ε = ``probabilityFloor`` = 1e-12,
///   so that a single zero probability gives a large but finite value (at most −log ε ≈ 27.6 per row).
/// - ``brier``: the multi-class Brier score (Brier 1950), (1/n) Σᵢ Σₖ (pᵢₖ − 1[yᵢ = k])², in [0, 2]; 0 is perfect.
///   (Some authors divide by the number of classes; this one does not.)
/// - ``ece``: expected calibration error (Naeini et al. 2015; Guo et al. 2017, eq. 3) with M equal-width bins over
///   the confidence cᵢ = maxₖ pᵢₖ: ECE = Σ_m (|B_m| / n) |acc(B_m) − conf(B_m)|, where B_m holds the rows with
///   cᵢ ∈ ((m−1)/M, m/M]. The default M is 15, as in Guo et al. A confidence exactly on a bin edge may land in
///   either neighbouring bin after rounding of cᵢ·M.
/// - ``reliability``: the M bins (edges, counts, conf(B_m), acc(B_m)) behind the ECE, for a reliability diagram.
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// The number of rows evaluated.
    public let count: Int
    /// Fraction of rows whose arg max is the label, in [0, 1].
    public let accuracy: Double
    /// Mean negative log-likelihood of the labels, nats per row (probabilities clamped at ``probabilityFloor``).
    public let nll: Double
    /// Multi-class Brier score, in [0, 2].
    public let brier: Double
    /// Expected calibration error over ``reliability``'s bins, in [0, 1].
    public let ece: Double
    /// The equal-width confidence bins behind ``ece``.
    public let reliability: [ReliabilityBin]

    /// The floor ε applied to p_y before taking its logarithm in ``nll``.
    public static let probabilityFloor = 1e-12
    /// The number of ECE bins used by default (Guo et al. 2017).
    public static let defaultBinCount = 15

    /// Computes the metrics of `probabilities` (row-major `labels.count × classes`) against `labels`.
    ///
    /// Throws `.invalidParameter` when there are no rows, `classes` or `bins` is not positive or the matrix has the
    /// wrong size, and `.invalidData` when a label is out of range or a probability is negative or not finite.
    public init<P: BinaryFloatingPoint>(probabilities: [P], labels: [Int32], classes: Int,
                                        bins: Int = ClassificationMetrics.defaultBinCount) throws(LangevinError) {
        let n = labels.count
        try checkMatrix(probabilities, rows: n, classes: classes)
        guard bins > 0 else { throw LangevinError(.invalidParameter, "metrics: \(bins) calibration bins") }
        if let i = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            throw LangevinError(.invalidData, "metrics: label \(labels[i]) of row \(i) is outside 0…\(classes - 1)")
        }
        var correctCount = 0
        var nllSum = 0.0
        var brierSum = 0.0
        var confidences = [Double](repeating: 0, count: n)
        var correct = [Bool](repeating: false, count: n)
        for i in 0 ..< n {
            let y = Int(labels[i])
            var best = 0
            var bestP = Double(probabilities[i * classes])
            var squares = 0.0
            for k in 0 ..< classes {
                let p = Double(probabilities[i * classes + k])
                if p > bestP { best = k; bestP = p }
                let d = p - (k == y ? 1 : 0)
                squares += d * d
            }
            brierSum += squares
            nllSum -= log(max(Double(probabilities[i * classes + y]), Self.probabilityFloor))
            confidences[i] = bestP
            correct[i] = best == y
            if best == y { correctCount += 1 }
        }
        count = n
        accuracy = Double(correctCount) / Double(n)
        nll = nllSum / Double(n)
        brier = brierSum / Double(n)
        (ece, reliability) = calibration(confidences: confidences, correct: correct, bins: bins)
    }

    /// Metrics from stored values (for decoding reports); no consistency check.
    public init(count: Int, accuracy: Double, nll: Double, brier: Double, ece: Double, reliability: [ReliabilityBin]) {
        self.count = count
        self.accuracy = accuracy
        self.nll = nll
        self.brier = brier
        self.ece = ece
        self.reliability = reliability
    }
}

/// Checks that `probabilities` is a non-empty `rows × classes` matrix of finite non-negative numbers.
func checkMatrix<P: BinaryFloatingPoint>(_ probabilities: [P], rows: Int, classes: Int) throws(LangevinError) {
    guard rows > 0, classes > 0 else {
        throw LangevinError(.invalidParameter, "metrics: \(rows) rows and \(classes) classes; both must be positive")
    }
    guard probabilities.count == rows * classes else {
        throw LangevinError(.invalidParameter,
            "metrics: \(probabilities.count) probabilities for \(rows) rows × \(classes) classes")
    }
    if let c = probabilities.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
        throw LangevinError(.invalidData,
            "metrics: probability \(Double(probabilities[c])) (row \(c / classes), class \(c % classes)) is not a finite non-negative number")
    }
}

/// The number of rows of a row-major matrix with `classes` columns, checking the shape.
private func rowCount<P: BinaryFloatingPoint>(_ probabilities: [P], classes: Int) throws(LangevinError) -> Int {
    guard classes > 0, probabilities.count % classes == 0 else {
        throw LangevinError(.invalidParameter,
            "metrics: \(probabilities.count) probabilities are not a whole number of rows of \(classes) classes")
    }
    let rows = probabilities.count / classes
    try checkMatrix(probabilities, rows: rows, classes: classes)
    return rows
}

/// The predicted class (arg max, lowest index on ties) of each row.
public func predictedClasses<P: BinaryFloatingPoint>(probabilities: [P], classes: Int) throws(LangevinError) -> [Int] {
    let n = try rowCount(probabilities, classes: classes)
    return (0 ..< n).map { i in
        var best = 0
        for k in 1 ..< classes where probabilities[i * classes + k] > probabilities[i * classes + best] { best = k }
        return best
    }
}

/// The confidence maxₖ pᵢₖ of each row (the "maximum softmax probability" of Hendrycks & Gimpel 2017).
public func maxProbabilities<P: BinaryFloatingPoint>(probabilities: [P], classes: Int) throws(LangevinError) -> [Double] {
    let n = try rowCount(probabilities, classes: classes)
    return (0 ..< n).map { i in
        Double(probabilities[i * classes ..< (i + 1) * classes].max()!)
    }
}

/// The Shannon entropy Hᵢ = −Σₖ pᵢₖ log pᵢₖ of each row, in nats (0 log 0 = 0); in [0, log classes] for a
/// normalized row.
public func entropies<P: BinaryFloatingPoint>(probabilities: [P], classes: Int) throws(LangevinError) -> [Double] {
    let n = try rowCount(probabilities, classes: classes)
    return (0 ..< n).map { i in
        var h = 0.0
        for k in 0 ..< classes {
            let p = Double(probabilities[i * classes + k])
            if p > 0 { h -= p * log(p) }
        }
        return h
    }
}

/// Expected calibration error and its reliability bins, from per-row confidences and correctness.
///
/// See ``ClassificationMetrics`` for the definition; `bins` equal-width bins over [0, 1]. Throws
/// `.invalidParameter` when the inputs are empty or of different lengths or `bins` is not positive, and
/// `.invalidData` when a confidence is outside [0, 1] or not finite.
public func expectedCalibrationError(confidences: [Double], correct: [Bool],
                                     bins: Int = ClassificationMetrics.defaultBinCount)
    throws(LangevinError) -> (ece: Double, bins: [ReliabilityBin])
{
    guard !confidences.isEmpty, confidences.count == correct.count, bins > 0 else {
        throw LangevinError(.invalidParameter,
            "calibration: \(confidences.count) confidences, \(correct.count) outcomes and \(bins) bins")
    }
    if let c = confidences.first(where: { !($0 >= 0 && $0 <= 1) }) {
        throw LangevinError(.invalidData, "calibration: confidence \(c) is outside [0, 1]")
    }
    return calibration(confidences: confidences, correct: correct, bins: bins)
}

/// ECE without input checks (confidences in [0, 1], equal non-zero lengths, bins > 0).
private func calibration(confidences: [Double], correct: [Bool], bins m: Int) -> (ece: Double, bins: [ReliabilityBin]) {
    var counts = [Int](repeating: 0, count: m)
    var confidenceSums = [Double](repeating: 0, count: m)
    var correctCounts = [Int](repeating: 0, count: m)
    for (c, ok) in zip(confidences, correct) {
        // Bin m (0-based b = m − 1) is ((m−1)/M, m/M]: b = ⌈c·M⌉ − 1, with c = 0 joining the first bin.
        let b = min(m - 1, max(0, Int((c * Double(m)).rounded(.up)) - 1))
        counts[b] += 1
        confidenceSums[b] += c
        if ok { correctCounts[b] += 1 }
    }
    let n = Double(confidences.count)
    var ece = 0.0
    var result = [ReliabilityBin]()
    result.reserveCapacity(m)
    for b in 0 ..< m {
        let size = counts[b]
        let conf = size > 0 ? confidenceSums[b] / Double(size) : 0
        let acc = size > 0 ? Double(correctCounts[b]) / Double(size) : 0
        ece += Double(size) / n * abs(acc - conf)
        result.append(ReliabilityBin(lower: Double(b) / Double(m), upper: Double(b + 1) / Double(m),
                                     count: size, confidence: conf, accuracy: acc))
    }
    return (ece, result)
}

/// Area under the ROC curve for separating out-of-distribution inputs (the positive class) from in-distribution
/// ones with a score that is higher for inputs believed to be out of distribution.
///
/// **Definition.** The Mann–Whitney statistic normalized to [0, 1] (Hanley & McNeil 1982):
///
///     AUROC = P(s_out > s_in) + ½ P(s_out = s_in),
///
/// over independent draws of one out-of-distribution and one in-distribution score; 1 is perfect separation, 0.5
/// is chance (and the value when all scores are equal). Computed in O(n log n) by sorting the pooled scores and
/// counting, for each group of tied scores, the in-distribution scores below it plus half of those tied with it.
///
/// Throws `.invalidParameter` when either set is empty and `.invalidData` when a score is not finite.
public func auroc(inDistribution: [Double], outOfDistribution: [Double]) throws(LangevinError) -> Double {
    guard !inDistribution.isEmpty, !outOfDistribution.isEmpty else {
        throw LangevinError(.invalidParameter,
            "AUROC: \(inDistribution.count) in-distribution and \(outOfDistribution.count) out-of-distribution scores; both must be non-empty")
    }
    if let s = (inDistribution + outOfDistribution).first(where: { !$0.isFinite }) {
        throw LangevinError(.invalidData, "AUROC: score \(s) is not finite")
    }
    let pooled = (outOfDistribution.map { ($0, true) } + inDistribution.map { ($0, false) }).sorted { $0.0 < $1.0 }
    var u = 0.0            // Σ over positives of (#negatives below + ½ #negatives tied)
    var negativesBelow = 0
    var start = 0
    while start < pooled.count {
        var end = start
        var positives = 0
        var negatives = 0
        while end < pooled.count, pooled[end].0 == pooled[start].0 {
            if pooled[end].1 { positives += 1 } else { negatives += 1 }
            end += 1
        }
        u += Double(positives) * (Double(negativesBelow) + 0.5 * Double(negatives))
        negativesBelow += negatives
        start = end
    }
    return u / (Double(outOfDistribution.count) * Double(inDistribution.count))
}

/// Out-of-distribution detection quality of a posterior predictive: AUROC (``auroc(inDistribution:outOfDistribution:)``,
/// OOD positive) for three scores, each higher for inputs believed to be out of distribution:
/// 1 − max-prob (Hendrycks & Gimpel 2017), the predictive entropy H[p̄], and the mutual information between label
/// and parameters (see ``PredictiveAccumulator``).
public struct OODDetection: Sendable, Equatable, Codable {
    /// Name of the out-of-distribution data set, e.g. `"fashion-mnist/test"`.
    public var dataset: String
    /// The number of out-of-distribution inputs scored.
    public var size: Int
    /// AUROC with score 1 − maxₖ p̄ₖ.
    public var aurocMaxProb: Double
    /// AUROC with score H[p̄] (nats).
    public var aurocEntropy: Double
    /// AUROC with score MI (nats); 0.5 for a single sample (MI ≡ 0) or a deterministic model.
    public var aurocMutualInformation: Double
    /// Mean confidence (max predictive probability) on the OOD inputs: lower is better, 1/c is the floor.
    public var meanConfidence: Double = .nan
    /// Mean confidence on the in-distribution (test) inputs, for comparison.
    public var meanConfidenceInDistribution: Double = .nan

    enum CodingKeys: String, CodingKey {
        case dataset, size
        case aurocMaxProb = "auroc_max_prob"
        case aurocEntropy = "auroc_entropy"
        case aurocMutualInformation = "auroc_mutual_information"
        case meanConfidence = "mean_confidence"
        case meanConfidenceInDistribution = "mean_confidence_in_distribution"
    }

    public init(dataset: String, size: Int, aurocMaxProb: Double, aurocEntropy: Double, aurocMutualInformation: Double,
                meanConfidence: Double = .nan, meanConfidenceInDistribution: Double = .nan) {
        self.dataset = dataset
        self.size = size
        self.aurocMaxProb = aurocMaxProb
        self.aurocEntropy = aurocEntropy
        self.aurocMutualInformation = aurocMutualInformation
        self.meanConfidence = meanConfidence
        self.meanConfidenceInDistribution = meanConfidenceInDistribution
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(size, forKey: .size)
        for (v, k) in [(aurocMaxProb, CodingKeys.aurocMaxProb), (aurocEntropy, .aurocEntropy),
                       (aurocMutualInformation, .aurocMutualInformation), (meanConfidence, .meanConfidence),
                       (meanConfidenceInDistribution, .meanConfidenceInDistribution)] {
            if v.isFinite { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) }
        }
    }

    /// Equal when every field is, a NaN ("not measured") equal to a NaN.
    public static func == (a: OODDetection, b: OODDetection) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.dataset == b.dataset && a.size == b.size && same(a.aurocMaxProb, b.aurocMaxProb)
            && same(a.aurocEntropy, b.aurocEntropy) && same(a.aurocMutualInformation, b.aurocMutualInformation)
            && same(a.meanConfidence, b.meanConfidence)
            && same(a.meanConfidenceInDistribution, b.meanConfidenceInDistribution)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ k: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: k) ?? .nan }
        dataset = try c.decode(String.self, forKey: .dataset)
        size = try c.decode(Int.self, forKey: .size)
        aurocMaxProb = try number(.aurocMaxProb)
        aurocEntropy = try number(.aurocEntropy)
        aurocMutualInformation = try number(.aurocMutualInformation)
        meanConfidence = try number(.meanConfidence)
        meanConfidenceInDistribution = try number(.meanConfidenceInDistribution)
    }

    /// The three AUROCs from the posterior predictives of the in-distribution (test) set and of the OOD set.
    ///
    /// Throws `.invalidParameter` when the class counts differ or an accumulator has no finished sample.
    public init(dataset: String, inDistribution: PredictiveAccumulator,
                outOfDistribution: PredictiveAccumulator) throws(LangevinError) {
        guard inDistribution.classes == outOfDistribution.classes else {
            throw LangevinError(.invalidParameter,
                "OOD detection: \(inDistribution.classes) in-distribution classes, \(outOfDistribution.classes) OOD classes")
        }
        let c = inDistribution.classes
        let pIn = try inDistribution.meanProbabilities()
        let pOut = try outOfDistribution.meanProbabilities()
        self.dataset = dataset
        size = outOfDistribution.rows
        aurocMaxProb = try auroc(inDistribution: maxProbabilities(probabilities: pIn, classes: c).map { 1 - $0 },
                                 outOfDistribution: maxProbabilities(probabilities: pOut, classes: c).map { 1 - $0 })
        aurocEntropy = try auroc(inDistribution: entropies(probabilities: pIn, classes: c),
                                 outOfDistribution: entropies(probabilities: pOut, classes: c))
        aurocMutualInformation = try auroc(inDistribution: inDistribution.mutualInformation(),
                                           outOfDistribution: outOfDistribution.mutualInformation())
        let confidenceOut = try maxProbabilities(probabilities: pOut, classes: c)
        let confidenceIn = try maxProbabilities(probabilities: pIn, classes: c)
        meanConfidence = confidenceOut.reduce(0, +) / Double(max(confidenceOut.count, 1))
        meanConfidenceInDistribution = confidenceIn.reduce(0, +) / Double(max(confidenceIn.count, 1))
    }
}
