// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Platform

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
/// The file is written through Platform's ``OutputFile``: frames go into a temporary file beside the target, which
/// ``close()`` (or the last copy of the writer going away) commits by a rename, so a reader never sees half a
/// trajectory and a failed run leaves an earlier file untouched. With `append`, the earlier frames are copied into
/// the new file first. Copies share one output. Every failure is reported as `LangevinError(.io, …)` naming the path
/// and the system's reason; a second process writing the same path is refused when the writer is created.
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
        let output: OutputFile
        do throws(FileError) {
            output = try OutputFile(path: path)
            if append && !output.writesThrough { try copyExisting(output.resolvedPath, into: output) }
        } catch {
            throw LangevinError(.io, error.description)
        }
        self.path = path
        self.particleDimension = particleDimension
        self.element = element
        self.file = File(output)
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
        let text = Self.frame(
            positions: positions, particleDimension: particleDimension, comment: comment, element: element)
        guard let output = file.output else {
            throw LangevinError(.io, "cannot write to '\(path)': the XYZ writer was closed")
        }
        do throws(FileError) { try output.write(text) } catch { throw LangevinError(.io, error.description) }
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

    /// Pushes buffered frames to the (temporary) file, reporting a full disk or any write error now.
    public func flush() throws(LangevinError) {
        guard let output = file.output else { return }
        do throws(FileError) { try output.flush() } catch { throw LangevinError(.io, error.description) }
    }

    /// Finishes the file (sync and rename into place); later writes throw. Closing twice is harmless.
    public func close() throws(LangevinError) {
        guard let output = file.output else { return }
        file.output = nil
        do throws(FileError) { try output.commit() } catch { throw LangevinError(.io, error.description) }
    }

    /// Abandons the file: nothing written through this writer becomes visible, an earlier file at the path is
    /// untouched. Later writes throw; after ``close()`` it does nothing.
    public func discard() {
        file.output?.discard()
        file.output = nil
    }

    /// The output, shared by copies of the writer and committed when the last one goes away (best effort: call
    /// ``close()`` to learn about a failure).
    private final class File {
        var output: OutputFile?
        var frames = 0
        init(_ output: OutputFile) { self.output = output }
        deinit { try? output?.commit() }
    }
}

/// Copies the file at `path`, if there is one, into `output` (the earlier frames of an appended trajectory).
private func copyExisting(_ path: String, into output: OutputFile) throws(FileError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        if errno == ENOENT { return }
        throw FileError(path: path, operation: "read", errno: errno)
    }
    defer { _ = close(fd) }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileError(path: path, operation: "read", errno: errno)
        }
        if n == 0 { return }
        try output.write(Array(chunk[0..<n]))
    }
}
