// SPDX-License-Identifier: GPL-3.0-or-later
import Figures
import Foundation
import LangevinTestSupport

/// Runs the example executables built next to this test bundle (else .build/release or .build/debug of the package).
enum Examples {
    static let packageRoot: URL = LangevinTestSupport.packageRoot()

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
        let r = try runProcess(path, arguments, directory: packageRoot, environment: environment, mergeOutput: true)
        return Result(status: r.status, output: r.stdout)
    }

    static func temporaryDirectory(_ name: String) -> String {
        LangevinTestSupport.temporaryDirectory("langevin-example-tests", name)
    }
}
