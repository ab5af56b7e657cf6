// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// What a PNG file says about itself: its signature and IHDR chunk (PNG specification, §5.2 and §11.2.2).
public enum PNGImage {
    /// The eight bytes every PNG file begins with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The width and height in pixels of the PNG image in `bytes`.
    ///
    /// Checks the signature, that the first chunk is IHDR of length 13, and that both dimensions are positive (and at
    /// most 2³¹ − 1, as the specification requires).
    /// - Throws: ``FigureError`` with ``FigureError/Code/invalidData`` naming what is wrong.
    public static func dimensions(of bytes: [UInt8]) throws(FigureError) -> (width: Int, height: Int) {
        guard bytes.count >= 33 else { throw FigureError(.invalidData, "not a PNG: \(bytes.count) bytes") }
        guard Array(bytes[0 ..< 8]) == signature else { throw FigureError(.invalidData, "not a PNG: bad signature") }
        func be32(_ at: Int) -> Int {
            (Int(bytes[at]) << 24) | (Int(bytes[at + 1]) << 16) | (Int(bytes[at + 2]) << 8) | Int(bytes[at + 3])
        }
        guard be32(8) == 13, Array(bytes[12 ..< 16]) == Array("IHDR".utf8) else {
            throw FigureError(.invalidData, "not a PNG: the first chunk is not a 13-byte IHDR")
        }
        let width = be32(16), height = be32(20)
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw FigureError(.invalidData, "PNG with impossible dimensions \(width) × \(height)")
        }
        return (width, height)
    }

    /// ``dimensions(of:)`` of the file at `path`.
    public static func dimensions(ofFile path: String) throws(FigureError) -> (width: Int, height: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FigureError(.io, "cannot read \(path)")
        }
        do {
            return try dimensions(of: [UInt8](data.prefix(64)))
        } catch {
            throw FigureError(error.code, "\(path): \(error.message)")
        }
    }
}
