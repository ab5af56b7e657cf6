// SPDX-License-Identifier: GPL-3.0-or-later
// `langevin-mpi`: the `langevin` command line with the chains of `sample`, `check` and `train --chains K` spread
// over the ranks of `mpirun -np R langevin-mpi …`; rank 0 gathers them in chain order and writes exactly what one
// process writes (see Docs/MPI.md).
import CMPI
import Glibc
import LangevinCommands
import LangevinCore

/// MPI_COMM_WORLD as a ``ChainDistribution``.
final class MPIWorld: ChainDistribution {
    let rank: Int
    let size: Int
    let defaultThreadsPerRank: Int

    init() {
        if lmpi_init() != MPI_SUCCESS {
            writeError("error: MPI_Init failed: run langevin-mpi under mpirun (Open MPI)\n")
            exit(2)
        }
        rank = Int(lmpi_rank())
        size = Int(lmpi_size())
        // A node's cores over the ranks on it, and never more than the cores mpirun bound this rank to.
        let onNode = max(1, Int(lmpi_local_size()))
        let bound = Int(lmpi_affinity_cpus())
        defaultThreadsPerRank = max(1, min(ThreadBudget.onlineProcessors / onNode, bound > 0 ? bound : Int.max))
    }

    func broadcast(_ value: Int64) -> Int64 { lmpi_broadcast_int64(value) }

    func gather(_ bytes: [UInt8]) -> [[UInt8]] {
        if rank != 0 {
            let rc = bytes.withUnsafeBufferPointer { lmpi_send_to_root($0.baseAddress, UInt64($0.count)) }
            if rc != MPI_SUCCESS { lmpi_abort(2) }
            return []
        }
        var all = [bytes]
        for source in 1..<size {
            var count: UInt64 = 0
            if lmpi_receive_length(Int32(source), &count) != MPI_SUCCESS { lmpi_abort(2) }
            var buffer = [UInt8](repeating: 0, count: Int(count))
            let rc = buffer.withUnsafeMutableBufferPointer { lmpi_receive_bytes(Int32(source), $0.baseAddress, count) }
            if rc != MPI_SUCCESS { lmpi_abort(2) }
            all.append(buffer)
        }
        return all
    }

    func finish() { lmpi_finalize() }
}

func writeError(_ text: String) {
    var t = text
    t.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

LangevinCommandLine.main(distribution: { MPIWorld() })
