// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch

/// Runs `body(i)` for i in 0..<count on all available cores and returns the results in index order.
///
/// Each index must own its own state (one generator and one energy copy per chain), so the results do not depend on
/// how many threads run or in which order they finish.
@inlinable
public func parallelMap<T: Sendable>(count: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let slots = ResultSlots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        slots.store(body(i), at: i)
    }
    return slots.collect()
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
