// SPDX-License-Identifier: GPL-3.0-or-later
// Elementary functions for the pure-Swift core without a C import (Foundation-free).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inlinable @inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inlinable @inline(__always) func _sin(_ x: Double) -> Double { sin(x) }
@inlinable @inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inlinable @inline(__always) func _expm1(_ x: Double) -> Double { expm1(x) }
