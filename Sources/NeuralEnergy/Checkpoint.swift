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
    static let currentVersion = 1
    var version: Int
    var configuration: TrainingConfiguration
    var stepsDone: Int
    var energy: Double
    var stepCount: Int
    var hasMomentum: Bool
    var generatorStates: [[UInt8]]
    var batchPosition: BatchOrderPosition
    var testAccumulator: PredictiveAccumulator
    var oodAccumulator: PredictiveAccumulator?
    var curve: [TrainingLogPoint]
    var weightTraces: [LayerWeightTrace]
    var epochEnergySum: Double
    var epochEnergyCount: Int
    var preconditionerInitialised: Bool
    var samplingSeconds: Double
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
        let headerLength = Int(read(UInt64.self, bytes, at: offset))
        offset += 8
        guard headerLength >= 0, offset + headerLength <= body else { throw corrupt("header length out of range") }
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
            let count = Int(read(UInt64.self, bytes, at: offset))
            offset += 8
            guard count >= 0, count <= (body - offset) / 4 else { throw corrupt("array length out of range") }
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
        guard header.version == CheckpointHeader.currentVersion else {
            throw LangevinError(.invalidData, "checkpoint '\(path)' has version \(header.version); this build reads \(CheckpointHeader.currentVersion)")
        }
        return (header, arrays)
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
        try weightFile?.sync()
        let header = CheckpointHeader(
            version: CheckpointHeader.currentVersion, configuration: configuration, stepsDone: stepsDone,
            energy: state.energy, stepCount: state.stepCount, hasMomentum: state.hasMomentum,
            generatorStates: random.stateBytes, batchPosition: energy.position,
            testAccumulator: testAccumulator, oodAccumulator: oodAccumulator, curve: curve,
            weightTraces: weightTraces, epochEnergySum: epochEnergySum, epochEnergyCount: epochEnergyCount,
            preconditionerInitialised: preconditioned?.initialised ?? false, samplingSeconds: samplingSeconds)
        let bytes = try CheckpointFile.encode(
            header: header,
            arrays: [state.position, state.momentum, state.gradient, preconditioned?.meanSquare ?? []])
        try writeFileAtomically(bytes, to: path)
    }

    /// Restores the state saved by ``writeCheckpoint(to:)``; the configuration must match this trainer's.
    public func restoreCheckpoint(from path: String) throws(LangevinError) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw LangevinError(.io, "cannot read checkpoint '\(path)': \(error.localizedDescription)")
        }
        let (header, arrays) = try CheckpointFile.decode(bytes, path: path)
        guard header.configuration == configuration else {
            throw LangevinError(.invalidParameter,
                "checkpoint '\(path)' belongs to a different run (data, model, sampler, schedule, seed or other "
                + "settings differ); rerun with the same options or without --resume")
        }
        let d = network.parameterCount
        guard arrays[0].count == d, arrays[2].count == d, arrays[1].isEmpty || arrays[1].count == d,
              arrays[3].isEmpty || arrays[3].count == d,
              header.batchPosition.permutation.count == data.train.count,
              header.testAccumulator.rows == data.test.count,
              header.oodAccumulator?.rows == data.ood?.count
        else {
            throw LangevinError(.invalidData, "checkpoint '\(path)' does not match this model or these data sets")
        }
        random = try NetworkNoise(configuration: configuration, states: header.generatorStates)
        energy.position = header.batchPosition
        state.restore(position: arrays[0], momentum: arrays[1], gradient: arrays[2], energy: header.energy,
                      stepCount: header.stepCount)
        if var p = preconditioned {
            if !arrays[3].isEmpty { p.meanSquare = arrays[3] }
            p.initialised = header.preconditionerInitialised
            preconditioned = p
        }
        stepsDone = header.stepsDone
        testAccumulator = header.testAccumulator
        oodAccumulator = header.oodAccumulator
        curve = header.curve
        weightTraces = header.weightTraces
        epochEnergySum = header.epochEnergySum
        epochEnergyCount = header.epochEnergyCount
        samplingSeconds = header.samplingSeconds
    }

    /// Samples kept so far (the rows a weight file must hold).
    public var samplesKept: Int { testAccumulator.samplesAveraged }
}
