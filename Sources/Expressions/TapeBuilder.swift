// SPDX-License-Identifier: GPL-3.0-or-later
// Code generation: the parser calls these methods bottom-up; they fold constants, pick cheap special forms and
// share repeated subexpressions while appending instructions to the tape.

/// An operand during compilation: a value known at compile time, or a slot filled at run time.
enum Operand: Equatable {
    case constant(Double)
    case slot(Int32)
}

/// Appends instructions to a tape, simplifying as it goes.
///
/// Every rewrite is exact in IEEE 754 double arithmetic (round to nearest): it changes neither a value nor the sign
/// of a zero nor whether a NaN appears. So `x·1 → x`, `x − 0 → x`, `x/4 → x·0.25` (a power of two),
/// `x + (−y) → x − y`, `−(−x) → x`, `x^1 → x`, `x^0 → 1` (IEEE `pow(x, 0) = 1` even for NaN) and `e^x → exp(x)` are
/// done; `x·0 → 0`, `x + 0 → x` (−0 + 0 = +0) and reassociations like `(x·2)·3 → x·6` are not.
/// Integer powers 2 ≤ |n| ≤ ``maxIntegerPower`` become multiplications (`x²` a single `square`), as does `x·x`.
/// Constant subexpressions are evaluated with the same kernels that run at evaluation time, so folding never changes
/// a result. Identical instructions (same operation, operands and constant) are emitted once.
struct TapeBuilder {
    /// Integer exponents up to this magnitude are computed by repeated multiplication rather than `pow`.
    static let maxIntegerPower = 64

    /// Slots `0 ..< variableCount` are the variables.
    let variableCount: Int
    private(set) var tape: [Instruction] = []
    private var seen: [Key: Int32] = [:]

    private struct Key: Hashable {
        var op: Op
        var a: Int32
        var b: Int32
        var c: UInt64
    }

    init(variableCount: Int) {
        self.variableCount = variableCount
    }

    /// The number of slots the tape needs: the variables plus one per instruction.
    var slotCount: Int { variableCount + tape.count }

    /// Makes `value` a slot: the final result must live somewhere even when it is a constant.
    mutating func materialize(_ value: Operand) -> Int32 {
        switch value {
        case .slot(let s): return s
        case .constant(let c): return emit(.constant, 0, 0, c)
        }
    }

    // MARK: Arithmetic

    mutating func negate(_ x: Operand) -> Operand {
        switch x {
        case .constant(let c):
            return .constant(Self.fold(.neg, c))
        case .slot(let s):
            if let p = producer(s) {
                if p.op == .neg { return .slot(p.a) }                                   // −(−x) = x
                if p.op == .mulC { return .slot(emit(.mulC, p.a, p.a, -p.c)) }         // −(x·k) = x·(−k)
            }
            return .slot(emit(.neg, s, s))
        }
    }

    mutating func add(_ x: Operand, _ y: Operand) -> Operand {
        switch (x, y) {
        case let (.constant(p), .constant(q)):
            return .constant(Self.fold(.add, p, q))
        case let (.slot(s), .constant(k)), let (.constant(k), .slot(s)):
            return addConstant(s, k)
        case let (.slot(s), .slot(t)):
            if let p = producer(t), p.op == .neg { return .slot(emit(.sub, s, p.a)) }  // x + (−y) = x − y
            if let p = producer(s), p.op == .neg { return .slot(emit(.sub, t, p.a)) }  // (−x) + y = y − x
            return .slot(emit(.add, min(s, t), max(s, t)))
        }
    }

    mutating func subtract(_ x: Operand, _ y: Operand) -> Operand {
        switch (x, y) {
        case let (.constant(p), .constant(q)):
            return .constant(Self.fold(.sub, p, q))
        case let (.slot(s), .constant(k)):
            return addConstant(s, -k)                                                  // x − k = x + (−k)
        case let (.constant(k), .slot(s)):
            return .slot(emit(.rsubC, s, s, k))
        case let (.slot(s), .slot(t)):
            if let p = producer(t), p.op == .neg { return .slot(emit(.add, min(s, p.a), max(s, p.a))) }
            return .slot(emit(.sub, s, t))
        }
    }

    mutating func multiply(_ x: Operand, _ y: Operand) -> Operand {
        switch (x, y) {
        case let (.constant(p), .constant(q)):
            return .constant(Self.fold(.mul, p, q))
        case let (.slot(s), .constant(k)), let (.constant(k), .slot(s)):
            return scale(s, k)
        case let (.slot(s), .slot(t)):
            if s == t { return .slot(emit(.square, s, s)) }
            return .slot(emit(.mul, min(s, t), max(s, t)))
        }
    }

    mutating func divide(_ x: Operand, _ y: Operand) -> Operand {
        switch (x, y) {
        case let (.constant(p), .constant(q)):
            return .constant(Self.fold(.div, p, q))
        case let (.slot(s), .constant(k)):
            if let r = Self.exactReciprocal(k) { return scale(s, r) }                  // x/2ᵐ = x·2⁻ᵐ exactly
            return .slot(emit(.divC, s, s, k))
        case let (.constant(k), .slot(s)):
            return .slot(emit(.rdivC, s, s, k))
        case let (.slot(s), .slot(t)):
            return .slot(emit(.div, s, t))
        }
    }

    mutating func power(_ x: Operand, _ y: Operand) -> Operand {
        // e^y = exp(y), which is more accurate than pow(e, y) (e is rounded); so also e^2 = exp(2), not e·e.
        if case .constant(let k) = x, k.bitPattern == eulerNumber.bitPattern { return call(.exp, y) }
        switch y {
        case .constant(let k):
            if k == 1 { return x }
            if k == 0 { return .constant(1) }
            let op: Op
            if k == 2 {
                op = .square
            } else if k == -1 {
                // x⁻¹ = 1/x, the same as powi(x, −1).
                switch x {
                case .constant(let p): return .constant(Self.fold(.rdivC, p, constant: 1))
                case .slot(let s): return .slot(emit(.rdivC, s, s, 1))
                }
            } else if k.rounded() == k && k.magnitude <= Double(Self.maxIntegerPower) {
                op = .powI
            } else {
                op = .powC
            }
            switch x {
            case .constant(let p): return .constant(Self.fold(op, p, constant: k))
            case .slot(let s): return .slot(emit(op, s, s, k))
            }
        case .slot(let t):
            switch x {
            case .constant(let k):
                return .slot(emit(.rpowC, t, t, k))
            case .slot(let s):
                return .slot(emit(.pow, s, t))
            }
        }
    }

    /// f(x) for one of the built-in functions.
    mutating func call(_ f: Op, _ x: Operand) -> Operand {
        switch x {
        case .constant(let c): return .constant(Self.fold(f, c))
        case .slot(let s): return .slot(emit(f, s, s))
        }
    }

    // MARK: Helpers

    private mutating func addConstant(_ s: Int32, _ k: Double) -> Operand {
        if k == 0 && k.sign == .minus { return .slot(s) }                              // x + (−0) = x for every x
        return .slot(emit(.addC, s, s, k))
    }

    private mutating func scale(_ s: Int32, _ k: Double) -> Operand {
        if k == 1 { return .slot(s) }
        if k == -1 { return negate(.slot(s)) }
        return .slot(emit(.mulC, s, s, k))
    }

    /// 1/k when k is a power of two whose reciprocal is also a normal number (then x/k = x·(1/k) for every x).
    private static func exactReciprocal(_ k: Double) -> Double? {
        guard k.isNormal, k.significandBitPattern == 0 else { return nil }
        let r = 1 / k
        return r.isNormal ? r : nil
    }

    /// The instruction that writes slot `s`, or nil for a variable.
    private func producer(_ s: Int32) -> Instruction? {
        let i = Int(s) - variableCount
        return i >= 0 ? tape[i] : nil
    }

    private mutating func emit(_ op: Op, _ a: Int32, _ b: Int32, _ c: Double = 0) -> Int32 {
        let key = Key(op: op, a: a, b: b, c: c.bitPattern)
        if let s = seen[key] { return s }
        let out = Int32(slotCount)
        tape.append(Instruction(op: op, a: a, b: b, out: out, c: c))
        seen[key] = out
        return out
    }

    /// Evaluates an operation on constants with the run-time kernel (`x` in slot 0, `y` in slot 1).
    static func fold(_ op: Op, _ x: Double, _ y: Double = 0, constant c: Double = 0) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2) { v in
            v[0] = x
            v[1] = y
            return apply(op, UnsafePointer(v.baseAddress!), 0, 1, c)
        }
    }

    /// The finished tape computing `result`: instructions whose values the result does not use (left behind by
    /// rewrites such as `x + (−y) → x − y`) are dropped and the slots renumbered densely.
    mutating func finish(result: Operand) -> (tape: [Instruction], output: Int32, slotCount: Int) {
        let output = materialize(result)
        var live = [Bool](repeating: false, count: slotCount)
        live[Int(output)] = true
        for ins in tape.reversed() where live[Int(ins.out)] && ins.op != .constant {
            live[Int(ins.a)] = true
            live[Int(ins.b)] = true
        }
        var renamed = [Int32](repeating: -1, count: slotCount)
        for s in 0..<variableCount { renamed[s] = Int32(s) }
        var kept: [Instruction] = []
        for ins in tape where live[Int(ins.out)] {
            var n = ins
            n.out = Int32(variableCount + kept.count)
            if ins.op == .constant {
                n.a = n.out
                n.b = n.out
            } else {
                n.a = renamed[Int(ins.a)]
                n.b = renamed[Int(ins.b)]
            }
            renamed[Int(ins.out)] = n.out
            kept.append(n)
        }
        return (kept, renamed[Int(output)], variableCount + kept.count)
    }
}

/// Euler's number e, the double nearest to it (`exp(1)`).
let eulerNumber = 2.718281828459045
