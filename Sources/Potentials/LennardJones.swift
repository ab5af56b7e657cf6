// SPDX-License-Identifier: GPL-3.0-or-later

import Platform

import LangevinCore

/// A cluster of N Lennard-Jones particles in D = 1, 2 or 3 dimensions, held by a weak harmonic trap:
///
///     U(r₁, …, r_N) = Σ_{i<j} 4ε ((σ/rᵢⱼ)¹² − (σ/rᵢⱼ)⁶) + Σᵢ k |rᵢ|² / 2,    rᵢⱼ = |rᵢ − rⱼ|,
///     ∇ᵢU = −Σ_{j≠i} (24ε/rᵢⱼ²) (2(σ/rᵢⱼ)¹² − (σ/rᵢⱼ)⁶) (rᵢ − rⱼ) + k rᵢ.
///
/// - `epsilon` ε > 0 is the pair well depth (energy units); `sigma` σ > 0 the distance where the pair energy
///   vanishes. The pair minimum is −ε at r = 2^{1/6}σ ≈ 1.1225σ.
/// - `confinement` k ≥ 0 (energy per squared length) ties every particle to the origin. Without it (k = 0) the
///   Boltzmann density is not normalisable: at any T > 0 a particle can leave to infinity at finite energy cost and
///   the cluster evaporates. The default k = 0.01ε/σ² is weak — it adds Σ k|rᵢ|²/2 ≈ 0.04ε to the 7-particle
///   hexagon and moves its minimum negligibly — yet keeps an evaporated particle within |r| of order √(DT/k) (⟨|r|²⟩ = DT/k for a
///   lone particle in the trap).
///   k = 0 is allowed for energy minimisation.
///
/// Coordinates are flattened particle by particle: (x₁, y₁, x₂, y₂, …) in 2-D, (x₁, y₁, z₁, x₂, …) in 3-D; the
/// ``variableNames`` say so. There is no cutoff: a call costs N(N−1)/2 pair terms and allocates nothing.
///
/// Known: the global minimum of the 7-particle cluster in 2-D (k = 0) is the centred regular hexagon; optimising its
/// spacing d (12 pairs at d, 6 at √3 d, 3 at 2d) gives d ≈ 1.1184601σ and U ≈ −12.5348665ε
/// (``hexagonEnergy`` and ``hexagonSpacing``, checked by minimisation in the tests). Nothing about π_T is known in
/// closed form.
public struct LennardJonesCluster: Energy, Sendable, Equatable {
    public typealias Scalar = Double

    /// N, the number of particles.
    public let particles: Int
    /// D, the dimension of space (1, 2 or 3).
    public let particleDimension: Int
    /// ε, the pair well depth.
    public let epsilon: Double
    /// σ, the pair length scale.
    public let sigma: Double
    /// k, the stiffness of the harmonic trap at the origin.
    public let confinement: Double
    /// σ².
    @usableFromInline let sigmaSquared: Double

    /// - Parameters:
    ///   - particles: N ≥ 2.
    ///   - dimensions: D ∈ {1, 2, 3}.
    ///   - epsilon: ε > 0.
    ///   - sigma: σ > 0.
    ///   - confinement: k ≥ 0 (default 0.01; see the type's documentation).
    public init(
        particles: Int = 7, dimensions: Int = 2, epsilon: Double = 1, sigma: Double = 1, confinement: Double = 0.01
    ) throws(LangevinError) {
        guard particles >= 2 else {
            throw .invalidParameter("a Lennard-Jones cluster needs at least 2 particles, got \(particles)")
        }
        guard (1...3).contains(dimensions) else {
            throw .invalidParameter("a Lennard-Jones cluster lives in 1, 2 or 3 dimensions, got \(dimensions)")
        }
        try requirePositive(epsilon, "the Lennard-Jones well depth epsilon")
        try requirePositive(sigma, "the Lennard-Jones length sigma")
        try requireNonNegative(confinement, "the confinement stiffness k")
        self.particles = particles
        self.particleDimension = dimensions
        self.epsilon = epsilon
        self.sigma = sigma
        self.confinement = confinement
        self.sigmaSquared = sigma * sigma
    }

    @inlinable public var dimension: Int { particles * particleDimension }

    /// `x1, y1, x2, y2, …` (with `z` in 3-D; `x1, x2, …` in 1-D), particles numbered from 1.
    public var variableNames: [String] {
        let axes = ["x", "y", "z"].prefix(particleDimension)
        return (1...particles).flatMap { i in axes.map { "\($0)\(i)" } }
    }

    /// The pair distance of minimal pair energy, 2^{1/6}σ.
    public var pairMinimumDistance: Double { pow(2, 1.0 / 6) * sigma }

    /// The optimal spacing of the centred 7-particle hexagon at k = 0, in units of σ (nearest-neighbour distance).
    public static let hexagonSpacing = 1.1184600639005557
    /// The energy of the centred 7-particle hexagon at its optimal spacing, k = 0, in units of ε: the 2-D ground
    /// state of LJ₇.
    public static let hexagonEnergy = -12.534866517686947

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let n = particles, d = particleDimension
        var pair = 0.0, trap = 0.0
        for i in 0..<n {
            var ri2 = 0.0
            for a in 0..<d { ri2 += x[i * d + a] * x[i * d + a] }
            trap += ri2
            for j in (i + 1)..<n {
                var r2 = 0.0
                for a in 0..<d {
                    let dd = x[i * d + a] - x[j * d + a]
                    r2 += dd * dd
                }
                let s2 = sigmaSquared / r2
                let s6 = s2 * s2 * s2
                pair += s6 * (s6 - 1)
            }
        }
        return 4 * epsilon * pair + 0.5 * confinement * trap
    }

    @inlinable
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let n = particles, d = particleDimension
        let k = confinement
        var trap = 0.0
        for c in 0..<(n * d) {
            trap += x[c] * x[c]
            g[c] = k * x[c]
        }
        var pair = 0.0
        let e24 = 24 * epsilon
        if d == 2 {
            for i in 0..<n {
                let xi = x[2 * i], yi = x[2 * i + 1]
                var gxi = 0.0, gyi = 0.0
                for j in (i + 1)..<n {
                    let dx = xi - x[2 * j], dy = yi - x[2 * j + 1]
                    let r2 = dx * dx + dy * dy
                    let s2 = sigmaSquared / r2
                    let s6 = s2 * s2 * s2
                    pair += s6 * (s6 - 1)
                    // −(1/r)dV/dr, so that ∇ᵢV = −f (rᵢ − rⱼ).
                    let f = e24 * s6 * (2 * s6 - 1) / r2
                    gxi -= f * dx
                    gyi -= f * dy
                    g[2 * j] += f * dx
                    g[2 * j + 1] += f * dy
                }
                g[2 * i] += gxi
                g[2 * i + 1] += gyi
            }
        } else {
            for i in 0..<n {
                for j in (i + 1)..<n {
                    var r2 = 0.0
                    for a in 0..<d {
                        let dd = x[i * d + a] - x[j * d + a]
                        r2 += dd * dd
                    }
                    let s2 = sigmaSquared / r2
                    let s6 = s2 * s2 * s2
                    pair += s6 * (s6 - 1)
                    let f = e24 * s6 * (2 * s6 - 1) / r2
                    for a in 0..<d {
                        let fd = f * (x[i * d + a] - x[j * d + a])
                        g[i * d + a] -= fd
                        g[j * d + a] += fd
                    }
                }
            }
        }
        return 4 * epsilon * pair + 0.5 * k * trap
    }

    /// The centred regular hexagon of 7 particles in 2-D at nearest-neighbour spacing 2^{1/6}σ: the centre first,
    /// then the six vertices at angles 0°, 60°, …, 300°, flattened as (x₁, y₁, …, x₇, y₇). A good starting
    /// configuration for `LennardJonesCluster(particles: 7, dimensions: 2)`, close to its ground state.
    public static func hexagonalInitialPositions(sigma: Double = 1) -> [Double] {
        let d = pow(2, 1.0 / 6) * sigma
        var p: [Double] = [0, 0]
        for m in 0..<6 {
            let angle = Double(m) * Double.pi / 3
            p.append(d * cos(angle))
            p.append(d * sin(angle))
        }
        return p
    }

    /// A compact starting configuration for any N and D: the N lattice sites nearest to the origin, at
    /// nearest-neighbour spacing 2^{1/6}σ, of the chain (1-D), the triangular lattice (2-D) or the simple cubic
    /// lattice (3-D). Sites are taken by increasing distance, ties broken by angle (2-D) or lexicographically;
    /// for N = 7 in 2-D this is exactly ``hexagonalInitialPositions(sigma:)``.
    public func latticeInitialPositions() -> [Double] {
        let spacing = pairMinimumDistance
        let n = particles, d = particleDimension
        // Enough shells: the ball of integer radius R holds well over N sites once R^D ≳ N.
        var radius = 1
        while Int(pow(Double(2 * radius + 1), Double(d))) < 4 * n { radius += 1 }
        var sites: [(norm: Int, tie: Double, p: [Double])] = []
        let range = -radius...radius
        switch d {
        case 1:
            for i in range { sites.append((i * i, i >= 0 ? 0 : 1, [Double(i)])) }
        case 2:
            // Triangular lattice i·(1, 0) + j·(1/2, √3/2): squared length i² + ij + j² (an integer).
            for i in range {
                for j in range {
                    let px = Double(i) + 0.5 * Double(j), py = 0.5 * 3.0.squareRoot() * Double(j)
                    var angle = atan2(py, px)
                    if angle < -1e-12 { angle += 2 * Double.pi }
                    sites.append((i * i + i * j + j * j, max(angle, 0), [px, py]))
                }
            }
        default:
            var order = 0.0
            for i in range {
                for j in range {
                    for l in range {
                        sites.append((i * i + j * j + l * l, order, [Double(i), Double(j), Double(l)]))
                        order += 1
                    }
                }
            }
        }
        sites.sort { ($0.norm, $0.tie) < ($1.norm, $1.tie) }
        return sites.prefix(n).flatMap { $0.p.map { $0 * spacing } }
    }
}
