// SPDX-License-Identifier: GPL-3.0-or-later
// The counter-based Gaussian source: Random123's known answers, the stream layout (any split, any thread count,
// the same bits), and its statistics. Statistical tolerances are k = 5 standard errors of independent draws
// (ESS = n: the draws are independent by construction, which the correlation tests check); seeds fixed before the
// tests were written. With about 25 such comparisons a false failure has probability below 10⁻⁵.
import CPhilox
import CounterRandom
import Foundation
import LangevinCore
import Testing

private let k = 5.0

/// Mean, variance, skewness and excess kurtosis, accumulated in double precision.
private func moments<S: BinaryFloatingPoint>(_ x: [S]) -> (mean: Double, variance: Double, skewness: Double, kurtosis: Double) {
    let n = Double(x.count)
    var s1 = 0.0
    for v in x { s1 += Double(v) }
    let m = s1 / n
    var s2 = 0.0, s3 = 0.0, s4 = 0.0
    for v in x {
        let d = Double(v) - m, d2 = d * d
        s2 += d2; s3 += d2 * d; s4 += d2 * d2
    }
    let v = s2 / n
    return (m, v, s3 / n / pow(v, 1.5), s4 / n / (v * v) - 3)
}

/// Pearson correlation of x[i] and y[i].
private func correlation(_ x: ArraySlice<Float>, _ y: ArraySlice<Float>) -> Double {
    let n = Double(x.count)
    var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
    for (a, b) in zip(x, y) {
        let u = Double(a), v = Double(b)
        sx += u; sy += v; sxx += u * u; syy += v * v; sxy += u * v
    }
    let cov = sxy / n - sx / n * sy / n
    return cov / ((sxx / n - sx * sx / n / n) * (syy / n - sy * sy / n / n)).squareRoot()
}

private func fill(_ random: inout PhiloxRandom, _ n: Int, sigma: Double = 1) -> [Float] {
    var x = [Float](repeating: .nan, count: n)
    x.withUnsafeMutableBufferPointer { random.fillGaussian($0, standardDeviation: sigma) }
    return x
}

@Suite("PhiloxRandom: known answers and the stream layout")
struct PhiloxLayoutTests {
    /// Random123's kat_vectors for philox4x32 with 10 rounds (checked against Random123 1.14's philox.h).
    @Test("Philox4x32-10 reproduces Random123's known-answer vectors")
    func knownAnswers() {
        let cases: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))] = [
            ((0, 0, 0, 0), (0, 0), (0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8)),
            ((0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff), (0xffff_ffff, 0xffff_ffff),
             (0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd)),
            ((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344), (0xa409_3822, 0x299f_31d0),
             (0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1)),
        ]
        for (counter, key, expected) in cases {
            let out = PhiloxRandom.philox4x32_10(counter: counter, key: key)
            #expect(out == expected, "counter \(counter) key \(key)")
        }
    }

    @Test("Single-precision normals are the Box–Muller transform of the documented counters (to float rounding)")
    func layoutAndTransform() {
        var r = PhiloxRandom(seed: 77, chain: 3)
        let key = r.state.key
        _ = fill(&r, 10)                      // fill 0
        let z = fill(&r, 256)                 // fill 1: domain 1
        for b in 0..<4 {
            for l in 0..<16 {
                let i = UInt64(16 * b + l)
                let c = PhiloxRandom.philox4x32_10(counter: (UInt32(i), 0, 1, 0),
                                                   key: (UInt32(truncatingIfNeeded: key), UInt32(key >> 32)))
                let words = [c.0, c.1, c.2, c.3]
                for p in 0..<2 {
                    let u = (Double(words[2 * p] >> 8) + 0.5) * 0x1p-24, v = Double(words[2 * p + 1] >> 8) * 0x1p-24
                    let rad = (-2 * Foundation.log(u)).squareRoot()
                    let expected = [rad * cos(2 * Double.pi * v), rad * sin(2 * Double.pi * v)]
                    for q in 0..<2 {
                        let got = Double(z[64 * b + 32 * p + 16 * q + l])
                        #expect(abs(got - expected[q]) <= 4e-6 * max(1, abs(expected[q])),
                                "block \(b) lane \(l) pair \(p): \(got) vs \(expected[q])")
                    }
                }
            }
        }
    }

    @Test("A fill is the same bits for any parallelism and any split, and σ scales it exactly")
    func partitionIndependence() {
        let n = 200_003
        var a = PhiloxRandom(seed: 5, chain: 1, parallelism: 1)
        var b = PhiloxRandom(seed: 5, chain: 1, parallelism: 2, parallelThreshold: 1)
        var c = PhiloxRandom(seed: 5, chain: 1, parallelism: 7, parallelThreshold: 1)
        let x = fill(&a, n), y = fill(&b, n), z = fill(&c, n)
        #expect(x == y && x == z)
        // Blocks handed to the reduction cover the buffer once, in order.
        var d = PhiloxRandom(seed: 5, chain: 1, parallelism: 3, parallelThreshold: 1)
        var w = [Float](repeating: 0, count: n)
        let covered = w.withUnsafeMutableBufferPointer { buf in
            d.fillGaussian(buf, standardDeviation: 2) { range in Float(range.count) }
        }
        #expect(covered == Float(n))
        #expect(zip(w, x).allSatisfy { $0 == 2 * $1 })
    }

    @Test("Every vector path this CPU has (portable, AVX2, AVX-512) writes the same bits as the fill itself")
    func cpuPathsAgree() {
        let blocks = 300, key: UInt64 = 0x0123_4567_89AB_CDEF, domain: UInt64 = 0xFEDC_BA98_7654_3210
        let available = PhiloxRandom.VectorPath.available
        #expect(available.first == .portable)
        // Blocks near 2³² counters exercise the carry into the counter's second word.
        for first: UInt64 in [0, 7, (1 << 28) - 150] {
            var reference = [Float](repeating: .nan, count: 64 * blocks)
            let ok = reference.withUnsafeMutableBufferPointer {
                PhiloxRandom.fillBlocks($0, through: .portable, firstBlock: first, key: key, domain: domain, sigma: 1.5)
            }
            #expect(ok)
            // The dispatching fill (whatever path it chose) gives the same numbers.
            var dispatched = [Float](repeating: .nan, count: 64 * blocks)
            dispatched.withUnsafeMutableBufferPointer {
                cphilox_fill_normal_f32($0.baseAddress, $0.count, key, domain, 64 * first, 1.5)
            }
            #expect(dispatched.map(\.bitPattern) == reference.map(\.bitPattern), "dispatched, first block \(first)")
            for path in PhiloxRandom.VectorPath.allCases where path != .portable {
                var other = [Float](repeating: .nan, count: 64 * blocks)
                let ran = other.withUnsafeMutableBufferPointer {
                    PhiloxRandom.fillBlocks($0, through: path, firstBlock: first, key: key, domain: domain, sigma: 1.5)
                }
                #expect(ran == available.contains(path), "\(path)")
                if ran {
                    #expect(other.map(\.bitPattern) == reference.map(\.bitPattern), "path \(path), first block \(first)")
                } else {
                    #expect(other.allSatisfy { $0.isNaN }, "a path the CPU lacks writes nothing")
                }
            }
        }
    }

    @Test("Restoring the counters continues the identical stream; chains and seeds differ")
    func stateAndStreams() {
        var a = PhiloxRandom(seed: 9)
        _ = fill(&a, 1000)
        _ = a.nextGaussian()
        _ = a.nextUniform()
        var b = PhiloxRandom(state: a.state)
        #expect(fill(&a, 5000) == fill(&b, 5000))
        #expect(a.nextGaussian() == b.nextGaussian() && a.nextUniform() == b.nextUniform())
        var c0 = PhiloxRandom(seed: 9, chain: 0), c1 = PhiloxRandom(seed: 9, chain: 1), s1 = PhiloxRandom(seed: 10)
        let x = fill(&c0, 64), y = fill(&c1, 64), z = fill(&s1, 64)
        #expect(x != y && x != z && y != z)
        var d = PhiloxRandom(seed: 9)
        var e = [Double](repeating: 0, count: 1001)
        e.withUnsafeMutableBufferPointer { d.fillGaussian($0, standardDeviation: 1) }
        #expect(e.allSatisfy { $0.isFinite } && Set(e).count == e.count)
    }
}

@Suite("PhiloxRandom: statistics (k = 5 standard errors)")
struct PhiloxStatisticsTests {
    static let n = 4_000_000

    @Test("Single-precision fills: mean, variance, skewness and kurtosis of N(0, σ²)")
    func floatMoments() {
        var r = PhiloxRandom(seed: 20261202, parallelism: 2)
        let sigma = 0.5
        let x = fill(&r, Self.n, sigma: sigma)
        let m = moments(x), n = Double(Self.n)
        #expect(abs(m.mean) < k * sigma / n.squareRoot(), "mean \(m.mean)")
        #expect(abs(m.variance / (sigma * sigma) - 1) < k * (2 / n).squareRoot(), "variance \(m.variance)")
        #expect(abs(m.skewness) < k * (6 / n).squareRoot(), "skewness \(m.skewness)")
        #expect(abs(m.kurtosis) < k * (24 / n).squareRoot(), "excess kurtosis \(m.kurtosis)")
    }

    @Test("Tail frequencies beyond 2σ, 3σ, 4σ (two-sided) match the normal's")
    func tails() {
        var r = PhiloxRandom(seed: 4242)
        let x = fill(&r, Self.n)
        let n = Double(Self.n)
        for (t, p) in [(2.0, 0.045_500_263_896_358_4), (3.0, 0.002_699_796_063_260_2), (4.0, 6.334_248_366_623_98e-5)] {
            let count = Double(x.reduce(0) { $0 + (abs(Double($1)) > t ? 1 : 0) })
            let se = (n * p * (1 - p)).squareRoot()
            #expect(abs(count - n * p) < k * se, "beyond \(t)σ: \(count), expected \(n * p) ± \(se)")
        }
        #expect(x.allSatisfy { abs($0) < 6 })
    }

    @Test("Independence: streams of two chains, adjacent fills (steps), neighbours and Box–Muller partners")
    func independence() {
        let n = 1_000_000
        var a = PhiloxRandom(seed: 31, chain: 0), b = PhiloxRandom(seed: 31, chain: 1)
        let x0 = fill(&a, n), x1 = fill(&a, n), y0 = fill(&b, n)
        let se = 1 / Double(n).squareRoot()
        #expect(abs(correlation(x0[...], y0[...])) < k * se, "chain 0 vs chain 1")
        #expect(abs(correlation(x0[...], x1[...])) < k * se, "step t vs step t + 1")
        for lag in [1, 16, 32, 64] {      // lanes, cos/sin partners, the two pairs of a counter, the next block
            let r = correlation(x0[..<(n - lag)], x0[lag...])
            #expect(abs(r) < k * se, "lag \(lag): \(r)")
            let squares = x0.map { $0 * $0 }
            let r2 = correlation(squares[..<(n - lag)], squares[lag...])
            #expect(abs(r2) < k * se, "lag \(lag) of z²: \(r2)")
        }
    }

    @Test("Single draws: normals' moments and uniforms' mean 1/2 and variance 1/12")
    func singleDraws() {
        var r = PhiloxRandom(seed: 77)
        let n = 1_000_000
        let z = (0..<n).map { _ in r.nextGaussian() }
        let u = (0..<n).map { _ in r.nextUniform() }
        let m = moments(z), mu = moments(u), nn = Double(n)
        #expect(abs(m.mean) < k / nn.squareRoot())
        #expect(abs(m.variance - 1) < k * (2 / nn).squareRoot())
        #expect(abs(m.kurtosis) < k * (24 / nn).squareRoot())
        // Uniform: Var(ū) = 1/(12n); Var(s²) = (1/80 − 1/144)/n.
        #expect(abs(mu.mean - 0.5) < k * (1 / (12 * nn)).squareRoot())
        #expect(abs(mu.variance - 1.0 / 12) < k * ((1.0 / 80 - 1.0 / 144) / nn).squareRoot())
        #expect(u.allSatisfy { $0 > 0 && $0 < 1 })
    }
}
