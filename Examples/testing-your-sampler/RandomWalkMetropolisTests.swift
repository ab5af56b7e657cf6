// SPDX-License-Identifier: GPL-3.0-or-later
// Example: testing YOUR sampler with Langevin's Boltzmann check, in your own test suite (Swift Testing).
//
// The sampler below is written here, not in the library: a random-walk Metropolis sampler of exp(−U/T) with its own
// random numbers. `SamplerCheck.check` compares its draws with the exact Boltzmann law of the energy (quadrature in
// 1-D and 2-D) and returns a typed verdict. Run it with `swift test --filter RandomWalkMetropolis`.
import Diagnostics
import LangevinCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The energy under test: the 2-D double well U = (x² − 1)² + y²/2, as any `Energy` (here a small struct).
struct DoubleWell2D: Energy {
    typealias Scalar = Double
    var dimension: Int { 2 }
    func energy(at p: UnsafeBufferPointer<Double>) -> Double {
        let s = p[0] * p[0] - 1
        return s * s + p[1] * p[1] / 2
    }
    func energyAndGradient(at p: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        let s = p[0] * p[0] - 1
        g[0] = 4 * p[0] * s
        g[1] = p[1]
        return s * s + p[1] * p[1] / 2
    }
}

/// A user's random-walk Metropolis sampler, with its own generator (SplitMix64, Box–Muller).
struct RandomWalkMetropolis {
    var step: Double
    var temperature: Double
    /// The classic bug, for the second test: keep a draw only when a proposal is accepted.
    var keepOnlyAcceptedDraws = false

    private struct Generator {
        var state: UInt64
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / 9_007_199_254_740_992
        }
        mutating func gaussian() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
    }

    /// `draws` states of one chain from `start`, keeping every `thin`-th step.
    func run<E: Energy>(_ energy: E, from start: [Double], draws: Int, thin: Int, seed: UInt64) -> [[Double]]
        where E.Scalar == Double
    {
        var rng = Generator(state: seed)
        var x = start
        var u = energy.energy(at: x)
        var out: [[Double]] = []
        out.reserveCapacity(draws)
        var steps = 0
        while out.count < draws {
            let y = x.map { $0 + step * rng.gaussian() }
            let uy = energy.energy(at: y)
            let accepted = log(rng.uniform()) < -(uy - u) / temperature
            if accepted { x = y; u = uy }
            steps += 1
            if keepOnlyAcceptedDraws {
                if accepted { out.append(x) }
            } else if steps % thin == 0 {
                out.append(x)
            }
        }
        return out
    }
}

@Suite("Testing a user's sampler with SamplerCheck")
struct RandomWalkMetropolisTests {
    /// 4 chains × 20 000 draws (every 10th of 200 000 steps): the check's own size is its α = 0.01, and the seed
    /// below was fixed before the test was first run.
    @Test("A correct random-walk Metropolis sampler passes the Boltzmann check")
    func correctSamplerPasses() throws {
        let sampler = RandomWalkMetropolis(step: 1.0, temperature: 1)
        let chains = (0..<4).map { c in
            sampler.run(DoubleWell2D(), from: [c % 2 == 0 ? 1 : -1, 0], draws: 20_000, thin: 10,
                        seed: 2026_1202 + UInt64(c))
        }
        let verdict = try SamplerCheck.check(DoubleWell2D(), temperature: 1, chains: chains)
        #expect(verdict.outcome == .passed, "\(verdict)")
        #expect(verdict.failures.isEmpty)
    }

    /// Keeping only accepted states over-weights the regions where proposals are accepted easily; the check must
    /// catch it with the same budget.
    @Test("The keep-only-accepted-draws bug fails the check")
    func buggySamplerFails() throws {
        var sampler = RandomWalkMetropolis(step: 1.0, temperature: 1)
        sampler.keepOnlyAcceptedDraws = true
        let chains = (0..<4).map { c in
            sampler.run(DoubleWell2D(), from: [c % 2 == 0 ? 1 : -1, 0], draws: 20_000, thin: 10,
                        seed: 2026_1302 + UInt64(c))
        }
        let verdict = try SamplerCheck.check(DoubleWell2D(), temperature: 1, chains: chains)
        #expect(verdict.outcome == .failed)
        #expect(verdict.failures.contains { $0.kind == .moment || $0.kind == .ks || $0.kind == .chi2 }, "\(verdict)")
    }

    @Test("Malformed input is an error, not a verdict: one chain, draws of the wrong dimension")
    func malformedInput() {
        #expect(throws: LangevinError.self) {
            try SamplerCheck.check(DoubleWell2D(), temperature: 1, chains: [[[0, 0], [1, 1]]])
        }
        #expect(throws: LangevinError.self) {
            try SamplerCheck.check(DoubleWell2D(), temperature: 1, chains: [[[0]], [[1]]])
        }
    }
}
