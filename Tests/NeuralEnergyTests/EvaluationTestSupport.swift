// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for the evaluation tests: a temporary directory, a deterministic generator, error expectations.
import Foundation
import LangevinCore
import Testing

/// A fresh temporary directory, removed with the object — unless `LANGEVIN_TEST_KEEP_DIR` names a directory, in
/// which case files go into a subdirectory `name` of it and are kept (for looking at the figures).
final class EvaluationTempDir {
    let path: String
    private let keep: Bool

    init(_ name: String) throws {
        if let base = ProcessInfo.processInfo.environment["LANGEVIN_TEST_KEEP_DIR"], !base.isEmpty {
            path = base + "/" + name
            keep = true
        } else {
            path = FileManager.default.temporaryDirectory.path + "/langevin-evaluation-test-"
                + String(UInt64.random(in: 0 ... .max), radix: 36)
            keep = false
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { if !keep { try? FileManager.default.removeItem(atPath: path) } }

    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// SplitMix64: a small deterministic generator for test data.
struct TestGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A random probability vector of `classes` entries (normalized exponentials, sharpened by `sharpness`).
    mutating func probabilities(classes: Int, sharpness: Double = 3) -> [Float] {
        let w = (0 ..< classes).map { _ in exp(sharpness * uniform()) }
        let total = w.reduce(0, +)
        return w.map { Float($0 / total) }
    }
}

/// Expects `body` to throw a LangevinError with `code` whose message contains every string of `fragments`.
func expectEvaluationError(_ code: LangevinError.Code, _ fragments: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(code) error", sourceLocation: sourceLocation)
    } catch let error as LangevinError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(error.message.contains(f), "'\(error.message)' lacks '\(f)'", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
