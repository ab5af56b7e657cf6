// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

/// The CSV digits format read by ``Dataset/loadCSV(_:name:rows:cols:classes:)``.
///
/// **Format.** Text, raw or gzip-compressed (detected from content), one image per line:
/// `rows · cols` pixel values (784 for 28×28) in row-major order, then the label, separated by commas:
///
///     0,0,0,…,51,159,253,…,0,7
///
/// - Pixels are decimal integers in 0…255, labels decimal integers in `0 ..< classes`; spaces and tabs around a
///   field are ignored; a leading `-` is read (and then rejected as out of range), `+`, decimal points and
///   exponents are not integers.
/// - **Label first.** A file with the label in the *first* column instead (as some MNIST CSV exports have it) is
///   recognised and read correctly: when the last column is constant (a corner pixel, 0 in every MNIST image) while
///   the first column takes two or more values, all in `0 ..< classes`, the first column is the label. Any other
///   file is read as documented, label last (so a label-first file whose last pixel varies is read label-last and
///   its labels fail the range check, or the data are refused, rather than being silently misread).
/// - Lines end with LF or CRLF; blank lines are skipped wherever they are.
/// - **Header.** The first non-blank line is a header, and is skipped, when it contains an ASCII letter, `_` or a
///   quote (`"`/`'`); any other first line is data (so a malformed first data row is reported, not skipped).
///
/// Any malformed row (wrong number of fields, a field that is not an integer, a value out of range) is a
/// `LangevinError(.invalidData, "file <path>: line <n>: …")` with the 1-based line number in the (decompressed)
/// text. A file with no data rows is an error too. The text is read whole, up to ``maxBytes`` after decompression.
public enum CSVDigitsFormat {
    /// The largest accepted text size in bytes, after decompression (1 GiB, about 350 000 MNIST rows).
    public static let maxBytes = 1 << 30
}

extension Dataset {
    /// Loads a CSV digits file (see ``CSVDigitsFormat``), raw or gzip-compressed, in file order.
    ///
    /// The set is named `name`, by default the file name without `.gz` and `.csv` (`mnist_5k.csv.gz` → `mnist_5k`).
    /// Pixels are scaled to [0, 1] by dividing by 255.
    ///
    /// Errors: `.io` if the file cannot be opened or read; `.invalidData` for a corrupt gzip stream, a text over
    /// ``CSVDigitsFormat/maxBytes``, no data rows, or a malformed row (with its line number).
    public static func loadCSV(_ path: String, name: String? = nil, rows: Int = 28, cols: Int = 28,
                               classes: Int = 10) throws(LangevinError) -> Dataset {
        guard rows >= 1, cols >= 1, rows * cols <= IDXFormat.maxPixelsPerImage, classes >= 1 else {
            throw LangevinError(.invalidParameter,
                "CSV image size \(rows)×\(cols) or class count \(classes) is not valid")
        }
        let file = try DataFile(path: path)
        let text = try file.read(upTo: CSVDigitsFormat.maxBytes + 1)
        guard text.count <= CSVDigitsFormat.maxBytes else {
            throw LangevinError(.invalidData,
                "file \(path): more than \(CSVDigitsFormat.maxBytes) bytes of text, the limit for CSV data")
        }
        var parser = CSVDigitsParser(path: path, pixels: rows * cols, classes: classes)
        try text.withUnsafeBufferPointer { bytes throws(LangevinError) in try parser.parse(bytes) }
        try parser.finish()
        guard !parser.labels.isEmpty else {
            throw LangevinError(.invalidData, "file \(path): no data rows")
        }
        var setName = name ?? lastPathComponent(path)
        if name == nil {
            for suffix in [".gz", ".csv"] where setName.hasSuffix(suffix) && setName.count > suffix.count {
                setName.removeLast(suffix.count)
            }
        }
        return Dataset(unchecked: setName, images: parser.images, labels: parser.labels,
                       rows: rows, cols: cols, classes: classes)
    }
}

/// The line-by-line parser behind ``Dataset/loadCSV(_:name:rows:cols:classes:)``.
struct CSVDigitsParser {
    let path: String
    let pixels: Int
    let classes: Int
    var images: [Float] = []
    var labels: [Int32] = []
    /// Every field of every row (0…255), `pixels + 1` per row, until ``finish()`` decides the layout.
    private var raw: [UInt8] = []
    private var lineNumbers: [Int] = []
    private var firstValues: Set<UInt8> = [], lastValues: Set<UInt8> = []
    private var firstFitsLabel = true
    /// True when the file was read with the label in the first column (decided by ``finish()``).
    private(set) var labelFirst = false

    init(path: String, pixels: Int, classes: Int) {
        self.path = path
        self.pixels = pixels
        self.classes = classes
    }

    private static let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

    private static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab || b == cr }

    private static func isHeaderByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'")
    }

    mutating func parse(_ text: UnsafeBufferPointer<UInt8>) throws(LangevinError) {
        var lineNumber = 0
        var start = 0
        var sawContent = false
        while start < text.count {
            lineNumber += 1
            var end = start
            while end < text.count && text[end] != Self.newline { end += 1 }
            let line = UnsafeBufferPointer(rebasing: text[start ..< end])
            start = end + 1
            if line.allSatisfy(Self.isBlank) { continue }
            if !sawContent {
                sawContent = true
                if line.contains(where: Self.isHeaderByte) { continue }
            }
            try parseRow(line, lineNumber: lineNumber)
        }
    }

    private func fail(_ line: Int, _ message: String) -> LangevinError {
        LangevinError(.invalidData, "file \(path): line \(line): \(message)")
    }

    /// Decides the layout (label last, or first; see ``CSVDigitsFormat``) and fills `images` and `labels`.
    mutating func finish() throws(LangevinError) {
        let width = pixels + 1
        let rows = lineNumbers.count
        labelFirst = firstFitsLabel && firstValues.count >= 2 && lastValues.count == 1
        let labelColumn = labelFirst ? 0 : pixels
        images.reserveCapacity(rows * pixels)
        labels.reserveCapacity(rows)
        for r in 0 ..< rows {
            let row = r * width
            let label = Int(raw[row + labelColumn])
            guard label < classes else {
                throw fail(lineNumbers[r], "field \(labelColumn + 1) (the label): value \(label) is outside 0…\(classes - 1)")
            }
            labels.append(Int32(label))
            let first = labelFirst ? row + 1 : row
            for k in first ..< first + pixels { images.append(pixelScale[Int(raw[k])]) }
        }
        raw = []
    }

    private mutating func parseRow(_ line: UnsafeBufferPointer<UInt8>, lineNumber: Int) throws(LangevinError) {
        let fields = line.reduce(1) { $0 + ($1 == Self.comma ? 1 : 0) }
        guard fields == pixels + 1 else {
            throw fail(lineNumber, "\(fields) fields, expected \(pixels + 1) (\(pixels) pixels, then the label)")
        }
        var field = 0
        var i = 0
        while field <= pixels {
            var j = i
            while j < line.count && line[j] != Self.comma { j += 1 }
            let value = try parseInteger(UnsafeBufferPointer(rebasing: line[i ..< j]), lineNumber: lineNumber,
                                         field: field + 1)
            // Out of 0…255 is wrong in either layout; the label's own range is checked by `finish()`.
            if field < pixels {
                guard (0 ... 255).contains(value) else {
                    throw fail(lineNumber, "field \(field + 1) (pixel \(field)): value \(value) is outside 0…255")
                }
            } else {
                guard (0 ... 255).contains(value) else {
                    throw fail(lineNumber, "field \(field + 1) (the label): value \(value) is outside 0…\(classes - 1)")
                }
            }
            raw.append(UInt8(value))
            if field == 0 {
                if value >= classes { firstFitsLabel = false }
                if firstValues.count < 2 { firstValues.insert(UInt8(value)) }
            } else if field == pixels, lastValues.count < 2 {
                lastValues.insert(UInt8(value))
            }
            field += 1
            i = j + 1
        }
        lineNumbers.append(lineNumber)
    }

    /// A decimal integer with optional `-` and surrounding blanks; magnitudes saturate at 10⁹ (all out of range).
    private func parseInteger(_ raw: UnsafeBufferPointer<UInt8>, lineNumber: Int,
                              field: Int) throws(LangevinError) -> Int {
        var lo = 0, hi = raw.count
        while lo < hi && Self.isBlank(raw[lo]) { lo += 1 }
        while hi > lo && Self.isBlank(raw[hi - 1]) { hi -= 1 }
        let text = String(decoding: raw[lo ..< hi].prefix(40), as: UTF8.self)
        guard lo < hi else { throw fail(lineNumber, "field \(field) is empty") }
        var negative = false
        if raw[lo] == UInt8(ascii: "-") {
            negative = true
            lo += 1
        }
        guard lo < hi else { throw fail(lineNumber, "field \(field): '\(text)' is not an integer") }
        var value = 0
        for k in lo ..< hi {
            let b = raw[k]
            guard b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") else {
                throw fail(lineNumber, "field \(field): '\(text)' is not an integer")
            }
            value = min(value * 10 + Int(b - UInt8(ascii: "0")), 1_000_000_000)
        }
        return negative ? -value : value
    }
}
