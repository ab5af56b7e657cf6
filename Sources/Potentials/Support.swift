// SPDX-License-Identifier: GPL-3.0-or-later
// Elementary functions and parameter checks shared by the potentials (Foundation-free).

import Platform

import LangevinCore

/// log(2π).
@usableFromInline let logTwoPi = 1.8378770664093454835606594728112352797227949472755668

/// Throws unless `value` is finite and > 0.
func requirePositive(_ value: Double, _ what: String) throws(LangevinError) {
    guard value.isFinite, value > 0 else {
        throw .invalidParameter("\(what) must be a finite number > 0, got \(value)")
    }
}

/// Throws unless `value` is finite and ≥ 0.
func requireNonNegative(_ value: Double, _ what: String) throws(LangevinError) {
    guard value.isFinite, value >= 0 else {
        throw .invalidParameter("\(what) must be a finite number ≥ 0, got \(value)")
    }
}

/// Throws unless `value` is finite.
func requireFinite(_ value: Double, _ what: String) throws(LangevinError) {
    guard value.isFinite else { throw .invalidParameter("\(what) must be a finite number, got \(value)") }
}

/// Throws unless `value` is an integer in `range`; returns it as an `Int`.
func requireInteger(_ value: Double, in range: ClosedRange<Int>, _ what: String) throws(LangevinError) -> Int {
    guard value.isFinite, value.rounded() == value, value >= Double(range.lowerBound),
          value <= Double(range.upperBound) else {
        throw .invalidParameter(
            "\(what) must be an integer in \(range.lowerBound)…\(range.upperBound), got \(value)")
    }
    return Int(value)
}
