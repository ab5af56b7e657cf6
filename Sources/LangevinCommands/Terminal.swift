// SPDX-License-Identifier: GPL-3.0-or-later
import Platform
import Synchronization

/// Writes a line to standard error.
func printError(_ text: String) {
    // A worker rank stays silent: the root reports for the whole job.
    if let d = DistributedRun.current, d.rank != 0 { return }
    writeStandardError(text + "\n")
}

/// Writes text to standard error, unbuffered.
func writeStandardError(_ text: String) {
    var t = text
    t.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}

/// A progress bar on stderr, drawn only when stderr is a terminal. Thread-safe; redraws at most 1% at a time.
final class ProgressBar: Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let state = Mutex<(done: Int, shownPercent: Int)>((0, -1))

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = isatty(STDERR_FILENO) != 0 && (DistributedRun.current?.rank ?? 0) == 0
    }

    /// Adds `steps` to the count and redraws when the percentage changes.
    func advance(_ steps: Int) {
        guard enabled else { return }
        state.withLock { s in
            s.done += steps
            let percent = min(100, s.done * 100 / total)
            if percent != s.shownPercent {
                s.shownPercent = percent
                let width = 30
                let filled = percent * width / 100
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                writeStandardError("\r\(label) [\(bar)] \(percent)%")
            }
        }
    }

    /// Ends the bar's line.
    func finish() {
        guard enabled else { return }
        writeStandardError("\n")
    }
}
