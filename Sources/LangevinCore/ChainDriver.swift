// SPDX-License-Identifier: GPL-3.0-or-later

/// Everything one chain is made of: its integrator, its gradient field, its state and its random source.
///
/// A value of this type is what ``drive(_:steps:before:after:)`` advances, and what its hooks see between steps,
/// so that a caller (a trainer with warm-start and sampling phases, an annealing schedule, a checkpointing loop)
/// can change the integrator's parameters or phase, keep samples and save the chain without a loop of its own.
public struct MarkovChain<Integrator: LangevinIntegrator, Field: GradientEstimator, Random: RandomSource> {
    public var integrator: Integrator
    public var field: Field
    public var state: LangevinState<Field.Scalar>
    public var random: Random

    public init(integrator: Integrator, field: Field, state: LangevinState<Field.Scalar>, random: Random) {
        self.integrator = integrator
        self.field = field
        self.state = state
        self.random = random
    }

    /// Advances the chain by one step of its integrator.
    @inlinable
    public mutating func step() throws(DivergenceError<Field.Scalar>) -> StepInfo {
        try integrator.step(&state, field: &field, random: &random)
    }
}

/// What the `after` hook of ``drive(_:steps:before:after:)`` decides.
public enum ChainControl: Sendable, Equatable {
    /// Take the next step.
    case proceed
    /// Stop after this step (the run is complete as far as the caller is concerned).
    case stop
}

/// Why a driven chain stopped early.
public enum ChainRunError<Scalar: BinaryFloatingPoint & Sendable>: Error, CustomStringConvertible {
    /// A step produced a non-finite number; the chain's state is the last finite one.
    case diverged(DivergenceError<Scalar>)
    /// A hook threw (a write failed, a parameter was refused); the chain's state is that after the last step taken.
    case failed(LangevinError)

    public var description: String {
        switch self {
        case .diverged(let e): e.description
        case .failed(let e): e.description
        }
    }
}

/// Runs the steps `steps` (0-based step indices t) of `chain`, calling `before(t, &chain)` ahead of step t — where
/// a schedule sets h(t) and T(t) with ``LangevinIntegrator/setParameters(_:)`` or a trainer switches phase — and
/// `after(t, info, &chain)` once step t is done, where samples are kept, logs written, checkpoints saved, and the
/// run may be stopped. Returns the number of steps taken.
///
/// A divergence stops the run with ``ChainRunError/diverged(_:)`` and leaves the state at its last finite value;
/// an error thrown by a hook stops it with ``ChainRunError/failed(_:)``. Either way the chain is consistent and
/// can be saved.
@inlinable
public func drive<I: LangevinIntegrator, F: GradientEstimator, R: RandomSource>(
    _ chain: inout MarkovChain<I, F, R>, steps: Range<Int>,
    before: (_ step: Int, _ chain: inout MarkovChain<I, F, R>) throws(LangevinError) -> Void,
    after: (_ step: Int, _ info: StepInfo, _ chain: inout MarkovChain<I, F, R>) throws(LangevinError) -> ChainControl
) throws(ChainRunError<F.Scalar>) -> Int {
    var taken = 0
    for t in steps {
        do throws(LangevinError) { try before(t, &chain) } catch { throw .failed(error) }
        let info: StepInfo
        do throws(DivergenceError<F.Scalar>) { info = try chain.step() } catch { throw .diverged(error) }
        taken += 1
        let control: ChainControl
        do throws(LangevinError) { control = try after(t, info, &chain) } catch { throw .failed(error) }
        if control == .stop { break }
    }
    return taken
}
