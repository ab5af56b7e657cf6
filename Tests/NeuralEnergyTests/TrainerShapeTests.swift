// SPDX-License-Identifier: GPL-3.0-or-later

import Foundation
import LangevinCore
import NeuralEnergy
import Testing

/// The trainer takes its input shape and class count from the data, not from MNIST's 28 × 28 and 10.
@Suite("Trainer: shapes from the data")
struct TrainerShapeTests {
    /// 3 classes of 6×5 images: class k lights up row k (plus noise), so a small MLP learns it.
    func dataset(_ name: String, count: Int, rows: Int = 6, cols: Int = 5, seed: UInt64) throws -> Dataset {
        var g = SplitMix64(seed: seed)
        var images: [Float] = [], labels: [Int32] = []
        for i in 0..<count {
            let k = i % 3
            for r in 0..<rows { for _ in 0..<cols { images.append(Float((r == k ? 0.8 : 0) + 0.2 * g.nextUniform())) } }
            labels.append(Int32(k))
        }
        return try Dataset(name: name, images: images, labels: labels, rows: rows, cols: cols, classes: 3)
    }

    @Test("An MLP on 6×5 images with 3 classes trains and predicts 3 classes")
    func smallImages() throws {
        let data = TrainingData(train: try dataset("train", count: 60, seed: 1), test: try dataset("test", count: 30, seed: 2))
        let config = try TrainingConfiguration.recommended(
            data: "synthetic", model: .mlp(hidden: [8]), sampler: .sgld, trainSize: 60, batchSize: 10, epochs: 30,
            warmStartEpochs: 20, seed: 3)
        let trainer = try Trainer(configuration: config, data: data)
        #expect(trainer.parameterCount == 30 * 8 + 8 + 8 * 3 + 3)
        let outcome = try trainer.run()
        #expect(outcome.posterior.accuracy == 1.0, "a separable 3-class problem: accuracy \(outcome.posterior.accuracy)")
        #expect(outcome.samplesAveraged > 0)
    }

    @Test("SGD's one averaged sample (its final weights) is the one row of the weight file")
    func sgdWeightRow() throws {
        let data = TrainingData(train: try dataset("train", count: 60, seed: 1), test: try dataset("test", count: 30, seed: 2))
        let config = try TrainingConfiguration.recommended(
            data: "synthetic", model: .mlp(hidden: [8]), sampler: .sgd, trainSize: 60, batchSize: 10, epochs: 3, seed: 3)
        let trainer = try Trainer(configuration: config, data: data)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-sgd-weights-\(UUID().uuidString).f32").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        trainer.weightFile = try WeightSampleFile(path: path, dimension: trainer.parameterCount, keepRows: 0)
        let outcome = try trainer.run()
        #expect(outcome.samplesAveraged == 1)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.count == trainer.parameterCount * 4)
    }

    @Test("Test or OOD images of another size are refused before training, naming both shapes")
    func mismatchedShapes() throws {
        let config = try TrainingConfiguration.recommended(
            data: "synthetic", model: .mlp(hidden: [8]), sampler: .sgld, trainSize: 60, batchSize: 10, epochs: 3)
        let train = try dataset("train", count: 60, seed: 1)
        for data in [TrainingData(train: train, test: try dataset("test", count: 9, rows: 5, seed: 2)),
                     TrainingData(train: train, test: try dataset("test", count: 9, seed: 2),
                                  ood: try dataset("ood", count: 9, cols: 7, seed: 4), oodName: "ood")] {
            #expect {
                _ = try Trainer(configuration: config, data: data)
            } throws: { error in
                guard let e = error as? LangevinError else { return false }
                return e.code == .invalidData && e.message.contains("6×5")
            }
        }
    }
}
