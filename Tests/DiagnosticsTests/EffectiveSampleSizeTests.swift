// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import LangevinCore
import Testing

@Suite("Effective sample size and R̂")
struct EffectiveSampleSizeTests {
    @Test("FFT autocovariance equals the direct sum")
    func fftMatchesDirectSum() {
        let x = ar1(count: 1000, rho: 0.7, seed: 11)
        let fast = EffectiveSampleSize.autocovariance(x, maxLag: 60)
        let mean = x.reduce(0, +) / Double(x.count)
        for k in 0...60 {
            var s = 0.0
            for t in 0..<(x.count - k) { s += (x[t] - mean) * (x[t + k] - mean) }
            #expect(abs(fast[k] - s / Double(x.count)) <= 1e-12 * fast[0], "lag \(k)")
        }
    }

    /// τ = (1+ρ)/(1−ρ) for AR(1); tolerance 3 Madras–Sokal standard errors √(2(2W+1)/n)·τ.
    @Test("Geyer τ̂ of AR(1) chains matches (1+ρ)/(1−ρ) within 3 SE", arguments: [
        (rho: 0.9, n: 100_000, seed: UInt64(2024_0901)),
        (rho: 0.5, n: 50_000, seed: UInt64(2024_0902)),
        (rho: 0.0, n: 20_000, seed: UInt64(2024_0903)),
    ])
    func ar1IntegratedTime(rho: Double, n: Int, seed: UInt64) throws {
        let x = ar1(count: n, rho: rho, seed: seed)
        let exact = (1 + rho) / (1 - rho)
        let e = try EffectiveSampleSize.integratedAutocorrelationTime(x)
        let z = (e.integratedTime - exact) / e.integratedTimeStandardError
        print("AR(1) ρ=\(rho) n=\(n): τ̂=\(e.integratedTime) exact \(exact) SE \(e.integratedTimeStandardError) "
              + "z=\(z) window \(e.truncationLag)")
        #expect(abs(z) < 3)
        #expect(e.integratedTimeStandardError < 0.1 * exact)
        #expect(abs(e.effectiveSampleSize - Double(n) / e.integratedTime) < 1e-9 * e.effectiveSampleSize)
    }

    /// Four AR(1) chains, ρ = 0.9: ESS = 4N/τ; tolerance 3 SE with SE(τ̂) from Madras–Sokal on the 4N pooled draws.
    @Test("multi-chain ESS of AR(1) chains matches 4N/τ within 3 SE")
    func multiChainESS() {
        let rho = 0.9, n = 25_000
        let chains = (0..<4).map { ar1(count: n, rho: rho, seed: 2024_0904, stream: $0) }
        let m = EffectiveSampleSize.multiChain(chains)
        let tau = (1 + rho) / (1 - rho)
        let se = (2 * Double(2 * m.truncationLag + 1) / Double(4 * n)).squareRoot() * tau
        print("multi-chain: τ̂=\(m.integratedTime) ESS=\(m.effectiveSampleSize) (exact \(Double(4 * n) / tau)), "
              + "SE(τ̂)=\(se), R̂=\(m.rHat)")
        #expect(m.chainCount == 8 && m.drawsPerChain == n / 2)
        #expect(abs(m.integratedTime - tau) < 3 * se)
        #expect(m.rHat < 1.01)
    }

    @Test("a chain shorter than 50 τ throws, carrying the partial estimate; the report variant does not")
    func tooShortChain() {
        let x = ar1(count: 2000, rho: 0.99, seed: 2024_0905)   // τ = 199, 50 τ ≈ 10⁴ > 2000
        let partial = EffectiveSampleSize.estimate(x)
        #expect(partial.integratedTime.isFinite && partial.integratedTime > 40)
        #expect(throws: ChainTooShortError.self) { try EffectiveSampleSize.integratedAutocorrelationTime(x) }
        do {
            _ = try EffectiveSampleSize.integratedAutocorrelationTime(x)
        } catch {
            #expect(error.estimate == partial)
            #expect(error.reason == .shorterThanMultipleOfTime(multiple: 50))
            #expect(error.requiredLength > 2000)
            #expect(error.asLangevinError.code == .invalidData)
            #expect(error.description.contains("50 times"))
        }
        // A looser rule accepts it.
        #expect((try? EffectiveSampleSize.integratedAutocorrelationTime(x, minimumLengthInTime: 5)) != nil)
        // Too few samples at all.
        do {
            _ = try EffectiveSampleSize.effectiveSampleSize(Array(x.prefix(10)))
            Issue.record("10 samples were accepted")
        } catch {
            #expect(error.reason == .tooFewSamples(minimum: EffectiveSampleSize.minimumSampleCount))
        }
        // A constant series has no τ.
        #expect(EffectiveSampleSize.estimate([Double](repeating: 1, count: 100)).integratedTime.isNaN)
    }

    /// Under H₀ (equal laws) R̂ − 1 ≈ χ²/(2 ESS_half) ≈ 10⁻³ here; a shift of one σ in one chain of four gives
    /// R̂ ≈ √(1 + 3/16) ≈ 1.09.
    @Test("split-R̂ is ≈ 1 for equal laws and flags a shifted chain and a drifting chain")
    func splitRHat() {
        let chains = (0..<4).map { ar1(count: 20_000, rho: 0.9, seed: 2024_0906, stream: $0) }
        let plain = EffectiveSampleSize.splitRHat(chains)
        let ranked = EffectiveSampleSize.splitRHat(chains, rankNormalized: true)
        #expect(plain < 1.01 && plain > 0.99)
        #expect(ranked < 1.01 && ranked > 0.99)
        var shifted = chains
        shifted[0] = shifted[0].map { $0 + 1 }
        #expect(EffectiveSampleSize.splitRHat(shifted) > 1.05)
        #expect(EffectiveSampleSize.splitRHat(shifted, rankNormalized: true) > 1.05)
        // One chain whose second half is offset: only splitting can see it.
        var drift = chains[1]
        for t in (drift.count / 2)..<drift.count { drift[t] += 1 }
        #expect(EffectiveSampleSize.splitRHat([drift]) > 1.05)
        // Scale difference: invisible to bulk R̂, visible to the folded (tail) R̂.
        var wide = chains
        wide[0] = wide[0].map { 3 * $0 }
        #expect(EffectiveSampleSize.splitRHat(wide, rankNormalized: true) > 1.05)
    }

    /// Thinning by ⌈τ̂⌉ leaves the lag-1 correlation ρ^k; tolerance 4 SE of a sample correlation (1/√m).
    @Test("thinToIndependent keeps every ⌈τ̂⌉-th draw")
    func thinning() {
        let x = ar1(count: 100_000, rho: 0.9, seed: 2024_0907)
        let tau = EffectiveSampleSize.estimate(x).integratedTime
        let k = thinningInterval(time: tau)
        let thin = thinToIndependent(x)
        #expect(k == Int(tau.rounded(.up)))
        #expect(thin.count == (x.count + k - 1) / k)
        #expect(thin[1] == x[k])
        let acov = EffectiveSampleSize.autocovariance(thin, maxLag: 1)
        let r1 = acov[1] / acov[0]
        #expect(abs(r1 - pow(0.9, Double(k))) < 4 / Double(thin.count).squareRoot())
        #expect(thinToIndependent(x, time: 3.2).count == 25_000)
        let k2 = thinningInterval(time: tau, multiple: 2)
        #expect(thinToIndependent(chains: [x, x], multiple: 2).count == 2 * ((x.count + k2 - 1) / k2))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
