// SPDX-License-Identifier: GPL-3.0-or-later
// The LinearAlgebra wrappers the networks are built on (LinearAlgebra has no test target of its own), against naive
// loops on small integer-valued matrices, where single-precision results are exact.

import LinearAlgebra
import Testing

@Suite struct NetworkBLASTests {
    /// Element (i, j) of op(M) for a row-major matrix M with leading dimension ld.
    func at(_ m: [Float], _ ld: Int, _ trans: Transpose, _ i: Int, _ j: Int) -> Float {
        trans == .none ? m[i * ld + j] : m[j * ld + i]
    }

    @Test(arguments: [(Transpose.none, Transpose.none), (.none, .transpose), (.transpose, .none),
                      (.transpose, .transpose)])
    func sgemmMatchesNaiveProduct(transA: Transpose, transB: Transpose) {
        let m = 3, n = 4, k = 5
        // Padded leading dimensions (+2) to check they are honoured.
        let lda = (transA == .none ? k : m) + 2, ldb = (transB == .none ? n : k) + 2, ldc = n + 1
        let a = (0..<((transA == .none ? m : k) * lda)).map { Float(($0 * 7) % 11) - 5 }
        let b = (0..<((transB == .none ? k : n) * ldb)).map { Float(($0 * 5) % 9) - 4 }
        var c = (0..<(m * ldc)).map { Float($0 % 3) }
        let c0 = c
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    sgemm(transA, transB, m: m, n: n, k: k, alpha: 2, a: ap.baseAddress!, lda: lda,
                          b: bp.baseAddress!, ldb: ldb, beta: 0.5, c: cp.baseAddress!, ldc: ldc)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += at(a, lda, transA, i, p) * at(b, ldb, transB, p, j) }
                #expect(c[i * ldc + j] == 2 * s + 0.5 * c0[i * ldc + j])
            }
            #expect(c[i * ldc + n] == c0[i * ldc + n])   // padding untouched
        }
    }

    @Test func level1And2Wrappers() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]   // 2 × 3
        let x: [Float] = [1, -1, 2]
        var y: [Float] = [10, 20]
        a.withUnsafeBufferPointer { ap in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    sgemv(.none, m: 2, n: 3, alpha: 1, a: ap.baseAddress!, lda: 3, x: xp.baseAddress!, beta: 1,
                          y: yp.baseAddress!)
                }
            }
        }
        #expect(y == [15, 31])
        var z: [Float] = [0, 0, 0]
        a.withUnsafeBufferPointer { ap in
            y.withUnsafeBufferPointer { yp in
                z.withUnsafeMutableBufferPointer { zp in
                    sgemv(.transpose, m: 2, n: 3, alpha: 1, a: ap.baseAddress!, lda: 3, x: yp.baseAddress!, beta: 0,
                          y: zp.baseAddress!)
                }
            }
        }
        #expect(z == [139, 185, 231] as [Float])   // Aᵀy = (1·15 + 4·31, 2·15 + 5·31, 3·15 + 6·31)
        var v: [Float] = [1, 2, 3, 4]
        let u: [Float] = [1, 1, 1, 1]
        u.withUnsafeBufferPointer { up in
            v.withUnsafeMutableBufferPointer { vp in
                saxpy(count: 4, alpha: 3, x: up.baseAddress!, y: vp.baseAddress!)
                sscal(count: 2, alpha: -1, x: vp.baseAddress!, incX: 2)
            }
        }
        #expect(v == [-4, 5, -6, 7])
        let d = v.withUnsafeBufferPointer { vp in
            u.withUnsafeBufferPointer { sdot(count: 4, x: vp.baseAddress!, y: $0.baseAddress!) }
        }
        #expect(d == 2)
    }
}
