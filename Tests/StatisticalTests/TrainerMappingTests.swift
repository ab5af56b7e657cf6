// SPDX-License-Identifier: GPL-3.0-or-later
// The trainer's samplers, as the trainer builds them (``SamplerIntegrator`` from step η, momentum μ, temperature T),
// on Gaussian energies U = k x²/2 with the exact gradient, driven by the core's chain driver like a training run. Each
// must sample the law its discretisation predicts, bias included, and a wrong mapping must be many SE away.
//
// Tolerance: 5 standard errors, SE = sd/√ESS (Geyer's initial monotone sequence); seeds fixed before the tests were
// written. Eleven comparisons at 5 SE: the chance of a false failure is below 10⁻⁵.
//
// SGHMC = BAOAB with h = √η, γ = −ln μ / h (so the O step's decay is e^{−γh} = μ). On U = kx²/2 (m = 1) BAOAB's
// stationary law is known in closed form (Leimkuhler & Matthews 2013): ⟨x²⟩ = T/k exactly, ⟨p²⟩ = T(1 − h²k/4),
// ⟨xp⟩ = 0, and one step maps (x, p) linearly, so the lag-1 autocovariance is
//     ⟨x_{t+1} x_t⟩ = (1 − (1 + c)·h²k/4)·T/k,   c = e^{−γh}
// (B: p −= (h/2)kx; A: x += (h/2)p; O: p ← cp + …; then x₂ = x₁ + (h/2)c·p₁ + noise, with ⟨p₁x⟩ = −(h/2)kT/k and
// ⟨x₁x⟩ = (1 − h²k/4)T/k). ⟨p²⟩ tells h = √η from h = η; the stationary law does not depend on γ at all, so only the
// lag-1 autocovariance tells γ = −ln μ / h (c = μ) from γ = −ln μ (c = μ^h). Both were checked against the Lyapunov
// fixed point of the 2×2 linear map before the test was written.
//
// pSGLD = RMSprop-preconditioned Euler–Maruyama with h = η: per coordinate, V ← αV + (1 − α)g², G = 1/(ε + √V),
// x ← x − ηG·kx + √(2ηT·G)·ξ. For G constant this is an AR(1) chain with stationary variance
//     ⟨x²⟩ = 2ηTG / (2ηGk − (ηGk)²) = T / (k(1 − ηGk/2));
// averaging over G's small spread (G independent of x to first order) gives 2ηT⟨G⟩ / (2ηk⟨G⟩ − η²k²⟨G²⟩), the
// prediction tested, with ⟨G⟩ and ⟨G²⟩ measured along the chain. What remains is the feedback of x on G (the Γ
// term of Li et al., which the scheme omits): from the exact stationarity identity ⟨x²(2ηkG − η²k²G²)⟩ = 2ηT⟨G⟩ and
// Cov(x_t², G_t) ≈ −⟨G⟩⟨x²⟩(1 − α)·S, S = Σ_{s≥0} ρ^{2s} = 1/(1 − ρ²), ρ = 1 − ηGk, the relative bias is ≈ +(1 − α)S.
// At α = 0.999 that is +2.9·10⁻³ here (an independent simulation of 4000 × 40 000 steps measured +2.6·10⁻³ ± 0.2·10⁻³),
// about one SE of these runs — not negligible — so the tests use α = 0.9999 (bias ≈ 3·10⁻⁴ ≈ 0.1 SE) and assert
// that the estimated bias is below half an SE. With G ≈ 0.1 and G ≈ 10 (far from 1), a noise scaled as √(2ηT)·G
// instead of √(2ηT·G) would make ⟨x²⟩ a factor G off, and noise without G a factor 1/G: hundreds of SE.
import LangevinTestSupport
import Testing
import Diagnostics
import Foundation
import GSLSupport
import LangevinCore
import NeuralEnergy

private let tolerance = 5.0

/// U(x) = k x²/2 in one dimension, the exact gradient.
private struct Quadratic: Energy, Sendable {
    typealias Scalar = Double
    var stiffness: Double
    var dimension: Int { 1 }
    var gradientIsFiniteWhereEnergyIs: Bool { true }
    func energy(at x: UnsafeBufferPointer<Double>) -> Double { stiffness * x[0] * x[0] / 2 }
    func energyAndGradient(at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>) -> Double {
        gradient[0] = stiffness * x[0]
        return stiffness * x[0] * x[0] / 2
    }
}

struct SGHMCCase: CustomStringConvertible, Sendable {
    var eta: Double, mu: Double, k: Double, t: Double
    var seed: UInt64
    /// Whether the case is built to tell the right mapping from the wrong ones (asserted, by > 20 SE).
    var discriminates: Bool
    var description: String { "η=\(eta) μ=\(mu) k=\(k) T=\(t)" }
    var h: Double { eta.squareRoot() }
}

struct PSGLDCase: CustomStringConvertible, Sendable {
    var eta: Double, k: Double, t: Double
    var seed: UInt64
    var description: String { "η=\(eta) k=\(k) T=\(t)" }
}

@Suite("The trainer's samplers sample the law their discretisation predicts", .tags(.statistical))
struct TrainerMappingTests {
    // Case 1: h = 0.71, h²k = 2 (⟨p²⟩ = T/2, against 3T/4 for h = η); c = 0.5 against μ^h = 0.61.
    // Case 2: a typical small step (h = 0.1, μ = 0.9): the formulas hold, the mappings are too close to tell apart.
    // Case 3: h = 0.32, h²k = 2, strong friction (μ = 0.3 against μ^h = 0.68).
    static let sghmcCases = [
        SGHMCCase(eta: 0.5, mu: 0.5, k: 4, t: 1, seed: 9101, discriminates: true),
        SGHMCCase(eta: 0.01, mu: 0.9, k: 1, t: 2, seed: 9102, discriminates: false),
        SGHMCCase(eta: 0.1, mu: 0.3, k: 20, t: 0.5, seed: 9103, discriminates: true),
    ]

    @Test("SGHMC (h = √η, γ = −ln μ / h): ⟨x²⟩ = T/k, ⟨p²⟩ = T(1 − h²k/4), ⟨x′x⟩ = (1 − (1 + μ)h²k/4)T/k",
          arguments: sghmcCases)
    func sghmc(_ c: SGHMCCase) throws {
        let integrator = try SamplerIntegrator(sampler: .sghmc, stepSize: c.eta, momentum: c.mu, temperature: c.t)
        #expect(abs(integrator.parameters.timeStep - c.h) < 1e-15)
        var field = Quadratic(stiffness: c.k)
        var state = try LangevinState(position: [(c.t / c.k).squareRoot()], field: &field)
        var random = GSLRandom(algorithm: .mt19937, seed: c.seed)
        integrator.prepare(&state, random: &random)
        var chain = MarkovChain(integrator: integrator, field: field, state: state, random: random)
        let burnIn = 10_000, steps = 1_000_000
        _ = try drive(&chain, steps: 0..<burnIn, before: { _, _ in }, after: { _, _, _ in .proceed })
        var x2: [Double] = [], p2: [Double] = [], lag: [Double] = []
        x2.reserveCapacity(steps); p2.reserveCapacity(steps); lag.reserveCapacity(steps)
        var previous = chain.state.withPosition { $0[0] }
        _ = try drive(&chain, steps: burnIn..<(burnIn + steps), before: { _, _ in }, after: { _, _, chain in
            let x = chain.state.withPosition { $0[0] }, p = chain.state.withMomentum { $0[0] }
            x2.append(x * x)
            p2.append(p * p)
            lag.append(x * previous)
            previous = x
            return .proceed
        })
        let h = c.h, mu = c.mu
        let exactP2 = c.t * (1 - h * h * c.k / 4)
        let exactLag = (1 - (1 + mu) * h * h * c.k / 4) * c.t / c.k
        let ex = try MeanEstimate(x2), ep = try MeanEstimate(p2), el = try MeanEstimate(lag)
        #expect(abs(ex.zScore(c.t / c.k)) < tolerance, "\(c): ⟨x²⟩ = \(ex), exact \(c.t / c.k)")
        #expect(abs(ep.zScore(exactP2)) < tolerance, "\(c): ⟨p²⟩ = \(ep), exact \(exactP2)")
        #expect(abs(el.zScore(exactLag)) < tolerance, "\(c): ⟨x′x⟩ = \(el), exact \(exactLag)")

        // The wrong mappings, as z-scores of the same estimates (computed, printed, asserted where designed to tell).
        let wrongHP2 = c.t * (1 - c.eta * c.eta * c.k / 4)                     // h = η
        let wrongGammaLag = (1 - (1 + pow(mu, h)) * h * h * c.k / 4) * c.t / c.k   // γ = −ln μ, c = μ^h
        let zWrongH = ep.zScore(wrongHP2), zWrongGamma = el.zScore(wrongGammaLag)
        print("SGHMC \(c): z(⟨x²⟩) = \(ex.zScore(c.t / c.k)), z(⟨p²⟩) = \(ep.zScore(exactP2)), "
              + "z(⟨x′x⟩) = \(el.zScore(exactLag)); against h = η: z = \(zWrongH); against γ = −ln μ: z = \(zWrongGamma)")
        if c.discriminates {
            #expect(abs(zWrongH) > 20, "\(c): h = η would give ⟨p²⟩ = \(wrongHP2), only \(zWrongH) SE away")
            #expect(abs(zWrongGamma) > 20, "\(c): γ = −ln μ would give ⟨x′x⟩ = \(wrongGammaLag), only \(zWrongGamma) SE away")
        }
    }

    // G ≈ 0.095 (k = 100, T = 1) and G ≈ 9.5 (k = 1, T = 0.01); ηGk ≈ 0.19 in both, so the discretisation bias
    // of ⟨x²⟩ is ≈ +10 % (tens of SE: h = η is tested too).
    static let psgldCases = [
        PSGLDCase(eta: 0.02, k: 100, t: 1, seed: 9201),
        PSGLDCase(eta: 0.02, k: 1, t: 0.01, seed: 9202),
    ]

    @Test("pSGLD (h = η, noise √(2ηT·G)): ⟨x²⟩ = 2ηT⟨G⟩ / (2ηk⟨G⟩ − η²k²⟨G²⟩) at α = 0.9999", arguments: psgldCases)
    func psgld(_ c: PSGLDCase) throws {
        let alpha = 0.9999
        let integrator = try SamplerIntegrator(sampler: .psgld, stepSize: c.eta, momentum: 0, temperature: c.t,
                                               preconditionerDecay: alpha)
        // Start at x = √(T/k), so the first V = g² = kT is already near its stationary value kT/(1 − ηGk/2).
        var field = Quadratic(stiffness: c.k)
        let state = try LangevinState(position: [(c.t / c.k).squareRoot()], field: &field)
        var chain = MarkovChain(integrator: integrator, field: field, state: state,
                                random: GSLRandom(algorithm: .mt19937, seed: c.seed))
        // Burn-in 8/(1 − α) steps: V's memory of its start decays as α^t (e⁻⁸).
        let burnIn = 80_000, steps = 1_000_000
        _ = try drive(&chain, steps: 0..<burnIn, before: { _, _ in }, after: { _, _, _ in .proceed })
        var x2: [Double] = []
        x2.reserveCapacity(steps)
        var gSum = 0.0, g2Sum = 0.0, gCount = 0
        let epsilon = 1e-5   // the preconditioner's default ε
        _ = try drive(&chain, steps: burnIn..<(burnIn + steps), before: { _, _ in }, after: { t, _, chain in
            let x = chain.state.withPosition { $0[0] }
            x2.append(x * x)
            // G moves on a scale of 1/(1 − α) = 10⁴ steps: one reading in ten steps is plenty.
            if t % 10 == 0, let v = chain.integrator.preconditionerMeanSquare?.first {
                let g = 1 / (epsilon + v.squareRoot())
                gSum += g; g2Sum += g * g; gCount += 1
            }
            return .proceed
        })
        let gMean = gSum / Double(gCount), gSecond = g2Sum / Double(gCount)
        let gSpread = (gSecond - gMean * gMean).squareRoot() / gMean
        let eta = c.eta, k = c.k, t = c.t
        let predicted = 2 * eta * t * gMean / (2 * eta * k * gMean - eta * eta * k * k * gSecond)
        let atMeanG = t / (k * (1 - eta * gMean * k / 2))
        let e = try MeanEstimate(x2)
        let z = e.zScore(predicted)
        // The omitted feedback of x on G, estimated as above: must be negligible against the SE.
        let rho = 1 - eta * gMean * k
        let feedbackBias = (1 - alpha) / (1 - rho * rho) * predicted
        // Wrong noise scalings: √(2ηT)·G (⟨x²⟩ × G) and √(2ηT) (⟨x²⟩ / G); and no discretisation bias (T/k).
        let zNoiseTimesG = e.zScore(atMeanG * gMean), zNoiseWithoutG = e.zScore(atMeanG / gMean)
        let zContinuous = e.zScore(t / k)
        print("pSGLD \(c): ⟨x²⟩ = \(e), predicted \(predicted) (at ⟨G⟩: \(atMeanG)), z = \(z); ⟨G⟩ = \(gMean), "
              + "relative spread of G \(gSpread); feedback bias ≈ \(feedbackBias / e.standardError) SE; "
              + "z against noise √(2ηT)·G: \(zNoiseTimesG), against √(2ηT): \(zNoiseWithoutG), against T/k: \(zContinuous)")
        #expect(abs(z) < tolerance, "\(c): ⟨x²⟩ = \(e), predicted \(predicted)")
        #expect(gMean < 0.2 || gMean > 5, "\(c): G = \(gMean) is too close to 1 to tell the noise scalings apart")
        #expect(feedbackBias < 0.5 * e.standardError, "\(c): the omitted Γ feedback (\(feedbackBias)) is not negligible")
        #expect(abs(zNoiseTimesG) > 50 && abs(zNoiseWithoutG) > 50, "\(c): wrong noise scalings not detected")
        #expect(abs(zContinuous) > 10, "\(c): the discretisation bias should be visible")
    }
}
