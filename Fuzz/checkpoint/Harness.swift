// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the checkpoint decoder, past its CRC: the input's last four bytes are replaced by the CRC-32 of
// the rest, so every input reaches the field checks (magic, lengths, header JSON, arrays, version) and the
// restore-side consistency checks (`CheckpointFile.validate`).
internal import CZlib
import LangevinCore
@testable import NeuralEnergy

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes.count >= 4 {
        let body = bytes.count - 4
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32(body))) }
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[body + i] = $0[i] } }
    }
    _ = try? CheckpointFile.decode(bytes, path: "fuzz")
    return 0
}
