// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore

/// The Rosenbrock "banana" as an energy:
///
///     U(x, y) = ((a − x)² + b (y − x²)²) / s,
///     ∂U/∂x = (−2(a − x) − 4b x (y − x²)) / s,   ∂U/∂y = 2b (y − x²) / s,
///
/// with a finite, b > 0 and the normalisation s > 0 (default 20, so that at a = 1, b = 100, T = 1 the curved valley
/// is long — x spreads with standard deviation √10 — but narrow across: y − x² has standard deviation √0.1).
/// The minimum is U(a, a²) = 0.
///
/// Known exactly at every T ≥ 0. The map (x, y) ↦ (x, u = y − x²) has unit Jacobian and makes U/T a sum of two
/// squares, so with v = sT/2: x ∼ N(a, v) and, given x, y ∼ N(x², v/b). Hence
///
///     ⟨x⟩ = a,   Var(x) = v,   ⟨y⟩ = a² + v,   Var(y) = v/b + 2v² + 4a²v,   ⟨U⟩ = T.
///
/// (Var(y) = E[Var(y | x)] + Var(x²), and Var(x²) = 2v² + 4a²v for x ∼ N(a, v).) The density is proper for all b > 0.
public struct Rosenbrock: Energy, Sendable, Equatable {
    /// Polynomial: a finite U at a finite x implies a finite ∇U (one degree lower).
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool { true }

    public typealias Scalar = Double

    /// a, the x coordinate of the minimum.
    public let a: Double
    /// b > 0, the stiffness of the curved valley y = x².
    public let b: Double
    /// s > 0, the normalisation dividing U.
    public let scale: Double
    /// 1/s.
    @usableFromInline let inverseScale: Double

    /// - Parameters:
    ///   - a: finite.
    ///   - b: > 0.
    ///   - scale: s > 0 (default 20).
    public init(a: Double = 1, b: Double = 100, scale: Double = 20) throws(LangevinError) {
        try requireFinite(a, "the Rosenbrock parameter a")
        try requirePositive(b, "the Rosenbrock parameter b")
        try requirePositive(scale, "the Rosenbrock normalisation")
        self.a = a
        self.b = b
        self.scale = scale
        self.inverseScale = 1 / scale
    }

    @inlinable public var dimension: Int { 2 }

    @inlinable
    public func energy(at p: UnsafeBufferPointer<Double>) -> Double {
        let x = p[0], y = p[1]
        let dx = a - x, v = y - x * x
        return (dx * dx + b * v * v) * inverseScale
    }

    @inlinable
    public func energyAndGradient(
        at p: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let x = p[0], y = p[1]
        let dx = a - x, v = y - x * x
        let bv = b * v
        gradient[0] = (-2 * dx - 4 * x * bv) * inverseScale
        gradient[1] = 2 * bv * inverseScale
        return (dx * dx + bv * v) * inverseScale
    }

    /// The Boltzmann law at T > 0 as a Gaussian on a parabola: x ∼ N(a, v) with v = sT/2 and, given x,
    /// y ∼ N(x², v/b) (see the type's documentation). Exact marginals follow from it without 2-D quadrature:
    /// P(y ≤ t) = E[Φ((t − x²)/√(v/b))] over x ∼ N(a, v). Nil unless T is finite and > 0.
    public func boltzmannLaw(temperature: Double) -> (xMean: Double, xVariance: Double, yConditionalVariance: Double)? {
        guard temperature.isFinite, temperature > 0 else { return nil }
        let v = scale * temperature / 2
        return (a, v, v / b)
    }

    /// Exact at every T ≥ 0 (see the type's documentation).
    public func exactMoments(temperature: Double) -> ExactMoments? {
        guard isUsableTemperature(temperature) else { return nil }
        let v = scale * temperature / 2
        return ExactMoments(
            temperature: temperature, means: [a, a * a + v], variances: [v, v / b + 2 * v * v + 4 * a * a * v],
            meanEnergy: temperature)
    }
}
