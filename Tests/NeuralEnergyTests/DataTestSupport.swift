// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for the data-loading tests: temporary directories, IDX/gzip/PNG writers, error expectations.
import CPNG
import CZlib
import LangevinCore
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh temporary directory, removed with the object.
final class TempDir {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/langevin-data-test-" + String(UInt64.random(in: 0 ... .max), radix: 36)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`, creating intermediate directories of `name`.
    func file(_ name: String) throws -> String {
        let full = path + "/" + name
        let parent = String(full[..<full.lastIndex(of: "/")!])
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        return full
    }
}

enum DataFixtures {
    /// Big-endian bytes of a UInt32.
    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    /// An IDX header: 0, 0, type, rank, then the dimensions.
    static func idxHeader(type: UInt8 = 0x08, dims: [UInt32]) -> [UInt8] {
        [0, 0, type, UInt8(dims.count)] + dims.flatMap(be32)
    }

    /// Deterministic pixel bytes for `count` images of `rows × cols`: pixel k of image i is (7i + 13k) mod 256.
    static func pixelBytes(count: Int, rows: Int, cols: Int) -> [UInt8] {
        (0 ..< count).flatMap { i in (0 ..< rows * cols).map { k in UInt8((7 * i + 13 * k) % 256) } }
    }

    /// A complete IDX image file.
    static func idxImages(count: Int, rows: Int = 28, cols: Int = 28) -> [UInt8] {
        idxHeader(dims: [UInt32(count), UInt32(rows), UInt32(cols)]) + pixelBytes(count: count, rows: rows, cols: cols)
    }

    /// A complete IDX label file with labels i mod 10.
    static func idxLabels(count: Int) -> [UInt8] {
        idxHeader(dims: [UInt32(count)]) + (0 ..< count).map { UInt8($0 % 10) }
    }

    /// Writes `bytes` to `path` (stdio; no fsync, unlike `Data.write`).
    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let f = fopen(path, "wb") else { throw TestFailure("fopen \(path) failed") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        guard fclose(f) == 0, written == bytes.count else { throw TestFailure("fwrite \(path) failed") }
    }

    /// Writes `bytes` gzip-compressed with zlib's gzwrite.
    static func writeGzip(_ bytes: [UInt8], to path: String) throws {
        guard let gz = gzopen(path, "wb") else { throw TestFailure("gzopen \(path) failed") }
        let written = bytes.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(gz) == Z_OK, Int(written) == bytes.count else { throw TestFailure("gzwrite \(path) failed") }
    }

    /// The gzip-compressed form of `bytes` (written through a scratch file).
    static func gzipped(_ bytes: [UInt8], scratch: TempDir) throws -> [UInt8] {
        let path = try scratch.file("scratch-\(UInt32.random(in: 0 ... .max)).gz")
        try writeGzip(bytes, to: path)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes an 8-bit gray PNG with libpng's simplified write API.
    static func writePNG(_ gray: [UInt8], width: Int, height: Int, to path: String) throws {
        precondition(gray.count == width * height)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        let ok = gray.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, Int32(width), nil) }
        png_image_free(&image)
        guard ok != 0 else { throw TestFailure("png_image_write_to_file \(path) failed") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Expects `body` to throw a `LangevinError` with `code` whose message contains every fragment; returns the error.
@discardableResult
func expectLangevinError(_ code: LangevinError.Code = .invalidData, containing fragments: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> Void) -> LangevinError? {
    do {
        try body()
        Issue.record("expected a \(code) error, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as LangevinError {
        #expect(error.code == code, "message: \(error.message)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.message.contains(fragment), "'\(fragment)' not in: \(error.message)",
                    sourceLocation: sourceLocation)
        }
        return error
    } catch {
        Issue.record("expected a LangevinError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The repository's `data/` directory, or `LANGEVIN_DATA_ROOT` when set (found from this file's path).
func repositoryDataRoot(filePath: String = #filePath) -> String {
    if let root = ProcessInfo.processInfo.environment["LANGEVIN_DATA_ROOT"], !root.isEmpty { return root }
    var parts = filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/NeuralEnergyTests/<file>
    return parts.joined(separator: "/") + "/data"
}
