// SPDX-License-Identifier: GPL-3.0-or-later
// Where the W1a time goes: the same chain through progressively more of the library.
import Dispatch
import GSLSupport
import LangevinCore
import Potentials

func secondsOf(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
}

/// Steps per second of: a hand-written Swift loop over GSLRandom, `EulerMaruyama.step` on the struct potential,
/// the same on `BuiltinPotential`, and `runChain` with `AnyIntegrator`.
func w1Breakdown(steps: Int) throws -> [(String, Double)] {
    var out: [(String, Double)] = []
    do {
        let r = GSLRandom(algorithm: .mt19937, seed: 42)
        var x = 1.0, y = 0.0, sx2 = 0.0
        let dt = 0.01, s = (2 * dt).squareRoot()
        let t = secondsOf {
            for _ in 0..<steps {
                let gx = 4 * x * (x * x - 1), gy = y
                x += -dt * gx + s * r.nextGaussian()
                y += -dt * gy + s * r.nextGaussian()
                sx2 += x * x
            }
        }
        precondition(sx2.isFinite)
        out.append(("hand-written Swift loop over GSLRandom", Double(steps) / t))
    }
    func stepLoop<E: Energy>(_ energy: E) throws -> Double where E.Scalar == Double {
        var field = energy
        var r = GSLRandom(algorithm: .mt19937, seed: 42)
        var state = try LangevinState(position: [1.0, 0.0], field: &field)
        var em = try EulerMaruyama(LangevinParameters(timeStep: 0.01))
        return Double(steps) / (try secondsOf {
            for _ in 0..<steps { _ = try em.step(&state, field: &field, random: &r) }
        })
    }
    out.append(("EulerMaruyama.step, DoubleWell2D struct", try stepLoop(DoubleWell2D.benchmark)))
    out.append(("EulerMaruyama.step, BuiltinPotential", try stepLoop(BuiltinPotential.make(name: "double-well"))))
    func chainLoop<I: LangevinIntegrator>(_ integrator: I) throws -> Double {
        var field = try BuiltinPotential.make(name: "double-well")
        var r = GSLRandom(algorithm: .mt19937, seed: 42)
        var state = try LangevinState(position: [1.0, 0.0], field: &field)
        var integrator = integrator
        var sx = 0.0
        return Double(steps) / (try secondsOf {
            _ = try runChain(integrator: &integrator, field: &field, state: &state, random: &r,
                             schedule: ChainSchedule(steps: steps, thin: 1000)) { _, s in sx += s.withPosition { $0[0] } }
        })
    }
    let em = try EulerMaruyama(LangevinParameters(timeStep: 0.01))
    out.append(("runChain, EulerMaruyama, BuiltinPotential", try chainLoop(em)))
    out.append(("runChain, AnyIntegrator, BuiltinPotential", try chainLoop(AnyIntegrator.eulerMaruyama(em))))
    return out
}
