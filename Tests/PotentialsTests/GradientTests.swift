// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Potentials
import Testing

@Suite("Gradients agree with Richardson finite differences")
struct GradientTests {
    @Test func harmonic() throws {
        let u = try Harmonic(stiffness: [1, 4, 0.25], center: [0.5, -1, 2])
        for x in randomPoints(5, low: [-3, -3, -3], high: [3, 3, 3], seed: 1) { expectGradientMatches(u, at: x) }
        #expect(u.energy(at: [0.5, -1, 2]) == 0)
        #expect(u.energy(at: [1.5, -1, 2]) == 0.5)
    }

    @Test func quartic() throws {
        let u = try Quartic(a: 2.5, dimension: 3)
        for x in randomPoints(5, low: [-2, -2, -2], high: [2, 2, 2], seed: 2) { expectGradientMatches(u, at: x) }
        #expect(u.energy(at: [1, 0, 0]) == 2.5 / 4)
    }

    @Test func doubleWell1D() throws {
        let u = try DoubleWell1D(barrier: 2, position: 1.5)
        for x in randomPoints(6, low: [-3], high: [3], seed: 3) { expectGradientMatches(u, at: x) }
        #expect(u.energy(at: [1.5]) == 0)
        #expect(u.energy(at: [-1.5]) == 0)
        #expect(u.energy(at: [0]) == 2)
    }

    @Test func doubleWell2D() throws {
        let u = try DoubleWell2D(barrier: 3, position: 0.7, ky: 2)
        for x in randomPoints(6, low: [-2, -2], high: [2, 2], seed: 4) { expectGradientMatches(u, at: x) }
        // The defaults are the benchmark potential (x² − 1)² + y²/2.
        let b = DoubleWell2D.benchmark
        for x in randomPoints(6, low: [-2, -2], high: [2, 2], seed: 5) {
            let expected = (x[0] * x[0] - 1) * (x[0] * x[0] - 1) + x[1] * x[1] / 2
            #expect(abs(b.energy(at: x) - expected) <= 1e-14 * max(1, expected))
            let g = b.energyAndGradient(at: x).gradient
            #expect(abs(g[0] - 4 * x[0] * (x[0] * x[0] - 1)) <= 1e-13 * max(1, abs(g[0])))
            #expect(g[1] == x[1])
        }
    }

    @Test(arguments: [0.1, 1.0])
    func muellerBrown(scale: Double) throws {
        let u = try MuellerBrown(scale: scale)
        for x in randomPoints(8, low: [-1.5, -0.5], high: [1.2, 2], seed: 6) { expectGradientMatches(u, at: x) }
    }

    @Test func gaussianMixture1D() throws {
        let u = try GaussianMixture(weights: [1, 2, 0.5], means: [-2, 0.5, 3], standardDeviations: [0.5, 1, 0.3])
        for x in randomPoints(8, low: [-5], high: [6], seed: 7) { expectGradientMatches(u, at: x) }
        // Far in the tails every density term underflows; the streaming log-sum-exp keeps U and ∇U finite.
        let far = u.energyAndGradient(at: [200])
        #expect(far.energy.isFinite && far.gradient[0].isFinite)
        #expect(abs(far.gradient[0] - (200 - 0.5) / 1) / 200 < 1e-12)  // the widest component dominates
    }

    @Test func gaussianMixture2D() throws {
        let u = try GaussianMixture(
            weights: [0.2, 0.3, 0.5], means: [[-1, 1], [2, 0], [0, -2]], standardDeviations: [0.7, 1.2, 0.9])
        for x in randomPoints(8, low: [-4, -4], high: [4, 4], seed: 8) { expectGradientMatches(u, at: x) }
    }

    @Test func rosenbrock() throws {
        for u in [try Rosenbrock(), try Rosenbrock(a: -0.5, b: 10, scale: 3)] {
            for x in randomPoints(8, low: [-2, -1], high: [2, 4], seed: 9) { expectGradientMatches(u, at: x) }
            #expect(u.energy(at: [u.a, u.a * u.a]) == 0)
        }
    }

    @Test func lennardJones2D() throws {
        let u = try LennardJonesCluster()
        let base = LennardJonesCluster.hexagonalInitialPositions()
        var rng = SplitMix64(seed: 10)
        for _ in 0..<4 {
            let x = base.map { $0 + 0.15 * (2 * rng.nextUniform() - 1) }
            expectGradientMatches(u, at: x)
        }
    }

    @Test(arguments: [1, 3])
    func lennardJonesOtherDimensions(dimensions: Int) throws {
        let u = try LennardJonesCluster(particles: 5, dimensions: dimensions, epsilon: 1.5, sigma: 0.8,
                                        confinement: 0.3)
        let base = u.latticeInitialPositions()
        var rng = SplitMix64(seed: 11)
        for _ in 0..<4 {
            let x = base.map { $0 + 0.1 * (2 * rng.nextUniform() - 1) }
            expectGradientMatches(u, at: x)
        }
    }
}
