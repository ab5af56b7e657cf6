// SPDX-License-Identifier: GPL-3.0-or-later
// Example: sample the double well U(x) = (x² − 1)² at T = 0.5 with BAOAB and compare the histogram of x with the
// Boltzmann density exp(−U/T)/Z, where Z comes from GSL's adaptive quadrature.
//
//     swift run -c release double-well-histogram
import GSLSupport
import LangevinCore
import Potentials

let temperature = 0.5
var well = try BuiltinPotential.make(name: "double-well-1d")             // h = 1, a = 1: U = (x² − 1)²
let parameters = LangevinParameters(timeStep: 0.05, temperature: temperature, friction: 1)
var integrator = AnyIntegrator.splitting(try SplittingIntegrator(parameters, scheme: SplittingScheme("BAOAB")))
var random = GSLRandom(algorithm: .mt19937, seed: 2026)
var state = try LangevinState(position: [1.0], field: &well)

// Histogram of x over [−2, 2] in 32 bins.
let lower = -2.0, upper = 2.0, bins = 32
let width = (upper - lower) / Double(bins)
var counts = [Int](repeating: 0, count: bins)
var kept = 0
_ = try runChain(integrator: &integrator, field: &well, state: &state, random: &random,
                 schedule: ChainSchedule(steps: 2_000_000, burnIn: 10_000, thin: 10)) { _, s in
    let x = s.withPosition { $0[0] }
    let b = Int(((x - lower) / width).rounded(.down))
    if b >= 0 && b < bins { counts[b] += 1 }
    kept += 1
}

// The exact density: exp(−U/T)/Z with Z = ∫ exp(−U/T) dx by QAGI.
let boltzmann = { (x: Double) -> Double in
    let u = (x * x - 1) * (x * x - 1)
    return (-u / temperature).exp
}
let z = try Quadrature().integrate(boltzmann, from: -.infinity, to: .infinity).value

print("x         sampled   exact     (density; '#' sampled, '|' exact)")
for b in 0..<bins {
    let x = lower + (Double(b) + 0.5) * width
    let sampled = Double(counts[b]) / (Double(kept) * width)
    let exact = boltzmann(x) / z
    var bar = Array(repeating: Character(" "), count: 50)
    for i in 0..<min(50, Int(sampled * 50)) { bar[i] = "#" }
    let e = min(49, Int(exact * 50))
    bar[e] = "|"
    let line = String(format6(x)).padding(10) + format6(sampled).padding(10) + format6(exact).padding(10)
    print(line + String(bar))
}
print("\(kept) kept states; the two columns agree to within sampling error.")

func format6(_ v: Double) -> String { String((v * 10000).rounded() / 10000) }
extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
extension Double {
    var exp: Double { Glibc.exp(self) }
}
#if canImport(Glibc)
import Glibc
#endif
