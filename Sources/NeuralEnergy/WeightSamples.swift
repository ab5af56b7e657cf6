// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import Datasets
import Evaluation
import NeuralNetworks
import Platform

/// The kept posterior samples' weights, appended to a file as they are drawn.
///
/// Format: `weights.f32` holds one row per kept sample, each the network's d parameters as little-endian Float32 in
/// the network's flat parameter order (``Network/parameterBlocks``); row r starts at byte 4·d·r. A resumed run first
/// checks the rows its checkpoint counts against the checkpoint's ``fingerprint`` (so a file changed or replaced
/// since is refused, not continued), then cuts the file back to them, so the file always matches the report.
///
/// Written through Platform's ``AppendFile``: a lock against a second writer, every write checked, symbolic links
/// followed, folders refused.
public final class WeightSampleFile {
    public let path: String
    public let dimension: Int
    /// The fingerprint of the rows written so far, one ``Fingerprint/combine(_:)-(UnsafeRawBufferPointer)`` per row.
    public private(set) var fingerprint = Fingerprint()
    /// The rows in the file.
    public private(set) var rows: Int
    private let file: AppendFile

    /// Opens `path` for appending, keeping its first `keepRows` rows (0: start a new file).
    ///
    /// - Parameter expectedFingerprint: the fingerprint of the first `keepRows` rows recorded by the checkpoint;
    ///   when given, the rows are read back and compared before anything is cut.
    /// - Throws: `.io` when the file cannot be opened, read or written; `.invalidData` when it is shorter than
    ///   `keepRows` rows or its rows do not have the expected fingerprint.
    public init(path: String, dimension: Int, keepRows: Int, expectedFingerprint: Fingerprint? = nil)
        throws(LangevinError)
    {
        self.path = path
        self.dimension = dimension
        let (rowBytes, o1) = dimension.multipliedReportingOverflow(by: 4)
        let (keepBytes, o2) = keepRows.multipliedReportingOverflow(by: rowBytes)
        guard dimension > 0, keepRows >= 0, !o1, !o2 else {
            throw LangevinError(.invalidParameter, "weight file '\(path)': \(keepRows) rows of \(dimension) weights is not a size")
        }
        if keepRows > 0 {
            let found = try Self.fingerprint(of: path, rows: keepRows, rowBytes: rowBytes)
            if let expectedFingerprint, found != expectedFingerprint {
                throw LangevinError(.invalidData, """
                    '\(path)' does not hold the \(keepRows) rows the checkpoint recorded (fingerprint \(found), \
                    expected \(expectedFingerprint)): it was changed or replaced since; rerun without --resume
                    """)
            }
            fingerprint = found
        }
        do throws(FileError) {
            file = try AppendFile(path: path, keepBytes: keepRows > 0 ? UInt64(keepBytes) : nil)
        } catch {
            throw LangevinError(.io, error.description)
        }
        rows = keepRows
    }

    /// The fingerprint of the first `rows` rows of the file at `path`.
    static func fingerprint(of path: String, rows: Int, rowBytes: Int) throws(LangevinError) -> Fingerprint {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LangevinError(.io, "cannot resume '\(path)': \(systemErrorMessage())") }
        defer { close(fd) }
        var f = Fingerprint()
        var row = [UInt8](repeating: 0, count: rowBytes)
        for r in 0 ..< rows {
            var got = 0
            while got < rowBytes {
                let n = row.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, rowBytes - got) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    if n < 0 { throw LangevinError(.io, "cannot read '\(path)': \(systemErrorMessage())") }
                    throw LangevinError(.invalidData, "'\(path)' holds \(r) whole rows, fewer than the \(rows) the checkpoint counts")
                }
                got += n
            }
            row.withUnsafeBytes { f.combine($0) }
        }
        return f
    }

    /// Appends one row (handed to the operating system at once).
    public func append(_ weights: UnsafeBufferPointer<Float>) throws(LangevinError) {
        precondition(weights.count == dimension, "weight row of the wrong size")
        let raw = UnsafeRawBufferPointer(weights)
        do throws(FileError) { try file.append(raw) } catch { throw LangevinError(.io, error.description) }
        fingerprint.combine(raw)
        rows += 1
    }

    /// Fsyncs (before a checkpoint claims the rows).
    public func sync() throws(LangevinError) {
        do throws(FileError) { try file.sync() } catch { throw LangevinError(.io, error.description) }
    }
}
