// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Testing
@testable import NeuralEnergy
@testable import NeuralNetworks

@Suite struct NetworkEnergyTests {
    static let specs: [LayerSpec] = [.dense(outputs: 7), .relu, .dense(outputs: 5), .relu, .dense(outputs: 3)]

    func makeData(n: Int, seed: UInt64) -> (SequentialNetwork, [Float], [Int32], [Float]) {
        let net = SequentialNetwork(input: .vector(12), layers: NetworkEnergyTests.specs, maxBatchSize: 5)
        var w = net.initialParameters(seed: seed)
        for block in net.parameterBlocks where block.role == "bias" {
            for i in block.range { w[i] = 0.1 * Float(i % 3) - 0.1 }
        }
        return (net, uniformFloats(n * 12, -1, 1, seed: seed &+ 1), uniformLabels(n, classes: 3, seed: seed &+ 2), w)
    }

    /// U(w) = Σ NLL + ½ Σ λⱼ wⱼ² and its gradient against Double finite differences of the reference, for both priors.
    @Test(arguments: [GaussianPrior.isotropic(precision: 3), .perLayer(precisions: [0.5, 2, 8])])
    func fullDataEnergyIncludingPriorMatchesFiniteDifferences(prior: GaussianPrior) {
        let (net, x, y, w) = makeData(n: 8, seed: 7)
        let energy = FullDataEnergy(network: net, inputs: x, labels: y, prior: prior)
        let lambdas: [Double] = {
            var l = [Double](repeating: 0, count: net.parameterCount)
            for b in net.parameterBlocks {
                for i in b.range {
                    switch prior {
                    case .isotropic(let p): l[i] = Double(p)
                    case .perLayer(let ps): l[i] = Double(ps[b.parameterizedLayer])
                    }
                }
            }
            return l
        }()
        func reference(_ v: [Double]) -> Double {
            var u = referenceLoss(specs: NetworkEnergyTests.specs, input: .vector(12), parameters: v, inputs: x, labels: y)
            for i in v.indices { u += 0.5 * lambdas[i] * v[i] * v[i] }
            return u
        }
        let wd = w.map(Double.init)
        let (u, g) = energy.energyAndGradient(at: w)
        #expect(abs(u - reference(wd)) <= 1e-5 * abs(u))
        #expect(abs(energy.energy(at: w) - u) <= 1e-6 * abs(u))
        let fd = finiteDifferenceGradient(at: wd, reference)
        let scale = fd.map(abs).max()!
        let (worst, at) = worstRelativeError(g, fd, atol: 1e-5 * (1 + scale), rtol: 1e-4)
        #expect(worst <= 1, "coordinate \(at): analytic \(g[at]) vs finite difference \(fd[at])")
    }

    /// With B dividing N, one epoch visits every example once, so the mean of the N/B minibatch estimates is the
    /// full-data value: mean_b (N/B) Σ_{i∈b} ∇NLLᵢ = Σᵢ ∇NLLᵢ (and likewise for U), up to Float rounding.
    @Test func epochAverageOfMinibatchEstimatesIsTheFullDataValue() {
        let (net, x, y, w) = makeData(n: 12, seed: 17)
        let prior = GaussianPrior.perLayer(precisions: [1, 2, 3])
        var estimator = MinibatchEnergy(network: net, inputs: x, labels: y, batchSize: 3, prior: prior, seed: 99)
        #expect(!estimator.isExact && estimator.dimension == net.parameterCount && estimator.batchesPerEpoch == 4)
        var meanGradient = [Double](repeating: 0, count: net.parameterCount)
        var meanEnergy = 0.0
        var g = [Float](repeating: .nan, count: net.parameterCount)
        var seen: [Int32] = []
        for b in 0..<4 {
            #expect(estimator.position.epoch == 0 && estimator.position.batchIndex == b)
            seen += estimator.nextBatch
            let u = w.withUnsafeBufferPointer { wp in
                g.withUnsafeMutableBufferPointer { estimator.energyAndGradient(at: wp, gradient: $0) }
            }
            meanEnergy += u / 4
            for i in g.indices { meanGradient[i] += Double(g[i]) / 4 }
        }
        #expect(seen.sorted() == (0..<12).map { Int32($0) })
        #expect(estimator.position.epoch == 1 && estimator.position.batchIndex == 0)

        let (u, full) = estimator.fullData.energyAndGradient(at: w)
        #expect(abs(meanEnergy - u) <= 1e-5 * abs(u))
        let scale = full.map { abs(Double($0)) }.max()!
        for i in full.indices { #expect(abs(meanGradient[i] - Double(full[i])) <= 1e-5 * (1 + scale)) }
        // The exact evaluation also reachable through the estimator, and it does not move the order.
        #expect(abs(w.withUnsafeBufferPointer { estimator.exactEnergy(at: $0) } - u) <= 1e-6 * abs(u))
        #expect(estimator.position.batchIndex == 0)
    }

    /// B = N: the single batch is the whole data set, so the estimate equals the exact energy and gradient.
    @Test func fullBatchEstimateIsExact() {
        let (net, x, y, w) = makeData(n: 10, seed: 27)   // maxBatchSize 5 < B: runs in chunks
        var estimator = MinibatchEnergy(network: net, inputs: x, labels: y, batchSize: 10,
                                        prior: .isotropic(precision: 0.7), seed: 1)
        var g = [Float](repeating: 0, count: net.parameterCount)
        let u = w.withUnsafeBufferPointer { wp in
            g.withUnsafeMutableBufferPointer { estimator.energyAndGradient(at: wp, gradient: $0) }
        }
        let (exact, full) = estimator.fullData.energyAndGradient(at: w)
        #expect(abs(u - exact) <= 1e-6 * abs(exact))
        for i in g.indices { #expect(abs(g[i] - full[i]) <= 1e-5 * (1 + abs(full[i]))) }
    }

    /// Epochs are fresh permutations, the stream is determined by the seed, leftovers (N mod B) are skipped, and a
    /// saved position resumes the identical sequence of batches.
    @Test func batchOrderIsSeededAndRestorable() {
        let (net, x, y, w) = makeData(n: 11, seed: 37)
        func make(seed: UInt64) -> MinibatchEnergy<SequentialNetwork> {
            MinibatchEnergy(network: net, inputs: x, labels: y, batchSize: 4, prior: .isotropic(precision: 0), seed: seed)
        }
        var a = make(seed: 5), b = make(seed: 5)
        #expect(a.batchesPerEpoch == 2)
        #expect(a.position == b.position && a.position != make(seed: 6).position)
        var g = [Float](repeating: 0, count: net.parameterCount)
        func step(_ e: inout MinibatchEnergy<SequentialNetwork>) -> (Double, [Int32]) {
            let batch = Array(e.nextBatch)
            let u = w.withUnsafeBufferPointer { wp in
                g.withUnsafeMutableBufferPointer { e.energyAndGradient(at: wp, gradient: $0) }
            }
            return (u, batch)
        }
        var permutations: [[Int32]] = []
        for _ in 0..<3 {
            permutations.append(a.position.permutation)
            #expect(a.position.permutation.sorted() == (0..<11).map { Int32($0) })
            _ = step(&a); _ = step(&a)
        }
        #expect(a.position.epoch == 3)
        #expect(Set(permutations).count == 3)
        // The permutation recipe is the documented one.
        var shuffler = SplitMix64(seed: 5)
        #expect(permutations[0] == MinibatchEnergy<SequentialNetwork>.drawPermutation(count: 11, using: &shuffler))
        #expect(permutations[1] == MinibatchEnergy<SequentialNetwork>.drawPermutation(count: 11, using: &shuffler))

        // Checkpoint b mid-epoch, continue it, then restore a fresh estimator and compare.
        _ = step(&b)
        let saved = b.position
        let continued = (0..<5).map { _ in step(&b) }
        var c = make(seed: 123)
        c.position = saved
        let resumed = (0..<5).map { _ in step(&c) }
        #expect(continued.map(\.0) == resumed.map(\.0))
        #expect(continued.map(\.1) == resumed.map(\.1))
        #expect(b.position == c.position)
    }

    /// An unbiased bounded draw: Fisher–Yates over many seeds puts each element in each slot about equally often.
    @Test func permutationsAreUniformOnAverage() {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
        var g = SplitMix64(seed: 2024)
        let trials = 4000
        for _ in 0..<trials {
            let p = MinibatchEnergy<SequentialNetwork>.drawPermutation(count: 4, using: &g)
            for (slot, v) in p.enumerated() { counts[slot][Int(v)] += 1 }
        }
        // Expected 1000 per cell, sd ≈ 27: allow 5 sd.
        for row in counts { for c in row { #expect(abs(c - trials / 4) < 140) } }
    }
}
