// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore

/// A potential energy U(x) written as a formula, such as `"(x^2-1)^2 + y^2/2"`, with its exact gradient.
///
/// ## Language
///
/// - Numbers: `3`, `2.5`, `.5`, `2.`, `1e-3`, `6.02E23`.
/// - Variables: identifiers `[A-Za-z_][A-Za-z0-9_]*` other than the names below; each is one coordinate.
/// - Constants: `pi` (π) and `e` (Euler's number). They are not variables.
/// - Functions of one argument: `exp`, `log` (natural), `sqrt`, `sin`, `cos`, `tanh`, `abs`.
/// - Operators, loosest first: binary `+ -`; binary `* /`; unary `- +`; `^` (power). `^` binds tighter than unary
///   minus and is right-associative: `-x^2` is −(x²), `2^3^2` is 2⁹ = 512, and `2^-1` is 0.5. The others are
///   left-associative: `8/4/2` is 1. There is no implicit multiplication (`2x` is an error; write `2*x`).
///
/// ## Coordinates
///
/// Without `variables:`, the coordinates are the variables of the expression in alphabetical (Unicode code point)
/// order, so `"y^2 + x"` has ``variableNames`` `["x", "y"]`, and `"x10 + x2"` has `["x10", "x2"]`: pass `variables:`
/// to choose another order. With `variables:`, the list is the coordinates in that order; every variable of the
/// expression must be in it, and listed names that the expression does not use are coordinates with ∂U/∂xᵢ = 0.
///
/// ## Evaluation and gradients
///
/// The expression is compiled once, at `init`, to a flat tape of instructions over an array of slots: constant
/// subexpressions folded, repeated subexpressions shared, `x^2` a single multiplication, other integer powers up to
/// |n| = 64 repeated multiplications, division by a power of two a multiplication, `e^y` a call of `exp`. Every
/// rewrite is exact in IEEE arithmetic; a folded constant is computed by the same code as at run time.
/// ``energy(at:)`` runs the tape forwards. For up to four coordinates, ``energyAndGradient(at:gradient:)`` runs a
/// tree of closures built from the tape at `init` that carries, with every subexpression's value, its gradient
/// (forward-mode automatic differentiation, all coordinates at once in one SIMD vector); U is bit for bit
/// ``energy(at:)``'s, except that a NaN may come out with another sign or payload. For more coordinates, or where
/// the closures would nest more than 100 calls deep (a sum of more than about 100 terms, say), it runs the tape
/// backwards after the forward sweep, which is reverse-mode automatic differentiation: ∇U costs a small constant
/// multiple of U, whatever the dimension. Both are exact up to rounding (no finite differences) and agree with each
/// other to rounding wherever the gradient is finite. Neither allocates on the heap: the slot arrays are temporary
/// stack buffers (for tapes so large that the thread's stack cannot hold them, the standard library falls back to a
/// heap buffer).
///
/// Out of a function's domain the result is what IEEE arithmetic gives: `log(0)` = −∞, `log(-1)`, `sqrt(-1)` and
/// `(-8)^(1/3)` are NaN, `1/0` = ∞, and so is the gradient, e.g. d√x/dx = +∞ at 0, and ∇√(x² + y²) at the origin is
/// (NaN, NaN) (∞·0). Integrators detect these non-finite values. A non-finite partial derivative reaches only the
/// coordinates its subexpression contains: ∇(√x + y²) at x = 0 is (+∞, 2y), not (+∞, NaN). Where infinities meet,
/// the closures and the reverse sweep may differ between ±∞ and NaN, as reassociated IEEE arithmetic does
/// (∞·0 + ∞·1 is NaN, ∞·(0 + 1) is ∞). Where a function has a kink the derivative used is d|x|/dx = 0 at x = 0. For
/// a variable exponent, ∂(a^b)/∂b = a^b·ln a, taken as 0 where a^b = 0 and NaN for a < 0.
///
/// ## Threads
///
/// An `ExpressionEnergy` is an immutable value: it holds no scratch storage, so one value (or its copies, which
/// share the compiled tape) may be used by any number of chains on any number of threads at once.
///
/// ## Errors
///
/// `init` throws ``LangevinError`` with code `.malformedExpression` for a syntax error, `.unknownName` for a
/// variable missing from `variables:`, and `.invalidParameter` for a bad `variables:` list (a name listed twice, not
/// an identifier, or the name of a constant or function). Syntax messages name the 1-based character column of the
/// fault and end with the source and a caret under that column:
///
///     expression 'x^2 + * y': unexpected '*' at column 7
///       x^2 + * y
///             ^
public struct ExpressionEnergy: Energy, Sendable, CustomStringConvertible {
    public typealias Scalar = Double

    /// The expression as written.
    public let source: String

    /// The coordinates, in order: `x[i]` is the value of `variableNames[i]`.
    public let variableNames: [String]

    /// The compiled program: slots `0 ..< dimension` are the coordinates, `output` is U.
    @usableFromInline let tape: [Instruction]
    @usableFromInline let output: Int
    @usableFromInline let slotCount: Int
    /// The forward-mode closure tree for ``energyAndGradient(at:gradient:)`` (d ≤ 4 and not too deeply nested),
    /// or nil: then the interpreter's reverse sweep.
    @usableFromInline let tangentProgram: TangentProgram?

    /// Compiles `source`.
    ///
    /// - Parameters:
    ///   - source: the formula for U, in units of kT (see the type's documentation for the language).
    ///   - variables: the coordinates in order; nil means the expression's variables in alphabetical order.
    /// - Throws: ``LangevinError`` (`.malformedExpression`, `.unknownName`, `.invalidParameter`).
    public init(_ source: String, variables: [String]? = nil) throws(LangevinError) {
        let compiled = try compileExpression(source, variables: variables)
        self.source = source
        self.variableNames = compiled.variableNames
        self.tape = compiled.tape
        self.output = Int(compiled.output)
        self.slotCount = compiled.slotCount
        self.tangentProgram = TangentProgram(tape: compiled.tape, dimension: compiled.variableNames.count,
                                              output: Int(compiled.output))
    }

    /// Whether ``energyAndGradient(at:gradient:)`` runs the forward-mode closures (true) or the interpreter's reverse
    /// sweep (false). For tests and benchmarks.
    var usesTangentClosures: Bool { tangentProgram != nil }

    /// The dimension d: the number of coordinates.
    public var dimension: Int { variableNames.count }

    public var description: String { source }

    /// U(x).
    ///
    /// - Precondition: `x.count == dimension`.
    @inlinable public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        let d = variableNames.count
        precondition(x.count == d, "expected \(d) coordinates, got \(x.count)")
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: slotCount) { buffer in
            let v = buffer.baseAddress!
            for i in 0..<d { v[i] = x[i] }
            tape.withUnsafeBufferPointer { forwardSweep($0, v) }
            return v[output]
        }
    }

    /// Writes ∇U(x) into `gradient` (`gradient[i]` = ∂U/∂`variableNames[i]`) and returns U(x).
    ///
    /// - Precondition: `x.count == dimension`, `gradient.count == dimension`.
    @inlinable public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let d = variableNames.count
        precondition(x.count == d && gradient.count == d,
                     "expected \(d) coordinates and gradient components, got \(x.count) and \(gradient.count)")
        // Optional chaining borrows the program; `if let` would copy it, a retain and a release of its closures.
        if let u = tangentProgram?.energyAndGradient(x.baseAddress!, gradient.baseAddress!, d) { return u }
        return reverseModeEnergyAndGradient(at: x, gradient: gradient)
    }

    /// ``energyAndGradient(at:gradient:)`` by the tape interpreter: a forward sweep, then the reverse sweep for ∇U.
    @inlinable func reverseModeEnergyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let d = variableNames.count
        let n = slotCount
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n) { buffer in
            let v = buffer.baseAddress!          // forward values
            let w = v + n                        // adjoints ∂U/∂slot
            for i in 0..<d {
                v[i] = x[i]
                w[i] = 0
            }
            tape.withUnsafeBufferPointer { t in
                forwardSweep(t, v, clearing: w)
                w[output] = 1
                reverseSweep(t, v, w)
            }
            for i in 0..<d { gradient[i] = w[i] }
            return v[output]
        }
    }

    /// U at the point given by name (a convenience for tests and scripts, not for hot loops).
    ///
    /// Names that are not coordinates are ignored; a coordinate missing from `values` reads as NaN, so the result
    /// is NaN unless that coordinate does not matter.
    public func evaluate(_ values: [String: Double]) -> Double {
        let x = variableNames.map { values[$0] ?? .nan }
        return x.withUnsafeBufferPointer { energy(at: $0) }
    }
}
