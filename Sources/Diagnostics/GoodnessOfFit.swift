// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport

import Platform

/// Result of a one-sample Kolmogorov–Smirnov test.
public struct KolmogorovSmirnovResult: Sendable, Equatable, Codable {
    /// Number of draws n.
    public var sampleCount: Int
    /// D_n = sup_x |F_n(x) − F(x)|.
    public var statistic: Double
    /// λ = (√n + 0.12 + 0.11/√n) D_n (Stephens 1970).
    public var lambda: Double
    /// P(K > λ) under the Kolmogorov distribution.
    public var pValue: Double
}

/// The one-sample Kolmogorov–Smirnov test of independent draws against a continuous reference CDF F.
///
/// D_n = max_i max(i/n − F(x₍ᵢ₎), F(x₍ᵢ₎) − (i−1)/n) over the order statistics. Under H₀, √n D_n converges to the
/// Kolmogorov distribution, P(K > λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²} (Kolmogorov 1933); Stephens' modification
/// λ = (√n + 0.12 + 0.11/√n) D_n makes the asymptotic law accurate to about 1% in the upper tail for n ≥ 5
/// (Stephens 1970; Press et al., *Numerical Recipes*, 3rd ed., §14.3.3).
///
/// The draws must be (nearly) independent: thin Markov chains first (``thinToIndependent(_:time:multiple:)``).
public enum KolmogorovSmirnov {
    /// Runs the test. Draws are sorted internally; NaN draws count as +∞ (and so push D_n up).
    public static func test(_ draws: [Double], cdf: (Double) -> Double) -> KolmogorovSmirnovResult {
        let n = draws.count
        guard n > 0 else { return KolmogorovSmirnovResult(sampleCount: 0, statistic: .nan, lambda: .nan, pValue: .nan) }
        let sorted = draws.map { $0.isNaN ? Double.infinity : $0 }.sorted()
        let nn = Double(n)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = min(max(cdf(x), 0), 1)
            d = max(d, Double(i + 1) / nn - f, f - Double(i) / nn)
        }
        let root = nn.squareRoot()
        let lambda = (root + 0.12 + 0.11 / root) * d
        return KolmogorovSmirnovResult(sampleCount: n, statistic: d, lambda: lambda, pValue: survival(lambda))
    }

    /// The Kolmogorov survival function Q(λ) = P(K > λ).
    ///
    /// For λ ≥ 1.18 the alternating series 2 Σ (−1)^{j−1} e^{−2j²λ²} (terms fall by e^{−6λ²} ≤ 2·10⁻⁴ at once);
    /// below, the Jacobi-theta form P(K ≤ λ) = (√(2π)/λ) Σ_{j≥1} e^{−(2j−1)²π²/(8λ²)}, which converges as fast there.
    /// Accuracy ≈ 10⁻¹⁵ absolute.
    public static func survival(_ lambda: Double) -> Double {
        if lambda.isNaN { return .nan }
        if lambda <= 0 { return 1 }
        if lambda < 1.18 {
            let y = -Double.pi * Double.pi / (8 * lambda * lambda)
            var s = 0.0
            for j in 1...20 {
                let k = Double(2 * j - 1)
                let term = exp(k * k * y)
                s += term
                if term < 1e-17 * s { break }
            }
            return max(0, min(1, 1 - (2 * Double.pi).squareRoot() / lambda * s))
        }
        var s = 0.0
        var sign = 1.0
        for j in 1...100 {
            let jj = Double(j)
            let term = exp(-2 * jj * jj * lambda * lambda)
            s += sign * term
            if term < 1e-17 * abs(s) || term == 0 { break }
            sign = -sign
        }
        return max(0, min(1, 2 * s))
    }
}

/// Result of a χ² goodness-of-fit test on binned draws.
public struct ChiSquaredResult: Sendable, Equatable, Codable {
    /// Number of draws n.
    public var sampleCount: Int
    /// Bins after merging those with expected count < the minimum.
    public var binCount: Int
    /// X² = Σ_k (O_k − E_k)² / E_k.
    public var statistic: Double
    /// Degrees of freedom (bins − 1).
    public var degreesOfFreedom: Int
    /// P(χ²_ν > X²), `gsl_cdf_chisq_Q`.
    public var pValue: Double
    /// Observed counts per (merged) bin.
    public var observed: [Int]
    /// Expected counts n p_k per (merged) bin.
    public var expected: [Double]
}

/// Pearson's χ² goodness-of-fit test of independent draws against a reference law given by its CDF.
///
/// Bins are (−∞, e₀], (e₀, e₁], …, (e_{K−2}, ∞) for interior edges e; expected probabilities p_k = F(e_k) − F(e_{k−1}).
/// Adjacent bins are merged, left to right, until each expected count n p_k is at least 5 (Cochran 1954); a short
/// remainder at the right end joins the last full bin. X² = Σ (O_k − E_k)²/E_k is referred to χ² with K − 1 degrees
/// of freedom (no parameters are fitted). Correlated draws inflate X²: pass thinned draws
/// (``thinToIndependent(_:time:multiple:)``) — the choice made by ``BoltzmannCheck``; rescaling the counts by ESS/n
/// would assume one variance inflation for every bin, which is wrong because bin indicators decorrelate at different
/// rates.
public enum ChiSquaredTest {
    /// The test with the given interior bin edges (strictly increasing).
    public static func test(_ draws: [Double], cdf: (Double) -> Double, edges: [Double],
                            minimumExpected: Double = 5) -> ChiSquaredResult {
        let n = draws.count
        let nn = Double(n)
        let k = edges.count + 1
        var probabilities = [Double](repeating: 0, count: k)
        var previous = 0.0
        for (i, e) in edges.enumerated() {
            let f = min(max(cdf(e), 0), 1)
            probabilities[i] = max(0, f - previous)
            previous = max(previous, f)
        }
        probabilities[k - 1] = max(0, 1 - previous)
        var counts = [Int](repeating: 0, count: k)
        for x in draws {
            // Bin index: number of edges e with e < x (binary search); NaN draws go to the last bin.
            var lo = 0, hi = edges.count
            if x.isNaN { lo = edges.count } else {
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if edges[mid] < x { lo = mid + 1 } else { hi = mid }
                }
            }
            counts[lo] += 1
        }
        // Merge bins with small expected counts.
        var observed: [Int] = [], expected: [Double] = []
        var o = 0, e = 0.0
        for i in 0..<k {
            o += counts[i]
            e += nn * probabilities[i]
            if e >= minimumExpected {
                observed.append(o)
                expected.append(e)
                o = 0
                e = 0
            }
        }
        if e > 0 || o > 0 {
            if observed.isEmpty {
                observed.append(o)
                expected.append(e)
            } else {
                observed[observed.count - 1] += o
                expected[expected.count - 1] += e
            }
        }
        var x2 = 0.0
        for i in observed.indices {
            let d = Double(observed[i]) - expected[i]
            x2 += expected[i] > 0 ? d * d / expected[i] : (observed[i] > 0 ? .infinity : 0)
        }
        let dof = observed.count - 1
        let p = dof >= 1 ? GSLDistributions.chiSquaredUpperTail(x2, degreesOfFreedom: Double(dof)) : .nan
        return ChiSquaredResult(sampleCount: n, binCount: observed.count, statistic: x2, degreesOfFreedom: dof,
                                pValue: p, observed: observed, expected: expected)
    }

    /// Interior edges of `bins` equiprobable bins of the law with CDF `cdf`: e_k = F⁻¹(k / bins), k = 1 … bins−1,
    /// by `quantile` when given, otherwise by ``inverseCDF(_:_:)``.
    public static func equiprobableEdges(bins: Int, cdf: (Double) -> Double,
                                         quantile: ((Double) -> Double)? = nil) -> [Double] {
        guard bins >= 2 else { return [] }
        var edges: [Double] = []
        for k in 1..<bins {
            let p = Double(k) / Double(bins)
            let e = quantile?(p) ?? inverseCDF(cdf, p)
            if e.isFinite, edges.last.map({ e > $0 }) ?? true { edges.append(e) }
        }
        return edges
    }
}

/// F⁻¹(p) for a continuous CDF: a bracket grown geometrically from [−1, 1], then bisection to 10⁻¹³ relative
/// (or 200 halvings). Returns ±∞ when p ≤ 0 or p ≥ 1, or when no bracket is found.
public func inverseCDF(_ cdf: (Double) -> Double, _ p: Double) -> Double {
    if !(p > 0) { return -.infinity }
    if !(p < 1) { return .infinity }
    var lo = -1.0, hi = 1.0
    var tries = 0
    while cdf(lo) > p && tries < 1100 { lo *= 2; tries += 1 }
    tries = 0
    while cdf(hi) < p && tries < 1100 { hi *= 2; tries += 1 }
    guard lo.isFinite, hi.isFinite else { return cdf(lo) > p ? -.infinity : .infinity }
    for _ in 0..<200 {
        let mid = 0.5 * (lo + hi)
        if cdf(mid) < p { lo = mid } else { hi = mid }
        if hi - lo <= 1e-13 * max(1, abs(mid)) { break }
    }
    return 0.5 * (lo + hi)
}

/// Result of a z-test of a sample mean against an exact expectation.
public struct MomentTestResult: Sendable, Equatable, Codable {
    /// Pooled sample mean of f.
    public var sampleMean: Double
    /// The exact ⟨f⟩.
    public var exact: Double
    /// Pooled sample standard deviation of f.
    public var standardDeviation: Double
    /// Effective sample size of the f-series (multi-chain, split).
    public var effectiveSampleSize: Double
    /// SE = sd / √ESS.
    public var standardError: Double
    /// z = (mean − exact) / SE.
    public var zScore: Double
    /// Two-sided p = 2 (1 − Φ(|z|)).
    public var pValue: Double
}

/// Moment z-scores for Markov chain averages.
///
/// For f evaluated along the chains, z = (f̄ − ⟨f⟩) / SE with SE = s_f / √ESS_f, s_f the pooled sample standard
/// deviation and ESS_f the multi-chain split effective sample size of the f-series (Vehtari et al. 2021); by the
/// Markov chain central limit theorem z ≈ N(0, 1) under H₀ (Geyer 1992), and p = 2(1 − Φ(|z|)).
public enum MomentTest {
    /// The test for per-chain series of f-values.
    public static func test(_ chains: [[Double]], exact: Double) -> MomentTestResult {
        let pooled = chains.flatMap { $0 }
        let mean = sampleMean(pooled)
        let sd = sampleVariance(pooled).squareRoot()
        var ess = EffectiveSampleSize.multiChain(chains).effectiveSampleSize
        if !(ess > 0) { ess = Double(pooled.count) }
        let se = sd / ess.squareRoot()
        let diff = mean - exact
        let z: Double = se > 0 ? diff / se : (diff == 0 ? 0 : (diff > 0 ? .infinity : -.infinity))
        let p = z.isNaN ? Double.nan : 2 * GSLDistributions.normalUpperTail(abs(z))
        return MomentTestResult(sampleMean: mean, exact: exact, standardDeviation: sd, effectiveSampleSize: ess,
                                standardError: se, zScore: z, pValue: min(1, p))
    }
}

/// Holm's step-down procedure (Holm 1979): controls the family-wise error rate at α for any dependence between tests.
///
/// With p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted p-values are p̃₍ₖ₎ = max_{j≤k} min(1, (m − j + 1) p₍ⱼ₎); hypothesis k is rejected
/// when p̃₍ₖ₎ ≤ α. A NaN p-value is treated as 0 (rejected): a test that could not be computed does not pass.
public enum HolmBonferroni {
    /// Adjusted p-values, in the order of `pValues`.
    public static func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let p = pValues.map { $0.isNaN ? 0 : $0 }
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }

    /// Whether each hypothesis is rejected at family-wise level α.
    public static func reject(_ pValues: [Double], alpha: Double) -> [Bool] {
        adjust(pValues).map { $0 <= alpha }
    }
}
