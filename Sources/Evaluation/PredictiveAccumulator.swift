// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Platform

/// Online Monte Carlo estimate of the posterior predictive distribution over a fixed evaluation set.
///
/// **Definition.** For kept posterior samples θ₁ … θ_S and input xᵢ, the posterior predictive is estimated by the
/// average of the per-sample softmax probabilities (Welling & Teh 2011, eq. 8; Gelman et al., *Bayesian Data Analysis*,
/// 3rd ed., §1.3):
///
///     p̄(k | xᵢ) = (1/S) Σ_s p(k | xᵢ, θ_s).
///
/// Probabilities (not log-probabilities or logits) are averaged: the predictive is a mixture of the sampled models.
///
/// **Uncertainty decomposition.** The accumulator also keeps, per row, Σ_s Σ_k p log p, so that
///
///     H[p̄ᵢ]                   total (predictive) entropy,
///     (1/S) Σ_s H[p(·|xᵢ,θ_s)]  expected (aleatoric) entropy,
///     MIᵢ = H[p̄ᵢ] − (1/S) Σ_s H[p(·|xᵢ,θ_s)]   mutual information between the label and the parameters
///
/// (the "BALD" score of Houlsby et al. 2011; Depeweg et al. 2018; Smith & Gal 2018). MI ≥ 0 by concavity of the
/// entropy, with equality when all samples agree. Entropies are in nats, with 0 log 0 = 0.
///
/// **Conventions.** The evaluation set has ``rows`` inputs in a fixed order and ``classes`` classes; probabilities are
/// row-major `rows × classes`. One posterior sample is added in blocks of rows (``add(probabilities:rows:)``, so that
/// evaluation can be batched) and closed by ``finishSample()``, which checks that every row received exactly one
/// contribution. A sample's contributions are staged and only folded into the sums when the sample is finished, so a
/// failed or abandoned sample can be dropped exactly (``discardSample()``). Sums are kept in `Double`.
///
/// **Checkpoints.** The type is `Codable`; every `Double` is stored as the base64 of its little-endian IEEE-754 bit
/// pattern, so that a decoded accumulator equals the encoded one bit for bit, whatever the coder.
public struct PredictiveAccumulator: Sendable, Equatable, Codable {
    /// The number of evaluation inputs (rows of the probability matrix).
    public let rows: Int
    /// The number of classes (columns of the probability matrix).
    public let classes: Int
    /// The number of finished posterior samples folded into the average (S in the type's documentation).
    public private(set) var samplesAveraged: Int

    /// Σ_s p(k | xᵢ, θ_s), row-major `rows × classes`.
    private var probabilitySums: [Double]
    /// Σ_s Σ_k p log p for each row (the negative of the summed per-sample entropies).
    private var plogpSums: [Double]
    /// The open sample's probabilities, row-major `rows × classes` (meaningful only where `staged[i]`).
    private var stagedProbabilities: [Double]
    /// The open sample's Σ_k p log p per row.
    private var stagedPlogp: [Double]
    /// Whether row i has received its contribution for the open sample.
    private var staged: [Bool]
    /// The number of `true` entries of `staged`.
    private var stagedCount: Int

    /// Tolerance on |Σ_k p_k − 1| for one row of a contribution (Float softmax is accurate to a few ulps).
    public static let normalizationTolerance = 1e-3

    /// An empty accumulator for `rows` inputs and `classes` classes (both positive).
    public init(rows: Int, classes: Int) throws(LangevinError) {
        guard rows > 0, classes > 0 else {
            throw LangevinError(.invalidParameter,
                "predictive accumulator: rows (\(rows)) and classes (\(classes)) must be positive")
        }
        let (cells, overflow) = rows.multipliedReportingOverflow(by: classes)
        guard !overflow else {
            throw LangevinError(.invalidParameter, "predictive accumulator: \(rows) × \(classes) is too large")
        }
        self.rows = rows
        self.classes = classes
        samplesAveraged = 0
        probabilitySums = [Double](repeating: 0, count: cells)
        plogpSums = [Double](repeating: 0, count: rows)
        stagedProbabilities = [Double](repeating: 0, count: cells)
        stagedPlogp = [Double](repeating: 0, count: rows)
        staged = [Bool](repeating: false, count: rows)
        stagedCount = 0
    }

    /// How many rows the open (unfinished) sample has received; 0 between samples.
    public var rowsInOpenSample: Int { stagedCount }

    /// Adds one posterior sample's softmax probabilities for the evaluation rows `rows`.
    ///
    /// `probabilities` is row-major `rows.count × classes`, row j holding p(· | x_{rows.lowerBound + j}, θ). Throws
    /// `.invalidParameter` when `rows` is empty or outside `0 ..< self.rows` or the buffer has the wrong size, and
    /// `.invalidData` when a value is negative or not finite, a row does not sum to 1 (within
    /// ``normalizationTolerance``), or a row already has a contribution in the open sample. Nothing is changed when it
    /// throws.
    public mutating func add(probabilities: UnsafeBufferPointer<Float>, rows range: Range<Int>) throws(LangevinError) {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= rows else {
            throw LangevinError(.invalidParameter,
                "predictive accumulator: rows \(range) are not a non-empty part of 0..<\(rows)")
        }
        guard probabilities.count == range.count * classes else {
            throw LangevinError(.invalidParameter,
                "predictive accumulator: \(probabilities.count) probabilities for \(range.count) rows × \(classes) classes")
        }
        // Validate the whole block before changing anything.
        for (j, i) in range.enumerated() {
            if staged[i] {
                throw LangevinError(.invalidData,
                    "predictive accumulator: row \(i) already has a contribution for sample \(samplesAveraged + 1)")
            }
            var sum = 0.0
            for k in 0 ..< classes {
                let p = probabilities[j * classes + k]
                guard p.isFinite, p >= 0 else {
                    throw LangevinError(.invalidData,
                        "predictive accumulator: probability \(p) for row \(i), class \(k) is not a finite non-negative number")
                }
                sum += Double(p)
            }
            guard abs(sum - 1) <= Self.normalizationTolerance else {
                throw LangevinError(.invalidData,
                    "predictive accumulator: the probabilities of row \(i) sum to \(sum), not 1")
            }
        }
        for (j, i) in range.enumerated() {
            var plogp = 0.0
            for k in 0 ..< classes {
                let p = Double(probabilities[j * classes + k])
                stagedProbabilities[i * classes + k] = p
                if p > 0 { plogp += p * log(p) }
            }
            stagedPlogp[i] = plogp
            staged[i] = true
        }
        stagedCount += range.count
    }

    /// Adds one posterior sample's probabilities for `rows`; see the `UnsafeBufferPointer` overload.
    public mutating func add(probabilities: [Float], rows range: Range<Int>) throws(LangevinError) {
        let result: Result<Void, LangevinError> = probabilities.withUnsafeBufferPointer { buffer in
            do throws(LangevinError) {
                try add(probabilities: buffer, rows: range)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Closes the open sample: folds its contributions into the average and increments ``samplesAveraged``.
    ///
    /// Throws `.invalidData` (changing nothing) when some row has no contribution; the sample stays open, so the
    /// missing rows can still be added, or the sample dropped with ``discardSample()``.
    public mutating func finishSample() throws(LangevinError) {
        guard stagedCount == rows else {
            let missing = staged.indices.filter { !staged[$0] }
            let shown = missing.prefix(5).map(String.init).joined(separator: ", ")
            throw LangevinError(.invalidData,
                "predictive accumulator: sample \(samplesAveraged + 1) has no probabilities for \(missing.count) of "
                    + "\(rows) rows (rows \(shown)\(missing.count > 5 ? ", …" : ""))")
        }
        for c in probabilitySums.indices { probabilitySums[c] += stagedProbabilities[c] }
        for i in 0 ..< rows {
            plogpSums[i] += stagedPlogp[i]
            staged[i] = false
        }
        stagedCount = 0
        samplesAveraged += 1
    }

    /// Drops the open sample's contributions (exactly: the sums are untouched until a sample is finished).
    /// Adds every finished sample of `other` (the same rows and classes, no open sample in either): the pooled
    /// predictive of two sets of samples, each sample weighing the same.
    public mutating func merge(_ other: PredictiveAccumulator) throws(LangevinError) {
        guard other.rows == rows, other.classes == classes else {
            throw LangevinError(.invalidParameter,
                "predictive accumulator: cannot pool \(other.rows) × \(other.classes) into \(rows) × \(classes)")
        }
        guard stagedCount == 0, other.stagedCount == 0 else {
            throw LangevinError(.invalidParameter, "predictive accumulator: cannot pool while a sample is open")
        }
        for c in probabilitySums.indices { probabilitySums[c] += other.probabilitySums[c] }
        for i in plogpSums.indices { plogpSums[i] += other.plogpSums[i] }
        samplesAveraged += other.samplesAveraged
    }

    public mutating func discardSample() {
        for i in 0 ..< rows { staged[i] = false }
        stagedCount = 0
    }

    private func checkReady(_ what: String) throws(LangevinError) {
        guard samplesAveraged > 0 else {
            throw LangevinError(.invalidParameter, "predictive accumulator: no finished sample to compute \(what) from")
        }
    }

    private func checkRow(_ row: Int) throws(LangevinError) {
        guard row >= 0, row < rows else {
            throw LangevinError(.invalidParameter, "predictive accumulator: row \(row) is outside 0..<\(rows)")
        }
    }

    /// The posterior predictive p̄(· | x_row) (length ``classes``). Throws `.invalidParameter` when `row` is out of
    /// range or no sample has been finished.
    public func mean(row: Int) throws(LangevinError) -> [Double] {
        try checkRow(row)
        try checkReady("a mean")
        let s = Double(samplesAveraged)
        return (0 ..< classes).map { probabilitySums[row * classes + $0] / s }
    }

    /// The whole posterior predictive matrix, row-major `rows × classes`.
    public func meanProbabilities() throws(LangevinError) -> [Double] {
        try checkReady("a mean")
        let s = Double(samplesAveraged)
        return probabilitySums.map { $0 / s }
    }

    /// Expected entropy (1/S) Σ_s H[p(· | xᵢ, θ_s)] per row, in nats.
    public func expectedEntropies() throws(LangevinError) -> [Double] {
        try checkReady("expected entropies")
        let s = Double(samplesAveraged)
        return plogpSums.map { -$0 / s }
    }

    /// Predictive entropy H[p̄ᵢ] per row, in nats.
    public func predictiveEntropies() throws(LangevinError) -> [Double] {
        try entropies(probabilities: meanProbabilities(), classes: classes)
    }

    /// Mutual information MIᵢ = H[p̄ᵢ] − (1/S) Σ_s H[pᵢ,s] per row, in nats.
    ///
    /// Negative rounding residues (|MI| of order 1e-16 when the samples agree) are clamped to 0.
    public func mutualInformation() throws(LangevinError) -> [Double] {
        let total = try predictiveEntropies()
        let expected = try expectedEntropies()
        return zip(total, expected).map { max(0, $0 - $1) }
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case rows, classes
        case samplesAveraged = "samples_averaged"
        case probabilitySums = "probability_sums"
        case plogpSums = "plogp_sums"
        case stagedRows = "staged_rows"
        case stagedProbabilities = "staged_probabilities"
        case stagedPlogp = "staged_plogp"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .rows)
        try c.encode(classes, forKey: .classes)
        try c.encode(samplesAveraged, forKey: .samplesAveraged)
        try c.encode(Self.pack(probabilitySums), forKey: .probabilitySums)
        try c.encode(Self.pack(plogpSums), forKey: .plogpSums)
        // The open sample (usually empty at a checkpoint): its rows and their staged values, in row order.
        let open = staged.indices.filter { staged[$0] }
        try c.encode(open, forKey: .stagedRows)
        try c.encode(Self.pack(open.flatMap { i in stagedProbabilities[i * classes ..< (i + 1) * classes] }),
                     forKey: .stagedProbabilities)
        try c.encode(Self.pack(open.map { stagedPlogp[$0] }), forKey: .stagedPlogp)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let classes = try c.decode(Int.self, forKey: .classes)
        // Sizes are checked against the stored sums before anything is allocated: a forged header cannot make the
        // decoder allocate more than the encoded data hold.
        let (cells, overflow) = rows.multipliedReportingOverflow(by: classes)
        let packedSums = try c.decode(String.self, forKey: .probabilitySums)
        guard rows > 0, classes > 0, !overflow, cells <= packedSums.utf8.count else {
            throw DecodingError.dataCorruptedError(forKey: CodingKeys.rows, in: c,
                debugDescription: "predictive accumulator: \(rows) × \(classes) does not match its stored sums")
        }
        try self.init(rows: rows, classes: classes)
        func corrupt(_ what: String) -> DecodingError {
            .dataCorruptedError(forKey: CodingKeys.probabilitySums, in: c,
                                debugDescription: "predictive accumulator (\(rows) × \(classes)): \(what)")
        }
        samplesAveraged = try c.decode(Int.self, forKey: .samplesAveraged)
        guard samplesAveraged >= 0 else { throw corrupt("negative sample count \(samplesAveraged)") }
        guard let sums = Self.unpack(packedSums), sums.count == rows * classes,
              let plogp = Self.unpack(try c.decode(String.self, forKey: .plogpSums)), plogp.count == rows
        else { throw corrupt("sums of the wrong size or not base64") }
        probabilitySums = sums
        plogpSums = plogp
        let open = try c.decode([Int].self, forKey: .stagedRows)
        guard let sp = Self.unpack(try c.decode(String.self, forKey: .stagedProbabilities)),
              sp.count == open.count * classes,
              let sl = Self.unpack(try c.decode(String.self, forKey: .stagedPlogp)), sl.count == open.count
        else { throw corrupt("open-sample values of the wrong size or not base64") }
        for (j, i) in open.enumerated() {
            guard i >= 0, i < rows, !staged[i] else { throw corrupt("open-sample row \(i) invalid or repeated") }
            staged[i] = true
            for k in 0 ..< classes { stagedProbabilities[i * classes + k] = sp[j * classes + k] }
            stagedPlogp[i] = sl[j]
        }
        stagedCount = open.count
    }

    /// Base64 of the little-endian IEEE-754 bit patterns.
    static func pack(_ values: some Collection<Double>) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values {
            let bits = v.bitPattern
            for b in 0 ..< 8 { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(b)))) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// Inverse of ``pack(_:)``; nil when the text is not base64 of a whole number of doubles.
    static func unpack(_ text: String) -> [Double]? {
        guard let data = Data(base64Encoded: text), data.count % 8 == 0 else { return nil }
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count, by: 8).map { start in
            var bits: UInt64 = 0
            for b in 0 ..< 8 { bits |= UInt64(bytes[start + b]) << (8 * UInt64(b)) }
            return Double(bitPattern: bits)
        }
    }

    /// Equality of the complete state, bit for bit (so that NaN-free round trips can be checked with `==`).
    public static func == (a: Self, b: Self) -> Bool {
        a.rows == b.rows && a.classes == b.classes && a.samplesAveraged == b.samplesAveraged
            && a.stagedCount == b.stagedCount && a.staged == b.staged
            && a.probabilitySums.map(\.bitPattern) == b.probabilitySums.map(\.bitPattern)
            && a.plogpSums.map(\.bitPattern) == b.plogpSums.map(\.bitPattern)
            && a.staged.indices.allSatisfy { i in
                !a.staged[i] || (a.stagedPlogp[i].bitPattern == b.stagedPlogp[i].bitPattern
                    && (0 ..< a.classes).allSatisfy { k in
                        a.stagedProbabilities[i * a.classes + k].bitPattern
                            == b.stagedProbabilities[i * a.classes + k].bitPattern
                    })
            }
    }
}
