// SPDX-License-Identifier: GPL-3.0-or-later

/// A field of (possibly estimated) gradients of a potential energy U : ℝᵈ → ℝ.
///
/// This is what every integrator consumes. A deterministic ``Energy`` is one; so is a minibatch estimator of a
/// network loss, whose `energyAndGradient` returns an unbiased *estimate* of ∇U (and of U) that changes from call
/// to call. Integrators that need the exact energy (MALA's accept/reject) check ``isExact``.
///
/// Units and conventions: U is measured in units of kT (``LangevinParameters/temperature`` is kT in the same units),
/// positions are dimensionless coordinates in ℝᵈ, and `gradient[i] = ∂U/∂x_i`.
public protocol GradientEstimator {
    /// The floating-point type of positions and gradients (`Double` for toy potentials, `Float` for networks).
    associatedtype Scalar: BinaryFloatingPoint & Sendable

    /// The dimension d of the configuration space.
    var dimension: Int { get }

    /// Whether `energyAndGradient` returns the exact U and ∇U (true) or a stochastic estimate (false).
    var isExact: Bool { get }

    /// Whether a finite U at a finite x guarantees a finite ∇U (true for polynomial energies: if U ∼ |x|ᵏ is finite,
    /// so is ∇U ∼ |x|ᵏ⁻¹). The integrators then skip the gradient's finiteness check; the default is false.
    var gradientIsFiniteWhereEnergyIs: Bool { get }

    /// Σᵢ gᵢ·0 over `gradient`, a gradient this estimator has just written: exactly 0 when every entry is finite, NaN
    /// otherwise (x·0 is NaN exactly when x is ±∞ or NaN). The integrators' finiteness check of every new gradient
    /// calls it. The default is one pass on the calling thread; an estimator over a large parameter vector (a
    /// network) may split the pass over its own threads — any split gives the same answer, since only zeros and
    /// NaNs are summed.
    func gradientFinitenessCheck(_ gradient: UnsafeBufferPointer<Scalar>) -> Scalar

    /// Writes ∇U(x) (or an estimate of it) into `gradient` and returns U(x) (or an estimate; NaN when unknown).
    ///
    /// - Precondition: `x.count == dimension`, `gradient.count == dimension`.
    mutating func energyAndGradient(
        at x: UnsafeBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>) -> Double
}

/// A deterministic potential energy U(x) with its exact gradient.
///
/// A Swift type, a closure (``ClosureEnergy``) and a compiled user expression all conform.
public protocol Energy: GradientEstimator {
    /// U(x).
    func energy(at x: UnsafeBufferPointer<Scalar>) -> Double

    /// Writes ∇U(x) into `gradient` and returns U(x).
    func energyAndGradient(
        at x: UnsafeBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>) -> Double

    /// Names of the coordinates, in order (`x`, `y`, … or `x0`, `x1`, …); used for CSV headers and `--init`.
    var variableNames: [String] { get }
}

extension Energy {
    @inlinable public var isExact: Bool { true }
}

extension GradientEstimator {
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool { false }

    @inlinable public func gradientFinitenessCheck(_ gradient: UnsafeBufferPointer<Scalar>) -> Scalar {
        var acc: Scalar = 0
        for v in gradient { acc += v * 0 }
        return acc
    }

    /// The finiteness check of the trial gradient `state` holds, for ``LangevinState/commitTrial(energy:exact:momentum:positionCheck:gradientImpliedFinite:gradientCheck:)``:
    /// nil when a finite energy implies a finite gradient (nothing to check), else ``gradientFinitenessCheck(_:)``.
    @inlinable @inline(__always)
    func trialGradientCheck(_ state: LangevinState<Scalar>) -> Scalar? {
        if gradientIsFiniteWhereEnergyIs && isExact { return nil }
        return gradientFinitenessCheck(UnsafeBufferPointer(start: state.trialG, count: state.dimension))
    }
}

extension Energy {
    /// Default coordinate names: `x`, `y`, `z` for d ≤ 3, otherwise `x0`, `x1`, ….
    public var variableNames: [String] { defaultVariableNames(dimension) }

    /// U(x) for an array argument (convenience; not for hot loops).
    public func energy(at x: [Scalar]) -> Double {
        x.withUnsafeBufferPointer { energy(at: $0) }
    }

    /// (U(x), ∇U(x)) for an array argument (convenience; not for hot loops).
    public func energyAndGradient(at x: [Scalar]) -> (energy: Double, gradient: [Scalar]) {
        var g = [Scalar](repeating: 0, count: dimension)
        let u = x.withUnsafeBufferPointer { xp in
            g.withUnsafeMutableBufferPointer { gp in energyAndGradient(at: xp, gradient: gp) }
        }
        return (u, g)
    }
}

/// `x`, `y`, `z` for d ≤ 3, otherwise `x0` … `x(d-1)`.
public func defaultVariableNames(_ dimension: Int) -> [String] {
    if dimension <= 3 { return Array(["x", "y", "z"].prefix(dimension)) }
    return (0..<dimension).map { "x\($0)" }
}

/// An energy given by two closures: one for U, one for U and ∇U together.
///
/// ```swift
/// let well = ClosureEnergy(variables: ["x"]) { x in x[0] * x[0] / 2 }
///                                      gradient: { x, g in g[0] = x[0]; return x[0] * x[0] / 2 }
/// ```
public struct ClosureEnergy: Energy {
    public typealias Scalar = Double
    public let dimension: Int
    public let variableNames: [String]
    @usableFromInline let u: (UnsafeBufferPointer<Double>) -> Double
    @usableFromInline let ug: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double

    /// - Parameters:
    ///   - variables: coordinate names; their count is the dimension.
    ///   - energy: U(x).
    ///   - gradient: writes ∇U(x) into its second argument and returns U(x).
    public init(
        variables: [String],
        energy: @escaping (UnsafeBufferPointer<Double>) -> Double,
        gradient: @escaping (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double
    ) {
        self.dimension = variables.count
        self.variableNames = variables
        self.u = energy
        self.ug = gradient
    }

    @inlinable public func energy(at x: UnsafeBufferPointer<Double>) -> Double { u(x) }
    @inlinable public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double { ug(x, gradient) }
}
