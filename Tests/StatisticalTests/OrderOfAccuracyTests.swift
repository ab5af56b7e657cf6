// SPDX-License-Identifier: GPL-3.0-or-later
// Order of accuracy on U = x⁴/4 at T = 1, where ⟨x²⟩ = 2Γ(3/4)/Γ(1/4) exactly: the bias of Euler–Maruyama shrinks
// like dt, that of BAOAB like dt². The observed order p = log₂(bias(h)/bias(h/2)) must be within 0.3 of the
// theoretical order; that slack is for the higher-order terms at these finite steps, not for statistics: each
// bias is first required to be at least 8 standard errors from zero (SE = sd/√ESS), which keeps the statistical
// error of p below about 0.1.
import Testing
import Diagnostics
import GSLSupport
import LangevinCore
import Potentials

@Suite("Order of accuracy on the quartic well")
struct OrderOfAccuracyTests {
    static let exact = 2 * GSLDistributions.gamma(0.75) / GSLDistributions.gamma(0.25)

    func bias(_ scheme: String, dt: Double, seed: UInt64, steps: Int) throws -> MeanEstimate {
        let p = LangevinParameters(timeStep: dt, temperature: 1, friction: 1)
        let (x2, _) = try stationarySeries(energy: BuiltinPotential.make(name: "quartic"),
                                           integrator: AnyIntegrator(name: scheme, parameters: p), seed: seed,
                                           steps: steps, burnIn: 10_000, record: 4, start: [0],
                                           algorithm: .taus2)
        var e = try MeanEstimate(x2)
        e.mean -= Self.exact
        return e
    }

    func order(_ coarse: MeanEstimate, _ fine: MeanEstimate) -> (p: Double, se: Double) {
        let p = (coarse.mean / fine.mean).magnitude.log2
        let relative = ((coarse.standardError / coarse.mean).magnitude.squared
            + (fine.standardError / fine.mean).magnitude.squared).squareRoot()
        return (p, relative / 0.6931471805599453)
    }

    @Test("Euler–Maruyama: bias ∝ dt (observed order within 0.3 of 1)")
    func eulerMaruyama() throws {
        let coarse = try bias("euler-maruyama", dt: 0.2, seed: 606, steps: 8_000_000)
        let fine = try bias("euler-maruyama", dt: 0.1, seed: 607, steps: 16_000_000)
        #expect(abs(coarse.mean) > 8 * coarse.standardError && abs(fine.mean) > 8 * fine.standardError,
                "biases \(coarse), \(fine) must be resolved")
        let (p, se) = order(coarse, fine)
        #expect(abs(p - 1) < 0.3, "observed order \(p) ± \(se); biases \(coarse.mean), \(fine.mean)")
    }

    @Test("BAOAB: bias ∝ dt² (observed order within 0.3 of 2)")
    func baoab() throws {
        let coarse = try bias("baoab", dt: 0.8, seed: 608, steps: 4_000_000)
        let fine = try bias("baoab", dt: 0.4, seed: 609, steps: 16_000_000)
        #expect(abs(coarse.mean) > 8 * coarse.standardError && abs(fine.mean) > 8 * fine.standardError,
                "biases \(coarse), \(fine) must be resolved")
        let (p, se) = order(coarse, fine)
        #expect(abs(p - 2) < 0.3, "observed order \(p) ± \(se); biases \(coarse.mean), \(fine.mean)")
    }
}

extension Double {
    var log2: Double { Glibc.log2(self) }
    var squared: Double { self * self }
}
#if canImport(Glibc)
import Glibc
#endif
