// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
#if canImport(Glibc)
import Glibc
#endif

/// U = Σ k xᵢ²/2 in d dimensions.
struct Quadratic: Energy {
    typealias Scalar = Double
    var k: Double
    var dimension: Int
    func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        var u = 0.0
        for v in x { u += 0.5 * k * v * v }
        return u
    }
    func energyAndGradient(at x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        for i in 0..<dimension { g[i] = k * x[i] }
        return energy(at: x)
    }
}

/// U = −x⁴: unbounded below, so large steps run off to infinity.
struct Runaway: Energy {
    typealias Scalar = Double
    var dimension: Int { 1 }
    func energy(at x: UnsafeBufferPointer<Double>) -> Double { -x[0] * x[0] * x[0] * x[0] }
    func energyAndGradient(at x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        g[0] = -4 * x[0] * x[0] * x[0]
        return energy(at: x)
    }
}

/// U = −Σ xᵢ⁴ in d dimensions: Euler–Maruyama runs away to overflow within a few steps from |x| ≳ 1.
struct RunawayND: Energy {
    typealias Scalar = Double
    var dimension: Int
    func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        var u = 0.0
        for v in x { u -= v * v * v * v }
        return u
    }
    func energyAndGradient(at x: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        for i in 0..<dimension { g[i] = -4 * x[i] * x[i] * x[i] }
        return energy(at: x)
    }
}

/// A random source that replays fixed numbers (Gaussians and uniforms from separate lists, cyclically).
struct ScriptedRandom: RandomSource {
    var gaussians: [Double]
    var uniforms: [Double] = [0.5]
    var gi = 0
    var ui = 0
    mutating func nextGaussian() -> Double {
        defer { gi = (gi + 1) % gaussians.count }
        return gaussians[gi]
    }
    mutating func nextUniform() -> Double {
        defer { ui = (ui + 1) % uniforms.count }
        return uniforms[ui]
    }
}
