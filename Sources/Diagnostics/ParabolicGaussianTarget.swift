// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport
import LangevinCore

import Platform

extension BoltzmannTarget {
    /// The law x ∼ N(μ, v), y | x ∼ N(x², s²) — a Gaussian bent onto the parabola y = x², the Boltzmann law of the
    /// Rosenbrock banana — with its marginals computed without 2-D quadrature:
    ///
    ///     P(x ≤ t) = Φ((t − μ)/√v),
    ///     P(y ≤ t) = ∫ φ_{μ,v}(x) Φ((t − x²)/s) dx,
    ///
    /// the second a 1-D integral of a bounded smooth integrand over x ∈ μ ± 12√v (the Gaussian mass outside is
    /// < 10⁻³²), split at x = ±√t where Φ steps from 0 to 1 over a width ≈ s/(2√t), each piece by GSL's QAGS to a
    /// relative accuracy of 10⁻¹⁰ (absolute 10⁻¹⁴). Why not the generic reference: the 2-D quadrature of
    /// ``BoltzmannReference`` integrates y over the whole line for each x, and for the default Rosenbrock
    /// (v = 10, s² = 0.1) the inner integrand is a spike of width 0.3 centred anywhere up to y ≈ 700, which QAGI's
    /// map y = (1 − t)/t squeezes below its first subdivision — hence GSL errors 22 (divergent) and 11 (round-off).
    ///
    /// - Parameters:
    ///   - exact: the moments to test (the potential knows them in closed form).
    ///   - energy, score: U(x) and −∇U/T for ⟨U⟩ from draws without energies and for the KSD figure.
    public static func parabolicGaussian(
        mean mu: Double, variance v: Double, conditionalVariance s2: Double, exact: ReferenceMoments,
        energy: (([Double]) -> Double)? = nil, score: (([Double]) -> [Double])? = nil
    ) -> BoltzmannTarget {
        let sdX = v.squareRoot(), s = s2.squareRoot()
        let lo = mu - 12 * sdX, hi = mu + 12 * sdX
        let yCDF: (Double) -> Double = { t in
            let f: (Double) -> Double = { x in
                let z = (x - mu) / sdX
                return exp(-0.5 * z * z) / (sdX * (2 * Double.pi).squareRoot())
                    * GSLDistributions.normalCDF((t - x * x) / s)
            }
            var cuts = [lo, hi]
            if t > 0 {
                let r = t.squareRoot()
                for c in [-r, r] where c > lo && c < hi { cuts.append(c) }
            }
            cuts.sort()
            let q = Quadrature(absoluteTolerance: 1e-14, relativeTolerance: 1e-10)
            var total = 0.0
            for k in 0..<(cuts.count - 1) {
                guard let piece = try? q.integrate(f, from: cuts[k], to: cuts[k + 1]) else { return .nan }
                total += piece.value
            }
            return min(1, max(0, total))
        }
        return BoltzmannTarget(
            dimension: 2, exact: exact,
            marginalCDFs: [{ GSLDistributions.normalCDF(($0 - mu) / sdX) }, yCDF],
            marginalQuantiles: [{ mu + sdX * GSLDistributions.normalQuantile($0) }, { p in
                // Bisection on the monotone CDF, bracketed by the x-range: y ∈ [−12 s, max(lo², hi²) + 12 s].
                var a = -12 * s, b = max(lo * lo, hi * hi) + 12 * s
                for _ in 0..<100 where b - a > 1e-12 * max(1, abs(a), abs(b)) {
                    let m = 0.5 * (a + b)
                    if yCDF(m) < p { a = m } else { b = m }
                }
                return 0.5 * (a + b)
            }],
            energy: energy, score: score)
    }
}
