// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the energy-expression lexer, parser and tape compiler, then one evaluation with gradient,
// whose U must be bit for bit the forward sweep's and the reverse sweep's (any NaN counts as the same: LLVM may
// commute an addition's operands, which changes which NaN's sign and payload come out, but never whether it is NaN).
@testable import Expressions
import LangevinCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let energy = try? ExpressionEnergy(text, variables: nil) else { return 0 }
    let x = (0..<energy.dimension).map { Double($0) * 0.37 - 0.5 }
    let r = energy.energyAndGradient(at: x)
    precondition(r.gradient.count == energy.dimension, "the gradient has one entry per variable")
    let u = x.withUnsafeBufferPointer { energy.energy(at: $0) }
    func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
    precondition(same(u, r.energy), "energyAndGradient's U is energy(at:)'s")
    var g = [Double](repeating: 0, count: energy.dimension)
    let reverse = x.withUnsafeBufferPointer { xp in
        g.withUnsafeMutableBufferPointer { energy.reverseModeEnergyAndGradient(at: xp, gradient: $0) }
    }
    precondition(same(reverse, r.energy), "the reverse sweep's U is the closures' U")
    return 0
}
