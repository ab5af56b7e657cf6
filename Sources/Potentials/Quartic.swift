// SPDX-License-Identifier: GPL-3.0-or-later

import Platform

import LangevinCore

/// A pure quartic well, independently in each of d coordinates:
///
///     U(x) = Σᵢ a xᵢ⁴ / 4,        ∂U/∂xᵢ = a xᵢ³,
///
/// with a > 0 in energy units per (coordinate unit)⁴. Its Boltzmann law is not Gaussian, which makes it a test of
/// integrators beyond the harmonic case (the force grows cubically, so explicit schemes need small steps far out).
///
/// Known exactly at every T ≥ 0. Substituting x = (4T/a)^{1/4} u turns exp(−a x⁴/(4T)) into exp(−u⁴), and
/// ∫₀^∞ uⁿ exp(−u⁴) du = Γ((n+1)/4)/4, so per coordinate
///
///     ⟨xᵢ⟩ = 0,   ⟨xᵢ²⟩ = (4T/a)^{1/2} Γ(3/4)/Γ(1/4),   ⟨xᵢ⁴⟩ = T/a,   ⟨U⟩ = dT/4.
///
/// At a = T = 1, ⟨x²⟩ = 2Γ(3/4)/Γ(1/4) ≈ 0.675978240067. (⟨a xᵢ⁴⟩ = T is the virial identity ⟨xᵢ ∂ᵢU⟩ = T.)
public struct Quartic: Energy, Sendable, Equatable {
    /// Polynomial: a finite U at a finite x implies a finite ∇U (one degree lower).
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool { true }

    public typealias Scalar = Double

    /// The coefficient a > 0.
    public let a: Double
    public let dimension: Int

    /// - Parameters:
    ///   - a: the coefficient a > 0 of U = a x⁴/4.
    ///   - dimension: the number d ≥ 1 of independent coordinates.
    public init(a: Double = 1, dimension: Int = 1) throws(LangevinError) {
        try requirePositive(a, "the quartic coefficient a")
        guard dimension >= 1 else { throw .invalidParameter("dimension must be ≥ 1, got \(dimension)") }
        self.a = a
        self.dimension = dimension
    }

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        var s = 0.0
        for i in 0..<dimension {
            let x2 = x[i] * x[i]
            s += x2 * x2
        }
        return 0.25 * a * s
    }

    @inlinable
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        var s = 0.0
        for i in 0..<dimension {
            let xi = x[i]
            let x3 = xi * xi * xi
            gradient[i] = a * x3
            s += x3 * xi
        }
        return 0.25 * a * s
    }

    /// Γ(3/4)/Γ(1/4) ≈ 0.337989120034.
    public static var gammaRatio: Double { tgamma(0.75) / tgamma(0.25) }

    /// ⟨xᵢ²⟩ = (4T/a)^{1/2} Γ(3/4)/Γ(1/4) at temperature T.
    public func secondMoment(temperature: Double) -> Double {
        (4 * temperature / a).squareRoot() * Self.gammaRatio
    }

    /// Exact at every T ≥ 0: means 0, variances (4T/a)^{1/2} Γ(3/4)/Γ(1/4), ⟨U⟩ = dT/4.
    public func exactMoments(temperature: Double) -> ExactMoments? {
        guard isUsableTemperature(temperature) else { return nil }
        return ExactMoments(
            temperature: temperature, means: [Double](repeating: 0, count: dimension),
            variances: [Double](repeating: secondMoment(temperature: temperature), count: dimension),
            meanEnergy: Double(dimension) * temperature / 4)
    }
}
