// SPDX-License-Identifier: GPL-3.0-or-later
// Preallocated, 64-byte aligned workspaces and small vectorised kernels used by the layers.

/// A fixed-size, 64-byte aligned, zero-initialised Float workspace owned by a layer or network.
///
/// Allocated once (at construction, for the maximum batch size) and freed on deinit, so the hot path never allocates.
final class FloatWorkspace {
    let base: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: self.count * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: self.count)
        base.initialize(repeating: 0, count: self.count)
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }
}

/// A fixed-size Int32 workspace (indices, e.g. max-pool argmax), freed on deinit.
final class IndexWorkspace {
    let base: UnsafeMutablePointer<Int32>
    let count: Int

    init(count: Int) {
        self.count = max(count, 1)
        base = .allocate(capacity: self.count)
        base.initialize(repeating: 0, count: self.count)
    }

    deinit { base.deallocate() }
}

/// Adds the row vector `bias` (length `columns`) to each of the `rows` rows of the row-major matrix `y`.
@inline(__always)
func addRowVector(_ bias: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    var row = y
    for _ in 0..<rows {
        for j in 0..<columns { row[j] += bias[j] }
        row += columns
    }
}

/// g[j] += Σ_r dy[r, j]: column sums of the row-major rows × columns matrix `dy`, accumulated into `g`.
@inline(__always)
func accumulateColumnSums(_ dy: UnsafePointer<Float>, rows: Int, columns: Int, into g: UnsafeMutablePointer<Float>) {
    var row = dy
    for _ in 0..<rows {
        for j in 0..<columns { g[j] += row[j] }
        row += columns
    }
}


/// y[i] = max(x[i], 0) for i < count (x and y may alias), 16 lanes at a time: a compare and a blend, `0 if x ≤ 0 else x`, which is
/// exactly Swift's `max(x, 0)` of the scalar tail (−0 becomes +0, a NaN stays NaN, so a diverging network is caught by the finiteness checks). `pointwiseMax` is not used: it
/// has IEEE `maximum` semantics, which Swift lowers lane by lane through the stack (5× slower here).
func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD16<Float>
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let zero = V(repeating: 0)
    var i = 0
    while i + V.scalarCount <= count {
        let v = rx.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        ry.storeBytes(of: v.replacing(with: zero, where: v .<= zero), toByteOffset: i * 4, as: V.self)
        i += V.scalarCount
    }
    while i < count { y[i] = max(x[i], 0); i += 1 }
}

/// dx[i] = dy[i] if y[i] > 0, else 0, for i < count (dx and dy may alias), branch-free, 16 lanes at a time.
func reluBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD16<Float>
    let ry = UnsafeRawPointer(y), rdy = UnsafeRawPointer(dy), rdx = UnsafeMutableRawPointer(dx)
    let zero = V(repeating: 0)
    var i = 0
    while i + V.scalarCount <= count {
        let v = ry.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        let g = rdy.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        rdx.storeBytes(of: g.replacing(with: zero, where: v .<= zero), toByteOffset: i * 4, as: V.self)
        i += V.scalarCount
    }
    while i < count { dx[i] = y[i] > 0 ? dy[i] : 0; i += 1 }
}
