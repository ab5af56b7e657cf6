// SPDX-License-Identifier: GPL-3.0-or-later
// CGSL is imported publicly only so that the per-draw calls below can be inlined into generic integrators
// (`@usableFromInline`); no public declaration exposes a C type.
public import CGSL
import LangevinCore

/// The GSL generator algorithms Langevin offers.
public enum GSLAlgorithm: String, CaseIterable, Sendable, Codable {
    /// Mersenne Twister MT19937 (Matsumoto & Nishimura 1998); period 2¹⁹⁹³⁷ − 1. The default.
    case mt19937
    /// Maximally equidistributed combined Tausworthe (L'Ecuyer 1996); fastest.
    case taus2
    /// RANLUX, double precision, luxury level 2 (Lüscher 1994): decorrelation proven, slow.
    case ranlxd2
    /// Four-tap lagged-Fibonacci shift register (Ziff 1998).
    case gfsr4

    @usableFromInline var type: UnsafePointer<gsl_rng_type> {
        switch self {
        case .mt19937: cgsl_rng_type_mt19937()
        case .taus2: cgsl_rng_type_taus2()
        case .ranlxd2: cgsl_rng_type_ranlxd2()
        case .gfsr4: cgsl_rng_type_gfsr4()
        }
    }

    /// Parses a generator name; the error lists the valid ones.
    public init(name: String) throws(LangevinError) {
        guard let a = GSLAlgorithm(rawValue: name.lowercased()) else {
            throw LangevinError(.unknownName,
                "unknown random number generator '\(name)': use one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = a
    }
}

/// A GSL random number generator (`gsl_rng`), owned: one per chain, freed with the object.
///
/// Gaussian draws use the ziggurat method (`gsl_ran_gaussian_ziggurat`, Marsaglia & Tsang 2000); uniform draws are
/// `gsl_rng_uniform`, on [0, 1).
///
/// **Streams.** ``init(algorithm:seed:stream:)`` seeds chain `stream` of a run with seed `s` by
/// `gsl_rng_set(r, SplitMix64.mix(s, stream) mod 2³²)` (GSL's generators take 32-bit seeds). Distinct streams are
/// distinct seedings of a long-period generator: independent for all practical purposes (they are not provably
/// non-overlapping), reproducible, and the same whatever the number of threads.
public final class GSLRandom: RandomSource {
    @usableFromInline let rng: UnsafeMutablePointer<gsl_rng>
    public let algorithm: GSLAlgorithm

    /// A generator seeded directly with `gsl_rng_set(r, seed)`.
    public init(algorithm: GSLAlgorithm = .mt19937, seed: UInt64) {
        GSLErrors.install()
        guard let r = gsl_rng_alloc(algorithm.type) else { fatalError("gsl_rng_alloc failed: out of memory") }
        self.rng = r
        self.algorithm = algorithm
        gsl_rng_set(r, UInt(seed & 0xFFFF_FFFF))
    }

    /// The generator for chain `stream` of a run with seed `seed` (see the type's documentation).
    public convenience init(algorithm: GSLAlgorithm = .mt19937, seed: UInt64, stream: Int) {
        self.init(algorithm: algorithm, seed: Self.streamSeed(seed: seed, stream: stream))
    }

    /// The 32-bit GSL seed used for (seed, stream).
    public static func streamSeed(seed: UInt64, stream: Int) -> UInt64 {
        SplitMix64.mix(seed, UInt64(stream)) & 0xFFFF_FFFF
    }

    /// Restores a generator from bytes produced by ``stateBytes``.
    public init(algorithm: GSLAlgorithm, state: [UInt8]) throws(LangevinError) {
        GSLErrors.install()
        guard let r = gsl_rng_alloc(algorithm.type) else { fatalError("gsl_rng_alloc failed: out of memory") }
        let size = gsl_rng_size(r)
        guard state.count == size else {
            gsl_rng_free(r)
            throw LangevinError(.invalidData,
                "generator state for \(algorithm.rawValue) must be \(size) bytes, got \(state.count)")
        }
        state.withUnsafeBytes { src in
            gsl_rng_state(r)!.copyMemory(from: src.baseAddress!, byteCount: size)
        }
        self.rng = r
        self.algorithm = algorithm
    }

    deinit { gsl_rng_free(rng) }

    /// The generator's complete internal state (`gsl_rng_state`, `gsl_rng_size` bytes): restoring it with
    /// ``init(algorithm:state:)`` continues the identical stream.
    public var stateBytes: [UInt8] {
        let size = gsl_rng_size(rng)
        let p = gsl_rng_state(rng)!
        return [UInt8](UnsafeRawBufferPointer(start: p, count: size))
    }

    /// An independent copy with the same state (`gsl_rng_clone`).
    public func copy() -> GSLRandom {
        let s = stateBytes
        return try! GSLRandom(algorithm: algorithm, state: s)
    }

    /// The next raw integer in [min, max] of the generator (`gsl_rng_get`).
    @inlinable public func nextRaw() -> UInt { gsl_rng_get(rng) }

    @inlinable public func nextUniform() -> Double { gsl_rng_uniform(rng) }

    @inlinable public func nextGaussian() -> Double { gsl_ran_gaussian_ziggurat(rng, 1.0) }


    @inlinable public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double) {
        guard let base = buffer.baseAddress else { return }
        if buffer.count == 1 { base[0] = gsl_ran_gaussian_ziggurat(rng, standardDeviation); return }
        if buffer.count == 2 {
            base[0] = gsl_ran_gaussian_ziggurat(rng, standardDeviation)
            base[1] = gsl_ran_gaussian_ziggurat(rng, standardDeviation)
            return
        }
        cgsl_fill_gaussian_ziggurat(rng, standardDeviation, base, buffer.count)
    }


    @inlinable public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, standardDeviation: Double) {
        guard let base = buffer.baseAddress else { return }
        cgsl_fill_gaussian_ziggurat_float(rng, standardDeviation, base, buffer.count)
    }
}

/// GSL's error handling: the default handler aborts the process; Langevin turns it off once and maps status codes.
enum GSLErrors {
    private static let installed: Bool = {
        _ = gsl_set_error_handler_off()
        return true
    }()
    static func install() { _ = installed }

    /// A ``LangevinError`` for a non-zero GSL status (`gsl_strerror`).
    static func error(_ status: Int32, _ context: String) -> LangevinError {
        let text = String(cString: gsl_strerror(status))
        return LangevinError(.numerical, "\(context): GSL error \(status) (\(text))")
    }
}
