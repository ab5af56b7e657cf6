// SPDX-License-Identifier: GPL-3.0-or-later
// Tokens of the expression language, with the 1-based column (in characters) where each starts.

/// A syntax error: where it is (1-based character column) and what it is (a phrase that already names the column).
struct SyntaxError: Error {
    var column: Int
    var detail: String
}

/// A lexical token.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case identifier(String)
        case plus, minus, star, slash, caret
        case leftParenthesis, rightParenthesis, comma
        case end
    }

    var kind: Kind
    /// 1-based column of the first character; for `.end`, one past the last character.
    var column: Int
    /// The characters of the token as written (empty for `.end`).
    var text: String

    /// How an error message quotes the token.
    var quoted: String { kind == .end ? "end of expression" : "'\(text)'" }
}

/// Splits `source` into tokens.
///
/// Numbers are `digits [. digits] [(e|E) [+|-] digits]` or `. digits [exponent]` (so `2`, `2.`, `.5`, `1e-3`,
/// `6.02E23`), read as the nearest double; a number that overflows to infinity is rejected. Identifiers are
/// `[A-Za-z_][A-Za-z0-9_]*`. Whitespace separates tokens and is otherwise ignored.
func tokenize(_ source: String) throws(SyntaxError) -> [Token] {
    let chars = Array(source)
    var tokens: [Token] = []
    var i = 0

    func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
    func isIdentifierStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_") }
    func isIdentifierBody(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
    func at(_ k: Int) -> Character? { k < chars.count ? chars[k] : nil }

    while i < chars.count {
        let c = chars[i]
        let column = i + 1
        if c.isWhitespace {
            i += 1
            continue
        }
        if isDigit(c) || c == "." {
            let start = i
            var digits = 0
            while let d = at(i), isDigit(d) { i += 1; digits += 1 }
            if at(i) == "." {
                i += 1
                while let d = at(i), isDigit(d) { i += 1; digits += 1 }
            }
            var badExponent = false
            if let e = at(i), e == "e" || e == "E" {
                var j = i + 1
                if let s = at(j), s == "+" || s == "-" { j += 1 }
                if let d = at(j), isDigit(d) {
                    i = j
                    while let d = at(i), isDigit(d) { i += 1 }
                } else {
                    badExponent = true
                    i = j
                }
            }
            // A number running straight into '.', a digit or a dangling exponent is one malformed number.
            if digits == 0 || badExponent || at(i) == "." {
                while let d = at(i), isIdentifierBody(d) || d == "." { i += 1 }
                let text = String(chars[start..<i])
                throw SyntaxError(column: column, detail: "invalid number '\(text)' at column \(column)")
            }
            let text = String(chars[start..<i])
            guard let value = Double(text), value.isFinite else {
                throw SyntaxError(column: column, detail: "invalid number '\(text)' at column \(column) (out of range)")
            }
            if let next = at(i), isIdentifierStart(next) {
                throw SyntaxError(
                    column: i + 1,
                    detail: "unexpected '\(next)' at column \(i + 1) after the number '\(text)' "
                        + "(write '\(text)*\(next)' for a product)")
            }
            tokens.append(Token(kind: .number(value), column: column, text: text))
            continue
        }
        if isIdentifierStart(c) {
            let start = i
            while let d = at(i), isIdentifierBody(d) { i += 1 }
            let name = String(chars[start..<i])
            tokens.append(Token(kind: .identifier(name), column: column, text: name))
            continue
        }
        let kind: Token.Kind
        switch c {
        case "+": kind = .plus
        case "-": kind = .minus
        case "*": kind = .star
        case "/": kind = .slash
        case "^": kind = .caret
        case "(": kind = .leftParenthesis
        case ")": kind = .rightParenthesis
        case ",": kind = .comma
        default:
            throw SyntaxError(column: column, detail: "unexpected character '\(c)' at column \(column)")
        }
        tokens.append(Token(kind: kind, column: column, text: String(c)))
        i += 1
    }
    tokens.append(Token(kind: .end, column: chars.count + 1, text: ""))
    return tokens
}
