// SPDX-License-Identifier: GPL-3.0-or-later

import Platform

/// The kernel Stein discrepancy with the inverse multiquadric kernel (Gorham & Mackey 2017; Liu, Lee & Jordan 2016;
/// Chwialkowski, Strathmann & Gretton 2016).
///
/// For a target p with score s(x) = ∇ log p(x) (= −∇U(x)/T for p ∝ exp(−U/T)) and a kernel k, the Stein kernel is
///
///     k_p(x, y) = s(x)·s(y) k(x, y) + s(x)·∇_y k(x, y) + s(y)·∇_x k(x, y) + ∇_x·∇_y k(x, y),
///
/// and KSD² = E_{x,y∼q} k_p(x, y) is zero iff q = p (under the conditions of Gorham & Mackey 2017, Thm. 8, which the
/// IMQ kernel k(x, y) = (c² + |x − y|²)^β with c > 0, β ∈ (−1, 0) satisfies for distantly dissipative targets).
/// With u = x − y, r² = |u|², q = c² + r² in dimension d:
///
///     k_p(x, y) = s(x)·s(y) q^β + 2β q^{β−1} (s(y) − s(x))·u − 2βd q^{β−1} − 4β(β−1) r² q^{β−2}.
///
/// The estimate is the V-statistic (1/n²) Σ_{i,j} k_p(xᵢ, xⱼ) ≥ 0, O(n² d); the reported figure is its square root.
/// It is biased upwards by O(1/n) for a correct sampler, so it is a figure for comparing samplers at equal n, not a
/// pass/fail test.
public enum KernelSteinDiscrepancy {
    /// KSD of the points (rows of a flat n×d array) given the score at each point (same layout), with the IMQ
    /// kernel (c² + r²)^β.
    public static func imq(points: [Double], scores: [Double], dimension d: Int,
                           c: Double = 1, beta: Double = -0.5) -> Double {
        precondition(d >= 1 && points.count % d == 0 && scores.count == points.count, "KSD: shape mismatch")
        let n = points.count / d
        guard n > 0 else { return .nan }
        let c2 = c * c
        let dd = Double(d)
        var total = 0.0
        points.withUnsafeBufferPointer { x in
            scores.withUnsafeBufferPointer { s in
                for i in 0..<n {
                    let xi = i * d
                    // Diagonal term: u = 0.
                    var si2 = 0.0
                    for a in 0..<d { si2 += s[xi + a] * s[xi + a] }
                    total += si2 * pow(c2, beta) - 2 * beta * dd * pow(c2, beta - 1)
                    var row = 0.0
                    for j in (i + 1)..<max(n, i + 1) {
                        let xj = j * d
                        var r2 = 0.0, ss = 0.0, du = 0.0
                        for a in 0..<d {
                            let u = x[xi + a] - x[xj + a]
                            r2 += u * u
                            ss += s[xi + a] * s[xj + a]
                            du += (s[xj + a] - s[xi + a]) * u
                        }
                        let q = c2 + r2
                        let qb1 = beta == -0.5 ? 1 / (q * q.squareRoot()) : pow(q, beta - 1)
                        let qb = qb1 * q
                        let qb2 = qb1 / q
                        row += ss * qb + 2 * beta * qb1 * du - 2 * beta * dd * qb1 - 4 * beta * (beta - 1) * r2 * qb2
                    }
                    total += 2 * row   // k_p is symmetric
                }
            }
        }
        return max(0, total / (Double(n) * Double(n))).squareRoot()
    }

    /// KSD of (at most `maxPoints` evenly spaced) rows of `points` for the target exp(−U/T), the score −∇U/T computed
    /// by `gradient` (which returns ∇U at a point). Returns the discrepancy and the number of points used.
    public static func imq(points: [Double], dimension d: Int, temperature: Double,
                           maxPoints: Int = 2000, c: Double = 1, beta: Double = -0.5,
                           gradient: ([Double]) -> [Double]) -> (discrepancy: Double, pointsUsed: Int) {
        let sub = evenSubsample(points, dimension: d, maxRows: maxPoints)
        let n = sub.count / d
        var scores = [Double](repeating: 0, count: sub.count)
        for i in 0..<n {
            let g = gradient(Array(sub[(i * d)..<((i + 1) * d)]))
            for a in 0..<d { scores[i * d + a] = -g[a] / temperature }
        }
        return (imq(points: sub, scores: scores, dimension: d, c: c, beta: beta), n)
    }
}

/// At most `maxRows` rows of a flat n×d array, evenly spaced: rows ⌊k n / m⌋, k = 0 … m−1.
func evenSubsample(_ rows: [Double], dimension d: Int, maxRows: Int) -> [Double] {
    let n = rows.count / d
    guard n > maxRows, maxRows > 0 else { return rows }
    var out: [Double] = []
    out.reserveCapacity(maxRows * d)
    for k in 0..<maxRows {
        let i = k * n / maxRows
        out.append(contentsOf: rows[(i * d)..<((i + 1) * d)])
    }
    return out
}
