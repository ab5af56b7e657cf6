// SPDX-License-Identifier: GPL-3.0-or-later
import GSLSupport
import LangevinCore
import Potentials

extension ReferenceMoments {
    /// The moments a check compares against, from what a potential knows exactly (``ExactMoments``: the one model
    /// of exact moments; unknown entries stay unknown).
    public init(_ exact: ExactMoments) {
        self.init(means: exact.means ?? [], variances: exact.variances ?? [], meanEnergy: exact.meanEnergy)
    }
}

extension BoltzmannTarget {
    /// N(μ, σ²) independently per coordinate with its exact marginal CDFs and quantiles: the Boltzmann law of
    /// U = Σ (xᵢ − μᵢ)²·T/(2σᵢ²) at temperature T. `energy` and `score` default to that U at T = 1 and its
    /// −∇U; `meanEnergy` defaults to d/2 (⟨U⟩ = dT/2).
    public static func gaussian(means: [Double], variances: [Double], meanEnergy: Double?,
                                energy: @escaping ([Double]) -> Double,
                                score: @escaping ([Double]) -> [Double]) -> BoltzmannTarget {
        let d = means.count
        precondition(variances.count == d, "gaussian target: one variance per mean")
        let sd = variances.map { $0.squareRoot() }
        return BoltzmannTarget(
            dimension: d,
            exact: ReferenceMoments(means: means, variances: variances, meanEnergy: meanEnergy),
            marginalCDFs: (0..<d).map { i in { GSLDistributions.normalCDF(($0 - means[i]) / sd[i]) } },
            marginalQuantiles: (0..<d).map { i in { means[i] + sd[i] * GSLDistributions.normalQuantile($0) } },
            energy: energy, score: score)
    }

    /// The exact target of a built-in potential at temperature T: closed forms where they exist (harmonic wells:
    /// Gaussian; Rosenbrock: a Gaussian in x and a Gaussian in y around x²), else GSL quadrature in one or two
    /// dimensions, else the potential's exact moments (``SamplerCheck/target(for:temperature:exact:)``).
    public static func builtin(_ p: BuiltinPotential, temperature t: Double) throws(LangevinError) -> BoltzmannTarget {
        guard t.isFinite, t > 0 else {
            throw .invalidParameter("the check needs a temperature T > 0, got \(t) (at T = 0 there is no Boltzmann law)",
                                    parameter: "temperature")
        }
        let score: ([Double]) -> [Double] = { x in p.energyAndGradient(at: x).gradient.map { -$0 / t } }
        let energy: ([Double]) -> Double = { x in p.energy(at: x) }
        if case .harmonic(let h) = p {
            return .gaussian(means: h.center, variances: h.stiffness.map { t / $0 },
                             meanEnergy: Double(h.dimension) * t / 2, energy: energy, score: score)
        }
        if case .rosenbrock(let r) = p, let law = r.boltzmannLaw(temperature: t), let m = r.exactMoments(temperature: t) {
            return .parabolicGaussian(mean: law.xMean, variance: law.xVariance,
                                      conditionalVariance: law.yConditionalVariance, exact: ReferenceMoments(m),
                                      energy: energy, score: score)
        }
        let exact = p.dimension > 2 ? p.exactMoments(temperature: t).map(ReferenceMoments.init) : nil
        return try SamplerCheck.target(for: p, temperature: t, exact: exact)
    }
}
