// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Datasets
import Evaluation
import NeuralNetworks

/// A zero-mean Gaussian prior on the flat parameter vector, −log p(w) = ½ Σᵢ λᵢ wᵢ² + const.
public enum GaussianPrior: Hashable, Sendable {
    /// The same precision λ ≥ 0 for every parameter (λ = 0: flat prior).
    case isotropic(precision: Float)
    /// One precision per parameterized layer, in layer order (weights and biases of a layer share it); the array's
    /// length must be the network's ``Network/parameterizedLayerCount``.
    case perLayer(precisions: [Float])

    /// λ for each parameter block of `network`.
    func blockPrecisions(_ network: some Network) -> [(range: Range<Int>, lambda: Float)] {
        switch self {
        case .isotropic(let l):
            return [(0..<network.parameterCount, l)]
        case .perLayer(let ls):
            precondition(ls.count == network.parameterizedLayerCount,
                         "perLayer prior needs \(network.parameterizedLayerCount) precisions, got \(ls.count)")
            return network.parameterBlocks.map { ($0.range, ls[$0.parameterizedLayer]) }
        }
    }
}

/// Writes g = Λw (Λ the prior's diagonal precision) and returns ½ wᵀΛw.
///
/// With `parts` > 1, blocks of at least ``PassScratch/parallelThreshold`` entries are split over the networks'
/// worker pool in whole chunks of ``PassScratch/chunk`` entries; each chunk's Σw² is kept and the sums are added in
/// chunk order, exactly as ``scaleAndSumSquares(_:into:count:lambda:)`` adds them, so the result is bit-identical
/// whatever `parts` is.
func applyPrior(_ blocks: [(range: Range<Int>, lambda: Float)], w: UnsafePointer<Float>, g: UnsafeMutablePointer<Float>,
                parts: Int = 1, scratch: PassScratch? = nil) -> Double
{
    var u = 0.0
    for (range, lambda) in blocks {
        let wb = w + range.lowerBound, gb = g + range.lowerBound, n = range.count
        let s: Double
        if parts > 1, n >= PassScratch.parallelThreshold, let scratch,
           (n / PassScratch.chunk) + 1 <= scratch.capacity {
            let vectorEnd = n - n % 16
            let chunks = (vectorEnd + PassScratch.chunk - 1) / PassScratch.chunk
            let sums = scratch.sums
            runOnNetworkWorkers(parts) { t in
                for c in partRange(t, of: parts, total: chunks) {
                    let lo = c * PassScratch.chunk, hi = min(vectorEnd, lo + PassScratch.chunk)
                    sums[c] = scaleAndSumSquares(wb + lo, into: gb + lo, count: hi - lo, lambda: lambda)
                }
            }
            var total = 0.0
            for c in 0..<chunks { total += sums[c] }
            for i in vectorEnd..<n {
                let v = wb[i]
                total += Double(v) * Double(v)
                gb[i] = lambda * v
            }
            s = total
        } else {
            s = scaleAndSumSquares(wb, into: gb, count: n, lambda: lambda)
        }
        u += 0.5 * Double(lambda) * s
    }
    return u
}

/// Σ gᵢ·0 over `count` floats (0 exactly when all are finite), 16 lanes at a time.
func finitenessSum(_ g: UnsafePointer<Float>, count: Int) -> Float {
    typealias V = SIMD16<Float>
    var acc = V(repeating: 0)
    var i = 0
    let raw = UnsafeRawPointer(g)
    while i + 16 <= count {
        acc += raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) * 0
        i += 16
    }
    var c = acc.sum()
    while i < count { c += g[i] * 0; i += 1 }
    return c
}

/// Scratch space for the passes over the parameter vector that run on the worker pool (one per energy; copies of an
/// energy share it, as they share the network).
final class PassScratch: @unchecked Sendable {
    // Safety: written only inside one fork–join of the energy that owns it, each part at its own indices.
    /// Entries per chunk (the Float partial sums of ``scaleAndSumSquares(_:into:count:lambda:)`` stay accurate).
    static let chunk = 4096
    /// Passes shorter than this stay on the calling thread (a fork–join costs a few microseconds).
    static let parallelThreshold = 1 << 16
    let capacity: Int
    let sums: UnsafeMutablePointer<Double>
    let flags: UnsafeMutablePointer<Float>

    init(parameterCount: Int) {
        capacity = parameterCount / PassScratch.chunk + 2
        sums = .allocate(capacity: capacity)
        sums.initialize(repeating: 0, count: capacity)
        flags = .allocate(capacity: 64)
        flags.initialize(repeating: 0, count: 64)
    }

    deinit {
        sums.deallocate()
        flags.deallocate()
    }
}

/// The exact posterior energy over the whole training set,
/// U(w) = Σᵢ₌₁ᴺ NLLᵢ(w) + ½ Σⱼ λⱼ wⱼ² (see ``GaussianPrior``), with its exact gradient.
///
/// Deterministic (an ``Energy``); costs a pass over all N examples per call, processed in chunks of the network's
/// `maxBatchSize`. Shares the network's workspaces: do not use concurrently with another user of the same network.
public struct FullDataEnergy<Net: Network>: Energy {
    public typealias Scalar = Float
    public let network: Net
    /// Row-major N × inputSize pixels.
    public let inputs: [Float]
    /// N class labels.
    public let labels: [Int32]
    public let prior: GaussianPrior
    let blocks: [(range: Range<Int>, lambda: Float)]

    public init(network: Net, inputs: [Float], labels: [Int32], prior: GaussianPrior) {
        precondition(inputs.count == labels.count * network.inputSize, "inputs must hold labels.count rows")
        precondition(labels.allSatisfy { $0 >= 0 && Int($0) < network.classCount }, "labels outside 0..<classCount")
        self.network = network
        self.inputs = inputs
        self.labels = labels
        self.prior = prior
        self.blocks = prior.blockPrecisions(network)
    }

    public var dimension: Int { network.parameterCount }
    /// The number of training examples N.
    public var exampleCount: Int { labels.count }

    public func energy(at x: UnsafeBufferPointer<Float>) -> Double {
        precondition(x.count == dimension, "position has the wrong dimension")
        var u = 0.0
        for (range, lambda) in blocks {
            var s = 0.0
            for i in range { s += Double(x[i]) * Double(x[i]) }
            u += 0.5 * Double(lambda) * s
        }
        guard !labels.isEmpty else { return u }
        return u + inputs.withUnsafeBufferPointer { xs in
            labels.withUnsafeBufferPointer { ys in
                network.loss(parameters: x, inputs: xs.baseAddress!, labels: ys.baseAddress!, count: labels.count)
            }
        }
    }

    public func energyAndGradient(at x: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        precondition(x.count == dimension && gradient.count == dimension, "buffers have the wrong dimension")
        let u = applyPrior(blocks, w: x.baseAddress!, g: gradient.baseAddress!)
        guard !labels.isEmpty else { return u }
        return u + inputs.withUnsafeBufferPointer { xs in
            labels.withUnsafeBufferPointer { ys in
                network.lossAndGradient(parameters: x, inputs: xs.baseAddress!, labels: ys.baseAddress!,
                                        count: labels.count, gradient: gradient, scale: 1, accumulate: true)
            }
        }
    }
}

/// Where a ``MinibatchEnergy`` stands in its data order; enough to checkpoint and resume it bit-for-bit.
public struct BatchOrderPosition: Hashable, Sendable, Codable {
    /// Epochs completed so far (0 during the first pass over the data).
    public var epoch: Int
    /// Index, within the current epoch, of the batch the next call consumes (0 ..< batchesPerEpoch).
    public var batchIndex: Int
    /// The current epoch's order of the N examples: batch b is permutation[b·B ..< (b+1)·B].
    public var permutation: [Int32]
    /// The SplitMix64 state that will draw the next epoch's permutation.
    public var shufflerState: UInt64

    public init(epoch: Int, batchIndex: Int, permutation: [Int32], shufflerState: UInt64) {
        self.epoch = epoch
        self.batchIndex = batchIndex
        self.permutation = permutation
        self.shufflerState = shufflerState
    }
}

/// The stochastic minibatch estimate of the posterior energy of a network,
/// Û(w) = (N/B) Σ_{i∈batch} NLLᵢ(w) + ½ Σⱼ λⱼ wⱼ², and of its gradient, for SGLD-type samplers.
///
/// Data order: epochs of random permutations. Epoch e uses a permutation π_e of 0..<N obtained by a Fisher–Yates
/// shuffle of the identity (for i = N−1 down to 1, swap i with j uniform in 0...i, j drawn by Lemire's unbiased
/// multiply-and-reject from ``SplitMix64/next()``), from one SplitMix64 stream seeded with `seed` that continues
/// across epochs. Batch b of the epoch is π_e[b·B ..< (b+1)·B]; there are ⌊N/B⌋ batches per epoch and the N mod B
/// examples left over (different ones each epoch) are skipped. Each call to ``energyAndGradient(at:gradient:)``
/// consumes the next batch; after the last batch of an epoch the next permutation is drawn.
///
/// Unbiasedness: for a uniformly random permutation each batch is a uniform random B-subset, so E Û = U and
/// E ∇Û = ∇U with U the ``FullDataEnergy``; when B divides N, the average of Û and ∇Û over the batches of one epoch
/// equals U and ∇U exactly (up to rounding).
///
/// Copies share the network (and its workspaces): give each concurrently running chain its own network.
public struct MinibatchEnergy<Net: Network>: GradientEstimator {
    public typealias Scalar = Float

    /// The exact full-data energy on the same data and prior.
    public let fullData: FullDataEnergy<Net>
    /// The batch size B.
    public let batchSize: Int
    /// The current position in the data order (settable, to restore a checkpoint).
    public var position: BatchOrderPosition {
        get { _position }
        set {
            precondition(newValue.permutation.count == exampleCount, "permutation must have N entries")
            precondition(newValue.batchIndex >= 0 && newValue.batchIndex < batchesPerEpoch, "batchIndex out of range")
            _position = newValue
        }
    }
    var _position: BatchOrderPosition

    /// Staging for the current batch (B × inputSize pixels, B labels).
    var batchInputs: [Float]
    var batchLabels: [Int32]
    let blocks: [(range: Range<Int>, lambda: Float)]
    let hasPrior: Bool
    /// Parts of the prior pass and of the gradient's finiteness check: the network's worker threads.
    let passParts: Int
    let scratch: PassScratch

    /// - Parameters:
    ///   - network: the classifier (its `maxBatchSize` need not equal B: larger batches run in chunks).
    ///   - inputs: row-major N × inputSize pixels.
    ///   - labels: N class labels in 0..<classCount.
    ///   - batchSize: B, 1 ≤ B ≤ N.
    ///   - prior: the Gaussian prior.
    ///   - seed: seeds the SplitMix64 stream of permutations.
    public init<L: BinaryInteger>(
        network: Net, inputs: [Float], labels: [L], batchSize: Int, prior: GaussianPrior, seed: UInt64
    ) {
        let labels32 = (labels as? [Int32]) ?? labels.map { Int32($0) }
        precondition(batchSize >= 1 && batchSize <= labels.count, "batch size must lie in 1...N")
        fullData = FullDataEnergy(network: network, inputs: inputs, labels: labels32, prior: prior)
        self.batchSize = batchSize
        var shuffler = SplitMix64(seed: seed)
        let permutation = MinibatchEnergy.drawPermutation(count: labels32.count, using: &shuffler)
        _position = BatchOrderPosition(epoch: 0, batchIndex: 0, permutation: permutation, shufflerState: shuffler.state)
        batchInputs = [Float](repeating: 0, count: batchSize * network.inputSize)
        batchLabels = [Int32](repeating: 0, count: batchSize)
        blocks = fullData.blocks
        hasPrior = blocks.contains { $0.lambda != 0 }
        passParts = max(1, min(network.threads, 64))
        scratch = PassScratch(parameterCount: network.parameterCount)
    }

    public var network: Net { fullData.network }
    public var prior: GaussianPrior { fullData.prior }
    public var dimension: Int { fullData.dimension }
    public var isExact: Bool { false }
    /// The number of training examples N.
    public var exampleCount: Int { fullData.exampleCount }
    /// ⌊N/B⌋.
    public var batchesPerEpoch: Int { exampleCount / batchSize }

    /// A Fisher–Yates shuffle of 0..<count (see the type's documentation for the exact recipe).
    public static func drawPermutation(count: Int, using g: inout SplitMix64) -> [Int32] {
        var p = [Int32](repeating: 0, count: count)
        shuffleIdentity(&p, using: &g)
        return p
    }

    /// Overwrites `p` with a Fisher–Yates shuffle of 0..<p.count (in place: no allocation).
    static func shuffleIdentity(_ p: inout [Int32], using g: inout SplitMix64) {
        let count = p.count
        for i in 0..<count { p[i] = Int32(truncatingIfNeeded: i) }
        var i = count - 1
        while i > 0 {
            let bound = UInt64(i + 1)
            var m = g.next().multipliedFullWidth(by: bound)
            if m.low < bound {
                let threshold = (0 &- bound) % bound
                while m.low < threshold { m = g.next().multipliedFullWidth(by: bound) }
            }
            p.swapAt(i, Int(m.high))
            i -= 1
        }
    }

    /// The example indices of the batch the next call will consume.
    public var nextBatch: ArraySlice<Int32> {
        position.permutation[(position.batchIndex * batchSize)..<((position.batchIndex + 1) * batchSize)]
    }

    /// Consumes the next batch: writes ∇Û(w) into `gradient` and returns Û(w).
    public mutating func energyAndGradient(
        at x: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>
    ) -> Double {
        precondition(x.count == dimension && gradient.count == dimension, "buffers have the wrong dimension")
        let b = batchSize, d = fullData.network.inputSize
        let first = _position.batchIndex * b
        // Gather the batch rows into the staging buffers.
        fullData.inputs.withUnsafeBufferPointer { source in
            _position.permutation.withUnsafeBufferPointer { perm in
                batchInputs.withUnsafeMutableBufferPointer { dst in
                    batchLabels.withUnsafeMutableBufferPointer { lab in
                        fullData.labels.withUnsafeBufferPointer { labels in
                            for r in 0..<b {
                                let i = Int(perm[first + r])
                                (dst.baseAddress! + r * d).update(from: source.baseAddress! + i * d, count: d)
                                lab[r] = labels[i]
                            }
                        }
                    }
                }
            }
        }
        let scale = Float(exampleCount) / Float(b)
        let priorEnergy = hasPrior
            ? applyPrior(blocks, w: x.baseAddress!, g: gradient.baseAddress!, parts: passParts, scratch: scratch) : 0
        let nll = batchInputs.withUnsafeBufferPointer { xs in
            batchLabels.withUnsafeBufferPointer { ys in
                fullData.network.lossAndGradient(parameters: x, inputs: xs.baseAddress!, labels: ys.baseAddress!,
                                                 count: b, gradient: gradient, scale: scale, accumulate: hasPrior)
            }
        }
        advance()
        return Double(exampleCount) / Double(b) * nll + priorEnergy
    }

    /// Moves to the next batch, drawing a new permutation after the last batch of an epoch.
    mutating func advance() {
        _position.batchIndex += 1
        if _position.batchIndex == batchesPerEpoch {
            var shuffler = SplitMix64(seed: _position.shufflerState)
            MinibatchEnergy.shuffleIdentity(&_position.permutation, using: &shuffler)
            _position.shufflerState = shuffler.state
            _position.epoch += 1
            _position.batchIndex = 0
        }
    }

    /// Σ gᵢ·0 over a gradient just written (0 exactly when it is finite), split over the network's worker threads
    /// for large parameter vectors; the same answer for any split.
    public func gradientFinitenessCheck(_ gradient: UnsafeBufferPointer<Float>) -> Float {
        let n = gradient.count, parts = passParts
        guard parts > 1, n >= PassScratch.parallelThreshold, let g = gradient.baseAddress else {
            return gradient.baseAddress.map { finitenessSum($0, count: n) } ?? 0
        }
        let flags = scratch.flags
        runOnNetworkWorkers(parts) { t in
            let r = partRange(t, of: parts, total: n, granule: 16)
            flags[t] = finitenessSum(g + r.lowerBound, count: r.count)
        }
        var c: Float = 0
        for t in 0..<parts { c += flags[t] }
        return c
    }

    /// The exact full-data energy U(w) (a pass over all N examples; does not move the batch order).
    public func exactEnergy(at x: UnsafeBufferPointer<Float>) -> Double { fullData.energy(at: x) }

    /// The exact U(w) and ∇U(w) over all N examples (does not move the batch order).
    public func exactEnergyAndGradient(at x: UnsafeBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>)
        -> Double
    {
        fullData.energyAndGradient(at: x, gradient: gradient)
    }
}

/// Writes g[i] = λ·w[i] for i < count and returns Σ w[i]² (accumulated in SIMD Float lanes over blocks, then Double).
func scaleAndSumSquares(
    _ w: UnsafePointer<Float>, into g: UnsafeMutablePointer<Float>, count: Int, lambda: Float
) -> Double {
    typealias V = SIMD16<Float>
    let lanes = V.scalarCount
    var total = 0.0
    var i = 0
    let raw = UnsafeRawPointer(w)
    let rawG = UnsafeMutableRawPointer(g)
    while i + lanes <= count {
        // Blocks of at most 4096 entries keep the Float partial sums accurate before promotion to Double.
        let end = min(count - (count - i) % lanes, i + 4096)
        var acc = V(repeating: 0)
        while i < end {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            acc += v * v
            rawG.storeBytes(of: v * lambda, toByteOffset: i * 4, as: V.self)
            i += lanes
        }
        total += Double(acc.sum())
    }
    while i < count {
        let v = w[i]
        total += Double(v) * Double(v)
        g[i] = lambda * v
        i += 1
    }
    return total
}
