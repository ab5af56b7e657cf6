// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import GSLSupport
import LangevinCore
import Testing

@Suite("Boltzmann reference by quadrature")
struct BoltzmannReferenceTests {
    @Test("1-D harmonic well: Z, moments, CDF and quantiles against closed forms")
    func harmonic() throws {
        // U = (x − 3)²/2 at T = 2: N(3, 2), Z = √(4π), ⟨U⟩ = T/2.
        let ref = try BoltzmannReference(temperature: 2, energy: { x in (x - 3) * (x - 3) / 2 })
        #expect(relativeError(ref.normalizer, (4 * Double.pi).squareRoot()) < 1e-9)
        #expect(abs(ref.means[0] - 3) < 1e-9)
        #expect(abs(ref.variances[0] - 2) < 1e-9)
        #expect(abs(ref.meanEnergy - 1) < 1e-9)
        #expect(ref.accuracy.marginalClosureErrors[0] < 1e-9)
        #expect(ref.accuracy.normalizerCrossCheck == nil)
        var worst = 0.0
        for k in -400...400 {
            let x = 3 + Double(k) / 50
            worst = max(worst, abs(ref.marginalCDF(0, at: x) - phi((x - 3) / 2.0.squareRoot())))
        }
        print("1-D table: max |CDF − Φ| = \(worst), closure error \(ref.accuracy.marginalClosureErrors[0])")
        #expect(worst < 1e-6)
        for p in [1e-4, 0.01, 0.3, 0.5, 0.77, 0.999] {
            let exact = 3 + 2.0.squareRoot() * GSLDistributions.normalQuantile(p)
            #expect(abs(ref.marginalQuantile(0, p) - exact) < 1e-6, "p = \(p)")
        }
        let density = ref.marginals[0].density(at: 3.4)
        #expect(abs(density - exp(-0.04) / (4 * Double.pi).squareRoot()) < 1e-6)
        #expect(abs(ref.score(at: [4])[0] - (-0.5)) < 1e-6)   // −U′/T by central differences
    }

    @Test("a large energy offset does not underflow: log Z carries it")
    func offset() throws {
        let ref = try BoltzmannReference(temperature: 1, energy: { x in x * x / 2 + 5000 })
        #expect(ref.normalizer == 0)   // e^{−5000} underflows …
        #expect(abs(ref.logNormalizer - (0.5 * log(2 * Double.pi) - 5000)) < 1e-9)   // … its logarithm does not
        #expect(abs(ref.meanEnergy - 5000.5) < 1e-8)
    }

    /// The double well U = (x² − 1)² + y²/2 at T = 1 against a brute-force trapezoid sum on [−4, 4] × [−10, 10] with
    /// h = 0.01: for integrands analytic in a strip and negligible at the ends the trapezoid rule converges
    /// geometrically (Trefethen & Weideman 2014), so the sum is exact to ≪ 10⁻⁹ and the required 10⁻⁶ relative
    /// agreement tests the quadrature.
    @Test("2-D double well: Z, ⟨x²⟩, ⟨U⟩ match a brute-force grid sum to 1e-6 relative")
    func doubleWell() throws {
        let u: (Double, Double) -> Double = { x, y in (x * x - 1) * (x * x - 1) + y * y / 2 }
        let ref = try BoltzmannReference(temperature: 1, energy: u, gradient: { x, y in (4 * x * (x * x - 1), y) })
        let h = 0.01
        var z = 0.0, x2 = 0.0, y2 = 0.0, uSum = 0.0
        for i in 0...800 {
            let x = -4 + h * Double(i)
            for j in 0...2000 {
                let y = -10 + h * Double(j)
                let e = u(x, y)
                let w = exp(-e) * ((i == 0 || i == 800) ? 0.5 : 1) * ((j == 0 || j == 2000) ? 0.5 : 1)
                z += w
                x2 += x * x * w
                y2 += y * y * w
                uSum += e * w
            }
        }
        let brute = (z: z * h * h, x2: x2 / z, y2: y2 / z, u: uSum / z)
        print("double well: Z=\(ref.normalizer) (grid \(brute.z)), ⟨x²⟩=\(ref.secondMoments[0]) (grid \(brute.x2)), "
              + "⟨U⟩=\(ref.meanEnergy) (grid \(brute.u)), accuracy \(ref.accuracy)")
        #expect(relativeError(ref.normalizer, brute.z) < 1e-6)
        #expect(relativeError(ref.secondMoments[0], brute.x2) < 1e-6)
        #expect(relativeError(ref.secondMoments[1], brute.y2) < 1e-6)
        #expect(relativeError(ref.meanEnergy, brute.u) < 1e-6)
        #expect(abs(ref.means[0]) < 1e-9 && abs(ref.means[1]) < 1e-9)
        #expect(ref.accuracy.normalizerCrossCheck! < 1e-8)
        #expect(ref.accuracy.marginalClosureErrors.allSatisfy { $0 < 1e-8 })
        // Separable: the y-marginal is exactly N(0, 1) and Z = Z_x √(2π).
        var worst = 0.0
        for k in -300...300 {
            let y = Double(k) / 50
            worst = max(worst, abs(ref.marginalCDF(1, at: y) - phi(y)))
        }
        #expect(worst < 1e-6)
        #expect(abs(ref.marginalCDF(0, at: 0) - 0.5) < 1e-9)
        #expect(abs(ref.marginalCDF(0, at: -1) + ref.marginalCDF(0, at: 1) - 1) < 1e-9)
        let s = ref.score(at: [0.5, 2])
        #expect(s == [-4 * 0.5 * (0.25 - 1), -2])
    }

    @Test("finite integration bounds agree with the infinite domain when the tails are negligible")
    func finiteBounds() throws {
        let u: (Double, Double) -> Double = { x, y in (x * x - 1) * (x * x - 1) + y * y / 2 }
        let infinite = try BoltzmannReference(temperature: 1, tableNodes: 256, energy: u)
        let finite = try BoltzmannReference(temperature: 1, domain: (x: -3...3, y: -9...9), tableNodes: 256, energy: u)
        #expect(relativeError(finite.normalizer, infinite.normalizer) < 1e-9)
        #expect(relativeError(finite.secondMoments[0], infinite.secondMoments[0]) < 1e-9)
        #expect(finite.marginalCDF(0, at: -3.5) == 0 && finite.marginalCDF(0, at: 3) == 1)
        #expect(throws: LangevinError.self) { try BoltzmannReference(temperature: 0, energy: { $0 * $0 }) }
        #expect(throws: LangevinError.self) {
            try BoltzmannReference(temperature: 1, domain: 0...1, searchBox: -1...1, energy: { $0 * $0 })
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
