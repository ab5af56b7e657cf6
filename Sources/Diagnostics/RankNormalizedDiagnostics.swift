// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

import Platform

/// The convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021) as users know them from
/// ArviZ's and Stan's summaries: rank-normalised split-R̂, bulk ESS and tail ESS, plus the mean-ESS computed the
/// same way (``ArviZStyleESS/mean(_:)``).
///
/// Conventions (all as in ArviZ's `rhat(method="rank")` and `ess(method="bulk"|"tail"|"mean")`):
/// - chains must have equal length N ≥ 4; each is **split** into a first and a last half of ⌊N/2⌋ draws (the middle
///   draw of an odd N is dropped), giving M = 2·chains series;
/// - **rank normalisation** z = Φ⁻¹((r − 3/8)/(S + 1/4)), r the rank (average for ties) among all S pooled draws
///   (Blom's fractional offset c = 3/8: (r − c)/(S − 2c + 1));
/// - **folding** for the tail R̂: |x − median| of the pooled split draws, then rank normalisation;
/// - **bulk ESS**: the ESS of the rank-normalised split chains; **tail ESS**: the minimum of the ESS of the
///   indicators 1{x ≤ q₀.₀₅} and 1{x ≤ q₀.₉₅} of the split chains, q the R type-7 quantile of the pooled draws;
/// - the ESS of M series of length n: ρ̂_t = 1 − (W − mean_m γ̂_m(t)) / var⁺ with W the mean within-series
///   variance (denominator n − 1), γ̂_m the autocovariance (denominator n), var⁺ = (n−1)/n · W + B/n;
///   Geyer's initial positive sequence over the pairs (ρ̂_{2k}, ρ̂_{2k+1}) for lags t < n − 3, stopping after the
///   first pair whose sum is negative, which is not used except for a positive even term; then the initial
///   monotone sequence (a pair larger than its predecessor is replaced by the mean of the predecessor);
///   τ̂ = −1 + 2 Σ_{t ≤ T} ρ̂_t + ρ̂_{T+1}, bounded below by 1/log₁₀(Mn); ESS = Mn/τ̂. A series set that is
///   constant to within 10⁻¹⁵ has ESS = Mn.
///
/// ``EffectiveSampleSize/multiChain(_:split:)`` is this project's own **mean-ESS** (the same estimator without the
/// extra positive even term and with truncation at the first non-positive pair), which the moment z-tests of
/// ``BoltzmannCheck`` use for their standard errors; the two agree to a fraction of a percent on long chains.
public enum ArviZStyleESS {
    /// A problem with the shape of the input (these estimators return NaN for it in ArviZ; here it is an error).
    static func validate(_ chains: [[Double]]) -> Bool {
        guard let n = chains.first?.count, n >= 4 else { return false }
        return chains.allSatisfy { $0.count == n && $0.allSatisfy { !$0.isNaN } }
    }

    /// Bulk ESS: the ESS of the rank-normalised split chains. NaN for fewer than 4 draws, unequal lengths or NaN.
    public static func bulk(_ chains: [[Double]]) -> Double {
        guard validate(chains) else { return .nan }
        return ess(EffectiveSampleSize.rankNormalize(split(chains)))
    }

    /// Tail ESS: min over p ∈ {0.05, 0.95} of the ESS of the split indicators 1{x ≤ q_p}.
    public static func tail(_ chains: [[Double]], probabilities: (Double, Double) = (0.05, 0.95)) -> Double {
        guard validate(chains) else { return .nan }
        return min(quantileESS(chains, probabilities.0), quantileESS(chains, probabilities.1))
    }

    /// Mean-ESS as ArviZ computes it: the ESS of the split chains themselves.
    public static func mean(_ chains: [[Double]]) -> Double {
        guard validate(chains) else { return .nan }
        return ess(split(chains))
    }

    /// Rank-normalised split-R̂: max(bulk R̂, tail R̂). Needs ≥ 2 chains of equal length ≥ 4 (NaN otherwise).
    public static func rankNormalizedSplitRHat(_ chains: [[Double]]) -> Double {
        guard chains.count >= 2, validate(chains) else { return .nan }
        return EffectiveSampleSize.splitRHat(chains, rankNormalized: true)
    }

    /// The ESS of the 1{x ≤ q_p} indicators of the split chains.
    static func quantileESS(_ chains: [[Double]], _ p: Double) -> Double {
        let q = type7Quantile(chains.flatMap { $0 }.sorted(), p)
        return ess(split(chains.map { $0.map { $0 <= q ? 1.0 : 0.0 } }))
    }

    /// The R type-7 quantile of sorted draws: with h = (S − 1)p, (1 − g)·x₍ₖ₎ + g·x₍ₖ₊₁₎, k = ⌊h⌋, g = h − k
    /// (0-based order statistics).
    static func type7Quantile(_ sorted: [Double], _ p: Double) -> Double {
        let s = sorted.count
        if s == 1 { return sorted[0] }
        let aleph = Double(s) * p + (1 - p)          // 1-based position (S − 1)p + 1
        let k = min(max(Int(aleph.rounded(.down)), 1), s - 1)
        let g = min(max(aleph - Double(k), 0), 1)
        return (1 - g) * sorted[k - 1] + g * sorted[k]
    }

    /// Each chain's first ⌊N/2⌋ and last ⌊N/2⌋ draws: all first halves, then all last halves.
    static func split(_ chains: [[Double]]) -> [[Double]] {
        let half = chains[0].count / 2
        return chains.map { Array($0.prefix(half)) } + chains.map { Array($0.suffix(half)) }
    }

    /// The multi-series ESS with ArviZ's truncation (see the type's documentation); the series are used as given.
    static func ess(_ series: [[Double]]) -> Double {
        let m = series.count
        let n = series[0].count
        let all = series.flatMap { $0 }
        if let lo = all.min(), let hi = all.max(), hi - lo < 1e-15 { return Double(all.count) }
        let acov = series.map { EffectiveSampleSize.autocovariance($0) }
        let meanAcov: (Int) -> Double = { t in
            var s = 0.0
            for a in acov { s += a[t] }
            return s / Double(m)
        }
        let w = meanAcov(0) * Double(n) / Double(n - 1)
        var varPlus = w * Double(n - 1) / Double(n)
        if m > 1 { varPlus += sampleVariance(series.map { sampleMean($0) }) }
        let rhoAt: (Int) -> Double = { t in 1 - (w - meanAcov(t)) / varPlus }

        var rho = [Double](repeating: 0, count: n)
        rho[0] = 1
        var even = 1.0
        var odd = rhoAt(1)
        rho[1] = odd
        // Initial positive sequence.
        var t = 1
        while t < n - 3 && even + odd > 0 {
            even = rhoAt(t + 1)
            odd = rhoAt(t + 2)
            if even + odd >= 0 {
                rho[t + 1] = even
                rho[t + 2] = odd
            }
            t += 2
        }
        let last = t - 2
        if even > 0 { rho[last + 1] = even }
        // Initial monotone sequence.
        t = 1
        while t <= last - 2 {
            if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t] {
                rho[t + 1] = (rho[t - 1] + rho[t]) / 2
                rho[t + 2] = rho[t + 1]
            }
            t += 2
        }
        if rho.contains(where: { $0.isNaN }) { return .nan }
        var sum = 0.0
        if last >= 0 { for k in 0...last { sum += rho[k] } }
        var tau = -1 + 2 * sum + (last + 1 < n ? rho[last + 1] : 0)
        let total = Double(m * n)
        tau = max(tau, 1 / log10(total))
        return total / tau
    }
}
