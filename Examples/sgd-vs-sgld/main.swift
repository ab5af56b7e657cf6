// SPDX-License-Identifier: GPL-3.0-or-later
// Example: SGD finds a point, SGLD finds the posterior. Logistic regression on two features,
//
//     p(y = 1 | x, w) = σ(w₁x₁ + w₂x₂),    prior w ∼ N(0, 4·I),
//
// fitted to 40 synthetic points (drawn here with a fixed seed from w* = (1.5, −1)). The energy is the negative log
// posterior U(w) = Σᵢ NLLᵢ(w) + |w|²/8, estimated on minibatches of B = 10 as (N/B)·Σ_batch NLL + |w|²/8. Both
// optimisers are the *same* Euler–Maruyama step w ← w − h∇Û(w) + √(2hT)·ξ: at T = 0 it is SGD (step size decaying
// as h₀/(1 + t/τ)), at T = 1 it is SGLD. With two parameters the posterior can be drawn exactly on a grid.
//
//     swift run -c release sgd-vs-sgld [OUTPUT-DIRECTORY] [--quick]           → sgd-vs-sgld.png
//
// Assertions (tolerances stated): SGLD's mean and variance of w₁ and w₂ lie within 4 standard errors of the exact
// posterior's (grid) values, the standard errors from the effective sample size of each series; SGD's end point
// lies within a quarter of the smallest posterior standard deviation of the exact mode (MAP, by Newton's method).
// SGLD's own biases (discretisation O(h), minibatch-noise variance inflation h·Var(∇Û)/2 ≈ 1 %) are well below
// the errors at these run lengths.
import Diagnostics
import ExampleSupport
import Figures
import Foundation
import GSLSupport
import LangevinCore

var run = ExampleRun(name: "sgd-vs-sgld")

// MARK: Data and model

let n = 40, batch = 10, priorPrecision = 0.25
let trueWeights = (1.5, -1.0)
/// The data set: x ∼ N(0, I₂), y ∼ Bernoulli(σ(w*·x)), from a fixed seed.
func makeData() -> (features: [(Double, Double)], labels: [Double]) {
    let random = GSLRandom(algorithm: .mt19937, seed: 42)
    var features: [(Double, Double)] = [], labels: [Double] = []
    for _ in 0 ..< n {
        let x = (random.nextGaussian(), random.nextGaussian())
        let p = 1 / (1 + exp(-(trueWeights.0 * x.0 + trueWeights.1 * x.1)))
        features.append(x)
        labels.append(random.nextUniform() < p ? 1 : 0)
    }
    return (features, labels)
}
let (features, labels) = makeData()

func sigmoid(_ a: Double) -> Double { a >= 0 ? 1 / (1 + exp(-a)) : exp(a) / (1 + exp(a)) }
/// −log p(y | x, w) = log(1 + e^a) − y·a with a = w·x, computed without overflow.
func nll(_ a: Double, _ y: Double) -> Double { max(a, 0) + log1p(exp(-abs(a))) - y * a }

/// The full-data energy U(w) = Σ NLL + (λ/2)|w|² with its gradient and Hessian (for the grid and Newton's method).
func fullEnergy(_ w: (Double, Double)) -> (u: Double, g: (Double, Double), h: (Double, Double, Double)) {
    var u = 0.5 * priorPrecision * (w.0 * w.0 + w.1 * w.1)
    var g = (priorPrecision * w.0, priorPrecision * w.1)
    var h = (priorPrecision, 0.0, priorPrecision)
    for (x, y) in zip(features, labels) {
        let a = w.0 * x.0 + w.1 * x.1, s = sigmoid(a)
        u += nll(a, y)
        g.0 += (s - y) * x.0
        g.1 += (s - y) * x.1
        let c = s * (1 - s)
        h = (h.0 + c * x.0 * x.0, h.1 + c * x.0 * x.1, h.2 + c * x.1 * x.1)
    }
    return (u, g, h)
}

/// The minibatch gradient estimator: each call takes the next B points of a shuffled pass through the data (a new
/// shuffle every epoch) and returns (N/B)·Σ_batch NLL + prior, and its gradient — an unbiased estimate of U and ∇U.
struct MinibatchLogistic: GradientEstimator {
    typealias Scalar = Double
    var dimension: Int { 2 }
    var isExact: Bool { false }
    let random: GSLRandom
    var order: [Int] = Array(0 ..< n)
    var cursor = n

    init(seed: UInt64) { random = GSLRandom(algorithm: .taus2, seed: seed) }

    mutating func energyAndGradient(at w: UnsafeBufferPointer<Double>,
                                    gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        if cursor + batch > n {
            for i in stride(from: n - 1, to: 0, by: -1) {         // Fisher–Yates
                order.swapAt(i, Int(random.nextUniform() * Double(i + 1)))
            }
            cursor = 0
        }
        let scale = Double(n) / Double(batch)
        var u = 0.5 * priorPrecision * (w[0] * w[0] + w[1] * w[1])
        gradient[0] = priorPrecision * w[0]
        gradient[1] = priorPrecision * w[1]
        for i in order[cursor ..< cursor + batch] {
            let x = features[i], y = labels[i]
            let a = w[0] * x.0 + w[1] * x.1, s = sigmoid(a)
            u += scale * nll(a, y)
            gradient[0] += scale * (s - y) * x.0
            gradient[1] += scale * (s - y) * x.1
        }
        cursor += batch
        return u
    }
}

// MARK: The exact posterior on a grid

var mode = (0.0, 0.0)
for _ in 0 ..< 50 {                                                // Newton's method for the MAP
    let (_, g, h) = fullEnergy(mode)
    let det = h.0 * h.2 - h.1 * h.1
    mode = (mode.0 - (h.2 * g.0 - h.1 * g.1) / det, mode.1 - (h.0 * g.1 - h.1 * g.0) / det)
}
let hessian = fullEnergy(mode).h
let laplaceSD = ((hessian.2 / (hessian.0 * hessian.2 - hessian.1 * hessian.1)).squareRoot(),
                 (hessian.0 / (hessian.0 * hessian.2 - hessian.1 * hessian.1)).squareRoot())
let gridSize = 241
let w1s = linspace(mode.0 - 7 * laplaceSD.0, mode.0 + 7 * laplaceSD.0, gridSize)
let w2s = linspace(mode.1 - 7 * laplaceSD.1, mode.1 + 7 * laplaceSD.1, gridSize)
let uMode = fullEnergy(mode).u
var density = w1s.map { a in w2s.map { b in exp(-(fullEnergy((a, b)).u - uMode)) } }
let mass = density.joined().reduce(0, +)
density = density.map { $0.map { $0 / mass } }                     // probability per grid cell
var exactMean = (0.0, 0.0), exactVariance = (0.0, 0.0)
for i in 0 ..< gridSize { for j in 0 ..< gridSize {
    exactMean.0 += density[i][j] * w1s[i]
    exactMean.1 += density[i][j] * w2s[j]
} }
for i in 0 ..< gridSize { for j in 0 ..< gridSize {
    exactVariance.0 += density[i][j] * (w1s[i] - exactMean.0) * (w1s[i] - exactMean.0)
    exactVariance.1 += density[i][j] * (w2s[j] - exactMean.1) * (w2s[j] - exactMean.1)
} }
// Density thresholds of the highest-density regions holding 50, 90 and 99 % of the mass.
let sortedCells = density.joined().sorted(by: >)
func threshold(_ q: Double) -> Double {
    var c = 0.0
    for v in sortedCells { c += v; if c >= q { return v } }
    return sortedCells.last!
}
print("exact posterior: mode (\(format(mode.0)), \(format(mode.1))), mean (\(format(exactMean.0)), "
      + "\(format(exactMean.1))), sd (\(format(exactVariance.0.squareRoot())), \(format(exactVariance.1.squareRoot())))")

// MARK: SGD and SGLD: one integrator, two temperatures

var estimator = MinibatchLogistic(seed: 7)
var random = GSLRandom(algorithm: .taus2, seed: 8)
let start = [-2.5, 2.5]
var state = try LangevinState(position: start, field: &estimator)
let sgdSteps = 10_000, h0 = 0.02, tau = 200.0
var sgdPath: [(Double, Double)] = [(start[0], start[1])]
var sgd = try EulerMaruyama(LangevinParameters(timeStep: h0, temperature: 0))
for t in 0 ..< sgdSteps {
    try sgd.setTimeStep(h0 / (1 + Double(t) / tau))   // a decaying learning rate: h(t) = h₀ / (1 + t/τ)
    _ = try sgd.step(&state, field: &estimator, random: &random)
    sgdPath.append(state.withPosition { ($0[0], $0[1]) })
}
let sgdEnd = sgdPath.last!
let distance = ((sgdEnd.0 - mode.0) * (sgdEnd.0 - mode.0) + (sgdEnd.1 - mode.1) * (sgdEnd.1 - mode.1)).squareRoot()
let smallestSD = min(exactVariance.0, exactVariance.1).squareRoot()
run.require(distance <= 0.25 * smallestSD,
            "SGD ends \(format(distance)) from the mode, within 0.25 × the smallest posterior sd (\(format(smallestSD)))")
print("SGD ends at (\(format(sgdEnd.0)), \(format(sgdEnd.1))), \(format(distance)) from the mode")

// SGLD from SGD's end point (a warm start, as in practice), constant step h = 10⁻³, T = 1.
let sgldSteps = run.size(full: 400_000, quick: 100_000)
var sgld = try EulerMaruyama(LangevinParameters(timeStep: 1e-3, temperature: 1))
var w1: [Double] = [], w2: [Double] = []
_ = try runChain(integrator: &sgld, field: &estimator, state: &state, random: &random,
                 schedule: ChainSchedule(steps: sgldSteps, burnIn: 2_000, thin: 1)) { _, s in
    s.withPosition { w1.append($0[0]); w2.append($0[1]) }
}
for (name, series, mean, variance) in [("w1", w1, exactMean.0, exactVariance.0), ("w2", w2, exactMean.1, exactVariance.1)] {
    let e = EffectiveSampleSize.estimate(series)
    run.within("SGLD posterior mean of \(name)", measured: e.mean, exact: mean,
               standardError: (e.variance / e.effectiveSampleSize).squareRoot(), k: 4)
    let squares = series.map { ($0 - e.mean) * ($0 - e.mean) }
    let v = EffectiveSampleSize.estimate(squares)
    run.within("SGLD posterior variance of \(name)", measured: v.mean, exact: variance,
               standardError: (v.variance / v.effectiveSampleSize).squareRoot(), k: 4)
    print("SGLD \(name): mean \(format(e.mean)) (exact \(format(mean))), variance \(format(v.mean)) "
          + "(exact \(format(variance))), ESS \(format(e.effectiveSampleSize))")
}

// MARK: Figure

let shown = stride(from: 0, to: w1.count, by: max(1, w1.count / 800)).map { $0 }
var posterior = Panel(title: "Parameter space: the exact posterior p(w | data)", xLabel: "weight w₁",
                      yLabel: "weight w₂",
                      series: [.grid(.heatMap, xs: w1s, ys: w2s, values: density.map { $0.map { $0 * 1e3 } }),
                               .grid(.contours(levels: [threshold(0.99), threshold(0.9), threshold(0.5)].map { $0 * 1e3 }),
                                     xs: w1s, ys: w2s, values: density.map { $0.map { $0 * 1e3 } },
                                     title: "exact 50 / 90 / 99 % regions", colour: "#202020", width: 1.2),
                               .points(shown.map { w1[$0] }, shown.map { w2[$0] },
                                       title: "SGLD samples (T = 1)", colour: "#7570b3", size: 0.3),
                               .line(sgdPath.map(\.0), sgdPath.map(\.1), title: "SGD path (T = 0)",
                                     colour: "#d95f02", width: 2),
                               .points([start[0]], [start[1]], title: "start", colour: "#d95f02", size: 2, shape: 6),
                               .points([sgdEnd.0], [sgdEnd.1], title: "SGD end point", colour: "#000000", size: 2.5,
                                       shape: 9)])
posterior.xRange = min(start[0] - 0.3, w1s[0]) ... max(w1s[gridSize - 1], 0)
posterior.yRange = min(w2s[0], start[1] - 0.2) ... max(w2s[gridSize - 1], start[1] + 0.3)
posterior.colourBoxLabel = "posterior density (×10⁻³ per cell)"
posterior.key = "bottom left"
posterior.palette = .darkHigh
posterior.equalAspect = true

// Feature space: the data, SGD's decision boundary and a bundle of SGLD's.
let xLine = linspace(-3, 3, 2)   // boundaries drawn where they stay below the legend
func boundary(_ w: (Double, Double)) -> [Double] { xLine.map { -w.0 * $0 / w.1 } }
var data = Panel(title: "Feature space: the data and decision boundaries p = 1/2", xLabel: "feature x₁",
                 yLabel: "feature x₂", xRange: -3 ... 3, yRange: -3 ... 4.6)
for k in stride(from: 0, to: w1.count, by: w1.count / 40) {
    data.series.append(.line(xLine, boundary((w1[k], w2[k])), title: k == 0 ? "40 SGLD samples' boundaries" : nil,
                             colour: "#a0a0d0", width: 1))
}
data.series.append(.line(xLine, boundary(sgdEnd), title: "SGD's boundary", colour: "#d95f02", width: 3))
let ones = features.indices.filter { labels[$0] == 1 }, zeros = features.indices.filter { labels[$0] == 0 }
data.series.append(.points(ones.map { features[$0].0 }, ones.map { features[$0].1 }, title: "y = 1",
                           colour: "#1b9e77", size: 1.4, shape: 7))
data.series.append(.points(zeros.map { features[$0].0 }, zeros.map { features[$0].1 }, title: "y = 0",
                           colour: "#e7298a", size: 1.4, shape: 5))
data.series.append(.line(xLine, [1, 1], title: "slice x₂ = 1 (right panel)", colour: "#555555", width: 1.5,
                         dashed: true))
data.key = "top left"

// Predictive along the slice x₂ = 1: p(y = 1 | x₁, 1) under SGD's point, SGLD's samples and the exact posterior.
let x1s = linspace(-4, 4, 81)
func quantiles(_ values: [Double], weights: [Double]? = nil, _ qs: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    let w = weights ?? [Double](repeating: 1 / Double(values.count), count: values.count)
    var out: [Double] = [], c = 0.0, q = 0
    for i in order {
        c += w[i]
        while q < qs.count && c >= qs[q] { out.append(values[i]); q += 1 }
    }
    while out.count < qs.count { out.append(values[order.last!]) }
    return out
}
let gridWeights = density.joined().map { $0 }
let gridPoints = w1s.flatMap { a in w2s.map { b in (a, b) } }
var sgldBand: [[Double]] = [], exactBand: [[Double]] = [], sgldMean: [Double] = [], exactPredictive: [Double] = []
let thinned = stride(from: 0, to: w1.count, by: max(1, w1.count / 4000)).map { $0 }
for x1 in x1s {
    let p = thinned.map { sigmoid(w1[$0] * x1 + w2[$0]) }
    sgldMean.append(p.reduce(0, +) / Double(p.count))
    sgldBand.append(quantiles(p, [0.05, 0.95]))
    let pe = gridPoints.map { sigmoid($0.0 * x1 + $0.1) }
    exactPredictive.append(zip(pe, gridWeights).map { $0 * $1 }.reduce(0, +))
    exactBand.append(quantiles(pe, weights: gridWeights, [0.05, 0.95]))
}
var predictive = Panel(title: "Prediction along x₂ = 1: a point against a band", xLabel: "feature x₁ (with x₂ = 1)",
                       yLabel: "p(y = 1 | x)",
                       series: [.band(x1s, lower: sgldBand.map { $0[0] }, upper: sgldBand.map { $0[1] },
                                      title: "SGLD: 5–95 % of the samples' p", colour: "#7570b3", fill: 0.35),
                                .line(x1s, sgldMean, title: "SGLD: posterior predictive mean", colour: "#7570b3",
                                      width: 3),
                                .line(x1s, exactPredictive, title: "exact posterior predictive mean (grid)",
                                      colour: .black, width: 1.5, dashed: true),
                                .line(x1s, exactBand.map { $0[0] }, title: "exact 5–95 % band (grid)",
                                      colour: "#444444", width: 1, dashed: true),
                                .line(x1s, exactBand.map { $0[1] }, colour: "#444444", width: 1, dashed: true),
                                .line(x1s, x1s.map { sigmoid(sgdEnd.0 * $0 + sgdEnd.1) }, title: "SGD: one curve, no band",
                                      colour: "#d95f02", width: 3)],
                       xRange: -4 ... 4, yRange: 0 ... 1)
predictive.key = "top left"
var figure = Figure(title: "SGD finds a point, SGLD finds the posterior: logistic regression on two features "
                        + "(N = \(n), minibatch \(batch))",
                    panels: [posterior, data, predictive], columns: 3, width: 1900, height: 680)
figure.fontSize = 13
run.draw(figure, name: "sgd-vs-sgld")
run.finish()
