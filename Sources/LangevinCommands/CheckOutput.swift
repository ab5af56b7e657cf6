// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics

/// Monitors `check` prints beside the verdict (not tests): at equilibrium both temperatures estimate T.
struct CheckMonitors: Encodable {
    /// ⟨|p|²/m⟩/d over kept states (underdamped schemes).
    var kineticTemperature: Double?
    /// ⟨|∇U|²⟩/⟨∇²U⟩ on up to 20 000 evenly spaced draws.
    var configurationalTemperature: Double?
    /// Mean Metropolis acceptance probability (MALA).
    var meanAcceptance: Double?

    var text: String {
        var parts: [String] = []
        if let v = kineticTemperature { parts.append("kinetic temperature \(rounded(v))") }
        if let v = configurationalTemperature { parts.append("configurational temperature \(rounded(v))") }
        if let v = meanAcceptance { parts.append("mean acceptance \(rounded(v))") }
        return parts.joined(separator: ", ")
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        // JSON has no NaN: a monitor that could not be computed is null.
        for (key, value) in [(Keys.kineticTemperature, kineticTemperature),
                             (.configurationalTemperature, configurationalTemperature),
                             (.meanAcceptance, meanAcceptance)] {
            guard let value else { continue }
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
    }

    enum Keys: String, CodingKey { case kineticTemperature, configurationalTemperature, meanAcceptance }
}

/// The run's settings as the JSON report states them; absent ones are omitted.
struct CheckSettings: Encodable {
    /// `sampled` (drawn by this run) or `files` (`--samples`).
    var source: String
    /// `potential NAME` or `energy EXPR`.
    var energy: String
    var temperature: Double
    var alpha: Double
    var integrator: String?
    var dt: Double?
    var friction: Double?
    var mass: Double?
    var steps: Int?
    var burnIn: Int?
    var thin: Int?
    var chains: Int?
    var seed: UInt64?
    var rng: String?
    var drawsPerChain: Int?
    /// `--samples` only: the files, their formats, the columns read.
    var files: [String]?
    var formats: [String]?
    var columns: [String]?

    init(source: String, energy: String, temperature: Double, alpha: Double) {
        self.source = source
        self.energy = energy
        self.temperature = temperature
        self.alpha = alpha
    }
}

/// `check --format json`: the ``CheckReport`` keys (`passed`, `familywiseAlpha`, `rHatThreshold`, `chainCount`,
/// `drawCount`, `checks`) plus `monitors` and `settings`.
struct CheckOutput: Encodable {
    var report: CheckReport
    var monitors: CheckMonitors
    var settings: CheckSettings
    /// The line printed above the table.
    var header: String
    /// Warnings about the chains themselves (a Metropolis chain that accepts almost nothing or everything).
    var flags: [String] = []

    enum Keys: String, CodingKey { case monitors, settings, flags }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(monitors, forKey: .monitors)
        try c.encode(settings, forKey: .settings)
        try c.encode(flags, forKey: .flags)
    }
}
