// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport
import LangevinCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Gaussian AR(1) chain x_{t+1} = ρ x_t + √(1−ρ²) σ ξ_t started in its stationary law: every x_t ∼ N(0, σ²),
/// corr(x_t, x_{t+k}) = ρᵏ, so τ = (1+ρ)/(1−ρ) for x, and τ = (1+ρ²)/(1−ρ²) for x² (corr(x_t², x_{t+k}²) = ρ²ᵏ).
func ar1(count n: Int, rho: Double, variance: Double = 1, seed: UInt64, stream: Int = 0) -> [Double] {
    let rng = GSLRandom(seed: seed, stream: stream)
    let sigma = variance.squareRoot()
    let innovation = (1 - rho * rho).squareRoot() * sigma
    var out = [Double](repeating: 0, count: n)
    var x = sigma * rng.nextGaussian()
    for t in 0..<n {
        out[t] = x
        x = rho * x + innovation * rng.nextGaussian()
    }
    return out
}

/// Independent N(0, σ²) draws.
func gaussianDraws(count n: Int, variance: Double = 1, seed: UInt64) -> [Double] {
    ar1(count: n, rho: 0, variance: variance, seed: seed)
}

/// Standard normal CDF.
func phi(_ x: Double) -> Double { GSLDistributions.normalCDF(x) }

/// |a − b| / |b|.
func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }
