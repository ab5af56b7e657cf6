// SPDX-License-Identifier: GPL-3.0-or-later

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import LangevinCore

/// Writes frames of particle positions to a file in the XYZ format read by VMD, OVITO, ASE and Jmol:
///
///     7
///     step=100 energy=-12.3
///     Ar 1.12 0.0 0.0
///     …
///
/// Line 1 is the particle count, line 2 a free comment (newlines in it are replaced by spaces), then one line per
/// particle: an element symbol and x, y, z. Positions are given flattened particle by particle, D = 1, 2 or 3
/// coordinates each; missing coordinates are written as 0 (a 2-D system lies in the plane z = 0). Numbers are
/// written in Swift's shortest round-trip decimal form, so a frame reads back bit for bit.
///
/// The file is opened (and truncated, unless `append`) by the initialiser and closed by ``close()`` or when the last
/// copy of the writer goes away; copies share one open file. I/O goes through the C standard library's buffered
/// `FILE` streams: every failure is reported as `LangevinError(.io, …)` naming the path and the system's reason.
public struct XYZTrajectoryWriter {
    /// The file path given to the initialiser.
    public let path: String
    /// D, the number of coordinates per particle (1, 2 or 3).
    public let particleDimension: Int
    /// The element symbol written at the start of each particle line.
    public let element: String
    private let file: File

    /// Opens `path` for writing.
    ///
    /// - Parameters:
    ///   - path: the output file; created if needed, truncated unless `append` is true.
    ///   - particleDimension: D ∈ {1, 2, 3}.
    ///   - element: the symbol on each particle line (default `Ar`, the textbook Lennard-Jones atom); no spaces.
    ///   - append: add frames to an existing file instead of replacing it.
    /// - Throws: `.io` if the file cannot be opened; `.invalidParameter` for a bad D or element.
    public init(path: String, particleDimension: Int, element: String = "Ar", append: Bool = false)
        throws(LangevinError)
    {
        guard (1...3).contains(particleDimension) else {
            throw .invalidParameter("XYZ frames hold 1-, 2- or 3-D particles, got D = \(particleDimension)")
        }
        guard !element.isEmpty, !element.contains(where: { $0.isWhitespace }) else {
            throw .invalidParameter("the XYZ element symbol must be a non-empty word, got '\(element)'")
        }
        guard let handle = fopen(path, append ? "a" : "w") else {
            throw LangevinError(.io, "cannot open '\(path)' for writing: \(systemErrorMessage())")
        }
        self.path = path
        self.particleDimension = particleDimension
        self.element = element
        self.file = File(handle)
    }

    /// The number of frames written through this writer (and its copies).
    public var framesWritten: Int { file.frames }

    /// The text of one frame (three header-and-body parts, each line ending in a newline).
    ///
    /// - Precondition: `positions.count` is a multiple of `particleDimension`.
    public static func frame(
        positions: UnsafeBufferPointer<Double>, particleDimension: Int, comment: String, element: String = "Ar"
    ) -> String {
        let n = positions.count / particleDimension
        var text = "\(n)\n"
        for c in comment.unicodeScalars { text.unicodeScalars.append(c == "\n" || c == "\r" ? " " : c) }
        text += "\n"
        for i in 0..<n {
            text += element
            for a in 0..<3 {
                text += " "
                text += a < particleDimension ? positions[i * particleDimension + a].description : "0.0"
            }
            text += "\n"
        }
        return text
    }

    /// Appends one frame with a free comment line.
    ///
    /// - Throws: `.invalidParameter` when `positions.count` is not a positive multiple of D; `.io` when the write
    ///   fails or the writer was closed.
    public func write(positions: UnsafeBufferPointer<Double>, comment: String) throws(LangevinError) {
        guard positions.count > 0, positions.count % particleDimension == 0 else {
            throw .invalidParameter(
                "an XYZ frame needs a positive multiple of \(particleDimension) coordinates, got \(positions.count)")
        }
        var text = Self.frame(
            positions: positions, particleDimension: particleDimension, comment: comment, element: element)
        guard let handle = file.handle else {
            throw LangevinError(.io, "cannot write to '\(path)': the XYZ writer was closed")
        }
        let written = text.withUTF8 { bytes in fwrite(bytes.baseAddress, 1, bytes.count, handle) }
        guard written == text.utf8.count else {
            throw LangevinError(.io, "cannot write to '\(path)': \(systemErrorMessage())")
        }
        file.frames += 1
    }

    /// Appends one frame with a free comment line.
    public func write(positions: [Double], comment: String) throws(LangevinError) {
        try positions.withUnsafeBufferPointer { (p) throws(LangevinError) in try write(positions: p, comment: comment) }
    }

    /// Appends one frame whose comment is `step=<step> energy=<energy>`.
    public func write(positions: [Double], step: Int, energy: Double) throws(LangevinError) {
        try write(positions: positions, comment: "step=\(step) energy=\(energy)")
    }

    /// Pushes buffered frames to the operating system.
    public func flush() throws(LangevinError) {
        guard let handle = file.handle else { return }
        guard fflush(handle) == 0 else {
            throw LangevinError(.io, "cannot write to '\(path)': \(systemErrorMessage())")
        }
    }

    /// Flushes and closes the file; later writes throw. Closing twice is harmless.
    public func close() throws(LangevinError) {
        guard let handle = file.handle else { return }
        file.handle = nil
        guard fclose(handle) == 0 else {
            throw LangevinError(.io, "cannot finish writing '\(path)': \(systemErrorMessage())")
        }
    }

    /// The open stream, shared by copies of the writer and closed when the last one goes away.
    private final class File {
        #if canImport(Musl)
        typealias Handle = OpaquePointer
        #else
        typealias Handle = UnsafeMutablePointer<FILE>
        #endif
        var handle: Handle?
        var frames = 0
        init(_ handle: Handle) { self.handle = handle }
        deinit { if let handle { fclose(handle) } }
    }
}

/// The C library's message for the current `errno`.
private func systemErrorMessage() -> String {
    guard let message = strerror(errno) else { return "error \(errno)" }
    return String(cString: message)
}
