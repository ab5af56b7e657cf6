// SPDX-License-Identifier: GPL-3.0-or-later
// Exact, discretisation-aware oracles on U = k x²/2: every scheme's stationary ⟨x²⟩ (and ⟨p²⟩) is known in closed
// form for the discrete chain, bias included. Tolerance: 4.5 standard errors, SE = sd/√ESS (Geyer IMS); seeds fixed
// before the tests were written. With about 30 such comparisons the chance of a false failure is below 10⁻³.
import LangevinTestSupport
import Testing
import Diagnostics
import GSLSupport
import LangevinCore
import Potentials

private let tolerance = 4.5

struct HarmonicCase: CustomStringConvertible, Sendable {
    var k: Double, t: Double, h: Double, m: Double = 1
    var description: String { "k=\(k) T=\(t) dt=\(h) m=\(m)" }
}

@Suite("Harmonic oracles (exact discrete-time stationary moments)", .tags(.statistical))
struct HarmonicOracleTests {
    static let cases = [
        HarmonicCase(k: 1, t: 1, h: 0.1), HarmonicCase(k: 1, t: 1, h: 0.5), HarmonicCase(k: 4, t: 0.5, h: 0.2),
        HarmonicCase(k: 0.25, t: 2, h: 1.0), HarmonicCase(k: 2, t: 1.5, h: 0.6, m: 3),
    ]

    func well(_ c: HarmonicCase) throws -> BuiltinPotential {
        try BuiltinPotential.make(name: "harmonic", settings: ["k": c.k])
    }

    @Test("Euler–Maruyama: ⟨x²⟩ = T / (k(1 − k·dt/2))", arguments: cases)
    func eulerMaruyama(_ c: HarmonicCase) throws {
        let integrator = try AnyIntegrator(name: "euler-maruyama", parameters: .init(timeStep: c.h, temperature: c.t))
        let (x2, _) = try stationarySeries(energy: well(c), integrator: integrator, seed: 101, steps: 2_000_000,
                                           burnIn: 1000, start: [0])
        let exact = c.t / (c.k * (1 - c.k * c.h / 2))
        let e = try MeanEstimate(x2)
        #expect(abs(e.zScore(exact)) < tolerance, "\(c): ⟨x²⟩ = \(e), exact \(exact)")
    }

    @Test("BAOAB: ⟨x²⟩ = T/k exactly, ⟨p²⟩ = mT(1 − dt²k/(4m))", arguments: cases)
    func baoab(_ c: HarmonicCase) throws {
        let p = LangevinParameters(timeStep: c.h, temperature: c.t, friction: 1, mass: c.m)
        let (x2, p2) = try stationarySeries(energy: well(c), integrator: AnyIntegrator(name: "baoab", parameters: p),
                                            seed: 202, steps: 2_000_000, burnIn: 1000, start: [0])
        let ex = try MeanEstimate(x2), ep = try MeanEstimate(p2)
        let exactP2 = c.m * c.t * (1 - c.h * c.h * c.k / (4 * c.m))
        #expect(abs(ex.zScore(c.t / c.k)) < tolerance, "\(c): ⟨x²⟩ = \(ex), exact \(c.t / c.k)")
        #expect(abs(ep.zScore(exactP2)) < tolerance, "\(c): ⟨p²⟩ = \(ep), exact \(exactP2)")
    }

    @Test("OBABO: ⟨x²⟩ = (T/k)/(1 − dt²k/(4m)), ⟨p²⟩ = mT exactly", arguments: cases)
    func obabo(_ c: HarmonicCase) throws {
        let p = LangevinParameters(timeStep: c.h, temperature: c.t, friction: 1, mass: c.m)
        let (x2, p2) = try stationarySeries(energy: well(c), integrator: AnyIntegrator(name: "obabo", parameters: p),
                                            seed: 303, steps: 2_000_000, burnIn: 1000, start: [0])
        let ex = try MeanEstimate(x2), ep = try MeanEstimate(p2)
        let exactX2 = (c.t / c.k) / (1 - c.h * c.h * c.k / (4 * c.m))
        #expect(abs(ex.zScore(exactX2)) < tolerance, "\(c): ⟨x²⟩ = \(ex), exact \(exactX2)")
        #expect(abs(ep.zScore(c.m * c.t)) < tolerance, "\(c): ⟨p²⟩ = \(ep), exact \(c.m * c.t)")
    }

    @Test("MALA: ⟨x²⟩ = T/k for any dt, even where Euler–Maruyama is 33–100 % off", arguments: cases)
    func mala(_ c: HarmonicCase) throws {
        let integrator = try AnyIntegrator(name: "mala", parameters: .init(timeStep: c.h, temperature: c.t))
        let (x2, _) = try stationarySeries(energy: well(c), integrator: integrator, seed: 404, steps: 2_000_000,
                                           burnIn: 1000, start: [0])
        let e = try MeanEstimate(x2)
        #expect(abs(e.zScore(c.t / c.k)) < tolerance, "\(c): ⟨x²⟩ = \(e), exact \(c.t / c.k)")
    }

    @Test("The oracle has power: BAOAB's ⟨p²⟩ at dt = 1 (k = 1) is detected as ≠ mT")
    func power() throws {
        let p = LangevinParameters(timeStep: 1, temperature: 1)
        let (_, p2) = try stationarySeries(energy: well(HarmonicCase(k: 1, t: 1, h: 1)),
                                           integrator: AnyIntegrator(name: "baoab", parameters: p),
                                           seed: 505, steps: 1_000_000, burnIn: 1000, start: [0])
        let e = try MeanEstimate(p2)
        #expect(abs(e.zScore(1)) > 10, "⟨p²⟩ = \(e) should be far from 1 (exact 0.75)")
        #expect(abs(e.zScore(0.75)) < tolerance)
    }
}
