// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore

/// The IDX file format of MNIST and Fashion-MNIST, and the limits the loader enforces.
///
/// **Format.** An IDX file is a header followed by data, all integers big-endian:
///
/// | offset | size | content |
/// |---|---|---|
/// | 0 | 2 | zero |
/// | 2 | 1 | data type code: 0x08 unsigned byte (the only one accepted here), 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64 |
/// | 3 | 1 | rank `d` |
/// | 4 | 4·d | dimensions, UInt32 each; the first is the item count |
/// | 4 + 4·d | product of dimensions | the items, row-major |
///
/// Image files have magic 0x00000803 = 2051 (unsigned bytes, rank 3: count × rows × cols); label files have
/// magic 0x00000801 = 2049 (unsigned bytes, rank 1: count). A file may be gzip-compressed (detected from content).
///
/// **Validation.** Everything is checked before the data are allocated: magic, type code and rank; the counts
/// against ``maxItems``, ``maxPixelsPerImage`` and ``maxDataBytes``; the exact file size (header plus product of
/// dimensions: no missing and no trailing bytes; for gzip files the decompressed size, read without trusting the
/// header for allocation); that images and labels have the same count; labels below the class count. Every failure
/// is a `LangevinError(.invalidData, "file <path>: …")` (or `.io` when a file cannot be opened or read).
public enum IDXFormat {
    /// Magic number of an image file: unsigned bytes, rank 3.
    public static let imageMagic: UInt32 = 0x0000_0803
    /// Magic number of a label file: unsigned bytes, rank 1.
    public static let labelMagic: UInt32 = 0x0000_0801
    /// The largest item count accepted (MNIST-sized sets have 70 000).
    public static let maxItems = 10_000_000
    /// The largest `rows · cols` accepted (1024 × 1024).
    public static let maxPixelsPerImage = 1 << 20
    /// The largest data part accepted, in bytes (4 GiB, 16 GiB once converted to `Float`).
    public static let maxDataBytes = 1 << 32

    /// The four standard file names of an MNIST-style directory, without the optional `.gz`.
    public static let standardFileNames = (
        trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
        testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x08: "unsigned byte"
        case 0x09: "signed byte"
        case 0x0B: "16-bit integer"
        case 0x0C: "32-bit integer"
        case 0x0D: "32-bit float"
        case 0x0E: "64-bit float"
        default: "unknown type"
        }
    }

    static func hex(_ value: some FixedWidthInteger, digits: Int) -> String {
        let s = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

/// What an IDX file should hold.
enum IDXKind {
    case images, labels

    var rank: UInt8 { self == .images ? 3 : 1 }
    var magic: UInt32 { self == .images ? IDXFormat.imageMagic : IDXFormat.labelMagic }
    var noun: String { self == .images ? "image" : "label" }
    var shape: String { self == .images ? "count × rows × cols" : "count" }
}

/// A validated IDX header.
struct IDXHeader {
    let kind: IDXKind
    /// Item count.
    let count: Int
    /// Image height and width (1 and 1 for labels).
    let rows: Int
    let cols: Int
    /// Header size in bytes.
    var headerBytes: Int { 4 + 4 * Int(kind.rank) }
    /// Size of the data part in bytes.
    var dataBytes: Int { count * rows * cols }

    var itemsDescription: String {
        kind == .images ? "\(count) images of \(rows)×\(cols)" : "\(count) labels"
    }

    /// Reads and checks the header of `file` (see ``IDXFormat`` for the checks).
    init(reading file: DataFile, as kind: IDXKind) throws(LangevinError) {
        self.kind = kind
        let path = file.path
        let what = "IDX \(kind.noun) file"
        let prefix = try file.read(upTo: 4)
        guard prefix.count == 4 else {
            throw LangevinError(.invalidData,
                "file \(path): too short for an \(what): \(prefix.count) bytes, the magic number alone takes 4")
        }
        let magic = prefix.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let expected = "expected \(IDXFormat.hex(kind.magic, digits: 8)) (\(kind.magic))"
        guard prefix[0] == 0, prefix[1] == 0 else {
            throw LangevinError(.invalidData,
                "file \(path): not an \(what): magic number \(IDXFormat.hex(magic, digits: 8)), \(expected)")
        }
        guard prefix[2] == 0x08 else {
            throw LangevinError(.invalidData,
                "file \(path): \(what) with data type code \(IDXFormat.hex(prefix[2], digits: 2)) "
                    + "(\(IDXFormat.typeName(prefix[2]))); only 0x08 (unsigned byte) is supported, \(expected)")
        }
        guard prefix[3] == kind.rank else {
            let hint = kind == .images && prefix[3] == 1 ? " (is this a label file?)"
                : kind == .labels && prefix[3] == 3 ? " (is this an image file?)" : ""
            throw LangevinError(.invalidData,
                "file \(path): \(what) with rank \(prefix[3]), expected rank \(kind.rank) (\(kind.shape)), "
                    + "magic number \(IDXFormat.hex(magic, digits: 8)), \(expected)\(hint)")
        }
        let dimBytes = try file.read(upTo: 4 * Int(kind.rank))
        guard dimBytes.count == 4 * Int(kind.rank) else {
            throw LangevinError(.invalidData,
                "file \(path): truncated header: \(4 + dimBytes.count) bytes, an \(what) header has \(4 + 4 * Int(kind.rank))")
        }
        let dims = (0 ..< Int(kind.rank)).map { d in
            dimBytes[4 * d ..< 4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        count = dims[0]
        rows = kind == .images ? dims[1] : 1
        cols = kind == .images ? dims[2] : 1
        guard count >= 1 else {
            throw LangevinError(.invalidData, "file \(path): the header declares 0 items")
        }
        guard count <= IDXFormat.maxItems else {
            throw LangevinError(.invalidData,
                "file \(path): the header declares \(count) items, more than the limit of \(IDXFormat.maxItems)")
        }
        if kind == .images {
            guard rows >= 1, cols >= 1 else {
                throw LangevinError(.invalidData, "file \(path): the header declares images of \(rows)×\(cols) pixels")
            }
            // Each factor is checked first so that the product cannot overflow.
            guard rows <= IDXFormat.maxPixelsPerImage, cols <= IDXFormat.maxPixelsPerImage,
                  rows * cols <= IDXFormat.maxPixelsPerImage else {
                throw LangevinError(.invalidData,
                    "file \(path): the header declares images of \(rows)×\(cols) pixels, more than the limit of "
                        + "\(IDXFormat.maxPixelsPerImage) pixels per image")
            }
        }
        // count ≤ 10⁷ and rows·cols ≤ 2²⁰: the product fits easily in Int.
        guard dataBytes <= IDXFormat.maxDataBytes else {
            throw LangevinError(.invalidData,
                "file \(path): the header declares \(itemsDescription) (\(dataBytes) bytes), more than the limit of "
                    + "\(IDXFormat.maxDataBytes) bytes")
        }
    }

    /// Reads the data part that follows the header, checking the exact size first (raw files: from the size on
    /// disk, before anything is allocated; gzip files: as the data decompress).
    func readData(from file: DataFile) throws(LangevinError) -> [UInt8] {
        let path = file.path
        let declared = "the header declares \(itemsDescription) (\(headerBytes)-byte header + \(dataBytes) data bytes)"
        if !file.isCompressed {
            let expected = headerBytes + dataBytes
            if file.sizeOnDisk < expected {
                throw LangevinError(.invalidData,
                    "file \(path): truncated: \(file.sizeOnDisk) bytes, but \(declared); "
                        + "\(expected - file.sizeOnDisk) bytes are missing")
            }
            if file.sizeOnDisk > expected {
                throw LangevinError(.invalidData,
                    "file \(path): \(file.sizeOnDisk - expected) trailing bytes: the file has \(file.sizeOnDisk) bytes "
                        + "but \(declared)")
            }
        }
        let data = try file.read(upTo: dataBytes)
        if data.count < dataBytes {
            throw LangevinError(.invalidData,
                "file \(path): truncated: \(declared), but only \(data.count) data bytes follow the header"
                    + (file.isCompressed ? " after decompression" : ""))
        }
        let extra = try file.countRemaining()
        if extra > 0 {
            throw LangevinError(.invalidData,
                "file \(path): \(extra) trailing bytes after the data: \(declared)"
                    + (file.isCompressed ? " (sizes after decompression)" : ""))
        }
        return data
    }
}

/// Pixel byte → value in [0, 1]: `Float(b) / 255`, tabulated.
let pixelScale: [Float] = (0 ... 255).map { Float($0) / 255 }

/// Bytes → pixels in [0, 1].
func scalePixels(_ bytes: [UInt8]) -> [Float] {
    [Float](unsafeUninitializedCapacity: bytes.count) { out, initialized in
        pixelScale.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { src in
                for i in 0 ..< src.count { out[i] = table[Int(src[i])] }
            }
        }
        initialized = bytes.count
    }
}

extension Dataset {
    /// Loads an image file and a label file in IDX format (see ``IDXFormat``), each raw or gzip-compressed.
    ///
    /// Images may have any size within ``IDXFormat`` limits (28×28 for the MNIST family); labels must be in
    /// `0 ..< classes`. Pixels are scaled to [0, 1] by dividing by 255.
    ///
    /// Errors: `.io` if a file cannot be opened or read; `.invalidData` naming the file and the problem for
    /// anything malformed (see ``IDXFormat``), including an image count different from the label count.
    public static func loadIDX(images: String, labels: String, name: String,
                               classes: Int = 10) throws(LangevinError) -> Dataset {
        guard classes >= 1, classes <= 256 else {
            throw LangevinError(.invalidParameter, "classes must be in 1…256 for IDX labels, got \(classes)")
        }
        let imageFile = try DataFile(path: images)
        let imageHeader = try IDXHeader(reading: imageFile, as: .images)
        let labelFile = try DataFile(path: labels)
        let labelHeader = try IDXHeader(reading: labelFile, as: .labels)
        guard imageHeader.count == labelHeader.count else {
            throw LangevinError(.invalidData,
                "file \(images): holds \(imageHeader.count) images but file \(labels) holds \(labelHeader.count) labels; "
                    + "the counts must agree")
        }
        let labelBytes = try labelHeader.readData(from: labelFile)
        if let i = labelBytes.firstIndex(where: { Int($0) >= classes }) {
            throw LangevinError(.invalidData,
                "file \(labels): label \(labelBytes[i]) of item \(i) is outside 0…\(classes - 1)")
        }
        let pixelBytes = try imageHeader.readData(from: imageFile)
        return Dataset(unchecked: name, images: scalePixels(pixelBytes), labels: labelBytes.map { Int32($0) },
                       rows: imageHeader.rows, cols: imageHeader.cols, classes: classes)
    }

    /// Loads the training and test sets of an MNIST-style directory holding the four standard IDX files
    /// (``IDXFormat/standardFileNames``): `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally with `.gz` (the raw file is preferred
    /// when both exist). The variant spelling with a dot before `idx` (`train-images.idx3-ubyte`) is accepted too.
    ///
    /// The sets are named `"<name>/train"` and `"<name>/test"`, `name` defaulting to the directory's last path
    /// component. Training and test images must have the same size.
    ///
    /// Errors: `.io` if the directory or one of the files is missing (the message lists the names looked for);
    /// otherwise as ``loadIDX(images:labels:name:classes:)``.
    public static func loadIDXDirectory(_ dir: String, name: String? = nil,
                                        classes: Int = 10) throws(LangevinError) -> (train: Dataset, test: Dataset) {
        guard FileSystem.isDirectory(dir) else {
            throw LangevinError(.io, "directory \(dir): \(FileSystem.exists(dir) ? "not a directory" : "does not exist")")
        }
        let setName = name ?? Self.lastPathComponent(dir)
        let names = IDXFormat.standardFileNames
        let trainImages = try findIDXFile(in: dir, base: names.trainImages)
        let trainLabels = try findIDXFile(in: dir, base: names.trainLabels)
        let testImages = try findIDXFile(in: dir, base: names.testImages)
        let testLabels = try findIDXFile(in: dir, base: names.testLabels)
        let train = try loadIDX(images: trainImages, labels: trainLabels, name: setName + "/train", classes: classes)
        let test = try loadIDX(images: testImages, labels: testLabels, name: setName + "/test", classes: classes)
        guard train.rows == test.rows, train.cols == test.cols else {
            throw LangevinError(.invalidData,
                "directory \(dir): training images are \(train.rows)×\(train.cols) but test images are "
                    + "\(test.rows)×\(test.cols)")
        }
        return (train, test)
    }

    /// The path of `base` (or a spelling variant, with or without `.gz`) in `dir`.
    private static func findIDXFile(in dir: String, base: String) throws(LangevinError) -> String {
        // "train-images-idx3-ubyte" → also "train-images.idx3-ubyte".
        var bases = [base]
        if let r = base.firstRange(of: "-idx") {
            var variant = base
            variant.replaceSubrange(r, with: ".idx")
            bases.append(variant)
        }
        for b in bases {
            for suffix in ["", ".gz"] {
                let path = FileSystem.join(dir, b + suffix)
                if FileSystem.isRegularFile(path) { return path }
            }
        }
        throw LangevinError(.io,
            "directory \(dir): no \(base) or \(base).gz; an IDX directory holds "
                + [IDXFormat.standardFileNames.trainImages, IDXFormat.standardFileNames.trainLabels,
                   IDXFormat.standardFileNames.testImages, IDXFormat.standardFileNames.testLabels]
                .map { $0 + "[.gz]" }.joined(separator: ", "))
    }

    /// The last non-empty component of a path ("a/b/" → "b").
    static func lastPathComponent(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.last.map(String.init) ?? path
    }
}
