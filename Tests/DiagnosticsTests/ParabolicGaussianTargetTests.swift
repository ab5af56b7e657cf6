// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import Testing

@Suite("The parabolic-Gaussian (Rosenbrock) target")
struct ParabolicGaussianTargetTests {
    /// A gentle banana where the generic 2-D quadrature works: U = ((a − x)² + b(y − x²)²)/s with a = 0.5, b = 1,
    /// s = 1 at T = 1, so x ∼ N(0.5, 0.5), y | x ∼ N(x², 0.5). Both references must give the same marginal CDFs to
    /// the generic table's stated accuracy (closure error ≲ 10⁻⁹; we allow 10⁻⁷).
    @Test("Its marginal CDFs equal the generic 2-D quadrature's on a banana both can do")
    func agreesWithGenericQuadrature() throws {
        let a = 0.5, b = 1.0
        let u: (Double, Double) -> Double = { x, y in (a - x) * (a - x) + b * (y - x * x) * (y - x * x) }
        let generic = try BoltzmannReference(temperature: 1, energy: u)
        let v = 0.5
        let target = BoltzmannTarget.parabolicGaussian(mean: a, variance: v, conditionalVariance: v / b,
                                                       exact: ReferenceMoments())
        let cdfs = try #require(target.marginalCDFs)
        for t in stride(from: -2.0, through: 4.0, by: 0.25) {
            #expect(abs(cdfs[0](t) - generic.marginalCDF(0, at: t)) <= 1e-7, "x CDF at \(t)")
            #expect(abs(cdfs[1](t) - generic.marginalCDF(1, at: t)) <= 1e-7, "y CDF at \(t)")
        }
        // The quantile inverts the CDF.
        let quantiles = try #require(target.marginalQuantiles)
        for p in [0.01, 0.2, 0.5, 0.9, 0.999] {
            #expect(abs(cdfs[1](quantiles[1](p)) - p) <= 1e-9, "y quantile at \(p)")
        }
    }

    /// The default Rosenbrock (v = 10, s² = 0.1): the y marginal's mean c + ∫_c^∞ (1 − F) (c = −2, below all but
    /// 10⁻¹⁰ of the mass) equals the exact ⟨y⟩ = a² + v = 11 — a check of the CDF far into the heavy right tail.
    /// Trapezoid rule with h = 0.05 on a smooth integrand whose derivative vanishes at both ends (Euler–Maclaurin: error
    /// ≪ 10⁻⁴, the tolerance).
    @Test("At the default Rosenbrock parameters the y-CDF integrates to the exact mean ⟨y⟩ = 11")
    func defaultRosenbrockMean() throws {
        let target = BoltzmannTarget.parabolicGaussian(mean: 1, variance: 10, conditionalVariance: 0.1,
                                                       exact: ReferenceMoments())
        let f = try #require(target.marginalCDFs?[1])
        let c = -2.0, h = 0.05
        var mean = c
        var previous = 1 - f(c)
        for k in 1...30_000 {
            let next = 1 - f(c + Double(k) * h)
            mean += 0.5 * h * (previous + next)
            previous = next
        }
        #expect(abs(mean - 11) <= 1e-4, "⟨y⟩ from the CDF: \(mean)")
    }
}
