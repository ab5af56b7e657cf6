// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
import GSLSupport
import LangevinCore
#if canImport(Glibc)
import Glibc
#endif

@Suite("GSL generators and streams")
struct GSLRandomTests {
    @Test("Same algorithm and seed give the same stream", arguments: GSLAlgorithm.allCases)
    func reproducible(_ algorithm: GSLAlgorithm) {
        let a = GSLRandom(algorithm: algorithm, seed: 2024), b = GSLRandom(algorithm: algorithm, seed: 2024)
        let xs = (0..<100).map { _ in a.nextGaussian() }
        let ys = (0..<100).map { _ in b.nextGaussian() }
        #expect(xs == ys)
        #expect(Set(xs).count == 100)
    }

    @Test("Saving and restoring the state continues the identical stream", arguments: GSLAlgorithm.allCases)
    func saveRestore(_ algorithm: GSLAlgorithm) throws {
        let a = GSLRandom(algorithm: algorithm, seed: 7)
        for _ in 0..<1234 { _ = a.nextGaussian() }
        let saved = a.stateBytes
        let expected = (0..<500).map { _ in a.nextGaussian() } + (0..<10).map { _ in a.nextUniform() }
        let b = try GSLRandom(algorithm: algorithm, state: saved)
        let got = (0..<500).map { _ in b.nextGaussian() } + (0..<10).map { _ in b.nextUniform() }
        #expect(got == expected)
        #expect(throws: LangevinError.self) { try GSLRandom(algorithm: algorithm, state: [1, 2, 3]) }
    }

    @Test("Streams of different chains differ; the same (seed, chain) is the same stream")
    func streams() {
        let seeds = (0..<64).map { GSLRandom.streamSeed(seed: 42, stream: $0) }
        #expect(Set(seeds).count == 64)
        let a = GSLRandom(seed: 42, stream: 3), b = GSLRandom(seed: 42, stream: 3), c = GSLRandom(seed: 42, stream: 4)
        let xa = (0..<50).map { _ in a.nextUniform() }
        #expect(xa == (0..<50).map { _ in b.nextUniform() })
        #expect(xa != (0..<50).map { _ in c.nextUniform() })
        #expect(GSLRandom.streamSeed(seed: 1, stream: 0) != GSLRandom.streamSeed(seed: 2, stream: 0))
    }

    @Test("Buffer fills equal one-at-a-time draws scaled by σ, in both precisions")
    func fills() {
        let a = GSLRandom(algorithm: .taus2, seed: 9), b = GSLRandom(algorithm: .taus2, seed: 9)
        var buffer = [Double](repeating: 0, count: 37)
        buffer.withUnsafeMutableBufferPointer { a.fillGaussian($0, standardDeviation: 2.5) }
        let single = (0..<37).map { _ in b.nextGaussian() * 2.5 }
        for i in 0..<37 { #expect(abs(buffer[i] - single[i]) < 1e-12) }
        var f = [Float](repeating: 0, count: 5)
        f.withUnsafeMutableBufferPointer { a.fillGaussian($0, standardDeviation: 1) }
        let next = (0..<5).map { _ in Float(b.nextGaussian()) }
        #expect(f == next)
    }

    @Test("Unknown generator names are errors that list the valid ones")
    func names() throws {
        #expect(throws: LangevinError.self) { try GSLAlgorithm(name: "xorshift") }
        #expect(try GSLAlgorithm(name: "RANLXD2") == .ranlxd2)
    }

    @Test("Moments of 200 000 ziggurat draws: mean 0 ± 4.5 SE, variance 1 ± 4.5 SE (seed 11)")
    func gaussianMoments() {
        let r = GSLRandom(seed: 11)
        let n = 200_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let v = r.nextGaussian(); s += v; s2 += v * v }
        let mean = s / Double(n), m2 = s2 / Double(n)
        #expect(abs(mean) < 4.5 / Double(n).squareRoot())
        #expect(abs(m2 - 1) < 4.5 * (2.0 / Double(n)).squareRoot())
    }

    @Test("Quadrature: ∫ exp(−x²/2) = √(2π) on ℝ, half-lines and finite intervals")
    func quadrature() throws {
        let q = Quadrature()
        let f = { (x: Double) in exp(-x * x / 2) }
        #expect(abs(try q.integrate(f, from: -.infinity, to: .infinity).value - (2 * Double.pi).squareRoot()) < 1e-10)
        #expect(abs(try q.integrate(f, from: 0, to: .infinity).value - (Double.pi / 2).squareRoot()) < 1e-10)
        #expect(abs(try q.integrate(f, from: -.infinity, to: 0).value - (Double.pi / 2).squareRoot()) < 1e-10)
        #expect(abs(try q.integrate(f, from: -1, to: 1).value - 2 * 0.341344746068543 * (2 * Double.pi).squareRoot()) < 1e-9)
        #expect(throws: LangevinError.self) { try q.integrate({ _ in .nan }, from: 0, to: 1) }
    }
}
