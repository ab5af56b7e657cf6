// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// Runs the built `langevin` executable (LANGEVIN_BIN, else .build/release or .build/debug of this package).
struct CLI {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: String {
        if let p = ProcessInfo.processInfo.environment["LANGEVIN_BIN"], FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        for config in ["release", "debug"] {
            let p = packageRoot.appendingPathComponent(".build/\(config)/langevin").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return "langevin"
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `langevin ARGS` to completion, with `environment` changed from this process's (nil: unset).
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (name, value) in environment { env[name] = value }
            p.environment = env
        }
        // Output goes to files (pipes could fill up and block a chatty process).
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-cli-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus,
                      stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Starts `langevin ARGS` without waiting.
    static func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func temporaryDirectory(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("langevin-cli-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
