// SPDX-License-Identifier: GPL-3.0-or-later
// The compiled form of an expression: a flat tape of instructions over a slot array, evaluated forwards for U and
// backwards (reverse-mode automatic differentiation) for ∇U.
//
// The sweeps are @inlinable so that a chain specialised in another module (runChain is generic) runs them inline:
// measured in a release build, energyAndGradient of "(x^2-1)^2 + y^2/2" took about 17 ns instead of 21 ns.

import Platform

/// One operation of the tape.
///
/// Slot layout: slots `0 ..< d` hold the variables x₀ … x_{d−1} (in ``ExpressionEnergy/variableNames`` order);
/// instruction `i` writes slot `d + i`. Every slot is written once (static single assignment), so the forward
/// values are all still there when the reverse sweep needs them.
///
/// `a`, `b` are operand slots; `c` is an immediate constant. Names ending in `C` take a constant as one operand:
/// `addC` is `a + c`, `rsubC` is `c − a`, `mulC` is `a·c`, `divC` is `a / c`, `rdivC` is `c / a`, `powC` is `a^c`,
/// `rpowC` is `c^a`. `powI` is `a^n` for a small integer n (held in `c`), computed by repeated multiplication.
@usableFromInline
enum Op: UInt8, Sendable {
    case constant
    case neg, add, sub, mul, div
    case addC, rsubC, mulC, divC, rdivC
    case square, powI, powC, rpowC, pow
    case exp, log, sqrt, sin, cos, tanh, abs
}

/// An instruction: `slot[out] = op(slot[a], slot[b], c)`.
@usableFromInline
struct Instruction: Sendable {
    @usableFromInline var op: Op
    @usableFromInline var a: Int32
    @usableFromInline var b: Int32
    @usableFromInline var out: Int32
    @usableFromInline var c: Double

    @usableFromInline
    init(op: Op, a: Int32, b: Int32, out: Int32, c: Double) {
        self.op = op
        self.a = a
        self.b = b
        self.out = out
        self.c = c
    }
}

// MARK: - Scalar kernels (shared by constant folding and the forward sweep, so both round identically)

/// xⁿ by binary exponentiation (⌊log₂|n|⌋ squarings and one multiplication per set bit of |n|); x⁻ⁿ = 1/xⁿ.
@inlinable @inline(__always)
func powi(_ x: Double, _ n: Int32) -> Double {
    var e = n.magnitude
    var base = x
    var r = 1.0
    while true {
        if e & 1 != 0 { r *= base }
        e >>= 1
        if e == 0 { break }
        base *= base
    }
    return n < 0 ? 1 / r : r
}

/// The value of operation `op` on operands `x` (slot a) and `y` (slot b) with immediate constant `c`: the one
/// definition of every operation's value, used by constant folding, the interpreter's forward sweep and the
/// tangent closures, so all three round identically. `y` is only read by the binary operations.
@inlinable @inline(__always)
func evaluate(_ op: Op, _ x: Double, _ y: Double, _ c: Double) -> Double {
    switch op {
    case .constant: return c
    case .neg: return -x
    case .add: return x + y
    case .sub: return x - y
    case .mul: return x * y
    case .div: return x / y
    case .addC: return x + c
    case .rsubC: return c - x
    case .mulC: return x * c
    case .divC: return x / c
    case .rdivC: return c / x
    case .square: return x * x
    case .powI: return powi(x, Int32(c))
    case .powC: return pow(x, c)
    case .rpowC: return pow(c, x)
    case .pow: return pow(x, y)
    case .exp: return exp(x)
    case .log: return log(x)
    case .sqrt: return x.squareRoot()
    case .sin: return sin(x)
    case .cos: return cos(x)
    case .tanh: return tanh(x)
    case .abs: return Swift.abs(x)
    }
}

extension Op {
    /// Whether the operation reads slot `b` (`add`, `sub`, `mul`, `div`, `pow`); the others read only `a` (and
    /// the tape builder sets `b = a` for them), and `constant` reads no slot.
    @inlinable var isBinary: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow: return true
        default: return false
        }
    }
}

/// The value of one instruction whose operands are `v[a]` and `v[b]` (only the operands the operation uses are read).
@inlinable @inline(__always)
func apply(_ op: Op, _ v: UnsafePointer<Double>, _ a: Int, _ b: Int, _ c: Double) -> Double {
    // A unary operation has b = a (see `Op.isBinary`), so v[b] is always a slot already written; only a constant
    // reads none (its a and b are 0, which need not be written yet).
    op == .constant ? c : evaluate(op, v[a], v[b], c)
}

/// ∂(base^exponent)/∂exponent = base^exponent · ln base, given the value `r` = base^exponent.
///
/// Taken as 0 where r = 0 (the limit from base → 0⁺ for a positive exponent), so that 0^y has a finite partial;
/// NaN for a negative base (where a^b is defined only at integer b and has no derivative in b).
@inlinable @inline(__always)
func powExponentPartial(_ r: Double, base: Double) -> Double {
    r == 0 ? 0 : r * log(base)
}

// MARK: - Sweeps

/// Forward sweep: runs every instruction; `v` holds the variables in its first slots on entry.
@inlinable @inline(__always)
func forwardSweep(_ tape: UnsafeBufferPointer<Instruction>, _ v: UnsafeMutablePointer<Double>) {
    for ins in tape {
        v[Int(ins.out)] = apply(ins.op, v, Int(ins.a), Int(ins.b), ins.c)
    }
}

/// The forward sweep of ``energyAndGradient``: also clears the adjoint of every slot it writes (w[out] = 0), so the
/// reverse sweep needs no separate pass over `w` (together with the variables' adjoints, cleared by the caller, that
/// is every slot the reverse sweep reads).
@inlinable @inline(__always)
func forwardSweep(_ tape: UnsafeBufferPointer<Instruction>, _ v: UnsafeMutablePointer<Double>,
                  clearing w: UnsafeMutablePointer<Double>) {
    for ins in tape {
        let out = Int(ins.out)
        v[out] = apply(ins.op, v, Int(ins.a), Int(ins.b), ins.c)
        w[out] = 0
    }
}

/// Reverse sweep: given the forward values `v` and the adjoints `w` (w[output] = 1, all other slots 0), accumulates
/// w[s] = ∂U/∂slot[s] for every slot, walking the tape backwards (each slot's adjoint is complete before it is read,
/// because an instruction's result is only used by later instructions).
///
/// Derivatives used (g = w[out], r = v[out]):
/// −a → −g; a ± b → ±g; a·b → g·b, g·a; a/b → g/b, −g·r/b; c/a → −g·r/a; a² → 2a·g; aⁿ → n·aⁿ⁻¹·g;
/// a^c → c·a^(c−1)·g; c^a → r·ln c·g; a^b → b·a^(b−1)·g, r·ln a·g (0 where r = 0); exp → r·g; log → g/a;
/// √a → g/(2r) (+∞ at 0); sin → cos a·g; cos → −sin a·g; tanh → (1 − r²)·g; |a| → sign(a)·g with sign(0) = 0.
@inlinable @inline(__always)
func reverseSweep(
    _ tape: UnsafeBufferPointer<Instruction>, _ v: UnsafePointer<Double>, _ w: UnsafeMutablePointer<Double>
) {
    var i = tape.count
    while i > 0 {
        i -= 1
        let ins = tape[i]
        let a = Int(ins.a)
        let b = Int(ins.b)
        let g = w[Int(ins.out)]
        switch ins.op {
        case .constant:
            break
        case .neg:
            w[a] -= g
        case .add:
            w[a] += g
            w[b] += g
        case .sub:
            w[a] += g
            w[b] -= g
        case .mul:
            w[a] += g * v[b]
            w[b] += g * v[a]
        case .div:
            let y = v[b]
            w[a] += g / y
            w[b] -= g * v[Int(ins.out)] / y
        case .addC:
            w[a] += g
        case .rsubC:
            w[a] -= g
        case .mulC:
            w[a] += g * ins.c
        case .divC:
            w[a] += g / ins.c
        case .rdivC:
            w[a] -= g * v[Int(ins.out)] / v[a]
        case .square:
            w[a] += g * (2 * v[a])
        case .powI:
            w[a] += g * (ins.c * powi(v[a], Int32(ins.c) - 1))
        case .powC:
            w[a] += g * (ins.c * pow(v[a], ins.c - 1))
        case .rpowC:
            w[a] += g * powExponentPartial(v[Int(ins.out)], base: ins.c)
        case .pow:
            let x = v[a]
            let y = v[b]
            w[a] += g * (y * pow(x, y - 1))
            w[b] += g * powExponentPartial(v[Int(ins.out)], base: x)
        case .exp:
            w[a] += g * v[Int(ins.out)]
        case .log:
            w[a] += g / v[a]
        case .sqrt:
            w[a] += g / (2 * v[Int(ins.out)])
        case .sin:
            w[a] += g * cos(v[a])
        case .cos:
            w[a] -= g * sin(v[a])
        case .tanh:
            let r = v[Int(ins.out)]
            w[a] += g * (1 - r * r)
        case .abs:
            let x = v[a]
            // sign(x)·g, with 0·g at x = ±0 and NaN propagated.
            w[a] += x > 0 ? g : (x < 0 ? -g : x * g)
        }
    }
}
