// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import GSLSupport
import LangevinCore
import Testing

@Suite("Goodness-of-fit tests, Holm, KSD")
struct GoodnessOfFitTests {
    @Test("Kolmogorov survival function: known values and continuity between its two series")
    func kolmogorovSurvival() {
        // Reference values of Q(λ) = 2 Σ (−1)^{j−1} exp(−2j²λ²), summed to convergence independently.
        func series(_ l: Double) -> Double {
            var s = 0.0
            for j in 1...200 { s += (j % 2 == 1 ? 2.0 : -2.0) * exp(-2 * Double(j * j) * l * l) }
            return s
        }
        for l in [0.4, 0.5, 0.8, 1.0, 1.17, 1.19, 1.5, 2.0, 3.0] {
            #expect(abs(KolmogorovSmirnov.survival(l) - series(l)) < 1e-13, "λ = \(l)")
        }
        #expect(abs(KolmogorovSmirnov.survival(1.0) - 0.26999967167735456) < 1e-13)
        #expect(abs(KolmogorovSmirnov.survival(1.6276) - 0.01) < 1e-4)   // the classical 1% critical value
        #expect(abs(KolmogorovSmirnov.survival(1.3581) - 0.05) < 1e-4)   // and the 5% one
        #expect(KolmogorovSmirnov.survival(0) == 1)
        #expect(KolmogorovSmirnov.survival(0.1) == 1)
        #expect(KolmogorovSmirnov.survival(10) < 1e-80)
    }

    @Test("KS statistic on a hand-computed example, with Stephens' λ")
    func ksByHand() {
        let r = KolmogorovSmirnov.test([0.9, 0.1, 0.5]) { min(max($0, 0), 1) }
        #expect(abs(r.statistic - (1.0 / 3 - 0.1)) < 1e-15)
        let root = 3.0.squareRoot()
        #expect(abs(r.lambda - (root + 0.12 + 0.11 / root) * r.statistic) < 1e-15)
    }

    /// Under H₀ the p-value is uniform: p > 10⁻³ fails for this fixed seed with probability 10⁻³. Under the
    /// alternative N(0, 4/3), D ≈ 0.035 and λ ≈ 2.5 at n = 5000, p ≈ 10⁻⁵ … 10⁻⁶; required p < 10⁻⁴.
    @Test("KS accepts exact normal draws and rejects N(0, 4/3)")
    func ksPower() {
        let good = KolmogorovSmirnov.test(gaussianDraws(count: 5000, seed: 2024_1001), cdf: phi)
        let bad = KolmogorovSmirnov.test(gaussianDraws(count: 5000, variance: 4.0 / 3, seed: 2024_1002), cdf: phi)
        print("KS N(0,1): D=\(good.statistic) p=\(good.pValue); N(0,4/3): D=\(bad.statistic) p=\(bad.pValue)")
        #expect(good.pValue > 1e-3)
        #expect(bad.pValue < 1e-4)
    }

    @Test("χ² merges bins with expected count below 5")
    func chiSquaredMerging() {
        let draws = gaussianDraws(count: 20, seed: 2024_1003)
        let edges = ChiSquaredTest.equiprobableEdges(bins: 10, cdf: phi)
        #expect(edges.count == 9)
        #expect(abs(edges[4]) < 1e-12)    // the median of N(0, 1)
        let r = ChiSquaredTest.test(draws, cdf: phi, edges: edges)
        // Expected 2 per bin: merged into 6, 6, 6 + the remainder 2 → 6, 6, 8.
        #expect(r.binCount == 3 && r.degreesOfFreedom == 2)
        #expect(r.expected.map { ($0 * 1e9).rounded() / 1e9 } == [6, 6, 8])
        #expect(r.observed.reduce(0, +) == 20)
        // Edges from a quantile closure agree with bisection on the CDF.
        let viaQuantile = ChiSquaredTest.equiprobableEdges(bins: 10, cdf: phi,
                                                           quantile: GSLDistributions.normalQuantile)
        for (a, b) in zip(edges, viaQuantile) { #expect(abs(a - b) < 1e-10) }
    }

    /// Under H₀, X² has mean ν and standard deviation √(2ν): required |X² − ν| < 4√(2ν). Under N(0, 4/3) with
    /// n = 5000 in 30 bins the non-centrality is ≈ 10² ≫ that: required p < 10⁻⁴.
    @Test("χ² accepts exact normal draws and rejects N(0, 4/3)")
    func chiSquaredPower() {
        let edges = ChiSquaredTest.equiprobableEdges(bins: 30, cdf: phi)
        let good = ChiSquaredTest.test(gaussianDraws(count: 5000, seed: 2024_1004), cdf: phi, edges: edges)
        let bad = ChiSquaredTest.test(gaussianDraws(count: 5000, variance: 4.0 / 3, seed: 2024_1005), cdf: phi,
                                      edges: edges)
        print("χ² N(0,1): X²=\(good.statistic) ν=\(good.degreesOfFreedom) p=\(good.pValue); "
              + "N(0,4/3): X²=\(bad.statistic) p=\(bad.pValue)")
        #expect(good.degreesOfFreedom == 29)
        #expect(abs(good.statistic - 29) < 4 * 58.0.squareRoot())
        #expect(abs(good.pValue - GSLDistributions.chiSquaredUpperTail(good.statistic, degreesOfFreedom: 29)) < 1e-15)
        #expect(bad.pValue < 1e-4)
    }

    @Test("Holm–Bonferroni adjusted p-values")
    func holm() {
        let p = [0.01, 0.04, 0.03, 0.005]
        let adjusted = HolmBonferroni.adjust(p)
        let expected = [0.03, 0.06, 0.06, 0.02]
        for (a, e) in zip(adjusted, expected) { #expect(abs(a - e) < 1e-15) }
        #expect(HolmBonferroni.reject(p, alpha: 0.05) == [true, false, false, true])
        #expect(HolmBonferroni.reject([0.2, .nan], alpha: 0.05) == [false, true])
        #expect(HolmBonferroni.adjust([0.9, 0.8]) == [1, 1])   // 2 × 0.8 capped at 1, then the running maximum
    }

    /// z = (x̄ − 0)/(sd/√ESS) is N(0, 1) when the ESS is right. One chain: |z| < 4. Calibration over 200 independent
    /// AR(1) chains (ρ = 0.9, n = 4000, ESS ≈ 210): the sample variance of z has SE √(2/199) ≈ 0.1; required
    /// |Var(z) − 1| < 3 SE. (At this small ESS Geyer's τ̂ is a few per cent high and correlated with |x̄|, so Var(z)
    /// is slightly below 1 — about 0.92 over 1800 replicates with other seeds: the z-test errs on the safe side.)
    @Test("moment z-scores use the ESS and are calibrated on correlated chains")
    func momentCalibration() {
        let one = MomentTest.test([ar1(count: 20_000, rho: 0.9, seed: 2024_1006)], exact: 0)
        #expect(abs(one.zScore) < 4)
        #expect(one.effectiveSampleSize > 20_000 / 19 / 1.5 && one.effectiveSampleSize < 20_000 / 19 * 1.5)
        var zs: [Double] = []
        for r in 0..<200 {
            zs.append(MomentTest.test([ar1(count: 4000, rho: 0.9, seed: 2024_1007, stream: r)], exact: 0).zScore)
        }
        let mean = zs.reduce(0, +) / 200
        let variance = zs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 199
        print("z calibration over 200 AR(1) chains: mean \(mean), variance \(variance)")
        #expect(abs(variance - 1) < 3 * (2.0 / 199).squareRoot())
        #expect(abs(mean) < 3 * (variance / 200).squareRoot())
        // Wrong variance: n = 20000 draws of x² from N(0, 4/3) against ⟨x²⟩ = 1 gives z ≈ 0.33/(1.89/√ESS) ≫ 10.
        let bad = MomentTest.test([ar1(count: 20_000, rho: 0.5, variance: 4.0 / 3, seed: 2024_1008).map { $0 * $0 }],
                                  exact: 1)
        #expect(bad.zScore > 10 && bad.pValue < 1e-20)
    }

    @Test("KSD: the diagonal value, agreement with a naive double sum, and ordering of good and bad draws")
    func steinDiscrepancy() {
        // One point at the mode of N(0, I_d): k_p(0,0) = −2βd c^{2(β−1)} = d for c = 1, β = −1/2.
        #expect(abs(KernelSteinDiscrepancy.imq(points: [0], scores: [0], dimension: 1) - 1) < 1e-15)
        let two = KernelSteinDiscrepancy.imq(points: [0, 0], scores: [0, 0], dimension: 2)
        #expect(abs(two - 2.0.squareRoot()) < 1e-15)
        // Naive Σ_{i,j} k_p with a general β (exercises the pow path) in 2-D.
        let pts = gaussianDraws(count: 60, seed: 2024_1009)
        let sc = pts.map { -$0 }
        let beta = -0.3, c = 1.5
        var s = 0.0
        for i in 0..<30 { for j in 0..<30 {
            let u = [pts[2 * i] - pts[2 * j], pts[2 * i + 1] - pts[2 * j + 1]]
            let r2 = u[0] * u[0] + u[1] * u[1]
            let q = c * c + r2
            let sx = [sc[2 * i], sc[2 * i + 1]], sy = [sc[2 * j], sc[2 * j + 1]]
            let ss = sx[0] * sy[0] + sx[1] * sy[1]
            let du = (sy[0] - sx[0]) * u[0] + (sy[1] - sx[1]) * u[1]
            s += ss * pow(q, beta) + 2 * beta * pow(q, beta - 1) * du - 4 * beta * pow(q, beta - 1)
                - 4 * beta * (beta - 1) * r2 * pow(q, beta - 2)
        } }
        let naive = (s / 900).squareRoot()
        #expect(abs(KernelSteinDiscrepancy.imq(points: pts, scores: sc, dimension: 2, c: c, beta: beta) - naive)
                < 1e-12 * naive)
        // Good vs biased draws at equal n (fixed seeds): the biased set must be clearly further from N(0, 1).
        let good = KernelSteinDiscrepancy.imq(points: gaussianDraws(count: 1000, seed: 2024_1010), dimension: 1,
                                              temperature: 1) { [$0[0]] }
        let bad = KernelSteinDiscrepancy.imq(points: gaussianDraws(count: 1000, variance: 4.0 / 3, seed: 2024_1011),
                                             dimension: 1, temperature: 1) { [$0[0]] }
        print("KSD N(0,1): \(good.discrepancy), N(0,4/3): \(bad.discrepancy)")
        #expect(good.pointsUsed == 1000)
        #expect(bad.discrepancy > 2 * good.discrepancy)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
