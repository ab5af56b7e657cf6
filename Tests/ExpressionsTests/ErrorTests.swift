// SPDX-License-Identifier: GPL-3.0-or-later

import Expressions
import LangevinCore
import Testing

/// The error `init` throws, or nil.
private func compileError(_ source: String, variables: [String]? = nil) -> LangevinError? {
    do {
        _ = try ExpressionEnergy(source, variables: variables)
        return nil
    } catch {
        return error
    }
}

/// One syntax or name error: the source, the code, the column and the message's first line after the prefix.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    var source: String
    var variables: [String]? = nil
    var code: LangevinError.Code = .malformedExpression
    var column: Int
    var detail: String

    var testDescription: String { "'\(source)'" }
}

@Suite("Errors: code, column, message and caret")
struct ErrorTests {
    static let known = "known: exp, log, sqrt, sin, cos, tanh, abs"

    static let cases: [ErrorCase] = [
        ErrorCase(source: "x^2 + * y", column: 7, detail: "unexpected '*' at column 7"),
        ErrorCase(source: "", column: 1, detail: "empty expression at column 1"),
        ErrorCase(source: "   ", column: 1, detail: "empty expression at column 1"),
        ErrorCase(source: "foo(x)", column: 1, detail: "unknown function 'foo' at column 1; \(known)"),
        ErrorCase(source: "2 * bar(x, y)", column: 5, detail: "unknown function 'bar' at column 5; \(known)"),
        ErrorCase(source: "x(2)", column: 1, detail: "unknown function 'x' at column 1; \(known)"),
        ErrorCase(source: "1 + exp(x, y)", column: 5, detail: "function 'exp' at column 5 takes 1 argument, got 2"),
        ErrorCase(source: "sin()", column: 1, detail: "function 'sin' at column 1 takes 1 argument, got 0"),
        ErrorCase(source: "exp + 1", column: 1,
                  detail: "function 'exp' at column 1 needs an argument in parentheses, as in 'exp(x)'"),
        ErrorCase(source: "(x + 1", column: 1, detail: "unbalanced parentheses: '(' at column 1 is never closed"),
        ErrorCase(source: "sqrt((x)", column: 5, detail: "unbalanced parentheses: '(' at column 5 is never closed"),
        ErrorCase(source: "x + 1)", column: 6, detail: "unbalanced parentheses: ')' at column 6 has no matching '('"),
        ErrorCase(source: "(x y)", column: 4,
                  detail: "unexpected 'y' at column 4; expected ')' to close the '(' at column 1"),
        ErrorCase(source: "x y", column: 3, detail: "unexpected 'y' at column 3 after a complete expression"),
        ErrorCase(source: "x^2 3", column: 5, detail: "unexpected '3' at column 5 after a complete expression"),
        ErrorCase(source: "x +", column: 4, detail: "unexpected end of expression at column 4"),
        ErrorCase(source: "x ^ ", column: 5, detail: "unexpected end of expression at column 5"),
        ErrorCase(source: "()", column: 2, detail: "unexpected ')' at column 2"),
        ErrorCase(source: "x + , y", column: 5, detail: "unexpected ',' at column 5"),
        ErrorCase(source: "1.2.3 + x", column: 1, detail: "invalid number '1.2.3' at column 1"),
        ErrorCase(source: "x + 2e", column: 5, detail: "invalid number '2e' at column 5"),
        ErrorCase(source: "1e+ * x", column: 1, detail: "invalid number '1e+' at column 1"),
        ErrorCase(source: "x * .", column: 5, detail: "invalid number '.' at column 5"),
        ErrorCase(source: "1e999", column: 1, detail: "invalid number '1e999' at column 1 (out of range)"),
        ErrorCase(source: "3 + 2x", column: 6,
                  detail: "unexpected 'x' at column 6 after the number '2' (write '2*x' for a product)"),
        ErrorCase(source: "x $ y", column: 3, detail: "unexpected character '$' at column 3"),
        ErrorCase(source: "α + 1", column: 1, detail: "unexpected character 'α' at column 1"),
        ErrorCase(source: "x + z", variables: ["x", "y"], code: .unknownName, column: 5,
                  detail: "unknown variable 'z' at column 5; variables: x, y"),
        ErrorCase(source: "b + a + b", variables: [], code: .unknownName, column: 1,
                  detail: "unknown variable 'b' at column 1; variables: none"),
        // A syntax error is reported before an unknown variable.
        ErrorCase(source: "z + (", variables: ["x"], column: 6, detail: "unexpected end of expression at column 6"),
    ]

    @Test(arguments: cases)
    func syntaxError(_ c: ErrorCase) throws {
        let error = try #require(compileError(c.source, variables: c.variables))
        #expect(error.code == c.code)
        let lines = error.message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "expression '\(c.source)': \(c.detail)")
        #expect(lines[2] == "  " + String(repeating: " ", count: c.column - 1) + "^")
    }

    @Test func caretDiagramShowsTheSource() throws {
        let error = try #require(compileError("x^2 + * y"))
        #expect(error.message == """
            expression 'x^2 + * y': unexpected '*' at column 7
              x^2 + * y
                    ^
            """)
        #expect(error.description == error.message)
    }

    @Test func tooDeepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "(", count: 500) + "x" + String(repeating: ")", count: 500)
        let error = try #require(compileError(deep))
        #expect(error.code == .malformedExpression)
        #expect(error.message.contains("nested too deeply"))
        #expect(compileError(String(repeating: "-", count: 90) + "x") == nil)
        // Long flat sums are fine: only nesting is bounded.
        let sum = (0..<2000).map { "x\($0)^2" }.joined(separator: " + ")
        #expect(try ExpressionEnergy(sum).dimension == 2000)
    }

    static let badLists: [([String], String)] = [
        (["x", "x"], "variable name 'x' is listed twice"),
        (["pi"], "variable name 'pi' is reserved: it is a built-in constant"),
        (["e"], "variable name 'e' is reserved: it is a built-in constant"),
        (["exp"], "variable name 'exp' is reserved: it is a built-in function"),
        (["2x"], "variable name '2x' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)"),
        ([""], "variable name '' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)"),
        (["x y"], "variable name 'x y' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)"),
    ]

    @Test(arguments: badLists)
    func badVariableList(variables: [String], message: String) throws {
        let error = try #require(compileError("1", variables: variables))
        #expect(error.code == .invalidParameter)
        #expect(error.message == message)
    }
}
