// SPDX-License-Identifier: GPL-3.0-or-later
// Workloads W2–W4 of the peer benchmarks: SGLD on the MLP (MNIST-5k, Fashion-MNIST) and the talk's CNN, in
// training samples per second, beside the SGEMM peak measured in the same run and, when a Python with PyTorch is
// given, the PyTorch peer scripts run in the same process tree.
import Dispatch
import Foundation
import GSLSupport
import LangevinCore
import LinearAlgebra
import NeuralEnergy

struct NetworkResult {
    var workload: String
    var samplesPerSecond: Double
    var flopsPerSample: Double
    var peer: Double?
}

/// GFLOP/s of a 2048² SGEMM through OpenBLAS with `threads` threads (best of `reps`).
func sgemmPeak(n: Int = 2048, threads: Int = 2, reps: Int = 5) -> Double {
    let before = BLASThreads.current
    BLASThreads.set(threads)
    defer { BLASThreads.set(before) }
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    var best = 0.0
    for _ in 0..<reps {
        let t0 = DispatchTime.now().uptimeNanoseconds
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(.none, .none, m: n, n: n, k: n, alpha: 1, a: pa.baseAddress!, lda: n, b: pb.baseAddress!,
                          ldb: n, beta: 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        let s = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        best = max(best, 2 * Double(n * n * n) / s / 1e9)
    }
    return best
}

/// Training samples per second of SGLD (η as given, T = 1, λ = 1, B = 100), timing the steps only.
func sgldSamplesPerSecond(data: String, dataRoot: String, model: ModelSpec, epochs: Int, eta: Double,
                          noise: NoiseKind = .philox) throws -> Double {
    let (train, test) = try DataCatalog.resolve(name: data, dataRoot: dataRoot)
    var config = TrainingConfiguration(
        data: data, model: model, sampler: .sgld, epochs: epochs, batchSize: 100, stepSize: eta,
        schedule: .constant(eta), priorPrecision: 1, temperature: 1, burnInEpochs: epochs - 1, warmStartEpochs: 0,
        warmStartStepSize: eta, thin: 1_000_000, momentum: 0, seed: 1, rng: .taus2, ood: nil)
    config.noise = noise
    let trainer = try Trainer(configuration: config, data: TrainingData(train: train, test: test))
    let outcome = try trainer.run()
    return outcome.samplesPerSecond
}

/// Runs a peer script with `python` and returns its `samples_per_s`.
func peerSamplesPerSecond(python: String, script: String, arguments: [String]) -> Double? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [script] + arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n").reversed() {
        if let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
           let v = obj["samples_per_s"] as? Double {
            return v
        }
    }
    return nil
}

/// Many chains at full speed: the wall time of K W2 chains run side by side by ``MultiChainTrainer`` (one thread
/// each) against the same K chains run one after another, each with all the cores (``Trainer``, as `--chains 1`
/// runs). Whole runs are timed, evaluation included, with one kept sample per chain so evaluation stays small.
/// Returns (side by side, back to back) in seconds.
func chainsWallSeconds(dataRoot: String, chains: Int, epochs: Int = 10) throws -> (together: Double, apart: Double) {
    let (train, test) = try DataCatalog.resolve(name: "mnist-5k", dataRoot: dataRoot)
    let data = TrainingData(train: train, test: test)
    var config = TrainingConfiguration(
        data: "mnist-5k", model: .mlp(hidden: [400, 400]), sampler: .sgld, epochs: epochs, batchSize: 100,
        stepSize: 1e-5, schedule: .constant(1e-5), priorPrecision: 1, temperature: 1, burnInEpochs: epochs - 1,
        warmStartEpochs: 0, warmStartStepSize: 1e-5, thin: 1_000_000, momentum: 0, seed: 1, rng: .taus2, ood: nil)
    config.noise = .philox
    let t0 = DispatchTime.now().uptimeNanoseconds
    _ = try MultiChainTrainer(configuration: config, data: data, chains: chains).run()
    let t1 = DispatchTime.now().uptimeNanoseconds
    for k in 0..<chains { _ = try Trainer(configuration: config, data: data, chain: k).run() }
    let t2 = DispatchTime.now().uptimeNanoseconds
    return (Double(t1 - t0) * 1e-9, Double(t2 - t1) * 1e-9)
}
