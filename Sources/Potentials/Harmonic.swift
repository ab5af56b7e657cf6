// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore

/// An axis-aligned harmonic well in any dimension d:
///
///     U(x) = Σᵢ kᵢ (xᵢ − cᵢ)² / 2,        ∂U/∂xᵢ = kᵢ (xᵢ − cᵢ).
///
/// - `stiffness` kᵢ > 0 is in energy units per squared coordinate unit; `center` cᵢ defaults to the origin.
///
/// Known exactly at every temperature T ≥ 0: π_T is the product of normals N(cᵢ, T/kᵢ), so
/// ⟨xᵢ⟩ = cᵢ, Var(xᵢ) = T/kᵢ, and ⟨U⟩ = dT/2 (equipartition).
public struct Harmonic: Energy, Sendable, Equatable {
    /// Polynomial: a finite U at a finite x implies a finite ∇U (one degree lower).
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool { true }

    public typealias Scalar = Double

    /// kᵢ, one per coordinate.
    public let stiffness: [Double]
    /// cᵢ, one per coordinate.
    public let center: [Double]

    /// - Parameters:
    ///   - stiffness: kᵢ > 0 per axis; its count is the dimension (≥ 1).
    ///   - center: cᵢ per axis (same count as `stiffness`); nil means the origin.
    /// - Throws: `.invalidParameter` for an empty or non-positive/non-finite stiffness, a non-finite centre, or a
    ///   centre of the wrong length.
    public init(stiffness: [Double], center: [Double]? = nil) throws(LangevinError) {
        guard !stiffness.isEmpty else { throw .invalidParameter("a harmonic well needs at least one stiffness") }
        for (i, k) in stiffness.enumerated() { try requirePositive(k, "stiffness k\(i + 1)") }
        let c = center ?? [Double](repeating: 0, count: stiffness.count)
        guard c.count == stiffness.count else {
            throw .invalidParameter(
                "the centre has \(c.count) coordinates but the stiffness has \(stiffness.count)")
        }
        for (i, ci) in c.enumerated() { try requireFinite(ci, "centre coordinate c\(i + 1)") }
        self.stiffness = stiffness
        self.center = c
    }

    /// An isotropic well U = k|x|²/2 centred at the origin in `dimension` dimensions.
    public init(dimension: Int = 1, stiffness: Double = 1) throws(LangevinError) {
        guard dimension >= 1 else { throw .invalidParameter("dimension must be ≥ 1, got \(dimension)") }
        try self.init(stiffness: [Double](repeating: stiffness, count: dimension))
    }

    @inlinable public var dimension: Int { stiffness.count }

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        stiffness.withUnsafeBufferPointer { k in
            center.withUnsafeBufferPointer { c in
                var u = 0.0
                for i in 0..<k.count {
                    let d = x[i] - c[i]
                    u += k[i] * d * d
                }
                return 0.5 * u
            }
        }
    }

    @inlinable
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        stiffness.withUnsafeBufferPointer { k in
            center.withUnsafeBufferPointer { c in
                var u = 0.0
                for i in 0..<k.count {
                    let d = x[i] - c[i]
                    let f = k[i] * d
                    gradient[i] = f
                    u += f * d
                }
                return 0.5 * u
            }
        }
    }

    /// Exact at every T ≥ 0: means cᵢ, variances T/kᵢ, ⟨U⟩ = dT/2. Nil for a negative or non-finite T.
    public func exactMoments(temperature: Double) -> ExactMoments? {
        guard isUsableTemperature(temperature) else { return nil }
        return ExactMoments(
            temperature: temperature, means: center, variances: stiffness.map { temperature / $0 },
            meanEnergy: Double(dimension) * temperature / 2)
    }
}
