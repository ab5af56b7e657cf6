// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Foundation
import LangevinCore
import LinearAlgebra
import Platform

/// A group of cooperating processes (MPI ranks) that share one command's chains: the transport, nothing else.
///
/// Every process runs the same command line. The root (rank 0) parses it, checks it, opens the outputs, runs its
/// share of the chains, gathers everybody's chains in chain order and writes and reports exactly what one process
/// would have; the others (workers) only run their share and hand it over. The K chains are cut into R contiguous
/// blocks, rank 0's first (``DistributedRun/share(total:rank:size:)``), and chain k draws from the streams of
/// (seed, k), as in one process, so which rank runs it never changes a number.
///
/// `langevin-mpi` implements it over MPI; a test or another launcher may implement it over anything that offers a
/// broadcast and a gather.
public protocol ChainDistribution: AnyObject {
    /// This process's rank, 0 ..< ``size`` (0: the root).
    var rank: Int { get }
    /// The number of cooperating processes R ≥ 1.
    var size: Int { get }
    /// The threads of a rank when `LANGEVIN_THREADS` is not set (e.g. the node's cores over the ranks on it).
    var defaultThreadsPerRank: Int { get }
    /// Collective: every process calls it; the root's `value` is returned everywhere.
    func broadcast(_ value: Int64) -> Int64
    /// Collective: every process calls it with its bytes; the root gets every rank's bytes in rank order (its own
    /// first), the others an empty array.
    func gather(_ bytes: [UInt8]) -> [[UInt8]]
    /// Leaves the group; called once, right before the process exits.
    func finish()
}

/// A command whose chains a worker rank can run: it repeats the root's preparation (parsing, the energy or the
/// data) without touching the outputs, runs its share and returns it as bytes (see ``DistributedRun``).
protocol DistributedCommand {
    /// K, the chains of the whole run.
    var chainCount: Int { get }
    /// Prepares the share `share` (called at once, while the root is still checking and preparing, so that the
    /// two overlap) and returns what runs it once the root says so. The preparation must not touch the outputs:
    /// the root has not created them yet.
    func prepareWorkerShare(_ share: [Int]) throws(LangevinError) -> WorkerShare
}

/// A worker's prepared share: runs its chains and returns them as bytes.
struct WorkerShare {
    let run: () throws(LangevinError) -> [UInt8]
}

/// The protocol between the root and the workers of one `langevin-mpi` job.
///
/// The workers wait on a control word broadcast by the root: ``runChains`` (run your share and join the gather)
/// or an exit status (leave with it). The root broadcasts ``runChains`` once its checks have passed and its
/// outputs are open, so a bad option or an unwritable file ends every rank at its first second, and it broadcasts
/// its exit status when the command is done, so every rank ends with the root's status. A worker's failure (its
/// data missing, its chain's initial state not finite) comes to the root in the gather and ends the job with the
/// root's message `rank r: …`; a killed rank ends the job through `mpirun`, and the root's outputs, written to
/// temporary files and renamed only when complete, are never left half-written.
enum DistributedRun {
    /// The group this process belongs to (nil: one process runs everything). Set once, before any command runs.
    nonisolated(unsafe) static var current: (any ChainDistribution)?

    /// The control word that starts the workers' shares.
    static let runChains: Int64 = -1

    /// The chains of rank `rank` of `size` out of `total`: the contiguous block ⌈total·r/R⌉ ..< ⌈total·(r+1)/R⌉
    /// (sizes differ by at most one; the root always holds chain 0; with more ranks than chains some hold none).
    static func share(total: Int, rank: Int, size: Int) -> [Int] {
        func edge(_ r: Int) -> Int { (total * r + size - 1) / size }
        return Array(edge(rank)..<edge(rank + 1))
    }

    /// Runs the command line as `d`'s root or as one of its workers (``current`` is `d`); never returns.
    static func start(_ d: any ChainDistribution) -> Never {
        if d.rank == 0 && d.size > 1 {
            SignalNotice.set("error: the job was stopped by a signal (mpirun stops every rank when one fails, is killed or is interrupted: see its message); the outputs in progress were removed")
        }
        if d.rank == 0 { runRoot(d) } else { runWorker(d) }
    }

    private static func runRoot(_ d: any ChainDistribution) -> Never {
        var status: Int32 = ExitStatus.success
        do {
            var command = try Langevin.parseAsRoot()
            try command.run()
        } catch {
            status = Langevin.exitCode(for: error).rawValue
            let message = Langevin.fullMessage(for: error)
            if !message.isEmpty {
                if status == ExitStatus.success { print(message) } else { printError(message) }
            }
        }
        if fflush(nil) != 0 && status == ExitStatus.success {
            printError("error: cannot write standard output: \(systemErrorMessage())")
            status = ExitStatus.error
        }
        _ = d.broadcast(Int64(status))
        d.finish()
        exit(status)
    }

    private static func runWorker(_ d: any ChainDistribution) -> Never {
        // The root parses the same arguments and reports any error in them; a worker stays silent.
        let command = try? Langevin.parseAsRoot()
        // Prepared before the first control word: the worker loads its data while the root checks and loads its own.
        let prepared = Result { () throws(LangevinError) -> WorkerShare? in
            guard let c = command as? DistributedCommand else { return nil }
            return try c.prepareWorkerShare(share(total: c.chainCount, rank: d.rank, size: d.size))
        }
        while true {
            let control = d.broadcast(0)
            guard control == runChains else {
                d.finish()
                exit(Int32(truncatingIfNeeded: control))
            }
            var w = ByteWriter()
            do throws(LangevinError) {
                guard let job = try prepared.get() else {
                    throw LangevinError(.invalidParameter, "cannot run this command's chains")
                }
                let payload = try job.run()
                w.append(0)
                w.append(bytes: payload)
            } catch {
                w = ByteWriter()
                w.append(1)
                w.append(error as LangevinError?)
            }
            _ = d.gather(w.bytes)
        }
    }

    /// On the root of `d`: starts the workers, runs the root's own share with `local` and gathers every rank's
    /// bytes, in rank order (the root's first). A failure on any rank is thrown (the root's own first, else the
    /// lowest failing rank's, named), after the gather, so no rank is left waiting.
    static func gatherShares(_ d: any ChainDistribution, total: Int, _ local: ([Int]) throws(LangevinError) -> [UInt8])
        throws(LangevinError) -> [[UInt8]]
    {
        if d.size > total {
            printError("note: \(d.size) ranks for \(total) chain(s): \(d.size - total) rank(s) have no chain to run")
        }
        _ = d.broadcast(runChains)
        let mine = Result { () throws(LangevinError) in try local(share(total: total, rank: 0, size: d.size)) }
        // The root's own share stays here; it takes part in the gather with an empty message.
        let blobs = d.gather([])
        let own = try mine.get()
        var shares = [own]
        for r in 1..<blobs.count {
            var reader = ByteReader(blobs[r])
            let flag = try reader.int()
            if flag == 0 {
                shares.append(Array(blobs[r].dropFirst(8)))
            } else {
                let e = try reader.error() ?? LangevinError(.io, "failed")
                throw LangevinError(e.code, "rank \(r): \(e.message)", parameter: e.parameter)
            }
        }
        return shares
    }

    /// Joins serialized chains of every share into chain order, checking that exactly 0..<total came back.
    static func mergeChains(_ shares: [[UInt8]], total: Int) throws(LangevinError) -> [ChainSamples] {
        var chains: [ChainSamples] = []
        for blob in shares {
            var r = ByteReader(blob)
            let n = try r.int()
            for _ in 0..<max(0, n) { chains.append(try ChainSamples(serialized: try r.bytes(try r.int()))) }
        }
        return try inChainOrder(chains, chain: \.chain, total: total)
    }

    /// `items` sorted by their chain, which must be exactly 0..<total (each rank's share came back whole).
    static func inChainOrder<T>(_ items: [T], chain: KeyPath<T, Int>, total: Int) throws(LangevinError) -> [T] {
        let sorted = items.sorted { $0[keyPath: chain] < $1[keyPath: chain] }
        guard sorted.map({ $0[keyPath: chain] }) == Array(0..<total) else {
            throw LangevinError(.invalidData,
                "the ranks returned chains \(sorted.map { $0[keyPath: chain] }), expected 0..<\(total)")
        }
        return sorted
    }

    /// Serializes one share's chains for ``mergeChains(_:total:)``.
    static func serialize(_ chains: [ChainSamples]) -> [UInt8] {
        var w = ByteWriter()
        w.append(chains.count)
        for c in chains {
            let b = c.serialized()
            w.append(b.count)
            w.append(bytes: b)
        }
        return w.bytes
    }
}

/// `LANGEVIN_THREADS`: the threads a run may use (chains, the network's worker pool and noise, OpenBLAS).
enum ThreadLimit {
    /// The setting, nil when unset; anything but a positive integer is an error.
    static func fromEnvironment() throws(LangevinError) -> Int? {
        guard let text = ProcessInfo.processInfo.environment["LANGEVIN_THREADS"] else { return nil }
        guard let n = Int(text.trimmed), n >= 1, n <= 4096 else {
            throw LangevinError(.invalidParameter, "LANGEVIN_THREADS must be a whole number in 1...4096, got '\(text)'")
        }
        return n
    }

    /// Caps every thread pool, OpenBLAS's included, at `n`.
    static func apply(_ n: Int) {
        ThreadBudget.setLimit(n)
        BLASThreads.set(min(n, ThreadBudget.onlineProcessors))
    }
}
