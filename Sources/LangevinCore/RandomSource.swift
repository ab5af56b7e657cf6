// SPDX-License-Identifier: GPL-3.0-or-later
import RealModule

/// A source of random variates for the integrators.
///
/// The core never talks to a concrete generator: integrators are generic over this protocol, so tests can use a
/// deterministic source and GSL's generators (`GSLRandom` in GSLSupport) are one conforming type.
public protocol RandomSource {
    /// One standard normal draw N(0, 1).
    mutating func nextGaussian() -> Double
    /// One uniform draw on [0, 1).
    mutating func nextUniform() -> Double
    /// Fills `buffer` with independent N(0, σ²) draws, in stream order (element 0 first).
    mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double)
    /// Fills `buffer` with independent N(0, σ²) draws rounded to single precision, in stream order.
    mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, standardDeviation: Double)

    /// Fills `buffer` with N(0, σ²) draws exactly as ``fillGaussian(generic:standardDeviation:)`` would, and calls
    /// `body(range)` on consecutive ranges that cover the buffer, each after its draws are in place; returns the sum
    /// of the results in range order. A source that fills blocks in parallel may call `body` concurrently for
    /// disjoint ranges, so `body` must only write inside its range. Integrators use it to apply the noise while it is
    /// still in cache, on all the source's threads.
    mutating func fillGaussian<S: BinaryFloatingPoint>(
        _ buffer: UnsafeMutableBufferPointer<S>, standardDeviation: Double, thenReduce body: (Range<Int>) -> S) -> S
}

extension RandomSource {
    @inlinable
    public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double) {
        for i in buffer.indices { buffer[i] = standardDeviation * nextGaussian() }
    }
    @inlinable
    public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, standardDeviation: Double) {
        for i in buffer.indices { buffer[i] = Float(standardDeviation * nextGaussian()) }
    }

    @inlinable
    public mutating func fillGaussian<S: BinaryFloatingPoint>(
        _ buffer: UnsafeMutableBufferPointer<S>, standardDeviation: Double, thenReduce body: (Range<Int>) -> S
    ) -> S {
        fillGaussian(generic: buffer, standardDeviation: standardDeviation)
        return body(0..<buffer.count)
    }

    /// Fills a buffer of either precision (dispatches to the concrete fills above).
    @inlinable
    public mutating func fillGaussian<S: BinaryFloatingPoint>(
        generic buffer: UnsafeMutableBufferPointer<S>, standardDeviation: Double
    ) {
        if S.self == Double.self {
            fillGaussian(UnsafeMutableBufferPointer<Double>(
                start: UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: Double.self),
                count: buffer.count), standardDeviation: standardDeviation)
        } else if S.self == Float.self {
            fillGaussian(UnsafeMutableBufferPointer<Float>(
                start: UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: Float.self),
                count: buffer.count), standardDeviation: standardDeviation)
        } else {
            for i in buffer.indices { buffer[i] = S(standardDeviation * nextGaussian()) }
        }
    }
}

/// A small, fast, deterministic generator (SplitMix64 + Box–Muller) for tests and for deriving seeds.
/// Not for production sampling: use GSL's generators.
public struct SplitMix64: RandomSource, Sendable {
    public var state: UInt64
    @usableFromInline var spare: Double? = nil

    public init(seed: UInt64) { self.state = seed }

    /// The next 64 random bits (Steele, Lea & Flood 2014).
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    @inlinable public mutating func nextGaussian() -> Double {
        if let s = spare { spare = nil; return s }
        var u = 0.0
        repeat { u = nextUniform() } while u == 0
        let v = nextUniform()
        let r = (-2 * Double.log(u)).squareRoot()
        let a = 2 * Double.pi * v
        spare = r * Double.sin(a)
        return r * Double.cos(a)
    }

    /// Mixes (seed, stream) into a 64-bit value; used to derive per-chain seeds.
    public static func mix(_ seed: UInt64, _ stream: UInt64) -> UInt64 {
        var g = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C909)
        let a = g.next()
        var h = SplitMix64(seed: a ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return h.next()
    }
}
