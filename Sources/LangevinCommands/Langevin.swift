// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import LangevinCore
import LinearAlgebra
import Platform

/// `langevin`: sample exp(−U/T) with Langevin dynamics, check samples against the Boltzmann distribution, and
/// sample neural-network posteriors.
struct Langevin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langevin",
        abstract: "Langevin-dynamics sampling of toy potentials and network posteriors, with Boltzmann checks.",
        discussion: "Temperature is kT in the units of the energy; the target density is exp(-U/T)/Z. LANGEVIN_THREADS=N limits the threads of a run (chains, network, BLAS). \(exitStatusHelp)",
        version: "0.1.0\nBLAS: \(BLASKernel.summary)\nCPU: \(CPUVectorSupport.current)",
        subcommands: [Sample.self, Check.self, Train.self, Potentials.self])
}

/// The `langevin` command line as a library: the executables `langevin` and `langevin-mpi` are this entry point,
/// the second with a ``ChainDistribution`` over MPI ranks.
public enum LangevinCommandLine {
    /// Puts OpenBLAS on the best verified kernel for this CPU (possibly by re-executing; see `BLASKernel`), reports
    /// a closed or full standard output as an error instead of dying of SIGPIPE or exiting 0 with a lost result,
    /// applies `LANGEVIN_THREADS`, then runs the command named by the process's arguments and exits.
    ///
    /// - Parameter distribution: called once, after the BLAS kernel is settled and before the command is parsed,
    ///   to join the cooperating processes (nil, or a factory returning nil: one process runs every chain).
    public static func main(distribution: (() -> (any ChainDistribution)?)? = nil) -> Never {
        BLASKernel.useBestAvailable()
        StandardOutput.protectStandardDescriptors()
        StandardOutput.ignoreBrokenPipeSignal()
        atexit {
            // Text printed by the argument parser (help, usage) and by `print` is buffered: check that it went out.
            if fflush(nil) != 0 {
                let message = "error: cannot write standard output: \(systemErrorMessage())\n"
                var m = message
                m.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
                _exit(ExitStatus.error)
            }
        }
        // Join the group first, so that a worker rank stays silent about an error the root reports.
        let group = distribution?()
        DistributedRun.current = group
        let threadSetting: Int?
        do throws(LangevinError) {
            threadSetting = try ThreadLimit.fromEnvironment()
        } catch {
            printError("error: \(error.message)")
            group?.finish()
            exit(ExitStatus.usage)
        }
        guard let d = group else {
            if let threadSetting { ThreadLimit.apply(threadSetting) }
            Langevin.main(nil)
            exit(ExitStatus.success)
        }
        ThreadLimit.apply(threadSetting ?? d.defaultThreadsPerRank)
        DistributedRun.start(d)
    }
}

/// The exit statuses of `langevin`, as documented in `--help` and the README.
enum ExitStatus {
    /// Success (for `check`: every check passed).
    static let success: Int32 = 0
    /// `check`: at least one check failed.
    static let checkFailed: Int32 = 1
    /// An error: a file that cannot be read or written, invalid data, a numerical failure.
    static let error: Int32 = 2
    /// The run diverged (a non-finite energy, gradient or state); what came before is written.
    static let diverged: Int32 = 3
    /// A usage error: an unknown or malformed option, name, value or expression (BSD `EX_USAGE`).
    static let usage: Int32 = 64
}

/// The exit statuses in words, for `--help`.
let exitStatusHelp = "Exit status: 0 success (for `check`: every check passed), 1 a check failed, 2 an error (files, data), 3 the run diverged, 64 a usage error (an unknown or invalid option, name, value or expression)."

/// The exit status for a library error: usage errors (bad names, values, expressions) 64, divergence 3, else 2.
func exitStatus(for error: LangevinError) -> Int32 {
    switch error.code {
    case .invalidParameter, .unknownName, .malformedExpression: ExitStatus.usage
    case .diverged: ExitStatus.diverged
    default: ExitStatus.error
    }
}

/// Prints `error: message` (with the flag at fault, ``LangevinError/commandLineMessage``) to stderr and returns the
/// exit status for `error`.
func fail(_ error: LangevinError) -> ExitCode {
    printError("error: \(error.commandLineMessage)")
    return ExitCode(exitStatus(for: error))
}

/// Prints `error: message` to stderr and returns the status of a plain error (2).
func fail(_ message: String) -> ExitCode {
    printError("error: \(message)")
    return ExitCode(ExitStatus.error)
}

/// Writes `text` and a newline to standard output, every write checked.
func printChecked(_ text: String = "", terminator: String = "\n") throws(LangevinError) {
    do throws(FileError) { try StandardOutput.write(text + terminator) } catch { throw LangevinError(.io, error.description) }
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
