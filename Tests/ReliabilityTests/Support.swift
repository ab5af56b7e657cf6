// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinTestSupport

/// Runs the built `langevin` (LANGEVIN_BIN, else .build/release or .build/debug of this package), with standard
/// output going where a test says: a file, a device such as /dev/full, or a pipe whose reader is gone.
enum Langevin {
    static let packageRoot: URL = LangevinTestSupport.packageRoot()

    static var executable: String { langevinExecutable(packageRoot: packageRoot) }

    struct Result {
        var status: Int32
        var signaled: Bool
        var stdout: String
        var stderr: String
    }

    enum Output { case file, device(String), brokenPipe }

    static func process(_ arguments: [String]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        return p
    }

    /// Runs `langevin ARGS` to completion.
    @discardableResult
    static func run(_ arguments: [String], stdout: Output = .file) throws -> Result {
        let p = process(arguments)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-rel-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        var pipe: Pipe? = nil
        switch stdout {
        case .file: p.standardOutput = try FileHandle(forWritingTo: outURL)
        case .device(let path): p.standardOutput = FileHandle(forWritingAtPath: path)
        case .brokenPipe:
            let q = Pipe()
            try q.fileHandleForReading.close()
            p.standardOutput = q
            pipe = q
        }
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        _ = pipe
        return Result(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Starts `langevin ARGS` without waiting; its output is discarded.
    static func start(_ arguments: [String]) throws -> Process {
        let p = process(arguments)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Starts `langevin ARGS` with every signal at its default action (a test runner may hand its children SIGINT
    /// and SIGTERM ignored) and output discarded; returns the process id, for `kill` and ``waitStatus(_:)``.
    static func spawnWithDefaultSignals(_ arguments: [String], closeStandardOutput: Bool = false) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if closeStandardOutput {
            posix_spawn_file_actions_addclose(&actions, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard r == 0 else { throw POSIXError(POSIXErrorCode(rawValue: r) ?? .EIO) }
        return pid
    }

    /// Waits for `pid`; returns (exited normally, exit status or signal number).
    static func waitStatus(_ pid: pid_t) -> (exited: Bool, code: Int32) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? (true, (status >> 8) & 0xFF) : (false, signal)
    }

    /// A fresh, empty folder for one test.
    static func folder(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("langevin-reliability-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Waits (up to `seconds`) until `condition` holds; returns whether it did.
    static func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }
}

/// Temporary and lock files of the writer left in `dir`.
func leftovers(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".tmp-") || $0.hasSuffix(".lock") }
}

func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

/// MNIST-shaped digits as CSV (784 pixels, then the label; or the label first), 10 classes of `perClass` images:
/// class k is a bright bar in rows 2k+2…2k+5.
func writeDigitsCSV(_ path: String, perClass: Int, labelFirst: Bool = false) throws {
    var text = ""
    for k in 0..<10 {
        for i in 0..<perClass {
            var pixels = [Int](repeating: 0, count: 784)
            for r in (2 * k + 2)...(2 * k + 5) { for c in 4..<24 { pixels[r * 28 + c] = 200 + (i % 50) } }
            pixels[(i * 37) % 784] = 255
            let fields = labelFirst ? [k] + pixels : pixels + [k]
            text += fields.map(String.init).joined(separator: ",") + "\n"
        }
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// An IDX folder (train and t10k images and labels) of `count` blank `rows × cols` images.
func writeIDXFolder(_ dir: String, count: Int, rows: Int, cols: Int) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func be(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    for prefix in ["train", "t10k"] {
        let images = be(0x803) + be(count) + be(rows) + be(cols) + [UInt8](repeating: 0, count: count * rows * cols)
        let labels = be(0x801) + be(count) + (0..<count).map { UInt8($0 % 10) }
        try Data(images).write(to: URL(fileURLWithPath: dir + "/\(prefix)-images-idx3-ubyte"))
        try Data(labels).write(to: URL(fileURLWithPath: dir + "/\(prefix)-labels-idx1-ubyte"))
    }
}

/// The last component of a path.
func lastComponent(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
