// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import NeuralEnergy
import Testing

@Suite struct CSVDataTests {
    typealias F = DataFixtures

    /// Writes `text` as a file (gzip-compressed if asked) and returns its path.
    func write(_ text: String, _ dir: TempDir, name: String = "digits.csv", gzip: Bool = false) throws -> String {
        let path = try dir.file(name + (gzip ? ".gz" : ""))
        if gzip { try F.writeGzip(Array(text.utf8), to: path) } else { try F.write(Array(text.utf8), to: path) }
        return path
    }

    /// A 28×28 row: pixel k is (k + seed) mod 256, then the label.
    func row(seed: Int, label: Int) -> String {
        ((0 ..< 784).map { String(($0 + seed) % 256) } + [String(label)]).joined(separator: ",")
    }

    @Test(arguments: [false, true])
    func fullSizeRows(gzip: Bool) throws {
        let dir = try TempDir()
        let text = (0 ..< 6).map { row(seed: $0, label: $0 % 3) }.joined(separator: "\n") + "\n"
        let path = try write(text, dir, gzip: gzip)
        let d = try Dataset.loadCSV(path)
        #expect(d.name == "digits")
        #expect(d.count == 6 && d.rows == 28 && d.cols == 28 && d.classes == 10)
        #expect(d.labels == [0, 1, 2, 0, 1, 2])
        let expected: [Float] = (0 ..< 784).map { k in Float((k + 2) % 256) / 255 }
        #expect(Array(d.image(2)) == expected)
    }

    @Test func headerBlankLinesCRLFAndSpaces() throws {
        let dir = try TempDir()
        let text = "p0,p1,p2,p3,label\r\n\r\n0, 255 ,51,7,9\r\n  \r\n1,2,3,4,0"
        let path = try write(text, dir)
        let d = try Dataset.loadCSV(path, name: "small", rows: 2, cols: 2)
        #expect(d.name == "small" && d.count == 2)
        let expected: [Float] = [0, 255, 51, 7, 1, 2, 3, 4].map { Float($0) / 255 }
        #expect(d.images == expected)
        #expect(d.labels == [9, 0])
    }

    @Test func badRowsReportLineNumbers() throws {
        let dir = try TempDir()
        let good = "1,2,3,4,5"
        let cases: [(String, [String])] = [
            ("\(good)\n\(good)\n1,2,3,5\n", ["line 3", "4 fields, expected 5"]),
            ("\(good)\n1,2,3,4,5,6\n", ["line 2", "6 fields"]),
            ("\(good)\n\n1,2.5,3,4,5\n", ["line 3", "field 2", "'2.5' is not an integer"]),
            ("\(good)\n1,2,,4,5\n", ["line 2", "field 3 is empty"]),
            ("\(good)\n1,2,3,1e2,5\n", ["line 2", "'1e2' is not an integer"]),
            ("\(good)\n1,256,3,4,5\n", ["line 2", "field 2 (pixel 1): value 256 is outside 0…255"]),
            ("\(good)\n-1,2,3,4,5\n", ["line 2", "value -1 is outside 0…255"]),
            ("\(good)\n1,2,3,4,10\n", ["line 2", "field 5 (the label): value 10 is outside 0…9"]),
            ("\(good)\n1,2,3,4,99999999999999999999\n", ["line 2", "outside 0…9"]),
            // A numeric first line is data, not a header: its errors are reported.
            ("1,2,3\n\(good)\n", ["line 1", "3 fields"]),
        ]
        for (text, fragments) in cases {
            let path = try write(text, dir)
            expectLangevinError(containing: ["file \(path)"] + fragments) {
                _ = try Dataset.loadCSV(path, rows: 2, cols: 2)
            }
        }
    }

    @Test func noDataRows() throws {
        let dir = try TempDir()
        for text in ["", "\n\n", "a,b,c,d,label\n"] {
            let path = try write(text, dir, gzip: true)
            expectLangevinError(containing: ["file \(path)", "no data rows"]) {
                _ = try Dataset.loadCSV(path, rows: 2, cols: 2)
            }
        }
    }

    @Test func missingAndCorrupt() throws {
        let dir = try TempDir()
        expectLangevinError(.io, containing: ["cannot open"]) { _ = try Dataset.loadCSV(dir.path + "/none.csv") }
        let path = try dir.file("bad.csv.gz")
        try F.write([0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0xFF, 0xFF, 0xFF, 0xFF], to: path)
        expectLangevinError(containing: ["file \(path)", "gzip"]) { _ = try Dataset.loadCSV(path) }
    }
}

@Suite struct DatasetDataTests {
    /// 1×1 images whose pixel is the index / 255; labels as given.
    func tiny(_ labels: [Int32], classes: Int = 10) throws -> Dataset {
        try Dataset(name: "tiny", images: labels.indices.map { Float($0) / 255 }, labels: labels, rows: 1, cols: 1,
                    classes: classes)
    }

    @Test func initValidates() throws {
        expectLangevinError(containing: ["3 pixel values for 2 images of 1×2"]) {
            _ = try Dataset(name: "x", images: [0, 0, 0], labels: [0, 1], rows: 1, cols: 2)
        }
        expectLangevinError(containing: ["label 3 of image 1 is outside 0…2"]) {
            _ = try Dataset(name: "x", images: [0, 0], labels: [0, 3], rows: 1, cols: 1, classes: 3)
        }
        expectLangevinError(.invalidParameter) {
            _ = try Dataset(name: "x", images: [], labels: [], rows: 0, cols: 1)
        }
    }

    @Test func subsetKeepsOrderAndChecksIndices() throws {
        let d = try tiny([0, 1, 2, 3, 4])
        let s = try d.subset([4, 0, 4], name: "s")
        #expect(s.name == "s" && s.labels == [4, 0, 4] && s.images == [4 / 255, 0, 4 / 255])
        #expect(try d.subset([]).count == 0)
        expectLangevinError(.invalidParameter, containing: ["subset index 5 is outside 0..<5"]) {
            _ = try d.subset([1, 5])
        }
        expectLangevinError(.invalidParameter, containing: ["-1"]) { _ = try d.subset([-1]) }
    }

    @Test func perClassSplitByCount() throws {
        // Sorted by label, unequal class sizes: 4 zeros, 3 ones, 5 twos; interleave a little too.
        let labels: [Int32] = [0, 0, 1, 0, 0, 1, 1, 2, 2, 2, 2, 2]
        let d = try tiny(labels)
        let (train, test) = try d.perClassSplit(trainPerClass: 2)
        #expect(train.name == "tiny/train" && test.name == "tiny/test")
        // First two of each class in file order, original relative order kept.
        #expect(train.images.map { Int(($0 * 255).rounded()) } == [0, 1, 2, 5, 7, 8])
        #expect(test.images.map { Int(($0 * 255).rounded()) } == [3, 4, 6, 9, 10, 11])
        #expect(train.classCounts()[0 ..< 3] == [2, 2, 2] && test.classCounts()[0 ..< 3] == [2, 1, 3])
        expectLangevinError(containing: ["class 1 has 3 images"]) { _ = try d.perClassSplit(trainPerClass: 3) }
        expectLangevinError(.invalidParameter) { _ = try d.perClassSplit(trainPerClass: 0) }
    }

    @Test func perClassSplitByFraction() throws {
        // 500 per class (like mnist-5k): 0.8 gives exactly 400/100, the same as trainPerClass 400.
        let labels = (0 ..< 10).flatMap { k in [Int32](repeating: Int32(k), count: 500) }
        let d = try tiny(labels)
        let (train, test) = try d.perClassSplit(trainFraction: 0.8)
        let (train2, test2) = try d.perClassSplit(trainPerClass: 400)
        #expect(train.count == 4000 && test.count == 1000)
        #expect(train.images == train2.images && test.images == test2.images)
        // Unequal classes: round(0.75 · n).
        let e = try tiny([0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2])
        let (tr, te) = try e.perClassSplit(trainFraction: 0.75)
        #expect(tr.classCounts()[0 ..< 3] == [3, 2, 5] && te.classCounts()[0 ..< 3] == [1, 0, 1])
        expectLangevinError(.invalidParameter) { _ = try e.perClassSplit(trainFraction: 1) }
        expectLangevinError(.invalidParameter) { _ = try e.perClassSplit(trainFraction: 0) }
    }
}
