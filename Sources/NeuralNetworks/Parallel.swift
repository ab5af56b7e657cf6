// SPDX-License-Identifier: GPL-3.0-or-later
// Fork–join parallelism for the layers: the batch (or a GEMM's output columns) is split into `threads` contiguous
// parts, one per worker, each calling single-threaded BLAS on its part. A small persistent thread pool runs the parts,
// so a fork–join allocates nothing.

import Synchronization
import LinearAlgebra
import LangevinCore

import Platform

/// Work that can be split into parts: `runPart(t, of: n)` does part t of n; parts touch disjoint memory (or
/// per-part scratch), so they may run concurrently.
///
/// The layers conform: they store the current call's arguments (a ``LayerCall``) before forking, because a closure
/// handed to another thread would need a heap-allocated context on every call.
protocol ParallelTask: AnyObject {
    func runPart(_ part: Int, of parts: Int)
}

/// The arguments of a layer's forward or backward call, stored by the layer for its ``ParallelTask`` parts.
struct LayerCall {
    enum Operation { case forward, backward }
    var operation: Operation
    var w: UnsafePointer<Float>
    var input: UnsafePointer<Float>
    var output: UnsafeMutablePointer<Float>
    var outputGradient: UnsafeMutablePointer<Float>?
    var inputGradient: UnsafeMutablePointer<Float>?
    var parameterGradient: UnsafeMutablePointer<Float>?
    var count: Int
}

/// The number of blocks a splittable product (a dense layer's output columns) or batch (a convolution's images) is
/// cut into: the machine's online processors, fixed for the process. The blocks depend on the shapes and on this
/// alone — not on how many workers compute them, which take whole blocks — so every bit of a network's results is
/// the same whatever thread count it runs with (OpenBLAS's kernels may round an element differently when the block
/// it lies in has another shape, and a sum over a batch depends on where the batch is cut).
/// (Layers cap it further so that a block stays large enough to be worth a call of its own.)
let decompositionBlocks = ThreadBudget.onlineProcessors

/// Runs `task.runPart(t, of: parts)` for t in 0..<parts concurrently on the shared ``WorkerPool`` (the calling
/// thread runs part 0) and returns when all parts are done. Runs the parts one after another on the calling thread
/// when the pool has fewer than parts − 1 workers or is busy with another caller.
@inline(__always)
func forkJoin(_ parts: Int, _ task: some ParallelTask) {
    if parts <= 1 { task.runPart(0, of: 1); return }
    WorkerPool.shared.run(parts, task)
}

/// A process-wide pool of (processors − 1) persistent worker threads for fork–join calls, allocation-free per call.
///
/// Protocol: the caller stores the task and bumps `generation` (release); each worker, having seen the new generation
/// (acquire), runs its part if its index is below the part count and then decrements `pending` (release); the caller
/// runs part 0 and waits until `pending` is 0 (acquire). Idle workers poll with `sched_yield` for `spinSeconds`
/// after their last job (fork–joins come in quick succession within an evaluation), then sleep on a condition
/// variable. One caller at a time: a concurrent caller finds the pool busy and runs its parts inline.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: ThreadBudget.processors - 1)

    /// How long an idle worker polls before sleeping.
    static let spinSeconds = 0.002

    let workerCount: Int
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// The current task and its part count; written by the caller before publishing a generation, read by workers
    /// after.
    private var task: (any ParallelTask)?
    private var parts = 0

    init(workers: Int) {
        workerCount = max(0, workers)
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        for index in 0..<workerCount {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index + 1)).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(index: context.index)
                return nil
            }, context)
            precondition(started == 0, "could not start a worker thread")
            pthread_detach(thread)
        }
    }

    func run(_ parts: Int, _ task: any ParallelTask) {
        guard parts - 1 <= workerCount,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for t in 0..<parts { task.runPart(t, of: parts) }
            return
        }
        self.task = task
        self.parts = parts
        pending.store(workerCount, ordering: .relaxed)
        pthread_mutex_lock(mutex)
        generation.add(1, ordering: .releasing)
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(mutex)
        task.runPart(0, of: parts)
        var polls = 0
        while pending.load(ordering: .acquiring) > 0 {
            polls += 1
            if polls > 64 { sched_yield() }
        }
        self.task = nil
        busy.store(false, ordering: .releasing)
    }

    private func workerLoop(index: Int) {
        var seen = 0   // the generation before any job (a worker may start after the first job is published)
        while true {
            if generation.load(ordering: .acquiring) == seen {
                let deadline = monotonicSeconds() + WorkerPool.spinSeconds
                while generation.load(ordering: .acquiring) == seen && monotonicSeconds() < deadline { sched_yield() }
                if generation.load(ordering: .acquiring) == seen {
                    pthread_mutex_lock(mutex)
                    while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(wake, mutex) }
                    pthread_mutex_unlock(mutex)
                }
            }
            seen = generation.load(ordering: .acquiring)
            if index < parts, let task { task.runPart(index, of: parts) }
            pending.subtract(1, ordering: .releasing)
        }
    }
}

private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}

/// CLOCK_MONOTONIC in seconds.
@inline(__always)
private func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// The half-open range of part `t` when 0..<total is split into `parts` near-equal contiguous parts, with the
/// boundaries rounded to multiples of `granule` (so GEMM column blocks stay aligned to the kernel width).
@inline(__always)
public func partRange(_ t: Int, of parts: Int, total: Int, granule: Int = 1) -> Range<Int> {
    func cut(_ i: Int) -> Int {
        if i >= parts { return total }
        let raw = total * i / parts
        return min(total, (raw + granule / 2) / granule * granule)
    }
    return cut(t)..<cut(t + 1)
}

/// A ``ParallelTask`` running a closure's parts (the closure is held only for the duration of one call).
private final class ClosureTask: ParallelTask {
    var body: ((Int) -> Void)?
    func runPart(_ part: Int, of parts: Int) { body?(part) }
}

/// Runs `body(t)` for t in 0..<parts on the shared worker pool (used for the SGLD noise, so that the noise and the
/// network share one set of threads).
public func runOnNetworkWorkers(_ parts: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { escapable in
        let task = ClosureTask()
        task.body = escapable
        forkJoin(parts, task)
        task.body = nil
    }
}
