// SPDX-License-Identifier: GPL-3.0-or-later
internal import CZlib
import LangevinCore
import Platform

/// A data file opened for reading, raw or gzip-compressed: the difference is found from the content (the gzip magic
/// bytes 1f 8b), not from the name, so `x.gz` holding raw bytes and `x` holding gzip both read correctly.
///
/// Reading goes through zlib's `gz*` API, which copies raw files through unchanged ("transparent" mode).
/// Every read checks zlib's error state, so a corrupt or truncated gzip stream (bad block, CRC or length mismatch,
/// unexpected end of file) is reported as `.invalidData` naming the file, never returned as short data.
///
/// Memory: nothing here allocates from a size announced by the file. ``read(upTo:)`` grows its buffer as bytes
/// actually arrive (doubling from 1 MiB), so a header that lies about its size costs at most about twice the real
/// (decompressed) content, plus 1 MiB.
final class DataFile {
    /// The path as given, used in error messages.
    let path: String
    /// `true` when the content is gzip-compressed.
    let isCompressed: Bool
    /// The size of the file on disk in bytes (of the compressed stream when ``isCompressed``).
    let sizeOnDisk: Int
    private let handle: gzFile

    /// Opens `path`; `.io` if it is missing, unreadable or not a regular file.
    init(path: String) throws(LangevinError) {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw LangevinError(.io, "file \(path): cannot open: \(FileSystem.errnoDescription())")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw LangevinError(.io, "file \(path): not a regular file")
        }
        guard let h = gzopen(path, "rb") else {
            throw LangevinError(.io, "file \(path): cannot open: \(FileSystem.errnoDescription())")
        }
        handle = h
        sizeOnDisk = Int(st.st_size)
        _ = gzbuffer(h, 1 << 17)
        // gzdirect reads the first bytes to look for a gzip header; a read error there surfaces on the next read.
        isCompressed = gzdirect(h) == 0
    }

    deinit { gzclose_r(handle) }

    /// Throws if zlib recorded an error on this file.
    private func checkError() throws(LangevinError) {
        var errnum: Int32 = 0
        guard let message = gzerror(handle, &errnum), errnum != Z_OK else { return }
        var text = String(cString: message)
        if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }  // zlib prefixes the path
        if errnum == Z_ERRNO {
            throw LangevinError(.io, "file \(path): read error: \(FileSystem.errnoDescription())")
        }
        if errnum == Z_BUF_ERROR {
            throw LangevinError(.invalidData, "file \(path): corrupt gzip data: the compressed stream is truncated (\(text))")
        }
        throw LangevinError(.invalidData, "file \(path): corrupt gzip data (\(text))")
    }

    /// Fills `buffer` as far as the data allow; returns the number of bytes read (less than the buffer's size only
    /// at the end of the data).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LangevinError) -> Int {
        var done = 0
        while done < buffer.count {
            let want = UInt32(min(buffer.count - done, 1 << 30))
            let got = gzread(handle, buffer.baseAddress! + done, want)
            try checkError()
            if got < 0 {
                throw LangevinError(.io, "file \(path): read error")
            }
            if got == 0 { break }
            done += Int(got)
        }
        return done
    }

    /// Reads exactly `count` bytes, or fewer only at the end of the data. The buffer starts at 1 MiB (or `count`
    /// if smaller) and doubles only when it is full, so memory follows the data actually present.
    func read(upTo count: Int) throws(LangevinError) -> [UInt8] {
        // A raw file's size on disk bounds its content; one byte more lets the end be seen without growing.
        var capacity = min(count, isCompressed ? 1 << 20 : max(sizeOnDisk + 1, 1 << 20))
        var storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 1)
        defer { storage.deallocate() }
        var filled = 0
        while filled < count {
            if filled == capacity {
                capacity = min(count, 2 * capacity)
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
                larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0 ..< filled]))
                storage.deallocate()
                storage = larger
            }
            let want = capacity - filled
            let got = try read(into: UnsafeMutableRawBufferPointer(rebasing: storage[filled ..< capacity]))
            filled += got
            if got < want { break }
        }
        return [UInt8](unsafeUninitializedCapacity: filled) { out, initialized in
            if filled > 0 { UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0 ..< filled])) }
            initialized = filled
        }
    }

    /// Reads and discards the rest of the data; returns how many bytes there were (0 at the end of the data).
    /// Reading to the end also makes zlib verify the gzip trailer (CRC-32 and length).
    func countRemaining() throws(LangevinError) -> Int {
        var total = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
        defer { scratch.deallocate() }
        while true {
            let got = try read(into: scratch)
            total += got
            if got < scratch.count { return total }
        }
    }
}

/// Small POSIX file-system helpers (no Foundation).
enum FileSystem {
    /// The text of the current `errno`.
    static func errnoDescription() -> String {
        String(cString: strerror(errno))
    }

    /// `true` if `path` exists (following links).
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// `true` if `path` is a directory (following links).
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `true` if `path` is a regular file (following links).
    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// The names in directory `path` (without "." and ".."), sorted by their UTF-8 bytes so that results do not
    /// depend on the order of the directory on disk.
    static func list(_ path: String) throws(LangevinError) -> [String] {
        guard let dir = opendir(path) else {
            throw LangevinError(.io, "directory \(path): cannot open: \(errnoDescription())")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// `directory/name`, without doubling a trailing slash.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
