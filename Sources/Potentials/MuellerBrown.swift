// SPDX-License-Identifier: GPL-3.0-or-later

import Platform

import LangevinCore

/// The Müller–Brown potential (Müller & Brown, Theor. Chim. Acta 53, 75 (1979)), multiplied by a scale s:
///
///     U(x, y) = s Σₖ Aₖ exp(aₖ (x − x⁰ₖ)² + bₖ (x − x⁰ₖ)(y − y⁰ₖ) + cₖ (y − y⁰ₖ)²),   k = 1…4,
///
///     A  = (−200, −100, −170,  15)     x⁰ = ( 1,  0,  −0.5, −1)
///     a  = (  −1,   −1, −6.5, 0.7)     y⁰ = ( 0, 0.5,  1.5,  1)
///     b  = (   0,    0,   11, 0.6)
///     c  = ( −10,  −10, −6.5, 0.7)
///
/// The fourth term's quadratic form is positive definite, so U → +∞ far away and exp(−U/T) is normalisable.
///
/// Stationary points of the unscaled surface (s = 1), located to the digits shown (checked in the tests):
///
/// | point          | x          | y         | U(s = 1)     |
/// |----------------|------------|-----------|--------------|
/// | minimum A      | −0.558224  | 1.441726  | −146.699517  |
/// | minimum B      |  0.623499  | 0.028038  | −108.166724  |
/// | minimum C      | −0.050011  | 0.466694  |  −80.767818  |
/// | saddle A–C     | −0.822002  | 0.624313  |  −40.664844  |
/// | saddle C–B     |  0.212487  | 0.292988  |  −72.248940  |
///
/// Why the default s = 0.1: the raw barriers are tens to a hundred energy units, so at kT = 1 a chain would never
/// leave its first basin. With s = 0.1 and T = 1 the barriers are about 10.6 kT (A → A–C saddle), 4.0 kT
/// (C → A–C saddle), 0.85 kT (C → C–B saddle) and 3.6 kT (B → C–B saddle): transitions B ⇄ C are frequent,
/// escapes from the deep basin A are rare but observable in long runs — the classic test of a sampler.
/// s scales U only: positions of stationary points do not change, energies are multiplied by s.
///
/// Nothing about π_T is known in closed form.
public struct MuellerBrown: Energy, Sendable, Equatable {
    public typealias Scalar = Double

    /// s > 0, the factor multiplying the classic surface.
    public let scale: Double

    /// - Parameter scale: s > 0 (default 0.1, see the type's documentation).
    public init(scale: Double = 0.1) throws(LangevinError) {
        try requirePositive(scale, "the Müller–Brown scale")
        self.scale = scale
    }

    /// The three minima of the unscaled (s = 1) surface as (x, y, U), deepest first.
    public static let minima: [(x: Double, y: Double, energy: Double)] = [
        (-0.558224, 1.441726, -146.699517),
        (0.623499, 0.028038, -108.166724),
        (-0.050011, 0.466694, -80.767818),
    ]

    /// The two saddle points of the unscaled (s = 1) surface as (x, y, U): between A and C, between C and B.
    public static let saddles: [(x: Double, y: Double, energy: Double)] = [
        (-0.822002, 0.624313, -40.664844),
        (0.212487, 0.292988, -72.248940),
    ]

    @inlinable public var dimension: Int { 2 }

    /// One term Aₖ exp(q) with its x and y derivatives.
    @inlinable @inline(__always)
    static func term(
        _ x: Double, _ y: Double,
        _ A: Double, _ a: Double, _ b: Double, _ c: Double, _ x0: Double, _ y0: Double
    ) -> (u: Double, gx: Double, gy: Double) {
        let dx = x - x0, dy = y - y0
        let e = A * exp(a * dx * dx + b * dx * dy + c * dy * dy)
        return (e, e * (2 * a * dx + b * dy), e * (b * dx + 2 * c * dy))
    }

    @inlinable
    public func energy(at p: UnsafeBufferPointer<Double>) -> Double {
        let x = p[0], y = p[1]
        let t1 = Self.term(x, y, -200, -1, 0, -10, 1, 0).u
        let t2 = Self.term(x, y, -100, -1, 0, -10, 0, 0.5).u
        let t3 = Self.term(x, y, -170, -6.5, 11, -6.5, -0.5, 1.5).u
        let t4 = Self.term(x, y, 15, 0.7, 0.6, 0.7, -1, 1).u
        return scale * (t1 + t2 + t3 + t4)
    }

    @inlinable
    public func energyAndGradient(
        at p: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let x = p[0], y = p[1]
        let t1 = Self.term(x, y, -200, -1, 0, -10, 1, 0)
        let t2 = Self.term(x, y, -100, -1, 0, -10, 0, 0.5)
        let t3 = Self.term(x, y, -170, -6.5, 11, -6.5, -0.5, 1.5)
        let t4 = Self.term(x, y, 15, 0.7, 0.6, 0.7, -1, 1)
        gradient[0] = scale * (t1.gx + t2.gx + t3.gx + t4.gx)
        gradient[1] = scale * (t1.gy + t2.gy + t3.gy + t4.gy)
        return scale * (t1.u + t2.u + t3.u + t4.u)
    }
}
