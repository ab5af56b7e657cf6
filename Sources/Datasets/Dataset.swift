// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

/// A labelled set of grayscale images held in memory, ready for a classifier.
///
/// **Layout.** ``images`` is row-major `count × (rows · cols)`: image `i` occupies
/// `images[i·rows·cols ..< (i+1)·rows·cols]`, and within an image pixel `(r, c)` is at offset `r·cols + c`
/// (row 0 at the top, as stored in IDX, CSV and PNG files). Pixel values are the stored bytes divided by 255, so
/// they lie in [0, 1] with 0 the background (black in MNIST, white ink scaled to 1).
///
/// **Labels.** ``labels`` holds one class index per image, in `0 ..< classes` (checked on construction).
///
/// Loaders: ``loadIDX(images:labels:name:classes:)``, ``loadIDXDirectory(_:name:classes:)``,
/// ``loadCSV(_:name:rows:cols:classes:)``, ``loadPNGFolder(_:name:classFolders:rows:cols:)``; named data sets
/// come from ``DataCatalog``.
public struct Dataset: Sendable, CustomStringConvertible {
    /// A short name for messages and reports, e.g. `"fashion-mnist/train"`.
    public let name: String
    /// Pixels in [0, 1], row-major `count × rows × cols` (see the type's documentation).
    public let images: [Float]
    /// Class indices in `0 ..< classes`, one per image.
    public let labels: [Int32]
    /// Image height in pixels (28 for the MNIST family).
    public let rows: Int
    /// Image width in pixels (28 for the MNIST family).
    public let cols: Int
    /// The number of classes (10 for the MNIST family).
    public let classes: Int

    /// The number of images.
    public var count: Int { labels.count }
    /// Pixels per image, `rows · cols` (784 for the MNIST family).
    public var pixelsPerImage: Int { rows * cols }

    /// A data set from arrays in the layout of the type's documentation.
    ///
    /// Throws `.invalidData` when `images.count ≠ labels.count · rows · cols` or a label is outside `0 ..< classes`,
    /// and `.invalidParameter` when `rows`, `cols` or `classes` is not positive.
    public init(name: String, images: [Float], labels: [Int32], rows: Int = 28, cols: Int = 28,
                classes: Int = 10) throws(LangevinError) {
        guard rows > 0, cols > 0, classes > 0 else {
            throw LangevinError(.invalidParameter,
                "data set \(name): rows (\(rows)), cols (\(cols)) and classes (\(classes)) must be positive")
        }
        let (pixels, overflow) = labels.count.multipliedReportingOverflow(by: rows * cols)
        guard !overflow, images.count == pixels else {
            throw LangevinError(.invalidData,
                "data set \(name): \(images.count) pixel values for \(labels.count) images of \(rows)×\(cols)")
        }
        if let i = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
            throw LangevinError(.invalidData,
                "data set \(name): label \(labels[i]) of image \(i) is outside 0…\(classes - 1)")
        }
        self.init(unchecked: name, images: images, labels: labels, rows: rows, cols: cols, classes: classes)
    }

    /// For loaders that have already checked shapes and labels.
    init(unchecked name: String, images: [Float], labels: [Int32], rows: Int, cols: Int, classes: Int) {
        self.name = name
        self.images = images
        self.labels = labels
        self.rows = rows
        self.cols = cols
        self.classes = classes
    }

    public var description: String {
        "\(name): \(count) images of \(rows)×\(cols), \(classes) classes"
    }

    /// The pixels of image `i` (`0 ..< count`; out of range traps like an array subscript).
    public func image(_ i: Int) -> ArraySlice<Float> {
        let n = pixelsPerImage
        return images[i * n ..< (i + 1) * n]
    }

    /// How many images each class has: element `k` counts label `k`.
    public func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }

    /// The images at `indices`, in the order given (repeats allowed), named `name` (default: this set's name).
    ///
    /// Throws `.invalidParameter` naming the first index outside `0 ..< count`.
    public func subset(_ indices: some Sequence<Int>, name: String? = nil) throws(LangevinError) -> Dataset {
        let n = pixelsPerImage
        var pickedLabels: [Int32] = []
        pickedLabels.reserveCapacity(indices.underestimatedCount)
        for i in indices {
            guard i >= 0 && i < count else {
                throw LangevinError(.invalidParameter,
                    "data set \(self.name): subset index \(i) is outside 0..<\(count)")
            }
            pickedLabels.append(labels[i])
        }
        var pixels: [Float] = []
        pixels.reserveCapacity(pickedLabels.count * n)
        images.withUnsafeBufferPointer { src in
            for i in indices { pixels.append(contentsOf: src[i * n ..< (i + 1) * n]) }
        }
        return Dataset(unchecked: name ?? self.name, images: pixels, labels: pickedLabels,
                       rows: rows, cols: cols, classes: classes)
    }

    /// Splits per class, keeping file order: for each class the first `trainPerClass` of its images (in the order
    /// they appear here) go to the training set and the rest to the test set. Both results keep the original
    /// relative order of their images and are named `"<name>/train"` and `"<name>/test"`.
    ///
    /// This is the standard split of mnist-5k (500 images per class, sorted by label): `trainPerClass: 400` gives
    /// 4000 training and 1000 test images.
    ///
    /// Throws `.invalidParameter` if `trainPerClass < 1`, and `.invalidData` naming the class if some class that
    /// occurs has `trainPerClass` images or fewer (its test part would be empty).
    public func perClassSplit(trainPerClass: Int) throws(LangevinError) -> (train: Dataset, test: Dataset) {
        guard trainPerClass >= 1 else {
            throw LangevinError(.invalidParameter, "data set \(name): trainPerClass must be at least 1, got \(trainPerClass)")
        }
        let counts = classCounts()
        if let k = counts.indices.first(where: { counts[$0] > 0 && counts[$0] <= trainPerClass }) {
            throw LangevinError(.invalidData,
                "data set \(name): class \(k) has \(counts[k]) images, not more than the \(trainPerClass) per class "
                    + "asked for training, so it would have no test images")
        }
        return try split(trainCounts: counts.map { min($0, trainPerClass) })
    }

    /// Splits per class by a fraction, keeping file order: class `k` with `n_k` images sends its first
    /// `round(trainFraction · n_k)` images (rounded to nearest, halves away from zero) to the training set and the
    /// rest to the test set. With 500 images per class and the default 0.8 this is exactly the 400/100 split of
    /// ``perClassSplit(trainPerClass:)``. Results are named as there. A class with very few images can end up
    /// entirely on one side (one image and 0.8 → training only).
    ///
    /// Throws `.invalidParameter` unless `0 < trainFraction < 1`.
    public func perClassSplit(trainFraction: Double = 0.8) throws(LangevinError) -> (train: Dataset, test: Dataset) {
        guard trainFraction > 0, trainFraction < 1 else {
            throw LangevinError(.invalidParameter,
                "data set \(name): trainFraction must be strictly between 0 and 1, got \(trainFraction)")
        }
        return try split(trainCounts: classCounts().map { Int((trainFraction * Double($0)).rounded()) })
    }

    /// The first `trainCounts[k]` images of class `k` to the training set, the rest to the test set.
    private func split(trainCounts: [Int]) throws(LangevinError) -> (train: Dataset, test: Dataset) {
        var seen = [Int](repeating: 0, count: classes)
        var trainIndices: [Int] = []
        var testIndices: [Int] = []
        trainIndices.reserveCapacity(trainCounts.reduce(0, +))
        testIndices.reserveCapacity(count - trainIndices.capacity)
        for (i, label) in labels.enumerated() {
            let k = Int(label)
            if seen[k] < trainCounts[k] { trainIndices.append(i) } else { testIndices.append(i) }
            seen[k] += 1
        }
        return (try subset(trainIndices, name: name + "/train"), try subset(testIndices, name: name + "/test"))
    }
}
