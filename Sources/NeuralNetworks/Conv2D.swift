// SPDX-License-Identifier: GPL-3.0-or-later
// Stride-1 2-D convolution (cross-correlation) on NHWC batches, by im2col + SGEMM, optionally fused with the ReLU and
// 2 × 2 max pooling that follow it.

import LangevinCore
import LinearAlgebra

/// Unfolds k × k patches (stride 1, zero padding p) of a batch of NHWC images into rows of a matrix.
///
/// `source` holds `images` images of h × w × c. With ho = h + 2p − k + 1 and wo = w + 2p − k + 1, row
/// r = (n·ho + oy)·wo + ox of `columns` (row length k·k·c) is the patch [ky][kx][ch] ↦ x[n, oy + ky − p, ox + kx − p, ch]
/// (0 outside the image). In NHWC, the kx-run of a patch row at fixed ky is contiguous in the source (k·c floats), so
/// each row is assembled from k contiguous copies.
func im2col(
    _ source: UnsafePointer<Float>, images: Int, height h: Int, width w: Int, channels c: Int,
    kernel k: Int, padding p: Int, into columns: UnsafeMutablePointer<Float>
) {
    let ho = h + 2 * p - k + 1, wo = w + 2 * p - k + 1
    let span = k * c
    let rowLength = k * span
    var row = columns
    for n in 0..<images {
        let image = source + n * h * w * c
        for oy in 0..<ho {
            for ox in 0..<wo {
                let x0 = ox - p
                let lo = max(0, -x0)          // first kx inside the image
                let hi = min(k, w - x0)       // one past the last kx inside the image
                for ky in 0..<k {
                    let d = row + ky * span
                    let iy = oy + ky - p
                    if iy < 0 || iy >= h || hi <= lo {
                        d.update(repeating: 0, count: span)
                        continue
                    }
                    if lo > 0 { d.update(repeating: 0, count: lo * c) }
                    let s = image + (iy * w + x0 + lo) * c
                    let run = (hi - lo) * c
                    let t = d + lo * c
                    if run >= 32 {
                        t.update(from: s, count: run)   // memmove: full-width vector copies for many channels
                    } else {
                        for i in 0..<run { t[i] = s[i] }
                    }
                    if hi < k { (d + hi * c).update(repeating: 0, count: (k - hi) * c) }
                }
                row += rowLength
            }
        }
    }
}

/// Convolution y[n, oy, ox, o] = b[o] + Σ_{ky,kx,i} W[o, ky, kx, i] · x[n, oy + ky − p, ox + kx − p, i], optionally
/// followed (fused) by ReLU and 2 × 2 max pooling: z[n, qy, qx, o] = max_{dy,dx ∈ {0,1}} max(y[n, 2qy+dy, 2qx+dx, o], 0).
///
/// Parameters: W stored [co][k][k][ci] (co × K row-major with K = k·k·ci), then b (co). Initialisation:
/// W Kaiming-uniform with fan-in K, b = 0.
///
/// Computation: the batch is split into `threads` contiguous parts, one per worker; each worker walks its part in
/// chunks of a few images (so the unfolded matrix stays cache-sized) with single-threaded BLAS:
/// - forward: Y (rows × co) = cols(x) (rows × K) · Wᵀ, rows = images·ho·wo; then + b (unfused: in place in the output),
///   or + b, ReLU and pooling from a chunk scratch into the output, recording each pooled element's winning position
///   (fused: the full-resolution activation is never stored).
/// - backward: ∂Y for the chunk (fused: scattered from ∂Z to the recorded winners whose pooled value is > 0, i.e. where
///   the ReLU passes); ∂W += ∂Yᵀ · cols(x) (recomputing cols(x)); ∂b += column sums of ∂Y; and
///   ∂X = cols_{p'}(∂Y) · W̃ᵀ, the "full" correlation of ∂Y with the flipped, channel-transposed kernel
///   W̃[i, ky, kx, o] = W[o, k−1−ky, k−1−kx, i] at padding p' = k − 1 − p (both products have inner dimension k²·c, so
///   no col2im scatter is needed). Workers other than the first accumulate ∂W, ∂b privately; the sums are added at
///   the end.
final class Conv2DLayer: Layer {
    let inputShape: TensorShape
    /// The convolution's own output shape (before pooling).
    let convolutionShape: TensorShape
    let outputShape: TensorShape
    let kernel: Int
    let padding: Int
    let outputChannels: Int
    let fusedReLUPool: Bool
    let threads: Int
    /// Images per im2col chunk.
    let chunk: Int
    /// Per worker: the unfolded-patch scratch.
    let columns: [FloatWorkspace]
    /// Per worker (fused only): the chunk's convolution output, reused for its gradient.
    let chunkOutput: [FloatWorkspace]
    /// Per worker t ≥ 1: private ∂W, ∂b accumulators.
    let privateGradient: [FloatWorkspace]
    /// Fused only: for each pooled element, the offset of its winner within the example's convolution output.
    let argmax: IndexWorkspace
    /// The flipped kernel W̃ (ci × k²·co), rebuilt at each backward pass.
    let flipped: FloatWorkspace

    var parameterCount: Int { outputChannels * patchLength + outputChannels }
    var canRunInPlace: Bool { false }
    var patchLength: Int { kernel * kernel * inputShape.channels }
    var parameterRoles: [(role: String, range: Range<Int>)] {
        [("weight", 0..<(outputChannels * patchLength)), ("bias", (outputChannels * patchLength)..<parameterCount)]
    }

    /// Chunk limits: at most this many floats in a worker's im2col scratch (4 MiB, so that a chunk's patches stay in
    /// the last-level cache between unfolding and the product that reads them) and at most `targetRows` rows.
    /// (Measured on the default CNN, 2 workers, B = 100: 3 images per chunk for both convolutions beats 1–2 by 4–10% and 8–25
    /// by 10–30%.)
    static let targetColumnFloats = 1 << 20
    static let targetRows = 2400
    /// 0, 1, …, 15: lane offsets of a 16-channel group.
    static let laneIndex = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    init(input: TensorShape, outputChannels: Int, kernel: Int, padding: Int, fusedReLUPool: Bool,
         maxBatchSize: Int, threads: Int, needsInputGradient: Bool, chunkImages: Int? = nil) {
        precondition(kernel > 0 && outputChannels > 0, "conv2D: sizes must be positive")
        precondition(padding >= 0 && padding <= kernel - 1, "conv2D: padding must lie in 0...kernel−1")
        let ho = input.height + 2 * padding - kernel + 1, wo = input.width + 2 * padding - kernel + 1
        precondition(ho > 0 && wo > 0, "conv2D: kernel larger than the padded input")
        inputShape = input
        convolutionShape = TensorShape(height: ho, width: wo, channels: outputChannels)
        if fusedReLUPool {
            precondition(ho >= 2 && wo >= 2, "maxPool2x2: input must be at least 2 × 2")
            outputShape = TensorShape(height: ho / 2, width: wo / 2, channels: outputChannels)
        } else {
            outputShape = convolutionShape
        }
        self.kernel = kernel
        self.padding = padding
        self.outputChannels = outputChannels
        self.fusedReLUPool = fusedReLUPool
        self.threads = max(1, min(threads, maxBatchSize))
        let forwardPerImage = ho * wo * kernel * kernel * input.channels
        let backwardPerImage = needsInputGradient ? input.height * input.width * kernel * kernel * outputChannels : 0
        let perImage = max(forwardPerImage, backwardPerImage)
        let defaultChunk = max(1, min(Conv2DLayer.targetColumnFloats / perImage, Conv2DLayer.targetRows / (ho * wo)))
        let chunk = min((maxBatchSize + self.threads - 1) / self.threads, max(1, chunkImages ?? defaultChunk))
        self.chunk = chunk
        columns = (0..<self.threads).map { _ in FloatWorkspace(count: chunk * perImage) }
        chunkOutput = fusedReLUPool
            ? (0..<self.threads).map { _ in FloatWorkspace(count: chunk * ho * wo * outputChannels) } : []
        let nParameters = outputChannels * kernel * kernel * input.channels + outputChannels
        privateGradient = (1..<max(self.threads, 1)).map { _ in FloatWorkspace(count: nParameters) }
        argmax = IndexWorkspace(count: fusedReLUPool ? maxBatchSize * (ho / 2) * (wo / 2) * outputChannels : 1)
        flipped = FloatWorkspace(count: needsInputGradient ? outputChannels * kernel * kernel * input.channels : 1)
    }

    func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R) {
        let nw = outputChannels * patchLength
        kaimingUniform(UnsafeMutableBufferPointer(rebasing: w[0..<nw]), fanIn: patchLength, random: &random)
        UnsafeMutableBufferPointer(rebasing: w[nw...]).update(repeating: 0)
    }

    /// The worker count actually used for a batch of `count` (no more workers than images).
    @inline(__always) func workers(_ count: Int) -> Int { min(threads, count) }

    /// The arguments of the call in progress, for ``runPart(_:of:)``.
    private var call: LayerCall?

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        call = LayerCall(operation: .forward, w: w, input: input, output: output, count: count)
        forkJoin(workers(count), self)
        call = nil
    }

    @inline(__always)
    func forwardChunk(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                      start: Int, images nb: Int, worker t: Int) {
        let kk = patchLength, co = outputChannels
        let pixels = convolutionShape.height * convolutionShape.width
        let col = columns[t].base
        im2col(input + start * inputShape.size, images: nb, height: inputShape.height, width: inputShape.width,
               channels: inputShape.channels, kernel: kernel, padding: padding, into: col)
        let bias = w + co * kk
        if !fusedReLUPool {
            let y = output + start * outputShape.size
            sgemm(.none, .transpose, m: nb * pixels, n: co, k: kk, alpha: 1, a: col, lda: kk,
                  b: w, ldb: kk, beta: 0, c: y, ldc: co)
            addRowVector(bias, to: y, rows: nb * pixels, columns: co)
            return
        }
        let y = chunkOutput[t].base
        sgemm(.none, .transpose, m: nb * pixels, n: co, k: kk, alpha: 1, a: col, lda: kk,
              b: w, ldb: kk, beta: 0, c: y, ldc: co)
        // z = max(max over the window of y + b, 0); the winner is recorded as an offset in the example's y.
        let cw = convolutionShape.width, oh = outputShape.height, ow = outputShape.width
        let rowStride = cw * co
        for n in 0..<nb {
            let image = y + n * convolutionShape.size
            var out = output + (start + n) * outputShape.size
            var arg = argmax.base + (start + n) * outputShape.size
            for qy in 0..<oh {
                for qx in 0..<ow {
                    let o00 = (2 * qy * cw + 2 * qx) * co
                    let o01 = o00 + co, o10 = o00 + rowStride, o11 = o10 + co
                    // 16 channels at a time: compares and blends, the same first-maximum-wins order and the same
                    // max(·, 0) as the scalar tail (a NaN stays NaN), so every output bit is the scalar loop's.
                    var k = 0
                    while k + 16 <= co {
                        let a00 = UnsafeRawPointer(image + o00 + k).loadUnaligned(as: SIMD16<Float>.self)
                        let a01 = UnsafeRawPointer(image + o01 + k).loadUnaligned(as: SIMD16<Float>.self)
                        let a10 = UnsafeRawPointer(image + o10 + k).loadUnaligned(as: SIMD16<Float>.self)
                        let a11 = UnsafeRawPointer(image + o11 + k).loadUnaligned(as: SIMD16<Float>.self)
                        var best = a00
                        var at = SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: o00 + k)) &+ Self.laneIndex
                        var m = a01 .> best
                        best.replace(with: a01, where: m)
                        at.replace(with: at &+ Int32(truncatingIfNeeded: o01 - o00), where: m)
                        m = a10 .> best
                        best.replace(with: a10, where: m)
                        at.replace(with: SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: o10 + k)) &+ Self.laneIndex,
                                   where: m)
                        m = a11 .> best
                        best.replace(with: a11, where: m)
                        at.replace(with: SIMD16<Int32>(repeating: Int32(truncatingIfNeeded: o11 + k)) &+ Self.laneIndex,
                                   where: m)
                        let b = UnsafeRawPointer(bias + k).loadUnaligned(as: SIMD16<Float>.self)
                        var z = best + b
                        z.replace(with: 0, where: z .<= 0)
                        UnsafeMutableRawPointer(out + k).storeBytes(of: z, as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(arg + k).storeBytes(of: at, as: SIMD16<Int32>.self)
                        k += 16
                    }
                    while k < co {
                        var best = image[o00 + k], at = o00 + k
                        let v01 = image[o01 + k], v10 = image[o10 + k], v11 = image[o11 + k]
                        if v01 > best { best = v01; at = o01 + k }
                        if v10 > best { best = v10; at = o10 + k }
                        if v11 > best { best = v11; at = o11 + k }
                        out[k] = max(best + bias[k], 0)
                        arg[k] = Int32(truncatingIfNeeded: at)
                        k += 1
                    }
                    out += co
                    arg += co
                }
            }
        }
    }

    func backward(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        parameterGradient g: UnsafeMutablePointer<Float>, count: Int
    ) {
        let kk = patchLength, co = outputChannels, ci = inputShape.channels, k = kernel
        if dx != nil {
            // W̃[i][ky][kx][o] = W[o][k−1−ky][k−1−kx][i].
            let f = flipped.base, flippedLength = k * k * co
            for o in 0..<co {
                for ky in 0..<k {
                    for kx in 0..<k {
                        let src = w + o * kk + (ky * k + kx) * ci
                        let dst = f + ((k - 1 - ky) * k + (k - 1 - kx)) * co + o
                        for i in 0..<ci { dst[i * flippedLength] = src[i] }
                    }
                }
            }
        }
        let parts = workers(count)
        for t in 1..<max(parts, 1) { privateGradient[t - 1].base.update(repeating: 0, count: parameterCount) }
        call = LayerCall(operation: .backward, w: w, input: input, output: UnsafeMutablePointer(mutating: output),
                         outputGradient: dy, inputGradient: dx, parameterGradient: g, count: count)
        forkJoin(parts, self)
        call = nil
        for t in 1..<max(parts, 1) {
            let p = privateGradient[t - 1].base
            for i in 0..<parameterCount { g[i] += p[i] }
        }
    }

    @inline(__always)
    func backwardChunk(
        _ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
        outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
        parameterGradient g: UnsafeMutablePointer<Float>, start: Int, images nb: Int, worker t: Int
    ) {
        let kk = patchLength, co = outputChannels, ci = inputShape.channels, k = kernel
        let pixels = convolutionShape.height * convolutionShape.width
        let inPixels = inputShape.height * inputShape.width
        let flippedLength = k * k * co
        let col = columns[t].base
        // ∂L/∂y for the chunk (rows × co).
        let gy: UnsafeMutablePointer<Float>
        if fusedReLUPool {
            gy = chunkOutput[t].base
            gy.update(repeating: 0, count: nb * convolutionShape.size)
            let per = outputShape.size
            for n in 0..<nb {
                let e = start + n
                let z = output + e * per, dz = dy + e * per, a = argmax.base + e * per
                let d = gy + n * convolutionShape.size
                for j in 0..<per where z[j] > 0 { d[Int(a[j])] = dz[j] }
            }
        } else {
            gy = dy + start * outputShape.size
        }
        im2col(input + start * inputShape.size, images: nb, height: inputShape.height, width: inputShape.width,
               channels: ci, kernel: k, padding: padding, into: col)
        sgemm(.transpose, .none, m: co, n: kk, k: nb * pixels, alpha: 1, a: gy, lda: co,
              b: col, ldb: kk, beta: 1, c: g, ldc: kk)
        accumulateColumnSums(gy, rows: nb * pixels, columns: co, into: g + co * kk)
        if let dx {
            im2col(gy, images: nb, height: convolutionShape.height, width: convolutionShape.width, channels: co,
                   kernel: k, padding: k - 1 - padding, into: col)
            sgemm(.none, .transpose, m: nb * inPixels, n: ci, k: flippedLength, alpha: 1, a: col,
                  lda: flippedLength, b: flipped.base, ldb: flippedLength, beta: 0,
                  c: dx + start * inputShape.size, ldc: ci)
        }
    }
}

extension Conv2DLayer: ParallelTask {
    /// Part t: the t-th contiguous share of the batch, in chunks; in backward, parts t ≥ 1 accumulate ∂W, ∂b into
    /// their private buffers.
    func runPart(_ t: Int, of parts: Int) {
        guard let call else { return }
        let images = partRange(t, of: parts, total: call.count)
        var start = images.lowerBound
        while start < images.upperBound {
            let nb = min(chunk, images.upperBound - start)
            switch call.operation {
            case .forward:
                forwardChunk(call.w, input: call.input, output: call.output, start: start, images: nb, worker: t)
            case .backward:
                backwardChunk(call.w, input: call.input, output: call.output, outputGradient: call.outputGradient!,
                              inputGradient: call.inputGradient,
                              parameterGradient: t == 0 ? call.parameterGradient! : privateGradient[t - 1].base,
                              start: start, images: nb, worker: t)
            }
            start += nb
        }
    }
}
