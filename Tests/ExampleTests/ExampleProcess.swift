// SPDX-License-Identifier: GPL-3.0-or-later
import Figures
import Foundation

/// Runs the example executables built next to this test bundle (else .build/release or .build/debug of the package).
enum Examples {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable `name`.
    static func executable(_ name: String) -> String? {
        var folders = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        // On some platforms the runner sits inside the bundle (NAME.xctest/Contents/MacOS/NAME).
        folders.append(folders[0].deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent())
        for config in ["release", "debug"] { folders.append(packageRoot.appendingPathComponent(".build/\(config)")) }
        for folder in folders {
            let p = folder.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `name ARGS` in the package root to completion; standard output and error together.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        guard let path = executable(name) else {
            throw FigureError(.io, "the example \(name) was not built (swift build -c release --product \(name))")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.currentDirectoryURL = packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-example-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    static func temporaryDirectory(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("langevin-example-tests-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
