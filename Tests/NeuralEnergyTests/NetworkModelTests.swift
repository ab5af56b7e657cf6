// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Testing
@testable import NeuralEnergy
@testable import NeuralNetworks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct NetworkModelTests {
    @Test func mlpParameterCount() {
        let net = MLP(input: 784, hidden: [400, 400], classes: 10, maxBatchSize: 1)
        #expect(net.parameterCount == 478_410)
        #expect(net.classCount == 10 && net.inputSize == 784 && net.parameterizedLayerCount == 3)
    }

    @Test func talkCNNParameterCountAndBlocks() {
        let net = TalkCNN(maxBatchSize: 1)
        #expect(net.parameterCount == 1_664 + 102_464 + 803_072 + 2_570)
        #expect(net.parameterCount == 909_770)
        #expect(net.inputShape == TensorShape(height: 28, width: 28, channels: 1))
        let sizes = net.parameterBlocks.map(\.range.count)
        #expect(sizes == [1_600, 64, 102_400, 64, 802_816, 256, 2_560, 10])
        #expect(net.parameterBlocks.map(\.role) == ["weight", "bias", "weight", "bias", "weight", "bias", "weight", "bias"])
        #expect(net.parameterBlocks.map(\.parameterizedLayer) == [0, 0, 1, 1, 2, 2, 3, 3])
        #expect(net.parameterBlocks.map(\.layer) == [0, 0, 3, 3, 7, 7, 9, 9])   // indices into TalkCNN.layers
        // Blocks tile 0..<d in order.
        var next = 0
        for b in net.parameterBlocks { #expect(b.range.lowerBound == next); next = b.range.upperBound }
        #expect(next == net.parameterCount)
    }

    @Test func initialisationIsSeededKaimingUniform() {
        let net = MLP(input: 784, hidden: [400], classes: 10, maxBatchSize: 1)
        let w = net.initialParameters(seed: 5)
        #expect(w == net.initialParameters(seed: 5))
        #expect(w != net.initialParameters(seed: 6))
        let first = net.parameterBlocks[0].range, bias = net.parameterBlocks[1].range
        let a = Float((6.0 / 784).squareRoot())
        #expect(w[first].allSatisfy { abs($0) <= a })
        let variance = w[first].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(first.count)
        #expect(abs(variance - 2.0 / 784) < 0.02 * 2.0 / 784)
        #expect(w[bias].allSatisfy { $0 == 0 })
    }

    /// A net whose logits are its output biases: one dense layer with zero weights.
    func biasOnlyNet(logits: [Float]) -> (SequentialNetwork, [Float]) {
        let net = SequentialNetwork(input: .vector(2), layers: [.dense(outputs: logits.count)], maxBatchSize: 4)
        var w = [Float](repeating: 0, count: net.parameterCount)
        for (k, i) in net.parameterBlocks[1].range.enumerated() { w[i] = logits[k] }
        return (net, w)
    }

    @Test func softmaxCrossEntropyMatchesHandComputation() {
        // z = (1, 2, 3): log Σ e^z = 3 + log(1 + e⁻¹ + e⁻²) = 3.4076059644443806.
        let (net, w) = biasOnlyNet(logits: [1, 2, 3])
        let lse = 3 + log(1 + exp(-1.0) + exp(-2.0))
        #expect(abs(lse - 3.4076059644443806) < 1e-15)
        let x: [Float] = [0.5, -0.5, 0.25, 0.75]
        let (loss, g) = net.lossAndGradient(parameters: w, inputs: x, labels: [0, 2])
        #expect(abs(loss - ((lse - 1) + (lse - 3))) < 1e-5)
        // ∂/∂b_j = Σ_rows (softmax_j − [j = y]); softmax(1,2,3) = (0.0900306, 0.2447285, 0.6652410).
        let p = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]
        let bias = net.parameterBlocks[1].range
        let expected = [2 * p[0] - 1, 2 * p[1], 2 * p[2] - 1]
        for (k, i) in bias.enumerated() { #expect(abs(Double(g[i]) - expected[k]) < 1e-6) }
        // ∂/∂W_jk = Σ_rows (softmax_j − [j = y]) x_k.
        let wRows = net.parameterBlocks[0].range.lowerBound
        #expect(abs(Double(g[wRows + 0]) - ((p[0] - 1) * 0.5 + p[0] * 0.25)) < 1e-6)
        #expect(abs(Double(g[wRows + 5]) - (p[2] * -0.5 + (p[2] - 1) * 0.75)) < 1e-6)

        let probabilities = net.predictProbabilities(parameters: w, inputs: x)
        for j in 0..<3 { #expect(abs(Double(probabilities[j]) - p[j]) < 1e-6) }
    }

    @Test func softmaxCrossEntropyIsStableForHugeLogits() {
        // z = (1000, 1000, 0): NLL(y = 0) = log 2, NLL(y = 2) = 1000 + log 2; no overflow.
        let (net, w) = biasOnlyNet(logits: [1000, 1000, 0])
        let (loss, g) = net.lossAndGradient(parameters: w, inputs: [0, 0, 0, 0], labels: [0, 2])
        #expect(abs(loss - (2 * log(2.0) + 1000)) < 1e-3)
        #expect(g.allSatisfy { $0.isFinite })
        let p = net.predictProbabilities(parameters: w, inputs: [0, 0])
        #expect(abs(p[0] - 0.5) < 1e-6 && abs(p[1] - 0.5) < 1e-6 && p[2] == 0)
    }

    @Test func scaleAndAccumulateFlags() {
        let net = MLP(input: 5, hidden: [4], classes: 3, maxBatchSize: 8)
        let w = net.initialParameters(seed: 1)
        let x = uniformFloats(3 * 5, -1, 1, seed: 2), y: [Int32] = [0, 1, 2]
        let (loss, g) = net.lossAndGradient(parameters: w, inputs: x, labels: y)
        var h = [Float](repeating: 1, count: net.parameterCount)
        let loss2 = w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    h.withUnsafeMutableBufferPointer { hp in
                        net.lossAndGradient(parameters: wp, inputs: xp.baseAddress!, labels: yp.baseAddress!,
                                            count: 3, gradient: hp, scale: 2.5, accumulate: true)
                    }
                }
            }
        }
        #expect(loss2 == loss)
        for i in g.indices { #expect(abs(h[i] - (1 + 2.5 * g[i])) <= 1e-6 * (1 + abs(h[i]))) }
    }

    @Test func predictProbabilitiesInChunksMatchesForward() {
        let net = SequentialNetwork(
            input: TensorShape(height: 6, width: 6, channels: 1),
            layers: [.conv2D(outputChannels: 2, kernelSize: 3, padding: 1), .relu, .maxPool2x2, .flatten,
                     .dense(outputs: 4)], maxBatchSize: 3)
        let w = net.initialParameters(seed: 3)
        let x = uniformFloats(7 * 36, 0, 1, seed: 4)
        let p = net.predictProbabilities(parameters: w, inputs: x)   // 7 rows, chunks of 3
        #expect(p.count == 28)
        for r in 0..<7 {
            let row = Array(p[(4 * r)..<(4 * r + 4)])
            #expect(abs(row.reduce(0, +) - 1) < 1e-6)
            let z = net.logits(parameters: w, inputs: Array(x[(36 * r)..<(36 * r + 36)]))
            let m = z.max()!, s = z.reduce(0) { $0 + exp($1 - m) }
            for j in 0..<4 { #expect(abs(row[j] - exp(z[j] - m) / s) < 1e-6) }
        }
    }
}
