// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import GSLSupport
import LangevinCore

/// A sample mean with its standard error SE = sd/√ESS, the ESS from Geyer's initial monotone sequence estimator.
struct MeanEstimate: CustomStringConvertible {
    var mean: Double
    var standardError: Double
    var effectiveSampleSize: Double
    var description: String { "\(mean) ± \(standardError) (ESS \(Int(effectiveSampleSize)))" }

    init(_ series: [Double]) throws {
        let e = try EffectiveSampleSize.integratedAutocorrelationTime(series)
        mean = e.mean
        effectiveSampleSize = e.effectiveSampleSize
        standardError = (e.variance / e.effectiveSampleSize).squareRoot()
    }

    /// |mean − exact| in standard errors.
    func zScore(_ exact: Double) -> Double { (mean - exact) / standardError }
}

/// Runs one chain and returns the series of f(x) (and g(p) for momenta) at every `record`-th step after burn-in.
func stationarySeries<E: Energy>(
    energy: E, integrator: AnyIntegrator, seed: UInt64, steps: Int, burnIn: Int, record: Int = 1,
    start: [Double], algorithm: GSLAlgorithm = .mt19937,
    position f: (Double) -> Double = { $0 * $0 }
) throws -> (x: [Double], p: [Double]) where E.Scalar == Double {
    try stationarySeries(energy: energy, integrator: integrator, random: GSLRandom(algorithm: algorithm, seed: seed),
                         steps: steps, burnIn: burnIn, record: record, start: start, position: f)
}

/// The same over any random source.
func stationarySeries<E: Energy, R: RandomSource>(
    energy: E, integrator: AnyIntegrator, random: R, steps: Int, burnIn: Int, record: Int = 1,
    start: [Double], position f: (Double) -> Double = { $0 * $0 }
) throws -> (x: [Double], p: [Double]) where E.Scalar == Double {
    var field = energy
    var random = random
    var state = try LangevinState(position: start, field: &field)
    var integrator = integrator
    var xs: [Double] = [], ps: [Double] = []
    xs.reserveCapacity(steps / record)
    _ = try runChain(integrator: &integrator, field: &field, state: &state, random: &random,
                     schedule: ChainSchedule(steps: steps, burnIn: burnIn, thin: record)) { _, s in
        xs.append(f(s.withPosition { $0[0] }))
        if s.hasMomentum { ps.append(s.withMomentum { $0[0] * $0[0] }) }
    }
    return (xs, ps)
}
