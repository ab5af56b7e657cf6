// SPDX-License-Identifier: GPL-3.0-or-later
// What every teaching example shares: where its figures go, the quick setting its test uses, and the assertions
// that make the example exit non-zero when its numbers disagree with the exact answer.
import Figures
import Foundation

/// The command line of an example: `EXAMPLE [OUTPUT-DIRECTORY] [--quick] [OPTIONS…]`.
///
/// - The first argument that is not an option is the folder the figures are written to (default `out/examples`).
/// - `--quick`, or the environment variable `LANGEVIN_EXAMPLES_QUICK=1`, asks for a short run (what the tests use):
///   the same figures and the same assertions, on fewer steps, so the tolerances (in standard errors) still hold.
/// - `--NAME VALUE` pairs are kept in ``options`` for the example to read.
public struct ExampleRun {
    public let name: String
    public let outputDirectory: String
    public let quick: Bool
    public let options: [String: String]
    private var failures: [String] = []
    private var checks = 0

    public init(name: String, arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        self.name = name
        var directory: String?
        var quick = ProcessInfo.processInfo.environment["LANGEVIN_EXAMPLES_QUICK"].map { $0 == "1" } ?? false
        var options: [String: String] = [:]
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--quick" {
                quick = true
            } else if a == "--help" || a == "-h" {
                print("usage: \(name) [OUTPUT-DIRECTORY (default out/examples)] [--quick]")
                exit(0)
            } else if a.hasPrefix("--") {
                guard i + 1 < arguments.count else { Self.fail(name, "option \(a) needs a value") }
                options[String(a.dropFirst(2))] = arguments[i + 1]
                i += 1
            } else if directory == nil {
                directory = a
            } else {
                Self.fail(name, "unexpected argument '\(a)' (usage: \(name) [OUTPUT-DIRECTORY] [--quick])")
            }
            i += 1
        }
        self.outputDirectory = directory ?? "out/examples"
        self.quick = quick
        self.options = options
    }

    /// The checks that failed so far (one line each).
    public var failedChecks: [String] { failures }
    /// How many checks were made.
    public var checkCount: Int { checks }

    /// `full` normally, `short` with `--quick`.
    public func size<T>(full: T, quick short: T) -> T { quick ? short : full }

    /// Draws `figure` as `OUTPUT-DIRECTORY/NAME.png` and says where; a missing gnuplot ends the example with status 2.
    public func draw(_ figure: Figure, name file: String) {
        do {
            let path = try figure.write(to: outputDirectory, name: file)
            print("figure: \(path)")
        } catch {
            Self.fail(name, error.message, status: 2)
        }
    }

    /// Checks that `measured` lies within `k` standard errors of `exact`; prints one line either way.
    public mutating func within(_ what: String, measured: Double, exact: Double, standardError: Double,
                                k: Double) {
        checks += 1
        let z = (measured - exact) / standardError
        let ok = standardError > 0 && z.isFinite && abs(z) <= k
        let line = "\(what): measured \(format(measured)), exact \(format(exact)), SE \(format(standardError)), "
            + "z = \(format(z)) (tolerance |z| ≤ \(format(k)))"
        if !ok { failures.append(line) }
        if !ok || ProcessInfo.processInfo.environment["LANGEVIN_EXAMPLES_VERBOSE"] == "1" { print(line) }
    }

    /// Records a plain condition (with the reason printed when it fails).
    public mutating func require(_ condition: Bool, _ what: String) {
        checks += 1
        if !condition { failures.append(what) ; print("FAILED: \(what)") }
    }

    /// Prints the verdict and exits: 0 when every check passed, 1 otherwise.
    public func finish() -> Never {
        if failures.isEmpty {
            print("\(name): all \(checks) checks passed")
            exit(0)
        }
        print("\(name): \(failures.count) of \(checks) checks FAILED:")
        for f in failures { print("  " + f) }
        exit(1)
    }

    /// Ends the example with a message on standard error.
    public static func fail(_ name: String, _ message: String, status: Int32 = 64) -> Never {
        FileHandle.standardError.write(Data("\(name): error: \(message)\n".utf8))
        exit(status)
    }
}

/// `v` to four significant digits.
public func format(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    return String(format: "%.4g", v)
}

/// Histogram of `values` over [lower, upper) in `bins` equal bins: the counts.
public func histogramCounts(_ values: [Double], lower: Double, upper: Double, bins: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: bins)
    let width = (upper - lower) / Double(bins)
    for v in values {
        let b = Int(((v - lower) / width).rounded(.down))
        if b >= 0 && b < bins { counts[b] += 1 }
    }
    return counts
}

/// Evenly spaced values from `a` to `b` inclusive.
public func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
    n == 1 ? [a] : (0 ..< n).map { a + (b - a) * Double($0) / Double(n - 1) }
}
