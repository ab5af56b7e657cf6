// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Potentials
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The closed forms checked against quadrature of exp(−U/T) built from the potentials themselves.
@Suite("Exact moments")
struct ExactMomentsTests {
    @Test func quarticSpecialValue() {
        // U = x⁴/4 at T = 1: ⟨x²⟩ = 2Γ(3/4)/Γ(1/4).
        let q = try! Quartic()
        #expect(abs(q.secondMoment(temperature: 1) - 2 * tgamma(0.75) / tgamma(0.25)) < 1e-15)
        #expect(abs(q.secondMoment(temperature: 1) - 0.6759782400672846) < 1e-14)
    }

    @Test(arguments: [(1.0, 1.0), (2.0, 0.5), (0.3, 3.0), (5.0, 0.02)])
    func quarticAgainstQuadrature(a: Double, temperature: Double) throws {
        let q = try Quartic(a: a)
        let m = try #require(q.exactMoments(temperature: temperature))
        // exp(−a x⁴/(4T)) < 1e-300 beyond L = (4T·700/a)^{1/4}.
        let limit = pow(4 * temperature * 700 / a, 0.25)
        let w = { (x: Double) in exp(-q.energy(at: [x]) / temperature) }
        let z = trapezoid(-limit, limit, 20_000, w)
        let x2 = trapezoid(-limit, limit, 20_000) { x in x * x * w(x) } / z
        let meanU = trapezoid(-limit, limit, 20_000) { x in q.energy(at: [x]) * w(x) } / z
        #expect(abs(m.variances![0] - x2) <= 1e-10 * x2)
        #expect(abs(m.meanEnergy! - meanU) <= 1e-10 * meanU)
        #expect(m.means == [0])
        // General-(a, T) scaling: ⟨x²⟩ = (4T/a)^{1/2} Γ(3/4)/Γ(1/4).
        #expect(abs(x2 - (4 * temperature / a).squareRoot() * tgamma(0.75) / tgamma(0.25)) <= 1e-10 * x2)
    }

    @Test func quarticDimensions() throws {
        let m = try #require(try Quartic(a: 2, dimension: 3).exactMoments(temperature: 0.5))
        #expect(m.means == [0, 0, 0])
        #expect(m.variances!.count == 3)
        #expect(m.meanEnergy == 3 * 0.5 / 4)
    }

    @Test func harmonic() throws {
        let h = try Harmonic(stiffness: [2, 0.5], center: [1, -3])
        let m = try #require(h.exactMoments(temperature: 1.5))
        #expect(m.means == [1, -3])
        #expect(m.variances == [0.75, 3])
        #expect(m.meanEnergy == 1.5)
        #expect(h.exactMoments(temperature: -1) == nil)
        #expect(h.exactMoments(temperature: .nan) == nil)
        // Quadrature along axis 2 (k = 0.5, c = −3) for the variance T/k.
        let w = { (y: Double) in exp(-h.energy(at: [1, y]) / 1.5) }
        let z = trapezoid(-3 - 80, -3 + 80, 8000, w)
        let v = trapezoid(-3 - 80, -3 + 80, 8000) { y in (y + 3) * (y + 3) * w(y) } / z
        #expect(abs(v - 3) < 1e-10)
    }

    @Test func gaussianMixture() throws {
        let g = try GaussianMixture(weights: [1, 2, 0.5], means: [-2, 0.5, 3], standardDeviations: [0.5, 1, 0.3])
        let m = try #require(g.exactMoments(temperature: 1))
        #expect(g.exactMoments(temperature: 2) == nil)
        #expect(m.meanEnergy == nil)
        let w = { (x: Double) in exp(-g.energy(at: [x])) }
        // exp(−U) is the normalised mixture density.
        let z = trapezoid(-15, 15, 30_000, w)
        #expect(abs(z - 1) < 1e-12)
        let mean = trapezoid(-15, 15, 30_000) { x in x * w(x) }
        let variance = trapezoid(-15, 15, 30_000) { x in (x - mean) * (x - mean) * w(x) }
        #expect(abs(m.means![0] - mean) < 1e-12)
        #expect(abs(m.variances![0] - variance) < 1e-11)
    }

    @Test func gaussianMixtureWeightsAreNormalised() throws {
        let g = try GaussianMixture(weights: [3, 0, 1], means: [0, 5, 1], standardDeviations: [1, 1, 2])
        #expect(g.weights == [0.75, 0.25])
        #expect(g.componentCount == 2)
        #expect(g.heaviestComponentMean == [0])
    }

    @Test func gaussianMixture2DMoments() throws {
        let g = try GaussianMixture(weights: [0.25, 0.75], means: [[-1, 2], [3, 0]], standardDeviations: [1, 2])
        let m = try #require(g.exactMoments(temperature: 1))
        #expect(m.means == [2, 0.5])
        // Σ w (σ² + (μ − mean)²): x: 0.25(1 + 9) + 0.75(4 + 1) = 6.25; y: 0.25(1 + 2.25) + 0.75(4 + 0.25) = 4.
        #expect(abs(m.variances![0] - 6.25) < 1e-14)
        #expect(abs(m.variances![1] - 4) < 1e-14)
    }

    @Test(arguments: [(1.0, 100.0, 20.0, 1.0), (-0.5, 10.0, 3.0, 0.7)])
    func rosenbrock(a: Double, b: Double, scale: Double, temperature: Double) throws {
        let r = try Rosenbrock(a: a, b: b, scale: scale)
        let m = try #require(r.exactMoments(temperature: temperature))
        // Quadrature in (x, u = y − x²), unit Jacobian; weights from the potential itself.
        let v = scale * temperature / 2
        let lx = 14 * v.squareRoot(), lu = 14 * (v / b).squareRoot()
        let n = 600
        let hx = 2 * lx / Double(n), hu = 2 * lu / Double(n)
        var z = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, su = 0.0
        for i in 0...n {
            let x = a - lx + Double(i) * hx
            let wi = (i == 0 || i == n) ? 0.5 : 1.0
            for j in 0...n {
                let y = x * x - lu + Double(j) * hu
                let uval = r.energy(at: [x, y])
                let w = wi * ((j == 0 || j == n) ? 0.5 : 1.0) * exp(-uval / temperature)
                z += w
                sx += w * x
                sy += w * y
                sxx += w * x * x
                syy += w * y * y
                su += w * uval
            }
        }
        let mx = sx / z, my = sy / z
        #expect(abs(m.means![0] - mx) <= 1e-9 * max(1, abs(mx)))
        #expect(abs(m.means![1] - my) <= 1e-9 * max(1, abs(my)))
        #expect(abs(m.variances![0] - (sxx / z - mx * mx)) <= 1e-9 * m.variances![0])
        #expect(abs(m.variances![1] - (syy / z - my * my)) <= 1e-9 * m.variances![1])
        #expect(abs(m.meanEnergy! - su / z) <= 1e-9)
    }

    @Test func doubleWellsKnowTheirMeansOnly() throws {
        let m1 = try #require(try DoubleWell1D().exactMoments(temperature: 0.3))
        #expect(m1.means == [0] && m1.variances == nil && m1.meanEnergy == nil)
        let m2 = try #require(DoubleWell2D.benchmark.exactMoments(temperature: 1))
        #expect(m2.means == [0, 0] && m2.variances == nil)
    }
}
