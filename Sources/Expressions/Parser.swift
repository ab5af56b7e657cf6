// SPDX-License-Identifier: GPL-3.0-or-later
// Recursive-descent parser that generates the tape as it goes (one pass, no syntax tree).

import LangevinCore

/// The built-in functions, in the order error messages list them.
let builtinFunctions: [(name: String, op: Op)] = [
    ("exp", .exp), ("log", .log), ("sqrt", .sqrt), ("sin", .sin), ("cos", .cos), ("tanh", .tanh), ("abs", .abs),
]

/// The built-in constants: π and e.
let builtinConstants: [String: Double] = ["pi": .pi, "e": eulerNumber]

/// An expression compiled to a tape.
struct CompiledExpression: Sendable {
    var variableNames: [String]
    var tape: [Instruction]
    var output: Int32
    var slotCount: Int
}

/// Parses and compiles `source`; see ``ExpressionEnergy`` for the grammar and the error messages.
func compileExpression(_ source: String, variables: [String]?) throws(LangevinError) -> CompiledExpression {
    if let variables { try validateVariableList(variables) }

    func failure(_ e: SyntaxError, _ code: LangevinError.Code = .malformedExpression) -> LangevinError {
        LangevinError(code, "expression '\(source)': \(e.detail)\n" + caretDiagram(source, column: e.column))
    }

    let tokens: [Token]
    do {
        tokens = try tokenize(source)
    } catch {
        throw failure(error)
    }
    if tokens.count == 1 {
        throw failure(SyntaxError(column: 1, detail: "empty expression at column 1"))
    }

    // Variables: identifiers not called as functions and not constants, first occurrence first.
    var found: [(name: String, column: Int)] = []
    var seen: Set<String> = []
    for (k, t) in tokens.enumerated() {
        guard case .identifier(let name) = t.kind, tokens[k + 1].kind != .leftParenthesis,
              builtinConstants[name] == nil, !builtinFunctions.contains(where: { $0.name == name })
        else { continue }
        if seen.insert(name).inserted { found.append((name, t.column)) }
    }
    let names = variables ?? found.map(\.name).sorted()
    let unknown = found.filter { !names.contains($0.name) }
    var slots: [String: Int32] = [:]
    for (i, name) in (names + unknown.map(\.name)).enumerated() { slots[name] = Int32(i) }

    var parser = Parser(tokens: tokens, slots: slots, builder: TapeBuilder(variableCount: slots.count))
    let result: Operand
    do {
        result = try parser.parseWhole()
    } catch {
        throw failure(error)
    }
    if let first = unknown.first {
        let listed = names.isEmpty ? "none" : names.joined(separator: ", ")
        throw failure(
            SyntaxError(column: first.column,
                        detail: "unknown variable '\(first.name)' at column \(first.column); variables: \(listed)"),
            .unknownName)
    }
    let (tape, output, slotCount) = parser.builder.finish(result: result)
    return CompiledExpression(variableNames: names, tape: tape, output: output, slotCount: slotCount)
}

/// A user-given variable list must hold distinct identifiers that are neither functions nor constants.
private func validateVariableList(_ variables: [String]) throws(LangevinError) {
    var seen: Set<String> = []
    for name in variables {
        let chars = Array(name)
        let valid = !chars.isEmpty && chars.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            && !chars[0].isNumber
        guard valid else {
            throw .invalidParameter("variable name '\(name)' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)")
        }
        if builtinConstants[name] != nil {
            throw .invalidParameter("variable name '\(name)' is reserved: it is a built-in constant")
        }
        if builtinFunctions.contains(where: { $0.name == name }) {
            throw .invalidParameter("variable name '\(name)' is reserved: it is a built-in function")
        }
        guard seen.insert(name).inserted else {
            throw .invalidParameter("variable name '\(name)' is listed twice")
        }
    }
}

/// Two lines: the source (indented by two spaces, tabs and line breaks shown as spaces) and a caret under `column`.
func caretDiagram(_ source: String, column: Int) -> String {
    let line = String(source.map { $0.isWhitespace ? " " : $0 })
    return "  " + line + "\n  " + String(repeating: " ", count: max(column - 1, 0)) + "^"
}

/// Grammar (lowest precedence first):
///
///     expression := term (('+' | '-') term)*
///     term       := unary (('*' | '/') unary)*
///     unary      := ('-' | '+') unary | power
///     power      := primary ('^' unary)?
///     primary    := number | constant | variable | function '(' expression ')' | '(' expression ')'
///
/// So `^` binds tighter than unary minus (−x^2 = −(x²)), is right-associative (2^3^2 = 2⁹) and takes a signed
/// exponent (2^-1 = 0.5); `*` `/` `+` `-` are left-associative.
struct Parser {
    /// Deepest nesting of unary operators, powers and parentheses accepted (bounds the recursion).
    static let maxDepth = 100

    let tokens: [Token]
    let slots: [String: Int32]
    var builder: TapeBuilder
    private var position = 0
    private var depth = 0

    init(tokens: [Token], slots: [String: Int32], builder: TapeBuilder) {
        self.tokens = tokens
        self.slots = slots
        self.builder = builder
    }

    private var current: Token { tokens[position] }

    @discardableResult
    private mutating func advance() -> Token {
        defer { position += 1 }
        return tokens[position]
    }

    mutating func parseWhole() throws(SyntaxError) -> Operand {
        let value = try parseExpression()
        let t = current
        switch t.kind {
        case .end:
            return value
        case .rightParenthesis:
            throw SyntaxError(column: t.column,
                              detail: "unbalanced parentheses: ')' at column \(t.column) has no matching '('")
        default:
            throw SyntaxError(column: t.column,
                              detail: "unexpected \(t.quoted) at column \(t.column) after a complete expression")
        }
    }

    private mutating func parseExpression() throws(SyntaxError) -> Operand {
        var lhs = try parseTerm()
        while true {
            switch current.kind {
            case .plus:
                advance()
                lhs = builder.add(lhs, try parseTerm())
            case .minus:
                advance()
                lhs = builder.subtract(lhs, try parseTerm())
            default:
                return lhs
            }
        }
    }

    private mutating func parseTerm() throws(SyntaxError) -> Operand {
        var lhs = try parseUnary()
        while true {
            switch current.kind {
            case .star:
                advance()
                lhs = builder.multiply(lhs, try parseUnary())
            case .slash:
                advance()
                lhs = builder.divide(lhs, try parseUnary())
            default:
                return lhs
            }
        }
    }

    private mutating func parseUnary() throws(SyntaxError) -> Operand {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth {
            throw SyntaxError(column: current.column,
                              detail: "expression nested too deeply (more than \(Self.maxDepth) levels) "
                                  + "at column \(current.column)")
        }
        switch current.kind {
        case .minus:
            advance()
            return builder.negate(try parseUnary())
        case .plus:
            advance()
            return try parseUnary()
        default:
            let base = try parsePrimary()
            guard current.kind == .caret else { return base }
            advance()
            return builder.power(base, try parseUnary())
        }
    }

    private mutating func parsePrimary() throws(SyntaxError) -> Operand {
        let t = current
        switch t.kind {
        case .number(let value):
            advance()
            return .constant(value)
        case .identifier(let name):
            advance()
            if current.kind == .leftParenthesis { return try parseCall(name, at: t.column) }
            if builtinFunctions.contains(where: { $0.name == name }) {
                throw SyntaxError(column: t.column,
                                  detail: "function '\(name)' at column \(t.column) needs an argument in parentheses, "
                                      + "as in '\(name)(x)'")
            }
            if let value = builtinConstants[name] { return .constant(value) }
            return .slot(slots[name]!)
        case .leftParenthesis:
            advance()
            let value = try parseExpression()
            try close(t)
            return value
        case .end:
            throw SyntaxError(column: t.column, detail: "unexpected end of expression at column \(t.column)")
        default:
            throw SyntaxError(column: t.column, detail: "unexpected \(t.quoted) at column \(t.column)")
        }
    }

    private mutating func parseCall(_ name: String, at column: Int) throws(SyntaxError) -> Operand {
        guard let op = builtinFunctions.first(where: { $0.name == name })?.op else {
            let known = builtinFunctions.map(\.name).joined(separator: ", ")
            throw SyntaxError(column: column, detail: "unknown function '\(name)' at column \(column); known: \(known)")
        }
        let open = advance()
        var arguments: [Operand] = []
        if current.kind != .rightParenthesis {
            arguments.append(try parseExpression())
            while current.kind == .comma {
                advance()
                arguments.append(try parseExpression())
            }
        }
        try close(open)
        guard arguments.count == 1 else {
            throw SyntaxError(column: column,
                              detail: "function '\(name)' at column \(column) takes 1 argument, got \(arguments.count)")
        }
        return builder.call(op, arguments[0])
    }

    /// Consumes the ')' matching the '(' token `open`.
    private mutating func close(_ open: Token) throws(SyntaxError) {
        let t = current
        switch t.kind {
        case .rightParenthesis:
            advance()
        case .end:
            throw SyntaxError(column: open.column,
                              detail: "unbalanced parentheses: '(' at column \(open.column) is never closed")
        default:
            throw SyntaxError(column: t.column,
                              detail: "unexpected \(t.quoted) at column \(t.column); expected ')' to close the '(' "
                                  + "at column \(open.column)")
        }
    }
}
