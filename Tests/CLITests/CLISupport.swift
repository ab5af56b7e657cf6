// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinTestSupport

/// Runs the built `langevin` executable (LANGEVIN_BIN, else .build/release or .build/debug of this package).
struct CLI {
    static let packageRoot: URL = LangevinTestSupport.packageRoot()

    static var executable: String { langevinExecutable(packageRoot: packageRoot) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `langevin ARGS` to completion, with `environment` changed from this process's (nil: unset).
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Result {
        let r = try runProcess(executable, arguments, directory: packageRoot, environment: environment)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
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
        LangevinTestSupport.temporaryDirectory("langevin-cli-tests", name)
    }
}
