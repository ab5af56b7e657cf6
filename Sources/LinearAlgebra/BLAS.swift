// SPDX-License-Identifier: GPL-3.0-or-later
// Thin single-precision wrappers over the CBLAS interface of OpenBLAS.
//
// Every matrix is row-major: element (i, j) of an r × c matrix with leading dimension ld lives at offset i·ld + j,
// and ld ≥ c. The public API shows no C types; dimensions are `Int` and are checked to fit the BLAS integer type.

internal import CCBLAS

/// Whether a matrix operand enters a product as itself (`none`, op(A) = A) or transposed (`transpose`, op(A) = Aᵀ).
public enum Transpose: Sendable, Equatable {
    case none
    case transpose

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

@inline(__always) private func bi(_ v: Int) -> blasint {
    precondition(v >= 0 && v <= Int(blasint.max), "BLAS dimension out of range: \(v)")
    return blasint(truncatingIfNeeded: v)
}

/// General matrix product C ← α·op(A)·op(B) + β·C (row-major).
///
/// Shapes: op(A) is m × k, op(B) is k × n, C is m × n. A is stored m × k (lda ≥ k) when `transA == .none` and
/// k × m (lda ≥ m) when transposed; likewise B is k × n (ldb ≥ n) or n × k (ldb ≥ k); ldc ≥ n.
/// When β = 0, C need not be initialised (BLAS does not read it).
public func sgemm(
    _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    precondition(lda >= max(1, transA == .none ? k : m), "sgemm: lda too small")
    precondition(ldb >= max(1, transB == .none ? n : k), "sgemm: ldb too small")
    precondition(ldc >= max(1, n), "sgemm: ldc too small")
    if m == 0 || n == 0 { return }
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, bi(m), bi(n), bi(k),
                alpha, a, bi(lda), b, bi(ldb), beta, c, bi(ldc))
}

/// Matrix–vector product y ← α·op(A)·x + β·y (row-major A, stored m × n with lda ≥ n).
///
/// With `trans == .none`, x has n entries and y has m; with `.transpose`, x has m entries and y has n.
/// `incX`, `incY` are the strides of x and y (positive).
public func sgemv(
    _ trans: Transpose, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
    x: UnsafePointer<Float>, incX: Int = 1, beta: Float, y: UnsafeMutablePointer<Float>, incY: Int = 1
) {
    precondition(lda >= max(1, n), "sgemv: lda too small")
    precondition(incX > 0 && incY > 0, "sgemv: strides must be positive")
    if m == 0 || n == 0 { return }
    cblas_sgemv(CblasRowMajor, trans.cblas, bi(m), bi(n), alpha, a, bi(lda), x, bi(incX), beta, y, bi(incY))
}

/// y ← α·x + y over `count` entries (strides `incX`, `incY`).
public func saxpy(
    count: Int, alpha: Float, x: UnsafePointer<Float>, incX: Int = 1, y: UnsafeMutablePointer<Float>, incY: Int = 1
) {
    if count == 0 { return }
    cblas_saxpy(bi(count), alpha, x, bi(incX), y, bi(incY))
}

/// x ← α·x over `count` entries (stride `incX`).
public func sscal(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incX: Int = 1) {
    if count == 0 { return }
    cblas_sscal(bi(count), alpha, x, bi(incX))
}

/// Σᵢ xᵢ·yᵢ over `count` entries (strides `incX`, `incY`), accumulated by OpenBLAS in single precision.
public func sdot(count: Int, x: UnsafePointer<Float>, incX: Int = 1, y: UnsafePointer<Float>, incY: Int = 1) -> Float {
    if count == 0 { return 0 }
    return cblas_sdot(bi(count), x, bi(incX), y, bi(incY))
}

/// The number of threads OpenBLAS uses for level-3 (and large level-2) operations.
///
/// Process-wide. The default is OpenBLAS's own (the `OPENBLAS_NUM_THREADS` environment variable, else the core
/// count). Setting it to the number of physical cores is usually best for the batch sizes of minibatch sampling.
public enum BLASThreads {
    /// Sets the OpenBLAS thread count (values < 1 are treated as 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(clamping: max(1, count)))
    }

    /// The current OpenBLAS thread count.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
