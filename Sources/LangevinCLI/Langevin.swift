// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import LangevinCore

/// `langevin`: sample exp(−U/T) with Langevin dynamics, check samples against the Boltzmann distribution, and
/// sample neural-network posteriors.
@main
struct Langevin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langevin",
        abstract: "Langevin-dynamics sampling of toy potentials and network posteriors, with Boltzmann checks.",
        discussion: "Temperature is kT in the units of the energy; the target density is exp(-U/T)/Z. Exit status: 0 success (for `check`: every check passed), 1 a check failed, 2 an error.",
        version: "0.1.0",
        subcommands: [Sample.self, Check.self, Train.self, Potentials.self])
}

/// Exit status for errors other than a failed check (a failed check exits with 1).
let errorExitCode: Int32 = 2

/// Prints `error: message` to stderr and exits with status 2.
func fail(_ message: String) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(errorExitCode)
}

/// The library's parameter names (``LangevinError/parameter``) and the flags that set them.
let flagOfParameter: [String: String] = [
    "timeStep": "--dt", "temperature": "--temperature", "friction": "--friction", "mass": "--mass",
    "steps": "--steps", "burnIn": "--burn-in", "thin": "--thin", "chains": "--chains",
    "epochs": "--epochs", "batchSize": "--batch-size", "stepSize": "--step-size",
    "priorPrecision": "--prior-precision", "burnInEpochs": "--burn-in-epochs",
    "warmStartEpochs": "--warm-start-epochs", "momentum": "--momentum", "schedule": "--schedule",
    "model": "--model",
]

extension LangevinError {
    /// The message with the flag that set the parameter at fault in front (`--dt: time step h must be …`).
    var commandLineMessage: String {
        guard let p = parameter, let flag = flagOfParameter[p] else { return message }
        return "\(flag): \(message)"
    }
}
