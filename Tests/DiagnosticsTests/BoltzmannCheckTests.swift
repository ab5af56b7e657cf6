// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import Foundation
import GSLSupport
import LangevinCore
import Testing

/// The power and size of ``BoltzmannCheck`` on chains whose stationary law is known exactly.
///
/// Every verdict below is at family-wise α = 0.01 (Holm), so a correct sampler fails with probability ≤ 1% for a
/// given seed; the seeds were fixed before the tests were run. The wrong samplers have second-moment z-scores of
/// 18 (AR(1) with σ² = 4/3, ρ = 0.9) and ≈ 40 (Euler–Maruyama at h = 0.5), far beyond the Holm threshold
/// (|z| ≈ 3.3 for ~7 tests).
@Suite("Boltzmann check: power and size")
struct BoltzmannCheckTests {
    static var harmonic: BoltzmannTarget { .gaussian(means: [0], variances: [1]) }

    /// Four AR(1) chains of 25 000 draws (10⁵ in all), ρ = 0.9, marginal N(0, σ²), energies U = x²/2.
    static func ar1Samples(variance: Double, seed: UInt64) throws -> CheckSamples {
        let chains = (0..<4).map { ar1(count: 25_000, rho: 0.9, variance: variance, seed: seed, stream: $0) }
        return try CheckSamples(dimension: 1, chains: chains, energies: chains.map { $0.map { $0 * $0 / 2 } })
    }

    static func summary(_ r: CheckReport) -> String {
        let minP = r.entries.compactMap(\.adjustedPValue).min() ?? .nan
        let maxZ = r.entries.compactMap(\.zScore).map(abs).max() ?? .nan
        return "passed=\(r.passed) min Holm p=\(minP) max |z|=\(maxZ)\n" + r.renderTable()
    }

    @Test("AR(1) with the exact N(0, 1) marginal passes (closed form and quadrature reference)")
    func exactMarginalPasses() throws {
        let samples = try Self.ar1Samples(variance: 1, seed: 2024_2001)
        let check = BoltzmannCheck()
        let closed = try check.run(samples, target: Self.harmonic)
        print("AR(1) σ²=1 vs closed form: " + Self.summary(closed))
        #expect(closed.passed)
        #expect(closed.entries.map(\.kind) == [.ks, .chi2, .moment, .moment, .rhat, .moment, .ksd])
        let reference = try BoltzmannReference(temperature: 1, energy: { $0 * $0 / 2 }, derivative: { $0 })
        let quad = try check.run(samples, reference: reference)
        print("AR(1) σ²=1 vs quadrature: " + Self.summary(quad))
        #expect(quad.passed)
        // The two references agree: same statistics to the reference's accuracy.
        for (a, b) in zip(closed.entries, quad.entries) where a.kind != .ksd {
            #expect(abs(a.statistic - b.statistic) < 1e-5 * max(1, abs(a.statistic)), "\(a.name)")
        }
    }

    @Test("AR(1) with marginal N(0, 4/3) fails")
    func inflatedVarianceFails() throws {
        let samples = try Self.ar1Samples(variance: 4.0 / 3, seed: 2024_2002)
        let report = try BoltzmannCheck().run(samples, target: Self.harmonic)
        print("AR(1) σ²=4/3: " + Self.summary(report))
        #expect(!report.passed)
        let second = try #require(report.entry(named: "second-moment[x]"))
        #expect(second.passed == false && second.zScore! > 10)
        // KS is not asserted: on ≈ 2600 draws thinned by ⌈2τ̂⌉ its expected λ is only ≈ 0.035 · √2600 ≈ 1.8.
        #expect(report.entry(named: "chi2[x]")?.passed == false)
        #expect(report.entry(named: "mean[x]")?.passed == true)
        #expect(report.entry(named: "rhat[x]")?.passed == true)   // stationary, just the wrong law
    }

    /// Euler–Maruyama x ← x − h x + √(2h) ξ at h = 0.5 is the AR(1) x ← x/2 + ξ: stationary N(0, 4/3), τ = 3.
    /// 4 chains × 25 000 steps after 100 burn-in steps. The sample variance must match 4/3 within 3 SE
    /// (SE = √(Var(x²)/ESS(x²)), Var(x²) = 2σ⁴) — the integrator is right — and the check must fail.
    @Test("Euler–Maruyama at dt = 0.5 on U = x²/2 fails the check")
    func eulerMaruyamaFails() throws {
        var chains: [[Double]] = [], energies: [[Double]] = []
        for c in 0..<4 {
            var integrator = try EulerMaruyama(LangevinParameters(timeStep: 0.5))
            var field = ClosureEnergy(variables: ["x"], energy: { $0[0] * $0[0] / 2 },
                                      gradient: { x, g in g[0] = x[0]; return x[0] * x[0] / 2 })
            var state = try LangevinState(position: [0.0], field: &field)
            var random = GSLRandom(seed: 2024_2003, stream: c)
            var xs: [Double] = [], us: [Double] = []
            xs.reserveCapacity(25_000)
            _ = try runChain(integrator: &integrator, field: &field, state: &state, random: &random,
                             schedule: ChainSchedule(steps: 25_000, burnIn: 100)) { _, s in
                xs.append(s.position[0])
                us.append(s.energy)
            }
            chains.append(xs)
            energies.append(us)
        }
        let squares = MomentTest.test(chains.map { $0.map { $0 * $0 } }, exact: 4.0 / 3)
        #expect(abs(squares.zScore) < 3)
        let report = try BoltzmannCheck().run(try CheckSamples(dimension: 1, chains: chains, energies: energies),
                                              target: Self.harmonic)
        print("Euler–Maruyama h=0.5: ⟨x²⟩=\(squares.sampleMean) (4/3 ± \(squares.standardError)); "
              + Self.summary(report))
        #expect(!report.passed)
        #expect(report.entry(named: "second-moment[x]")!.zScore! > 20)
        #expect(report.entry(named: "mean-energy")!.passed == false)
    }

    /// x and y are independent under U = (x² − 1)² + y²/2, so inverse-CDF draws from the two marginal tables are
    /// exact independent draws from the Boltzmann law (10⁴ of them). At T = 1.3 instead of 1 the law is wider:
    /// ⟨y²⟩ = 1.3, a z-score of ≈ 0.3/√(2/10⁴) ≈ 21.
    @Test("2-D double well: exact draws pass, draws at the wrong temperature fail")
    func doubleWell() throws {
        let u: (Double, Double) -> Double = { x, y in (x * x - 1) * (x * x - 1) + y * y / 2 }
        let grad: (Double, Double) -> (Double, Double) = { x, y in (4 * x * (x * x - 1), y) }
        let ref = try BoltzmannReference(temperature: 1, tableNodes: 512, energy: u, gradient: grad)
        let hot = try BoltzmannReference(temperature: 1.3, tableNodes: 512, energy: u, gradient: grad)
        func draws(_ r: BoltzmannReference, seed: UInt64) throws -> CheckSamples {
            let rng = GSLRandom(seed: seed)
            var xs: [Double] = [], us: [Double] = []
            for _ in 0..<10_000 {
                let x = r.marginalQuantile(0, rng.nextUniform()), y = r.marginalQuantile(1, rng.nextUniform())
                xs += [x, y]
                us.append(u(x, y))
            }
            return try CheckSamples(dimension: 2, chains: [xs], energies: [us])
        }
        let check = BoltzmannCheck(ksdMaxPoints: 500)
        let good = try check.run(try draws(ref, seed: 2024_2004), reference: ref)
        let bad = try check.run(try draws(hot, seed: 2024_2005), reference: ref)
        print("double well exact: " + Self.summary(good))
        print("double well T=1.3: " + Self.summary(bad))
        #expect(good.passed)
        #expect(good.entries.filter { $0.kind == .rhat }.count == 2)
        #expect(!bad.passed)
        #expect(bad.entry(named: "second-moment[y]")!.zScore! > 10)
        #expect(bad.entry(named: "ksd")!.statistic > good.entry(named: "ksd")!.statistic)
    }

    @Test("the report encodes to JSON with 'passed' and 'checks', round-trips, and renders a table")
    func reportFormats() throws {
        let samples = try Self.ar1Samples(variance: 1, seed: 2024_2006)
        var report = try BoltzmannCheck(ksdMaxPoints: 200).run(samples, target: Self.harmonic)
        report.entries.append(CheckEntry(name: "odd", kind: .ksd, statistic: .nan, detail: "non-finite"))
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["passed"] is Bool)
        #expect(object["familywiseAlpha"] as? Double == 0.01)
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.count == report.entries.count)
        #expect(checks[0]["kind"] as? String == "ks")
        #expect(checks[0]["pValue"] is Double && checks[0]["adjustedPValue"] is Double)
        #expect(checks.last!["statistic"] is NSNull)
        #expect(checks.first { $0["kind"] as? String == "ksd" }!["passed"] == nil)
        let decoded = try JSONDecoder().decode(CheckReport.self, from: data)
        #expect(decoded.entries.dropLast() == report.entries.dropLast())
        #expect(decoded.entries.last!.statistic.isNaN)
        let table = report.renderTable()
        print(table)
        #expect(table.contains("ks[x]") && table.contains("second-moment[x]") && table.contains("rhat[x]"))
        #expect(table.contains(report.passed ? "PASSED" : "FAILED"))
        #expect(table.split(separator: "\n").count == report.entries.count + 3)
        // Holm never lowers a p-value.
        for e in report.entries where e.pValue != nil { #expect(e.adjustedPValue! >= e.pValue!) }
    }

    @Test("short chains and shape errors are refused")
    func refusals() throws {
        let short = try CheckSamples(dimension: 1, chains: [ar1(count: 2000, rho: 0.99, seed: 2024_2007)])
        do {
            _ = try BoltzmannCheck().run(short, target: Self.harmonic)
            Issue.record("a chain of 2000 draws with τ ≈ 200 was accepted")
        } catch {
            #expect(error.code == .invalidData)
            #expect(error.message.contains("autocorrelation time"))
        }
        // With the rule disabled the check runs (and the short, sticky chain is judged on its merits).
        _ = try BoltzmannCheck(minimumLengthInTime: 0).run(short, target: Self.harmonic)
        #expect(throws: LangevinError.self) { try CheckSamples(dimension: 2, chains: [[1, 2, 3]]) }
        #expect(throws: LangevinError.self) { try CheckSamples(dimension: 1, chains: [[1, 2]], energies: [[1]]) }
        #expect(throws: LangevinError.self) {
            try BoltzmannCheck().run(try CheckSamples(dimension: 1, chains: [[Double](repeating: 0, count: 100)]),
                                     target: BoltzmannTarget(dimension: 1, exact: ReferenceMoments()))
        }
    }
}
