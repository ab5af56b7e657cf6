// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import NeuralNetworks
import Testing

/// A layer written with the public API only, as a user package would: y = a·x elementwise with one learnable
/// scale a (role "weight", initialised to 1).
final class LearnableScale: Layer {
    let inputShape: TensorShape
    var outputShape: TensorShape { inputShape }
    var parameterCount: Int { 1 }
    var canRunInPlace: Bool { false }
    var parameterRoles: [(role: String, range: Range<Int>)] { [("weight", 0..<1)] }

    init(shape: TensorShape) { inputShape = shape }

    func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R) { w[0] = 1 }

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<(count * inputShape.size) { output[i] = w[0] * input[i] }
    }

    func backward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  outputGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>, count: Int) {
        var ga = 0.0
        for i in 0..<(count * inputShape.size) {
            ga += Double(input[i]) * Double(outputGradient[i])
            inputGradient?[i] = w[0] * outputGradient[i]
        }
        parameterGradient[0] += Float(ga)
    }
}

@Suite("A user-defined layer (public API only)")
struct CustomLayerTests {
    let scale = LayerSpec.custom(CustomLayer(name: "scale") { shape, _ in LearnableScale(shape: shape) })

    @Test("At a = 1 the network equals the one without the layer: logits, loss and every other gradient, exactly")
    func identityAtUnitScale() {
        let plain = SequentialNetwork(input: .vector(6), layers: [.dense(outputs: 5), .relu, .dense(outputs: 3)],
                                      maxBatchSize: 8, threads: 1)
        let custom = SequentialNetwork(input: .vector(6),
                                       layers: [.dense(outputs: 5), .relu, scale, .dense(outputs: 3)],
                                       maxBatchSize: 8, threads: 1)
        #expect(custom.parameterCount == plain.parameterCount + 1)
        #expect(custom.parameterBlocks.contains { $0.layer == 2 && $0.role == "weight" && $0.range.count == 1 })
        let w = plain.initialParameters(seed: 3)
        // The custom layer's slice sits between the two dense layers' slices.
        let split = 6 * 5 + 5
        let wc = Array(w[..<split]) + [1] + Array(w[split...])
        var g = SplitMix64(seed: 9)
        let x = (0..<(7 * 6)).map { _ in Float(g.nextUniform() * 2 - 1) }
        let y: [Int32] = (0..<7).map { Int32($0 % 3) }
        let a = plain.lossAndGradient(parameters: w, inputs: x, labels: y)
        let b = custom.lossAndGradient(parameters: wc, inputs: x, labels: y)
        #expect(a.loss == b.loss)
        #expect(Array(b.gradient[..<split]) + Array(b.gradient[(split + 1)...]) == a.gradient)
    }

    @Test("∂L/∂a agrees with a central difference of the loss (step 1e-2, relative tolerance 1e-2)")
    func scaleGradient() {
        let net = SequentialNetwork(input: .vector(6), layers: [.dense(outputs: 5), .relu, scale, .dense(outputs: 3)],
                                    maxBatchSize: 8, threads: 1)
        var w = net.initialParameters(seed: 4)
        let ia = 6 * 5 + 5
        w[ia] = 0.7
        var g = SplitMix64(seed: 10)
        let x = (0..<(8 * 6)).map { _ in Float(g.nextUniform() * 2 - 1) }
        let y: [Int32] = (0..<8).map { Int32($0 % 3) }
        let analytic = Double(net.lossAndGradient(parameters: w, inputs: x, labels: y).gradient[ia])
        let h: Float = 1e-2
        var wp = w, wm = w
        wp[ia] += h
        wm[ia] -= h
        let fd = (net.lossAndGradient(parameters: wp, inputs: x, labels: y).loss
            - net.lossAndGradient(parameters: wm, inputs: x, labels: y).loss) / Double(2 * h)
        // The loss is smooth in a (a ReLU precedes the scale, so a only rescales positive activations): the
        // difference quotient's error is O(h²)·L''' plus Float rounding of L (~1e-7·L/h), both ≪ 1e-2·|∂L/∂a|.
        #expect(abs(analytic - fd) <= 1e-2 * max(abs(fd), 1e-3), "analytic \(analytic), central difference \(fd)")
    }
}
