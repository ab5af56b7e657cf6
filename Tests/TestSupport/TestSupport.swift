// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers shared by the test targets: temporary folders, child processes, finite differences, test tags.
import Foundation
import Testing

// MARK: - Tags: the test suite's groups

extension Tag {
    /// Fixed-seed statistical tests (tolerances from effective sample sizes); they want a release build.
    @Tag public static var statistical: Self
    /// Tests that run a built executable (`langevin`, the examples) end to end.
    @Tag public static var endToEnd: Self
}

// MARK: - Files and processes

/// The package's root folder (three levels above a file in Tests/TARGET/).
public func packageRoot(filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// The built `langevin` executable: LANGEVIN_BIN when it names one, else .build/release or .build/debug of the
/// package, else `langevin` on PATH.
public func langevinExecutable(packageRoot: URL) -> String {
    if let p = ProcessInfo.processInfo.environment["LANGEVIN_BIN"], FileManager.default.isExecutableFile(atPath: p) {
        return p
    }
    for config in ["release", "debug"] {
        let p = packageRoot.appendingPathComponent(".build/\(config)/langevin").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return "langevin"
}

/// A fresh, empty folder under the system's temporary folder, named after the test process and `name` (so a
/// rerun replaces it and parallel test processes never share one).
public func temporaryDirectory(_ prefix: String, _ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(name)").path
    try? FileManager.default.removeItem(atPath: dir)
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// What a finished child process left behind.
public struct ProcessResult: Sendable {
    /// Its exit status (128 + n reads as "killed by signal n" only through ``terminatedBySignal``).
    public var status: Int32
    /// Whether it ended by a signal (a crash) rather than by exiting.
    public var terminatedBySignal: Bool
    public var stdout: String
    /// Standard error; empty when it was merged into `stdout`.
    public var stderr: String
}

/// Runs `executable ARGS` in `directory` to completion. Output goes to temporary files, not pipes (a chatty process
/// could fill a pipe and block); with `mergeOutput` standard error joins standard output.
public func runProcess(_ executable: String, _ arguments: [String], directory: URL,
                       environment: [String: String?] = [:], mergeOutput: Bool = false) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.currentDirectoryURL = directory
    if !environment.isEmpty {
        // This process's environment with `environment`'s changes (a nil value unsets the variable).
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
    }
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("langevin-test-\(UUID().uuidString)")
    let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL)
    p.standardOutput = out
    p.standardError = mergeOutput ? out : try FileHandle(forWritingTo: errURL)
    try p.run()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, terminatedBySignal: p.terminationReason == .uncaughtSignal,
                         stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                         stderr: mergeOutput ? "" : (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

// MARK: - Finite differences

/// Central differences (f(w + h eⱼ) − f(w − h eⱼ)) / 2h for every coordinate j (error O(h²)).
public func centralDifferenceGradient(at w: [Double], step h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: w.count)
    var v = w
    for j in w.indices {
        v[j] = w[j] + h
        let up = f(v)
        v[j] = w[j] - h
        let down = f(v)
        v[j] = w[j]
        g[j] = (up - down) / (2 * h)
    }
    return g
}

/// ∂f/∂xᵢ by Richardson-extrapolated central differences: with D(h) = (f(x + h eᵢ) − f(x − h eᵢ))/(2h),
/// (4 D(h/2) − D(h))/3 has error O(h⁴); hᵢ = `relativeStep`·max(1, |xᵢ|).
public func richardsonGradient(at x: [Double], relativeStep: Double = 1e-3, _ f: ([Double]) -> Double) -> [Double] {
    (0..<x.count).map { i in
        let h = relativeStep * max(1, abs(x[i]))
        func central(_ h: Double) -> Double {
            var p = x, m = x
            p[i] += h
            m[i] -= h
            return (f(p) - f(m)) / (2 * h)
        }
        return (4 * central(h / 2) - central(h)) / 3
    }
}

/// f′(x) by central differences D(h) = (f(x+h) − f(x−h))/2h at h, h/2, …, h/2⁵, Richardson-extrapolated.
///
/// D(h) = f′ + c₁h² + c₂h⁴ + …; the Neville tableau R[i][j] = (4ʲR[i][j−1] − R[i−1][j−1])/(4ʲ − 1) removes one
/// power of h² per column, so the last entry is accurate to O(h¹²) plus a rounding error of order ε|f|/(h/32).
public func richardsonDerivative(_ f: (Double) -> Double, at x: Double, step h: Double) -> Double {
    var previous: [Double] = []
    var step = h
    for _ in 0..<6 {
        var row = [(f(x + step) - f(x - step)) / (2 * step)]
        var factor = 4.0
        for j in 0..<previous.count {
            row.append((factor * row[j] - previous[j]) / (factor - 1))
            factor *= 4
        }
        previous = row
        step /= 2
    }
    return previous.last!
}
