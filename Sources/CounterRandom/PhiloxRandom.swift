// SPDX-License-Identifier: GPL-3.0-or-later
import CPhilox
import Dispatch
import LangevinCore

/// A counter-based Gaussian source: Philox4x32-10 (Salmon et al. 2011) keyed by (seed, chain), Box–Muller normals,
/// vectorised and block-parallel, the same numbers whatever the thread count.
///
/// **Streams.** The 64-bit Philox key is `SplitMix64.mix(seed, chain)`. The t-th buffer fill of this source
/// (t = 0, 1, …: one per integrator step for the networks) is domain t of that key, and element i of the buffer is
/// normal number i of the domain (see `cphilox.h` for the counter layout): a fill is a pure function of
/// (seed, chain, t, i), so any block of it can be computed on any thread, in any order, and any chain's noise at any
/// step can be regenerated from the counter alone. Single draws (``nextGaussian()``, ``nextUniform()``) come from two
/// domains of their own (2⁶⁴ − 1 for normals, 2⁶⁴ − 2 for uniforms), one index each. The state is therefore four
/// integers (``state``), whatever the dimension.
///
/// **Precision.** Single-precision fills use 24-bit uniforms and a single-precision transform (|z| < 5.9 σ, the
/// largest value a 24-bit uniform allows; P(|z| > 5.9) = 3.6·10⁻⁹ for an exact normal); double-precision fills and
/// single draws use 53-bit uniforms and libm's double-precision functions.
public struct PhiloxRandom: RandomSource {
    /// The counter state: everything needed to continue the streams exactly.
    public struct State: Sendable, Equatable, Codable {
        /// The Philox key, `SplitMix64.mix(seed, chain)`.
        public var key: UInt64
        /// Buffer fills done so far (the domain of the next fill).
        public var fills: UInt64
        /// Single normal draws done so far.
        public var normals: UInt64
        /// Single uniform draws done so far.
        public var uniforms: UInt64

        public init(key: UInt64, fills: UInt64 = 0, normals: UInt64 = 0, uniforms: UInt64 = 0) {
            self.key = key
            self.fills = fills
            self.normals = normals
            self.uniforms = uniforms
        }
    }

    public var state: State
    /// Fills of at least this many numbers are split over ``parallelism`` parts.
    public var parallelThreshold: Int
    /// How many parts a large fill is split into (the numbers do not depend on it).
    public var parallelism: Int
    /// Runs `body(p)` for p in 0..<parts concurrently and returns when all are done; Dispatch when nil. A caller
    /// with its own worker threads (the networks' pool) passes them here, so that two pools do not compete.
    public var executor: ((_ parts: Int, _ body: (Int) -> Void) -> Void)?

    /// The generator's name in reports and on the command line.
    public static let name = "philox4x32-10"

    /// Stream `chain` of `seed`.
    public init(seed: UInt64, chain: UInt64 = 0, parallelism: Int = 1, parallelThreshold: Int = 1 << 14) {
        self.init(state: State(key: SplitMix64.mix(seed, chain)), parallelism: parallelism,
                  parallelThreshold: parallelThreshold)
    }

    /// Continues from a saved ``state``.
    public init(state: State, parallelism: Int = 1, parallelThreshold: Int = 1 << 14) {
        self.state = state
        self.parallelism = max(1, parallelism)
        self.parallelThreshold = parallelThreshold
    }

    static let normalDomain = UInt64.max
    static let uniformDomain = UInt64.max - 1

    public mutating func nextGaussian() -> Double {
        var z = 0.0
        cphilox_fill_normal_f64(&z, 1, state.key, Self.normalDomain, state.normals, 1)
        state.normals &+= 1
        return z
    }

    public mutating func nextUniform() -> Double {
        var u = 0.0
        cphilox_fill_uniform_f64(&u, 1, state.key, Self.uniformDomain, state.uniforms)
        state.uniforms &+= 1
        return u
    }

    public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double) {
        _ = fillGaussian(buffer, standardDeviation: standardDeviation) { _ in 0 }
    }

    public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, standardDeviation: Double) {
        _ = fillGaussian(buffer, standardDeviation: standardDeviation) { _ in 0 }
    }

    /// Fills element i with normal i of domain ``State/fills`` (then advances it), in ``parallelism`` contiguous
    /// parts run by ``executor``; each part hands its range to `body` on the thread that filled it.
    public mutating func fillGaussian<S: BinaryFloatingPoint>(
        _ buffer: UnsafeMutableBufferPointer<S>, standardDeviation: Double, thenReduce body: (Range<Int>) -> S
    ) -> S {
        let domain = state.fills
        state.fills &+= 1
        let key = state.key
        let n = buffer.count
        let parts = n >= parallelThreshold ? min(parallelism, max(1, n / 4096)) : 1
        guard parts > 1 else {
            Self.fill(buffer, 0, key: key, domain: domain, sigma: standardDeviation)
            return body(0..<n)
        }
        // Parts end on multiples of 64, the generator's block, so no block is computed twice.
        let partSize = ((n + parts - 1) / parts + 63) / 64 * 64
        return withUnsafeTemporaryAllocation(of: S.self, capacity: parts) { partial in
            partial.initialize(repeating: 0)
            let run = { (p: Int) in
                let lower = min(p * partSize, n), upper = min(lower + partSize, n)
                Self.fill(UnsafeMutableBufferPointer(rebasing: buffer[lower..<upper]), lower, key: key,
                          domain: domain, sigma: standardDeviation)
                partial[p] = upper > lower ? body(lower..<upper) : 0
            }
            if let executor {
                executor(parts, run)
            } else {
                withoutActuallyEscaping(run) { run in
                    let box = UncheckedRun(run: run)
                    DispatchQueue.concurrentPerform(iterations: parts) { p in box.run(p) }
                }
            }
            var total: S = 0
            for p in 0..<parts { total += partial[p] }
            return total
        }
    }

    /// Normals first ..< first + block.count of (key, domain), scaled by σ, into `block`.
    static func fill<S: BinaryFloatingPoint>(_ block: UnsafeMutableBufferPointer<S>, _ first: Int, key: UInt64,
                                             domain: UInt64, sigma: Double) {
        guard let base = block.baseAddress, !block.isEmpty else { return }
        if S.self == Float.self {
            base.withMemoryRebound(to: Float.self, capacity: block.count) {
                cphilox_fill_normal_f32($0, block.count, key, domain, UInt64(first), Float(sigma))
            }
        } else if S.self == Double.self {
            base.withMemoryRebound(to: Double.self, capacity: block.count) {
                cphilox_fill_normal_f64($0, block.count, key, domain, UInt64(first), sigma)
            }
        } else {
            var z = [Double](repeating: 0, count: block.count)
            cphilox_fill_normal_f64(&z, block.count, key, domain, UInt64(first), sigma)
            for i in 0..<block.count { block[i] = S(z[i]) }
        }
    }

    /// A vectorised code path of the single-precision fill. The fill picks the widest path the CPU runs; every
    /// path writes the same bits (explicit fused multiply–adds, no implicit contraction).
    public enum VectorPath: UInt32, CaseIterable, Sendable, CustomStringConvertible {
        /// Plain C (SSE2 on x86-64, whose fused multiply–adds are calls of libm's `fmaf`: many times slower than
        /// the vector paths, which run FMA instructions).
        case portable = 1
        /// AVX2 + FMA, 8 lanes.
        case avx2 = 2
        /// AVX-512 (F, DQ, BW, VL), 16 lanes, 64-bit-lane multiplies for the Philox rounds.
        case avx512 = 4

        /// The paths this CPU can run, narrowest first.
        public static var available: [VectorPath] {
            let bits = cphilox_available_paths()
            return allCases.filter { bits & $0.rawValue != 0 }
        }

        public var description: String {
            switch self {
            case .portable: "portable"
            case .avx2: "AVX2"
            case .avx512: "AVX-512"
            }
        }
    }

    /// For tests and benchmarks: σ·z for the whole 64-normal blocks `firstBlock ..< firstBlock + buffer.count / 64`
    /// of stream (`key`, `domain`) through one path, on the calling thread. Returns false (and writes nothing) if the
    /// CPU lacks the path.
    ///
    /// - Precondition: `buffer.count` is a multiple of 64.
    public static func fillBlocks(_ buffer: UnsafeMutableBufferPointer<Float>, through path: VectorPath,
                                  firstBlock: UInt64, key: UInt64, domain: UInt64, sigma: Float) -> Bool {
        precondition(buffer.count % 64 == 0, "whole blocks of 64 normals, got \(buffer.count)")
        guard let base = buffer.baseAddress else { return VectorPath.available.contains(path) }
        return cphilox_fill_blocks_f32_path(path.rawValue, base, buffer.count / 64, firstBlock, key, domain,
                                            sigma) == 0
    }

    /// The raw Philox4x32-10 bijection: `counter` encrypted under `key` (Random123's `philox4x32(ctr, key)`).
    public static func philox4x32_10(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32) {
        var c: [UInt32] = [counter.0, counter.1, counter.2, counter.3], k: [UInt32] = [key.0, key.1]
        var out = [UInt32](repeating: 0, count: 4)
        cphilox4x32_10(&c, &k, &out)
        return (out[0], out[1], out[2], out[3])
    }
}

// Safety: each concurrent part writes one disjoint range of the buffer and one slot of `partial`.
private struct UncheckedRun: @unchecked Sendable {
    let run: (Int) -> Void
}
