// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import RealModule

// Image transforms for dataset shift and synthetic out-of-distribution sets.
//
// All of them keep the labels, the image size and the class count, so that a shifted test set is scored against
// the same labels (Ovadia et al. 2019, "Can you trust your model's uncertainty?", rotated MNIST), and all of them
// keep pixels inside [0, 1].

extension Dataset {
    /// Every image rotated by `degrees` counter-clockwise (as seen on screen, row 0 at the top) about the image
    /// centre, by bilinear interpolation; pixels that come from outside the image are 0 (the background).
    ///
    /// **Math.** With the centre `(c_r, c_c) = ((rows − 1)/2, (cols − 1)/2)` and θ = degrees·π/180, output pixel
    /// `(r, c)` takes the source point found by rotating back by −θ in screen coordinates
    /// (x = c − c_c to the right, y = c_r − r upwards):
    /// `x_s = cos θ · x + sin θ · y`, `y_s = −sin θ · x + cos θ · y`, and interpolates bilinearly between the four
    /// source pixels around `(r_s, c_s) = (c_r − y_s, c_c + x_s)`, a neighbour outside the image counting as 0.
    /// A multiple of 90° on a square image permutes pixels exactly; 0° is the identity.
    ///
    /// Named `"<name>/rot<degrees>"`. Throws `.invalidParameter` for a non-finite angle.
    public func rotated(byDegrees degrees: Double) throws(LangevinError) -> Dataset {
        guard degrees.isFinite else {
            throw LangevinError(.invalidParameter, "data set \(name): rotation angle must be finite, got \(degrees)")
        }
        let label = "\(name)/rot\(degrees == degrees.rounded() ? String(Int(degrees)) : String(degrees))"
        // Exact sine and cosine at multiples of 90°, so that those rotations are exact permutations.
        let quarter = degrees / 90
        let (sinT, cosT): (Double, Double)
        if quarter == quarter.rounded() {
            switch ((Int(quarter) % 4) + 4) % 4 {
            case 0: (sinT, cosT) = (0, 1)
            case 1: (sinT, cosT) = (1, 0)
            case 2: (sinT, cosT) = (0, -1)
            default: (sinT, cosT) = (-1, 0)
            }
        } else {
            let theta = degrees * Double.pi / 180
            (sinT, cosT) = (Double.sin(theta), Double.cos(theta))
        }
        let rows = self.rows, cols = self.cols, n = pixelsPerImage
        let cr = Double(rows - 1) / 2, cc = Double(cols - 1) / 2
        // The four source pixels and weights of each output pixel are the same for every image: compute them once.
        var taps = [(Int, Float)]()
        taps.reserveCapacity(4 * n)
        for r in 0 ..< rows {
            for c in 0 ..< cols {
                let x = Double(c) - cc, y = cr - Double(r)
                let xs = cosT * x + sinT * y, ys = -sinT * x + cosT * y
                let rs = cr - ys, cs = cc + xs
                let r0 = rs.rounded(.down), c0 = cs.rounded(.down)
                let fr = rs - r0, fc = cs - c0
                for (dr, dc, w) in [(0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                                    (1, 0, fr * (1 - fc)), (1, 1, fr * fc)] {
                    let rr = Int(r0) + dr, ccol = Int(c0) + dc
                    if w > 1e-12, rr >= 0, rr < rows, ccol >= 0, ccol < cols {
                        taps.append((rr * cols + ccol, Float(w)))
                    } else {
                        taps.append((-1, 0))
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: images.count)
        images.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0 ..< count {
                    let base = i * n
                    for p in 0 ..< n {
                        var v: Float = 0
                        for t in 4 * p ..< 4 * p + 4 where taps[t].0 >= 0 {
                            v += taps[t].1 * src[base + taps[t].0]
                        }
                        dst[base + p] = min(max(v, 0), 1)
                    }
                }
            }
        }
        return Dataset(unchecked: label, images: out, labels: labels, rows: rows, cols: cols, classes: classes)
    }

    /// Every pixel replaced by `1 − x`: white digits on black become black digits on white. The classic synthetic
    /// OOD set made from the test set itself (same strokes, inverted contrast). Named `"<name>/negated"`.
    public func negated() -> Dataset {
        Dataset(unchecked: name + "/negated", images: images.map { 1 - $0 }, labels: labels,
                rows: rows, cols: cols, classes: classes)
    }

    /// `count` images of independent U[0, 1) pixels from `random` (drawn image by image, pixel by pixel in row-major
    /// order), the size and class count of this set; labels are all 0 (an OOD set's labels are never scored).
    /// Named `"uniform-noise"`. Throws `.invalidParameter` for a negative count.
    public func uniformNoise(count: Int, random: inout some RandomSource) throws(LangevinError) -> Dataset {
        guard count >= 0 else {
            throw LangevinError(.invalidParameter, "uniform noise: image count must be non-negative, got \(count)")
        }
        let n = pixelsPerImage
        var pixels = [Float](repeating: 0, count: count * n)
        for i in 0 ..< pixels.count { pixels[i] = Float(random.nextUniform()) }
        // Float rounding of a draw just below 1 could give exactly 1: still inside [0, 1].
        return Dataset(unchecked: "uniform-noise", images: pixels, labels: [Int32](repeating: 0, count: count),
                       rows: rows, cols: cols, classes: classes)
    }
}
