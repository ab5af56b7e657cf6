// SPDX-License-Identifier: GPL-3.0-or-later
import Datasets

/// A fast 64-bit fingerprint of bytes, to tell whether the data or a file a checkpoint refers to are still the ones
/// it was written with (not a cryptographic hash: it catches changes, not forgeries).
///
/// Four lanes take 8-byte little-endian words in turn, each mixed by SplitMix64's finaliser
/// (z ← (z ⊕ z≫30)·0xbf58476d1ce4e5b9, (z ⊕ z≫27)·0x94d049bb133111eb, z ⊕ z≫31); the tail bytes and the length
/// close each ``combine(_:)`` call. A fingerprint therefore depends on how the bytes were split into calls: callers
/// combine in fixed units (a data set's arrays, one weight row at a time).
public struct Fingerprint: Sendable, Equatable, CustomStringConvertible {
    /// The current value.
    public private(set) var value: UInt64

    /// A fresh fingerprint (of nothing).
    public init() { value = 0x6A09_E667_F3BC_C908 }

    /// The fingerprint written as ``description``; nil for anything else.
    public init?(hex: String) {
        guard hex.count == 16, let v = UInt64(hex, radix: 16) else { return nil }
        value = v
    }

    /// The 16 hexadecimal digits of ``value``.
    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Folds `bytes` in.
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var a = value, b = value ^ 0x9E37_79B9_7F4A_7C15, c = value &+ 1, d = ~value
        let n = bytes.count
        var i = 0
        if let base = bytes.baseAddress {
            while i + 32 <= n {
                a = Self.mix(a ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                b = Self.mix(b ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
                c = Self.mix(c ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)))
                d = Self.mix(d ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)))
                i += 32
            }
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < n {
            tail ^= UInt64(bytes[i]) << shift
            shift = (shift + 8) & 63
            if shift == 0 { a = Self.mix(a ^ tail); tail = 0 }
            i += 1
        }
        value = Self.mix(Self.mix(Self.mix(Self.mix(a ^ tail) ^ b) ^ c) ^ d ^ UInt64(n))
    }

    /// Folds the bytes of `values` in.
    public mutating func combine<T>(_ values: [T]) {
        values.withUnsafeBytes { combine($0) }
    }

    /// Folds an integer in.
    public mutating func combine(_ v: Int) {
        withUnsafeBytes(of: Int64(v).littleEndian) { combine($0) }
    }
}

extension Dataset {
    /// The fingerprint of the images, labels, shape and class count (the data as the network sees them, whatever
    /// the file format they came from).
    public var fingerprint: Fingerprint {
        var f = Fingerprint()
        f.combine(rows)
        f.combine(cols)
        f.combine(classes)
        f.combine(count)
        f.combine(images)
        f.combine(labels)
        return f
    }
}

extension TrainingData {
    /// The fingerprint of the training, test, OOD and shifted test sets together (with one OOD set and no shift
    /// the same as before OOD lists and shifts existed).
    public var fingerprint: Fingerprint {
        var f = Fingerprint()
        for set in [train, test] + oodSets.prefix(1).map(\.dataset) {
            f.combine(Int(truncatingIfNeeded: set.fingerprint.value))
        }
        f.combine(oodSets.isEmpty ? 0 : 1)
        if oodSets.count > 1 || shift != nil {
            for set in oodSets.dropFirst().map(\.dataset) + (shift?.sets ?? []) {
                f.combine(Int(truncatingIfNeeded: set.fingerprint.value))
            }
            f.combine(oodSets.count)
            for v in shift?.values ?? [] { f.combine(Int(truncatingIfNeeded: v.bitPattern)) }
        }
        return f
    }
}
