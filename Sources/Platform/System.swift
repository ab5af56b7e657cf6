// SPDX-License-Identifier: GPL-3.0-or-later

// The one place where the C library of the platform is imported for file operations. Other modules that need
// files, errno or the machine's resources import `Platform` and use the functions below.
#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Musl)
@_exported import Musl
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// The C library's message for an `errno` value, e.g. `"No space left on device"`; `"error N"` for an unknown one.
///
/// - Parameter code: an `errno` value; by default the calling thread's current `errno`.
public func systemErrorMessage(_ code: Int32 = errno) -> String {
    guard let message = strerror(code) else { return "error \(code)" }
    return String(cString: message)
}

/// A failed file operation: the path it concerned, what was being done, and the system's reason.
///
/// `description` reads like `cannot write 'out.csv': No space left on device`, so a command line tool can print it
/// as is. `errno` is the system's error number (0 when the failure was detected without one, e.g. a directory given
/// where a file is expected).
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or `standard output`) the operation concerned, as the caller named it.
    public let path: String
    /// The operation, as a verb phrase: `write`, `create the folder`, `lock`, ….
    public let operation: String
    /// The system's error number, or 0.
    public let errno: Int32
    /// Why, in words (the system's message, or an explanation when `errno` is 0).
    public let reason: String

    public init(path: String, operation: String, errno: Int32, reason: String? = nil) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.reason = reason ?? systemErrorMessage(errno)
    }

    public var description: String {
        path == StandardOutput.name
            ? "cannot \(operation) \(path): \(reason)" : "cannot \(operation) '\(path)': \(reason)"
    }
}

/// What kind of object a path names (without following a final symbolic link).
public enum FileKind: Sendable, Equatable {
    /// Nothing is there.
    case missing
    case regular
    case directory
    case symbolicLink
    /// A character or block device, a FIFO or a socket: written through, never replaced.
    case special
}

/// The kind of object at `path`, not following a final symbolic link.
public func fileKind(atPath path: String) -> FileKind {
    var st = stat()
    guard lstat(path, &st) == 0 else { return .missing }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .directory
    case S_IFLNK: return .symbolicLink
    default: return .special
    }
}

/// The folder part of a path (`"."` when it has none, `"/"` for a file in the root).
public func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
}

/// The last component of a path.
public func lastPathComponent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// Creates `path` and any missing parents (mode 0755, less the umask), like `mkdir -p`.
///
/// An existing directory (or a symbolic link to one) is fine. Anything else in the way is an error.
/// - Throws: ``FileError`` naming the folder that could not be created.
public func makeDirectory(_ path: String) throws(FileError) {
    guard !path.isEmpty else { throw FileError(path: path, operation: "create the folder", errno: ENOENT) }
    var st = stat()
    if stat(path, &st) == 0 {
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw FileError(path: path, operation: "create the folder", errno: EEXIST,
                            reason: "a file that is not a folder is in the way")
        }
        return
    }
    let parent = parentDirectory(of: path)
    if parent != path && parent != "." && parent != "/" { try makeDirectory(parent) }
    if mkdir(path, 0o755) != 0 && errno != EEXIST {
        throw FileError(path: path, operation: "create the folder", errno: errno)
    }
    guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
        throw FileError(path: path, operation: "create the folder", errno: EEXIST,
                        reason: "a file that is not a folder is in the way")
    }
}

/// Fails unless the folder `path` exists and a new file can be created in it (checked by creating and removing a
/// probe file, which catches read-only mounts and permissions alike).
public func checkWritableDirectory(_ path: String) throws(FileError) {
    var st = stat()
    guard stat(path, &st) == 0 else { throw FileError(path: path, operation: "write into the folder", errno: errno) }
    guard st.st_mode & S_IFMT == S_IFDIR else {
        throw FileError(path: path, operation: "write into the folder", errno: ENOTDIR)
    }
    let probe = path + "/.langevin-probe-\(getpid())-\(UInt64.random(in: 0 ... .max))"
    // Registered before it exists, as an output's temporary file is, so that a signal cannot leave it behind.
    let slot = CleanupOnSignal.register(probe)
    defer { CleanupOnSignal.unregister(slot) }
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw FileError(path: path, operation: "write into the folder", errno: errno) }
    close(fd)
    unlink(probe)
}

/// The machine's resources, for checking a run's needs before it starts.
public enum MachineResources {
    /// Physical memory in bytes (`sysconf(_SC_PHYS_PAGES) × page size`), or nil when the system does not say.
    public static var physicalMemory: UInt64? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        let (bytes, overflow) = UInt64(pages).multipliedReportingOverflow(by: UInt64(size))
        return overflow ? .max : bytes
    }

    /// Bytes an unprivileged process may still write on the file system holding `path` (`statvfs`: available
    /// blocks × fragment size), or nil when it cannot be told (e.g. `path` does not exist).
    public static func freeDiskSpace(atPath path: String) -> UInt64? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        let (bytes, overflow) = UInt64(s.f_bavail).multipliedReportingOverflow(by: UInt64(s.f_frsize))
        return overflow ? .max : bytes
    }
}
