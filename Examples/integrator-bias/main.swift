// SPDX-License-Identifier: GPL-3.0-or-later
// Example: the time-step bias of Euler–Maruyama against BAOAB, OBABO and MALA on the harmonic well U = kx²/2
// (k = 1, T = 1, γ = 1, m = 1), measured and compared with the exact stationary moments of each discrete scheme.
//
//     swift run -c release integrator-bias [OUTPUT-DIRECTORY] [--quick]       → integrator-bias.png
//
// Exact stationary moments of the discrete-time chains (h the time step):
//   Euler–Maruyama:  ⟨x²⟩ = T / (k (1 − kh/2))              bias O(h)   (stable for h < 2)
//   BAOAB:           ⟨x²⟩ = T/k exactly,  ⟨p²⟩ = mT (1 − h²k/(4m))
//   OBABO:           ⟨x²⟩ = T / (k (1 − h²k/(4m))),  ⟨p²⟩ = mT exactly
//   MALA:            ⟨x²⟩ = T/k exactly (the Metropolis test removes the bias; only the correlation time grows)
//
// Assertion: every measured moment lies within 4 standard errors of its formula, the standard error being
// √(Var/ESS) with the effective sample size from the integrated autocorrelation time of the series (Geyer's
// initial monotone sequence, Diagnostics.EffectiveSampleSize).
import Diagnostics
import ExampleSupport
import Figures
import GSLSupport
import LangevinCore
import Potentials

var run = ExampleRun(name: "integrator-bias")
let steps = run.size(full: 1_000_000, quick: 100_000)
let timeSteps = [0.1, 0.25, 0.5, 0.75, 1.0, 1.25]
let schemes = ["euler-maruyama", "BAOAB", "OBABO", "mala"]

/// The exact stationary (⟨x²⟩, ⟨p²⟩) of each scheme at step h (k = T = m = γ = 1); ⟨p²⟩ nil for overdamped schemes.
func exact(_ scheme: String, _ h: Double) -> (x2: Double, p2: Double?) {
    switch scheme {
    case "euler-maruyama": (1 / (1 - h / 2), nil)
    case "BAOAB": (1, 1 - h * h / 4)
    case "OBABO": (1 / (1 - h * h / 4), 1)
    default: (1, nil)
    }
}

/// Mean of a series and its standard error √(Var/ESS).
func meanAndError(_ series: [Double]) -> (mean: Double, se: Double) {
    let e = EffectiveSampleSize.estimate(series)
    return (e.mean, (e.variance / e.effectiveSampleSize).squareRoot())
}

var well = try BuiltinPotential.make(name: "harmonic", settings: ["k": 1])
var measured: [String: [(h: Double, x2: Double, x2se: Double, p2: Double?, p2se: Double)]] = [:]
print("h      scheme           <x^2> measured  exact    <p^2> measured  exact    SE(<x^2>)")
for h in timeSteps {
    for scheme in schemes {
        var integrator = try AnyIntegrator(name: scheme, parameters: LangevinParameters(timeStep: h, friction: 1))
        var random = GSLRandom(algorithm: .taus2, seed: 11)
        var state = try LangevinState(position: [0.0], field: &well)
        var x2: [Double] = [], p2: [Double] = []
        x2.reserveCapacity(steps)
        _ = try runChain(integrator: &integrator, field: &well, state: &state, random: &random,
                         schedule: ChainSchedule(steps: steps, burnIn: 1000, thin: 1)) { _, s in
            let x = s.withPosition { $0[0] }
            x2.append(x * x)
            if s.hasMomentum { let p = s.withMomentum { $0[0] }; p2.append(p * p) }
        }
        let (ex2, ep2) = exact(scheme, h)
        let mx = meanAndError(x2)
        let mp = p2.isEmpty ? nil : meanAndError(p2)
        run.within("\(scheme), h = \(h): <x^2>", measured: mx.mean, exact: ex2, standardError: mx.se, k: 4)
        if let mp, let ep2 {
            run.within("\(scheme), h = \(h): <p^2>", measured: mp.mean, exact: ep2, standardError: mp.se, k: 4)
        }
        measured[scheme, default: []].append((h, mx.mean, mx.se, mp?.mean, mp?.se ?? 0))
        let p2Text = ep2 == nil ? "".padding(25) : "\(r4(mp!.mean))".padding(16) + "\(r4(ep2!))".padding(9)
        print("\(h)".padding(7) + scheme.padding(17) + "\(r4(mx.mean))".padding(16) + "\(r4(ex2))".padding(9)
              + p2Text + "\(r4(mx.se))")
    }
}
print("Standard errors from the effective sample size of each series (\(steps) steps per row).")

// The picture: ⟨x²⟩ against h beside the formulas, and ⟨p²⟩ for the underdamped schemes.
let fine = linspace(0, 1.3, 131)
let names = ["euler-maruyama": "Euler–Maruyama", "BAOAB": "BAOAB", "OBABO": "OBABO", "mala": "MALA"]
let colours: [String: Colour] = ["euler-maruyama": Colour.at(1), "BAOAB": Colour.at(0), "OBABO": Colour.at(2),
                                 "mala": Colour.at(3)]
@MainActor func markers(_ scheme: String, offset: Double, momentum: Bool) -> Series {
    let rows = measured[scheme]!
    return .errorBars(rows.map { $0.h + offset }, rows.map { momentum ? $0.p2! : $0.x2 },
                      error: rows.map { momentum ? $0.p2se : $0.x2se },
                      title: "\(names[scheme]!) measured (± 1 SE)", colour: colours[scheme]!, size: 1.1)
}
var position = Panel(title: "Position: ⟨x²⟩ against the time step", xLabel: "time step h",
                     yLabel: "stationary ⟨x²⟩  (exact continuous value T/k = 1)",
                     series: [
                         .line(fine, fine.map { exact("euler-maruyama", $0).x2 },
                               title: "Euler–Maruyama exact: T/(k(1 − kh/2)), bias O(h)", colour: colours["euler-maruyama"]!),
                         .line(fine, fine.map { _ in 1 }, title: "BAOAB and MALA exact: T/k, no bias",
                               colour: .black, dashed: true),
                         markers("euler-maruyama", offset: 0, momentum: false),
                         markers("BAOAB", offset: -0.012, momentum: false),
                         markers("mala", offset: 0.012, momentum: false),
                     ], xRange: 0 ... 1.3)
position.key = "top left"
var momentum = Panel(title: "Momentum: ⟨p²⟩ of the underdamped splittings", xLabel: "time step h",
                     yLabel: "stationary ⟨p²⟩  (exact continuous value mT = 1)",
                     series: [
                         .line(fine, fine.map { exact("BAOAB", $0).p2! }, title: "BAOAB exact: mT(1 − h²k/4m), bias O(h²)",
                               colour: colours["BAOAB"]!),
                         .line(fine, fine.map { exact("OBABO", $0).p2! }, title: "OBABO exact: mT, no bias",
                               colour: colours["OBABO"]!, dashed: true),
                         markers("BAOAB", offset: -0.01, momentum: true),
                         markers("OBABO", offset: 0.01, momentum: true),
                     ], xRange: 0 ... 1.3)
momentum.key = "bottom left"
var figure = Figure(title: "Integrator bias on the harmonic well U = kx²/2 (k = T = m = γ = 1)",
                    panels: [position, momentum], columns: 2, width: 1500, height: 650)
figure.fontSize = 13
run.draw(figure, name: "integrator-bias")
run.finish()

func r4(_ v: Double) -> Double { (v * 10000).rounded() / 10000 }
extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
