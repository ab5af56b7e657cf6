// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the checkpoint decoder and restore, past the CRC. The input's last four bytes are replaced by
// the CRC-32 of the rest, so every input reaches the field checks (magic, lengths, header JSON, arrays, version,
// batch order, counts) and then `Trainer.restoreCheckpoint`'s checks against a small trainer (configuration, data
// fingerprint, sizes). The seed corpus holds a checkpoint of that same trainer, so mutations of it get deep.
//
// LANGEVIN_FUZZ_WRITE_SEED=PATH writes that checkpoint to PATH and exits (how Fuzz/corpus/checkpoint was made).
internal import CZlib
import Foundation
import LangevinCore
@testable import NeuralEnergy

/// Twenty 28×28 images, two per class, and a one-unit MLP sampled by SGLD for a few steps.
nonisolated(unsafe) let trainer: Trainer = {
    var images: [Float] = [], labels: [Int32] = []
    for k in 0 ..< 10 {
        for i in 0 ..< 2 {
            images += (0 ..< 784).map { p in p / 28 == 2 * k + i ? 0.8 : 0 }
            labels.append(Int32(k))
        }
    }
    let set = try! Dataset(name: "fuzz", images: images, labels: labels)
    let (train, test) = try! set.perClassSplit(trainPerClass: 1)
    let config = TrainingConfiguration(
        data: "fuzz", model: .mlp(hidden: [1]), sampler: .sgld, epochs: 4, batchSize: 5, stepSize: 1e-4,
        schedule: .constant(1e-4), priorPrecision: 1, temperature: 1, burnInEpochs: 1, warmStartEpochs: 1,
        warmStartStepSize: 1e-3, thin: 1, momentum: 0.9, seed: 1, rng: .taus2, ood: nil)
    let t = try! Trainer(configuration: config, data: TrainingData(train: train, test: test))
    if let out = ProcessInfo.processInfo.environment["LANGEVIN_FUZZ_WRITE_SEED"] {
        _ = try! t.run(checkpointEvery: 5, checkpointPath: out) { _, _ in }
        _exit(0)  // not exit(): libFuzzer reports a target that calls exit() as a crash
    }
    return t
}()

let checkpointPath: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return base + "/langevin-fuzz-checkpoint-\(getpid())"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = trainer
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.count >= 4 {
        let body = bytes.count - 4
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32(body))) }
        withUnsafeBytes(of: crc.littleEndian) { for i in 0 ..< 4 { bytes[body + i] = $0[i] } }
    }
    guard (try? CheckpointFile.decode(bytes, path: "fuzz")) != nil else { return 0 }
    FileManager.default.createFile(atPath: checkpointPath, contents: Data(bytes))
    _ = try? trainer.restoreCheckpoint(from: checkpointPath)
    return 0
}
