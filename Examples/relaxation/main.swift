// SPDX-License-Identifier: GPL-3.0-or-later
// Example: relaxation to equilibrium. Overdamped Langevin chains (Euler–Maruyama, the update SGLD uses) started far
// from equilibrium on the Müller–Brown surface (scale 0.1, T = 2) first run downhill — the gradient wins, as in
// training — then wander among the basins until their energy fluctuates about its equilibrium mean ⟨U⟩.
//
//     swift run -c release relaxation [OUTPUT-DIRECTORY] [--quick]            → relaxation.png
//
// ⟨U⟩ = ∫ U exp(−U/T) / ∫ exp(−U/T) is computed on a grid (the trapezoid rule over a box holding all the mass; it
// converges faster than any power of the spacing for a smooth, decaying integrand; the program prints the change
// from halving the spacing).
//
// Assertion: the mean over 64 independent chains of each chain's time average of U over the second half of the run
// lies within 4 standard errors of the exact ⟨U⟩ (SE = spread of the 64 time averages / √64: independent chains,
// so no model of the autocorrelation is needed). Euler–Maruyama's O(h) bias at h = 10⁻⁴ is part of what remains
// (about T·hλ/4 ≈ 0.02 in ⟨U⟩ from the stiffest curvature, λ = 407 at the deepest minimum); the full run measures
// −11.27 ± 0.05 against −11.35 (1.7 SE), so a much longer run would resolve the bias and need a smaller h. T = 2
// rather than 1 so that the chains cross the barriers between the basins (2 to 5 kT high) within the run.
import ExampleSupport
import Figures
import Foundation
import GSLSupport
import LangevinCore
import Potentials

var run = ExampleRun(name: "relaxation")
let temperature = 2.0
let timeStep = 1e-4
let steps = run.size(full: 2_000_000, quick: 300_000)
let starts: [[Double]] = [[-1.4, 2.0], [1.0, 1.6], [1.1, -0.4], [-1.5, 0.0]]
let chainsPerStart = 16
let surface = try MuellerBrown(scale: 0.1)
var field = surface
func energy(_ x: Double, _ y: Double) -> Double { [x, y].withUnsafeBufferPointer { surface.energy(at: $0) } }

// The exact equilibrium mean energy on a grid (spacing 0.004, and 0.008 to show the grid has converged).
func gridMeanEnergy(spacing: Double) -> Double {
    var z = 0.0, s = 0.0
    let shift = MuellerBrown.minima[0].energy * 0.1     // the lowest energy, so the weights stay ≤ 1
    var x = -2.0
    while x <= 1.4 {
        var y = -0.8
        while y <= 2.6 {
            let u = energy(x, y)
            let w = exp(-(u - shift) / temperature)
            z += w
            s += w * u
            y += spacing
        }
        x += spacing
    }
    return s / z
}
let exactMean = gridMeanEnergy(spacing: 0.004)
print("exact <U> at T = \(temperature): \(format(exactMean)) (grid spacing 0.004; spacing 0.008 gives "
      + "\(format(gridMeanEnergy(spacing: 0.008))))")

// The chains. Energies are recorded at steps spaced evenly on a log scale (about 90 per decade from step 10);
// the first chain from each start keeps its path over the first `pathSteps` steps.
var integrator = try EulerMaruyama(LangevinParameters(timeStep: timeStep, temperature: temperature, friction: 1))
func recorded(_ t: Int) -> Bool {
    var stride = 1
    while stride * 1000 <= t { stride *= 10 }
    return t % max(10, stride) == 0
}
let recordSteps = (1 ... steps).filter(recorded)
let records = recordSteps.count
let pathSteps = 10_000
var meanEnergy = [Double](repeating: 0, count: records)
var allEnergies: [[Double]] = []
var shownEnergy: [[Double]] = []
var paths: [[(Double, Double)]] = []
var lateAverages: [Double] = []
for (s, start) in starts.enumerated() {
    run.require(energy(start[0], start[1]) > exactMean + 10,
                "start \(start) is far from equilibrium (U = \(format(energy(start[0], start[1]))))")
    for c in 0 ..< chainsPerStart {
        var random = GSLRandom(algorithm: .taus2, seed: 7, stream: 100 * s + c)
        var state = try LangevinState(position: start, field: &field)
        var energies: [Double] = []
        energies.reserveCapacity(records)
        var path: [(Double, Double)] = [(start[0], start[1])]
        var late = 0.0, lateCount = 0
        for t in 1 ... steps {
            let info = try integrator.step(&state, field: &field, random: &random)
            if t > steps / 2 { late += info.energy; lateCount += 1 }
            if c == 0 && t % 10 == 0 && t <= pathSteps {
                path.append(state.withPosition { ($0[0], $0[1]) })
            }
            if recorded(t) { energies.append(info.energy) }
        }
        for i in 0 ..< records { meanEnergy[i] += energies[i] / Double(starts.count * chainsPerStart) }
        lateAverages.append(late / Double(lateCount))
        allEnergies.append(energies)
        if c == 0 {
            shownEnergy.append(energies)
            paths.append(path)
        }
    }
}
let m = Double(lateAverages.count)
let lateMean = lateAverages.reduce(0, +) / m
let lateSE = (lateAverages.map { ($0 - lateMean) * ($0 - lateMean) }.reduce(0, +) / (m - 1) / m).squareRoot()
run.within("<U> over the second half of \(Int(m)) chains", measured: lateMean, exact: exactMean,
           standardError: lateSE, k: 4)
print("mean energy over the second half: \(format(lateMean)) ± \(format(lateSE)); exact \(format(exactMean))")

// Left: the surface (heat map, clipped at U = 4 for contrast, and contours) with the first paths.
let xs = linspace(-1.7, 1.3, 151), ys = linspace(-0.5, 2.2, 136)
let values = xs.map { x in ys.map { y in min(energy(x, y), 4) } }
var surfacePanel = Panel(title: "Paths over the energy surface (t ≤ \(format(Double(pathSteps) * timeStep)))",
                         xLabel: "x", yLabel: "y",
                         series: [.grid(.heatMap, xs: xs, ys: ys, values: values),
                                  .grid(.contours(levels: stride(from: -14.0, through: 3, by: 1.5).map { $0 }),
                                        xs: xs, ys: ys, values: values, colour: "#303030", width: 0.6)],
                         xRange: -1.7 ... 1.3, yRange: -0.5 ... 2.2)
surfacePanel.equalAspect = true
surfacePanel.colourBoxLabel = "U(x, y) (kT; clipped at 4)"
surfacePanel.key = nil          // the chains are named in the right panel, in the same colours
let pathColours: [Colour] = ["#ff7f00", "#e41a1c", "#984ea3", "#00b140"]
for (s, path) in paths.enumerated() {
    surfacePanel.series.append(.line(path.map(\.0), path.map(\.1), title: "chain from (\(format(starts[s][0])), "
        + "\(format(starts[s][1])))", colour: pathColours[s], width: 1.2))
    surfacePanel.series.append(.points([starts[s][0]], [starts[s][1]], colour: pathColours[s], size: 2.2, shape: 7))
}
surfacePanel.labels = [("A", MuellerBrown.minima[0].x + 0.05, MuellerBrown.minima[0].y + 0.1),
                       ("B", MuellerBrown.minima[1].x + 0.05, MuellerBrown.minima[1].y + 0.1),
                       ("C", MuellerBrown.minima[2].x + 0.05, MuellerBrown.minima[2].y + 0.1)]
    .map { (x: $0.1, y: $0.2, text: $0.0) }

// Right: energy against time (log scale), the chains shown and the mean of all 64, against ⟨U⟩.
let times = recordSteps.map { Double($0) * timeStep }
var energyPanel = Panel(title: "Energy against time: relaxation to ⟨U⟩", xLabel: "time t = steps × h (log scale)",
                        yLabel: "energy U (kT)")
energyPanel.logX = true
// The 10–90 % range of the 64 chains' energies at each time, then one chain from each start, then the mean.
func quantile(_ v: [Double], _ q: Double) -> Double { let s = v.sorted(); return s[Int(q * Double(s.count - 1))] }
let spread = (0 ..< records).map { i in allEnergies.map { $0[i] } }
energyPanel.series.append(.band(times, lower: spread.map { quantile($0, 0.1) }, upper: spread.map { quantile($0, 0.9) },
                                title: "10–90 % of the \(allEnergies.count) chains", colour: "#888888", fill: 0.3))
// Single chains are drawn while they relax (t ≤ 2); after that the band and the mean tell the story.
let early = times.prefix { $0 <= 2 }.count
for (s, e) in shownEnergy.enumerated() {
    energyPanel.series.append(.line(Array(times.prefix(early)), Array(e.prefix(early)),
                                    title: "chain from (\(format(starts[s][0])), \(format(starts[s][1])))",
                                    colour: pathColours[s], width: 0.8))
}
energyPanel.series.append(.line(times, meanEnergy, title: "mean of \(Int(m)) chains", colour: .black, width: 3))
energyPanel.series.append(.line([times[0], times[times.count - 1]], [exactMean, exactMean],
                                title: "equilibrium ⟨U⟩ = \(format(exactMean)) (exact, grid)",
                                colour: "#377eb8", width: 2.5, dashed: true))
energyPanel.yRange = (exactMean - 6) ... 14
energyPanel.key = "top right"
var figure = Figure(title: "Relaxation to equilibrium: overdamped Langevin on the Müller–Brown surface (×0.1, T = 2, "
                        + "h = 10⁻⁴)",
                    panels: [surfacePanel, energyPanel], columns: 2, width: 1600, height: 700)
figure.fontSize = 13
run.draw(figure, name: "relaxation")
run.finish()
