// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import LangevinCore
import LinearAlgebra

/// `langevin`: sample exp(−U/T) with Langevin dynamics, check samples against the Boltzmann distribution, and
/// sample neural-network posteriors.
@main
struct Langevin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langevin",
        abstract: "Langevin-dynamics sampling of toy potentials and network posteriors, with Boltzmann checks.",
        discussion: "Temperature is kT in the units of the energy; the target density is exp(-U/T)/Z. Exit status: 0 success (for `check`: every check passed), 1 a check failed, 2 an error.",
        version: "0.1.0\nBLAS: \(BLASKernel.summary)\nCPU: \(CPUVectorSupport.current)",
        subcommands: [Sample.self, Check.self, Train.self, Potentials.self])

    /// Puts OpenBLAS on the best verified kernel for this CPU (possibly by re-executing; see `BLASKernel`), then
    /// runs the command.
    static func main() {
        BLASKernel.useBestAvailable()
        main(nil)
    }
}

/// Exit status for errors other than a failed check (a failed check exits with 1).
let errorExitCode: Int32 = 2

/// Prints `error: message` to stderr and exits with status 2.
func fail(_ message: String) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(errorExitCode)
}
