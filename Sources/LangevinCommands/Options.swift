// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Expressions
import GSLSupport
import LangevinCore
import Potentials

/// Which energy to sample: a built-in potential with its settings, or a user expression.
struct EnergyOptions: ParsableArguments {
    @Option(help: "A built-in potential (see `langevin potentials`).")
    var potential: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("A potential parameter, e.g. --set k=2 (repeatable).",
                                                         valueName: "KEY=VALUE"))
    var settings: [String] = []

    @Option(help: ArgumentHelp("An energy expression in the variables, e.g. '(x^2-1)^2 + y^2/2'.", valueName: "EXPR"))
    var energy: String?

    @Option(help: ArgumentHelp("Variable order for --energy (default: alphabetical), e.g. x,y.", valueName: "NAMES"))
    var variables: String?

    func validate() throws {
        switch (potential, energy) {
        case (nil, nil): throw ValidationError("name an energy: --potential NAME or --energy EXPR")
        case (.some, .some): throw ValidationError("give either --potential or --energy, not both")
        default: break
        }
        if energy != nil && !settings.isEmpty { throw ValidationError("--set applies to --potential only") }
        if potential != nil && variables != nil { throw ValidationError("--variables applies to --energy only") }
    }

    /// Parses the `--set` pairs.
    func parsedSettings() throws(LangevinError) -> [String: Double] {
        var result: [String: Double] = [:]
        for (key, value) in try parseAssignments(settings, option: "--set") { result[key] = value }
        return result
    }

    /// The energy these options name.
    func resolve() throws(LangevinError) -> ResolvedEnergy {
        if let source = energy {
            let names = variables.map { $0.split(separator: ",").map { String($0).trimmed } }
            return .expression(try ExpressionEnergy(source, variables: names))
        }
        return .builtin(try BuiltinPotential.make(name: potential!, settings: try parsedSettings()))
    }
}

/// The energy of a run, by kind.
enum ResolvedEnergy {
    case builtin(BuiltinPotential)
    case expression(ExpressionEnergy)

    var variableNames: [String] {
        switch self {
        case .builtin(let p): p.variableNames
        case .expression(let e): e.variableNames
        }
    }

    var defaultInitialPosition: [Double] {
        switch self {
        case .builtin(let p): p.defaultInitialPosition
        case .expression(let e): [Double](repeating: 0, count: e.dimension)
        }
    }

    var label: String {
        switch self {
        case .builtin(let p): "potential \(p.name)"
        case .expression(let e): "energy \(e.source)"
        }
    }
}

/// How to integrate: scheme, parameters, run length, chains, generator.
struct SamplingOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "euler-maruyama, mala, baoab, obabo, aboba, or any splitting string of B, A, O (e.g. BAOAB).",
        valueName: "NAME|SPLITTING"))
    var integrator: String = "baoab"

    @Option(help: ArgumentHelp("Time step h (overdamped: the step is h/γ).", valueName: "H"))
    var dt: Double = 0.01

    @Option(help: ArgumentHelp("Temperature kT, in energy units (0 allowed except for MALA).", valueName: "T"))
    var temperature: Double = 1

    @Option(help: ArgumentHelp("Friction γ (1/time); the mobility 1/γ for overdamped schemes.", valueName: "G"))
    var friction: Double = 1

    @Option(help: ArgumentHelp("Mass m (underdamped schemes).", valueName: "M"))
    var mass: Double = 1

    @Option(help: ArgumentHelp("Steps after burn-in.", valueName: "N"))
    var steps: Int = 100_000

    @Option(name: .customLong("burn-in"), help: ArgumentHelp("Steps discarded first.", valueName: "N"))
    var burnIn: Int = 1000

    @Option(help: ArgumentHelp("Keep every K-th step after burn-in.", valueName: "K"))
    var thin: Int = 10

    @Option(help: ArgumentHelp("Independent chains (run in parallel).", valueName: "C"))
    var chains: Int = 4

    @Option(help: ArgumentHelp("Seed; chain i uses the GSL stream derived from (seed, i).", valueName: "S"))
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("GSL generator: mt19937, taus2, ranlxd2, gfsr4.", valueName: "NAME"))
    var rng: String = "mt19937"

    @Option(name: .customLong("init"), help: ArgumentHelp("Initial coordinates, e.g. x=1,y=0 (others: default).",
                                                         valueName: "x=V,y=V"))
    var initial: String?

    func validate() throws {
        do {
            try LangevinParameters(timeStep: dt, temperature: temperature, friction: friction, mass: mass).validate()
            try ChainSchedule(steps: steps, burnIn: burnIn, thin: thin).validate()
            _ = try GSLAlgorithm(name: rng)
            _ = try AnyIntegrator(name: integrator, parameters: parameters)
        } catch {
            throw ValidationError(error.commandLineMessage)
        }
        guard chains >= 1 else { throw ValidationError("--chains must be ≥ 1, got \(chains)") }
        guard chains <= 4096 else { throw ValidationError("--chains must be ≤ 4096, got \(chains)") }
    }

    var parameters: LangevinParameters {
        LangevinParameters(timeStep: dt, temperature: temperature, friction: friction, mass: mass)
    }
    var schedule: ChainSchedule { ChainSchedule(steps: steps, burnIn: burnIn, thin: thin) }

    /// The initial position: the energy's default, overridden by `--init`.
    func initialPosition(names: [String], defaults: [Double]) throws(LangevinError) -> [Double] {
        var x = defaults
        guard let text = initial else { return x }
        for (name, value) in try parseAssignments(text.split(separator: ",").map(String.init), option: "--init") {
            guard let i = names.firstIndex(of: name) else {
                throw LangevinError(.unknownName,
                    "--init names unknown variable '\(name)'; the variables are \(names.joined(separator: ", "))")
            }
            x[i] = value
        }
        return x
    }
}

/// Parses `NAME=VALUE` items with finite numeric values; errors name the option and the item.
func parseAssignments(_ items: [String], option: String) throws(LangevinError) -> [(String, Double)] {
    var result: [(String, Double)] = []
    for item in items {
        let parts = item.split(separator: "=", maxSplits: 1).map { String($0).trimmed }
        guard parts.count == 2, !parts[0].isEmpty else { throw .invalidParameter("\(option) '\(item)': expected NAME=VALUE") }
        guard let v = Double(parts[1]), v.isFinite else {
            throw .invalidParameter("\(option) '\(item)': '\(parts[1])' is not a finite number")
        }
        result.append((parts[0], v))
    }
    return result
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
