// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Testing
@testable import NeuralEnergy
@testable import NeuralNetworks

/// Analytic gradients of Σ NLL against central finite differences.
///
/// The finite differences are taken of an independent Double-precision reference implementation of the documented
/// layer semantics and layout (so they are accurate to ~1e-9 with step 1e-6), at exactly the Float parameters the
/// network sees. The remaining discrepancy is the Float rounding of the network's own forward/backward pass
/// (relative ~1e-7 per operation, amplified by sums over a few hundred terms), hence the tolerance
/// |g − g_FD| ≤ 1e-5·(1 + max|g_FD|) + 1e-4·|g_FD| on every coordinate
/// (observed errors are ≤ 1% of it). Every coordinate is checked (the nets are tiny).
@Suite struct NetworkGradientTests {
    func checkGradient(specs: [LayerSpec], input: TensorShape, batch: Int, maxBatchSize: Int = 16, seed: UInt64,
                       threads: Int = 2, fuse: Bool = true, chunk: Int? = nil, rowPatches: Bool? = nil) {
        let net = SequentialNetwork(input: input, layers: specs, maxBatchSize: maxBatchSize, threads: threads,
                                    fuseConvolutions: fuse, convolutionChunk: chunk, convolutionRowPatches: rowPatches)
        var w = net.initialParameters(seed: seed)
        // Non-zero biases, so every bias path is exercised.
        for block in net.parameterBlocks where block.role == "bias" {
            let b = uniformFloats(block.range.count, -0.2, 0.2, seed: seed &+ UInt64(block.range.lowerBound))
            for (k, i) in block.range.enumerated() { w[i] = b[k] }
        }
        let x = uniformFloats(batch * input.size, -1, 1, seed: seed &+ 1)
        let y = uniformLabels(batch, classes: net.classCount, seed: seed &+ 2)

        // Forward pass agrees with the reference (checks the layout).
        let wd = w.map(Double.init)
        let logits = net.logits(parameters: w, inputs: Array(x.prefix(min(batch, maxBatchSize) * input.size)))
        for r in 0..<min(batch, maxBatchSize) {
            let z = referenceLogits(specs: specs, input: input, parameters: wd,
                                    example: x[(r * input.size)..<((r + 1) * input.size)].map(Double.init))
            for j in 0..<net.classCount {
                #expect(abs(Double(logits[r * net.classCount + j]) - z[j]) <= 1e-4 * (1 + abs(z[j])))
            }
        }

        let (loss, g) = net.lossAndGradient(parameters: w, inputs: x, labels: y)
        let referenceU = referenceLoss(specs: specs, input: input, parameters: wd, inputs: x, labels: y)
        #expect(abs(loss - referenceU) <= 1e-4 * (1 + abs(referenceU)))

        let fd = finiteDifferenceGradient(at: wd) {
            referenceLoss(specs: specs, input: input, parameters: $0, inputs: x, labels: y)
        }
        let scale = fd.map(abs).max()!
        let (worst, at) = worstRelativeError(g, fd, atol: 1e-5 * (1 + scale), rtol: 1e-4)
        #expect(worst <= 1, "coordinate \(at): analytic \(g[at]) vs finite difference \(fd[at])")
    }

    @Test func mlpGradientMatchesFiniteDifferences() {
        checkGradient(specs: [.dense(outputs: 7), .relu, .dense(outputs: 5), .relu, .dense(outputs: 3)],
                      input: .vector(12), batch: 6, seed: 11)
    }

    @Test func mlpGradientIsEqualAcrossBatchChunks() {
        // count > maxBatchSize runs in chunks and accumulates.
        checkGradient(specs: [.dense(outputs: 7), .relu, .dense(outputs: 3)], input: .vector(12), batch: 9,
                      maxBatchSize: 4, seed: 12)
    }

    @Test func convNetGradientMatchesFiniteDifferences() {
        // conv (5×5, pad 2) – relu – pool – conv (3×3, pad 1, exercises ∂/∂input) – relu – pool – flatten – dense.
        checkGradient(
            specs: [.conv2D(outputChannels: 3, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                    .conv2D(outputChannels: 4, kernelSize: 3, padding: 1), .relu, .maxPool2x2,
                    .flatten, .dense(outputs: 5), .relu, .dense(outputs: 3)],
            input: TensorShape(height: 8, width: 8, channels: 1), batch: 4, seed: 21)
    }

    @Test func convNetOddShapesGradientMatchesFiniteDifferences() {
        // Non-square odd image, 2 input channels, no padding, then full padding (p = k − 1), pool dropping a row.
        checkGradient(
            specs: [.conv2D(outputChannels: 3, kernelSize: 3, padding: 0), .relu, .maxPool2x2,
                    .conv2D(outputChannels: 2, kernelSize: 2, padding: 1), .relu,
                    .flatten, .dense(outputs: 4)],
            input: TensorShape(height: 7, width: 6, channels: 2), batch: 3, maxBatchSize: 2, seed: 31)
    }

    /// The TalkCNN layer sequence, shrunk (1→3→3 channels on 8×8, dense 12→6→3), through every execution path:
    /// fused and unfused conv–ReLU–pool, one and two workers, one-image and default chunks, k × k and 1 × k row
    /// patches (forced: these layers are too narrow for the automatic choice), chunks of 2 and 3 images that leave a
    /// shorter last chunk.
    @Test(arguments: [(true, 2, nil, false), (false, 2, nil, false), (true, 1, 1, false), (false, 1, 1, false),
                      (true, 2, 1, false), (true, 2, nil, true), (false, 2, nil, true), (true, 1, 1, true),
                      (false, 1, 1, true), (true, 1, 2, true), (false, 1, 3, true), (true, 2, 2, true)]
                     as [(Bool, Int, Int?, Bool)])
    func talkCNNShapedNetGradientMatchesFiniteDifferences(fuse: Bool, threads: Int, chunk: Int?, rowPatches: Bool) {
        checkGradient(
            specs: [.conv2D(outputChannels: 3, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                    .conv2D(outputChannels: 3, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                    .flatten, .dense(outputs: 6), .relu, .dense(outputs: 3)],
            input: TensorShape(height: 8, width: 8, channels: 1), batch: 5, seed: 41,
            threads: threads, fuse: fuse, chunk: chunk, rowPatches: rowPatches)
    }

    /// Odd shapes (non-square, no padding, full padding, a pool that drops a row, 2 input channels) with row
    /// patches, in chunks of two images with a shorter last chunk.
    @Test(arguments: [true, false]) func oddShapesWithRowPatchesMatchFiniteDifferences(fuse: Bool) {
        checkGradient(
            specs: [.conv2D(outputChannels: 3, kernelSize: 3, padding: 0), .relu, .maxPool2x2,
                    .conv2D(outputChannels: 2, kernelSize: 2, padding: 1), .relu,
                    .flatten, .dense(outputs: 4)],
            input: TensorShape(height: 7, width: 6, channels: 2), batch: 5, maxBatchSize: 5, seed: 32,
            threads: 1, fuse: fuse, chunk: 2, rowPatches: true)
    }

    /// Channel counts wide enough for the automatic choice to take row patches in the second layer (k·ci = 80 ≥ 32)
    /// and in its input gradient (k·co = 80), with the first layer on k × k patches: the mix the talk CNN runs.
    @Test func automaticRowPatchesMatchFiniteDifferences() {
        let specs: [LayerSpec] = [.conv2D(outputChannels: 16, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                                  .conv2D(outputChannels: 16, kernelSize: 5, padding: 2), .relu, .maxPool2x2,
                                  .flatten, .dense(outputs: 3)]
        let net = SequentialNetwork(input: TensorShape(height: 8, width: 8, channels: 1), layers: specs,
                                    maxBatchSize: 4, threads: 2, fuseConvolutions: true, convolutionChunk: nil)
        let convolutions = net.layers.compactMap { $0 as? Conv2DLayer }
        #expect(convolutions.map(\.usesRowPatches) == [false, true])
        #expect(convolutions.map(\.usesRowPatchesForInputGradient) == [false, true])
        checkGradient(specs: specs, input: TensorShape(height: 8, width: 8, channels: 1), batch: 4, maxBatchSize: 4,
                      seed: 43)
    }

    /// Dense products large enough to be split among workers (≥ 2¹⁹ multiply–adds), with column blocks that do not
    /// divide evenly; a random subset of coordinates is checked (Double finite differences as above).
    @Test func splitDenseProductsMatchReference() {
        let specs: [LayerSpec] = [.dense(outputs: 150), .relu, .dense(outputs: 70), .relu, .dense(outputs: 5)]
        let input = TensorShape.vector(100)
        let serial = SequentialNetwork(input: input, layers: specs, maxBatchSize: 40, threads: 1)
        let split = SequentialNetwork(input: input, layers: specs, maxBatchSize: 40, threads: 2)
        let w = serial.initialParameters(seed: 8)
        let x = uniformFloats(40 * 100, -1, 1, seed: 9), y = uniformLabels(40, classes: 5, seed: 10)
        let (l1, g1) = serial.lossAndGradient(parameters: w, inputs: x, labels: y)
        let (l2, g2) = split.lossAndGradient(parameters: w, inputs: x, labels: y)
        #expect(abs(l1 - l2) <= 1e-5 * abs(l1))
        let scale = g1.map(abs).max()!
        for i in g1.indices { #expect(abs(g1[i] - g2[i]) <= 1e-5 * scale) }
        // Spot-check against the Double reference on random coordinates.
        let wd = w.map(Double.init)
        var pick = SplitMix64(seed: 77)
        for _ in 0..<20 {
            let j = Int(pick.next() % UInt64(w.count))
            var up = wd, down = wd
            up[j] += 1e-6
            down[j] -= 1e-6
            let fd = (referenceLoss(specs: specs, input: input, parameters: up, inputs: x, labels: y)
                - referenceLoss(specs: specs, input: input, parameters: down, inputs: x, labels: y)) / 2e-6
            #expect(abs(Double(g2[j]) - fd) <= 1e-5 * (1 + Double(scale)) + 1e-4 * abs(fd))
        }
    }
}
