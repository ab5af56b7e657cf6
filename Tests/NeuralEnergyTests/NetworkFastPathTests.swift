// SPDX-License-Identifier: GPL-3.0-or-later
// The vectorised and parallel fast paths of the network step give exactly the bits of their plain versions.
import LangevinCore
import Testing
@testable import NeuralEnergy
@testable import NeuralNetworks

@Suite("Network fast paths") struct NetworkFastPathTests {
    @Test("ReLU's 16-lane path is Swift's max(x, 0) bit for bit: −0 → +0, NaN stays NaN, in the lanes and the tail")
    func reluLanesMatchScalarMax() {
        var x = uniformFloats(37, -2, 2, seed: 5)
        x[0] = -0.0; x[3] = .nan; x[17] = .infinity; x[18] = -.infinity; x[20] = 0
        x[33] = -0.0; x[35] = .nan; x[36] = .leastNonzeroMagnitude
        var y = [Float](repeating: 7, count: 37)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in
            reluForward(xp.baseAddress!, yp.baseAddress!, count: 37)
        } }
        for i in 0..<37 {
            let expected = max(x[i], 0)
            #expect(y[i].bitPattern == expected.bitPattern, "element \(i): \(y[i]) vs \(expected)")
        }
    }

    /// 19 output channels: one 16-lane group and a 3-channel tail of the fused ReLU–pool loop.
    static let wideConv: [LayerSpec] = [.conv2D(outputChannels: 19, kernelSize: 3, padding: 1), .relu, .maxPool2x2,
                                        .flatten, .dense(outputs: 4)]

    @Test("Fused conv–ReLU–pool with 19 channels (lanes and tail): the unfused network's logits bit for bit, its gradient to rounding")
    func fusedPoolLanesMatchUnfused() {
        let input = TensorShape(height: 6, width: 6, channels: 2)
        let fused = SequentialNetwork(input: input, layers: Self.wideConv, maxBatchSize: 5, threads: 1,
                                      fuseConvolutions: true, convolutionChunk: nil)
        let plain = SequentialNetwork(input: input, layers: Self.wideConv, maxBatchSize: 5, threads: 1,
                                      fuseConvolutions: false, convolutionChunk: nil)
        var w = fused.initialParameters(seed: 8)
        for block in fused.parameterBlocks where block.role == "bias" {
            let b = uniformFloats(block.range.count, -0.3, 0.3, seed: 9 &+ UInt64(block.range.lowerBound))
            for (k, i) in block.range.enumerated() { w[i] = b[k] }
        }
        let x = uniformFloats(5 * input.size, -1, 1, seed: 10)
        let y = uniformLabels(5, classes: 4, seed: 11)
        let a = fused.logits(parameters: w, inputs: x), b = plain.logits(parameters: w, inputs: x)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        let (la, ga) = fused.lossAndGradient(parameters: w, inputs: x, labels: y)
        let (lb, gb) = plain.lossAndGradient(parameters: w, inputs: x, labels: y)
        #expect(la == lb)
        for i in ga.indices { #expect(abs(ga[i] - gb[i]) <= 1e-6 * (1 + abs(gb[i])), "coordinate \(i)") }
    }

    /// Both convolution unfoldings, a dense product split into column blocks (37·256·160 ≥ 2¹⁹ multiply–adds) and a
    /// batch that does not divide evenly: the blocks are fixed by the machine, not by the workers, so the results
    /// are the same bits for any worker count and whichever OpenBLAS kernel runs (before the blocks were fixed, the
    /// Haswell kernel gave other bits on 1 worker than on 2).
    @Test("Logits, loss and gradient are the same bits on 1, 2 and 3 workers", arguments: [true, false])
    func workerCountDoesNotChangeBits(fuse: Bool) {
        let specs: [LayerSpec] = [.conv2D(outputChannels: 16, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                                  .conv2D(outputChannels: 16, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                                  .flatten, .dense(outputs: 160), .relu, .dense(outputs: 10)]
        let input = TensorShape(height: 16, width: 16, channels: 1)
        let nets = [1, 2, 3].map {
            SequentialNetwork(input: input, layers: specs, maxBatchSize: 40, threads: $0, fuseConvolutions: fuse,
                              convolutionChunk: nil)
        }
        let convolutions = nets[0].layers.compactMap { $0 as? Conv2DLayer }
        #expect(convolutions.map(\.usesRowPatches) == [false, true])
        let w = nets[0].initialParameters(seed: 12)
        let x = uniformFloats(37 * input.size, -1, 1, seed: 13), y = uniformLabels(37, classes: 10, seed: 14)
        let results = nets.map { ($0.logits(parameters: w, inputs: x), $0.lossAndGradient(parameters: w, inputs: x, labels: y)) }
        for (k, r) in results.enumerated().dropFirst() {
            #expect(r.0.map(\.bitPattern) == results[0].0.map(\.bitPattern), "logits, \(k + 1) workers")
            #expect(r.1.loss.bitPattern == results[0].1.loss.bitPattern, "loss, \(k + 1) workers")
            #expect(r.1.gradient.map(\.bitPattern) == results[0].1.gradient.map(\.bitPattern), "gradient, \(k + 1) workers")
        }
    }

    @Test("Fused 19-channel conv: the gradient matches Double finite differences of the reference")
    func fusedPoolLanesGradient() {
        NetworkGradientTests().checkGradient(specs: Self.wideConv, input: TensorShape(height: 6, width: 6, channels: 2),
                                             batch: 3, seed: 51, threads: 2)
    }

    @Test("The prior pass split over 2 workers writes the same gradient and the same energy bits as one pass",
          arguments: [478_410, 65_536, 70_001])
    func parallelPriorIsBitIdentical(_ n: Int) {
        let w = uniformFloats(n, -0.5, 0.5, seed: UInt64(n))
        let blocks: [(range: Range<Int>, lambda: Float)] = [(0..<(n / 3), 1.0), ((n / 3)..<n, 0.37)]
        var g1 = [Float](repeating: 0, count: n), g2 = [Float](repeating: 0, count: n)
        let scratch = PassScratch(parameterCount: n)
        let u1 = w.withUnsafeBufferPointer { wp in g1.withUnsafeMutableBufferPointer { gp in
            applyPrior(blocks, w: wp.baseAddress!, g: gp.baseAddress!)
        } }
        let u2 = w.withUnsafeBufferPointer { wp in g2.withUnsafeMutableBufferPointer { gp in
            applyPrior(blocks, w: wp.baseAddress!, g: gp.baseAddress!, parts: 2, scratch: scratch)
        } }
        #expect(u1.bitPattern == u2.bitPattern)
        #expect(g1.map(\.bitPattern) == g2.map(\.bitPattern))
        // And the pass is right: ½ Σ λ w², λ w.
        var reference = 0.0
        for (range, lambda) in blocks { for i in range { reference += 0.5 * Double(lambda) * Double(w[i]) * Double(w[i]) } }
        #expect(abs(u1 - reference) <= 1e-6 * reference)
        #expect(g1[n - 1] == 0.37 * w[n - 1] && g1[0] == w[0])
    }

    @Test("The minibatch energy's split finiteness check finds a NaN or ±∞ anywhere, and is 0 on finite gradients")
    func splitFinitenessCheck() {
        let network = ModelSpec.mlp(hidden: [400, 400]).makeNetwork(maxBatchSize: 10)
        #expect(network.threads >= 1)
        let images = uniformFloats(20 * 784, 0, 1, seed: 3)
        let energy = MinibatchEnergy(network: network, inputs: images, labels: (0..<20).map { Int32($0 % 10) },
                                     batchSize: 10, prior: .isotropic(precision: 1), seed: 1)
        var g = uniformFloats(network.parameterCount, -3, 3, seed: 4)
        #expect(g.withUnsafeBufferPointer { energy.gradientFinitenessCheck($0) } == 0)
        for (at, bad) in [(0, Float.nan), (g.count / 2 + 1, .infinity), (g.count - 1, -.infinity), (g.count - 20, .nan)] {
            let keep = g[at]
            g[at] = bad
            #expect(g.withUnsafeBufferPointer { energy.gradientFinitenessCheck($0) }.isNaN, "entry \(at) = \(bad)")
            g[at] = keep
        }
    }
}
