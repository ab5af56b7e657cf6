// SPDX-License-Identifier: GPL-3.0-or-later

import Platform
import LangevinCore
import LinearAlgebra

/// A classifier f(x; w) ∈ ℝᶜ (logits) whose parameters are one flat vector w ∈ ℝᵈ, d = `parameterCount`.
///
/// Every layer's weights and biases are fixed slices of w (see ``parameterBlocks``), so a sampler sees the posterior
/// over plain ℝᵈ. The network does not own w: each call takes it as a buffer. It does own workspaces sized for
/// ``maxBatchSize`` examples, allocated at construction, so that the evaluation calls never allocate; it is a
/// reference type for that reason, and one instance must not be used from two threads at once.
///
/// Inputs are a row-major `count × inputSize` Float matrix (each row an example in the HWC order of ``inputShape``);
/// labels are class indices in 0..<classCount.
///
/// The loss of one example is the softmax cross-entropy (negative log-likelihood)
/// NLLᵢ(w) = log Σⱼ exp zᵢⱼ − zᵢ,yᵢ with z = f(xᵢ; w), evaluated as m + log Σⱼ exp(zᵢⱼ − m), m = maxⱼ zᵢⱼ.
public protocol Network: AnyObject {
    /// Shape of one input example.
    var inputShape: TensorShape { get }
    /// Number of classes c (length of a logit row).
    var classCount: Int { get }
    /// Dimension d of the flat parameter vector.
    var parameterCount: Int { get }
    /// Largest `count` accepted by ``forward(parameters:inputs:count:)``; the other calls process larger counts in
    /// chunks of this size.
    var maxBatchSize: Int { get }
    /// The slices of w, in order, with the layer and role (weight/bias) they belong to.
    var parameterBlocks: [ParameterBlock] { get }
    /// Number of layers that have parameters (the length of a per-layer prior-precision array).
    var parameterizedLayerCount: Int { get }
    /// Worker threads an evaluation uses (passes over the parameter vector that belong with an evaluation, such as
    /// the prior's, may use as many); 1 unless the network says otherwise.
    var threads: Int { get }

    /// A fresh parameter vector drawn from the network's initialisation scheme using `random`.
    func initialParameters<R: RandomSource>(random: inout R) -> [Float]

    /// Logits for `count ≤ maxBatchSize` examples: a `count × classCount` row-major view into the network's
    /// workspace, valid until the next call on this network.
    func forward(parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, count: Int)
        -> UnsafeBufferPointer<Float>

    /// Σᵢ NLLᵢ(w) over `count` examples (any count), accumulated in Double.
    func loss(parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
              count: Int) -> Double

    /// Returns Σᵢ NLLᵢ(w) over `count` examples (any count) and writes `scale · ∂(Σᵢ NLLᵢ)/∂w` into `gradient`,
    /// overwriting it, or adding to it when `accumulate` is true. (`scale` costs nothing: it is folded into ∂/∂logits.)
    func lossAndGradient(
        parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        count: Int, gradient: UnsafeMutableBufferPointer<Float>, scale: Float, accumulate: Bool) -> Double

    /// Writes the softmax probabilities pᵢⱼ = exp zᵢⱼ / Σₖ exp zᵢₖ for `count` examples (any count) into the
    /// row-major `count × classCount` buffer `probabilities`.
    func predictProbabilities(parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, count: Int,
                              into probabilities: UnsafeMutableBufferPointer<Float>)
}

extension Network {
    public var threads: Int { 1 }

    /// Number of scalars per input example.
    public var inputSize: Int { inputShape.size }

    /// A fresh parameter vector from a SplitMix64 stream seeded with `seed`.
    public func initialParameters(seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        return initialParameters(random: &g)
    }

    /// Σᵢ NLLᵢ(w), writing ∂(Σᵢ NLLᵢ)/∂w into `gradient` (overwritten).
    public func lossAndGradient(
        parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        count: Int, gradient: UnsafeMutableBufferPointer<Float>
    ) -> Double {
        lossAndGradient(parameters: parameters, inputs: inputs, labels: labels, count: count, gradient: gradient,
                        scale: 1, accumulate: false)
    }

    /// Array convenience (allocates; not for hot loops): Σᵢ NLLᵢ(w) and ∂(Σᵢ NLLᵢ)/∂w over all rows of `inputs`.
    public func lossAndGradient(parameters: [Float], inputs: [Float], labels: [Int32]) -> (loss: Double, gradient: [Float]) {
        precondition(inputs.count == labels.count * inputSize, "inputs must hold labels.count rows")
        var g = [Float](repeating: 0, count: parameterCount)
        let l = parameters.withUnsafeBufferPointer { w in
            inputs.withUnsafeBufferPointer { x in
                labels.withUnsafeBufferPointer { y in
                    g.withUnsafeMutableBufferPointer { gp in
                        lossAndGradient(parameters: w, inputs: x.baseAddress!, labels: y.baseAddress!,
                                        count: labels.count, gradient: gp)
                    }
                }
            }
        }
        return (l, g)
    }

    /// Array convenience (allocates; not for hot loops): the `count × classCount` logits of all rows of `inputs`.
    public func logits(parameters: [Float], inputs: [Float]) -> [Float] {
        let n = inputs.count / inputSize
        precondition(n * inputSize == inputs.count && n <= maxBatchSize, "inputs must hold ≤ maxBatchSize rows")
        return parameters.withUnsafeBufferPointer { w in
            inputs.withUnsafeBufferPointer { x in Array(forward(parameters: w, inputs: x.baseAddress!, count: n)) }
        }
    }

    /// Array convenience (allocates; not for hot loops): softmax probabilities of all rows of `inputs`.
    public func predictProbabilities(parameters: [Float], inputs: [Float]) -> [Float] {
        let n = inputs.count / inputSize
        precondition(n * inputSize == inputs.count, "inputs must hold whole rows")
        var p = [Float](repeating: 0, count: n * classCount)
        parameters.withUnsafeBufferPointer { w in
            inputs.withUnsafeBufferPointer { x in
                p.withUnsafeMutableBufferPointer { pp in
                    if n > 0 { predictProbabilities(parameters: w, inputs: x.baseAddress!, count: n, into: pp) }
                }
            }
        }
        return p
    }
}

/// Softmax cross-entropy over `rows` logit rows of length `classes`.
///
/// Returns Σᵣ (m_r + log Σⱼ exp(z_rj − m_r) − z_r,y_r) (per-row arithmetic in Double). When `gradient` is non-nil,
/// writes ∂/∂z_rj = scale · (softmax(z_r)_j − [j = y_r]) there (row-major rows × classes).
func softmaxCrossEntropy(
    logits z: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int,
    gradient: UnsafeMutablePointer<Float>?, scale: Float
) -> Double {
    var total = 0.0
    for r in 0..<rows {
        let row = z + r * classes
        let y = Int(labels[r])
        precondition(y >= 0 && y < classes, "label \(y) outside 0..<\(classes)")
        var m = row[0]
        for j in 1..<classes { m = max(m, row[j]) }
        var s = 0.0
        for j in 0..<classes { s += exp(Double(row[j] - m)) }
        total += Double(m) + log(s) - Double(row[y])
        if let gradient {
            let g = gradient + r * classes
            let inv = 1 / s
            for j in 0..<classes {
                let p = exp(Double(row[j] - m)) * inv
                g[j] = scale * Float(j == y ? p - 1 : p)
            }
        }
    }
    return total
}

/// Softmax of `rows` rows of length `classes` from `z` into `p` (max-shifted for stability).
func softmaxRows(_ z: UnsafePointer<Float>, rows: Int, classes: Int, into p: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = z + r * classes, out = p + r * classes
        var m = row[0]
        for j in 1..<classes { m = max(m, row[j]) }
        var s = 0.0
        for j in 0..<classes { s += exp(Double(row[j] - m)) }
        let inv = 1 / s
        for j in 0..<classes { out[j] = Float(exp(Double(row[j] - m)) * inv) }
    }
}

/// OpenBLAS's own thread count (process-wide; forwards to LinearAlgebra's `BLASThreads`, for clients that do not
/// import LinearAlgebra). Networks run OpenBLAS single-threaded while they evaluate, whatever this says (see
/// ``SequentialNetwork/init(input:layers:maxBatchSize:threads:)``); it matters for a client's own BLAS calls.
public enum NetworkThreads {
    /// Sets OpenBLAS's thread count; while networks evaluate (or ``withSingleThreadedBLAS(_:)`` runs), the count is
    /// the one restored when the last of them ends, and OpenBLAS stays on one thread until then.
    public static func set(_ count: Int) { BLASThreads.set(count) }
    /// OpenBLAS's thread count now (1 while networks evaluate).
    public static var current: Int { BLASThreads.current }

    /// Runs `body` with OpenBLAS on one thread, in the same counted scope as a network's evaluation (OpenBLAS's
    /// thread count is restored when the last such scope in the process closes, not before).
    public static func withSingleThreadedBLAS<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try BLASThreads.withSingleThreaded(body)
    }
}
