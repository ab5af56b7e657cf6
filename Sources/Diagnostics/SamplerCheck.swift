// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

/// The verdict on a sampler's draws, for users' own test suites: passed or failed, the failing checks, and the whole
/// report (the same table and JSON as `langevin check`).
public struct SamplerVerdict: Sendable, Equatable, CustomStringConvertible {
    /// The outcome at the family-wise α of the check.
    public enum Outcome: String, Sendable, Equatable, Codable {
        /// Every p-value test survived Holm's procedure and every R̂ was below its bound.
        case passed
        /// At least one check failed: the draws are not from exp(−U/T)/Z (at the stated α).
        case failed
    }

    public let outcome: Outcome
    /// Every check with its numbers.
    public let report: CheckReport

    public init(report: CheckReport) {
        self.report = report
        self.outcome = report.passed ? .passed : .failed
    }

    /// `outcome == .passed`.
    public var passed: Bool { outcome == .passed }
    /// The checks that failed (empty when passed).
    public var failures: [CheckEntry] { report.failures }
    /// The report as the fixed-width table `langevin check` prints.
    public var description: String { report.renderTable() }
}

/// Checks draws from any sampler against the Boltzmann law exp(−U/T)/Z of an ``Energy``: the same checks, the same
/// reference and the same verdict as `langevin check` on the same draws.
///
/// ```swift
/// let verdict = try SamplerCheck.check(myEnergy, temperature: 1, chains: draws)   // draws[c][t] is a d-vector
/// #expect(verdict.passed, "\(verdict)")
/// ```
///
/// The reference (``target(for:temperature:exact:)``): GSL quadrature of the Boltzmann law when d ≤ 2 (marginal CDFs
/// for KS and χ², ⟨xᵢ⟩, ⟨xᵢ²⟩, ⟨U⟩); for d > 2 only the moments the caller knows (`exact`), plus R̂. The checker is
/// ``standardChecker(alpha:)``: Holm's procedure at family-wise α over KS, χ² and moment z-tests, and the
/// rank-normalised split-R̂ < 1.01. Chains shorter than 50 autocorrelation times are refused with an error, as is
/// anything malformed (unequal dimensions, fewer than 2 chains).
public enum SamplerCheck {
    /// The checker `langevin check` uses: α as given, rank-normalised split-R̂ < 1.01, the other defaults of
    /// ``BoltzmannCheck``.
    public static func standardChecker(alpha: Double = 0.01) -> BoltzmannCheck {
        BoltzmannCheck(familywiseAlpha: alpha, rankNormalizedRHat: true)
    }

    /// The reference for an energy at temperature T > 0: quadrature in one or two dimensions (`exact`, when given,
    /// replaces the quadrature's moments), else a target with the given moments only.
    public static func target<E: Energy>(for energy: E, temperature t: Double, exact: ReferenceMoments? = nil)
        throws(LangevinError) -> BoltzmannTarget where E.Scalar == Double
    {
        guard t.isFinite, t > 0 else {
            throw .invalidParameter("the check needs a temperature T > 0, got \(t) (at T = 0 there is no Boltzmann law)")
        }
        let d = energy.dimension
        let u: ([Double]) -> Double = { x in energy.energy(at: x) }
        let score: ([Double]) -> [Double] = { x in energy.energyAndGradient(at: x).gradient.map { -$0 / t } }
        var target: BoltzmannTarget
        switch d {
        case 1:
            target = BoltzmannTarget(try BoltzmannReference(
                temperature: t, energy: { x in u([x]) }, derivative: { x in energy.energyAndGradient(at: [x]).gradient[0] }))
        case 2:
            target = BoltzmannTarget(try BoltzmannReference(
                temperature: t, energy: { x, y in u([x, y]) },
                gradient: { x, y in let g = energy.energyAndGradient(at: [x, y]).gradient; return (g[0], g[1]) }))
        default:
            target = BoltzmannTarget(dimension: d, exact: exact ?? ReferenceMoments(), energy: u, score: score)
        }
        if let exact { target.exact = exact }
        return target
    }

    /// Checks chains of draws (`chains[c][t]` the d-vector of draw t of chain c) of `energy` at temperature T.
    public static func check<E: Energy>(
        _ energy: E, temperature: Double, chains: [[[Double]]], exact: ReferenceMoments? = nil,
        alpha: Double = 0.01
    ) throws(LangevinError) -> SamplerVerdict where E.Scalar == Double {
        let samples = try CheckSamples(chains: chains, variableNames: energy.variableNames)
        guard samples.dimension == energy.dimension else {
            throw LangevinError(.invalidData,
                "the draws have \(samples.dimension) coordinates, the energy \(energy.dimension)")
        }
        return try check(samples, target: try target(for: energy, temperature: temperature, exact: exact),
                         alpha: alpha)
    }

    /// Checks samples against any target (closed forms, tabulated marginals).
    public static func check(_ samples: CheckSamples, target: BoltzmannTarget, alpha: Double = 0.01)
        throws(LangevinError) -> SamplerVerdict
    {
        guard samples.chains.count >= 2 else {
            throw LangevinError(.invalidData,
                "the check needs at least 2 chains (R̂ compares chains), got \(samples.chains.count)")
        }
        return SamplerVerdict(report: try standardChecker(alpha: alpha).run(samples, target: target))
    }
}
