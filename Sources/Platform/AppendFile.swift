// SPDX-License-Identifier: GPL-3.0-or-later

/// A file grown in place, row by row, for outputs that a resumed run continues (e.g. the weights of kept samples):
/// the one case where a temporary file and a rename do not fit, because a killed run's rows must stay at the path
/// its checkpoint names.
///
/// The same target rules as ``OutputFile``: a symbolic link is followed (the link stays), a directory is refused, a
/// device or FIFO is written through (no truncation). A regular file is locked with an ``OutputLock`` (a second
/// writer is refused), and either replaced by a new empty file (`keepBytes` nil: the old one is unlinked and a new
/// one created with `O_CREAT | O_EXCL | O_NOFOLLOW`) or cut back to its first `keepBytes` bytes (resume; a file
/// shorter than that is an error). Every write loops over short writes and retries `EINTR`; every error is a
/// ``FileError`` naming the file.
public final class AppendFile {
    /// The path as given.
    public let path: String
    /// The file written (a symbolic link's target, or `path`).
    public let resolvedPath: String
    /// Bytes in the file (kept bytes plus those appended).
    public private(set) var size: UInt64
    private var fd: Int32
    private var lock: OutputLock?

    /// Opens `path` for appending: a new file (`keepBytes` nil), or the first `keepBytes` bytes of the existing one.
    public init(path: String, keepBytes: UInt64?, permissions: mode_t = 0o644) throws(FileError) {
        self.path = path
        var target = path
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw FileError(path: path, operation: "write", errno: errno,
                                reason: "it is a symbolic link whose target cannot be resolved (\(systemErrorMessage()))")
            }
            target = String(cString: real)
            free(real)
        }
        resolvedPath = target
        let exists = stat(target, &st) == 0
        if exists && st.st_mode & S_IFMT == S_IFDIR { throw FileError(path: path, operation: "write", errno: EISDIR) }
        if exists && st.st_mode & S_IFMT != S_IFREG {
            var fd: Int32
            repeat { fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) } while fd < 0 && errno == EINTR
            guard fd >= 0 else { throw FileError(path: path, operation: "write", errno: errno) }
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
            self.fd = fd
            self.size = keepBytes ?? 0
            return
        }
        let lock = try OutputLock(target: target)
        var fd: Int32 = -1
        if let keepBytes {
            guard exists else {
                throw FileError(path: path, operation: "resume", errno: ENOENT)
            }
            guard UInt64(st.st_size) >= keepBytes else {
                throw FileError(path: path, operation: "resume", errno: 0,
                                reason: "it has \(st.st_size) bytes, fewer than the \(keepBytes) the checkpoint counts")
            }
            repeat { fd = open(target, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) } while fd < 0 && errno == EINTR
            guard fd >= 0 else { throw FileError(path: path, operation: "resume", errno: errno) }
            guard ftruncate(fd, off_t(keepBytes)) == 0, lseek(fd, off_t(keepBytes), SEEK_SET) >= 0 else {
                let e = errno
                _ = systemClose(fd)
                throw FileError(path: path, operation: "resume", errno: e)
            }
            size = keepBytes
        } else {
            if exists && unlink(target) != 0 { throw FileError(path: path, operation: "replace", errno: errno) }
            repeat {
                fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
            } while fd < 0 && errno == EINTR
            guard fd >= 0 else { throw FileError(path: path, operation: "write", errno: errno) }
            size = 0
        }
        self.fd = fd
        self.lock = lock
    }

    deinit { close() }

    /// Appends bytes (written to the operating system at once; see ``sync()`` for durability).
    public func append(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        guard fd >= 0 else { throw FileError(path: path, operation: "write", errno: EBADF, reason: "the file was closed") }
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: "write", errno: errno)
            }
            if n == 0 { throw FileError(path: path, operation: "write", errno: EIO, reason: "the write made no progress") }
            offset += n
        }
        size += UInt64(bytes.count)
    }

    /// `fsync`s the file (before a checkpoint claims its rows). Devices and pipes need no sync.
    public func sync() throws(FileError) {
        guard fd >= 0 else { return }
        if fsync(fd) != 0 && !(errno == EINVAL || errno == EROFS) {
            throw FileError(path: path, operation: "write", errno: errno)
        }
    }

    /// Closes the file and releases its lock. Closing twice is harmless.
    public func close() {
        if fd >= 0 { _ = systemClose(fd); fd = -1 }
        lock?.release()
        lock = nil
    }
}

@inline(__always)
func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
