// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#endif
import LangevinCore
import Datasets
import Evaluation
import NeuralNetworks

/// The kept posterior samples' weights, appended to a file as they are drawn.
///
/// Format: `weights.f32` holds one row per kept sample, each the network's d parameters as little-endian Float32 in
/// the network's flat parameter order (``Network/parameterBlocks``); row r starts at byte 4·d·r. A resumed run first
/// truncates the file to the rows its checkpoint knows, so the file always matches the report.
public final class WeightSampleFile {
    public let path: String
    public let dimension: Int
    private let handle: UnsafeMutablePointer<FILE>

    /// Opens `path` for appending, keeping its first `keepRows` rows (0: start a new file).
    public init(path: String, dimension: Int, keepRows: Int) throws(LangevinError) {
        self.path = path
        self.dimension = dimension
        if keepRows == 0 {
            guard let f = fopen(path, "wb") else {
                throw LangevinError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
            handle = f
        } else {
            guard truncate(path, off_t(keepRows * dimension * 4)) == 0, let f = fopen(path, "ab") else {
                throw LangevinError(.io, "cannot resume '\(path)' at \(keepRows) rows: \(String(cString: strerror(errno)))")
            }
            handle = f
        }
    }

    deinit { fclose(handle) }

    /// Appends one row and flushes it to the operating system.
    public func append(_ weights: UnsafeBufferPointer<Float>) throws(LangevinError) {
        precondition(weights.count == dimension, "weight row of the wrong size")
        let written = fwrite(weights.baseAddress, 4, weights.count, handle)
        guard written == weights.count, fflush(handle) == 0 else {
            throw LangevinError(.io, "cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes and fsyncs (before a checkpoint claims the rows).
    public func sync() throws(LangevinError) {
        guard fflush(handle) == 0, fsync(fileno(handle)) == 0 else {
            throw LangevinError(.io, "cannot sync '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}
