// SPDX-License-Identifier: GPL-3.0-or-later
// The layer implementations behind ``LayerSpec``. Each layer owns its scratch space, sized for a maximum batch.

import LangevinCore
import LinearAlgebra

/// A layer of a ``SequentialNetwork``: a map from a batch of activations of `inputShape` to a batch of `outputShape`,
/// with `parameterCount` parameters read from (and gradients accumulated into) a slice of the flat parameter vector.
///
/// The built-in layers (``LayerSpec``) conform, and so can a user's own: wrap it in ``LayerSpec/custom(_:)``.
/// Conventions: activations are NHWC row-major (``TensorShape``), `count` ≤ the network's `maxBatchSize`, all
/// pointers address Float buffers that the network owns and sizes from the shapes; the layer owns any scratch space
/// it needs, sized at construction for the maximum batch. A layer is used by one thread at a time.
public protocol Layer: AnyObject {
    /// The shape of one example's input.
    var inputShape: TensorShape { get }
    /// The shape of one example's output.
    var outputShape: TensorShape { get }
    /// The number of parameters of the layer's slice of w.
    var parameterCount: Int { get }
    /// Whether the layer may run with output aliasing input and input-gradient aliasing output-gradient.
    var canRunInPlace: Bool { get }
    /// Parameter blocks (offsets relative to the layer's slice) with their roles (`"weight"`, `"bias"`); the
    /// Gaussian prior and the weight statistics use the roles.
    var parameterRoles: [(role: String, range: Range<Int>)] { get }

    /// Draws initial parameters into `w` (the layer's slice).
    func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R)

    /// y = f(x; w) for `count` examples (count ≤ the maximum batch size given at construction).
    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int)

    /// Backpropagation for the batch last passed to `forward` (same `input`; `output` may since have been rectified in
    /// place by a following ReLU, so only the positions of its positive entries are reliable):
    /// accumulates ∂L/∂w into `parameterGradient` (+=) and, when `inputGradient` is non-nil, writes ∂L/∂x there (=).
    /// `outputGradient` holds ∂L/∂y and may be overwritten (in-place layers reuse it as ∂L/∂x).
    func backward(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
        parameterGradient: UnsafeMutablePointer<Float>, count: Int)
}

extension Layer {
    /// No parameter blocks (layers without parameters).
    public var parameterRoles: [(role: String, range: Range<Int>)] { [] }
    /// Nothing to draw (layers without parameters).
    public func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R) {}
}

/// He/Kaiming-uniform initialisation: wᵢ ~ U(−a, a) with a = √(6 / fanIn), i.e. Var wᵢ = 2 / fanIn (the variance that
/// keeps ReLU activations at a constant scale), drawn in storage order from `random.nextUniform()` as a·(2u − 1).
func kaimingUniform<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, fanIn: Int, random: inout R) {
    let a = (6.0 / Double(fanIn)).squareRoot()
    for i in w.indices { w[i] = Float(a * (2 * random.nextUniform() - 1)) }
}

// MARK: - Dense

/// y = x·Wᵀ + b on a batch of vectors: x is count × n, W is m × n (row-major, PyTorch's layout), b has m entries.
/// Parameters: W (m·n) then b (m). Initialisation: W Kaiming-uniform with fan-in n, b = 0.
///
/// A product of at least `parallelWork` multiply–adds is split into column blocks of its output (``decompositionBlocks``
/// of them, fewer when the blocks would be under 32 columns, whatever the worker count), each a single-threaded SGEMM, the workers taking whole blocks: forward splits
/// y's columns (outputs), ∂W splits W's rows (outputs), ∂x splits x's columns (inputs); the blocks are disjoint, so
/// no reduction is needed, and one worker computes them one after another with the same bits.
final class DenseLayer: Layer {
    let inputs: Int
    let outputs: Int
    let threads: Int
    var inputShape: TensorShape { .vector(inputs) }
    var outputShape: TensorShape { .vector(outputs) }
    var parameterCount: Int { outputs * inputs + outputs }
    var canRunInPlace: Bool { false }
    var parameterRoles: [(role: String, range: Range<Int>)] {
        [("weight", 0..<(outputs * inputs)), ("bias", (outputs * inputs)..<parameterCount)]
    }

    /// Below this many multiply–adds per product, one worker does it all (fork–join costs microseconds).
    static let parallelWork = 1 << 19
    /// Column blocks are multiples of this (the SGEMM kernels' register-block width).
    static let granule = 16

    init(inputs: Int, outputs: Int, threads: Int = 1) {
        precondition(inputs > 0 && outputs > 0, "dense: sizes must be positive")
        self.inputs = inputs
        self.outputs = outputs
        self.threads = max(1, threads)
    }

    func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R) {
        kaimingUniform(UnsafeMutableBufferPointer(rebasing: w[0..<(outputs * inputs)]), fanIn: inputs, random: &random)
        UnsafeMutableBufferPointer(rebasing: w[(outputs * inputs)...]).update(repeating: 0)
    }

    /// Blocks are at least this many columns of the narrower side (a block is a BLAS call that packs the shared
    /// operand again, so on many cores not every processor gets one).
    static let minimumBlockColumns = 32
    /// The column blocks of a product over a batch of `count` (a function of the shapes and the machine only).
    @inline(__always) func blocks(_ count: Int) -> Int {
        guard count * inputs * outputs >= DenseLayer.parallelWork else { return 1 }
        return max(1, min(decompositionBlocks, min(inputs, outputs) / DenseLayer.minimumBlockColumns))
    }

    /// The arguments of the call in progress, for ``runPart(_:of:)``.
    private var call: LayerCall?

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        call = LayerCall(operation: .forward, w: w, input: input, output: output, count: count)
        forkJoin(min(threads, blocks(count)), self)
        call = nil
    }

    func backward(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        parameterGradient g: UnsafeMutablePointer<Float>, count: Int
    ) {
        call = LayerCall(operation: .backward, w: w, input: input, output: UnsafeMutablePointer(mutating: output),
                         outputGradient: dy, inputGradient: dx, parameterGradient: g, count: count)
        forkJoin(min(threads, blocks(count)), self)
        call = nil
    }
}

extension DenseLayer: ParallelTask {
    /// Part t of `parts`: blocks t, t + parts, t + 2·parts, … of the call's products.
    func runPart(_ t: Int, of parts: Int) {
        guard let call else { return }
        let blocks = blocks(call.count)
        for block in stride(from: t, to: blocks, by: parts) { runBlock(block, of: blocks, call) }
    }

    @inline(__always)
    func runBlock(_ t: Int, of parts: Int, _ call: LayerCall) {
        let w = call.w, count = call.count
        switch call.operation {
        case .forward:
            let cols = partRange(t, of: parts, total: outputs, granule: DenseLayer.granule)
            guard !cols.isEmpty else { return }
            let output = call.output, bias = w + outputs * inputs
            sgemm(.none, .transpose, m: count, n: cols.count, k: inputs, alpha: 1, a: call.input, lda: inputs,
                  b: w + cols.lowerBound * inputs, ldb: inputs, beta: 0, c: output + cols.lowerBound, ldc: outputs)
            var row = output
            for _ in 0..<count {
                for j in cols { row[j] += bias[j] }
                row += outputs
            }
        case .backward:
            // ∂L/∂W += dyᵀ·x (m × n), ∂L/∂b += Σ_rows dy, ∂L/∂x = dy·W (count × n).
            let dy = call.outputGradient!, g = call.parameterGradient!
            let gb = g + outputs * inputs
            let rows = partRange(t, of: parts, total: outputs, granule: DenseLayer.granule)
            if !rows.isEmpty {
                sgemm(.transpose, .none, m: rows.count, n: inputs, k: count, alpha: 1, a: dy + rows.lowerBound,
                      lda: outputs, b: call.input, ldb: inputs, beta: 1, c: g + rows.lowerBound * inputs, ldc: inputs)
                var row = UnsafePointer(dy)
                for _ in 0..<count {
                    for j in rows { gb[j] += row[j] }
                    row += outputs
                }
            }
            if let dx = call.inputGradient {
                let cols = partRange(t, of: parts, total: inputs, granule: DenseLayer.granule)
                if !cols.isEmpty {
                    sgemm(.none, .none, m: count, n: cols.count, k: outputs, alpha: 1, a: dy, lda: outputs,
                          b: w + cols.lowerBound, ldb: inputs, beta: 0, c: dx + cols.lowerBound, ldc: inputs)
                }
            }
        }
    }
}

// MARK: - ReLU

/// y = max(x, 0); ∂L/∂x = ∂L/∂y · [y > 0]. Runs in place (y aliasing x) when the network allows it.
final class ReLULayer: Layer {
    let shape: TensorShape
    var inputShape: TensorShape { shape }
    var outputShape: TensorShape { shape }
    var parameterCount: Int { 0 }
    var canRunInPlace: Bool { true }

    init(shape: TensorShape) { self.shape = shape }

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        reluForward(input, output, count: count * shape.size)
    }

    func backward(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        parameterGradient g: UnsafeMutablePointer<Float>, count: Int
    ) {
        guard let dx else { return }
        reluBackward(output, dy, dx, count: count * shape.size)
    }
}

// MARK: - Flatten

/// Reinterprets (h, w, c) as the vector of length h·w·c in HWC order. In place it costs nothing; out of place it copies.
final class FlattenLayer: Layer {
    let shape: TensorShape
    var inputShape: TensorShape { shape }
    var outputShape: TensorShape { .vector(shape.size) }
    var parameterCount: Int { 0 }
    var canRunInPlace: Bool { true }

    init(shape: TensorShape) { self.shape = shape }

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        if UnsafePointer(output) != input { output.update(from: input, count: count * shape.size) }
    }

    func backward(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        parameterGradient g: UnsafeMutablePointer<Float>, count: Int
    ) {
        if let dx, dx != dy { dx.update(from: dy, count: count * shape.size) }
    }
}

// MARK: - Max pooling

/// 2 × 2 max pooling with stride 2 on NHWC batches; stores, for every output element, the offset (within its example)
/// of the input element that won, and routes the gradient there in `backward`.
final class MaxPool2x2Layer: Layer {
    let inputShape: TensorShape
    let outputShape: TensorShape
    var parameterCount: Int { 0 }
    var canRunInPlace: Bool { false }
    let argmax: IndexWorkspace

    init(shape: TensorShape, maxBatchSize: Int) {
        precondition(shape.height >= 2 && shape.width >= 2, "maxPool2x2: input must be at least 2 × 2")
        inputShape = shape
        outputShape = TensorShape(height: shape.height / 2, width: shape.width / 2, channels: shape.channels)
        argmax = IndexWorkspace(count: maxBatchSize * outputShape.size)
    }

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        let c = inputShape.channels, width = inputShape.width
        let oh = outputShape.height, ow = outputShape.width
        let rowStride = width * c
        var out = output
        var arg = argmax.base
        for n in 0..<count {
            let image = input + n * inputShape.size
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let o00 = (2 * oy * width + 2 * ox) * c
                    let o01 = o00 + c, o10 = o00 + rowStride, o11 = o10 + c
                    for k in 0..<c {
                        var best = image[o00 + k], at = o00 + k
                        let v01 = image[o01 + k], v10 = image[o10 + k], v11 = image[o11 + k]
                        if v01 > best { best = v01; at = o01 + k }
                        if v10 > best { best = v10; at = o10 + k }
                        if v11 > best { best = v11; at = o11 + k }
                        out[k] = best
                        arg[k] = Int32(truncatingIfNeeded: at)
                    }
                    out += c
                    arg += c
                }
            }
        }
    }

    func backward(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        parameterGradient g: UnsafeMutablePointer<Float>, count: Int
    ) {
        guard let dx else { return }
        dx.update(repeating: 0, count: count * inputShape.size)
        let per = outputShape.size, inSize = inputShape.size
        for n in 0..<count {
            let d = dx + n * inSize, a = argmax.base + n * per, gy = dy + n * per
            for j in 0..<per { d[Int(a[j])] = gy[j] }
        }
    }
}
