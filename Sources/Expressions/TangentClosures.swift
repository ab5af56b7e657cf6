// SPDX-License-Identifier: GPL-3.0-or-later
// The fast path of ∇U for expressions of few coordinates: the tape turned, once, into a tree of closures that
// compute each subexpression's value and its tangent (the gradient of that subexpression, all coordinates at once,
// in one SIMD vector) and hand both back in registers. Forward-mode automatic differentiation: one pass, no
// adjoint array, no interpreter dispatch.
//
// Why: the tape interpreter pays a `switch` and a store–load round trip through the slot array for every
// instruction, twice (forward and reverse sweeps). For the W1a expression "(x^2-1)^2 + y^2/2", one U-and-∇U call
// took 27 ns through the interpreter, 13 ns through a prototype of these closures and 4 ns as a hand-written Swift
// formula (20 million calls in a loop, AMD Zen 4; Docs/Benchmarks.md has the chain-level figures).

import Platform

/// A subexpression's value and its tangent: `tangent[i]` = ∂value/∂xᵢ for the coordinates i < d (lanes ≥ d are 0).
@usableFromInline typealias Tangent = SIMD4<Double>

/// A subexpression's value and tangent.
@usableFromInline
struct Dual: Sendable {
    @usableFromInline var value: Double
    @usableFromInline var tangent: Tangent

    @inlinable @inline(__always)
    init(_ value: Double, _ tangent: Tangent) {
        self.value = value
        self.tangent = tangent
    }
}

/// The coordinates a subexpression depends on, by the structure of the expression (not by the values of its
/// partial derivatives): bit i is set when coordinate i occurs in it. (A small integer rather than a vector mask:
/// closures keep it in a general register, which measured faster than a vector mask spilled around calls.)
@usableFromInline typealias Dependence = UInt8

/// `t` with the lanes whose bit is clear in `lanes` set to exactly +0.
@usableFromInline @inline(never)
func restricted(_ t: Tangent, _ lanes: Dependence) -> Tangent {
    let keep = SIMD4<UInt64>(repeating: UInt64(lanes)) & SIMD4<UInt64>(1, 2, 4, 8) .!= 0
    return t.replacing(with: 0, where: .!keep)
}

/// p·t on the lanes of the coordinates the operand depends on, exactly +0 on the others.
///
/// The reverse sweep never multiplies along a path that does not exist, so an infinite or NaN partial (√x at 0,
/// say) cannot reach a coordinate its subexpression does not contain: ∇(√x + y²) at x = 0 is (+∞, 2y). On the lanes
/// it does contain, a tangent that is 0 by value (x² at 0, x − x) is multiplied like any other, so 0·∞ is NaN as in
/// the reverse sweep.
///
/// The lanes a subexpression does not depend on are always ±0 (a coordinate's unit vector and a constant's zero
/// tangent start them at +0, and sums, negations and finite multiples keep them ±0), so a finite p leaves them ±0
/// and only a non-finite p needs the mask. A −0 there can change nothing but the sign of a zero partial, which
/// ``TangentProgram/energyAndGradient(_:_:_:)`` turns into +0 (tangents are only added, negated and scaled; a
/// zero's sign matters to no product with a finite factor, and an infinite factor takes the masked path): the
/// gradient is bit for bit the masked one's, but for the sign bit of a NaN (a review compared 6.8 million
/// evaluations of 170 000 random expressions; 0.6–1 % of NaN results, energies included, differ in that bit
/// between builds, as the compiler orders the operands of a commutative operation).
@inlinable @inline(__always)
func scaled(_ t: Tangent, _ p: Double, _ lanes: Dependence) -> Tangent {
    let r = t * p
    return p.isFinite ? r : restricted(r, lanes)
}

/// t / q on the lanes of `lanes`, exactly +0 on the others (see ``scaled(_:_:_:)``).
/// (±0/q is ±0 for a finite q ≠ 0, so only a zero or non-finite q needs the mask.)
@inlinable @inline(__always)
func divided(_ t: Tangent, _ q: Double, _ lanes: Dependence) -> Tangent {
    let r = t / q
    return q.isFinite && q != 0 ? r : restricted(r, lanes)
}

/// Where an operation's operand comes from, while the closures are built.
enum OperandSource {
    case coordinate(Int)
    case shared(Int, Dependence)
    case node(TangentProgram.Node, Dependence)
}

/// An operand as the closures read it. The three kinds are distinct types so that each operation's closure is
/// compiled for each kind: a coordinate or a shared value is read in place, only a subexpression is a call.
protocol TangentOperand: Sendable, SendableMetatype {
    /// The coordinates the operand depends on.
    var lanes: Dependence { get }
    func callAsFunction(_ x: UnsafePointer<Double>, _ shared: UnsafeMutablePointer<Dual>) -> Dual
}

/// Coordinate xᵢ: value x[i], tangent the i-th unit vector.
struct Coordinate: TangentOperand {
    let index: Int
    let unit: Tangent
    let lanes: Dependence
    init(_ index: Int) {
        self.index = index
        var e = Tangent()
        e[index] = 1
        self.unit = e
        self.lanes = 1 << index
    }
    @inline(__always) func callAsFunction(_ x: UnsafePointer<Double>, _ shared: UnsafeMutablePointer<Dual>) -> Dual {
        Dual(x[index], unit)
    }
}

/// A shared result, already computed into the scratch array.
struct SharedValue: TangentOperand {
    let index: Int
    let lanes: Dependence
    init(_ index: Int, _ lanes: Dependence) {
        self.index = index
        self.lanes = lanes
    }
    @inline(__always) func callAsFunction(_ x: UnsafePointer<Double>, _ shared: UnsafeMutablePointer<Dual>) -> Dual {
        shared[index]
    }
}

/// A subexpression used only here: its closure.
struct Subtree: TangentOperand {
    let node: TangentProgram.Node
    let lanes: Dependence
    @inline(__always) func callAsFunction(_ x: UnsafePointer<Double>, _ shared: UnsafeMutablePointer<Dual>) -> Dual {
        node(x, shared)
    }
}

/// U and ∇U of a compiled tape by a tree of closures, for dimensions up to 4 (the lanes of ``Tangent``).
///
/// The tangent type is concrete on purpose: closures stored in a generic type are called through reabstraction
/// thunks, which cost more than the lanes a narrower vector would save for d ≤ 2.
///
/// Every instruction whose result is used once becomes a closure that calls its operands' closures and returns
/// value and tangent; an instruction whose result is used more than once ("shared") is computed once, before
/// the closures that use it, into a scratch array that they read. Values are computed by ``evaluate(_:_:_:_:)``, the
/// same function as the interpreter's, so U is bit for bit what ``ExpressionEnergy/energy(at:)`` returns. The
/// gradient agrees with the reverse sweep to rounding (a product of partials is formed in another order) wherever
/// it is finite; where infinities meet, the two can differ as IEEE arithmetic does when reassociated (∞·0 + ∞·1 is
/// NaN, ∞·(0 + 1) is ∞; a product may overflow in one order and not the other), both then being non-finite unless
/// an intermediate product overflowed.
@usableFromInline
struct TangentProgram: Sendable {
    @usableFromInline typealias Node = @Sendable (UnsafePointer<Double>, UnsafeMutablePointer<Dual>)
        -> Dual

    /// Computes every shared value into the scratch array, in tape order, then returns the output's value and tangent.
    @usableFromInline let run: Node
    /// The number of shared results (the scratch array's length).
    @usableFromInline let sharedCount: Int

    /// The deepest chain of nested closure calls a program may have (the depth of the tree plus the number of
    /// shared results, each of which adds one frame): every call is a stack frame (about 110 bytes in a release
    /// build, 1.4 KiB in a debug build), and an evaluation may run on a thread with a small stack. Deeper
    /// expressions, e.g. a sum of more than about 100 terms, use the interpreter.
    static var maxNesting: Int { 100 }

    /// Builds the program, or returns nil when its closures would nest deeper than ``maxNesting`` or the tape has no
    /// coordinates or more than `Tangent` has lanes.
    init?(tape: [Instruction], dimension d: Int, output: Int) {
        guard d >= 1 && d <= Tangent.scalarCount else { return nil }
        let slotCount = d + tape.count
        // Uses of each slot as an operand (an output slot counts as used once more).
        var uses = [Int](repeating: 0, count: slotCount)
        for ins in tape where ins.op != .constant {
            uses[Int(ins.a)] += 1
            if ins.op.isBinary { uses[Int(ins.b)] += 1 }
        }
        uses[output] += 1
        // Nesting depth of each slot's closure (a coordinate or a shared read is a leaf, depth 1), and the
        // coordinates each slot depends on.
        var depth = [Int](repeating: 1, count: slotCount)
        var lanes = [Dependence](repeating: 0, count: slotCount)
        for i in 0..<d { lanes[i] = 1 << i }
        var sharedIndex = [Int](repeating: -1, count: slotCount)
        var sharedCount = 0
        var deepest = 1
        for ins in tape {
            let out = Int(ins.out), a = Int(ins.a), b = Int(ins.b)
            func leafDepth(_ s: Int) -> Int { sharedIndex[s] >= 0 ? 1 : depth[s] }
            switch ins.op {
            case .constant:
                break
            case _ where ins.op.isBinary:
                depth[out] = 1 + max(leafDepth(a), leafDepth(b))
                lanes[out] = lanes[a] | lanes[b]
            default:
                depth[out] = 1 + leafDepth(a)
                lanes[out] = lanes[a]
            }
            deepest = max(deepest, depth[out])
            if uses[out] > 1 && out != output {
                sharedIndex[out] = sharedCount
                sharedCount += 1
            }
        }
        // The shared values are stored by a chain of closures, one frame each, below the output's tree.
        guard deepest + sharedCount <= Self.maxNesting else { return nil }

        // Closures for every instruction, in tape order (operands before their users). Boxed: a closure kept
        // directly in an array is stored at the array's generic abstraction and would be called through thunks.
        final class Box {
            let node: Node
            init(_ node: @escaping Node) { self.node = node }
        }
        var node = [Box?](repeating: nil, count: slotCount)
        func source(_ s: Int32) -> OperandSource {
            let s = Int(s)
            if s < d { return .coordinate(s) }
            if sharedIndex[s] >= 0 { return .shared(sharedIndex[s], lanes[s]) }
            return .node(node[s]!.node, lanes[s])
        }
        for ins in tape {
            let n: Node
            switch ins.op {
            case .constant:
                let c = ins.c
                n = { _, _ in Dual(c, Tangent()) }
            case _ where ins.op.isBinary:
                n = Self.binary(ins.op, source(ins.a), source(ins.b))
            default:
                n = Self.unary(ins.op, source(ins.a), ins.c)
            }
            node[Int(ins.out)] = Box(n)
        }
        // run = store shared₀; store shared₁; …; return output, built from the last store backwards.
        // (The output is never shared: it has no user but the caller.)
        var run: Node
        if output < d {
            let a = Coordinate(output)
            run = { x, s in a(x, s) }
        } else {
            run = node[output]!.node
        }
        for ins in tape.reversed() {
            let k = sharedIndex[Int(ins.out)]
            guard k >= 0 else { continue }
            let compute = node[Int(ins.out)]!.node, rest = run
            run = { x, shared in
                shared[k] = compute(x, shared)
                return rest(x, shared)
            }
        }
        self.run = run
        self.sharedCount = sharedCount
    }

    /// U(x), with ∇U written into `gradient` (d entries).
    @inlinable @inline(__always)
    func energyAndGradient(_ x: UnsafePointer<Double>, _ gradient: UnsafeMutablePointer<Double>, _ d: Int) -> Double {
        // A constant capacity for the common case of few shared results: a fixed stack slot, no dynamic allocation.
        let r = sharedCount <= 4
            ? withUnsafeTemporaryAllocation(of: Dual.self, capacity: 4) { run(x, $0.baseAddress!) }
            : withUnsafeTemporaryAllocation(of: Dual.self, capacity: sharedCount) { run(x, $0.baseAddress!) }
        // + 0 makes a −0 lane +0, as the reverse sweep's sums (which start at +0) always give.
        for i in 0..<d { gradient[i] = r.tangent[i] + 0 }
        return r.value
    }

    // MARK: The closure of each operation
    //
    // Tangent rules (t = the operand's tangent, r = the result): the derivative of each operation as in the reverse
    // sweep's documentation (Tape.swift), applied to the tangent: −a → −t; a ± b → tₐ ± t_b; a·b → b·tₐ + a·t_b;
    // a/b → tₐ/b − (r·t_b)/b; and so on.

    private static func unary(_ op: Op, _ a: OperandSource, _ c: Double) -> Node {
        switch a {
        case .coordinate(let i): return unary(op, Coordinate(i), c)
        case .shared(let k, let m): return unary(op, SharedValue(k, m), c)
        case .node(let n, let m): return unary(op, Subtree(node: n, lanes: m), c)
        }
    }

    private static func binary(_ op: Op, _ a: OperandSource, _ b: OperandSource) -> Node {
        switch a {
        case .coordinate(let i): return binary(op, Coordinate(i), b)
        case .shared(let k, let m): return binary(op, SharedValue(k, m), b)
        case .node(let n, let m): return binary(op, Subtree(node: n, lanes: m), b)
        }
    }

    private static func binary<A: TangentOperand>(_ op: Op, _ a: A, _ b: OperandSource) -> Node {
        switch b {
        case .coordinate(let i): return binary(op, a, Coordinate(i))
        case .shared(let k, let m): return binary(op, a, SharedValue(k, m))
        case .node(let n, let m): return binary(op, a, Subtree(node: n, lanes: m))
        }
    }

    /// Unary operation `op` (with constant `c`) on an operand of value and tangent `u` that depends on `lanes`.
    @inline(__always)
    static func unaryRule(_ op: Op, _ u: Dual, _ c: Double, _ lanes: Dependence) -> Dual {
        let v = u.value
        switch op {
        case .neg: return Dual(evaluate(.neg, v, 0, c), -u.tangent)
        case .addC: return Dual(evaluate(.addC, v, 0, c), u.tangent)
        case .rsubC: return Dual(evaluate(.rsubC, v, 0, c), -u.tangent)
        case .mulC: return Dual(evaluate(.mulC, v, 0, c), scaled(u.tangent, c, lanes))
        case .divC: return Dual(evaluate(.divC, v, 0, c), divided(u.tangent, c, lanes))
        case .rdivC:
            let r = evaluate(.rdivC, v, 0, c)
            return Dual(r, -divided(scaled(u.tangent, r, lanes), v, lanes))
        case .square: return Dual(evaluate(.square, v, 0, c), scaled(u.tangent, 2 * v, lanes))
        case .powI: return Dual(evaluate(.powI, v, 0, c), scaled(u.tangent, c * powi(v, Int32(c) - 1), lanes))
        case .powC: return Dual(evaluate(.powC, v, 0, c), scaled(u.tangent, c * pow(v, c - 1), lanes))
        case .rpowC:
            let r = evaluate(.rpowC, v, 0, c)
            return Dual(r, scaled(u.tangent, powExponentPartial(r, base: c), lanes))
        case .exp:
            let r = evaluate(.exp, v, 0, c)
            return Dual(r, scaled(u.tangent, r, lanes))
        case .log: return Dual(evaluate(.log, v, 0, c), divided(u.tangent, v, lanes))
        case .sqrt:
            let r = evaluate(.sqrt, v, 0, c)
            return Dual(r, divided(u.tangent, 2 * r, lanes))
        case .sin: return Dual(evaluate(.sin, v, 0, c), scaled(u.tangent, cos(v), lanes))
        case .cos: return Dual(evaluate(.cos, v, 0, c), -scaled(u.tangent, sin(v), lanes))
        case .tanh:
            let r = evaluate(.tanh, v, 0, c)
            return Dual(r, scaled(u.tangent, 1 - r * r, lanes))
        case .abs:
            // sign(v)·t, with 0·t at v = ±0 and NaN propagated.
            let t = v > 0 ? u.tangent : (v < 0 ? -u.tangent : scaled(u.tangent, v, lanes))
            return Dual(evaluate(.abs, v, 0, c), t)
        case .constant, .add, .sub, .mul, .div, .pow:
            preconditionFailure("\(op) is not a unary operation")
        }
    }

    /// The closure of a unary instruction: one case per operation, so that each closure's rule is a constant.
    private static func unary<A: TangentOperand>(_ op: Op, _ a: A, _ c: Double) -> Node {
        let m = a.lanes
        switch op {
        case .neg: return { x, s in unaryRule(.neg, a(x, s), c, m) }
        case .addC: return { x, s in unaryRule(.addC, a(x, s), c, m) }
        case .rsubC: return { x, s in unaryRule(.rsubC, a(x, s), c, m) }
        case .mulC: return { x, s in unaryRule(.mulC, a(x, s), c, m) }
        case .divC: return { x, s in unaryRule(.divC, a(x, s), c, m) }
        case .rdivC: return { x, s in unaryRule(.rdivC, a(x, s), c, m) }
        case .square: return { x, s in unaryRule(.square, a(x, s), c, m) }
        case .powI: return { x, s in unaryRule(.powI, a(x, s), c, m) }
        case .powC: return { x, s in unaryRule(.powC, a(x, s), c, m) }
        case .rpowC: return { x, s in unaryRule(.rpowC, a(x, s), c, m) }
        case .exp: return { x, s in unaryRule(.exp, a(x, s), c, m) }
        case .log: return { x, s in unaryRule(.log, a(x, s), c, m) }
        case .sqrt: return { x, s in unaryRule(.sqrt, a(x, s), c, m) }
        case .sin: return { x, s in unaryRule(.sin, a(x, s), c, m) }
        case .cos: return { x, s in unaryRule(.cos, a(x, s), c, m) }
        case .tanh: return { x, s in unaryRule(.tanh, a(x, s), c, m) }
        case .abs: return { x, s in unaryRule(.abs, a(x, s), c, m) }
        case .constant, .add, .sub, .mul, .div, .pow:
            preconditionFailure("\(op) is not a unary operation")
        }
    }

    private static func binary<A: TangentOperand, B: TangentOperand>(_ op: Op, _ a: A, _ b: B) -> Node {
        switch op {
        case .add:
            return { x, s in
                let u = a(x, s), w = b(x, s)
                return Dual(evaluate(.add, u.value, w.value, 0), u.tangent + w.tangent)
            }
        case .sub:
            return { x, s in
                let u = a(x, s), w = b(x, s)
                return Dual(evaluate(.sub, u.value, w.value, 0), u.tangent - w.tangent)
            }
        case .mul:
            return { x, s in
                let u = a(x, s), w = b(x, s)
                return Dual(evaluate(.mul, u.value, w.value, 0),
                            scaled(u.tangent, w.value, a.lanes) + scaled(w.tangent, u.value, b.lanes))
            }
        case .div:
            return { x, s in
                let u = a(x, s), w = b(x, s)
                let r = evaluate(.div, u.value, w.value, 0)
                return Dual(r, divided(u.tangent, w.value, a.lanes)
                               - divided(scaled(w.tangent, r, b.lanes), w.value, b.lanes))
            }
        case .pow:
            return { x, s in
                let u = a(x, s), w = b(x, s)
                let base = u.value, exponent = w.value
                let r = evaluate(.pow, base, exponent, 0)
                return Dual(r, scaled(u.tangent, exponent * pow(base, exponent - 1), a.lanes)
                               + scaled(w.tangent, powExponentPartial(r, base: base), b.lanes))
            }
        default:
            preconditionFailure("\(op) is not a binary operation")
        }
    }
}
