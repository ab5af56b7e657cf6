// SPDX-License-Identifier: GPL-3.0-or-later

import Foundation
import LangevinCore
@testable import NeuralEnergy
import Testing

/// `train --chains K`: chain k is a function of (configuration, k) alone — not of the thread count, the number of
/// chains run beside it or the order the workers took them in — and the pooled predictive is the mean over every
/// kept sample of every chain.
@Suite("Multi-chain training")
struct MultiChainTests {
    /// 3 classes of 16×16 images (class k lights up a band of rows), large enough that the network's dense layers
    /// split over workers (≥ 2¹⁹ multiply–adds per product) and the Philox noise over parts (≥ 2¹⁴ numbers).
    func dataset(_ name: String, count: Int, seed: UInt64) throws -> Dataset {
        var g = SplitMix64(seed: seed)
        var images: [Float] = [], labels: [Int32] = []
        for i in 0..<count {
            let k = i % 3
            for r in 0..<16 { for _ in 0..<16 { images.append(Float((r / 5 == k ? 0.6 : 0) + 0.4 * g.nextUniform())) } }
            labels.append(Int32(k))
        }
        return try Dataset(name: name, images: images, labels: labels, rows: 16, cols: 16, classes: 3)
    }

    func data() throws -> TrainingData {
        TrainingData(train: try dataset("train", count: 200, seed: 1), test: try dataset("test", count: 60, seed: 2),
                     oodSets: [EvaluationSet(name: "ood", dataset: try dataset("ood", count: 30, seed: 9))])
    }

    func config(_ sampler: NetworkSampler, noise: NoiseKind = .philox) throws -> TrainingConfiguration {
        var c = try TrainingConfiguration.recommended(
            data: "synthetic", model: .mlp(hidden: [64]), sampler: sampler, trainSize: 200, batchSize: 50,
            epochs: 6, warmStartEpochs: 3, thin: 2, seed: 11)
        c.noise = noise
        return c
    }

    func bits(_ r: ChainResult) -> [[UInt64]] { r.functionals.map { $0.map(\.bitPattern) } }

    @Test("Chain 0 on one thread is bit for bit the chain on all processors (SGLD with Philox and GSL noise, SGD)",
          arguments: [(NetworkSampler.sgld, NoiseKind.philox), (.sgld, .gsl), (.sghmc, .philox), (.sgd, .philox)])
    func threadCountDoesNotMatter(sampler: NetworkSampler, noise: NoiseKind) throws {
        let d = try data(), c = try config(sampler, noise: noise)
        let many = try Trainer(configuration: c, data: d, threads: nil)
        let one = try Trainer(configuration: c, data: d, threads: 1)
        try many.advance(to: many.totalSteps)
        try one.advance(to: one.totalSteps)
        let (a, b) = (try many.finish(), try one.finish())
        #expect(bits(a) == bits(b))
        #expect(try a.predictive.test.meanProbabilities() == b.predictive.test.meanProbabilities())
        #expect(many.chain.state.position == one.chain.state.position)
    }

    @Test("Chains differ from each other, and chain 0 of K chains is the single-chain run")
    func chainZeroIsTheSingleRun() throws {
        let d = try data(), c = try config(.sgld)
        let single = try Trainer(configuration: c, data: d)
        try single.advance(to: single.totalSteps)
        let run = try MultiChainTrainer(configuration: c, data: d, chains: 3)
        #expect(run.concurrency == min(3, ProcessInfo.processInfo.activeProcessorCount))
        let outcome = try run.run()
        let results = try run.trainers.map { try $0.finish() }
        #expect(bits(results[0]) == bits(try single.finish()))
        #expect(results[0].functionals[1] != results[1].functionals[1], "chains 1 and 2 share their weights")
        #expect(results[1].functionals[1] != results[2].functionals[1])
        #expect(outcome.chains == 3 && outcome.perChain.count == 3 && outcome.chainDiagnostics != nil)
        #expect(outcome.samplesAveraged == results.reduce(0) { $0 + $1.predictive.test.samplesAveraged })
    }

    @Test("The pooled run is the same with one worker or several, and its predictive is the mean over all samples")
    func concurrencyAndPooling() throws {
        let d = try data(), c = try config(.sgld)
        let serial = try MultiChainTrainer(configuration: c, data: d, chains: 3, concurrency: 1)
        let parallel = try MultiChainTrainer(configuration: c, data: d, chains: 3, concurrency: 2)
        let a = try serial.run(), b = try parallel.run()
        // Serial chains use the network's default threads, the parallel ones one thread each: the same numbers.
        #expect(a.posterior == b.posterior && a.ood == b.ood && a.perChain == b.perChain)
        let results = try parallel.trainers.map { try $0.finish() }
        let n = d.test.count * 3
        var mean = [Double](repeating: 0, count: n)
        var total = 0
        for r in results {
            let m = try r.predictive.test.meanProbabilities(), s = r.predictive.test.samplesAveraged
            for i in 0..<n { mean[i] += m[i] * Double(s) }
            total += s
        }
        let pooled = try ClassificationMetrics(probabilities: mean.map { $0 / Double(total) }, labels: d.test.labels,
                                               classes: 3)
        #expect(abs(pooled.nll - b.posterior.nll) <= 1e-12 && pooled.accuracy == b.posterior.accuracy)
    }

    @Test("A deep ensemble (SGD, K chains) pools one network per chain")
    func ensemble() throws {
        let d = try data(), c = try config(.sgd)
        let outcome = try MultiChainTrainer(configuration: c, data: d, chains: 4).run()
        #expect(outcome.samplesAveraged == 4)
        #expect(outcome.perChain.allSatisfy { $0.samplesAveraged == 1 })
        #expect(outcome.chainDiagnostics!.functionals.allSatisfy { $0.rHat.isNaN && $0.drawsPerChain == 0 })
        #expect(outcome.chainDiagnostics!.betweenChainMutualInformation > 0)
    }

    @Test("Every chain checkpoints and resumes: interrupted and uninterrupted runs agree bit for bit")
    func resume() throws {
        let d = try data(), c = try config(.sgld)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-mc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = { (k: Int) -> String? in dir + "/chain-\(k).bin" }
        let whole = try MultiChainTrainer(configuration: c, data: d, chains: 2).run()
        let first = try MultiChainTrainer(configuration: c, data: d, chains: 2)
        for (k, t) in first.trainers.enumerated() {
            try t.advance(to: 7 + 3 * k)   // the chains stop at different steps
            try t.writeCheckpoint(to: path(k)!)
        }
        let second = try MultiChainTrainer(configuration: c, data: d, chains: 2)
        for (k, t) in second.trainers.enumerated() { try t.restoreCheckpoint(from: path(k)!) }
        #expect(second.stepsDone == 7 + 10)
        let resumed = try second.run(checkpointEvery: 4, checkpointPath: path)
        #expect(resumed.posterior == whole.posterior && resumed.perChain == whole.perChain)
        let uninterrupted = try MultiChainTrainer(configuration: c, data: d, chains: 2)
        _ = try uninterrupted.run()
        for k in 0..<2 {
            #expect(bits(try second.trainers[k].finish()) == bits(try uninterrupted.trainers[k].finish()),
                    "chain \(k + 1): the kept samples' functionals differ after a resume")
        }
        // A chain's checkpoint is refused by another chain.
        let other = try Trainer(configuration: c, data: d, chain: 1)
        #expect(throws: LangevinError.self) { try other.restoreCheckpoint(from: path(0)!) }
    }

    /// A trainer of `c` advanced 3 steps, its checkpoint in `dir`/now.bin and the same file marked version 3 in
    /// `dir`/v3.bin.
    func checkpointAndVersion3(_ c: TrainingConfiguration, _ d: TrainingData, in dir: String) throws -> Trainer {
        let trainer = try Trainer(configuration: c, data: d, chain: 0)
        try trainer.advance(to: 3)
        try trainer.writeCheckpoint(to: dir + "/now.bin")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/now.bin")))
        var (header, arrays) = try CheckpointFile.decode(bytes, path: "now.bin")
        #expect(header.version == CheckpointHeader.currentVersion && header.version == 4)
        header.version = 3
        try Data(try CheckpointFile.encode(header: header, arrays: arrays)).write(to: URL(fileURLWithPath: dir + "/v3.bin"))
        return trainer
    }

    func temporaryFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-ck-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("A checkpoint of format version 3 (the earlier Philox normals) is refused with the reason")
    func oldCheckpointVersion() throws {
        let d = try data(), c = try config(.sgld)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try checkpointAndVersion3(c, d, in: dir)
        let fresh = try Trainer(configuration: c, data: d, chain: 0)
        #expect { try fresh.restoreCheckpoint(from: dir + "/v3.bin") } throws: { error in
            guard let e = error as? LangevinError else { return false }
            return e.message.contains("version 3") && e.message.contains("earlier Philox normals")
        }
    }

    @Test("A version-3 checkpoint of a run with GSL noise (unchanged since) resumes to the same results as version 4")
    func oldCheckpointWithGSLNoise() throws {
        let d = try data(), c = try config(.sgld, noise: .gsl)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trainer = try checkpointAndVersion3(c, d, in: dir)
        let fromV3 = try Trainer(configuration: c, data: d, chain: 0)
        try fromV3.restoreCheckpoint(from: dir + "/v3.bin")
        let fromV4 = try Trainer(configuration: c, data: d, chain: 0)
        try fromV4.restoreCheckpoint(from: dir + "/now.bin")
        for t in [trainer, fromV3, fromV4] { try t.advance(to: Int.max) }
        #expect(bits(try fromV3.finish()) == bits(try fromV4.finish()))
        #expect(bits(try fromV4.finish()) == bits(try trainer.finish()))
    }

    @Test("Chain seeds: chain 0 keeps the run's seed, the others are distinct")
    func seeds() {
        #expect(Trainer.chainSeed(42, chain: 0) == 42)
        let s = (1..<100).map { Trainer.chainSeed(42, chain: $0) }
        #expect(Set(s).count == 99 && !s.contains(42))
    }
}
