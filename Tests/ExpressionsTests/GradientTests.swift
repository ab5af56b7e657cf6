// SPDX-License-Identifier: GPL-3.0-or-later

@testable import Expressions
import LangevinCore
import LangevinTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


/// An expression, the same function written in Swift, and points where it is smooth.
struct GradientCase: Sendable, CustomTestStringConvertible {
    var source: String
    var reference: @Sendable ([Double]) -> Double
    var points: [[Double]]
    var testDescription: String { "'\(source)'" }
}

@Suite("Gradients: reverse mode against Richardson-extrapolated central differences")
struct GradientTests {
    static let cases: [GradientCase] = [
        GradientCase(source: "(x^2-1)^2 + y^2/2",
                     reference: { v in let a = v[0] * v[0] - 1; return a * a + v[1] * v[1] / 2 },
                     points: [[0.3, -0.7], [1.2, 0.4], [-1.5, 2.0]]),
        GradientCase(source: "exp(-x^2/2) * sin(3*y) + cos(x*y)",
                     reference: { v in exp(-v[0] * v[0] / 2) * sin(3 * v[1]) + cos(v[0] * v[1]) },
                     points: [[0.3, -0.7], [1.1, 0.9], [-2.0, 0.25]]),
        GradientCase(source: "log(1 + x^2 + y^2) + sqrt(x^2 + 1)",
                     reference: { v in log(1 + v[0] * v[0] + v[1] * v[1]) + (v[0] * v[0] + 1).squareRoot() },
                     points: [[0.3, -0.7], [3.0, 0.5], [-0.8, -1.9]]),
        GradientCase(source: "tanh(x - 2*y)^3 - abs(x*y - 0.3)",
                     reference: { v in pow(tanh(v[0] - 2 * v[1]), 3) - abs(v[0] * v[1] - 0.3) },
                     points: [[0.3, -0.7], [1.0, 0.1], [-0.4, 0.6]]),
        GradientCase(source: "x^y + y^x",
                     reference: { v in pow(v[0], v[1]) + pow(v[1], v[0]) },
                     points: [[0.7, 1.3], [2.0, 0.5], [1.5, 2.5]]),
        GradientCase(source: "x^2.5 + y^-1.5 + 2^x + e^y",
                     reference: { v in pow(v[0], 2.5) + pow(v[1], -1.5) + pow(2, v[0]) + exp(v[1]) },
                     points: [[0.7, 1.3], [2.0, 0.5], [1.5, 2.5]]),
        GradientCase(source: "pi*x^-2 + e*y/(1 + x^4) - x^7/7",
                     reference: { v in .pi / (v[0] * v[0]) + M_E * v[1] / (1 + pow(v[0], 4)) - pow(v[0], 7) / 7 },
                     points: [[0.7, 1.3], [-1.2, 0.5], [1.5, -2.5]]),
        GradientCase(source: "-x^2 + +y - -z*y",
                     reference: { v in -v[0] * v[0] + v[1] + v[2] * v[1] },
                     points: [[0.7, 1.3, -0.4], [-1.2, 0.5, 2.0]]),
        GradientCase(source: "sqrt(abs(x)) * exp(sin(y)) / (2 + cos(z))",
                     reference: { v in abs(v[0]).squareRoot() * exp(sin(v[1])) / (2 + cos(v[2])) },
                     points: [[0.7, 1.3, -0.4], [-1.2, 0.5, 2.0], [3.0, -2.0, 0.1]]),
        GradientCase(source: "1/(x*x + y*y + 1)^0.5 - x^3*y^-3 + x/3 - 7/y",
                     reference: { v in
                         1 / pow(v[0] * v[0] + v[1] * v[1] + 1, 0.5) - pow(v[0], 3) * pow(v[1], -3) + v[0] / 3 - 7 / v[1]
                     },
                     points: [[0.7, 1.3], [-1.2, 0.5], [1.5, -2.5]]),
        GradientCase(source: "log(x)^2 * y + (x*y)^(1/3) + 2^(x*y)^0.5",
                     reference: { v in
                         let p = v[0] * v[1]
                         return pow(log(v[0]), 2) * v[1] + pow(p, 1.0 / 3) + pow(2, p.squareRoot())
                     },
                     points: [[0.7, 1.3], [2.0, 0.5], [1.5, 2.5]]),
        GradientCase(source: "(1 - x)^2 + 100*(y - x^2)^2",
                     reference: { v in let a = 1 - v[0], b = v[1] - v[0] * v[0]; return a * a + 100 * b * b },
                     points: [[0.3, -0.7], [1.2, 0.4], [-1.5, 2.0]]),
        // Shared subexpressions (x^2 + y^2 three times, w*z twice).
        GradientCase(source: "exp(-(x^2+y^2)) * (x^2+y^2) + sin(x^2+y^2)",
                     reference: { v in let r = v[0] * v[0] + v[1] * v[1]; return exp(-r) * r + sin(r) },
                     points: [[0.3, -0.7], [1.1, 0.9], [-2.0, 0.25]]),
        GradientCase(source: "w*x + y^2*z - sin(w*z) / (1 + (w*z)^2)",
                     reference: { v in
                         let p = v[0] * v[3]
                         return v[0] * v[1] + v[2] * v[2] * v[3] - sin(p) / (1 + p * p)
                     },
                     points: [[0.3, -0.7, 1.2, 0.4], [-1.1, 0.9, 0.5, 2.0]]),
        // Five coordinates: the interpreter's reverse sweep.
        GradientCase(source: "a*b - c^3/d + exp(-f^2) * a",
                     reference: { v in v[0] * v[1] - pow(v[2], 3) / v[3] + exp(-v[4] * v[4]) * v[0] },
                     points: [[0.3, -0.7, 1.2, 0.4, 0.8], [-1.1, 0.9, 0.5, 2.0, -0.3]]),
        GradientCase(source: "(x - y)^(z/2) * cos(pi*z) + x*x*x*y",
                     reference: { v in pow(v[0] - v[1], v[2] / 2) * cos(.pi * v[2]) + v[0] * v[0] * v[0] * v[1] },
                     points: [[2.0, 0.5, 1.3], [1.5, -1.0, -0.7], [3.0, 2.2, 2.6]]),
    ]

    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ c: GradientCase) throws {
        let u = try ExpressionEnergy(c.source)
        for point in c.points {
            let (value, gradient) = u.energyAndGradient(at: point)
            let expected = c.reference(point)
            #expect(abs(value - expected) <= 1e-13 * max(abs(expected), 1), "U at \(point)")
            for i in point.indices {
                let fd = richardsonDerivative({ t in
                    var p = point
                    p[i] = t
                    return u.energy(at: p)
                }, at: point[i], step: 0.05 * max(abs(point[i]), 1))
                #expect(abs(gradient[i] - fd) <= 1e-7 * max(abs(fd), 1),
                        "∂U/∂\(u.variableNames[i]) at \(point): reverse mode \(gradient[i]), differences \(fd)")
            }
        }
    }

    @Test(arguments: cases)
    func energyEqualsEnergyAndGradientValue(_ c: GradientCase) throws {
        let u = try ExpressionEnergy(c.source)
        for point in c.points {
            let value = u.energyAndGradient(at: point).energy
            #expect(u.energy(at: point) == value)
            let named = Dictionary(uniqueKeysWithValues: zip(u.variableNames, point))
            #expect(u.evaluate(named) == value)
            // The mutating GradientEstimator requirement is the same function.
            var estimator = u
            var g = [Double](repeating: 0, count: u.dimension)
            let viaEstimator = point.withUnsafeBufferPointer { xp in
                g.withUnsafeMutableBufferPointer { gp in callEstimator(&estimator, xp, gp) }
            }
            #expect(viaEstimator == value)
            #expect(g == u.energyAndGradient(at: point).gradient)
        }
    }

    /// The forward-mode closures (d ≤ 4) against the interpreter's reverse sweep: U bit for bit, ∇U to rounding.
    @Test(arguments: cases)
    func tangentClosuresAgreeWithReverseSweep(_ c: GradientCase) throws {
        let u = try ExpressionEnergy(c.source)
        #expect(u.usesTangentClosures == (u.dimension <= 4))
        for point in c.points {
            let closures = u.energyAndGradient(at: point)
            var g = [Double](repeating: .nan, count: u.dimension)
            let value = point.withUnsafeBufferPointer { x in
                g.withUnsafeMutableBufferPointer { u.reverseModeEnergyAndGradient(at: x, gradient: $0) }
            }
            #expect(closures.energy.bitPattern == value.bitPattern, "U at \(point)")
            for i in point.indices {
                #expect(abs(closures.gradient[i] - g[i]) <= 1e-13 * max(abs(g[i]), 1),
                        "∂U/∂\(u.variableNames[i]) at \(point): closures \(closures.gradient[i]), reverse \(g[i])")
            }
        }
    }

    /// A non-finite partial derivative reaches only the coordinates its subexpression contains, and a derivative that
    /// is 0 by value meets it as in the reverse sweep (0·∞ = NaN): both paths give the same, NaNs included.
    @Test func nonFinitePartialsStayInTheirCoordinates() throws {
        let nan = Double.nan, inf = Double.infinity
        let cases: [(String, [Double], [Double])] = [
            ("sqrt(x) + y^2", [0.0, 1.5], [inf, 3]),
            ("log(x) * y + y", [0.0, 2.0], [inf, -inf]),
            ("abs(x) + 2*y", [0.0, 7.0], [0, 2]),
            ("x*y + z", [0.0, inf, 1.0], [inf, 0, 1]),
            // No gradient at the origin: 0·∞ as the reverse sweep computes it.
            ("sqrt(x^2+y^2)", [0.0, 0.0], [nan, nan]),
            ("(sqrt(x^2+y^2) - 1)^2", [0.0, 0.0], [nan, nan]),
            ("sqrt(x*y)", [0.0, 1.0], [inf, nan]),
            ("sqrt(x-x)", [2.0], [nan]),
            ("abs(x)*y", [0.0, inf], [nan, 0]),
        ]
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        }
        for (source, point, expected) in cases {
            let u = try ExpressionEnergy(source)
            #expect(u.usesTangentClosures)
            let g = u.energyAndGradient(at: point).gradient
            #expect(same(g, expected), "'\(source)' at \(point): closures \(g)")
            var r = [Double](repeating: 0, count: u.dimension)
            _ = point.withUnsafeBufferPointer { x in
                r.withUnsafeMutableBufferPointer { u.reverseModeEnergyAndGradient(at: x, gradient: $0) }
            }
            #expect(same(r, expected), "'\(source)' at \(point): reverse sweep \(r)")
        }
    }

    /// The fast tangent rules multiply the lanes of coordinates an operand does not contain by finite partials
    /// without masking them, so those lanes can hold −0 (−(x²), x·(−3)): every partial that is 0 still comes out
    /// +0, bit for bit what the reverse sweep gives.
    @Test func zeroPartialsArePositiveZeros() throws {
        let cases: [(String, [String], [Double])] = [
            ("-(x^2)", ["x", "y"], [1.0, 5.0]),
            ("x*(-3)", ["x", "y"], [2.0, -1.0]),
            ("x/(-2) - 4", ["x", "y", "z"], [1.0, 2.0, 3.0]),
            ("-(x*y)", ["x", "y", "z"], [0.0, -1.0, 2.0]),
            ("(-x) * (-y)", ["w", "x", "y"], [1.0, -0.0, 0.0]),
        ]
        for (source, variables, point) in cases {
            let u = try ExpressionEnergy(source, variables: variables)
            #expect(u.usesTangentClosures)
            let g = u.energyAndGradient(at: point).gradient
            var r = [Double](repeating: 0, count: u.dimension)
            _ = point.withUnsafeBufferPointer { x in
                r.withUnsafeMutableBufferPointer { u.reverseModeEnergyAndGradient(at: x, gradient: $0) }
            }
            #expect(g.map(\.bitPattern) == r.map(\.bitPattern), "'\(source)' at \(point): closures \(g), reverse \(r)")
            for v in g where v == 0 { #expect(v.sign == .plus, "'\(source)' at \(point): \(g)") }
        }
    }

    /// Degenerate and very deep expressions: a coordinate alone, a constant, an unused coordinate, a cancellation,
    /// and nesting beyond the closures' limit (which then run the reverse sweep, with the same result).
    @Test func degenerateAndDeepExpressions() throws {
        #expect(try ExpressionEnergy("x").energyAndGradient(at: [3]) == (3, [1]))
        #expect(try ExpressionEnergy("x", variables: ["x", "y"]).energyAndGradient(at: [3, 4]) == (3, [1, 0]))
        #expect(try ExpressionEnergy("x - x").energyAndGradient(at: [3]) == (0, [0]))
        let constant = try ExpressionEnergy("2.5", variables: [])
        #expect(!constant.usesTangentClosures)
        #expect(constant.energyAndGradient(at: []) == (2.5, []))
        // x + x^2 + … + x^250: a chain of 249 additions, 251 levels, beyond the closures' 100.
        func powerSum(_ n: Int) throws -> ExpressionEnergy {
            try ExpressionEnergy((1...n).map { $0 == 1 ? "x" : "x^\($0)" }.joined(separator: " + "))
        }
        let deep = try powerSum(250)
        #expect(!deep.usesTangentClosures)
        let (value, gradient) = deep.energyAndGradient(at: [0.5])
        let expectedValue = (1...250).reduce(0.0) { $0 + pow(0.5, Double($1)) }
        let expectedSlope = (1...250).reduce(0.0) { $0 + Double($1) * pow(0.5, Double($1 - 1)) }
        #expect(abs(value - expectedValue) <= 1e-14 * expectedValue)
        #expect(abs(gradient[0] - expectedSlope) <= 1e-14 * expectedSlope)
        // 60 terms stay within it and give the same to rounding.
        let shallow = try powerSum(60)
        #expect(shallow.usesTangentClosures)
        let slope60 = (1...60).reduce(0.0) { $0 + Double($1) * pow(0.5, Double($1 - 1)) }
        #expect(abs(shallow.energyAndGradient(at: [0.5]).gradient[0] - slope60) <= 1e-14 * slope60)
    }

    @Test func derivativeConventionsAtSingularPoints() throws {
        // d|x|/dx = 0 at 0, ±1 elsewhere.
        let absolute = try ExpressionEnergy("abs(x)")
        #expect(absolute.energyAndGradient(at: [0]).gradient == [0])
        #expect(absolute.energyAndGradient(at: [-0.0]).gradient == [0])
        #expect(absolute.energyAndGradient(at: [-2]).gradient == [-1])
        // d√x/dx = +∞ at 0.
        #expect(try ExpressionEnergy("sqrt(x)").energyAndGradient(at: [0]).gradient == [.infinity])
        // log at 0: U = −∞ and dU/dx = +∞; at a negative number U is NaN.
        let (value, gradient) = try ExpressionEnergy("log(x)").energyAndGradient(at: [0])
        #expect(value == -.infinity && gradient == [.infinity])
        #expect(try ExpressionEnergy("log(x)").energyAndGradient(at: [-1]).energy.isNaN)
        // x^y at x = 0: ∂/∂y taken as 0 where the power is 0.
        let power = try ExpressionEnergy("x^y").energyAndGradient(at: [0, 2])
        #expect(power.energy == 0 && power.gradient == [0, 0])
        // A negative base with a variable exponent has no derivative in the exponent.
        let negative = try ExpressionEnergy("x^y").energyAndGradient(at: [-2, 3])
        #expect(negative.energy == -8 && negative.gradient[0] == 12 && negative.gradient[1].isNaN)
    }

    @Test func integerPowersAreExactPolynomials() throws {
        let u = try ExpressionEnergy("x^2 + x^3 + x^-2 + x^5")
        let (value, gradient) = u.energyAndGradient(at: [2])
        #expect(value == 44.25)  // 4 + 8 + 0.25 + 32
        #expect(gradient == [95.75])  // 4 + 12 − 0.25 + 80
    }

    @Test func concurrentUseOfOneValue() async throws {
        let u = try ExpressionEnergy("exp(-x^2/2) * sin(3*y) + cos(x*y)")
        let expected = u.energyAndGradient(at: [0.3, -0.7])
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<2000).allSatisfy { _ in
                        let r = u.energyAndGradient(at: [0.3, -0.7])
                        return r.energy == expected.energy && r.gradient == expected.gradient
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 })
    }
}

/// Calls the `mutating` requirement of ``GradientEstimator`` through a generic context.
private func callEstimator<F: GradientEstimator>(
    _ f: inout F, _ x: UnsafeBufferPointer<F.Scalar>, _ g: UnsafeMutableBufferPointer<F.Scalar>
) -> Double {
    f.energyAndGradient(at: x, gradient: g)
}
