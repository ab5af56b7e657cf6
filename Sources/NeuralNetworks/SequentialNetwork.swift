// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import LinearAlgebra

/// A feed-forward stack of layers (see ``LayerSpec``) ending in a vector of class logits.
///
/// Parameters: the layers' blocks concatenated in layer order (each layer: weight then bias), so
/// `parameterCount = Σ_layers` of their sizes. Workspaces: one activation buffer per layer output (ReLU and Flatten
/// run in place on their input buffer, except on the network input, which is never written), two ping-pong buffers
/// for ∂L/∂activations, and each layer's own scratch, all sized for `maxBatchSize` and allocated in `init`.
/// The first layer never computes ∂L/∂input. A `conv2D, relu, maxPool2x2` triple runs as one fused layer (identical
/// results, without storing the full-resolution activation); ``parameterBlocks`` still index ``layerSpecs``.
public class SequentialNetwork: Network {
    public let inputShape: TensorShape
    public let classCount: Int
    public let parameterCount: Int
    public let maxBatchSize: Int
    public let parameterBlocks: [ParameterBlock]
    public let parameterizedLayerCount: Int
    /// The layer descriptions, in order.
    public let layerSpecs: [LayerSpec]

    let layers: [any Layer]
    /// Offset of each layer's parameter slice in w.
    let offsets: [Int]
    /// activations[i] is the input of layer i (nil for i = 0: the caller's input), activations[L] the logits.
    let activations: [UnsafeMutablePointer<Float>?]
    /// gradients[i] receives ∂L/∂(input of layer i) for i ≥ 1; gradients[L] receives ∂L/∂logits.
    let gradients: [UnsafeMutablePointer<Float>?]
    let storage: [FloatWorkspace]

    /// The number of worker threads each evaluation uses (see ``init(input:layers:maxBatchSize:threads:)``).
    public let threads: Int

    /// - Parameters:
    ///   - input: the shape of one example.
    ///   - layers: the stack; its output must be a vector (its length is the class count).
    ///   - maxBatchSize: the largest batch the workspaces hold.
    ///   - threads: worker threads per evaluation (default: the number of online processors). With more than one,
    ///     the network splits each convolution's batch and each large dense product among its own workers; with one,
    ///     it runs on the calling thread. Either way every product is a single-threaded BLAS call: the network sets
    ///     OpenBLAS to one thread for the duration of each evaluation (restoring the previous setting afterwards),
    ///     so that its results do not depend on the thread count, whatever kernel OpenBLAS runs.
    ///     The workers come from one process-wide pool (processors − 1 threads): a second network evaluating at the
    ///     same time runs its parts one after another, so chains run in parallel should use `threads: 1` each.
    public convenience init(input: TensorShape, layers specs: [LayerSpec], maxBatchSize: Int = 100, threads: Int? = nil) {
        self.init(input: input, layers: specs, maxBatchSize: maxBatchSize, threads: threads,
                  fuseConvolutions: true, convolutionChunk: nil)
    }

    /// - Parameters:
    ///   - fuseConvolutions: run each `conv2D, relu, maxPool2x2` triple as one fused layer (same results; the
    ///     full-resolution activation is never stored).
    ///   - convolutionChunk: images per im2col chunk (nil: sized to a few MiB).
    ///   - convolutionRowPatches: unfold every convolution in 1 × k row patches (true) or k × k patches (false);
    ///     nil: each layer by the length of its patch rows (``Conv2DLayer/rowPatchMinimum``).
    init(input: TensorShape, layers specs: [LayerSpec], maxBatchSize: Int, threads: Int?,
         fuseConvolutions: Bool, convolutionChunk: Int?, convolutionRowPatches: Bool? = nil) {
        precondition(maxBatchSize > 0, "maxBatchSize must be positive")
        precondition(!specs.isEmpty, "a network needs at least one layer")
        let threads = max(1, threads ?? ThreadBudget.processors)
        var built: [any Layer] = []
        var specIndex: [Int] = []
        var shape = input
        var i = 0
        while i < specs.count {
            let layer: any Layer
            let first = i
            switch specs[i] {
            case .dense(let m):
                precondition(shape.isVector, "dense layer \(i) needs a vector input (add .flatten); got \(shape)")
                layer = DenseLayer(inputs: shape.channels, outputs: m, threads: threads)
            case .relu:
                layer = ReLULayer(shape: shape)
            case .conv2D(let co, let k, let p):
                let fuse = fuseConvolutions && i + 2 < specs.count && specs[i + 1] == .relu
                    && specs[i + 2] == .maxPool2x2
                layer = Conv2DLayer(input: shape, outputChannels: co, kernel: k, padding: p, fusedReLUPool: fuse,
                                    maxBatchSize: maxBatchSize, threads: threads, needsInputGradient: !built.isEmpty,
                                    chunkImages: convolutionChunk, rowPatches: convolutionRowPatches)
                if fuse { i += 2 }
            case .maxPool2x2:
                layer = MaxPool2x2Layer(shape: shape, maxBatchSize: maxBatchSize)
            case .flatten:
                layer = FlattenLayer(shape: shape)
            case .custom(let c):
                layer = c.make(shape, maxBatchSize)
                precondition(layer.inputShape == shape,
                             "custom layer \(c.name) at \(i) takes \(layer.inputShape), its input is \(shape)")
            }
            built.append(layer)
            specIndex.append(first)
            shape = layer.outputShape
            i += 1
        }
        precondition(shape.isVector, "the last layer must produce a vector of logits; got \(shape)")
        self.inputShape = input
        self.classCount = shape.channels
        self.maxBatchSize = maxBatchSize
        self.layerSpecs = specs
        self.layers = built
        self.threads = threads

        var offsets: [Int] = []
        var blocks: [ParameterBlock] = []
        var d = 0, parameterized = 0
        for (i, layer) in built.enumerated() {
            offsets.append(d)
            if layer.parameterCount > 0 {
                for (role, range) in layer.parameterRoles {
                    blocks.append(ParameterBlock(layer: specIndex[i], parameterizedLayer: parameterized, role: role,
                                                 range: (d + range.lowerBound)..<(d + range.upperBound)))
                }
                parameterized += 1
            }
            d += layer.parameterCount
        }
        self.offsets = offsets
        self.parameterCount = d
        self.parameterBlocks = blocks
        self.parameterizedLayerCount = parameterized

        var storage: [FloatWorkspace] = []
        var acts: [UnsafeMutablePointer<Float>?] = [nil]
        for (i, layer) in built.enumerated() {
            if i > 0 && layer.canRunInPlace {
                acts.append(acts[i])
            } else {
                let buffer = FloatWorkspace(count: maxBatchSize * layer.outputShape.size)
                storage.append(buffer)
                acts.append(buffer.base)
            }
        }
        let largest = built.map { $0.outputShape.size }.max()!
        let ping = FloatWorkspace(count: maxBatchSize * largest), pong = FloatWorkspace(count: maxBatchSize * largest)
        storage += [ping, pong]
        var grads = [UnsafeMutablePointer<Float>?](repeating: nil, count: built.count + 1)
        grads[built.count] = ping.base
        if built.count > 1 {
            for i in stride(from: built.count - 1, through: 1, by: -1) {
                let out = grads[i + 1]!
                grads[i] = built[i].canRunInPlace ? out : (out == ping.base ? pong.base : ping.base)
            }
        }
        self.activations = acts
        self.gradients = grads
        self.storage = storage
    }

    public func initialParameters<R: RandomSource>(random: inout R) -> [Float] {
        var w = [Float](repeating: 0, count: parameterCount)
        w.withUnsafeMutableBufferPointer { wp in
            for (i, layer) in layers.enumerated() where layer.parameterCount > 0 {
                layer.initialize(UnsafeMutableBufferPointer(
                    rebasing: wp[offsets[i]..<(offsets[i] + layer.parameterCount)]), random: &random)
            }
        }
        return w
    }

    /// Runs all layers on `count ≤ maxBatchSize` examples; returns the logits pointer.
    @discardableResult
    func runForward(_ w: UnsafePointer<Float>, inputs: UnsafePointer<Float>, count: Int) -> UnsafeMutablePointer<Float> {
        var x = inputs
        for (i, layer) in layers.enumerated() {
            let y = activations[i + 1]!
            layer.forward(w + offsets[i], input: x, output: y, count: count)
            x = UnsafePointer(y)
        }
        return activations[layers.count]!
    }

    /// Backpropagates ∂L/∂logits (already in gradients[L]) and accumulates ∂L/∂w into `g`.
    func runBackward(_ w: UnsafePointer<Float>, inputs: UnsafePointer<Float>, count: Int, into g: UnsafeMutablePointer<Float>) {
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let input = i == 0 ? inputs : UnsafePointer(activations[i]!)
            layers[i].backward(w + offsets[i], input: input, output: activations[i + 1]!,
                               outputGradient: gradients[i + 1]!, inputGradient: i == 0 ? nil : gradients[i]!,
                               parameterGradient: g + offsets[i], count: count)
        }
    }

    public func forward(parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, count: Int)
        -> UnsafeBufferPointer<Float>
    {
        precondition(parameters.count == parameterCount, "parameter vector has the wrong length")
        precondition(count >= 0 && count <= maxBatchSize, "count exceeds maxBatchSize")
        // OpenBLAS on one thread in BLASThreads' counted scope, here and in every evaluation below: each product
        // is one single-threaded call, so the results do not depend on the thread count, whatever the kernel.
        BLASThreads.enterSingleThreaded()
        defer { BLASThreads.leaveSingleThreaded() }
        let z = runForward(parameters.baseAddress!, inputs: inputs, count: count)
        return UnsafeBufferPointer(start: z, count: count * classCount)
    }

    public func loss(parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
                     count: Int) -> Double {
        precondition(parameters.count == parameterCount, "parameter vector has the wrong length")
        BLASThreads.enterSingleThreaded()
        defer { BLASThreads.leaveSingleThreaded() }
        var total = 0.0, start = 0
        while start < count {
            let nb = min(maxBatchSize, count - start)
            let z = runForward(parameters.baseAddress!, inputs: inputs + start * inputSize, count: nb)
            total += softmaxCrossEntropy(logits: z, labels: labels + start, rows: nb, classes: classCount,
                                         gradient: nil, scale: 1)
            start += nb
        }
        return total
    }

    public func lossAndGradient(
        parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        count: Int, gradient: UnsafeMutableBufferPointer<Float>, scale: Float, accumulate: Bool
    ) -> Double {
        precondition(parameters.count == parameterCount && gradient.count == parameterCount,
                     "parameter and gradient vectors must have length parameterCount")
        let w = parameters.baseAddress!, g = gradient.baseAddress!
        if !accumulate { g.update(repeating: 0, count: parameterCount) }
        BLASThreads.enterSingleThreaded()
        defer { BLASThreads.leaveSingleThreaded() }
        var total = 0.0, start = 0
        while start < count {
            let nb = min(maxBatchSize, count - start)
            let x = inputs + start * inputSize
            let z = runForward(w, inputs: x, count: nb)
            total += softmaxCrossEntropy(logits: z, labels: labels + start, rows: nb, classes: classCount,
                                         gradient: gradients[layers.count]!, scale: scale)
            runBackward(w, inputs: x, count: nb, into: g)
            start += nb
        }
        return total
    }

    public func predictProbabilities(parameters: UnsafeBufferPointer<Float>, inputs: UnsafePointer<Float>, count: Int,
                                     into probabilities: UnsafeMutableBufferPointer<Float>) {
        precondition(parameters.count == parameterCount, "parameter vector has the wrong length")
        precondition(probabilities.count >= count * classCount, "probability buffer too small")
        BLASThreads.enterSingleThreaded()
        defer { BLASThreads.leaveSingleThreaded() }
        var start = 0
        while start < count {
            let nb = min(maxBatchSize, count - start)
            let z = runForward(parameters.baseAddress!, inputs: inputs + start * inputSize, count: nb)
            softmaxRows(z, rows: nb, classes: classCount, into: probabilities.baseAddress! + start * classCount)
            start += nb
        }
    }
}

extension SequentialNetwork {
    /// A multilayer perceptron: dense – ReLU – … – dense, on flat inputs of length `input`.
    ///
    /// `multilayerPerceptron(input: 784, hidden: [400, 400], classes: 10)` is 784-400-400-10 with
    /// 784·400+400 + 400·400+400 + 400·10+10 = 478,410 parameters. Layout and initialisation as for
    /// ``LayerSpec/dense(outputs:)``.
    public static func multilayerPerceptron(input: Int, hidden: [Int], classes: Int, maxBatchSize: Int = 100,
                                            threads: Int? = nil) -> SequentialNetwork {
        var specs: [LayerSpec] = []
        for h in hidden { specs += [.dense(outputs: h), .relu] }
        specs.append(.dense(outputs: classes))
        return SequentialNetwork(input: .vector(input), layers: specs, maxBatchSize: maxBatchSize, threads: threads,
                                 fuseConvolutions: true, convolutionChunk: nil)
    }

    /// The default convolutional network's layers (the CNN of the talk this project grew from), for `classes`
    /// classes: conv 5×5 →64 (pad 2) – ReLU – maxpool 2 – conv 5×5 64→64 (pad 2) – ReLU – maxpool 2 – flatten (HWC
    /// order) – dense →256 – ReLU – dense 256→classes.
    public static func convolutionalLayers(classes: Int = 10) -> [LayerSpec] {
        [
            .conv2D(outputChannels: 64, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
            .conv2D(outputChannels: 64, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
            .flatten, .dense(outputs: 256), .relu, .dense(outputs: classes),
        ]
    }

    /// The default convolutional network (``convolutionalLayers(classes:)``) on images of `input` shape. On
    /// 28 × 28 × 1 images with 10 classes (flatten 7·7·64 = 3136) it has 1,664 + 102,464 + 803,072 + 2,570 = 909,770
    /// parameters.
    public static func convolutional(input: TensorShape = TensorShape(height: 28, width: 28, channels: 1),
                                     classes: Int = 10, maxBatchSize: Int = 100,
                                     threads: Int? = nil) -> SequentialNetwork {
        SequentialNetwork(input: input, layers: convolutionalLayers(classes: classes), maxBatchSize: maxBatchSize,
                          threads: threads, fuseConvolutions: true, convolutionChunk: nil)
    }
}

/// A multilayer perceptron; use ``SequentialNetwork/multilayerPerceptron(input:hidden:classes:maxBatchSize:threads:)``.
@available(*, deprecated, renamed: "SequentialNetwork.multilayerPerceptron(input:hidden:classes:maxBatchSize:threads:)")
public func MLP(input: Int, hidden: [Int], classes: Int, maxBatchSize: Int = 100, threads: Int? = nil)
    -> SequentialNetwork {
    .multilayerPerceptron(input: input, hidden: hidden, classes: classes, maxBatchSize: maxBatchSize, threads: threads)
}
