// SPDX-License-Identifier: GPL-3.0-or-later

/// Standard output written with every error checked: a closed pipe (`EPIPE`), a closed descriptor (`EBADF`) or a
/// full device (`ENOSPC`, e.g. `> /dev/full`) is a ``FileError`` instead of a silently lost result.
///
/// Writes go straight to file descriptor 1 (unbuffered, looped over short writes, `EINTR` retried). A program that
/// wants `EPIPE` reported rather than being killed by SIGPIPE calls ``ignoreBrokenPipeSignal()`` once at start.
public enum StandardOutput {
    /// The name used in error messages.
    public static let name = "standard output"

    /// Set by ``protectStandardDescriptors()`` when the process started with standard output closed.
    nonisolated(unsafe) static var startedClosed = false

    /// Occupies any of the descriptors 0, 1, 2 that the process was started without (`prog >&-`) with `/dev/null`, so
    /// that no file opened later takes its number (and receives what was meant for the terminal), and remembers a
    /// closed standard output so that ``write(_:)`` fails with `EBADF` instead of writing anywhere. Call once at start.
    public static func protectStandardDescriptors() {
        for fd: Int32 in 0 ... 2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            if fd == STDOUT_FILENO { startedClosed = true }
            let null = open("/dev/null", O_RDWR)
            if null >= 0 && null != fd {
                _ = dup2(null, fd)
                _ = systemClose(null)
            }
        }
    }

    /// Writes `text` (UTF-8) to standard output.
    public static func write(_ text: String) throws(FileError) {
        if startedClosed { throw FileError(path: name, operation: "write", errno: EBADF) }
        // Anything the C library buffered goes first, to keep the order.
        fflush(nil)
        var text = text
        let error: FileError? = text.withUTF8 { bytes -> FileError? in
            guard let base = bytes.baseAddress else { return nil }
            var offset = 0
            while offset < bytes.count {
                let n = systemWrite(STDOUT_FILENO, base + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return FileError(path: name, operation: "write", errno: errno)
                }
                offset += n
            }
            return nil
        }
        if let error { throw error }
    }

    /// Writes `text` and a newline.
    public static func printLine(_ text: String) throws(FileError) { try write(text + "\n") }

    /// Flushes the C library's stream buffers (text written by `print` goes to `stdout`'s); throws when that fails.
    public static func flush() throws(FileError) {
        if fflush(nil) != 0 {
            throw FileError(path: name, operation: "write", errno: errno == 0 ? EIO : errno)
        }
    }

    /// Makes a write to a closed pipe fail with `EPIPE` instead of killing the process with SIGPIPE.
    public static func ignoreBrokenPipeSignal() {
        signal(SIGPIPE, SIG_IGN)
    }
}
