// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import Platform

/// Checks made before any work starts: sizes computed without overflow, the memory a run will hold and the disk it
/// will write estimated and compared with what the machine has, so a run never fails after hours for a reason that
/// was knowable at second one.
///
/// Caps (documented in the README): the estimated memory must stay below 80 % of physical memory
/// (`sysconf(_SC_PHYS_PAGES)`), and the estimated output below the free space of the output's file system
/// (`statvfs`). Estimates are upper bounds: 8 bytes per stored number and at most 25 characters per number written.
enum Preflight {
    /// The fraction of physical memory a run may plan to hold.
    static let memoryFraction = 0.8
    /// Characters per number in a CSV file, at most (Swift's shortest round-trip form plus the separator).
    static let bytesPerWrittenNumber: UInt64 = 25

    /// `a × b`, or a usage error naming `what` when it overflows.
    static func product(_ a: Int, _ b: Int, _ what: String) throws(LangevinError) -> Int {
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow, r >= 0 else { throw .invalidParameter("\(what) is too large (\(a) × \(b) overflows)") }
        return r
    }

    /// `a + b`, or a usage error naming `what` when it overflows.
    static func sum(_ a: Int, _ b: Int, _ what: String) throws(LangevinError) -> Int {
        let (r, overflow) = a.addingReportingOverflow(b)
        guard !overflow, r >= 0 else { throw .invalidParameter("\(what) is too large (\(a) + \(b) overflows)") }
        return r
    }

    /// Refuses a plan holding more than ``memoryFraction`` of physical memory.
    static func checkMemory(_ bytes: UInt64, for what: String,
                            hint: String = "use fewer steps, chains or a larger --thin") throws(LangevinError) {
        guard let physical = MachineResources.physicalMemory else { return }
        let cap = UInt64(Double(physical) * memoryFraction)
        if bytes > cap {
            throw .invalidParameter("""
                \(what) would hold about \(gibibytes(bytes)) in memory, more than 80 % of this machine's \
                \(gibibytes(physical)): \(hint)
                """)
        }
    }

    /// Refuses writing more than the free space where `path` goes (devices and FIFOs are not checked).
    static func checkDisk(_ bytes: UInt64, path: String) throws(LangevinError) {
        if case .special = fileKind(atPath: path) { return }
        guard let free = MachineResources.freeDiskSpace(atPath: parentDirectory(of: path)) else { return }
        if bytes > free {
            throw LangevinError(.io, """
                cannot write '\(path)': it would take up to \(gibibytes(bytes)) and only \(gibibytes(free)) are free \
                there: use fewer steps or chains, a larger --thin, or another disk
                """)
        }
    }

    /// Everything `sample` and `check` can know before the chains start: overflow-free counts, memory and disk.
    ///
    /// - Parameters:
    ///   - dimension: the number of variables.
    ///   - usesMomentum: the scheme stores momenta too.
    ///   - outputs: the files that will be written, with the numbers per row each gets (nil: none).
    ///   - copies: how many times the kept states are held (1 for `sample`, 3 for `check`, which copies them for
    ///     its statistics).
    static func checkSampling(_ options: SamplingOptions, dimension: Int, usesMomentum: Bool,
                              outputs: [String], copies: Int) throws(LangevinError) {
        let total = try sum(options.burnIn, options.steps, "--burn-in + --steps")
        _ = try product(total, options.chains, "the number of steps over all chains")
        let kept = options.steps / options.thin
        let width = try sum(try product(dimension, usesMomentum ? 2 : 1, "the row width"), 1, "the row width")
        let numbersPerChain = try product(kept, width + 1, "the kept states")  // + the step numbers
        let numbers = try product(numbersPerChain, options.chains, "the kept states of all chains")
        let bytes = try product(try product(numbers, 8, "the kept states' bytes"), copies, "the kept states' bytes")
        try checkMemory(UInt64(bytes), for: "keeping \(kept) states of \(width) numbers in each of \(options.chains) chains")
        guard !outputs.isEmpty else { return }
        let perFile = UInt64(numbers) / UInt64(outputs.count) + 1
        for path in outputs {
            let (b, overflow) = (perFile + 2 * UInt64(kept)).multipliedReportingOverflow(by: bytesPerWrittenNumber)
            try checkDisk(overflow ? .max : b, path: path)
        }
    }

    static func gibibytes(_ bytes: UInt64) -> String {
        let g = Double(bytes) / Double(1 << 30)
        if g >= 1 { return "\((g * 10).rounded() / 10) GiB" }
        return "\(((Double(bytes) / Double(1 << 20)) * 10).rounded() / 10) MiB"
    }
}

/// Flags chains whose Metropolis acceptance says the sampler is not working: a chain that accepts (almost) nothing
/// is stuck where it started; one that accepts everything has a step so small that it barely moves (or the
/// rejection is doing nothing). Thresholds: mean acceptance below 0.05 or above 0.9999.
func acceptanceWarnings(_ outcome: SamplingOutcome) -> [String] {
    guard outcome.integratorName == "mala" else { return [] }
    var warnings: [String] = []
    for c in outcome.chains {
        let a = c.summary.meanAcceptance
        if a < 0.05 {
            warnings.append("chain \(c.chain) accepted \(rounded(a * 100)) % of its proposals: it is stuck; use a smaller --dt")
        } else if a > 0.9999 {
            warnings.append("chain \(c.chain) accepted \(rounded(a * 100)) % of its proposals: the step barely moves it; a larger --dt would mix faster")
        }
    }
    return warnings
}
