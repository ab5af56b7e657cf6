// SPDX-License-Identifier: GPL-3.0-or-later

/// One line of a ``CheckReport``.
///
/// JSON keys: `name`, `kind`, `statistic`, `threshold`, `pValue`, `adjustedPValue`, `zScore`, `passed`, `verdict`
/// (`"pass"`, `"fail"` or `"figure"`), `detail`, and the numbers behind them: `estimate` and `exact` (moment tests:
/// the sample moment and its exact value), `standardError` (sd/√ESS), `ess` (the mean-ESS of the moment test, or of
/// the coordinate for `rhat`), `essBulk` and `essTail` (`rhat`: Vehtari et al. 2021, as ArviZ computes them), and
/// `sampleCount` (the draws a test used: the thinned draws of KS and χ², all draws otherwise).
/// Absent optionals are omitted; non-finite numbers (which JSON cannot hold) are written as `null` and read back as
/// NaN (`statistic`) or nil.
public struct CheckEntry: Sendable, Equatable, Codable {
    /// What kind of check a line is.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// One-sample Kolmogorov–Smirnov test of a marginal (p-value).
        case ks
        /// χ² goodness of fit of a binned marginal (p-value).
        case chi2
        /// z-test of a moment (two-sided p-value).
        case moment
        /// Split-R̂ against a threshold (no p-value).
        case rhat
        /// Kernel Stein discrepancy: a figure, not a pass/fail test.
        case ksd
    }

    /// E.g. `ks[x]`, `chi2[y]`, `mean[x]`, `second-moment[x]`, `mean-energy`, `rhat[x]`, `ksd`.
    public var name: String
    public var kind: Kind
    /// The test statistic: D_n, X², the sample moment, R̂, or the KSD.
    public var statistic: Double
    /// The family-wise α for p-value tests, the R̂ bound for `rhat`; nil for `ksd`.
    public var threshold: Double?
    /// The unadjusted p-value (ks, chi2, moment).
    public var pValue: Double?
    /// Holm-adjusted p-value; the test passes when it exceeds the family-wise α.
    public var adjustedPValue: Double?
    /// z = (sample mean − exact)/SE (moment tests).
    public var zScore: Double?
    /// nil for figures (ksd).
    public var passed: Bool?
    /// Human-readable context (sample sizes, thinning, exact value, SE, …).
    public var detail: String
    /// The estimate tested: the sample moment (moment tests), else nil.
    public var estimate: Double?
    /// The exact value the estimate is compared with (moment tests).
    public var exact: Double?
    /// The standard error of the estimate, sd/√ESS (moment tests).
    public var standardError: Double?
    /// The mean-ESS behind the standard error (moment tests), or of the coordinate (`rhat`).
    public var effectiveSampleSize: Double?
    /// Bulk ESS of the coordinate (`rhat` lines; Vehtari et al. 2021).
    public var bulkEffectiveSampleSize: Double?
    /// Tail ESS of the coordinate (`rhat` lines; Vehtari et al. 2021).
    public var tailEffectiveSampleSize: Double?
    /// Number of draws the test used.
    public var sampleCount: Int?

    /// `"pass"`, `"fail"` or `"figure"` (no verdict).
    public var verdict: String {
        switch passed {
        case .some(true): "pass"
        case .some(false): "fail"
        case .none: "figure"
        }
    }

    public init(name: String, kind: Kind, statistic: Double, threshold: Double? = nil, pValue: Double? = nil,
                adjustedPValue: Double? = nil, zScore: Double? = nil, passed: Bool? = nil, detail: String = "") {
        self.name = name
        self.kind = kind
        self.statistic = statistic
        self.threshold = threshold
        self.pValue = pValue
        self.adjustedPValue = adjustedPValue
        self.zScore = zScore
        self.passed = passed
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, statistic, threshold, pValue, adjustedPValue, zScore, passed, detail
        case verdict, estimate, exact, standardError, sampleCount
        case effectiveSampleSize = "ess", bulkEffectiveSampleSize = "essBulk", tailEffectiveSampleSize = "essTail"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        statistic = try c.decodeIfPresent(Double.self, forKey: .statistic) ?? .nan
        threshold = try c.decodeIfPresent(Double.self, forKey: .threshold)
        pValue = try c.decodeIfPresent(Double.self, forKey: .pValue)
        adjustedPValue = try c.decodeIfPresent(Double.self, forKey: .adjustedPValue)
        zScore = try c.decodeIfPresent(Double.self, forKey: .zScore)
        passed = try c.decodeIfPresent(Bool.self, forKey: .passed)
        detail = try c.decodeIfPresent(String.self, forKey: .detail) ?? ""
        estimate = try c.decodeIfPresent(Double.self, forKey: .estimate)
        exact = try c.decodeIfPresent(Double.self, forKey: .exact)
        standardError = try c.decodeIfPresent(Double.self, forKey: .standardError)
        effectiveSampleSize = try c.decodeIfPresent(Double.self, forKey: .effectiveSampleSize)
        bulkEffectiveSampleSize = try c.decodeIfPresent(Double.self, forKey: .bulkEffectiveSampleSize)
        tailEffectiveSampleSize = try c.decodeIfPresent(Double.self, forKey: .tailEffectiveSampleSize)
        sampleCount = try c.decodeIfPresent(Int.self, forKey: .sampleCount)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put(_ v: Double?, _ key: CodingKeys, nullWhenAbsent: Bool = false) throws {
            if let v, v.isFinite { try c.encode(v, forKey: key) }
            else if v != nil || nullWhenAbsent { try c.encodeNil(forKey: key) }
        }
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try put(statistic, .statistic, nullWhenAbsent: true)
        try put(threshold, .threshold)
        try put(pValue, .pValue)
        try put(adjustedPValue, .adjustedPValue)
        try put(zScore, .zScore)
        try c.encodeIfPresent(passed, forKey: .passed)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(detail, forKey: .detail)
        try put(estimate, .estimate)
        try put(exact, .exact)
        try put(standardError, .standardError)
        try put(effectiveSampleSize, .effectiveSampleSize)
        try put(bulkEffectiveSampleSize, .bulkEffectiveSampleSize)
        try put(tailEffectiveSampleSize, .tailEffectiveSampleSize)
        try c.encodeIfPresent(sampleCount, forKey: .sampleCount)
    }
}

/// The verdict of a ``BoltzmannCheck``: every test with its statistic, threshold and outcome.
///
/// JSON (via any `Encoder`): `{"passed": …, "familywiseAlpha": …, "rHatThreshold": …, "chainCount": …,
/// "drawCount": …, "checks": [CheckEntry…]}`.
public struct CheckReport: Sendable, Equatable, Codable {
    /// True when every p-value test survives Holm's procedure at ``familywiseAlpha`` and every R̂ is below
    /// ``rHatThreshold``. Figures (KSD) do not count.
    public var passed: Bool
    /// The family-wise error rate α controlled over all p-value tests.
    public var familywiseAlpha: Double
    /// The R̂ bound.
    public var rHatThreshold: Double
    /// Number of chains checked.
    public var chainCount: Int
    /// Total draws over all chains.
    public var drawCount: Int
    /// The individual checks, in order: per coordinate KS, χ², mean, second moment, R̂; then ⟨U⟩; then KSD.
    public var entries: [CheckEntry]

    enum CodingKeys: String, CodingKey {
        case passed, familywiseAlpha, rHatThreshold, chainCount, drawCount
        case entries = "checks"
    }

    public init(passed: Bool, familywiseAlpha: Double, rHatThreshold: Double, chainCount: Int, drawCount: Int,
                entries: [CheckEntry]) {
        self.passed = passed
        self.familywiseAlpha = familywiseAlpha
        self.rHatThreshold = rHatThreshold
        self.chainCount = chainCount
        self.drawCount = drawCount
        self.entries = entries
    }

    /// The entry with this name, if any.
    public func entry(named name: String) -> CheckEntry? { entries.first { $0.name == name } }

    /// The entries that failed.
    public var failures: [CheckEntry] { entries.filter { $0.passed == false } }

    /// A fixed-width table for people, one line per check and a verdict line.
    public func renderTable() -> String {
        let header = ["check", "kind", "statistic", "threshold", "p", "Holm p", "z", "result", "detail"]
        var rows: [[String]] = [header]
        for e in entries {
            let threshold: String
            switch e.kind {
            case .rhat: threshold = e.threshold.map { "< " + formatNumber($0) } ?? "-"
            case .ksd: threshold = "-"
            default: threshold = e.threshold.map { "α=" + formatNumber($0) } ?? "-"
            }
            let result: String
            switch e.passed {
            case .some(true): result = "pass"
            case .some(false): result = "FAIL"
            case .none: result = "(figure)"
            }
            rows.append([e.name, e.kind.rawValue, formatNumber(e.statistic), threshold,
                         e.pValue.map { formatNumber($0, significant: 3) } ?? "-",
                         e.adjustedPValue.map { formatNumber($0, significant: 3) } ?? "-",
                         e.zScore.map { formatNumber($0, significant: 3) } ?? "-", result, e.detail])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for r in rows { for (k, cell) in r.enumerated() { widths[k] = max(widths[k], cell.count) } }
        var out = ""
        for (index, r) in rows.enumerated() {
            var line = ""
            for (k, cell) in r.enumerated() {
                if k == r.count - 1 { line += cell } else {
                    line += cell + String(repeating: " ", count: widths[k] - cell.count + 2)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if index == 0 {
                out += String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)) + "\n"
            }
        }
        let tests = entries.filter { $0.pValue != nil }.count
        out += (passed ? "PASSED" : "FAILED") + ": \(tests) p-value tests at family-wise α = "
            + formatNumber(familywiseAlpha) + " (Holm–Bonferroni), R̂ < " + formatNumber(rHatThreshold)
            + "; \(chainCount) chain(s), \(drawCount) draws\n"
        return out
    }
}
