// SPDX-License-Identifier: GPL-3.0-or-later

/// An integrator chosen at run time by name (`euler-maruyama`, `mala`, `baoab`, `obabo`, `aboba`) or by any splitting
/// string (`"BAOAB"`, `"OBABO"`, `"BABO"`, …). Dispatch is one predictable switch per step.
public enum AnyIntegrator: LangevinIntegrator, Sendable {
    case eulerMaruyama(EulerMaruyama)
    case mala(MALA)
    case splitting(SplittingIntegrator)

    /// The names accepted besides splitting strings.
    public static let namedSchemes = ["euler-maruyama", "mala", "baoab", "obabo", "aboba"]

    /// Builds the integrator named `name` (case-insensitive; `em` and `ula` are aliases of `euler-maruyama`).
    public init(name: String, parameters: LangevinParameters) throws(LangevinError) {
        switch name.lowercased() {
        case "euler-maruyama", "em", "ula", "euler":
            self = .eulerMaruyama(try EulerMaruyama(parameters))
        case "mala":
            self = .mala(try MALA(parameters))
        default:
            let letters = Set("BAObao")
            guard !name.isEmpty, name.allSatisfy({ letters.contains($0) }) else {
                throw LangevinError(.unknownName,
                    "unknown integrator '\(name)': use one of \(Self.namedSchemes.joined(separator: ", ")) or a splitting string of B, A, O such as BAOAB")
            }
            self = .splitting(try SplittingIntegrator(parameters, scheme: try SplittingScheme(name)))
        }
    }

    public var parameters: LangevinParameters {
        switch self {
        case .eulerMaruyama(let i): i.parameters
        case .mala(let i): i.parameters
        case .splitting(let i): i.parameters
        }
    }
    /// The wrapped scheme (its properties are the ones this value reports).
    public var wrapped: any LangevinIntegrator & Sendable {
        switch self {
        case .eulerMaruyama(let i): i
        case .mala(let i): i
        case .splitting(let i): i
        }
    }
    public var usesMomentum: Bool { wrapped.usesMomentum }
    public var requiresExactGradient: Bool { wrapped.requiresExactGradient }
    public var isMetropolisAdjusted: Bool { wrapped.isMetropolisAdjusted }
    public var name: String { wrapped.name }

    public mutating func setParameters(_ parameters: LangevinParameters) throws(LangevinError) {
        switch self {
        case .eulerMaruyama(var i): try i.setParameters(parameters); self = .eulerMaruyama(i)
        case .mala(var i): try i.setParameters(parameters); self = .mala(i)
        case .splitting(var i): try i.setParameters(parameters); self = .splitting(i)
        }
    }

    @inlinable @inline(__always)
    public mutating func step<F: GradientEstimator, R: RandomSource>(
        _ state: inout LangevinState<F.Scalar>, field: inout F, random: inout R
    ) throws(DivergenceError<F.Scalar>) -> StepInfo {
        switch self {
        case .eulerMaruyama(var i):
            defer { self = .eulerMaruyama(i) }
            return try i.step(&state, field: &field, random: &random)
        case .mala(var i):
            defer { self = .mala(i) }
            return try i.step(&state, field: &field, random: &random)
        case .splitting(var i):
            defer { self = .splitting(i) }
            return try i.step(&state, field: &field, random: &random)
        }
    }
}
