// SPDX-License-Identifier: GPL-3.0-or-later
// Stride-1 2-D convolution (cross-correlation) on NHWC batches, by im2col + SGEMM, optionally fused with the ReLU and
// 2 × 2 max pooling that follow it.

import LangevinCore
import LinearAlgebra

/// Unfolds k × k patches (stride 1, zero padding p) of a batch of images into rows of a matrix.
///
/// Pixel (n, y, x) of the source starts at `n·imageStride + y·rowStride + x·c` (c channels contiguous; NHWC images are
/// imageStride = h·w·c, rowStride = w·c). With ho = h + 2p − k + 1 and wo = w + 2p − k + 1, row
/// r = (n·ho + oy)·wo + ox of `columns` (row length k·k·c) is the patch [ky][kx][ch] ↦ x[n, oy + ky − p, ox + kx − p, ch]
/// (0 outside the image). The kx-run of a patch row at fixed ky is contiguous in the source (k·c floats), so each row
/// is assembled from k contiguous copies.
func im2col(
    _ source: UnsafePointer<Float>, images: Int, imageStride: Int, rowStride: Int, height h: Int, width w: Int,
    channels c: Int, kernel k: Int, padding p: Int, into columns: UnsafeMutablePointer<Float>
) {
    let ho = h + 2 * p - k + 1, wo = w + 2 * p - k + 1
    let span = k * c
    let rowLength = k * span
    var row = columns
    for n in 0..<images {
        let image = source + n * imageStride
        for oy in 0..<ho {
            for ox in 0..<wo {
                for ky in 0..<k {
                    copyPatchRun(image, row: oy + ky - p, column: ox - p, height: h, width: w, channels: c,
                                 rowStride: rowStride, kernel: k, into: row + ky * span)
                }
                row += rowLength
            }
        }
    }
}

/// Unfolds 1 × k patches of the zero-padded rows of a batch of images, rows of all images interleaved.
///
/// Source strides as in ``im2col(_:images:imageStride:rowStride:height:width:channels:kernel:padding:into:)``. For
/// padded row r in 0..<(h + 2p), image n and column ox in 0..<wo (wo = w + 2p − k + 1), row (r·images + n)·wo + ox
/// of `rows` (row length k·c) is [kx][ch] ↦ x[n, r − p, ox + kx − p, ch] (0 outside the image).
///
/// This is the k × k im2col matrix with its kernel-row dimension left out: the k·k·c-long patch of output pixel
/// (oy, ox) is, for ky = 0…k−1, row ((oy + ky)·images + n)·wo + ox. So for every ky the rows an output needs form one
/// contiguous block (starting at row ky·images·wo, ho·images·wo rows), which a matrix product can read in place: a
/// k × k convolution becomes k products of inner dimension k·c over a matrix k times smaller than im2col's.
func rowPatches(
    _ source: UnsafePointer<Float>, images: Int, imageStride: Int, rowStride: Int, height h: Int, width w: Int,
    channels c: Int, kernel k: Int, padding p: Int, into rows: UnsafeMutablePointer<Float>
) {
    let wo = w + 2 * p - k + 1
    let span = k * c
    var row = rows
    for r in 0..<(h + 2 * p) {
        for n in 0..<images {
            let image = source + n * imageStride
            for ox in 0..<wo {
                copyPatchRun(image, row: r - p, column: ox - p, height: h, width: w, channels: c,
                             rowStride: rowStride, kernel: k, into: row)
                row += span
            }
        }
    }
}

/// Writes the k·c floats x[iy, x0 + kx, ch] (kx in 0..<k; 0 outside the h × w image) to `d`.
@inline(__always)
private func copyPatchRun(
    _ image: UnsafePointer<Float>, row iy: Int, column x0: Int, height h: Int, width w: Int, channels c: Int,
    rowStride: Int, kernel k: Int, into d: UnsafeMutablePointer<Float>
) {
    let span = k * c
    let lo = max(0, -x0)          // first kx inside the image
    let hi = min(k, w - x0)       // one past the last kx inside the image
    if iy < 0 || iy >= h || hi <= lo {
        d.update(repeating: 0, count: span)
        return
    }
    if lo > 0 { d.update(repeating: 0, count: lo * c) }
    let s = image + iy * rowStride + (x0 + lo) * c
    let run = (hi - lo) * c
    let t = d + lo * c
    if run >= 32 {
        t.update(from: s, count: run)   // memmove: full-width vector copies for many channels
    } else {
        for i in 0..<run { t[i] = s[i] }
    }
    if hi < k { (d + hi * c).update(repeating: 0, count: (k - hi) * c) }
}

/// Copies `blocks` runs of `length` floats from source + j·sourceStride to target + j·targetStride, j = 0, 1, ….
@inline(__always)
private func copyRuns(_ source: UnsafePointer<Float>, sourceStride: Int, into target: UnsafeMutablePointer<Float>,
                      targetStride: Int, blocks: Int, length: Int) {
    for j in 0..<blocks { (target + j * targetStride).update(from: source + j * sourceStride, count: length) }
}

/// Convolution y[n, oy, ox, o] = b[o] + Σ_{ky,kx,i} W[o, ky, kx, i] · x[n, oy + ky − p, ox + kx − p, i], optionally
/// followed (fused) by ReLU and 2 × 2 max pooling: z[n, qy, qx, o] = max_{dy,dx ∈ {0,1}} max(y[n, 2qy+dy, 2qx+dx, o], 0).
///
/// Parameters: W stored [co][k][k][ci] (co × K row-major with K = k·k·ci), then b (co). Initialisation:
/// W Kaiming-uniform with fan-in K, b = 0.
///
/// Computation: the batch is split into contiguous groups of images (``decompositionBlocks`` of them, whatever the
/// worker count), the workers taking whole groups; each group is walked in chunks of a few images (so the unfolded
/// matrix stays cache-sized) with single-threaded BLAS. Two ways to unfold,
/// chosen per layer (``usesRowPatches``), with the same products in a different grouping:
/// - k × k patches (``im2col(_:images:imageStride:rowStride:height:width:channels:kernel:padding:into:)``, for few
///   input channels, e.g. the first layer on grey images, where k·ci is too short an inner dimension): forward
///   Y (rows × co) = cols(x) (rows × K) · Wᵀ, rows = images·ho·wo, the chunk's activation in image order.
/// - 1 × k row patches (``rowPatches(_:images:imageStride:rowStride:height:width:channels:kernel:padding:into:)``,
///   k·ci ≥ 32): Y = Σ_ky rows_ky(x) · W_kyᵀ, k products of inner dimension k·ci, where rows_ky is a block of the
///   row-patch matrix read in place and W_ky the ky-th k·ci columns of W; the unfolded matrix is k times smaller, so
///   it is written and read from cache (on a 2-core Xeon the talk CNN's second convolution ran 1.2× faster). The
///   chunk's activation is then in row order: pixel (n, oy, ox) of the chunk at (oy·images + n)·wo + ox.
/// - forward: then + b (unfused: into the output, in image order), or + b, ReLU and pooling from the chunk's
///   activation into the output, recording each pooled element's winning position (fused: the full-resolution
///   activation is never stored).
/// - backward: ∂Y for the chunk in the chunk's layout (fused: scattered from ∂Z to the recorded winners whose pooled
///   value is > 0, i.e. where the ReLU passes); ∂W += ∂Yᵀ · cols(x) (recomputing cols(x); with row patches k
///   products, one per block of W's columns); ∂b += column sums of ∂Y; and ∂X = cols_{p'}(∂Y) · W̃ᵀ, the "full"
///   correlation of ∂Y with the flipped, channel-transposed kernel W̃[i, ky, kx, o] = W[o, k−1−ky, k−1−kx, i] at
///   padding p' = k − 1 − p (inner dimension k²·co, or k products of k·co with row patches of ∂Y when k·co ≥ 32, so no
///   col2im scatter is needed). Groups other than the first accumulate ∂W, ∂b in their own buffers; the sums are
///   added in group order at the end, so the result has the same bits for any number of workers.
///
/// Every chunk of a batch has the same images in forward and backward (same count, same split), so the winners
/// recorded by forward are read back in the layout they were recorded in.
final class Conv2DLayer: Layer {
    let inputShape: TensorShape
    /// The convolution's own output shape (before pooling).
    let convolutionShape: TensorShape
    let outputShape: TensorShape
    let kernel: Int
    let padding: Int
    let outputChannels: Int
    let fusedReLUPool: Bool
    /// Workers (at most ``groupCount``).
    let threads: Int
    /// Groups a batch of at least that many images is split into (``decompositionBlocks``, fewer when the largest
    /// batch would give groups of under ``minimumGroupImages`` images: each group has a ∂W buffer of its own).
    let groupCount: Int
    /// Images per unfolding chunk.
    let chunk: Int
    /// Forward and ∂W unfold 1 × k row patches of x (k·ci ≥ ``rowPatchMinimum``) instead of k × k patches.
    let usesRowPatches: Bool
    /// ∂X unfolds 1 × k row patches of ∂Y (k·co ≥ ``rowPatchMinimum``).
    let usesRowPatchesForInputGradient: Bool
    /// Per worker: the unfolded-patch scratch.
    let columns: [FloatWorkspace]
    /// Per worker: the chunk's convolution output (or its gradient) where it cannot be the layer's own buffer
    /// (fused, or row order with more than one image).
    let chunkOutput: [FloatWorkspace]
    /// Per worker: the chunk's ∂X in row order, before it is copied out in image order (row-patch ∂X, chunk > 1).
    let chunkInputGradient: [FloatWorkspace]
    /// Per group g ≥ 1: its ∂W, ∂b accumulator.
    let privateGradient: [FloatWorkspace]
    /// Fused only: for each pooled element, the offset of its winner in the chunk's activation, counted from the
    /// example's first pixel there.
    let argmax: IndexWorkspace
    /// The flipped kernel W̃ (ci × k²·co), rebuilt at each backward pass.
    let flipped: FloatWorkspace

    var parameterCount: Int { outputChannels * patchLength + outputChannels }
    var canRunInPlace: Bool { false }
    var patchLength: Int { kernel * kernel * inputShape.channels }
    var parameterRoles: [(role: String, range: Range<Int>)] {
        [("weight", 0..<(outputChannels * patchLength)), ("bias", (outputChannels * patchLength)..<parameterCount)]
    }

    /// Chunk limits: at most this many floats in a worker's unfolding scratch (k × k patches: 4 MiB, so that a
    /// chunk's patches stay in the last-level cache between unfolding and the product that reads them; row patches:
    /// 1 MiB, within a core's L2) and at most `targetRows` rows. (Measured on the default CNN, 2 workers, B = 100:
    /// with k × k patches 3 images per chunk for both convolutions beat 1–2 by 4–10% and 8–25 by 10–30%; with row
    /// patches, the second convolution's forward and ∂W products on one thread of a Xeon, 3 images 0.32 ms per
    /// image against 0.35 for 1 image and 0.32–0.34 for 6.)
    static let targetColumnFloats = 1 << 20
    static let targetRowPatchFloats = 1 << 18
    static let targetRows = 2400
    /// The fewest images per group of the largest batch (on many cores, not every processor gets a group).
    static let minimumGroupImages = 4
    /// The shortest row patch (k·c floats, the products' inner dimension) unfolded row-wise.
    static let rowPatchMinimum = 32
    /// 0, 1, …, 15: lane offsets of a 16-channel group.
    static let laneIndex = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

    /// - Parameter rowPatches: force the unfolding (nil: by ``rowPatchMinimum``; tests use both ways on small layers).
    init(input: TensorShape, outputChannels: Int, kernel: Int, padding: Int, fusedReLUPool: Bool,
         maxBatchSize: Int, threads: Int, needsInputGradient: Bool, chunkImages: Int? = nil,
         rowPatches: Bool? = nil) {
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
        groupCount = max(1, min(decompositionBlocks, maxBatchSize / Conv2DLayer.minimumGroupImages))
        self.threads = max(1, min(threads, groupCount))
        usesRowPatches = rowPatches ?? (kernel * input.channels >= Conv2DLayer.rowPatchMinimum)
        usesRowPatchesForInputGradient = needsInputGradient
            && (rowPatches ?? (kernel * outputChannels >= Conv2DLayer.rowPatchMinimum))
        let forwardPerImage = usesRowPatches
            ? (input.height + 2 * padding) * wo * kernel * input.channels
            : ho * wo * kernel * kernel * input.channels
        let backwardPerImage = !needsInputGradient ? 0
            : usesRowPatchesForInputGradient ? (input.height + kernel - 1) * input.width * kernel * outputChannels
            : input.height * input.width * kernel * kernel * outputChannels
        let perImage = max(forwardPerImage, backwardPerImage)
        let targetFloats = usesRowPatches ? Conv2DLayer.targetRowPatchFloats : Conv2DLayer.targetColumnFloats
        let defaultChunk = max(1, min(targetFloats / perImage, Conv2DLayer.targetRows / (ho * wo)))
        let chunk = min((maxBatchSize + groupCount - 1) / groupCount, max(1, chunkImages ?? defaultChunk))
        self.chunk = chunk
        columns = (0..<self.threads).map { _ in FloatWorkspace(count: chunk * perImage) }
        chunkOutput = fusedReLUPool || (usesRowPatches && chunk > 1)
            ? (0..<self.threads).map { _ in FloatWorkspace(count: chunk * ho * wo * outputChannels) } : []
        chunkInputGradient = usesRowPatchesForInputGradient && chunk > 1
            ? (0..<self.threads).map { _ in FloatWorkspace(count: chunk * input.size) } : []
        let nParameters = outputChannels * kernel * kernel * input.channels + outputChannels
        privateGradient = (1..<groupCount).map { _ in FloatWorkspace(count: nParameters) }
        argmax = IndexWorkspace(count: fusedReLUPool ? maxBatchSize * (ho / 2) * (wo / 2) * outputChannels : 1)
        flipped = FloatWorkspace(count: needsInputGradient ? outputChannels * kernel * kernel * input.channels : 1)
    }

    func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R) {
        let nw = outputChannels * patchLength
        kaimingUniform(UnsafeMutableBufferPointer(rebasing: w[0..<nw]), fanIn: patchLength, random: &random)
        UnsafeMutableBufferPointer(rebasing: w[nw...]).update(repeating: 0)
    }

    /// The groups of a batch of `count` (no more groups than images).
    @inline(__always) func groups(_ count: Int) -> Int { min(groupCount, count) }

    /// The arguments of the call in progress, for ``runPart(_:of:)``.
    private var call: LayerCall?

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        call = LayerCall(operation: .forward, w: w, input: input, output: output, count: count)
        forkJoin(min(threads, groups(count)), self)
        call = nil
    }

    /// Strides (image, row) of a chunk of `images` activations (wo·co floats per row) in the chunk's layout: image
    /// order with k × k patches, row order with row patches (the same when the chunk is one image).
    @inline(__always) func activationStrides(images nb: Int) -> (image: Int, row: Int) {
        let rowLength = convolutionShape.width * outputChannels
        return usesRowPatches ? (rowLength, nb * rowLength) : (convolutionShape.height * rowLength, rowLength)
    }

    /// Unfolds the chunk's input images (NHWC) the layer's way: row patches or k × k patches.
    @inline(__always)
    func unfoldInput(_ x: UnsafePointer<Float>, images nb: Int, into col: UnsafeMutablePointer<Float>) {
        let h = inputShape.height, wi = inputShape.width, ci = inputShape.channels
        if usesRowPatches {
            rowPatches(x, images: nb, imageStride: inputShape.size, rowStride: wi * ci, height: h, width: wi,
                       channels: ci, kernel: kernel, padding: padding, into: col)
        } else {
            im2col(x, images: nb, imageStride: inputShape.size, rowStride: wi * ci, height: h, width: wi,
                   channels: ci, kernel: kernel, padding: padding, into: col)
        }
    }

    /// y (the chunk's activation, in its layout) = cols(x) · Wᵀ, without the bias.
    @inline(__always)
    func convolveChunk(_ w: UnsafePointer<Float>, input x: UnsafePointer<Float>, images nb: Int,
                       columns col: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let ci = inputShape.channels
        let kk = patchLength, co = outputChannels, k = kernel
        let pixels = convolutionShape.height * convolutionShape.width
        unfoldInput(x, images: nb, into: col)
        if usesRowPatches {
            let span = k * ci, block = nb * convolutionShape.width
            for ky in 0..<k {
                sgemm(.none, .transpose, m: nb * pixels, n: co, k: span, alpha: 1, a: col + ky * block * span,
                      lda: span, b: w + ky * span, ldb: kk, beta: ky == 0 ? 0 : 1, c: y, ldc: co)
            }
        } else {
            sgemm(.none, .transpose, m: nb * pixels, n: co, k: kk, alpha: 1, a: col, lda: kk,
                  b: w, ldb: kk, beta: 0, c: y, ldc: co)
        }
    }

    @inline(__always)
    func forwardChunk(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                      start: Int, images nb: Int, worker t: Int) {
        let kk = patchLength, co = outputChannels
        let pixels = convolutionShape.height * convolutionShape.width
        let col = columns[t].base
        let x = input + start * inputShape.size
        let bias = w + co * kk
        let strides = activationStrides(images: nb)
        if !fusedReLUPool {
            let out = output + start * outputShape.size
            let inImageOrder = !usesRowPatches || nb == 1
            let y = inImageOrder ? out : chunkOutput[t].base
            convolveChunk(w, input: x, images: nb, columns: col, into: y)
            addRowVector(bias, to: y, rows: nb * pixels, columns: co)
            if !inImageOrder {
                let rowLength = convolutionShape.width * co
                for n in 0..<nb {
                    copyRuns(y + n * strides.image, sourceStride: strides.row, into: out + n * outputShape.size,
                             targetStride: rowLength, blocks: convolutionShape.height, length: rowLength)
                }
            }
            return
        }
        let y = chunkOutput[t].base
        convolveChunk(w, input: x, images: nb, columns: col, into: y)
        // z = max(max over the window of y + b, 0); the winner is recorded as an offset from the example's first
        // pixel in the chunk's activation.
        let oh = outputShape.height, ow = outputShape.width
        let rowStride = strides.row
        for n in 0..<nb {
            let image = y + n * strides.image
            var out = output + (start + n) * outputShape.size
            var arg = argmax.base + (start + n) * outputShape.size
            for qy in 0..<oh {
                for qx in 0..<ow {
                    let o00 = 2 * qy * rowStride + 2 * qx * co
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
        let groups = groups(count)
        for t in 1..<max(groups, 1) { privateGradient[t - 1].base.update(repeating: 0, count: parameterCount) }
        call = LayerCall(operation: .backward, w: w, input: input, output: UnsafeMutablePointer(mutating: output),
                         outputGradient: dy, inputGradient: dx, parameterGradient: g, count: count)
        forkJoin(min(threads, groups), self)
        call = nil
        for t in 1..<max(groups, 1) {
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
        let h = inputShape.height, wi = inputShape.width
        let ho = convolutionShape.height, wo = convolutionShape.width
        let pixels = ho * wo
        let col = columns[t].base
        let x = input + start * inputShape.size
        let strides = activationStrides(images: nb)
        // ∂L/∂y for the chunk (rows × co), in the chunk's layout.
        let gy: UnsafeMutablePointer<Float>
        if fusedReLUPool {
            gy = chunkOutput[t].base
            gy.update(repeating: 0, count: nb * convolutionShape.size)
            let per = outputShape.size
            for n in 0..<nb {
                let e = start + n
                let z = output + e * per, dz = dy + e * per, a = argmax.base + e * per
                let d = gy + n * strides.image
                for j in 0..<per where z[j] > 0 { d[Int(a[j])] = dz[j] }
            }
        } else if !usesRowPatches || nb == 1 {
            gy = dy + start * outputShape.size
        } else {
            gy = chunkOutput[t].base
            let rowLength = wo * co
            for n in 0..<nb {
                copyRuns(dy + (start + n) * outputShape.size, sourceStride: rowLength, into: gy + n * strides.image,
                         targetStride: strides.row, blocks: ho, length: rowLength)
            }
        }
        unfoldInput(x, images: nb, into: col)
        if usesRowPatches {
            let span = k * ci, block = nb * wo
            for ky in 0..<k {
                sgemm(.transpose, .none, m: co, n: span, k: nb * pixels, alpha: 1, a: gy, lda: co,
                      b: col + ky * block * span, ldb: span, beta: 1, c: g + ky * span, ldc: kk)
            }
        } else {
            sgemm(.transpose, .none, m: co, n: kk, k: nb * pixels, alpha: 1, a: gy, lda: co,
                  b: col, ldb: kk, beta: 1, c: g, ldc: kk)
        }
        accumulateColumnSums(gy, rows: nb * pixels, columns: co, into: g + co * kk)
        guard let dx else { return }
        let flippedLength = k * k * co, pt = k - 1 - padding
        let dxChunk = dx + start * inputShape.size
        if usesRowPatchesForInputGradient {
            rowPatches(gy, images: nb, imageStride: strides.image, rowStride: strides.row, height: ho, width: wo,
                       channels: co, kernel: k, padding: pt, into: col)
            let target = nb == 1 ? dxChunk : chunkInputGradient[t].base
            let span = k * co, block = nb * wi
            for ky in 0..<k {
                sgemm(.none, .transpose, m: nb * h * wi, n: ci, k: span, alpha: 1, a: col + ky * block * span,
                      lda: span, b: flipped.base + ky * span, ldb: flippedLength, beta: ky == 0 ? 0 : 1,
                      c: target, ldc: ci)
            }
            if nb > 1 {
                let rowLength = wi * ci
                for n in 0..<nb {
                    copyRuns(target + n * rowLength, sourceStride: nb * rowLength, into: dxChunk + n * inputShape.size,
                             targetStride: rowLength, blocks: h, length: rowLength)
                }
            }
        } else {
            im2col(gy, images: nb, imageStride: strides.image, rowStride: strides.row, height: ho, width: wo,
                   channels: co, kernel: k, padding: pt, into: col)
            sgemm(.none, .transpose, m: nb * h * wi, n: ci, k: flippedLength, alpha: 1, a: col,
                  lda: flippedLength, b: flipped.base, ldb: flippedLength, beta: 0, c: dxChunk, ldc: ci)
        }
    }
}

extension Conv2DLayer: ParallelTask {
    /// Part t of `parts`: groups t, t + parts, … of the batch (contiguous images), each in chunks; in backward,
    /// groups g ≥ 1 accumulate ∂W, ∂b into their own buffers. Worker t's scratch serves all its groups.
    func runPart(_ t: Int, of parts: Int) {
        guard let call else { return }
        let groups = groups(call.count)
        for group in stride(from: t, to: groups, by: parts) {
            let images = partRange(group, of: groups, total: call.count)
            var start = images.lowerBound
            while start < images.upperBound {
                let nb = min(chunk, images.upperBound - start)
                switch call.operation {
                case .forward:
                    forwardChunk(call.w, input: call.input, output: call.output, start: start, images: nb, worker: t)
                case .backward:
                    backwardChunk(call.w, input: call.input, output: call.output,
                                  outputGradient: call.outputGradient!, inputGradient: call.inputGradient,
                                  parameterGradient: group == 0 ? call.parameterGradient! : privateGradient[group - 1].base,
                                  start: start, images: nb, worker: t)
                }
                start += nb
            }
        }
    }
}
