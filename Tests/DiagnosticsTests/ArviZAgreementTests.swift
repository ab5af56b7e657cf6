// SPDX-License-Identifier: GPL-3.0-or-later
import Diagnostics
import Testing

/// Our rank-normalised diagnostics against the values ArviZ computed once on the same draws (Fixtures/; the script
/// that generated them is there too). The tolerance 10⁻⁶ · max(1, |ArviZ|) is the agreement promised to users; the
/// estimators are the same arithmetic, so the differences are rounding (≈ 10⁻¹³ here).
@Suite("Agreement with ArviZ: rank-normalised split-R̂, bulk, tail and mean ESS")
struct ArviZAgreementTests {
    static func close(_ ours: Double, _ theirs: Double) -> Bool {
        abs(ours - theirs) <= 1e-6 * max(1, abs(theirs))
    }

    @Test("Every fixture case matches ArviZ to 1e-6", arguments: arvizCases.map(\.name))
    func matches(name: String) throws {
        let c = try #require(arvizCases.first { $0.name == name })
        let rHat = ArviZStyleESS.rankNormalizedSplitRHat(c.chains)
        let bulk = ArviZStyleESS.bulk(c.chains)
        let tail = ArviZStyleESS.tail(c.chains)
        let mean = ArviZStyleESS.mean(c.chains)
        #expect(Self.close(rHat, c.rHatRank), "R̂ \(rHat) vs ArviZ \(c.rHatRank)")
        #expect(Self.close(bulk, c.essBulk), "bulk ESS \(bulk) vs ArviZ \(c.essBulk)")
        #expect(Self.close(tail, c.essTail), "tail ESS \(tail) vs ArviZ \(c.essTail)")
        #expect(Self.close(mean, c.essMean), "mean ESS \(mean) vs ArviZ \(c.essMean)")
        // The R̂ the check reports is the same function.
        #expect(Self.close(EffectiveSampleSize.splitRHat(c.chains, rankNormalized: true), c.rHatRank))
    }

    @Test("The project's own mean-ESS (moment tests) is within 2 % of ArviZ's on the well-mixed cases")
    func projectMeanESSCloseToArviZ() throws {
        // Not the same truncation rule (see ArviZStyleESS), so only close, not equal.
        for name in ["ar05", "cauchy"] {
            let c = try #require(arvizCases.first { $0.name == name })
            let ours = EffectiveSampleSize.multiChain(c.chains).effectiveSampleSize
            #expect(abs(ours - c.essMean) <= 0.02 * c.essMean, "\(name): \(ours) vs \(c.essMean)")
        }
    }

    @Test("Bad shapes give NaN, not a trap: unequal lengths, under 4 draws, one chain for R̂, NaN draws")
    func badShapes() {
        #expect(ArviZStyleESS.bulk([[1, 2, 3, 4, 5], [1, 2, 3, 4]]).isNaN)
        #expect(ArviZStyleESS.tail([[1, 2, 3], [1, 2, 3]]).isNaN)
        #expect(ArviZStyleESS.rankNormalizedSplitRHat([[1, 2, 3, 4, 5, 6]]).isNaN)
        #expect(ArviZStyleESS.mean([[1, 2, .nan, 4, 5, 6], [1, 2, 3, 4, 5, 6]]).isNaN)
        // A constant set of draws has ESS = the number of draws (ArviZ's convention).
        #expect(ArviZStyleESS.bulk([[2, 2, 2, 2], [2, 2, 2, 2]]) == 8)
    }
}
