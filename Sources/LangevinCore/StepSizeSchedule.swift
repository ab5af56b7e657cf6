// SPDX-License-Identifier: GPL-3.0-or-later
import RealModule

/// A step-size schedule h(t) for stochastic-gradient samplers, t = 0, 1, 2, … counting steps.
public enum StepSizeSchedule: Sendable, Equatable, Codable, CustomStringConvertible {
    /// h(t) = a.
    case constant(Double)
    /// h(t) = a·(b + t)^(−γ) (Welling & Teh 2011; γ ∈ (0.5, 1] satisfies the Robbins–Monro conditions).
    case polynomial(a: Double, b: Double, gamma: Double)
    /// Cyclical cosine schedule of Zhang et al. (2020), "Cyclical SG-MCMC": with T total steps in M cycles,
    /// h(t) = (h₀/2)·(cos(π · (t mod ⌈T/M⌉) / ⌈T/M⌉) + 1). The first `explorationFraction` of each cycle is meant for
    /// exploration (no noise, no samples kept), the rest for sampling.
    case cyclical(initial: Double, cycles: Int, totalSteps: Int, explorationFraction: Double)

    /// h(t).
    public func stepSize(at t: Int) -> Double {
        switch self {
        case .constant(let a): return a
        case .polynomial(let a, let b, let gamma): return a * Double.exp(-gamma * Double.log(b + Double(t)))
        case .cyclical(let h0, let m, let total, _):
            let period = max(1, total / m + (total % m == 0 ? 0 : 1))  // ⌈total/m⌉ without overflow
            let r = Double(t % period) / Double(period)
            return h0 / 2 * (Double.cos(Double.pi * r) + 1)
        }
    }

    /// For the cyclical schedule: whether step t is in the exploration stage of its cycle (false otherwise).
    public func isExploring(at t: Int) -> Bool {
        guard case .cyclical(_, let m, let total, let f) = self else { return false }
        let period = max(1, total / m + (total % m == 0 ? 0 : 1))  // ⌈total/m⌉ without overflow
        return Double(t % period) / Double(period) < f
    }

    public func validate() throws(LangevinError) {
        switch self {
        case .constant(let a):
            guard a.isFinite, a > 0 else { throw .invalidParameter("the step size must be a finite number > 0, got \(a)", parameter: "stepSize") }
        case .polynomial(let a, let b, let g):
            guard a.isFinite, a > 0, b.isFinite, b > 0, g.isFinite, g >= 0 else {
                throw .invalidParameter("polynomial schedule a·(b+t)^-γ needs a > 0, b > 0, γ ≥ 0; got a=\(a) b=\(b) γ=\(g)",
                                        parameter: "schedule")
            }
        case .cyclical(let h0, let m, let total, let f):
            guard h0.isFinite, h0 > 0, m >= 1, total >= 1, m <= total, f >= 0, f < 1 else {
                throw .invalidParameter("cyclical schedule needs h0 > 0, 1 ≤ cycles ≤ total steps (\(total)), "
                                        + "0 ≤ exploration < 1; got h0 = \(h0), cycles = \(m), exploration = \(f)",
                                        parameter: "schedule")
            }
        }
    }

    public var description: String {
        switch self {
        case .constant(let a): "constant(\(a))"
        case .polynomial(let a, let b, let g): "polynomial(a=\(a), b=\(b), gamma=\(g))"
        case .cyclical(let h0, let m, _, let f): "cyclical(h0=\(h0), cycles=\(m), exploration=\(f))"
        }
    }
}
