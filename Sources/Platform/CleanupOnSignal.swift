// SPDX-License-Identifier: GPL-3.0-or-later
import Synchronization

/// Paths to remove if the process is stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT: the temporary files of
/// uncommitted outputs and the lock files of their locks.
///
/// The handler unlinks every registered path (`unlink` is async-signal-safe), restores the default action and
/// raises the signal again, so the process still ends "killed by signal" as the caller expects. SIGKILL cannot be
/// caught: after `kill -9` a temporary `.<name>.tmp-…` file may remain beside the target (the target itself is
/// untouched) and a lock file is left that the next run takes over.
enum CleanupOnSignal {
    /// Slots of `strdup`ed paths; the handler reads them without locking (a slot is only ever swapped whole).
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    static let capacity = 256
    /// A line the handler writes to standard error before it removes the paths (nil: none).
    nonisolated(unsafe) static var notice: (text: UnsafeMutablePointer<CChar>, count: Int)?
    static let state = Mutex<Bool>(false)  // handlers installed

    /// Registers `path`; returns its slot (or nil when all slots are taken: the path is then not cleaned up).
    static func register(_ path: String) -> Int? {
        state.withLock { installed -> Int? in
            if !installed {
                for s in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { installHandler(s) }
                installed = true
            }
            for i in 0..<capacity where slots[i] == nil {
                slots[i] = strdup(path)
                return i
            }
            return nil
        }
    }

    /// Forgets a slot (the path is committed or removed by its owner).
    static func unregister(_ slot: Int?) {
        guard let slot else { return }
        state.withLock { _ in
            let p = slots[slot]
            slots[slot] = nil
            free(p)
        }
    }

    private static func installHandler(_ signalNumber: Int32) {
        // Keep a handler the program installed itself; replace only the default action.
        var old = sigaction()
        sigaction(signalNumber, nil, &old)
        #if canImport(Darwin)
        let isDefault = old.__sigaction_u.__sa_handler == nil
        #else
        let isDefault = old.__sigaction_handler.sa_handler == nil
        #endif
        guard isDefault else { return }
        var action = sigaction()
        #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = cleanupHandler
        #else
        action.__sigaction_handler.sa_handler = cleanupHandler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signalNumber, &action, nil)
    }
}

/// Removes the registered paths, then dies of the same signal.
private func cleanupHandler(_ signalNumber: Int32) {
    if let n = CleanupOnSignal.notice { _ = write(STDERR_FILENO, n.text, n.count) }
    for i in 0..<CleanupOnSignal.capacity {
        if let p = CleanupOnSignal.slots[i] { unlink(p) }
    }
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
}

/// What a process stopped by a signal says on its way out.
public enum SignalNotice {
    /// Sets the line (a newline is added) that the process writes to standard error when SIGINT, SIGTERM, SIGHUP or
    /// SIGQUIT stops it while it holds uncommitted outputs (whose temporary files it removes).
    public static func set(_ text: String) {
        let line = text + "\n"
        guard let copy = strdup(line) else { return }
        CleanupOnSignal.notice = (copy, line.utf8.count)
    }
}
