// SPDX-License-Identifier: GPL-3.0-or-later
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LangevinCore

/// A text file written through a temporary sibling and renamed into place on `commit()`, so that readers never see
/// a half-written file. The path is checked for writability when the file is opened (before any long run).
final class AtomicTextFile {
    let path: String
    private let temporaryPath: String
    private var handle: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []

    init(path: String) throws(LangevinError) {
        self.path = path
        self.temporaryPath = path + ".partial"
        guard let f = fopen(temporaryPath, "w") else {
            let reason = String(cString: strerror(errno))
            throw LangevinError(.io, "cannot write '\(path)': \(reason)")
        }
        handle = f
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        if let h = handle {
            fclose(h)
            unlink(temporaryPath)
        }
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flushBuffer() }
    }

    private func flushBuffer() {
        guard let h = handle, !buffer.isEmpty else { return }
        _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, h) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the file into place.
    func commit() throws(LangevinError) {
        flushBuffer()
        guard let h = handle else { return }
        let ok = fflush(h) == 0 && fsync(fileno(h)) == 0
        fclose(h)
        handle = nil
        guard ok, rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw LangevinError(.io, "cannot write '\(path)': \(reason)")
        }
    }
}
