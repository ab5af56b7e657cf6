// SPDX-License-Identifier: GPL-3.0-or-later
// Example: the temperature is the dial between energy and entropy. The double well U(x) = (x² − 1)² sampled with
// BAOAB at T = 0.1, 0.3, 1 and 3, each histogram drawn against the Boltzmann density exp(−U/T)/Z (Z by GSL's
// adaptive quadrature). At low T the particle sits in the minima (energy wins); at high T it spreads over the
// barrier and beyond (entropy wins).
//
//     swift run -c release temperature-dial [OUTPUT-DIRECTORY] [--quick]      → temperature-dial.png
//
// At T = 0.1 the barrier is 10 kT and a chain crosses it about once in 10⁴ time units, far longer than this run: a
// single chain would show one well only. So half the chains start in each well, and the two halves are weighted
// 1/2 each — exactly the weight of each well, by the symmetry x → −x. (Chains that cannot cross barriers are the
// sampler's ergodicity problem; the weighting is exact here only because of the symmetry.)
//
// Assertions: in every bin holding at least 0.5 % of the probability, the sampled density lies within 4.5 standard
// errors of the exact bin average of exp(−U/T)/Z; and ⟨x²⟩ (most sensitive to a wrong temperature) lies within 4
// standard errors of its quadrature value. The standard error comes from the spread between independent
// chains within each half (stratified: SE² = (s₋²/C + s₊²/C)/4 with C chains per half), so it accounts for the
// autocorrelation of each chain without a model of it.
import ExampleSupport
import Figures
import Foundation
import GSLSupport
import LangevinCore
import Potentials

var run = ExampleRun(name: "temperature-dial")
let temperatures = [0.1, 0.3, 1.0, 3.0]
let chainsPerWell = 16
let steps = run.size(full: 400_000, quick: 40_000)
let lower = -2.2, upper = 2.2, bins = 88
let width = (upper - lower) / Double(bins)
let centres = (0 ..< bins).map { lower + (Double($0) + 0.5) * width }
let quadrature = Quadrature()

var panels: [Panel] = []
for (t, temperature) in temperatures.enumerated() {
    var well = try BuiltinPotential.make(name: "double-well-1d")          // h = 1, a = 1: U = (x² − 1)²
    let parameters = LangevinParameters(timeStep: 0.05, temperature: temperature, friction: 1)
    // Density per bin of each chain, for the chains started at x = −1 and at x = +1.
    var perChain: [[[Double]]] = [[], []]
    var secondMoments: [[Double]] = [[], []]                          // each chain's mean of x²
    for (side, start) in [-1.0, 1.0].enumerated() {
        for c in 0 ..< chainsPerWell {
            var integrator = AnyIntegrator.splitting(try SplittingIntegrator(parameters, scheme: SplittingScheme("BAOAB")))
            var random = GSLRandom(algorithm: .taus2, seed: 2026, stream: 1000 * t + 100 * side + c)
            var state = try LangevinState(position: [start], field: &well)
            var xs: [Double] = []
            xs.reserveCapacity(steps / 5)
            _ = try runChain(integrator: &integrator, field: &well, state: &state, random: &random,
                             schedule: ChainSchedule(steps: steps, burnIn: 2_000, thin: 5)) { _, s in
                xs.append(s.withPosition { $0[0] })
            }
            let counts = histogramCounts(xs, lower: lower, upper: upper, bins: bins)
            perChain[side].append(counts.map { Double($0) / (Double(xs.count) * width) })
            secondMoments[side].append(xs.map { $0 * $0 }.reduce(0, +) / Double(xs.count))
        }
    }
    // Stratified estimate: the mean of the two halves' means; its SE from the spread between chains in each half.
    var sampled = [Double](repeating: 0, count: bins), standardError = sampled
    for b in 0 ..< bins {
        var mean = 0.0, variance = 0.0
        for side in 0 ..< 2 {
            let v = perChain[side].map { $0[b] }
            let m = v.reduce(0, +) / Double(v.count)
            let s2 = v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)
            mean += m / 2
            variance += s2 / Double(v.count) / 4
        }
        sampled[b] = mean
        standardError[b] = variance.squareRoot()
    }
    // The exact density, and its average over each bin.
    let boltzmann = { (x: Double) -> Double in let q = x * x - 1; return exp(-q * q / temperature) }
    let z = try quadrature.integrate(boltzmann, from: -.infinity, to: .infinity).value
    let kept = Double(2 * chainsPerWell * (steps / 5))
    // ⟨x²⟩, the summary that is most sensitive to a wrong temperature, against its quadrature value.
    let exactX2 = try quadrature.integrate({ $0 * $0 * boltzmann($0) }, from: -.infinity, to: .infinity).value / z
    let x2 = secondMoments.map { v in v.reduce(0, +) / Double(v.count) }
    let x2Variance = secondMoments.enumerated().map { side, v in
        v.map { ($0 - x2[side]) * ($0 - x2[side]) }.reduce(0, +) / Double(v.count - 1) / Double(v.count) / 4
    }.reduce(0, +)
    run.within("T = \(temperature): <x^2>", measured: (x2[0] + x2[1]) / 2, exact: exactX2,
               standardError: x2Variance.squareRoot(), k: 4)
    for b in 0 ..< bins {
        let a = lower + Double(b) * width
        let mass = try quadrature.integrate(boltzmann, from: a, to: a + width).value / z
        guard mass >= 0.005 else { continue }
        // The SE is never taken below that of independent draws (a floor against an unluckily small spread).
        let floor = (mass * (1 - mass) / kept).squareRoot() / width
        run.within("T = \(temperature), bin [\(format(a)), \(format(a + width))) density",
                   measured: sampled[b], exact: mass / width, standardError: max(standardError[b], floor), k: 4.5)
    }
    let xs = linspace(lower, upper, 441)
    let caption = ["energy wins: in the minima", "mostly in the minima", "the barrier is crossed",
                   "entropy wins: spread out"][t]
    let label = ["0.1", "0.3", "1", "3"][t], barrier = ["10", "3.3", "1", "0.33"][t]
    var panel = Panel(title: "T = \(label): \(caption) (barrier \(barrier) kT)",
                      xLabel: "position x", yLabel: "probability density p(x)",
                      series: [.histogram(centres: centres, heights: sampled, title: "BAOAB samples (histogram)",
                                          colour: Colour.at(t), fill: 0.55),
                               .line(xs, xs.map { boltzmann($0) / z }, title: "exact exp(−U/T)/Z",
                                     colour: .black, width: 2)],
                      xRange: lower ... upper)
    panel.key = "top center"
    let top = max(sampled.max() ?? 1, xs.map { boltzmann($0) / z }.max() ?? 1)
    panel.yRange = 0 ... top * 1.3
    panels.append(panel)
}

var figure = Figure(title: "The temperature dial: U(x) = (x² − 1)², samples against the Boltzmann density",
                    panels: panels, columns: 2, width: 1400, height: 1000)
figure.fontSize = 13
run.draw(figure, name: "temperature-dial")
run.finish()
