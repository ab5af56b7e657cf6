// SPDX-License-Identifier: GPL-3.0-or-later
// The harmonic oracles of HarmonicOracleTests, run on the counter-based source (PhiloxRandom) instead of GSL: the
// same exact discrete-time stationary moments, the same tolerance (4.5 SE, SE = sd/√ESS), seeds fixed before the
// tests were written.
import Testing
import CounterRandom
import Diagnostics
import LangevinCore
import Potentials

private let tolerance = 4.5

@Suite("Harmonic oracles on Philox4x32-10 noise")
struct PhiloxOracleTests {
    func series(_ c: HarmonicCase, _ scheme: String, seed: UInt64, friction: Double = 1) throws -> ([Double], [Double]) {
        let well = try BuiltinPotential.make(name: "harmonic", settings: ["k": c.k])
        let p = LangevinParameters(timeStep: c.h, temperature: c.t, friction: friction, mass: c.m)
        return try stationarySeries(energy: well, integrator: AnyIntegrator(name: scheme, parameters: p),
                                    random: PhiloxRandom(seed: seed), steps: 2_000_000, burnIn: 1000, start: [0])
    }

    @Test("Euler–Maruyama: ⟨x²⟩ = T / (k(1 − k·dt/2))", arguments: HarmonicOracleTests.cases)
    func eulerMaruyama(_ c: HarmonicCase) throws {
        let cm = HarmonicCase(k: c.k, t: c.t, h: c.h)   // overdamped: no mass
        let (x2, _) = try series(cm, "euler-maruyama", seed: 1101)
        let exact = c.t / (c.k * (1 - c.k * c.h / 2))
        let e = try MeanEstimate(x2)
        #expect(abs(e.zScore(exact)) < tolerance, "\(c): ⟨x²⟩ = \(e), exact \(exact)")
    }

    @Test("BAOAB: ⟨x²⟩ = T/k exactly, ⟨p²⟩ = mT(1 − dt²k/(4m))", arguments: HarmonicOracleTests.cases)
    func baoab(_ c: HarmonicCase) throws {
        let (x2, p2) = try series(c, "baoab", seed: 1202)
        let ex = try MeanEstimate(x2), ep = try MeanEstimate(p2)
        let exactP2 = c.m * c.t * (1 - c.h * c.h * c.k / (4 * c.m))
        #expect(abs(ex.zScore(c.t / c.k)) < tolerance, "\(c): ⟨x²⟩ = \(ex), exact \(c.t / c.k)")
        #expect(abs(ep.zScore(exactP2)) < tolerance, "\(c): ⟨p²⟩ = \(ep), exact \(exactP2)")
    }

    @Test("OBABO: ⟨x²⟩ = (T/k)/(1 − dt²k/(4m)), ⟨p²⟩ = mT exactly", arguments: HarmonicOracleTests.cases)
    func obabo(_ c: HarmonicCase) throws {
        let (x2, p2) = try series(c, "obabo", seed: 1303)
        let ex = try MeanEstimate(x2), ep = try MeanEstimate(p2)
        let exactX2 = (c.t / c.k) / (1 - c.h * c.h * c.k / (4 * c.m))
        #expect(abs(ex.zScore(exactX2)) < tolerance, "\(c): ⟨x²⟩ = \(ex), exact \(exactX2)")
        #expect(abs(ep.zScore(c.m * c.t)) < tolerance, "\(c): ⟨p²⟩ = \(ep), exact \(c.m * c.t)")
    }

    @Test("MALA: ⟨x²⟩ = T/k for any dt (uses the uniform draws too)", arguments: HarmonicOracleTests.cases)
    func mala(_ c: HarmonicCase) throws {
        let cm = HarmonicCase(k: c.k, t: c.t, h: c.h)
        let (x2, _) = try series(cm, "mala", seed: 1404)
        let e = try MeanEstimate(x2)
        #expect(abs(e.zScore(c.t / c.k)) < tolerance, "\(c): ⟨x²⟩ = \(e), exact \(c.t / c.k)")
    }
}
