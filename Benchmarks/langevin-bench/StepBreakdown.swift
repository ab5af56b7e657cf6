// SPDX-License-Identifier: GPL-3.0-or-later
// Where one W2 SGLD step goes (MLP 784-400-400-10, B = 100, MNIST-5k, η = 1e-5, T = 1): forward, backward, noise,
// update, other, each timed alone in the same process, beside the whole step, for each noise generator.
import CounterRandom
import Dispatch
import GSLSupport
import LangevinCore
import NeuralEnergy

struct StepBreakdown {
    var generator: String
    /// Milliseconds per step.
    var step: Double, forward: Double, backward: Double, noise: Double, update: Double
    var other: Double { step - forward - backward - noise - update }
}

/// Milliseconds per call of `body`: the median over 7 batches of `reps / 7` calls each, after `warm` untimed calls
/// (a batch that another process interrupted does not move the median, as it moved a single mean).
func millisecondsPer(_ reps: Int, warm: Int = 20, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warm { try body() }
    let batches = 7, perBatch = max(1, reps / batches)
    var times: [Double] = []
    for _ in 0..<batches {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<perBatch { try body() }
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-6 / Double(perBatch))
    }
    return median(times)
}

func w2Breakdown(dataRoot: String, steps: Int = 300) throws -> [StepBreakdown] {
    let (train, _) = try DataCatalog.resolve(name: "mnist-5k", dataRoot: dataRoot)
    let network = ModelSpec.mlp(hidden: [400, 400]).makeNetwork(maxBatchSize: 100)
    var initRandom = GSLRandom(algorithm: .taus2, seed: 1)
    let w0 = network.initialParameters(random: &initRandom)
    let d = network.parameterCount
    let eta = 1e-5, sigma = (2 * eta).squareRoot()
    let batch = Array(train.images[0..<(100 * 784)]), labels = Array(train.labels[0..<100]).map { Int32($0) }
    var gradient = [Float](repeating: 0, count: d)

    // Forward alone, and forward + backward (the network's loss and gradient on one batch).
    let forward = millisecondsPer(steps) {
        w0.withUnsafeBufferPointer { w in batch.withUnsafeBufferPointer { x in
            _ = network.forward(parameters: w, inputs: x.baseAddress!, count: 100)
        } }
    }
    let forwardBackward = millisecondsPer(steps) {
        w0.withUnsafeBufferPointer { w in batch.withUnsafeBufferPointer { x in labels.withUnsafeBufferPointer { l in
            gradient.withUnsafeMutableBufferPointer { g in
                _ = network.lossAndGradient(parameters: w, inputs: x.baseAddress!, labels: l.baseAddress!, count: 100,
                                            gradient: g, scale: 40, accumulate: false)
            }
        } } }
    }

    func measure<R: RandomSource>(_ name: String, _ random: R) throws -> StepBreakdown {
        var random = random
        var noise = [Float](repeating: 0, count: d), y = [Float](repeating: 0, count: d)
        let fill = millisecondsPer(steps) {
            noise.withUnsafeMutableBufferPointer { random.fillGaussian($0, standardDeviation: sigma) }
        }
        // The fused pass: noise drawn block by block and the Euler–Maruyama move applied while it is in cache.
        let h = Float(eta)
        let fused = millisecondsPer(steps) {
            w0.withUnsafeBufferPointer { x in gradient.withUnsafeBufferPointer { g in
                y.withUnsafeMutableBufferPointer { yb in noise.withUnsafeMutableBufferPointer { xi in
                    _ = random.fillGaussian(xi, standardDeviation: sigma) { range in
                        EulerMaruyama.move(x.baseAddress!, g.baseAddress!, noise: xi.baseAddress!,
                                           into: yb.baseAddress!, range, tau: h)
                    }
                } }
            } }
        }
        // The whole step, as the trainer takes it.
        var energy = MinibatchEnergy(network: network, inputs: train.images, labels: train.labels, batchSize: 100,
                                     prior: .isotropic(precision: 1), seed: 7)
        var state = try LangevinState(position: w0, field: &energy)
        var em = try EulerMaruyama(LangevinParameters(timeStep: eta, temperature: 1))
        let step = try millisecondsPer(steps) { _ = try em.step(&state, field: &energy, random: &random) }
        return StepBreakdown(generator: name, step: step, forward: forward, backward: forwardBackward - forward,
                             noise: fill, update: max(0, fused - fill))
    }

    var philox = PhiloxRandom(seed: 1, parallelism: ThreadBudget.processors)
    philox.executor = runOnNetworkWorkers
    let gsl = BlockedGSLRandom(algorithm: .taus2, seed: 1, blocks: 2, firstStream: 1)
    gsl.executor = runOnNetworkWorkers
    return [try measure(PhiloxRandom.name, philox), try measure("taus2 (GSL, 2 blocks)", gsl)]
}

