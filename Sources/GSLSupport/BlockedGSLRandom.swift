// SPDX-License-Identifier: GPL-3.0-or-later
import Dispatch
import LangevinCore

/// K GSL generators that fill one large Gaussian buffer in K fixed contiguous blocks, in parallel.
///
/// A network's SGLD step needs one Gaussian per parameter (≈ 0.5 M per step for the MNIST MLP); drawn one at a time
/// from a single generator that costs as much as the gradient. Block b of a buffer of n numbers (b = 0..<K, blocks of
/// ⌈n/K⌉) is always filled by generator b, which is stream (seed, base + b) of ``GSLRandom``; so the numbers do not
/// depend on how many threads run. Buffers shorter than `parallelThreshold`, and single draws, use generator 0.
public final class BlockedGSLRandom: RandomSource {
    public let generators: [GSLRandom]
    public let parallelThreshold: Int
    /// Runs `body(b)` for b in 0..<parts concurrently and returns when all are done; Dispatch when nil. A caller
    /// with its own worker threads (the networks' pool) passes them here, so that two thread pools do not compete
    /// for the same cores.
    public var executor: ((_ parts: Int, _ body: (Int) -> Void) -> Void)?

    /// - Parameters:
    ///   - blocks: K ≥ 1.
    ///   - firstStream: generator b uses stream `firstStream + b` of `seed`.
    public init(algorithm: GSLAlgorithm = .taus2, seed: UInt64, blocks: Int, firstStream: Int = 0,
                parallelThreshold: Int = 1 << 14) {
        precondition(blocks >= 1, "blocks must be ≥ 1")
        generators = (0..<blocks).map { GSLRandom(algorithm: algorithm, seed: seed, stream: firstStream + $0) }
        self.parallelThreshold = parallelThreshold
    }

    /// Restores from the states saved by ``stateBytes``.
    public init(algorithm: GSLAlgorithm, states: [[UInt8]], parallelThreshold: Int = 1 << 14) throws(LangevinError) {
        guard !states.isEmpty else { throw LangevinError(.invalidData, "no generator states to restore") }
        var g: [GSLRandom] = []
        for s in states { g.append(try GSLRandom(algorithm: algorithm, state: s)) }
        generators = g
        self.parallelThreshold = parallelThreshold
    }

    /// Every generator's complete state, in block order.
    public var stateBytes: [[UInt8]] { generators.map(\.stateBytes) }

    public func nextGaussian() -> Double { generators[0].nextGaussian() }
    public func nextUniform() -> Double { generators[0].nextUniform() }

    public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double) {
        _ = fillGaussian(buffer, standardDeviation: standardDeviation) { _ in 0 }
    }

    public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, standardDeviation: Double) {
        _ = fillGaussian(buffer, standardDeviation: standardDeviation) { _ in 0 }
    }

    /// Block b is filled by generator b and then handed to `body`, on the same thread, in parallel over blocks.
    public func fillGaussian<S: BinaryFloatingPoint>(
        _ buffer: UnsafeMutableBufferPointer<S>, standardDeviation: Double, thenReduce body: (Range<Int>) -> S
    ) -> S {
        let k = generators.count
        guard k > 1, buffer.count >= parallelThreshold else {
            var source = generators[0]
            source.fillGaussian(generic: buffer, standardDeviation: standardDeviation)
            return body(0..<buffer.count)
        }
        let blockSize = (buffer.count + k - 1) / k
        return withUnsafeTemporaryAllocation(of: S.self, capacity: k) { partial in
            partial.initialize(repeating: 0)
            let run = { (b: Int) in
                let lower = min(b * blockSize, buffer.count)
                let upper = min(lower + blockSize, buffer.count)
                let block = UnsafeMutableBufferPointer(rebasing: buffer[lower..<upper])
                var source = self.generators[b]
                source.fillGaussian(generic: block, standardDeviation: standardDeviation)
                partial[b] = body(lower..<upper)
            }
            if let executor {
                executor(k, run)
            } else {
                withoutActuallyEscaping(run) { run in
                    let box = UncheckedRun(run: run)
                    DispatchQueue.concurrentPerform(iterations: k) { b in box.run(b) }
                }
            }
            var total: S = 0
            for b in 0..<k { total += partial[b] }
            return total
        }
    }
}

// Safety: each concurrent iteration touches one disjoint block and one generator of its own.
private struct UncheckedRun: @unchecked Sendable {
    let run: (Int) -> Void
}
