// SPDX-License-Identifier: GPL-3.0-or-later

@testable import Expressions
import LangevinCore
import Testing

@Suite("Compilation: constant folding, special forms, shared subexpressions")
struct CompilationTests {
    /// The operations of the compiled tape, in order.
    private func ops(_ source: String, variables: [String]? = nil) throws -> [Op] {
        try ExpressionEnergy(source, variables: variables).tape.map(\.op)
    }

    @Test func doubleWellIsSixInstructions() throws {
        // x² − 1, squared; y²·0.5 (division by a power of two is an exact multiplication); one addition.
        #expect(try ops("(x^2-1)^2 + y^2/2") == [.square, .addC, .square, .square, .mulC, .add])
    }

    static let foldingCases: [(String, [Op])] = [
        ("2*3 + x", [.addC]), ("x*(2^3 - 7)", []), ("-(-x)", []), ("x^1", []), ("x - 0", []),
        ("x^0", [.constant]), ("pi", [.constant]), ("exp(0) + log(1)", [.constant]),
        ("x + -y", [.sub]), ("-x + y", [.sub]), ("x - -y", [.add]), ("-(3*x)", [.mulC]),
        ("x*x", [.square]), ("x^2", [.square]), ("x^3", [.powI]), ("x^-3", [.powI]), ("x^-1", [.rdivC]),
        ("x^0.5", [.powC]), ("x^100", [.powC]), ("2^x", [.rpowC]), ("e^x", [.exp]), ("x^y", [.pow]),
        ("x/4", [.mulC]), ("x/3", [.divC]), ("3/x", [.rdivC]), ("x*1", []), ("x*-1", [.neg]), ("x/-1", [.neg]),
        ("x*x + x*x", [.square, .add]), ("sin(x)^2 + cos(x)^2 + sin(x)", [.sin, .square, .cos, .square, .add, .add]),
        ("x*y + y*x", [.mul, .add]),
    ]

    @Test(arguments: foldingCases)
    func folding(source: String, expected: [Op]) throws {
        #expect(try ops(source) == expected)
    }

    @Test func slotsAreDenseAfterDeadInstructionsAreDropped() throws {
        let u = try ExpressionEnergy("x + -y + -(3*x)")
        #expect(u.slotCount == u.dimension + u.tape.count)
        for (i, ins) in u.tape.enumerated() {
            #expect(Int(ins.out) == u.dimension + i)
            #expect(Int(ins.a) < Int(ins.out) && Int(ins.b) < Int(ins.out))
        }
        #expect(u.evaluate(["x": 2, "y": 5]) == 2 - 5 - 6)
    }

    @Test func foldingRoundsLikeEvaluation() throws {
        // A folded constant power uses the run-time kernel: 1.1^7 folded equals x^7 evaluated at 1.1.
        let folded = try ExpressionEnergy("1.1^7").evaluate([:])
        let evaluated = try ExpressionEnergy("x^7").evaluate(["x": 1.1])
        #expect(folded == evaluated)
    }
}
