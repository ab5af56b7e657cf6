// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of threads this process may keep busy: the online processors, or fewer when a limit is set
/// (`LANGEVIN_THREADS`, or a rank's share of a node's cores under MPI).
///
/// Process-wide. Everything that sizes a thread pool asks it: ``parallelMap(count:_:)`` (chains), the network's
/// worker pool and noise, and the front end sets OpenBLAS to the same count. A limit never changes a result: each
/// chain's numbers depend only on its own seed and stream, and the network's parallel passes are bit-identical
/// whatever their thread count (the BLAS thread count excepted; see `Trainer`).
public enum ThreadBudget {
    private static let storedLimit = Atomic<Int>(0)

    /// The limit (nil: none, every online processor).
    public static var limit: Int? {
        let l = storedLimit.load(ordering: .relaxed)
        return l > 0 ? l : nil
    }

    /// Sets the limit (nil or a value < 1: none).
    public static func setLimit(_ count: Int?) {
        storedLimit.store(max(0, count ?? 0), ordering: .relaxed)
    }

    /// The online processors, at least 1.
    public static var onlineProcessors: Int {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }

    /// The threads to use: the online processors, capped by ``limit``.
    public static var processors: Int { min(onlineProcessors, limit ?? Int.max) }
}

/// Runs `body(i)` for i in 0..<count on up to ``ThreadBudget/processors`` threads and returns the results in index
/// order.
///
/// Each index must own its own state (one generator and one energy copy per chain), so the results do not depend on
/// how many threads run or in which order they finish.
@inlinable
public func parallelMap<T: Sendable>(count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let slots = ResultSlots<T>(count: count)
    let workers = min(count, ThreadBudget.processors)
    if workers >= count {
        DispatchQueue.concurrentPerform(iterations: count) { i in
            slots.store(body(i), at: i)
        }
    } else {
        // Fewer threads than indices: each worker takes the next index until none is left.
        let next = ResultSlotsCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.take()
                if i >= count { break }
                slots.store(body(i), at: i)
            }
        }
    }
    return slots.collect()
}

/// Hands out 0, 1, 2, … to concurrent workers.
@usableFromInline final class ResultSlotsCounter: Sendable {
    let counter = Atomic<Int>(0)
    @usableFromInline init() {}
    @usableFromInline func take() -> Int { counter.add(1, ordering: .relaxed).oldValue }
}

/// Write-once slots, one per index; each index is written by exactly one iteration.
@usableFromInline final class ResultSlots<T: Sendable>: @unchecked Sendable {
    // Safety: `store` writes slot i from iteration i only; `collect` runs after concurrentPerform returns.
    @usableFromInline let values: UnsafeMutableBufferPointer<T?>
    @usableFromInline init(count: Int) {
        values = .allocate(capacity: count)
        values.initialize(repeating: nil)
    }
    deinit {
        _ = values.deinitialize()
        values.deallocate()
    }
    @usableFromInline func store(_ value: T, at i: Int) { values[i] = value }
    @usableFromInline func collect() -> [T] { values.map { $0! } }
}
