// SPDX-License-Identifier: GPL-3.0-or-later
// Chains run as a subset of a larger run (one process's share) and moved between processes as bytes.
import LangevinCore
import Testing

@Suite("Chain shares and their bytes")
struct ChainShareTests {
    let params = LangevinParameters(timeStep: 0.05)

    func run(_ indices: [Int], integrator: String = "baoab") throws -> [ChainSamples] {
        try sampleChains(indices: indices, integrator: try AnyIntegrator(name: integrator, parameters: params),
                         initialPosition: [0.5, -0.5], schedule: ChainSchedule(steps: 300, burnIn: 10, thin: 7),
                         makeField: { _ in Quadratic(k: 1, dimension: 2) },
                         makeRandom: { c in SplitMix64(seed: 100 + UInt64(c)) })
    }

    @Test("A share of the chains is exactly those chains of the whole run, in the order asked for")
    func shareEqualsWhole() throws {
        let whole = try run(Array(0..<6))
        for share in [[0, 1], [2, 3, 4], [5], [4, 1]] {
            let part = try run(share)
            #expect(part.map(\.chain) == share)
            for (c, p) in zip(share, part) {
                #expect(p.values == whole[c].values)
                #expect(p.steps == whole[c].steps)
                #expect(p.summary == whole[c].summary || (p.summary.kineticTemperature.isNaN && whole[c].summary.kineticTemperature.isNaN))
            }
        }
        #expect(try run([]).isEmpty)
        #expect(throws: LangevinError.self) { try run([1, 1]) }
        #expect(throws: LangevinError.self) { try run([-1]) }
    }

    @Test("Serialized chains come back bit for bit (MALA: acceptance; a divergence; NaN kinetic temperature)")
    func roundTrip() throws {
        var chains = try run([0, 3], integrator: "mala") + run([1], integrator: "euler-maruyama")
        chains[1].divergence = LangevinError(.diverged, "chain 3: non-finite energy", parameter: "timeStep")
        chains[1].values[0] = -.zero
        for c in chains {
            let back = try ChainSamples(serialized: c.serialized())
            #expect(back.chain == c.chain && back.dimension == c.dimension && back.hasMomentum == c.hasMomentum)
            #expect(back.steps == c.steps)
            #expect(back.values.map(\.bitPattern) == c.values.map(\.bitPattern))
            #expect(back.acceptance.map(\.bitPattern) == c.acceptance.map(\.bitPattern))
            #expect(back.summary.kineticTemperature.bitPattern == c.summary.kineticTemperature.bitPattern)
            #expect(back.summary.stepsTaken == c.summary.stepsTaken)
            #expect(back.summary.meanAcceptance == c.summary.meanAcceptance)
            #expect(back.divergence == c.divergence)
            #expect(back.finalPosition == c.finalPosition)
        }
        #expect(!chains[0].acceptance.isEmpty)
    }

    @Test("Truncated, padded or foreign bytes are an invalid-data error, never a crash")
    func malformed() throws {
        let bytes = try run([2])[0].serialized()
        for bad in [Array(bytes.prefix(bytes.count - 3)), bytes + [0], Array("LGCS2".utf8) + bytes.dropFirst(5), [],
                    Array(bytes.prefix(40))] {
            #expect(throws: LangevinError.self) { try ChainSamples(serialized: Array(bad)) }
        }
        // A length field claiming more than there is.
        var huge = bytes
        for k in 0..<8 { huge[5 + 24 + k] = 0x7F }
        #expect(throws: LangevinError.self) { try ChainSamples(serialized: huge) }
    }

    @Test("A thread limit never changes the chains")
    func threadLimit() throws {
        let whole = try run(Array(0..<5))
        ThreadBudget.setLimit(1)
        defer { ThreadBudget.setLimit(nil) }
        #expect(ThreadBudget.processors == 1)
        let limited = try run(Array(0..<5))
        #expect(limited.map(\.values) == whole.map(\.values))
    }
}
