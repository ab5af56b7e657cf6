// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import NeuralEnergy
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct CatalogDataTests {
    typealias F = DataFixtures

    @Test func namesAndPaths() throws {
        let dir = try TempDir()
        #expect(try DataCatalog.source(name: "mnist-5k", dataRoot: dir.path) == .mnist5k(path: dir.path + "/mnist_5k.csv.gz"))
        #expect(try DataCatalog.source(name: "MNIST-5k", dataRoot: dir.path + "/") == .mnist5k(path: dir.path + "/mnist_5k.csv.gz"))
        // Without <dataRoot>/fashion-mnist, the Debian location.
        #expect(try DataCatalog.source(name: "fashion-mnist", dataRoot: dir.path)
                == .fashionMNIST(dir: DataCatalog.fashionMNISTSystemDirectory))
        try FileManager.default.createDirectory(atPath: dir.path + "/fashion-mnist", withIntermediateDirectories: true)
        #expect(try DataCatalog.source(name: "fashion-mnist", dataRoot: dir.path) == .fashionMNIST(dir: dir.path + "/fashion-mnist"))
        #expect(try DataCatalog.source(name: dir.path, dataRoot: "/unused") == .idxDirectory(dir: dir.path))
        let csv = try dir.file("d.CSV.gz")
        try F.writeGzip([], to: csv)
        #expect(try DataCatalog.source(name: csv, dataRoot: "/unused") == .csv(path: csv))
        let other = try dir.file("d.txt")
        try F.write([], to: other)
        expectLangevinError(.unknownName, containing: ["not a .csv or .csv.gz file"]) {
            _ = try DataCatalog.source(name: other, dataRoot: dir.path)
        }
        expectLangevinError(.unknownName, containing: ["unknown data set 'cifar'", "mnist-5k, fashion-mnist, notmnist-small"]) {
            _ = try DataCatalog.resolve(name: "cifar", dataRoot: dir.path)
        }
    }

    @Test func missingDataSaysHowToGetIt() throws {
        let dir = try TempDir()
        expectLangevinError(.io, containing: ["mnist-5k", dir.path + "/mnist_5k.csv.gz", "run `make data`"]) {
            _ = try DataCatalog.resolve(name: "mnist-5k", dataRoot: dir.path)
        }
        expectLangevinError(.io, containing: ["apt-get install dataset-fashion-mnist"]) {
            _ = try DataCatalog.load(.fashionMNIST(dir: dir.path + "/no-such-dir"))
        }
        expectLangevinError(.io, containing: ["notMNIST_small", "unpack"]) {
            _ = try DataCatalog.resolve(name: "notmnist-small", dataRoot: dir.path)
        }
    }

    @Test func idxDirectoryAndCSVThroughCatalog() throws {
        let dir = try TempDir()
        try F.write(F.idxImages(count: 20), to: try dir.file("mn/train-images-idx3-ubyte"))
        try F.write(F.idxLabels(count: 20), to: try dir.file("mn/train-labels-idx1-ubyte"))
        try F.writeGzip(F.idxImages(count: 10), to: try dir.file("mn/t10k-images-idx3-ubyte.gz"))
        try F.writeGzip(F.idxLabels(count: 10), to: try dir.file("mn/t10k-labels-idx1-ubyte.gz"))
        let (train, test) = try DataCatalog.resolve(name: dir.path + "/mn", dataRoot: "/unused")
        #expect(train.count == 20 && test.count == 10 && train.name == "mn/train")

        // A CSV with 5 rows per class: 0.8 → 4 train, 1 test per class.
        let rows = (0 ..< 50).map { i in ([String](repeating: String(i), count: 784) + [String(i / 5)]).joined(separator: ",") }
        let csv = try dir.file("five.csv")
        try F.write(Array(rows.joined(separator: "\n").utf8), to: csv)
        let (ctrain, ctest) = try DataCatalog.resolve(name: csv, dataRoot: "/unused")
        #expect(ctrain.count == 40 && ctest.count == 10 && ctrain.name == "five/train")
        #expect(ctest.images[0] == Float(4) / 255)  // the fifth row of class 0
    }

    @Test func mnist5kWithWrongShapeIsRejected() throws {
        let dir = try TempDir()
        let rows = (0 ..< 20).map { i in ([String](repeating: "0", count: 784) + [String(i % 10)]).joined(separator: ",") }
        try F.writeGzip(Array(rows.joined(separator: "\n").utf8), to: try dir.file("mnist_5k.csv.gz"))
        expectLangevinError(containing: ["500 images per class", "make data"]) {
            _ = try DataCatalog.resolve(name: "mnist-5k", dataRoot: dir.path)
        }
    }

    /// The real mnist-5k file, when `scripts/fetch-mnist5k.sh data` (`make data`) has been run.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: repositoryDataRoot() + "/mnist_5k.csv.gz"),
                   "data/mnist_5k.csv.gz not present (run scripts/fetch-mnist5k.sh data)"))
    func realMNIST5k() throws {
        let all = try Dataset.loadCSV(repositoryDataRoot() + "/mnist_5k.csv.gz", name: "mnist-5k")
        #expect(all.count == 5000 && all.rows == 28 && all.cols == 28)
        #expect(all.classCounts() == [Int](repeating: 500, count: 10))
        #expect(all.images.allSatisfy { $0 >= 0 && $0 <= 1 } && all.images.contains(1))
        let (train, test) = try DataCatalog.resolve(name: "mnist-5k", dataRoot: repositoryDataRoot())
        #expect(train.count == 4000 && test.count == 1000)
        #expect(train.classCounts() == [Int](repeating: 400, count: 10))
        #expect(test.classCounts() == [Int](repeating: 100, count: 10))
        // Sorted by label, so the split keeps label order; row 400 of the file is the first test image.
        #expect(Array(test.image(0)) == Array(all.image(400)))
        #expect(Array(train.image(400)) == Array(all.image(500)))
    }

    /// Fashion-MNIST from Debian's dataset-fashion-mnist package, when installed.
    @Test(.enabled(if: FileManager.default.fileExists(
        atPath: DataCatalog.fashionMNISTSystemDirectory + "/train-images-idx3-ubyte.gz"),
                   "dataset-fashion-mnist is not installed"))
    func realFashionMNIST() throws {
        let loaded = try DataCatalog.load(.fashionMNIST(dir: DataCatalog.fashionMNISTSystemDirectory))
        let (train, test) = (loaded.train, loaded.test)
        #expect(train.count == 60000 && test.count == 10000)
        #expect(train.rows == 28 && train.cols == 28 && train.classes == 10)
        #expect(train.name == "fashion-mnist/train" && test.name == "fashion-mnist/test")
        #expect(train.classCounts() == [Int](repeating: 6000, count: 10))
        #expect(test.classCounts() == [Int](repeating: 1000, count: 10))
        #expect(train.images.count == 60000 * 784)
        #expect(test.images.min() == 0 && test.images.max() == 1)
    }
}
