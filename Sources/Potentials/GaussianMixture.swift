// SPDX-License-Identifier: GPL-3.0-or-later

import Platform

import LangevinCore

/// The negative log-density of a mixture of isotropic normals in d dimensions:
///
///     U(x) = −log Σₖ wₖ N(x; μₖ, σₖ² I),   N(x; μ, σ² I) = (2πσ²)^{−d/2} exp(−|x − μ|² / (2σ²)),
///     ∇U(x) = Σₖ ρₖ(x) (x − μₖ) / σₖ²,     ρₖ(x) = wₖ N(x; μₖ, σₖ² I) / Σⱼ wⱼ N(x; μⱼ, σⱼ² I).
///
/// The weights are normalised to sum to 1 (components of weight 0 are dropped), so exp(−U) is the mixture density
/// itself, normalisation included. The sum is evaluated as a streaming log-sum-exp (the running maximum is
/// rescaled as it grows), so U and ∇U stay accurate far in the tails where every term underflows, and a call
/// allocates nothing.
///
/// Known exactly at T = 1 only, where π₁ is the mixture: ⟨x⟩ = Σₖ wₖ μₖ and, per coordinate,
/// Var(xᵢ) = Σₖ wₖ (σₖ² + (μₖᵢ − ⟨xᵢ⟩)²). ⟨U⟩ at T = 1 is the mixture's differential entropy, which has no closed
/// form. At T ≠ 1, π_T ∝ p(x)^{1/T} is not a mixture of normals and nothing is reported.
public struct GaussianMixture: Energy, Sendable, Equatable {
    public typealias Scalar = Double

    public let dimension: Int
    /// wₖ, normalised to sum 1, without zero-weight components.
    public let weights: [Double]
    /// μₖ, flattened component by component: μₖᵢ is `means[k * dimension + i]`.
    public let means: [Double]
    /// σₖ > 0.
    public let standardDeviations: [Double]
    /// log wₖ − d log σₖ − (d/2) log 2π.
    @usableFromInline let logNormalisers: [Double]
    /// 1/σₖ².
    @usableFromInline let inverseVariances: [Double]

    /// A one-dimensional mixture.
    ///
    /// - Parameters:
    ///   - weights: wₖ ≥ 0, not all 0 (normalised here).
    ///   - means: μₖ, one per component.
    ///   - standardDeviations: σₖ > 0, one per component.
    public init(weights: [Double], means: [Double], standardDeviations: [Double]) throws(LangevinError) {
        try self.init(weights: weights, means: means.map { [$0] }, standardDeviations: standardDeviations)
    }

    /// A d-dimensional mixture of isotropic components N(μₖ, σₖ² I).
    ///
    /// - Parameters:
    ///   - weights: wₖ ≥ 0, not all 0 (normalised here).
    ///   - means: μₖ, one vector per component, all of the same length d ≥ 1.
    ///   - standardDeviations: σₖ > 0, one per component.
    public init(weights: [Double], means: [[Double]], standardDeviations: [Double]) throws(LangevinError) {
        let k = weights.count
        guard k >= 1 else { throw .invalidParameter("a Gaussian mixture needs at least one component") }
        guard means.count == k, standardDeviations.count == k else {
            throw .invalidParameter(
                "a Gaussian mixture needs as many means (\(means.count)) and standard deviations "
                    + "(\(standardDeviations.count)) as weights (\(k))")
        }
        let d = means[0].count
        guard d >= 1 else { throw .invalidParameter("the component means must have at least one coordinate") }
        var total = 0.0
        for j in 0..<k {
            try requireNonNegative(weights[j], "mixture weight w\(j + 1)")
            try requirePositive(standardDeviations[j], "mixture standard deviation σ\(j + 1)")
            guard means[j].count == d else {
                throw .invalidParameter(
                    "mixture mean μ\(j + 1) has \(means[j].count) coordinates, μ1 has \(d)")
            }
            for (i, m) in means[j].enumerated() { try requireFinite(m, "mixture mean μ\(j + 1)[\(i + 1)]") }
            total += weights[j]
        }
        guard total > 0, total.isFinite else {
            throw .invalidParameter("the mixture weights must have a finite, positive sum, got \(total)")
        }
        var w: [Double] = [], mu: [Double] = [], sd: [Double] = [], c: [Double] = [], iv: [Double] = []
        for j in 0..<k where weights[j] > 0 {
            let wj = weights[j] / total
            let s = standardDeviations[j]
            w.append(wj)
            mu.append(contentsOf: means[j])
            sd.append(s)
            c.append(log(wj) - Double(d) * log(s) - 0.5 * Double(d) * logTwoPi)
            iv.append(1 / (s * s))
        }
        self.dimension = d
        self.weights = w
        self.means = mu
        self.standardDeviations = sd
        self.logNormalisers = c
        self.inverseVariances = iv
    }

    /// The number of components (after dropping zero weights).
    public var componentCount: Int { weights.count }

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let d = dimension
        return means.withUnsafeBufferPointer { mu in
            logNormalisers.withUnsafeBufferPointer { c in
                inverseVariances.withUnsafeBufferPointer { iv in
                    var m = -Double.infinity, s = 0.0
                    for k in 0..<c.count {
                        var r2 = 0.0
                        for i in 0..<d {
                            let dd = x[i] - mu[k * d + i]
                            r2 += dd * dd
                        }
                        let l = c[k] - 0.5 * iv[k] * r2
                        if l > m {
                            s = s * exp(m - l) + 1
                            m = l
                        } else {
                            s += exp(l - m)
                        }
                    }
                    return -(m + log(s))
                }
            }
        }
    }

    @inlinable
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let d = dimension
        return means.withUnsafeBufferPointer { mu in
            logNormalisers.withUnsafeBufferPointer { c in
                inverseVariances.withUnsafeBufferPointer { iv in
                    // g accumulates Σₖ exp(lₖ − m)(x − μₖ)/σₖ², s accumulates Σₖ exp(lₖ − m), m = maxₖ lₖ so far.
                    for i in 0..<d { g[i] = 0 }
                    var m = -Double.infinity, s = 0.0
                    for k in 0..<c.count {
                        var r2 = 0.0
                        for i in 0..<d {
                            let dd = x[i] - mu[k * d + i]
                            r2 += dd * dd
                        }
                        let l = c[k] - 0.5 * iv[k] * r2
                        let e: Double
                        if l > m {
                            let rescale = exp(m - l)
                            s *= rescale
                            for i in 0..<d { g[i] *= rescale }
                            m = l
                            e = 1
                        } else {
                            e = exp(l - m)
                        }
                        s += e
                        let f = e * iv[k]
                        for i in 0..<d { g[i] += f * (x[i] - mu[k * d + i]) }
                    }
                    let inv = 1 / s
                    for i in 0..<d { g[i] *= inv }
                    return -(m + log(s))
                }
            }
        }
    }

    /// Exact at T = 1 only (means and variances of the mixture); nil at any other temperature.
    public func exactMoments(temperature: Double) -> ExactMoments? {
        guard temperature == 1 else { return nil }
        let d = dimension
        var mean = [Double](repeating: 0, count: d)
        for k in 0..<componentCount {
            for i in 0..<d { mean[i] += weights[k] * means[k * d + i] }
        }
        var variance = [Double](repeating: 0, count: d)
        for k in 0..<componentCount {
            let s2 = standardDeviations[k] * standardDeviations[k]
            for i in 0..<d {
                let dm = means[k * d + i] - mean[i]
                variance[i] += weights[k] * (s2 + dm * dm)
            }
        }
        return ExactMoments(temperature: 1, means: mean, variances: variance)
    }

    /// The mean of the heaviest component (the first one on ties): a good place to start a chain.
    public var heaviestComponentMean: [Double] {
        var best = 0
        for k in 1..<max(componentCount, 1) where weights[k] > weights[best] { best = k }
        return Array(means[(best * dimension)..<((best + 1) * dimension)])
    }
}
