// SPDX-License-Identifier: GPL-3.0-or-later

/// The one way Langevin writes a file: into a new temporary file beside the target, committed by a rename, so the
/// target holds either its earlier complete content or the whole new one — never a part, never a mix of two runs.
///
/// **Protocol.** ``init(path:permissions:lock:)`` takes an ``OutputLock`` on the target (a second process aimed at
/// the same output is refused at once) and creates `.<name>.tmp-<pid>-<random>` in the target's folder with
/// `O_CREAT | O_EXCL | O_NOFOLLOW` (a planted file or symbolic link of that name is never followed or reused).
/// ``write(_:)-(String)`` buffers 64 KiB and hands full buffers to `write(2)`, looping over short writes and
/// retrying `EINTR`; ``commit()`` flushes, `fsync`s and closes the file (each checked), renames it over the target
/// and `fsync`s the folder so the rename survives a crash. Any failure (a full disk, a quota, an I/O error) throws a
/// ``FileError`` naming the target, removes the temporary file and leaves the target untouched. An output dropped
/// without ``commit()``, or a process stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT, removes the temporary file
/// too. Output is streamed: memory use does not grow with the file.
///
/// **Targets that are not regular files.**
/// - A *symbolic link* is followed (`realpath`) and the file it names is written the same way (temporary file
///   beside the link's target, rename over it): the link stays a link. A dangling link or a loop is refused.
/// - A *character or block device, FIFO or socket* (e.g. `/dev/null`, `/dev/stdout`, a named pipe) is written
///   through directly: opened for writing without truncation, never renamed over or removed. A FIFO with no reader
///   is refused at once (`ENXIO`) instead of blocking. Write errors are still checked (`/dev/full` fails).
/// - A *directory* is refused, and so is a regular file the process may not write (`access(W_OK)`), which a rename
///   could otherwise replace.
///
/// Not thread-safe: one writer per thread.
public final class OutputFile {
    /// The path as given.
    public let path: String
    /// The path actually replaced on ``commit()`` (the symbolic link's target, or `path`).
    public let resolvedPath: String
    /// True when the target is a device, FIFO or socket written through directly.
    public let writesThrough: Bool
    /// Bytes handed to the file so far (buffered bytes included).
    public private(set) var bytesWritten: UInt64 = 0

    /// The temporary file that ``commit()`` renames over the target (nil for targets written through). Another
    /// program may write its output there (e.g. a plotting program told this path); ``commit()`` then syncs and
    /// renames it as if it had been written through this object.
    public let temporaryPath: String?

    private var fd: Int32
    private var lock: OutputLock?
    private var cleanupSlot: Int?
    private var buffer: [UInt8] = []
    private var failure: FileError?
    private var finished = false
    private static let bufferSize = 1 << 16

    /// Opens an output for `path`. Checks everything that can be checked before any work: the folder exists and is
    /// writable, the target is not a directory, no other process writes it.
    ///
    /// - Parameters:
    ///   - path: the target file.
    ///   - permissions: the mode of a new file (less the umask), e.g. `0o644`, or `0o600` for private data. A file
    ///     that is replaced keeps its earlier permission bits.
    ///   - lock: take an ``OutputLock`` on the target (default true). Pass false when the caller already holds a
    ///     lock covering the target (e.g. a lock on its folder).
    /// - Throws: ``FileError``.
    public init(path: String, permissions: mode_t = 0o644, lock: Bool = true) throws(FileError) {
        self.path = path
        guard !path.isEmpty else { throw FileError(path: path, operation: "write", errno: ENOENT) }
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
        self.resolvedPath = target
        var existingMode: mode_t? = nil
        if stat(target, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                throw FileError(path: path, operation: "write", errno: EISDIR)
            case S_IFREG:
                // A file the user may not write is not replaced behind their back (the rename would allow it).
                if access(target, W_OK) != 0 {
                    throw FileError(path: path, operation: "write", errno: errno)
                }
                existingMode = st.st_mode & 0o7777
            default:
                // Device, FIFO or socket: write through, never replace.
                var fd: Int32
                repeat { fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) } while fd < 0 && errno == EINTR
                guard fd >= 0 else {
                    let e = errno
                    throw FileError(path: path, operation: "write", errno: e,
                                    reason: e == ENXIO ? "it is a named pipe with no reader" : nil)
                }
                let flags = fcntl(fd, F_GETFL)
                if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
                self.fd = fd
                self.temporaryPath = nil
                self.writesThrough = true
                buffer.reserveCapacity(Self.bufferSize)
                return
            }
        }
        self.writesThrough = false
        let lockHeld = lock ? try OutputLock(target: target) : nil
        let directory = parentDirectory(of: target)
        let name = lastPathComponent(target)
        var fd: Int32 = -1
        var temporary = ""
        var slot: Int?
        var openError: Int32 = 0
        for _ in 0..<100 {
            temporary = (directory == "/" ? "" : directory) + "/.\(name).tmp-\(getpid())-"
                + String(UInt64.random(in: 0 ... .max), radix: 36)
            // Registered before it exists, so that a signal at any moment after the file appears removes it (a
            // signal between the two used to leave it behind). If the name is taken (EEXIST), a signal before the
            // slot is freed would remove that file: one named with this process's id and the same 64 random bits,
            // which only a killed earlier process with this id can have left.
            slot = CleanupOnSignal.register(temporary)
            repeat {
                fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
            } while fd < 0 && errno == EINTR
            if fd >= 0 { break }
            openError = errno
            CleanupOnSignal.unregister(slot)
            slot = nil
            if openError != EEXIST { break }
        }
        guard fd >= 0 else {
            lockHeld?.release()
            throw FileError(path: path, operation: "write", errno: openError,
                            reason: "cannot create a file in '\(directory)' (\(systemErrorMessage(openError)))")
        }
        if let existingMode { _ = fchmod(fd, existingMode) }
        self.fd = fd
        self.temporaryPath = temporary
        self.lock = lockHeld
        self.cleanupSlot = slot
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit { discard() }

    /// Appends bytes. Errors are reported at once when a full buffer is written, and again by ``commit()``.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        if let failure { throw failure }
        guard !finished else { throw FileError(path: path, operation: "write", errno: EBADF, reason: "the file was closed") }
        bytesWritten += UInt64(bytes.count)
        if buffer.count + bytes.count > Self.bufferSize {
            try flushBuffer()
            if bytes.count >= Self.bufferSize {
                try writeAll(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(FileError) {
        let r: Result<Void, FileError> = bytes.withUnsafeBytes { raw in Result { () throws(FileError) in try write(raw) } }
        try r.get()
    }

    /// Appends the UTF-8 encoding of `text`.
    public func write(_ text: String) throws(FileError) {
        var text = text
        let r: Result<Void, FileError> = text.withUTF8 { bytes in
            Result { () throws(FileError) in try write(UnsafeRawBufferPointer(bytes)) }
        }
        try r.get()
    }

    /// Hands buffered bytes to the (temporary) file now, so that a full disk or an I/O error is reported at this
    /// point rather than at ``commit()``. It does not make the output visible.
    public func flush() throws(FileError) {
        if let failure { throw failure }
        guard !finished else { return }
        try flushBuffer()
    }

    /// Finishes the file: flush, `fsync`, close, rename over the target, `fsync` of the folder. After a failure the
    /// target is untouched and the temporary file removed.
    public func commit() throws(FileError) {
        if let failure { discard(); throw failure }
        guard !finished else { return }
        do throws(FileError) {
            try flushBuffer()
            if fsync(fd) != 0 {
                let e = errno
                // Devices and pipes cannot be synced; for them that is not an error.
                if !(writesThrough && (e == EINVAL || e == EROFS || e == ENOTSUP)) {
                    throw FileError(path: path, operation: "write", errno: e)
                }
            }
            let fd = self.fd
            self.fd = -1
            if close(fd) != 0 && errno != EINTR { throw FileError(path: path, operation: "write", errno: errno) }
            if let temporaryPath {
                if rename(temporaryPath, resolvedPath) != 0 {
                    throw FileError(path: path, operation: "write", errno: errno)
                }
                CleanupOnSignal.unregister(cleanupSlot)
                cleanupSlot = nil
                let dfd = open(parentDirectory(of: resolvedPath), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if dfd >= 0 { _ = fsync(dfd); close(dfd) }
            }
            finished = true
            lock?.release()
            lock = nil
        } catch {
            failure = error
            discard()
            throw error
        }
    }

    /// Abandons the output: the temporary file is removed, the target untouched, the lock released.
    public func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        if !finished, let temporaryPath { unlink(temporaryPath) }
        CleanupOnSignal.unregister(cleanupSlot)
        cleanupSlot = nil
        finished = true
        lock?.release()
        lock = nil
    }

    private func flushBuffer() throws(FileError) {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        let r: Result<Void, FileError> = buffer.withUnsafeBytes { raw in Result { () throws(FileError) in try writeAll(raw) } }
        try r.get()
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                let error = FileError(path: path, operation: "write", errno: errno)
                failure = error
                throw error
            }
            if n == 0 {
                let error = FileError(path: path, operation: "write", errno: EIO, reason: "the write made no progress")
                failure = error
                throw error
            }
            offset += n
        }
    }
}

/// Writes `bytes` to `path` in one go through an ``OutputFile`` (temporary file, fsync, rename).
///
/// - Throws: ``FileError``; the target is then untouched.
public func writeFile(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644, lock: Bool = true)
    throws(FileError)
{
    let file = try OutputFile(path: path, permissions: permissions, lock: lock)
    try file.write(bytes)
    try file.commit()
}

/// Writes the UTF-8 encoding of `text` to `path` in one go through an ``OutputFile``.
public func writeFile(_ text: String, to path: String, permissions: mode_t = 0o644, lock: Bool = true)
    throws(FileError)
{
    try writeFile(Array(text.utf8), to: path, permissions: permissions, lock: lock)
}

/// `write(2)`, named apart from ``OutputFile/write(_:)-(String)``.
@inline(__always)
func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buf, n)
    #elseif canImport(Musl)
    return Musl.write(fd, buf, n)
    #else
    return Darwin.write(fd, buf, n)
    #endif
}
