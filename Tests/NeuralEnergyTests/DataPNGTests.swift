// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct PNGDataTests {
    typealias F = DataFixtures

    /// Gray pixels of test image `i` of class `k`: pixel p is (p + 3i + 50k) mod 256.
    static func pixels(_ k: Int, _ i: Int, count: Int = 784) -> [UInt8] {
        (0 ..< count).map { UInt8(($0 + 3 * i + 50 * k) % 256) }
    }

    /// A notMNIST-style folder: `perClass` valid 28×28 PNGs in each of A…J, plus one corrupt PNG in C, one
    /// 20×20 PNG in D, an empty .png in E, and a non-PNG file in F (ignored, not counted).
    static func makeFolder(_ dir: TempDir, perClass: Int) throws -> String {
        let root = dir.path + "/notMNIST_small"
        for (k, letter) in Dataset.notMNISTClassFolders.enumerated() {
            for i in 0 ..< perClass {
                try F.writePNG(pixels(k, i), width: 28, height: 28, to: try dir.file("notMNIST_small/\(letter)/img\(i).png"))
            }
        }
        try F.write(Array("\u{89}PNG this is not really a PNG".utf8) + [UInt8](repeating: 0xAB, count: 64),
                    to: try dir.file("notMNIST_small/C/corrupt.png"))
        try F.writePNG(pixels(0, 0, count: 400), width: 20, height: 20, to: try dir.file("notMNIST_small/D/small.PNG"))
        try F.write([], to: try dir.file("notMNIST_small/E/empty.png"))
        try F.write(Array("notes".utf8), to: try dir.file("notMNIST_small/F/readme.txt"))
        return root
    }

    @Test func loadsFolderAndCountsSkipped() throws {
        let dir = try TempDir()
        let root = try Self.makeFolder(dir, perClass: 3)
        let loaded = try Dataset.loadPNGFolder(root)
        let d = loaded.dataset
        #expect(d.name == "notMNIST_small")
        #expect(d.count == 30 && d.rows == 28 && d.cols == 28 && d.classes == 10)
        #expect(loaded.skipped == 3)
        #expect(loaded.skippedFiles.map { $0.path.split(separator: "/").last.map(String.init) } == ["corrupt.png", "small.PNG", "empty.png"])
        #expect(loaded.skippedFiles[1].reason.contains("20×20"))
        #expect(d.labels == (0 ..< 10).flatMap { [Int32](repeating: Int32($0), count: 3) })
        for k in 0 ..< 10 {
            for i in 0 ..< 3 {
                #expect(Array(d.image(3 * k + i)) == Self.pixels(k, i).map { Float($0) / 255 })
            }
        }
    }

    @Test func customClassFoldersAndErrors() throws {
        let dir = try TempDir()
        let root = try Self.makeFolder(dir, perClass: 1)
        let two = try Dataset.loadPNGFolder(root, name: "ab", classFolders: ["B", "A"])
        #expect(two.dataset.name == "ab" && two.dataset.classes == 2 && two.dataset.labels == [0, 1])
        #expect(Array(two.dataset.image(0)) == Self.pixels(1, 0).map { Float($0) / 255 })
        #expect(two.skipped == 0)
        expectLangevinError(.io, containing: ["no class folder 'K'"]) {
            _ = try Dataset.loadPNGFolder(root, classFolders: ["A", "K"])
        }
        expectLangevinError(.io, containing: ["does not exist"]) { _ = try Dataset.loadPNGFolder(root + "/nope") }
        // Only unreadable or wrong-size files: nothing to load.
        try F.write([1, 2, 3], to: try dir.file("bad/X/a.png"))
        try F.writePNG(Self.pixels(0, 0, count: 28 * 27), width: 27, height: 28, to: try dir.file("bad/Y/b.png"))
        expectLangevinError(containing: ["directory \(dir.path)/bad", "no readable 28×28 PNG", "2 skipped"]) {
            _ = try Dataset.loadPNGFolder(dir.path + "/bad", classFolders: ["X", "Y"])
        }
    }

    @Test func catalogFindsPNGFolderAndSplits() throws {
        let dir = try TempDir()
        let root = try Self.makeFolder(dir, perClass: 5)
        #expect(try DataCatalog.source(name: root, dataRoot: "/unused") == .notMNIST(dir: root))
        #expect(try DataCatalog.source(name: "notMNIST-small", dataRoot: dir.path) == .notMNIST(dir: root))
        let loaded = try DataCatalog.load(.notMNIST(dir: root))
        #expect(loaded.train.count == 40 && loaded.test.count == 10)
        #expect(loaded.train.name == "notmnist-small/train")
        #expect(loaded.skippedFiles.count == 3)
        let (train, test) = try DataCatalog.resolve(name: "notmnist", dataRoot: dir.path)
        #expect(train.classCounts() == [Int](repeating: 4, count: 10) && test.classCounts() == [Int](repeating: 1, count: 10))
    }
}
