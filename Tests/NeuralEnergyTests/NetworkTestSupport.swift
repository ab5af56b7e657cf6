// SPDX-License-Identifier: GPL-3.0-or-later
// A naive Double-precision reference implementation of the documented layer semantics and parameter layout, used to
// check the Float networks' forward pass and, by central finite differences in Double, their gradients.

import LangevinCore
@testable import NeuralEnergy
@testable import NeuralNetworks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Logits of one example, computed straight from the layout documented on ``LayerSpec`` (NHWC, OHWI kernels,
/// row-major dense weights, each layer's weight block followed by its bias block).
func referenceLogits(specs: [LayerSpec], input: TensorShape, parameters w: [Double], example x: [Double]) -> [Double] {
    var shape = input
    var a = x
    var offset = 0
    for spec in specs {
        switch spec {
        case .dense(let m):
            let n = shape.channels
            var y = [Double](repeating: 0, count: m)
            for i in 0..<m {
                var s = w[offset + m * n + i]
                for j in 0..<n { s += w[offset + i * n + j] * a[j] }
                y[i] = s
            }
            offset += m * n + m
            a = y
            shape = .vector(m)
        case .relu:
            a = a.map { max($0, 0) }
        case .conv2D(let co, let k, let p):
            let h = shape.height, wd = shape.width, ci = shape.channels
            let ho = h + 2 * p - k + 1, wo = wd + 2 * p - k + 1
            var y = [Double](repeating: 0, count: ho * wo * co)
            for oy in 0..<ho {
                for ox in 0..<wo {
                    for o in 0..<co {
                        var s = w[offset + co * k * k * ci + o]
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy + ky - p, ix = ox + kx - p
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                for i in 0..<ci {
                                    s += w[offset + ((o * k + ky) * k + kx) * ci + i] * a[(iy * wd + ix) * ci + i]
                                }
                            }
                        }
                        y[(oy * wo + ox) * co + o] = s
                    }
                }
            }
            offset += co * k * k * ci + co
            a = y
            shape = TensorShape(height: ho, width: wo, channels: co)
        case .maxPool2x2:
            let wd = shape.width, c = shape.channels
            let oh = shape.height / 2, ow = shape.width / 2
            var y = [Double](repeating: 0, count: oh * ow * c)
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for k in 0..<c {
                        var m = -Double.infinity
                        for dy in 0..<2 { for dx in 0..<2 { m = max(m, a[((2 * oy + dy) * wd + 2 * ox + dx) * c + k]) } }
                        y[(oy * ow + ox) * c + k] = m
                    }
                }
            }
            a = y
            shape = TensorShape(height: oh, width: ow, channels: c)
        case .flatten:
            shape = .vector(shape.size)
        }
    }
    precondition(offset == w.count, "reference consumed \(offset) of \(w.count) parameters")
    return a
}

/// Σᵢ NLLᵢ in Double for a batch, straight from the definition log Σⱼ exp zⱼ − z_y (max-shifted).
func referenceLoss(specs: [LayerSpec], input: TensorShape, parameters w: [Double], inputs: [Float], labels: [Int32])
    -> Double
{
    let d = input.size
    var total = 0.0
    for r in 0..<labels.count {
        let z = referenceLogits(specs: specs, input: input, parameters: w,
                                example: inputs[(r * d)..<((r + 1) * d)].map(Double.init))
        let m = z.max()!
        total += m + log(z.reduce(0) { $0 + exp($1 - m) }) - z[Int(labels[r])]
    }
    return total
}

/// Central differences (f(w + h eⱼ) − f(w − h eⱼ)) / 2h in Double for every coordinate j.
func finiteDifferenceGradient(at w: [Double], step h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    var g = [Double](repeating: 0, count: w.count)
    var v = w
    for j in w.indices {
        v[j] = w[j] + h
        let up = f(v)
        v[j] = w[j] - h
        let down = f(v)
        v[j] = w[j]
        g[j] = (up - down) / (2 * h)
    }
    return g
}

/// Uniform draws on [lo, hi) from a SplitMix64 stream.
func uniformFloats(_ count: Int, _ lo: Float, _ hi: Float, seed: UInt64) -> [Float] {
    var g = SplitMix64(seed: seed)
    return (0..<count).map { _ in lo + (hi - lo) * Float(g.nextUniform()) }
}

/// Labels uniform on 0..<classes.
func uniformLabels(_ count: Int, classes: Int, seed: UInt64) -> [Int32] {
    var g = SplitMix64(seed: seed)
    return (0..<count).map { _ in Int32(g.next() % UInt64(classes)) }
}

/// The largest |a − b| / (atol + rtol·|b|) over all entries (≤ 1 means "all within tolerance").
func worstRelativeError(_ a: [Float], _ b: [Double], atol: Double, rtol: Double) -> (ratio: Double, index: Int) {
    var worst = 0.0, at = 0
    for i in a.indices {
        let r = abs(Double(a[i]) - b[i]) / (atol + rtol * abs(b[i]))
        if r > worst { worst = r; at = i }
    }
    return (worst, at)
}
