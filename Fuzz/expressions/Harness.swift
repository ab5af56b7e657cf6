// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the energy-expression lexer, parser and tape compiler, then one evaluation with gradient.
import Expressions
import LangevinCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpression(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let energy = try? ExpressionEnergy(text, variables: nil) else { return 0 }
    let x = (0..<energy.dimension).map { Double($0) * 0.37 - 0.5 }
    let r = energy.energyAndGradient(at: x)
    precondition(r.gradient.count == energy.dimension, "the gradient has one entry per variable")
    return 0
}
