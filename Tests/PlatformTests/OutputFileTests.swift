// SPDX-License-Identifier: GPL-3.0-or-later
// The one safe writer: atomic replacement, targets that are not regular files, locks, full disks.
import Foundation
import Platform
import Testing

/// A fresh folder under the system's temporary folder.
func scratchFolder(_ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("langevin-platform-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Names in `dir` that are temporary or lock files of the writer.
func leftovers(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".tmp-") || $0.hasSuffix(".lock") }
}

func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

@Suite("Platform: OutputFile")
struct OutputFileTests {
    @Test("Commit replaces the file whole; nothing is visible before; no temporary or lock file remains")
    func commitReplaces() throws {
        let dir = try scratchFolder("commit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.csv"
        try writeFile("old\n", to: path)
        #expect(chmod(path, 0o640) == 0)
        let f = try OutputFile(path: path)
        try f.write("new ")
        try f.write(String(repeating: "x", count: 200_000))  // more than the buffer: streamed
        try f.flush()
        #expect(contents(path) == "old\n", "the target is untouched until commit")
        try f.commit()
        #expect(contents(path) == "new " + String(repeating: "x", count: 200_000))
        #expect(f.bytesWritten == 200_004)
        #expect(leftovers(dir).isEmpty)
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o640, "a replaced file keeps its permissions")
    }

    @Test("Discarding, or dropping without commit, leaves an earlier file untouched and removes the temporary")
    func discardKeepsEarlier() throws {
        let dir = try scratchFolder("discard")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.csv"
        try writeFile("complete\n", to: path)
        do {
            let f = try OutputFile(path: path)
            try f.write("half")
        }
        let g = try OutputFile(path: path)
        try g.write("half")
        g.discard()
        #expect(throws: FileError.self) { try g.write("more") }
        #expect(contents(path) == "complete\n")
        #expect(leftovers(dir).isEmpty)
    }

    @Test("A symbolic link is followed: the file it names is replaced, the link stays a link; dangling links are refused")
    func symbolicLinks() throws {
        let dir = try scratchFolder("link")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try writeFile("old", to: dir + "/real/t.csv")
        #expect(symlink(dir + "/real/t.csv", dir + "/link.csv") == 0)
        try writeFile("new", to: dir + "/link.csv")
        #expect(fileKind(atPath: dir + "/link.csv") == .symbolicLink)
        #expect(contents(dir + "/real/t.csv") == "new")
        #expect(leftovers(dir).isEmpty && leftovers(dir + "/real").isEmpty)
        #expect(symlink(dir + "/nowhere/x", dir + "/dangling") == 0)
        let e = #expect(throws: FileError.self) { try writeFile("x", to: dir + "/dangling") }
        #expect(e?.description.contains("symbolic link") == true)
        #expect(fileKind(atPath: dir + "/dangling") == .symbolicLink)
    }

    @Test("A directory is refused and left as it is")
    func directoryRefused() throws {
        let dir = try scratchFolder("dir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/d", withIntermediateDirectories: true)
        let e = #expect(throws: FileError.self) { try OutputFile(path: dir + "/d") }
        #expect(e?.errno == EISDIR)
        #expect(e?.description.contains(dir + "/d") == true)
        #expect(fileKind(atPath: dir + "/d") == .directory)
        #expect(leftovers(dir).isEmpty)
    }

    @Test("Devices are written through, never replaced; /dev/full reports a full disk")
    func devices() throws {
        let f = try OutputFile(path: "/dev/null")
        #expect(f.writesThrough)
        try f.write("discarded\n")
        try f.commit()
        #expect(fileKind(atPath: "/dev/null") == .special)
        if fileKind(atPath: "/dev/full") == .special {
            let e = #expect(throws: FileError.self) { try writeFile(String(repeating: "y", count: 100_000), to: "/dev/full") }
            #expect(e?.errno == ENOSPC)
            #expect(e?.description.contains("/dev/full") == true)
        }
    }

    @Test("A FIFO: refused at once without a reader, written through with one, and still a FIFO")
    func fifo() throws {
        let dir = try scratchFolder("fifo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/pipe"
        #expect(mkfifo(path, 0o644) == 0)
        let e = #expect(throws: FileError.self) { try OutputFile(path: path) }
        #expect(e?.errno == ENXIO)
        let readFD = open(path, O_RDONLY | O_NONBLOCK)
        #expect(readFD >= 0)
        defer { close(readFD) }
        try writeFile("through the pipe\n", to: path)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(readFD, &buffer, 64)
        #expect(n == 17 && String(decoding: buffer[0..<max(n, 0)], as: UTF8.self) == "through the pipe\n")
        var st = stat()
        #expect(lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
    }

    @Test("Two writers of one output: the second is refused at once; after the first commits, the path is free")
    func lock() throws {
        let dir = try scratchFolder("lock")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.csv"
        let first = try OutputFile(path: path)
        let e = #expect(throws: FileError.self) { try OutputFile(path: path) }
        #expect(e?.description.contains("another process is writing it") == true)
        try first.write("first")
        try first.commit()
        try writeFile("second", to: path)
        #expect(contents(path) == "second")
        #expect(leftovers(dir).isEmpty)
        // A lock file left by a killed process (no flock on it) is taken over.
        #expect(FileManager.default.createFile(atPath: dir + "/.a.csv.lock", contents: nil))
        try writeFile("third", to: path)
        #expect(contents(path) == "third")
    }

    @Test("A full disk (a 256 KiB tmpfs, as root): a typed error naming the file, the earlier file untouched, no temporary left")
    func fullDisk() throws {
        guard getuid() == 0 else {
            print("skipped: mounting a tmpfs needs root")
            return
        }
        let dir = try scratchFolder("full")
        defer { _ = umount(dir); try? FileManager.default.removeItem(atPath: dir) }
        guard mount("tmpfs", dir, "tmpfs", 0, "size=256k") == 0 else {
            print("skipped: cannot mount a tmpfs here (\(systemErrorMessage()))")
            return
        }
        let path = dir + "/a.csv"
        try writeFile("complete\n", to: path)
        let big = String(repeating: "z", count: 1 << 20)
        let e = #expect(throws: FileError.self) { try writeFile(big, to: path) }
        #expect(e?.errno == ENOSPC)
        #expect(e?.description.contains(path) == true)
        #expect(contents(path) == "complete\n")
        #expect(leftovers(dir).isEmpty)
    }

    @Test("makeDirectory creates parents, accepts an existing folder, refuses a file in the way")
    func directories() throws {
        let dir = try scratchFolder("mkdir")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try makeDirectory(dir + "/a/b/c")
        try makeDirectory(dir + "/a/b/c")
        #expect(fileKind(atPath: dir + "/a/b/c") == .directory)
        try checkWritableDirectory(dir + "/a/b/c")
        try writeFile("x", to: dir + "/file")
        #expect(throws: FileError.self) { try makeDirectory(dir + "/file/sub") }
        #expect(throws: FileError.self) { try checkWritableDirectory(dir + "/file") }
        #expect(parentDirectory(of: "a.csv") == "." && parentDirectory(of: "/a.csv") == "/"
                && parentDirectory(of: "x/y/a.csv") == "x/y")
    }

    @Test("Errno messages and the machine's resources")
    func system() {
        #expect(systemErrorMessage(ENOSPC) == "No space left on device")
        #expect((MachineResources.physicalMemory ?? 0) > 1 << 20)
        #expect(MachineResources.freeDiskSpace(atPath: "/") != nil)
        #expect(MachineResources.freeDiskSpace(atPath: "/no/such/folder") == nil)
    }
}

func append(_ file: AppendFile, _ bytes: [UInt8]) throws {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
    defer { copy.deallocate() }
    copy.copyBytes(from: bytes)
    try file.append(UnsafeRawBufferPointer(copy))
}

@Suite("Platform: AppendFile")
struct AppendFileTests {
    @Test("A new file replaces the old; resuming keeps a prefix; a shorter file is refused; a link stays a link")
    func appendAndResume() throws {
        let dir = try scratchFolder("append")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/w.f32"
        try writeFile("old content", to: path)
        do {
            let f = try AppendFile(path: path, keepBytes: nil)
            try append(f, [1, 2, 3, 4, 5, 6])
            #expect(throws: FileError.self) { try AppendFile(path: path, keepBytes: nil) }  // locked
            try f.sync()
            f.close()
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3, 4, 5, 6]))
        do {
            let f = try AppendFile(path: path, keepBytes: 4)
            try append(f, [9])
            #expect(f.size == 5)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3, 4, 9]))
        let e = #expect(throws: FileError.self) { try AppendFile(path: path, keepBytes: 100) }
        #expect(e?.description.contains("fewer than the 100") == true)
        #expect(symlink(path, dir + "/link") == 0)
        _ = try AppendFile(path: dir + "/link", keepBytes: 2)
        #expect(fileKind(atPath: dir + "/link") == .symbolicLink)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2]))
        #expect(throws: FileError.self) { try AppendFile(path: dir, keepBytes: nil) }
        #expect(leftovers(dir).isEmpty)
    }
}
