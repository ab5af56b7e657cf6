// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Potentials
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Stationary points that the documentation states: found again by minimisation or Newton's method.
@Suite("Known minima and saddles")
struct LandscapeTests {
    @Test func lennardJonesHexagonGeometry() throws {
        let p = LennardJonesCluster.hexagonalInitialPositions()
        #expect(p.count == 14)
        #expect(p[0] == 0 && p[1] == 0)
        let d = pow(2, 1.0 / 6)
        for i in 1..<7 {
            let r = (p[2 * i] * p[2 * i] + p[2 * i + 1] * p[2 * i + 1]).squareRoot()
            #expect(abs(r - d) < 1e-14)
            let j = i == 6 ? 1 : i + 1  // neighbouring vertex
            let dx = p[2 * i] - p[2 * j], dy = p[2 * i + 1] - p[2 * j + 1]
            #expect(abs((dx * dx + dy * dy).squareRoot() - d) < 1e-14)
        }
        // The generic lattice start is the same hexagon for N = 7, D = 2.
        let lattice = try LennardJonesCluster().latticeInitialPositions()
        #expect(lattice.count == 14)
        for i in 0..<14 { #expect(abs(lattice[i] - p[i]) < 1e-14) }
    }

    @Test func lennardJonesHexagonIsTheMinimum() throws {
        // k = 0: the bare cluster. The hexagon energy as a function of spacing is 12V(d) + 6V(√3 d) + 3V(2d).
        let u = try LennardJonesCluster(confinement: 0)
        let start = LennardJonesCluster.hexagonalInitialPositions()
        let pairV = { (r: Double) in 4 * (pow(r, -12) - pow(r, -6)) }
        let d0 = pow(2, 1.0 / 6)
        let e0 = 12 * pairV(d0) + 6 * pairV(3.0.squareRoot() * d0) + 3 * pairV(2 * d0)
        #expect(abs(u.energy(at: start) - e0) < 1e-12)
        #expect(abs(e0 - -12.529231569894545) < 1e-12)

        let relaxed = gradientDescent(u, from: start, step: 2e-3)
        #expect(relaxed.gradientNorm < 1e-10)
        #expect(abs(relaxed.energy - LennardJonesCluster.hexagonEnergy) < 1e-10)
        // Still a regular hexagon, now at the optimal spacing.
        let x = relaxed.x
        for i in 1..<7 {
            let dx = x[2 * i] - x[0], dy = x[2 * i + 1] - x[1]
            #expect(abs((dx * dx + dy * dy).squareRoot() - LennardJonesCluster.hexagonSpacing) < 1e-9)
        }
        // A local minimum: random kicks relax back to the same energy (never below it).
        var rng = SplitMix64(seed: 12)
        for _ in 0..<3 {
            let kicked = x.map { $0 + 0.05 * (2 * rng.nextUniform() - 1) }
            #expect(u.energy(at: kicked) > relaxed.energy)
            let back = gradientDescent(u, from: kicked, step: 2e-3)
            #expect(back.gradientNorm < 1e-10)
            #expect(abs(back.energy - LennardJonesCluster.hexagonEnergy) < 1e-10)
        }
    }

    @Test func lennardJonesConfinementBarelyMovesTheMinimum() throws {
        let u = try LennardJonesCluster()  // k = 0.01
        let relaxed = gradientDescent(u, from: LennardJonesCluster.hexagonalInitialPositions(), step: 2e-3)
        #expect(relaxed.gradientNorm < 1e-10)
        // The trap adds about 6 k d²/2 ≈ 0.0375 and squeezes the hexagon very slightly.
        #expect(relaxed.energy > LennardJonesCluster.hexagonEnergy)
        #expect(relaxed.energy - LennardJonesCluster.hexagonEnergy < 0.04)
    }

    @Test func lennardJonesVariableNames() throws {
        #expect(try LennardJonesCluster(particles: 3).variableNames == ["x1", "y1", "x2", "y2", "x3", "y3"])
        #expect(try LennardJonesCluster(particles: 2, dimensions: 3).variableNames
                == ["x1", "y1", "z1", "x2", "y2", "z2"])
        #expect(try LennardJonesCluster(particles: 13, dimensions: 3).latticeInitialPositions().count == 39)
    }

    @Test func lennardJonesPairEnergy() throws {
        // Two particles at the pair minimum 2^{1/6}σ: U = −ε (no trap).
        let u = try LennardJonesCluster(particles: 2, dimensions: 3, epsilon: 2, sigma: 1.5, confinement: 0)
        let r = pow(2, 1.0 / 6) * 1.5
        let (e, g) = u.energyAndGradient(at: [0, 0, 0, r, 0, 0])
        #expect(abs(e - -2) < 1e-14)
        #expect(g.allSatisfy { abs($0) < 1e-13 })
    }

    @Test func muellerBrownMinima() throws {
        let u = try MuellerBrown(scale: 1)
        for m in MuellerBrown.minima {
            let r = gradientDescent(u, from: [m.x, m.y], step: 1e-4, tolerance: 1e-9)
            #expect(r.gradientNorm < 1e-9)
            #expect(abs(r.x[0] - m.x) < 1e-6 && abs(r.x[1] - m.y) < 1e-6, "minimum at \(r.x), documented \(m)")
            #expect(abs(r.energy - m.energy) < 1e-6)
        }
        // The scale multiplies energies only.
        let scaled = try MuellerBrown()
        let m = MuellerBrown.minima[0]
        #expect(abs(scaled.energy(at: [m.x, m.y]) - 0.1 * u.energy(at: [m.x, m.y])) < 1e-12)
    }

    @Test func muellerBrownSaddles() throws {
        // Newton's method on ∇U = 0 with a finite-difference Hessian; a saddle has one negative curvature.
        let u = try MuellerBrown(scale: 1)
        for s in MuellerBrown.saddles {
            var x = [s.x, s.y]
            var hessian = [[Double]]()
            for _ in 0..<20 {
                let g = u.energyAndGradient(at: x).gradient
                hessian = (0..<2).map { j in
                    let h = 1e-5
                    var p = x, q = x
                    p[j] += h
                    q[j] -= h
                    let gp = u.energyAndGradient(at: p).gradient, gq = u.energyAndGradient(at: q).gradient
                    return [(gp[0] - gq[0]) / (2 * h), (gp[1] - gq[1]) / (2 * h)]
                }
                let det = hessian[0][0] * hessian[1][1] - hessian[0][1] * hessian[1][0]
                x[0] -= (hessian[1][1] * g[0] - hessian[1][0] * g[1]) / det
                x[1] -= (-hessian[0][1] * g[0] + hessian[0][0] * g[1]) / det
            }
            let g = u.energyAndGradient(at: x).gradient
            #expect(abs(g[0]) < 1e-8 && abs(g[1]) < 1e-8)
            #expect(abs(x[0] - s.x) < 1e-6 && abs(x[1] - s.y) < 1e-6, "saddle at \(x), documented \(s)")
            #expect(abs(u.energy(at: x) - s.energy) < 1e-6)
            let det = hessian[0][0] * hessian[1][1] - hessian[0][1] * hessian[1][0]
            #expect(det < 0)
        }
    }
}
