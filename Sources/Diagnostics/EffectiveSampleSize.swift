// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport
import LangevinCore

import Platform

/// The integrated autocorrelation time of one scalar series and the effective sample size it implies.
///
/// For a stationary series with autocorrelation function ρ(k), the integrated autocorrelation time is
///
///     τ = 1 + 2 Σ_{k≥1} ρ(k),
///
/// so that Var(x̄) ≈ τ σ² / n and the effective sample size is ESS = n / τ (Sokal 1997, eq. 2.19–2.21).
public struct AutocorrelationEstimate: Sendable, Equatable, Codable {
    /// Length n of the series.
    public var sampleCount: Int
    /// Sample mean x̄.
    public var mean: Double
    /// Sample variance γ̂(0) (denominator n).
    public var variance: Double
    /// Estimated integrated autocorrelation time τ̂ (≥ 1 / log₁₀ n; NaN for a constant series).
    public var integratedTime: Double
    /// n / τ̂ (NaN for a constant series).
    public var effectiveSampleSize: Double
    /// The last lag summed by Geyer's initial monotone sequence (the window W).
    public var truncationLag: Int
    /// Approximate standard error of τ̂ from the Madras–Sokal formula Var(τ̂) ≈ 2(2W + 1) τ² / n
    /// (Madras & Sokal 1988, eq. 2.24; Sokal 1997, eq. 3.19), W the truncation lag.
    public var integratedTimeStandardError: Double

    public init(sampleCount: Int, mean: Double, variance: Double, integratedTime: Double, effectiveSampleSize: Double,
                truncationLag: Int, integratedTimeStandardError: Double) {
        self.sampleCount = sampleCount
        self.mean = mean
        self.variance = variance
        self.integratedTime = integratedTime
        self.effectiveSampleSize = effectiveSampleSize
        self.truncationLag = truncationLag
        self.integratedTimeStandardError = integratedTimeStandardError
    }
}

/// A chain too short for a trustworthy autocorrelation time, in the manner of emcee's `AutocorrError`
/// (Foreman-Mackey et al. 2013): it carries the estimate that was obtained anyway.
public struct ChainTooShortError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the estimate is not trusted.
    public enum Reason: Sendable, Equatable {
        /// Fewer samples than the absolute minimum.
        case tooFewSamples(minimum: Int)
        /// n < c·τ̂ (emcee's criterion, c = 50 by default).
        case shorterThanMultipleOfTime(multiple: Double)
    }
    public var reason: Reason
    /// The (partial) estimate, computed as if the chain were long enough.
    public var estimate: AutocorrelationEstimate

    public init(reason: Reason, estimate: AutocorrelationEstimate) {
        self.reason = reason
        self.estimate = estimate
    }

    /// The chain length that would satisfy the criterion.
    public var requiredLength: Int {
        switch reason {
        case .tooFewSamples(let minimum): return minimum
        case .shorterThanMultipleOfTime(let c):
            let t = estimate.integratedTime
            return t.isFinite ? Int((c * t).rounded(.up)) : Int.max
        }
    }

    public var description: String {
        switch reason {
        case .tooFewSamples(let minimum):
            return "the chain has \(estimate.sampleCount) samples; at least \(minimum) are needed to estimate its "
                + "autocorrelation time"
        case .shorterThanMultipleOfTime(let c):
            return "the chain (\(estimate.sampleCount) samples) is shorter than \(formatNumber(c)) times its "
                + "integrated autocorrelation time τ ≈ \(formatNumber(estimate.integratedTime)); run at least "
                + "\(requiredLength) steps (current estimate ESS ≈ \(formatNumber(estimate.effectiveSampleSize)))"
        }
    }

    /// The same failure as a ``LangevinError`` (code `invalid-data`).
    public var asLangevinError: LangevinError { LangevinError(.invalidData, description) }
}

/// Result of the multi-chain estimators of ``EffectiveSampleSize/multiChain(_:split:)``.
public struct MultiChainEstimate: Sendable, Equatable, Codable {
    /// Number of (split) chains M used.
    public var chainCount: Int
    /// Draws per (split) chain N used (chains are truncated to the shortest).
    public var drawsPerChain: Int
    /// Combined integrated autocorrelation time τ̂ = M N / ESS.
    public var integratedTime: Double
    /// Combined effective sample size of the pooled draws.
    public var effectiveSampleSize: Double
    /// Potential scale reduction R̂ = √(var⁺ / W) of the same (split) chains.
    public var rHat: Double
    /// Last lag summed by Geyer's initial monotone sequence.
    public var truncationLag: Int
}

/// Effective sample size, integrated autocorrelation time and potential scale reduction.
///
/// **Single chain.** Autocovariances γ̂(k) = (1/n) Σ_{t<n−k} (x_t − x̄)(x_{t+k} − x̄) are computed for every lag by FFT
/// (zero-padded to a power of two ≥ 2n, so the circular correlation equals the linear one), O(n log n).
/// τ is estimated by Geyer's initial monotone sequence estimator (Geyer 1992, §3.3): with ρ̂(k) = γ̂(k)/γ̂(0) and the
/// pair sums Γ_m = ρ̂(2m) + ρ̂(2m+1), which are positive, decreasing and convex for a reversible chain, sum Γ_m while
/// they stay positive (initial positive sequence), each replaced by the minimum of itself and the previous ones
/// (initial monotone sequence); then τ̂ = −1 + 2 Σ_m Γ_m. τ̂ is bounded below by 1/log₁₀ n so that antithetic
/// chains cannot claim ESS > n log₁₀ n (Vehtari et al. 2021, §3.2).
///
/// **Several chains.** The combined autocorrelation of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021, eq. 10),
///
///     ρ̂_t = 1 − (W − (1/M) Σ_m γ̂_{m}(t)) / var⁺,   var⁺ = (N−1)/N · W + B/N,
///
/// with W the mean within-chain variance and B/N the variance of the chain means, is fed to the same Geyer sequence;
/// ESS = M N / τ̂. With `split`, each chain is first cut into halves (Gelman et al. 2013, §11.4), which makes a drift
/// within a chain visible as disagreement between halves.
public enum EffectiveSampleSize {
    /// emcee's default: the chain must be at least 50 τ̂ long for τ̂ to be trusted (Foreman-Mackey et al. 2013).
    public static let defaultMinimumLengthInTime = 50.0
    /// The absolute minimum length for the throwing estimators.
    public static let minimumSampleCount = 20

    /// Autocovariances γ̂(0…maxLag) (denominator n, mean removed) of `x`: by FFT for n ≥ 64, by the direct sum
    /// below.
    public static func autocovariance(_ x: [Double], maxLag: Int? = nil) -> [Double] {
        let n = x.count
        guard n > 0 else { return [] }
        let lags = min(maxLag ?? (n - 1), n - 1)
        return x.withUnsafeBufferPointer { xp in
            let mean = sampleMean(xp)
            if n < 64 {
                var out = [Double](repeating: 0, count: lags + 1)
                for k in 0...lags {
                    var s = 0.0
                    for t in 0..<(n - k) { s += (xp[t] - mean) * (xp[t + k] - mean) }
                    out[k] = s / Double(n)
                }
                return out
            }
            let size = nextPowerOfTwo(2 * n)
            var re = [Double](repeating: 0, count: size)
            var im = [Double](repeating: 0, count: size)
            for t in 0..<n { re[t] = xp[t] - mean }
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in
                    fftForward(r, i)
                    // Power spectrum |X_k|², then the inverse transform. The spectrum is real and even, so the
                    // inverse transform is the forward transform divided by the length.
                    for k in 0..<size {
                        r[k] = r[k] * r[k] + i[k] * i[k]
                        i[k] = 0
                    }
                    fftForward(r, i)
                }
            }
            let scale = 1 / (Double(size) * Double(n))
            return (0...lags).map { re[$0] * scale }
        }
    }

    /// Geyer's initial monotone sequence over autocorrelations ρ(0…L): (τ̂ before the lower bound, last lag used).
    static func geyerTime(_ rho: [Double]) -> (time: Double, lag: Int) {
        var sum = 0.0
        var previous = Double.infinity
        var m = 0
        var lastLag = 0
        while 2 * m + 1 < rho.count {
            var pair = rho[2 * m] + rho[2 * m + 1]
            if !(pair > 0) { break }
            if pair > previous { pair = previous }
            sum += pair
            previous = pair
            lastLag = 2 * m + 1
            m += 1
        }
        return (-1 + 2 * sum, lastLag)
    }

    /// The lower bound 1/log₁₀(n) on τ̂ (Vehtari et al. 2021).
    static func timeFloor(_ n: Int) -> Double { 1 / log10(Double(max(n, 2))) }

    /// τ̂, ESS and related figures for one series, never throwing (for reports). A constant or empty series gives NaN.
    public static func estimate(_ x: [Double]) -> AutocorrelationEstimate {
        let n = x.count
        let acov = autocovariance(x)
        let mean = sampleMean(x)
        guard n >= 2, let g0 = acov.first, g0 > 0, g0.isFinite else {
            return AutocorrelationEstimate(sampleCount: n, mean: mean, variance: acov.first ?? .nan,
                                           integratedTime: .nan, effectiveSampleSize: .nan, truncationLag: 0,
                                           integratedTimeStandardError: .nan)
        }
        let rho = acov.map { $0 / g0 }
        let (raw, lag) = geyerTime(rho)
        let tau = max(raw, timeFloor(n))
        let se = (2 * Double(2 * lag + 1) / Double(n)).squareRoot() * tau
        return AutocorrelationEstimate(sampleCount: n, mean: mean, variance: g0, integratedTime: tau,
                                       effectiveSampleSize: Double(n) / tau, truncationLag: lag,
                                       integratedTimeStandardError: se)
    }

    /// τ̂ for one series, throwing when the chain is too short for it to be trusted: fewer than
    /// ``minimumSampleCount`` samples, a constant series, or n < c·τ̂ (emcee's rule, c = `minimumLengthInTime`).
    /// The error carries the estimate obtained anyway.
    public static func integratedAutocorrelationTime(
        _ x: [Double], minimumLengthInTime c: Double = defaultMinimumLengthInTime
    ) throws(ChainTooShortError) -> AutocorrelationEstimate {
        let e = estimate(x)
        if x.count < minimumSampleCount || !e.integratedTime.isFinite {
            throw ChainTooShortError(reason: .tooFewSamples(minimum: max(minimumSampleCount, x.count + 1)), estimate: e)
        }
        if Double(x.count) < c * e.integratedTime {
            throw ChainTooShortError(reason: .shorterThanMultipleOfTime(multiple: c), estimate: e)
        }
        return e
    }

    /// n / τ̂ for one series; throws like ``integratedAutocorrelationTime(_:minimumLengthInTime:)``.
    public static func effectiveSampleSize(
        _ x: [Double], minimumLengthInTime c: Double = defaultMinimumLengthInTime
    ) throws(ChainTooShortError) -> Double {
        try integratedAutocorrelationTime(x, minimumLengthInTime: c).effectiveSampleSize
    }

    /// The (split) chains the multi-chain estimators use: each chain truncated to the shortest length, then, with
    /// `split`, cut into a first and a last half (the middle draw of an odd length is dropped).
    static func prepareChains(_ chains: [[Double]], split: Bool) -> [[Double]] {
        guard let shortest = chains.map(\.count).min() else { return [] }
        if !split { return chains.map { Array($0.prefix(shortest)) } }
        let half = shortest / 2
        var out: [[Double]] = []
        out.reserveCapacity(2 * chains.count)
        for c in chains {
            let x = c.prefix(shortest)
            out.append(Array(x.prefix(half)))
            out.append(Array(x.suffix(half)))
        }
        return out
    }

    /// Combined ESS, τ̂ and R̂ of several chains of one scalar (see the type's documentation). Chains are truncated to
    /// the shortest; with `split` (the default) each is cut in halves first. Never throws: fewer than 4 draws per
    /// (split) chain, or zero within-chain variance, give NaN.
    public static func multiChain(_ chains: [[Double]], split: Bool = true) -> MultiChainEstimate {
        let parts = prepareChains(chains, split: split)
        let m = parts.count
        let n = parts.first?.count ?? 0
        guard m >= 1, n >= 4 else {
            return MultiChainEstimate(chainCount: m, drawsPerChain: n, integratedTime: .nan,
                                      effectiveSampleSize: .nan, rHat: .nan, truncationLag: 0)
        }
        var means = [Double](), variances = [Double]()
        var acovs: [[Double]] = []
        for p in parts {
            let a = autocovariance(p)
            acovs.append(a)
            means.append(sampleMean(p))
            variances.append(a[0] * Double(n) / Double(n - 1))
        }
        let w = sampleMean(variances)
        let betweenOverN = m > 1 ? sampleVariance(means) : 0   // B/N
        let varPlus = Double(n - 1) / Double(n) * w + betweenOverN
        let rHat = w > 0 ? (varPlus / w).squareRoot() : .nan
        guard w > 0, varPlus > 0 else {
            return MultiChainEstimate(chainCount: m, drawsPerChain: n, integratedTime: .nan,
                                      effectiveSampleSize: .nan, rHat: rHat, truncationLag: 0)
        }
        var rho = [Double](repeating: 0, count: n)
        rho[0] = 1
        for t in 1..<n {
            var s = 0.0
            for a in acovs { s += a[t] }
            rho[t] = 1 - (w - s / Double(m)) / varPlus
        }
        let total = m * n
        let (raw, lag) = geyerTime(rho)
        let tau = max(raw, timeFloor(total))
        return MultiChainEstimate(chainCount: m, drawsPerChain: n, integratedTime: tau,
                                  effectiveSampleSize: Double(total) / tau, rHat: rHat, truncationLag: lag)
    }

    /// Split-R̂ (Gelman et al. 2013, §11.4): each chain (truncated to the shortest) cut in halves; with W the mean
    /// within-half variance and B/N the variance of the half means, R̂ = √(((N−1)/N · W + B/N) / W).
    ///
    /// With `rankNormalized`, the rank-normalised version of Vehtari et al. (2021, §4.1): the maximum of the bulk R̂
    /// (draws replaced by Φ⁻¹((r − 3/8)/(S + 1/4)), r their rank among all S pooled draws, average ranks for ties)
    /// and the tail R̂ (the same for the folded draws |x − median|). Values near 1 indicate agreement; Vehtari et al.
    /// recommend R̂ < 1.01.
    public static func splitRHat(_ chains: [[Double]], rankNormalized: Bool = false) -> Double {
        let parts = prepareChains(chains, split: true)
        if !rankNormalized { return plainRHat(parts) }
        let bulk = plainRHat(rankNormalize(parts))
        let pooled = parts.flatMap { $0 }.sorted()
        guard !pooled.isEmpty else { return .nan }
        let c = pooled.count
        let median = c % 2 == 1 ? pooled[c / 2] : (pooled[c / 2 - 1] + pooled[c / 2]) / 2
        let folded = parts.map { $0.map { abs($0 - median) } }
        let tail = plainRHat(rankNormalize(folded))
        return max(bulk, tail)
    }

    static func plainRHat(_ parts: [[Double]]) -> Double {
        let m = parts.count
        let n = parts.first?.count ?? 0
        guard m >= 2, n >= 2 else { return .nan }
        let means = parts.map { sampleMean($0) }
        let w = sampleMean(parts.map { sampleVariance($0) })
        let varPlus = Double(n - 1) / Double(n) * w + sampleVariance(means)
        return w > 0 ? (varPlus / w).squareRoot() : .nan
    }

    /// Rank normalisation z = Φ⁻¹((r − 3/8)/(S + 1/4)) over the pooled draws (Blom 1958; Vehtari et al. 2021).
    static func rankNormalize(_ parts: [[Double]]) -> [[Double]] {
        var flat: [(value: Double, chain: Int, index: Int)] = []
        for (c, p) in parts.enumerated() { for (i, v) in p.enumerated() { flat.append((v, c, i)) } }
        flat.sort { $0.value < $1.value }
        let s = Double(flat.count)
        var out = parts
        var i = 0
        while i < flat.count {
            var j = i
            while j + 1 < flat.count && flat[j + 1].value == flat[i].value { j += 1 }
            let rank = Double(i + j) / 2 + 1   // average of the 1-based ranks i+1 … j+1
            let z = GSLDistributions.normalQuantile((rank - 0.375) / (s + 0.25))
            for k in i...j { out[flat[k].chain][flat[k].index] = z }
            i = j + 1
        }
        return out
    }
}

/// Thins a chain to nearly independent draws: keeps every k-th draw, k = ⌈multiple · τ̂⌉ (at least 1), τ̂ the
/// chain's integrated autocorrelation time (estimated here when `time` is nil; a NaN τ̂ keeps every draw).
///
/// For an exponentially decaying autocorrelation ρ(k) = ρᵏ, thinning by ⌈τ⌉ leaves a lag-1 correlation
/// ρ^⌈τ⌉ ≈ e⁻² ≈ 0.14 between kept draws (τ = (1+ρ)/(1−ρ), so ρ^τ → e⁻² as ρ → 1). Tests that assume independence
/// (KS, χ²) are then somewhat liberal — measured on AR(1) chains with ρ = 0.9, a 5% KS test rejects ≈ 8.5% of the
/// time — so ``BoltzmannCheck`` uses `multiple: 2` (residual correlation ≈ e⁻⁴ ≈ 0.02; rejection rate 5.0%).
public func thinToIndependent(_ chain: [Double], time: Double? = nil, multiple: Double = 1) -> [Double] {
    let tau = time ?? EffectiveSampleSize.estimate(chain).integratedTime
    let k = thinningInterval(time: tau, multiple: multiple)
    if k == 1 { return chain }
    return Swift.stride(from: 0, to: chain.count, by: k).map { chain[$0] }
}

/// Thins each chain by its own ⌈multiple · τ̂⌉ and pools the kept draws.
public func thinToIndependent(chains: [[Double]], multiple: Double = 1) -> [Double] {
    chains.flatMap { thinToIndependent($0, multiple: multiple) }
}

/// ⌈multiple · τ⌉, at least 1 (1 for a non-finite τ).
public func thinningInterval(time: Double, multiple: Double = 1) -> Int {
    let k = (multiple * time).rounded(.up)
    guard k.isFinite, k >= 1 else { return 1 }
    return Int(min(k, Double(Int32.max)))
}
