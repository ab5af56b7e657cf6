// SPDX-License-Identifier: GPL-3.0-or-later
// Example: the loss as the energy. A small MLP's posterior on MNIST-5k sampled with the *same* Euler–Maruyama
// integrator that samples the toy potentials, fed a minibatch gradient (that is all SGLD is), and the posterior
// predictive averaged over the samples.
//
//     make data && swift run -c release sgld-mnist
import GSLSupport
import LangevinCore
import LinearAlgebra
import NeuralEnergy

// OpenBLAS on the best verified kernel for this CPU (re-executes when OpenBLAS fell back to a generic one).
BLASKernel.useBestAvailable()

// Data: MNIST-5k, split per class (400 train / 100 test per digit).
let (train, test) = try DataCatalog.resolve(name: "mnist-5k", dataRoot: "data")
let n = Double(train.count)

// The energy U(w) = (N/B)·Σ_batch NLL(w) + (λ/2)|w|², sampled at temperature T = 1 (the Bayesian posterior).
let network = MLP(input: 784, hidden: [100], classes: 10)
var energy = MinibatchEnergy(network: network, inputs: train.images, labels: train.labels, batchSize: 100,
                             prior: .isotropic(precision: 1), seed: 1)
var random = GSLRandom(algorithm: .taus2, seed: 1)
var state = try LangevinState(position: network.initialParameters(random: &random), field: &energy)

// Burn-in by SGD (Euler–Maruyama at T = 0: plain gradient descent on U), then SGLD (the same step at T = 1).
let descent = try EulerMaruyama(LangevinParameters(timeStep: 0.5 / n, temperature: 0))
let sgld = try EulerMaruyama(LangevinParameters(timeStep: 0.002 / n, temperature: 1))
for _ in 0..<(40 * energy.batchesPerEpoch) { _ = try descent.step(&state, field: &energy, random: &random) }

// Posterior predictive: average the softmax *probabilities* of the test set over samples (one every 5 steps).
var average = [Double](repeating: 0, count: test.count * 10)
var samples = 0
for step in 1...(10 * energy.batchesPerEpoch) {
    _ = try sgld.step(&state, field: &energy, random: &random)
    guard step % 5 == 0 else { continue }
    let p = network.predictProbabilities(parameters: state.position, inputs: test.images)
    for i in average.indices { average[i] += Double(p[i]) }
    samples += 1
}
let metrics = try ClassificationMetrics(probabilities: average.map { $0 / Double(samples) },
                                        labels: test.labels, classes: 10)
print("posterior predictive over \(samples) samples: accuracy \(metrics.accuracy), NLL \(metrics.nll), ECE \(metrics.ece)")
