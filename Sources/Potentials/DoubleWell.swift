// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore

/// The symmetric quartic double well in one dimension:
///
///     U(x) = h ((x/a)² − 1)²,        U′(x) = 4h x ((x/a)² − 1) / a².
///
/// - `barrier` h > 0 (energy units) is the barrier height: U(±a) = 0 at the two minima and U(0) = h at the saddle.
/// - `position` a > 0 (coordinate units) is the distance of each minimum from the origin.
///
/// The curvature at each minimum is U″(±a) = 8h/a²; the barrier-crossing (Kramers) rate falls like exp(−h/T).
/// Known exactly: ⟨x⟩ = 0 at every T by the symmetry x → −x. ⟨x²⟩ has no elementary closed form (it involves
/// parabolic-cylinder functions); compute it by quadrature where needed.
public struct DoubleWell1D: Energy, Sendable, Equatable {
    /// Polynomial: a finite U at a finite x implies a finite ∇U (one degree lower).
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool { true }

    public typealias Scalar = Double

    /// h, the barrier height.
    public let barrier: Double
    /// a, the position of the right minimum.
    public let position: Double
    /// 1/a².
    @usableFromInline let inversePositionSquared: Double

    /// - Parameters:
    ///   - barrier: h > 0.
    ///   - position: a > 0.
    public init(barrier: Double = 1, position: Double = 1) throws(LangevinError) {
        try requirePositive(barrier, "the barrier height h")
        try requirePositive(position, "the well position a")
        self.barrier = barrier
        self.position = position
        self.inversePositionSquared = 1 / (position * position)
    }

    @inlinable public var dimension: Int { 1 }

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let q = x[0] * x[0] * inversePositionSquared - 1
        return barrier * q * q
    }

    @inlinable
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let x0 = x[0]
        let q = x0 * x0 * inversePositionSquared - 1
        let hq = barrier * q
        gradient[0] = 4 * hq * x0 * inversePositionSquared
        return hq * q
    }

    /// ⟨x⟩ = 0 at every T ≥ 0 (symmetry); variance and ⟨U⟩ unknown in closed form.
    public func exactMoments(temperature: Double) -> ExactMoments? {
        guard isUsableTemperature(temperature) else { return nil }
        return ExactMoments(temperature: temperature, means: [0])
    }
}

/// A double well in x times a harmonic valley in y — the benchmark potential of the package:
///
///     U(x, y) = h ((x/a)² − 1)² + k_y y²/2,
///     ∂U/∂x = 4h x ((x/a)² − 1) / a²,   ∂U/∂y = k_y y.
///
/// With the defaults h = 1, a = 1, k_y = 1 this is exactly U = (x² − 1)² + y²/2: minima at (±1, 0) with U = 0,
/// a saddle at the origin with U = 1, curvatures 8 (along x) and 1 (along y) at the minima.
///
/// Known exactly: π_T factorises, so y ∼ N(0, T/k_y) and ⟨x⟩ = 0 at every T (symmetry x → −x); ⟨x²⟩ needs
/// quadrature. ``exactMoments(temperature:)`` reports the means only, because the variance array is all-or-nothing;
/// Var(y) = T/k_y is stated here for tests that want it.
public struct DoubleWell2D: Energy, Sendable, Equatable {
    /// Polynomial: a finite U at a finite x implies a finite ∇U (one degree lower).
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool { true }

    public typealias Scalar = Double

    /// h, the barrier height along x.
    public let barrier: Double
    /// a, the x coordinate of the right minimum.
    public let position: Double
    /// k_y > 0, the stiffness of the transverse valley.
    public let ky: Double
    /// 1/a².
    @usableFromInline let inversePositionSquared: Double

    /// - Parameters:
    ///   - barrier: h > 0.
    ///   - position: a > 0.
    ///   - ky: k_y > 0.
    public init(barrier: Double = 1, position: Double = 1, ky: Double = 1) throws(LangevinError) {
        try requirePositive(barrier, "the barrier height h")
        try requirePositive(position, "the well position a")
        try requirePositive(ky, "the transverse stiffness ky")
        self.barrier = barrier
        self.position = position
        self.ky = ky
        self.inversePositionSquared = 1 / (position * position)
    }

    /// The benchmark potential U = (x² − 1)² + y²/2.
    public static let benchmark: DoubleWell2D = try! DoubleWell2D()

    @inlinable public var dimension: Int { 2 }

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let q = x[0] * x[0] * inversePositionSquared - 1
        let y = x[1]
        return barrier * q * q + 0.5 * ky * y * y
    }

    @inlinable
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let x0 = x[0], y = x[1]
        let q = x0 * x0 * inversePositionSquared - 1
        let hq = barrier * q
        let fy = ky * y
        gradient[0] = 4 * hq * x0 * inversePositionSquared
        gradient[1] = fy
        return hq * q + 0.5 * fy * y
    }

    /// Means (0, 0) at every T ≥ 0; variances and ⟨U⟩ unknown in closed form (Var(y) = T/k_y is).
    public func exactMoments(temperature: Double) -> ExactMoments? {
        guard isUsableTemperature(temperature) else { return nil }
        return ExactMoments(temperature: temperature, means: [0, 0])
    }
}
