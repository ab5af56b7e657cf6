// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the file-reading harnesses (symlinked into each): inputs are written to a scratch folder in memory.
import Foundation

/// A per-process scratch folder on a memory file system when there is one.
let fuzzScratch: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let dir = base + "/langevin-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}()

/// Writes `count` bytes at `data` to `path` (replacing it).
func put(_ data: UnsafePointer<UInt8>, _ count: Int, _ path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write the fuzz input to \(path)")
    var offset = 0
    while offset < count {
        let n = write(fd, data + offset, count - offset)
        precondition(n > 0)
        offset += n
    }
    close(fd)
}
