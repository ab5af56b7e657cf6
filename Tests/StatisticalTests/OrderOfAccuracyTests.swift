// SPDX-License-Identifier: GPL-3.0-or-later
// Order of accuracy on U = x⁴/4 at T = 1 (exact ⟨x²⟩ = 2Γ(3/4)/Γ(1/4)): the bias b(h) of Euler–Maruyama shrinks like
// h, that of BAOAB like h². The biases are small (BAOAB's is ~10⁻³ at h = 0.3), so independent chains would need
// ~10⁸ effective samples to resolve them. Instead each pair of step sizes (h, h/2) is run as a synchronously
// coupled pair: the coarse chain's Gaussian for one step is the exact combination of the fine chain's two draws
// (Brownian increments add; for the O step, O(h/2)∘O(h/2) = O(h) in law with ξ = (cξ₁ + ξ₂)/√(1 + c²),
// c = e^{−γh/2}). Each chain alone is an exact sample path of its scheme; the coupling only makes the difference
// D(h) = ⟨x²⟩_h − ⟨x²⟩_{h/2} = b(h) − b(h/2) cheap to estimate. Then D(h)/D(h/2) = 2^p for a scheme of order p.
//
// Tolerance: |p̂ − p| < 0.3, a modelling allowance for the higher-order terms at these finite steps; the test also
// requires the statistical standard error of p̂ (from the ESS of each difference series, Geyer IMS) to be below
// 0.075, so that the allowance is at least 4 standard errors. Seeds were fixed before the test was written.
import Testing
import Diagnostics
import GSLSupport
import LangevinCore
import Potentials

/// Replays Gaussian draws from a list (the coarse chain of a coupled pair).
private struct Replay: RandomSource {
    var values: [Double] = []
    var index = 0
    mutating func nextGaussian() -> Double {
        defer { index += 1 }
        return values[index]
    }
    mutating func nextUniform() -> Double { fatalError("not used by the unadjusted schemes") }
}

/// Records the draws of a GSL generator (the fine chain of a coupled pair).
private struct Recorder: RandomSource {
    let source: GSLRandom
    var drawn: [Double] = []
    mutating func nextGaussian() -> Double {
        let v = source.nextGaussian()
        drawn.append(v)
        return v
    }
    mutating func nextUniform() -> Double { source.nextUniform() }
}

@Suite("Order of accuracy on the quartic well (coupled step-size pairs)")
struct OrderOfAccuracyTests {
    /// Mean and SE of x²_coarse − x²_fine over a coupled run of `steps` coarse steps.
    func coupledDifference(_ scheme: String, h: Double, seed: UInt64, steps: Int) throws -> MeanEstimate {
        var potential = try BuiltinPotential.make(name: "quartic")
        var fineField = potential
        var coarse = try AnyIntegrator(name: scheme, parameters: .init(timeStep: h, temperature: 1, friction: 1))
        var fine = try AnyIntegrator(name: scheme, parameters: .init(timeStep: h / 2, temperature: 1, friction: 1))
        var coarseState = try LangevinState(position: [0.0], momentum: coarse.usesMomentum ? [0.0] : [], field: &potential)
        var fineState = try LangevinState(position: [0.0], momentum: fine.usesMomentum ? [0.0] : [], field: &fineField)
        var recorder = Recorder(source: GSLRandom(algorithm: .taus2, seed: seed))
        var replay = Replay()
        // Weight of the first half-step draw in the coarse draw: c = e^{−γh/2} for the O step, 1 for Brownian sums.
        let c = coarse.usesMomentum ? Glibc.exp(-h / 2) : 1
        let norm = (1 + c * c).squareRoot()
        var differences: [Double] = []
        differences.reserveCapacity(steps / 4)
        for n in 0..<steps {
            recorder.drawn.removeAll(keepingCapacity: true)
            _ = try fine.step(&fineState, field: &fineField, random: &recorder)
            _ = try fine.step(&fineState, field: &fineField, random: &recorder)
            replay.values = [(c * recorder.drawn[0] + recorder.drawn[1]) / norm]
            replay.index = 0
            _ = try coarse.step(&coarseState, field: &potential, random: &replay)
            if n >= 10_000 && n % 4 == 0 {
                let xc = coarseState.withPosition { $0[0] }, xf = fineState.withPosition { $0[0] }
                differences.append(xc * xc - xf * xf)
            }
        }
        return try MeanEstimate(differences)
    }

    func observedOrder(_ scheme: String, h: Double, seed: UInt64, steps: Int) throws -> (p: Double, se: Double, String) {
        let d1 = try coupledDifference(scheme, h: h, seed: seed, steps: steps)
        let d2 = try coupledDifference(scheme, h: h / 2, seed: seed + 1, steps: 2 * steps)
        let p = Glibc.log2(d1.mean / d2.mean)
        let relative = ((d1.standardError / d1.mean) * (d1.standardError / d1.mean)
            + (d2.standardError / d2.mean) * (d2.standardError / d2.mean)).squareRoot()
        return (p, relative / 0.6931471805599453, "D(\(h)) = \(d1), D(\(h / 2)) = \(d2)")
    }

    @Test("Euler–Maruyama: bias ∝ dt (observed order within 0.3 of 1)")
    func eulerMaruyama() throws {
        let (p, se, detail) = try observedOrder("euler-maruyama", h: 0.1, seed: 606, steps: 2_000_000)
        #expect(se < 0.075, "order \(p) ± \(se) not resolved; \(detail)")
        #expect(abs(p - 1) < 0.3, "observed order \(p) ± \(se); \(detail)")
    }

    @Test("BAOAB: bias ∝ dt² (observed order within 0.3 of 2)")
    func baoab() throws {
        let (p, se, detail) = try observedOrder("baoab", h: 0.35, seed: 608, steps: 40_000_000)
        #expect(se < 0.075, "order \(p) ± \(se) not resolved; \(detail)")
        #expect(abs(p - 2) < 0.3, "observed order \(p) ± \(se); \(detail)")
    }
}

#if canImport(Glibc)
import Glibc
#endif
