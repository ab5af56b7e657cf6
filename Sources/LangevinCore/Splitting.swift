// SPDX-License-Identifier: GPL-3.0-or-later
import RealModule

/// The three exactly solvable pieces of underdamped Langevin dynamics
/// dx = p/m dt, dp = −∇U dt − γp dt + √(2γmT) dW, composed as in OpenMM / openmmtools ("V R O R V" = "BAOAB").
public enum SplittingOperator: Character, Sendable, Equatable, CaseIterable {
    /// Kick: p ← p − δ ∇U(x).
    case kick = "B"
    /// Drift: x ← x + δ p / m.
    case drift = "A"
    /// Ornstein–Uhlenbeck: p ← c p + √((1 − c²) m T) ξ with c = exp(−γ δ) (exact in law).
    case ornsteinUhlenbeck = "O"
}

/// A splitting scheme: a string of B, A, O letters read left to right. Each occurrence of a letter advances its
/// piece by h / (number of occurrences of that letter), so every piece integrates one full step h:
/// "BAOAB" = B(h/2) A(h/2) O(h) A(h/2) B(h/2); "OBABO" = O(h/2) B(h/2) A(h) B(h/2) O(h/2); "ABOBA" =
/// A(h/2) B(h/2) O(h) B(h/2) A(h/2). A gradient is re-evaluated only after x has moved, so BAOAB and OBABO cost one
/// gradient evaluation per step.
public struct SplittingScheme: Sendable, Equatable, CustomStringConvertible {
    public let operators: [SplittingOperator]
    public var description: String { String(operators.map(\.rawValue)) }

    /// Parses a splitting string such as "BAOAB" (case-insensitive). It needs at least one A and one B; without O
    /// it is deterministic Hamiltonian dynamics (velocity Verlet for "BAB").
    public init(_ text: String) throws(LangevinError) {
        var ops: [SplittingOperator] = []
        for (i, ch) in text.uppercased().enumerated() {
            guard let op = SplittingOperator(rawValue: ch) else {
                throw LangevinError(.unknownName,
                    "splitting '\(text)': character \(i + 1) ('\(ch)') is not one of B (kick), A (drift), O (Ornstein–Uhlenbeck)")
            }
            ops.append(op)
        }
        guard ops.contains(.kick), ops.contains(.drift) else {
            throw LangevinError(.unknownName, "splitting '\(text)' needs at least one A (drift) and one B (kick)")
        }
        self.operators = ops
    }

    /// Fraction of h advanced by each occurrence of `op`.
    public func fraction(of op: SplittingOperator) -> Double {
        let n = operators.filter { $0 == op }.count
        return n == 0 ? 0 : 1 / Double(n)
    }
}

/// Underdamped Langevin dynamics by a B/A/O splitting (Leimkuhler & Matthews 2013, 2015).
///
/// On U = kx²/2 the exact stationary moments are known: BAOAB samples ⟨x²⟩ = T/k exactly with
/// ⟨p²⟩ = mT(1 − h²k/(4m)); OBABO samples ⟨p²⟩ = mT exactly with ⟨x²⟩ = (T/k)/(1 − h²k/(4m)).
/// With γ = 0 or T = 0 the O piece is deterministic (friction only, or nothing); no random numbers are drawn then.
public struct SplittingIntegrator: LangevinIntegrator, Sendable {
    public private(set) var parameters: LangevinParameters
    public let scheme: SplittingScheme
    public var usesMomentum: Bool { true }
    public var requiresExactGradient: Bool { false }
    public var isMetropolisAdjusted: Bool { false }
    public var name: String { scheme.description }

    @usableFromInline let ops: [SplittingOperator]
    @usableFromInline var kickStep: Double = 0
    @usableFromInline var driftStep: Double = 0
    /// O-step coefficients c = exp(−γδ) and the noise standard deviation √((1 − c²) m T).
    @usableFromInline var ouDecay: Double = 1
    @usableFromInline var ouNoise: Double = 0

    public init(_ parameters: LangevinParameters, scheme: SplittingScheme) throws(LangevinError) {
        try parameters.validate()
        self.parameters = parameters
        self.scheme = scheme
        self.ops = scheme.operators
        updateCoefficients()
    }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        try parameters.validate()
        self.parameters = parameters
        updateCoefficients()
    }

    /// The sub-step coefficients from (h, T, γ, m) and the scheme's letter counts.
    mutating func updateCoefficients() {
        let h = parameters.timeStep
        kickStep = h * scheme.fraction(of: .kick)
        driftStep = h * scheme.fraction(of: .drift) / parameters.mass
        let delta = h * scheme.fraction(of: .ornsteinUhlenbeck)
        ouDecay = Double.exp(-parameters.friction * delta)
        // 1 − c² = −expm1(−2γδ), accurate for small γδ.
        ouNoise = (-Double.expMinusOne(-2 * parameters.friction * delta) * parameters.mass * parameters.temperature).squareRoot()
    }

    @inlinable
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        typealias S = F.Scalar
        state.makeUnique()
        state.ensureMomentum()
        let n = state.dimension
        // Work on the trial buffers; commit only if everything stays finite.
        let x = state.trialX, p = state.trialP, g = state.trialG, xi = state.noise
        x.update(from: state.x, count: n)
        p.update(from: state.p, count: n)
        g.update(from: state.g, count: n)
        var u = state._energy
        var gradientIsCurrent = true
        var evaluations = 0
        let kb = S(kickStep), ka = S(driftStep), c = S(ouDecay)
        for op in ops {
            switch op {
            case .kick:
                if !gradientIsCurrent {
                    u = field.energyAndGradient(at: UnsafeBufferPointer(start: x, count: n),
                                                gradient: UnsafeMutableBufferPointer(start: g, count: n))
                    evaluations += 1
                    gradientIsCurrent = true
                }
                for i in 0..<n { p[i] -= kb * g[i] }
            case .drift:
                for i in 0..<n { x[i] += ka * p[i] }
                gradientIsCurrent = false
            case .ornsteinUhlenbeck:
                if ouNoise > 0 {
                    random.fillGaussian(generic: UnsafeMutableBufferPointer(start: xi, count: n),
                                        standardDeviation: ouNoise)
                    for i in 0..<n { p[i] = c * p[i] + xi[i] }
                } else if ouDecay != 1 {
                    for i in 0..<n { p[i] *= c }
                }
            }
        }
        // Keep U and ∇U current at the final position (the next step's first kick needs them).
        if !gradientIsCurrent {
            u = field.energyAndGradient(at: UnsafeBufferPointer(start: x, count: n),
                                        gradient: UnsafeMutableBufferPointer(start: g, count: n))
            evaluations += 1
        }
        try state.commitTrial(energy: u, exact: field.isExact, momentum: true,
                              gradientImpliedFinite: field.gradientIsFiniteWhereEnergyIs,
                              gradientCheck: field.trialGradientCheck(state))
        return StepInfo(energy: u, gradientEvaluations: evaluations)
    }
}
