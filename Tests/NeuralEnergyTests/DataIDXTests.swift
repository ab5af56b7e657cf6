// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct IDXDataTests {
    typealias F = DataFixtures

    /// Writes an image file and a label file (raw or gzip) and returns their paths.
    func writePair(_ dir: TempDir, images: [UInt8], labels: [UInt8], gzip: Bool = false,
                   prefix: String = "x") throws -> (String, String) {
        let ip = try dir.file(prefix + "-images-idx3-ubyte" + (gzip ? ".gz" : ""))
        let lp = try dir.file(prefix + "-labels-idx1-ubyte" + (gzip ? ".gz" : ""))
        if gzip {
            try F.writeGzip(images, to: ip)
            try F.writeGzip(labels, to: lp)
        } else {
            try F.write(images, to: ip)
            try F.write(labels, to: lp)
        }
        return (ip, lp)
    }

    func checkRoundTrip(_ d: Dataset, count: Int, rows: Int = 28, cols: Int = 28) {
        #expect(d.count == count)
        #expect(d.rows == rows && d.cols == cols && d.classes == 10)
        #expect(d.images.count == count * rows * cols)
        let bytes = F.pixelBytes(count: count, rows: rows, cols: cols)
        #expect(d.images == bytes.map { Float($0) / 255 })
        #expect(d.labels == (0 ..< count).map { Int32($0 % 10) })
        #expect(d.images.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test(arguments: [false, true])
    func roundTrip(gzip: Bool) throws {
        let dir = try TempDir()
        let (ip, lp) = try writePair(dir, images: F.idxImages(count: 12), labels: F.idxLabels(count: 12), gzip: gzip)
        let d = try Dataset.loadIDX(images: ip, labels: lp, name: "tiny")
        #expect(d.name == "tiny")
        checkRoundTrip(d, count: 12)
        // Pixel bytes 0 and 255 map to 0 and 1 exactly; 51 to 0.2.
        #expect(Float(UInt8(51)) / 255 == 0.2)
        #expect(d.image(3).count == 784)
        #expect(Array(d.image(3)) == Array(d.images[3 * 784 ..< 4 * 784]))
    }

    @Test func gzipDetectedFromContentNotName() throws {
        let dir = try TempDir()
        // Raw content under .gz names, gzip content under plain names.
        let ip = try dir.file("a.gz"), lp = try dir.file("b")
        try F.write(F.idxImages(count: 3), to: ip)
        try F.writeGzip(F.idxLabels(count: 3), to: lp)
        checkRoundTrip(try Dataset.loadIDX(images: ip, labels: lp, name: "mixed"), count: 3)
    }

    @Test func generalImageSize() throws {
        let dir = try TempDir()
        let (ip, lp) = try writePair(dir, images: F.idxImages(count: 4, rows: 3, cols: 5), labels: F.idxLabels(count: 4))
        checkRoundTrip(try Dataset.loadIDX(images: ip, labels: lp, name: "small"), count: 4, rows: 3, cols: 5)
    }

    @Test(arguments: [false, true])
    func wrongMagic(gzip: Bool) throws {
        let dir = try TempDir()
        var images = F.idxImages(count: 2)
        images[0] = 0x12
        images[1] = 0x34
        let (ip, lp) = try writePair(dir, images: images, labels: F.idxLabels(count: 2), gzip: gzip)
        expectLangevinError(containing: ["file \(ip)", "magic number 0x12340803", "0x00000803 (2051)"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    @Test func wrongTypeCode() throws {
        let dir = try TempDir()
        var images = F.idxImages(count: 2)
        images[2] = 0x0D
        let (ip, lp) = try writePair(dir, images: images, labels: F.idxLabels(count: 2))
        expectLangevinError(containing: ["file \(ip)", "type code 0x0D", "32-bit float", "unsigned byte"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
        var labels = F.idxLabels(count: 2)
        labels[2] = 0x0C
        let (ip2, lp2) = try writePair(dir, images: F.idxImages(count: 2), labels: labels, prefix: "y")
        expectLangevinError(containing: ["file \(lp2)", "type code 0x0C"]) {
            _ = try Dataset.loadIDX(images: ip2, labels: lp2, name: "t")
        }
    }

    @Test func wrongRank() throws {
        let dir = try TempDir()
        // Images stored flat (rank 2: count × 784).
        let flat = F.idxHeader(dims: [2, 784]) + F.pixelBytes(count: 2, rows: 28, cols: 28)
        let (ip, lp) = try writePair(dir, images: flat, labels: F.idxLabels(count: 2))
        expectLangevinError(containing: ["file \(ip)", "rank 2, expected rank 3"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
        // Image and label files swapped.
        expectLangevinError(containing: ["file \(lp)", "rank 1", "is this a label file?"]) {
            _ = try Dataset.loadIDX(images: lp, labels: ip, name: "t")
        }
    }

    @Test(arguments: [false, true])
    func truncatedData(gzip: Bool) throws {
        let dir = try TempDir()
        let images = F.idxImages(count: 5)
        let (ip, lp) = try writePair(dir, images: Array(images.dropLast(10)), labels: F.idxLabels(count: 5), gzip: gzip)
        expectLangevinError(containing: ["file \(ip)", "truncated", "5 images of 28×28"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    @Test func truncatedHeader() throws {
        let dir = try TempDir()
        for (bytes, fragment) in [([UInt8](), "too short"), ([0, 0, 8], "too short"), ([0, 0, 8, 3, 0, 0, 0, 5, 0], "truncated header")] {
            let (ip, lp) = try writePair(dir, images: bytes, labels: F.idxLabels(count: 5))
            expectLangevinError(containing: ["file \(ip)", fragment]) {
                _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
            }
        }
    }

    @Test(arguments: [false, true])
    func trailingBytes(gzip: Bool) throws {
        let dir = try TempDir()
        let (ip, lp) = try writePair(dir, images: F.idxImages(count: 5), labels: F.idxLabels(count: 5) + [1, 2, 3],
                                     gzip: gzip)
        expectLangevinError(containing: ["file \(lp)", "3 trailing bytes"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    @Test func countMismatch() throws {
        let dir = try TempDir()
        let (ip, lp) = try writePair(dir, images: F.idxImages(count: 5), labels: F.idxLabels(count: 4))
        expectLangevinError(containing: ["file \(ip)", "5 images", "file \(lp)", "4 labels"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    @Test func labelOutOfRange() throws {
        let dir = try TempDir()
        var labels = F.idxLabels(count: 5)
        labels[8 + 3] = 10
        let (ip, lp) = try writePair(dir, images: F.idxImages(count: 5), labels: labels)
        expectLangevinError(containing: ["file \(lp)", "label 10 of item 3", "0…9"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    @Test func zeroCount() throws {
        let dir = try TempDir()
        let (ip, lp) = try writePair(dir, images: F.idxHeader(dims: [0, 28, 28]), labels: F.idxHeader(dims: [0]))
        expectLangevinError(containing: ["file \(ip)", "0 items"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    /// Headers that announce enormous data in a tiny file are rejected by the limits or by the size check before
    /// any data buffer is allocated (and without overflow traps). For raw files the size on disk is compared with
    /// the header first; gzip files are decompressed into a buffer that grows with the data actually present.
    @Test(arguments: [false, true])
    func hugeHeaderTinyFile(gzip: Bool) throws {
        let dir = try TempDir()
        let labels = try dir.file("labels-3")
        try F.write(F.idxLabels(count: 3), to: labels)
        let limitCases: [([UInt32], [String])] = [
            ([0xFFFF_FFFF, 28, 28], ["4294967295 items", "limit"]),
            ([3, 0xFFFF_FFFF, 0xFFFF_FFFF], ["4294967295×4294967295", "limit"]),
            ([3, 0, 28], ["0×28"]),
        ]
        for (dims, fragments) in limitCases {
            let images = F.idxHeader(dims: dims) + [UInt8](repeating: 7, count: 100)
            let (ip, _) = try writePair(dir, images: images, labels: [], gzip: gzip)
            expectLangevinError(containing: ["file \(ip)"] + fragments) {
                _ = try Dataset.loadIDX(images: ip, labels: labels, name: "t")
            }
        }
        // 2 000 000 images of 28×28 (1.5 GB) announced, 100 bytes present; the labels are complete.
        let n: UInt32 = 2_000_000
        let fullLabels = try dir.file("labels-full")
        try F.write(F.idxHeader(dims: [n]) + [UInt8](repeating: 1, count: Int(n)), to: fullLabels)
        let (ip, _) = try writePair(dir, images: F.idxHeader(dims: [n, 28, 28]) + [UInt8](repeating: 7, count: 100),
                                    labels: [], gzip: gzip)
        expectLangevinError(containing: ["file \(ip)", "truncated", "2000000 images of 28×28"]) {
            _ = try Dataset.loadIDX(images: ip, labels: fullLabels, name: "t")
        }
        // 2 000 000 labels announced, 10 present.
        let (_, lp) = try writePair(dir, images: [], labels: F.idxHeader(dims: [n]) + [UInt8](repeating: 1, count: 10),
                                    gzip: gzip, prefix: "z")
        expectLangevinError(containing: ["file \(lp)", "truncated", "2000000 labels"]) {
            _ = try Dataset.loadIDX(images: ip, labels: lp, name: "t")
        }
    }

    @Test func corruptGzip() throws {
        let dir = try TempDir()
        let labels = try dir.file("labels")
        try F.write(F.idxLabels(count: 5), to: labels)
        let good = try F.gzipped(F.idxImages(count: 5), scratch: dir)
        var badCRC = good
        badCRC[badCRC.count - 6] ^= 0xFF  // CRC-32 lies in the last 8 bytes before the length
        let variants: [(String, [UInt8])] = [
            ("garbage", [0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03] + (0 ..< 200).map { UInt8(($0 * 37 + 11) % 256) }),
            ("truncated", Array(good.prefix(good.count / 2))),
            ("header only", Array(good.prefix(10))),
            ("bad crc", badCRC),
        ]
        for (label, bytes) in variants {
            let path = try dir.file("images-\(label.replacing(" ", with: "-")).gz")
            try F.write(bytes, to: path)
            let error = expectLangevinError(containing: ["file \(path)", "corrupt gzip data"]) {
                _ = try Dataset.loadIDX(images: path, labels: labels, name: "t")
            }
            // zlib's own message is included without repeating the path.
            #expect(error?.message.components(separatedBy: path).count == 2, "\(label): \(error?.message ?? "")")
        }
    }

    @Test func missingFile() throws {
        let dir = try TempDir()
        let lp = try dir.file("labels")
        try F.write(F.idxLabels(count: 2), to: lp)
        expectLangevinError(.io, containing: ["file \(dir.path)/nope", "cannot open"]) {
            _ = try Dataset.loadIDX(images: dir.path + "/nope", labels: lp, name: "t")
        }
        expectLangevinError(.io, containing: ["not a regular file"]) {
            _ = try Dataset.loadIDX(images: dir.path, labels: lp, name: "t")
        }
    }

    @Test func directoryOfStandardFiles() throws {
        let dir = try TempDir()
        try F.writeGzip(F.idxImages(count: 10), to: try dir.file("train-images-idx3-ubyte.gz"))
        try F.write(F.idxLabels(count: 10), to: try dir.file("train-labels-idx1-ubyte"))
        try F.write(F.idxImages(count: 4), to: try dir.file("t10k-images.idx3-ubyte"))
        try F.writeGzip(F.idxLabels(count: 4), to: try dir.file("t10k-labels-idx1-ubyte.gz"))
        let (train, test) = try Dataset.loadIDXDirectory(dir.path, name: "d")
        #expect(train.name == "d/train" && test.name == "d/test")
        checkRoundTrip(train, count: 10)
        checkRoundTrip(test, count: 4)
        let (train2, _) = try Dataset.loadIDXDirectory(dir.path + "/")
        #expect(train2.name.hasPrefix("langevin-data-test-") && train2.name.hasSuffix("/train"))
    }

    @Test func directoryProblems() throws {
        let dir = try TempDir()
        expectLangevinError(.io, containing: ["\(dir.path)/missing", "does not exist"]) {
            _ = try Dataset.loadIDXDirectory(dir.path + "/missing")
        }
        try F.write(F.idxImages(count: 10), to: try dir.file("train-images-idx3-ubyte"))
        try F.write(F.idxLabels(count: 10), to: try dir.file("train-labels-idx1-ubyte"))
        try F.write(F.idxImages(count: 4, rows: 20, cols: 20), to: try dir.file("t10k-images-idx3-ubyte"))
        expectLangevinError(.io, containing: ["no t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte.gz",
                                              "train-images-idx3-ubyte[.gz]"]) {
            _ = try Dataset.loadIDXDirectory(dir.path)
        }
        try F.write(F.idxLabels(count: 4), to: try dir.file("t10k-labels-idx1-ubyte"))
        expectLangevinError(containing: ["training images are 28×28 but test images are 20×20"]) {
            _ = try Dataset.loadIDXDirectory(dir.path)
        }
    }
}
