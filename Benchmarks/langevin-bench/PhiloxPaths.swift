// SPDX-License-Identifier: GPL-3.0-or-later
// The Philox fill through each vector path this CPU runs (one thread, the W2 network's 478 410 normals rounded up
// to whole blocks), so a machine without AVX-512 can be judged from one with it: every path writes the same bits,
// only the time differs.
import CounterRandom

/// ns per normal of each path (median of 7 batches, one thread), and whether it wrote the portable path's bits.
func philoxPathTimes(normals: Int = 478_464) -> [(path: PhiloxRandom.VectorPath, nanoseconds: Double, same: Bool)] {
    let count = normals / 64 * 64
    var reference = [Float](repeating: 0, count: count), out = [Float](repeating: 0, count: count)
    _ = reference.withUnsafeMutableBufferPointer {
        PhiloxRandom.fillBlocks($0, through: .portable, firstBlock: 0, key: 42, domain: 7, sigma: 1)
    }
    return PhiloxRandom.VectorPath.available.map { path in
        var ok = true
        let ms = millisecondsPer(70, warm: 5) {
            ok = out.withUnsafeMutableBufferPointer {
                PhiloxRandom.fillBlocks($0, through: path, firstBlock: 0, key: 42, domain: 7, sigma: 1)
            } && ok
        }
        let same = ok && zip(out, reference).allSatisfy { $0.bitPattern == $1.bitPattern }
        return (path, ms * 1e6 / Double(count), same)
    }
}
