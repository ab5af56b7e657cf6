// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import LangevinTestSupport
import Potentials
import Testing

/// ∂U/∂xᵢ by Richardson-extrapolated central differences (see ``LangevinTestSupport/richardsonGradient``).
func richardsonGradient<E: Energy>(_ e: E, at x: [Double], relativeStep: Double = 1e-3) -> [Double]
where E.Scalar == Double {
    LangevinTestSupport.richardsonGradient(at: x, relativeStep: relativeStep) { e.energy(at: $0) }
}

/// Checks ∇U against finite differences component by component (|Δ| ≤ rtol·max(1, |∂ᵢU|)) and that
/// `energyAndGradient` returns the same U as `energy`.
func expectGradientMatches<E: Energy>(
    _ e: E, at x: [Double], rtol: Double = 1e-6, relativeStep: Double = 1e-3,
    sourceLocation: SourceLocation = #_sourceLocation
) where E.Scalar == Double {
    let (u, g) = e.energyAndGradient(at: x)
    let u0 = e.energy(at: x)
    #expect(abs(u - u0) <= 1e-12 * max(1, abs(u0)), "U mismatch at \(x): \(u) vs \(u0)",
            sourceLocation: sourceLocation)
    let fd = richardsonGradient(e, at: x, relativeStep: relativeStep)
    for i in 0..<x.count {
        #expect(abs(fd[i] - g[i]) <= rtol * max(1, abs(g[i])),
                "∂U/∂x\(i) at \(x): analytic \(g[i]), finite difference \(fd[i])", sourceLocation: sourceLocation)
    }
}

/// Uniform random points in a box (fixed seed).
func randomPoints(_ count: Int, low: [Double], high: [Double], seed: UInt64) -> [[Double]] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        (0..<low.count).map { low[$0] + (high[$0] - low[$0]) * rng.nextUniform() }
    }
}

/// ∫ f over [a, b] by the trapezoid rule with n intervals (spectrally accurate for smooth, decaying integrands).
func trapezoid(_ a: Double, _ b: Double, _ n: Int, _ f: (Double) -> Double) -> Double {
    let h = (b - a) / Double(n)
    var s = 0.5 * (f(a) + f(b))
    for i in 1..<n { s += f(a + Double(i) * h) }
    return s * h
}

/// Plain gradient descent x ← x − η∇U until |∇U|∞ < tolerance or `maxSteps`; returns the final point, U and |∇U|∞.
func gradientDescent<E: Energy>(
    _ e: E, from x0: [Double], step: Double, tolerance: Double = 1e-10, maxSteps: Int = 200_000
) -> (x: [Double], energy: Double, gradientNorm: Double) where E.Scalar == Double {
    var x = x0
    var g = [Double](repeating: 0, count: x.count)
    var u = 0.0, norm = Double.infinity
    for _ in 0..<maxSteps {
        u = x.withUnsafeBufferPointer { xp in
            g.withUnsafeMutableBufferPointer { gp in e.energyAndGradient(at: xp, gradient: gp) }
        }
        norm = g.map(abs).max()!
        if norm < tolerance { break }
        for i in x.indices { x[i] -= step * g[i] }
    }
    return (x, u, norm)
}
