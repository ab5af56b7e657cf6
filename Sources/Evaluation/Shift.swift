// SPDX-License-Identifier: GPL-3.0-or-later
// Metrics of a predictive on a shifted test set (e.g. rotated by an angle), for reports and plots.
import LangevinCore

/// The metrics of a predictive on the test set shifted by `angle` (degrees, for a rotation).
public struct ShiftPoint: Sendable, Codable, Equatable {
    public var angle: Double
    public var accuracy: Double
    public var nll: Double
    public var ece: Double
    public var brier: Double
    public init(angle: Double, accuracy: Double, nll: Double, ece: Double, brier: Double) {
        self.angle = angle
        self.accuracy = accuracy
        self.nll = nll
        self.ece = ece
        self.brier = brier
    }
}

/// One run's metrics over a range of shifts, as a plot draws it.
public struct ShiftCurve: Sendable, Codable, Equatable {
    public var label: String
    public var points: [ShiftPoint]
    public init(label: String, points: [ShiftPoint]) {
        self.label = label
        self.points = points
    }
}
