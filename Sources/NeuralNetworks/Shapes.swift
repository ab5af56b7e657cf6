// SPDX-License-Identifier: GPL-3.0-or-later

/// The shape of one example's activation, in channels-last (HWC) order.
///
/// A batch of `count` activations of shape (h, w, c) is stored contiguously as a row-major tensor
/// [count][h][w][c] ("NHWC"): element (n, y, x, k) lives at offset ((n·h + y)·w + x)·c + k. A flat feature vector of
/// length m is the shape (1, 1, m), so a batch of vectors is a row-major count × m matrix.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    /// An image-like shape (h, w, c).
    public init(height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0 && channels > 0, "TensorShape: extents must be positive")
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// A flat feature vector of length `features`: the shape (1, 1, features).
    public static func vector(_ features: Int) -> TensorShape { TensorShape(height: 1, width: 1, channels: features) }

    /// Number of scalars per example, h·w·c.
    public var size: Int { height * width * channels }

    /// Whether this is a flat vector (h = w = 1).
    public var isVector: Bool { height == 1 && width == 1 }

    public var description: String { isVector ? "[\(channels)]" : "[\(height)×\(width)×\(channels)]" }
}

/// One layer of a ``SequentialNetwork``, as a declarative description.
///
/// Layouts (all row-major; activations are NHWC, see ``TensorShape``):
/// - `dense(outputs: m)` on a vector input of length n: y = x·Wᵀ + b with W stored m × n (row i = weights of output
///   i) followed by b (m entries); m·n + m parameters. The input must be a vector (insert `.flatten` after images).
/// - `relu`: y = max(x, 0) elementwise; no parameters. Its derivative at 0 is taken as 0.
/// - `conv2D(outputChannels: co, kernelSize: k, padding: p)` on an h × w × ci input: stride-1 cross-correlation
///   y[oy, ox, o] = b[o] + Σ_{ky,kx,i} W[o, ky, kx, i] · x[oy + ky − p, ox + kx − p, i] (zero outside the image),
///   output (h + 2p − k + 1) × (w + 2p − k + 1) × co. W is stored [co][k][k][ci] ("OHWI") followed by b (co);
///   co·k²·ci + co parameters. Requires 0 ≤ p ≤ k − 1.
/// - `maxPool2x2`: non-overlapping 2 × 2 windows, stride 2, per channel: output ⌊h/2⌋ × ⌊w/2⌋ × c (a trailing odd row
///   or column is dropped and gets zero gradient). Ties go to the first maximum in window order (dy, dx) row-major.
/// - `flatten`: reinterprets h × w × c as the vector of length h·w·c in HWC order (a no-op on memory).
public enum LayerSpec: Hashable, Sendable {
    case dense(outputs: Int)
    case relu
    case conv2D(outputChannels: Int, kernelSize: Int, padding: Int)
    case maxPool2x2
    case flatten
}

/// A contiguous block of the flat parameter vector belonging to one tensor of one layer.
public struct ParameterBlock: Hashable, Sendable {
    /// Index of the layer in the network's layer list.
    public var layer: Int
    /// Index among the layers that have parameters (0 for the first dense/conv layer, …); used by per-layer priors.
    public var parameterizedLayer: Int
    /// `"weight"` or `"bias"`.
    public var role: String
    /// The block's position in the flat parameter vector.
    public var range: Range<Int>
}
