// SPDX-License-Identifier: GPL-3.0-or-later
import CounterRandom
import GSLSupport
import LangevinCore
import NeuralNetworks

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which generator draws a network run's Gaussian noise.
public enum NoiseKind: String, Sendable, Codable, Equatable {
    /// The configuration's GSL generator (`rng`), two fixed blocks of GSL streams (``BlockedGSLRandom``).
    case gsl
    /// Philox4x32-10 keyed by (seed, chain), vectorised and block-parallel (``PhiloxRandom``).
    case philox

    /// The generator's name as reports print it: `"philox4x32-10"`, or the GSL generator's name.
    public func name(gsl algorithm: GSLAlgorithm) -> String {
        self == .philox ? PhiloxRandom.name : algorithm.rawValue
    }
}

/// The noise source of a training run: the GSL blocks or the counter-based source, behind one `RandomSource`, with
/// the state a checkpoint stores.
final class NetworkNoise: RandomSource {
    enum Source {
        case gsl(BlockedGSLRandom)
        case philox(PhiloxRandom)
    }
    var source: Source

    /// Chain k's noise at step 0: GSL streams (s, 1) and (s, 2) of the chain's seed s
    /// (``Trainer/chainSeed(_:chain:)``), or Philox stream (seed, k). `parallelism` (default: the processors) only
    /// splits the work: the numbers are the same for every value.
    init(configuration: TrainingConfiguration, chain: Int = 0, parallelism: Int? = nil) {
        switch configuration.noise ?? .gsl {
        case .gsl:
            let blocked = BlockedGSLRandom(algorithm: configuration.rng,
                                           seed: Trainer.chainSeed(configuration.seed, chain: chain), blocks: 2,
                                           firstStream: 1)
            blocked.executor = runOnNetworkWorkers
            source = .gsl(blocked)
        case .philox:
            var p = PhiloxRandom(seed: configuration.seed, chain: UInt64(chain), parallelism: parallelism ?? ThreadBudget.processors)
            p.executor = runOnNetworkWorkers
            source = .philox(p)
        }
    }

    /// Restores the states saved by ``stateBytes``.
    convenience init(configuration: TrainingConfiguration, chain: Int = 0, parallelism: Int? = nil,
                     states: [[UInt8]]) throws(LangevinError) {
        self.init(configuration: configuration, chain: chain, parallelism: parallelism)
        switch source {
        case .gsl:
            let blocked = try BlockedGSLRandom(algorithm: configuration.rng, states: states)
            blocked.executor = runOnNetworkWorkers
            source = .gsl(blocked)
        case .philox(var p):
            guard states.count == 1, states[0].count == 32 else {
                throw LangevinError(.invalidData, "the checkpoint's Philox state is not 4 counters")
            }
            let words = (0..<4).map { w in (0..<8).reduce(UInt64(0)) { $0 | UInt64(states[0][8 * w + $1]) << (8 * $1) } }
            p.state = PhiloxRandom.State(key: words[0], fills: words[1], normals: words[2], uniforms: words[3])
            source = .philox(p)
        }
    }

    /// GSL: every generator's state; Philox: one entry, the four counters as little-endian UInt64.
    var stateBytes: [[UInt8]] {
        switch source {
        case .gsl(let blocked): return blocked.stateBytes
        case .philox(let p):
            let s = p.state
            return [[s.key, s.fills, s.normals, s.uniforms].flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }]
        }
    }

    func nextGaussian() -> Double {
        switch source {
        case .gsl(let b): return b.nextGaussian()
        case .philox(var p):
            let z = p.nextGaussian()
            source = .philox(p)
            return z
        }
    }

    func nextUniform() -> Double {
        switch source {
        case .gsl(let b): return b.nextUniform()
        case .philox(var p):
            let u = p.nextUniform()
            source = .philox(p)
            return u
        }
    }

    func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double) {
        _ = fillGaussian(buffer, standardDeviation: standardDeviation) { _ in 0 }
    }

    func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, standardDeviation: Double) {
        _ = fillGaussian(buffer, standardDeviation: standardDeviation) { _ in 0 }
    }

    func fillGaussian<S: BinaryFloatingPoint>(
        _ buffer: UnsafeMutableBufferPointer<S>, standardDeviation: Double, thenReduce body: (Range<Int>) -> S
    ) -> S {
        switch source {
        case .gsl(let b): return b.fillGaussian(buffer, standardDeviation: standardDeviation, thenReduce: body)
        case .philox(var p):
            let r = p.fillGaussian(buffer, standardDeviation: standardDeviation, thenReduce: body)
            source = .philox(p)
            return r
        }
    }
}
