// SPDX-License-Identifier: GPL-3.0-or-later
internal import CZlib
import Foundation
import GSLSupport
import LangevinCore
import Datasets
import Evaluation
import NeuralNetworks

/// The small part of a checkpoint, stored as JSON; the large arrays follow it in binary.
struct CheckpointHeader: Codable {
    /// 4: the Philox normals are computed with fused multiply–adds (other bits than version 3's builds drew, so a
    /// version-3 run with Philox noise resumed here would continue with another noise stream: refused; a version-3
    /// run with GSL noise draws the same numbers as before and is read).
    static let currentVersion = 4
    var version: Int
    var configuration: TrainingConfiguration
    var stepsDone: Int
    var energy: Double
    var stepCount: Int
    var hasMomentum: Bool
    var generatorStates: [[UInt8]]
    var batchPosition: BatchOrderPosition
    /// The chain's index (0-based).
    var chain: Int
    var testAccumulator: PredictiveAccumulator
    /// One per OOD set, in ``TrainingData/oodSets`` order.
    var oodAccumulators: [PredictiveAccumulator]
    /// One per shifted test set.
    var shiftAccumulators: [PredictiveAccumulator]
    /// The kept samples' functionals (``Trainer/functionalNames``).
    var functionals: [[Double]]
    var curve: [TrainingLogPoint]
    var weightTraces: [LayerWeightTrace]
    var epochEnergySum: Double
    var epochEnergyCount: Int
    var preconditionerInitialised: Bool
    var samplingSeconds: Double
    /// ``TrainingData/fingerprint`` of the data the run was started on (hexadecimal).
    var dataFingerprint: String?
    /// Rows in the weight file when the checkpoint was written (nil: no weight file).
    var weightRows: Int?
    /// ``WeightSampleFile/fingerprint`` of those rows (hexadecimal).
    var weightsFingerprint: String?
}

/// What a restored checkpoint says about the files beside it.
public struct RestoredCheckpoint: Sendable, Equatable {
    /// Rows of the weight file the checkpoint counts (nil when the run wrote none).
    public var weightRows: Int?
    /// Their fingerprint, to check with ``WeightSampleFile/init(path:dimension:keepRows:expectedFingerprint:)``.
    public var weightsFingerprint: Fingerprint?
}

/// Checkpoint file format (little-endian):
///
///     "LGVCKPT\u{1}"  (8 bytes)
///     UInt64 header length, then the header as JSON (``CheckpointHeader``)
///     four arrays (weights, momentum, gradient, RMSprop mean square): UInt64 count, then count Float32 values
///     UInt32 CRC-32 (zlib) of every byte before it
///
/// Written to a temporary file, fsync'ed and renamed into place, so a run killed at any moment leaves either the
/// previous checkpoint or the new one, never a torn file.
enum CheckpointFile {
    static let magic: [UInt8] = Array("LGVCKPT".utf8) + [1]

    static func encode(header: CheckpointHeader, arrays: [[Float]]) throws(LangevinError) -> [UInt8] {
        var bytes = magic
        let json: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            json = try encoder.encode(header)
        } catch {
            throw LangevinError(.io, "cannot encode the checkpoint: \(error)")
        }
        append(UInt64(json.count), to: &bytes)
        bytes.append(contentsOf: json)
        for a in arrays {
            append(UInt64(a.count), to: &bytes)
            a.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        append(crc, to: &bytes)
        return bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(LangevinError) -> (CheckpointHeader, [[Float]]) {
        func corrupt(_ why: String) -> LangevinError {
            LangevinError(.invalidData, "checkpoint '\(path)' is corrupt or not a checkpoint: \(why)")
        }
        guard bytes.count >= magic.count + 12, Array(bytes[0..<magic.count]) == magic else {
            throw corrupt("wrong magic bytes")
        }
        let body = bytes.count - 4
        let stored = read(UInt32.self, bytes, at: body)
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32(body))) }
        guard stored == crc else { throw corrupt("checksum mismatch (truncated or modified)") }
        var offset = magic.count
        let rawHeaderLength = read(UInt64.self, bytes, at: offset)
        offset += 8
        guard rawHeaderLength <= UInt64(body - offset) else { throw corrupt("header length out of range") }
        let headerLength = Int(rawHeaderLength)
        let header: CheckpointHeader
        do {
            header = try JSONDecoder().decode(CheckpointHeader.self, from: Data(bytes[offset..<(offset + headerLength)]))
        } catch {
            throw corrupt("unreadable header (\(error))")
        }
        offset += headerLength
        var arrays: [[Float]] = []
        for _ in 0..<4 {
            guard offset + 8 <= body else { throw corrupt("missing array") }
            let rawCount = read(UInt64.self, bytes, at: offset)
            offset += 8
            guard rawCount <= UInt64((body - offset) / 4) else { throw corrupt("array length out of range") }
            let count = Int(rawCount)
            var a = [Float](repeating: 0, count: count)
            a.withUnsafeMutableBytes { dst in
                bytes.withUnsafeBytes { src in
                    dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + 4 * count)]))
                }
            }
            arrays.append(a)
            offset += 4 * count
        }
        guard offset == body else { throw corrupt("trailing bytes") }
        let sameNoise = header.version == 3 && header.configuration.noise != .philox
        guard header.version == CheckpointHeader.currentVersion || sameNoise else {
            let why = header.version == 3
                ? " (its run drew the earlier Philox normals; resuming it here would change the remaining noise — start the run again)"
                : ""
            throw LangevinError(.invalidData,
                "checkpoint '\(path)' has version \(header.version); this build reads \(CheckpointHeader.currentVersion)\(why)")
        }
        try validate(header, corrupt: corrupt)
        return (header, arrays)
    }

    /// Bounds of the header's fields that do not depend on the trainer (those that do are checked on restore).
    static func validate(_ h: CheckpointHeader, corrupt: (String) -> LangevinError) throws(LangevinError) {
        guard h.stepsDone >= 0, h.stepCount >= 0, h.epochEnergyCount >= 0, h.samplingSeconds.isFinite,
              h.samplingSeconds >= 0
        else { throw corrupt("a step count, energy or time out of range") }
        let p = h.batchPosition
        guard p.epoch >= 0, p.batchIndex >= 0, p.permutation.count < Int(Int32.max) else {
            throw corrupt("the batch position is out of range")
        }
        var seen = [Bool](repeating: false, count: p.permutation.count)
        for i in p.permutation {
            guard i >= 0, Int(i) < seen.count, !seen[Int(i)] else { throw corrupt("the batch order is not a permutation") }
            seen[Int(i)] = true
        }
        if let rows = h.weightRows, rows < 0 { throw corrupt("negative weight-file rows") }
        guard !h.generatorStates.isEmpty else { throw corrupt("no generator states") }
    }

    static func append<T: FixedWidthInteger>(_ v: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
        var v: T = 0
        withUnsafeMutableBytes(of: &v) { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + MemoryLayout<T>.size)]))
            }
        }
        return T(littleEndian: v)
    }
}

extension Trainer {
    /// Writes the complete state (weights, momenta, gradient, sampler state, generator states, data order,
    /// schedule position, accumulators and logs) atomically to `path`.
    public func writeCheckpoint(to path: String) throws(LangevinError) {
        try writeCheckpoint(chain, to: path)
    }

    /// Writes the checkpoint of `chain` (the trainer's chain, handed over by the driver between steps).
    func writeCheckpoint(_ chain: Chain, to path: String) throws(LangevinError) {
        let state = chain.state
        let meanSquare = chain.integrator.sampler.preconditionerMeanSquare
        try weightFile?.sync()
        let header = CheckpointHeader(
            version: CheckpointHeader.currentVersion, configuration: configuration, stepsDone: stepsDone,
            energy: state.energy, stepCount: state.stepCount, hasMomentum: state.hasMomentum,
            generatorStates: chain.random.stateBytes, batchPosition: chain.field.position,
            chain: chainIndex, testAccumulator: testAccumulator, oodAccumulators: oodAccumulators,
            shiftAccumulators: shiftAccumulators, functionals: functionals, curve: curve,
            weightTraces: weightTraces, epochEnergySum: epochEnergySum, epochEnergyCount: epochEnergyCount,
            preconditionerInitialised: !(meanSquare ?? []).isEmpty, samplingSeconds: samplingSeconds,
            dataFingerprint: data.fingerprint.description, weightRows: weightFile?.rows,
            weightsFingerprint: weightFile?.fingerprint.description)
        let bytes = try CheckpointFile.encode(
            header: header,
            arrays: [state.position, state.momentum, state.gradient, (meanSquare ?? []).map { Float($0) }])
        try writeFileAtomically(bytes, to: path)
    }

    /// Restores the state saved by ``writeCheckpoint(to:)``; the configuration must match this trainer's, and the
    /// data (their ``TrainingData/fingerprint``) the ones the checkpoint was written with.
    ///
    /// Returns what the checkpoint says about the weight file, to be checked when it is reopened.
    @discardableResult
    public func restoreCheckpoint(from path: String) throws(LangevinError) -> RestoredCheckpoint {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw LangevinError(.io, "cannot read checkpoint '\(path)': \(error.localizedDescription)")
        }
        let (header, arrays) = try CheckpointFile.decode(bytes, path: path)
        guard header.configuration == configuration, header.chain == chainIndex else {
            throw LangevinError(.invalidParameter,
                "checkpoint '\(path)' belongs to a different run (data, model, sampler, schedule, seed or other "
                + "settings differ); rerun with the same options or without --resume")
        }
        guard let recorded = header.dataFingerprint, recorded == data.fingerprint.description else {
            throw LangevinError(.invalidParameter,
                "checkpoint '\(path)' was written with different data (the training, test or OOD images or labels "
                + "differ from those it recorded, though their names match); rerun without --resume")
        }
        let d = network.parameterCount
        guard header.stepsDone <= totalSteps,
              header.batchPosition.batchIndex < max(stepsPerEpoch, 1),
              header.generatorStates.count == chain.random.stateBytes.count,
              arrays[0].count == d, arrays[2].count == d, arrays[1].isEmpty || arrays[1].count == d,
              arrays[3].isEmpty || arrays[3].count == d,
              header.batchPosition.permutation.count == data.train.count,
              header.testAccumulator.rows == data.test.count,
              header.oodAccumulators.map(\.rows) == data.oodSets.map(\.dataset.count),
              header.shiftAccumulators.map(\.rows) == (data.shift?.sets ?? []).map(\.count),
              header.functionals.count == Self.functionalNames.count,
              header.functionals.allSatisfy({ $0.count == header.testAccumulator.samplesAveraged })
        else {
            throw LangevinError(.invalidData, "checkpoint '\(path)' does not match this model or these data sets")
        }
        chain.random = try NetworkNoise(configuration: configuration, chain: chainIndex, parallelism: threads,
                                        states: header.generatorStates)
        chain.field.position = header.batchPosition
        chain.state.restore(position: arrays[0], momentum: arrays[1], gradient: arrays[2], energy: header.energy,
                            stepCount: header.stepCount)
        chain.integrator.sampler.restorePreconditioner(
            meanSquare: header.preconditionerInitialised ? arrays[3] : [])
        stepsDone = header.stepsDone
        testAccumulator = header.testAccumulator
        oodAccumulators = header.oodAccumulators
        shiftAccumulators = header.shiftAccumulators
        functionals = header.functionals
        curve = header.curve
        weightTraces = header.weightTraces
        epochEnergySum = header.epochEnergySum
        epochEnergyCount = header.epochEnergyCount
        samplingSeconds = header.samplingSeconds
        return RestoredCheckpoint(weightRows: header.weightRows,
                                  weightsFingerprint: header.weightsFingerprint.flatMap { Fingerprint(hex: $0) })
    }

    /// Samples kept so far (the rows a weight file must hold).
    public var samplesKept: Int { testAccumulator.samplesAveraged }
}
