// SPDX-License-Identifier: GPL-3.0-or-later
// Thin single-precision wrappers over the CBLAS interface of OpenBLAS.
//
// Every matrix is row-major: element (i, j) of an r × c matrix with leading dimension ld lives at offset i·ld + j,
// and ld ≥ c. The public API shows no C types; dimensions are `Int` and are checked to fit the BLAS integer type.

internal import CCBLAS
import Synchronization

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
///
/// **Single-threaded scopes.** Code whose results must not depend on the thread count (the networks: OpenBLAS's
/// Haswell and Zen kernels give other bits for a product split among threads) runs inside
/// ``withSingleThreaded(_:)``. The scopes are counted process-wide: the first to open saves the count and sets 1,
/// the last to close restores it, so scopes side by side (chains, a test runner's parallel tests) never see another
/// restore the count in the middle of their products; a count set while scopes are open is the one restored.
public enum BLASThreads {
    /// Sets the OpenBLAS thread count (values < 1 are treated as 1); while single-threaded scopes are open, the
    /// count the last of them restores (OpenBLAS stays on one thread until then).
    public static func set(_ count: Int) {
        scopes.withLock { scopes in
            if scopes.open > 0 { scopes.saved = max(1, count) } else { setRaw(count) }
        }
    }

    /// The current OpenBLAS thread count (1 inside single-threaded scopes).
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with OpenBLAS on one thread, in a counted single-threaded scope.
    @inlinable
    public static func withSingleThreaded<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        enterSingleThreaded()
        defer { leaveSingleThreaded() }
        return try body()
    }

    /// Opens a single-threaded scope; pair with ``leaveSingleThreaded()``. A count other than 1 found while scopes
    /// are open was set around them through OpenBLAS's own API: it becomes the count to restore.
    public static func enterSingleThreaded() {
        scopes.withLock { scopes in
            let now = current
            if scopes.open == 0 || now != 1 { scopes.saved = now }
            if now != 1 { setRaw(1) }
            scopes.open += 1
        }
    }

    /// Closes a scope opened by ``enterSingleThreaded()``; the last one restores the saved count.
    public static func leaveSingleThreaded() {
        scopes.withLock { scopes in
            scopes.open -= 1
            if scopes.open == 0 && scopes.saved != 1 { setRaw(scopes.saved) }
        }
    }

    private struct Scopes {
        var open = 0
        var saved = 1
    }
    private static let scopes = Mutex(Scopes())

    private static func setRaw(_ count: Int) { openblas_set_num_threads(Int32(clamping: max(1, count))) }
}
