// SPDX-License-Identifier: GPL-3.0-or-later
// Temporary speed probe (replaced by the full benchmark once the potentials land).
import LangevinCore
import GSLSupport
import Dispatch

struct DW: Energy {
    typealias Scalar = Double
    var dimension: Int { 2 }
    @inlinable func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let a = x[0] * x[0] - 1
        return a * a + 0.5 * x[1] * x[1]
    }
    @inlinable func energyAndGradient(at x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        let a = x[0] * x[0] - 1
        g[0] = 4 * x[0] * a
        g[1] = x[1]
        return a * a + 0.5 * x[1] * x[1]
    }
}
let steps = 10_000_000
for alg in [GSLAlgorithm.mt19937, .taus2] {
    var field = DW()
    var rng = GSLRandom(algorithm: alg, seed: 42)
    var state = try! LangevinState(position: [1.0, 0.0], field: &field)
    var integ = AnyIntegrator.eulerMaruyama(try! EulerMaruyama(LangevinParameters(timeStep: 0.01)))
    var sx2 = 0.0
    let t0 = DispatchTime.now().uptimeNanoseconds
    _ = try! runChain(integrator: &integ, field: &field, state: &state, random: &rng,
                      schedule: ChainSchedule(steps: steps, thin: 1000)) { _, s in sx2 += s.position[0] * s.position[0] }
    let t1 = DispatchTime.now().uptimeNanoseconds
    print(alg, Double(steps) / (Double(t1 - t0) * 1e-9), sx2 / Double(steps / 1000))
}
