// SPDX-License-Identifier: GPL-3.0-or-later

/// The buffers of one chain state during a step, as an integrator sees them: the current point (read-only), the
/// trial point it writes, and a scratch buffer for noise. Valid only inside
/// ``LangevinState/withStepBuffers(_:)``.
///
/// The protocol of a step (every built-in scheme follows it, and so can a scheme written in another package):
/// 1. write the proposal into `trialPosition` (and `trialMomentum` for underdamped schemes);
/// 2. evaluate U and ∇U there with ``LangevinState/evaluateTrial(field:)``, which fills `trialGradient`;
/// 3. either ``LangevinState/commitTrial(energy:exact:includesMomentum:gradientImpliedFinite:)`` — the trial point
///    becomes current if every number in it is finite, otherwise the state stays as it was and a
///    ``DivergenceError`` names the step and the quantity — or, for a Metropolis rejection,
///    ``LangevinState/rejectTrial()``, which keeps the current point and counts the step.
public struct StepBuffers<Scalar: BinaryFloatingPoint & Sendable> {
    /// x ∈ ℝᵈ, the current position.
    public let position: UnsafeBufferPointer<Scalar>
    /// p ∈ ℝᵈ, the current momentum (all zeros until the state has momenta; see
    /// ``LangevinState/prepareMomentum()``).
    public let momentum: UnsafeBufferPointer<Scalar>
    /// ∇U(x) (or its estimate) at the current position.
    public let gradient: UnsafeBufferPointer<Scalar>
    /// U(x) (or its estimate) at the current position.
    public let energy: Double
    /// The proposed position y, written by the integrator.
    public let trialPosition: UnsafeMutableBufferPointer<Scalar>
    /// The proposed momentum, written by underdamped integrators.
    public let trialMomentum: UnsafeMutableBufferPointer<Scalar>
    /// ∇U(y), written by ``LangevinState/evaluateTrial(field:)`` (or by the integrator between its sub-steps).
    public let trialGradient: UnsafeMutableBufferPointer<Scalar>
    /// d scalars of scratch space, e.g. for the step's Gaussian noise.
    public let noise: UnsafeMutableBufferPointer<Scalar>

    @usableFromInline
    init(position: UnsafeBufferPointer<Scalar>, momentum: UnsafeBufferPointer<Scalar>,
         gradient: UnsafeBufferPointer<Scalar>, energy: Double, trialPosition: UnsafeMutableBufferPointer<Scalar>,
         trialMomentum: UnsafeMutableBufferPointer<Scalar>, trialGradient: UnsafeMutableBufferPointer<Scalar>,
         noise: UnsafeMutableBufferPointer<Scalar>) {
        self.position = position
        self.momentum = momentum
        self.gradient = gradient
        self.energy = energy
        self.trialPosition = trialPosition
        self.trialMomentum = trialMomentum
        self.trialGradient = trialGradient
        self.noise = noise
    }
}

extension LangevinState {
    /// Calls `body` with the state's buffers for one step (after making the storage unique, so a copy of this
    /// state elsewhere is never changed). The pointers must not escape `body`.
    @inlinable
    public mutating func withStepBuffers<T, E: Error>(_ body: (StepBuffers<Scalar>) throws(E) -> T) throws(E) -> T {
        makeUnique()
        let d = dimension
        return try body(StepBuffers(
            position: UnsafeBufferPointer(start: x, count: d),
            momentum: UnsafeBufferPointer(start: p, count: d),
            gradient: UnsafeBufferPointer(start: g, count: d),
            energy: _energy,
            trialPosition: UnsafeMutableBufferPointer(start: trialX, count: d),
            trialMomentum: UnsafeMutableBufferPointer(start: trialP, count: d),
            trialGradient: UnsafeMutableBufferPointer(start: trialG, count: d),
            noise: UnsafeMutableBufferPointer(start: noise, count: d)))
    }

    /// Evaluates U and ∇U at the trial position, writing ∇U into the trial gradient; returns U (an estimate for
    /// stochastic fields).
    @inlinable
    public mutating func evaluateTrial<F: GradientEstimator>(field: inout F) -> Double where F.Scalar == Scalar {
        makeUnique()
        let d = dimension
        return field.energyAndGradient(at: UnsafeBufferPointer(start: trialX, count: d),
                                       gradient: UnsafeMutableBufferPointer(start: trialG, count: d))
    }

    /// Makes the trial point current if its position, momentum (when `includesMomentum`), energy and gradient are
    /// all finite, and counts the step. Otherwise throws a ``DivergenceError`` naming the step and the first
    /// non-finite quantity, with the state exactly as it was before the step.
    ///
    /// - Parameters:
    ///   - energy: U at the trial position (from ``evaluateTrial(field:)``).
    ///   - exact: whether U is exact (a NaN estimate from a stochastic field is allowed; a NaN exact U is not).
    ///   - includesMomentum: whether the trial momentum is part of the step (underdamped schemes).
    ///   - gradientImpliedFinite: the field's ``GradientEstimator/gradientIsFiniteWhereEnergyIs`` (skips one check).
    @inlinable
    public mutating func commitTrial(energy: Double, exact: Bool, includesMomentum: Bool,
                                     gradientImpliedFinite: Bool = false) throws(DivergenceError<Scalar>) {
        if includesMomentum { ensureMomentum() }
        try commitTrial(energy: energy, exact: exact, momentum: includesMomentum, positionCheck: nil,
                        gradientImpliedFinite: gradientImpliedFinite)
    }

    /// A Metropolis rejection: the current point stays, the trial buffers are discarded, the step is counted.
    @inlinable
    public mutating func rejectTrial() {
        _stepCount &+= 1
    }

    /// Gives the state momenta (zeros) if it has none, so that an underdamped scheme can read and write them.
    /// ``LangevinIntegrator/prepare(_:random:)`` instead draws them from the Maxwell–Boltzmann law.
    @inlinable
    public mutating func prepareMomentum() {
        makeUnique()
        ensureMomentum()
    }
}
