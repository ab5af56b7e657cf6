// SPDX-License-Identifier: GPL-3.0-or-later

import Expressions
import LangevinCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Parsing: precedence, associativity, numbers, constants")
struct ParsingTests {
    /// Constant expressions and their exact values (every value here is exactly representable or computed the same
    /// way on both sides).
    static let constantCases: [(String, Double)] = [
        ("2+3*4", 14), ("(2+3)*4", 20), ("2*3^2", 18), ("-2^2", -4), ("(-2)^2", 4), ("2^3^2", 512),
        ("(2^3)^2", 64), ("2^-1", 0.5), ("2^-2^2", 0.0625), ("-2^-2", -0.25), ("10-4-3", 3), ("64/4/2", 8),
        ("2*-3", -6), ("--3", 3), ("+-+3", -3), ("1e-3*1000", 1), (".5*4", 2), ("1.5e2", 150), ("2.", 2),
        ("1E+2", 100), ("6.02E23", 6.02e23), ("7/2", 3.5), ("2^10", 1024), ("2^0.5", pow(2, 0.5)),
        ("3 - 2 - 1", 0), ("2 * (3 + 4) ^ 2 / 7", 14), ("-(1)", -1), (" \t1 +\n 1 ", 2),
        ("sqrt(16) + abs(-3) + exp(0) + log(1) + sin(0) + cos(0) + tanh(0)", 9),
        ("2*pi", 2 * Double.pi), ("pi", Double.pi), ("e", M_E), ("e^2", exp(2.0)), ("log(e)", log(M_E)),
    ]

    @Test(arguments: constantCases)
    func constantValue(source: String, expected: Double) throws {
        let u = try ExpressionEnergy(source)
        #expect(u.dimension == 0)
        #expect(u.energy(at: [Double]()) == expected)
        #expect(u.evaluate([:]) == expected)
    }

    static let variableCases: [(String, [String: Double], Double)] = [
        ("-x^2", ["x": 3], -9), ("x^y^z", ["x": 2, "y": 3, "z": 2], 512), ("(x^y)^z", ["x": 2, "y": 3, "z": 2], 64),
        ("x-y-z", ["x": 10, "y": 4, "z": 3], 3), ("x/y/z", ["x": 64, "y": 4, "z": 2], 8),
        ("x*-y", ["x": 2, "y": 3], -6), ("-x*y", ["x": 2, "y": 3], -6), ("x - -y", ["x": 2, "y": 3], 5),
        ("x + -y", ["x": 2, "y": 3], -1), ("x^-y", ["x": 2, "y": 2], 0.25), ("-x^-y", ["x": 2, "y": 1], -0.5),
        ("x^2 + y^3", ["x": 3, "y": -2], 1), ("x^-2", ["x": 4], 0.0625), ("x^1 + x^0", ["x": 5], 6),
        ("x/4 + x/3", ["x": 6], 3.5), ("2^x", ["x": 3], 8), ("e^x", ["x": 1], exp(1.0)),
        ("x*x*x", ["x": -3], -27), ("abs(x)", ["x": -2.5], 2.5),
        ("_a1 + B_2", ["_a1": 1, "B_2": 2], 3),
    ]

    @Test(arguments: variableCases)
    func valueWithVariables(source: String, values: [String: Double], expected: Double) throws {
        let u = try ExpressionEnergy(source)
        #expect(u.evaluate(values) == expected)
    }

    @Test func sourceAndDescription() throws {
        let u = try ExpressionEnergy("(x^2-1)^2 + y^2/2")
        #expect(u.source == "(x^2-1)^2 + y^2/2")
        #expect(u.description == u.source)
    }

    @Test func domainFollowsIEEE() throws {
        #expect(try ExpressionEnergy("log(x)").evaluate(["x": 0]) == -.infinity)
        #expect(try ExpressionEnergy("log(x)").evaluate(["x": -1]).isNaN)
        #expect(try ExpressionEnergy("sqrt(x)").evaluate(["x": -1]).isNaN)
        #expect(try ExpressionEnergy("1/x").evaluate(["x": 0]) == .infinity)
        #expect(try ExpressionEnergy("x^(1/3)").evaluate(["x": -8]).isNaN)
        #expect(try ExpressionEnergy("x^3").evaluate(["x": -2]) == -8)
    }

    @Test func evaluateReadsMissingVariablesAsNaN() throws {
        let u = try ExpressionEnergy("x + y")
        #expect(u.evaluate(["x": 1]).isNaN)
        #expect(u.evaluate(["x": 1, "y": 2, "z": 100]) == 3)
    }
}

@Suite("Variables: ordering and user-given lists")
struct VariableTests {
    static let orderCases: [(String, [String])] = [
        ("y^2 + x + b", ["b", "x", "y"]), ("x10 + x2 + x1", ["x1", "x10", "x2"]), ("Y + y + _z", ["Y", "_z", "y"]),
        ("e*x + pi", ["x"]), ("exp(t) + sin(t)", ["t"]), ("x*x + x", ["x"]), ("epsilon + pi2 + exp2", ["epsilon", "exp2", "pi2"]),
        ("3", []),
    ]

    @Test(arguments: orderCases)
    func alphabeticalOrder(source: String, names: [String]) throws {
        let u = try ExpressionEnergy(source)
        #expect(u.variableNames == names)
        #expect(u.dimension == names.count)
    }

    @Test func userOrderIsKept() throws {
        let u = try ExpressionEnergy("x + 10*y + 100*z", variables: ["z", "x", "y"])
        #expect(u.variableNames == ["z", "x", "y"])
        let (value, gradient) = u.energyAndGradient(at: [1, 2, 3])  // z = 1, x = 2, y = 3
        #expect(value == 132)
        #expect(gradient == [100, 1, 10])
    }

    @Test func unusedListedVariablesHaveZeroGradient() throws {
        let u = try ExpressionEnergy("x^2", variables: ["w", "x", "unused"])
        #expect(u.dimension == 3)
        let (value, gradient) = u.energyAndGradient(at: [7, 3, -1])
        #expect(value == 9)
        #expect(gradient == [0, 6, 0])
    }

    @Test func constantExpressionWithVariables() throws {
        let u = try ExpressionEnergy("2*pi", variables: ["x"])
        let (value, gradient) = u.energyAndGradient(at: [5])
        #expect(value == 2 * .pi)
        #expect(gradient == [0])
    }

    @Test func expressionThatIsAVariable() throws {
        let u = try ExpressionEnergy("y", variables: ["x", "y"])
        let (value, gradient) = u.energyAndGradient(at: [5, 6])
        #expect(value == 6)
        #expect(gradient == [0, 1])
    }
}
