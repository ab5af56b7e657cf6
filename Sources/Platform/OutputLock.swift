// SPDX-License-Identifier: GPL-3.0-or-later

/// An exclusive, advisory lock on an output: `flock` on a hidden lock file `.<name>.lock` beside it.
///
/// Two processes aimed at the same output cannot both hold the lock: the second is refused at once with a message
/// naming the output (it does not wait). The lock dies with its process (`flock` locks are released by the kernel
/// when the descriptor closes, on `kill -9` too), so a lock file left behind by a crash is never stale: the next
/// run takes it over. On ``release()`` (or when the value goes away) the lock file is removed; a process that
/// opened the same lock file just before checks after locking that the path still names the file it locked, and
/// retries otherwise, so removal never lets two holders in.
///
/// A process stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT removes its lock files too.
///
/// The lock is advisory: it keeps out other Langevin processes (and tools that take the same `flock`), not a
/// program that ignores it.
public final class OutputLock {
    /// The output the lock protects.
    public let target: String
    /// The lock file, `.<name>.lock` in the target's folder.
    public let lockPath: String
    private var fd: Int32
    private var cleanupSlot: Int?

    /// Takes the lock for `target` (a file or a folder, existing or not; its folder must exist).
    ///
    /// - Throws: ``FileError`` when another process holds the lock, or when the lock file cannot be created.
    public init(target: String) throws(FileError) {
        self.target = target
        // One lock file per object, however it is spelled: trailing slashes dropped, the folder resolved.
        var trimmed = target
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let name = lastPathComponent(trimmed)
        var directory = parentDirectory(of: trimmed)
        if let real = realpath(directory, nil) {
            directory = String(cString: real)
            free(real)
        }
        let base = name.isEmpty || name == "." || name == ".." || name == "/" ? "output" : name
        self.lockPath = (directory == "/" ? "" : directory) + "/." + base + ".lock"
        var attempts = 0
        while true {
            attempts += 1
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else {
                let e = errno
                throw FileError(path: target, operation: "write", errno: e,
                                reason: "\(systemErrorMessage(e)) (cannot create the lock file \(lockPath))")
            }
            var r: Int32
            repeat { r = flock(fd, LOCK_EX | LOCK_NB) } while r != 0 && errno == EINTR
            if r != 0 {
                let e = errno
                close(fd)
                if e == EWOULDBLOCK {
                    throw FileError(path: target, operation: "write", errno: e,
                                    reason: "another process is writing it (lock \(lockPath) is held); "
                                        + "wait for it to finish or choose another output")
                }
                throw FileError(path: target, operation: "lock", errno: e)
            }
            // The holder before us may have removed the file after we opened it: make sure we locked what the path
            // names now.
            var a = stat(), b = stat()
            if fstat(fd, &a) == 0, stat(lockPath, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
                self.fd = fd
                self.cleanupSlot = CleanupOnSignal.register(lockPath)
                return
            }
            close(fd)
            if attempts >= 100 {
                throw FileError(path: target, operation: "lock", errno: EAGAIN,
                                reason: "the lock file \(lockPath) keeps changing")
            }
        }
    }

    /// Removes the lock file and releases the lock. Releasing twice is harmless.
    public func release() {
        guard fd >= 0 else { return }
        CleanupOnSignal.unregister(cleanupSlot)
        cleanupSlot = nil
        unlink(lockPath)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
