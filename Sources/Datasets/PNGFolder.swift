// SPDX-License-Identifier: GPL-3.0-or-later
internal import CPNG
import LangevinCore

/// A PNG file that ``Dataset/loadPNGFolder(_:name:classFolders:rows:cols:)`` left out, and why.
public struct SkippedFile: Sendable, Equatable, CustomStringConvertible {
    /// The file's path.
    public let path: String
    /// Why it was skipped: libpng's message, or the wrong size.
    public let reason: String

    public var description: String { "\(path): \(reason)" }
}

/// The result of ``Dataset/loadPNGFolder(_:name:classFolders:rows:cols:)``: the images that could be read and the
/// files that could not.
public struct PNGFolderLoad: Sendable {
    /// The readable images, class by class, files in byte order of their names within a class.
    public let dataset: Dataset
    /// The PNG files skipped as unreadable or of the wrong size, in the order met.
    public let skippedFiles: [SkippedFile]
    /// How many PNG files were skipped.
    public var skipped: Int { skippedFiles.count }
}

extension Dataset {
    /// The class folders of notMNIST: letters A to J, labels 0 to 9.
    public static let notMNISTClassFolders = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]

    /// Loads a folder-per-class set of grayscale PNG images, the layout of notMNIST_small:
    ///
    ///     dir/A/*.png   label 0
    ///     dir/B/*.png   label 1
    ///     …
    ///     dir/J/*.png   label 9
    ///
    /// The label of an image is the index of its folder in `classFolders`. Within a folder, files whose name ends
    /// in `.png` (any case) and does not start with `.` are read in byte order of their names; other entries are
    /// ignored. Each image is decoded with libpng's simplified API, converted to 8-bit gray (`PNG_FORMAT_GRAY`:
    /// color is reduced to luminance; an alpha channel is composited onto black) and scaled to [0, 1] by dividing
    /// by 255.
    ///
    /// A file that libpng cannot read, or whose size is not `cols × rows` (width × height), is skipped and
    /// counted in the result (notMNIST_small has a few such files); it is not an error.
    ///
    /// The set is named `name`, by default the directory's last path component.
    ///
    /// Errors: `.io` if `dir` or a class folder is missing or cannot be listed; `.invalidData` if no image at all
    /// could be read.
    public static func loadPNGFolder(_ dir: String, name: String? = nil,
                                     classFolders: [String] = notMNISTClassFolders,
                                     rows: Int = 28, cols: Int = 28) throws(LangevinError) -> PNGFolderLoad {
        guard !classFolders.isEmpty, rows >= 1, cols >= 1, rows * cols <= IDXFormat.maxPixelsPerImage else {
            throw LangevinError(.invalidParameter,
                "PNG folder loading needs at least one class folder and a valid image size, got "
                    + "\(classFolders.count) folders and \(rows)×\(cols)")
        }
        guard FileSystem.isDirectory(dir) else {
            throw LangevinError(.io, "directory \(dir): \(FileSystem.exists(dir) ? "not a directory" : "does not exist")")
        }
        for folder in classFolders where !FileSystem.isDirectory(FileSystem.join(dir, folder)) {
            throw LangevinError(.io,
                "directory \(dir): no class folder '\(folder)' (expected folders \(classFolders.joined(separator: ", ")))")
        }
        let pixels = rows * cols
        var images: [Float] = []
        var labels: [Int32] = []
        var skipped: [SkippedFile] = []
        var buffer = [UInt8](repeating: 0, count: pixels)
        for (label, folder) in classFolders.enumerated() {
            let folderPath = FileSystem.join(dir, folder)
            for file in try FileSystem.list(folderPath) where isPNGName(file) {
                let path = FileSystem.join(folderPath, file)
                guard FileSystem.isRegularFile(path) else { continue }
                if let reason = decodeGray(path: path, rows: rows, cols: cols, into: &buffer) {
                    skipped.append(SkippedFile(path: path, reason: reason))
                    continue
                }
                images.reserveCapacity(images.count + pixels)
                for b in buffer { images.append(pixelScale[Int(b)]) }
                labels.append(Int32(label))
            }
        }
        guard !labels.isEmpty else {
            throw LangevinError(.invalidData,
                "directory \(dir): no readable \(cols)×\(rows) PNG image in the class folders (\(skipped.count) skipped)")
        }
        let dataset = Dataset(unchecked: name ?? lastPathComponent(dir), images: images, labels: labels,
                              rows: rows, cols: cols, classes: classFolders.count)
        return PNGFolderLoad(dataset: dataset, skippedFiles: skipped)
    }

    private static func isPNGName(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.lowercased().hasSuffix(".png")
    }

    /// Decodes `path` as `rows × cols` 8-bit gray into `buffer`; returns why it could not, or `nil` on success.
    private static func decodeGray(path: String, rows: Int, cols: Int, into buffer: inout [UInt8]) -> String? {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            return "unreadable PNG (\(message(of: image)))"
        }
        guard image.width == UInt32(cols), image.height == UInt32(rows) else {
            return "size \(image.width)×\(image.height), expected \(cols)×\(rows)"
        }
        image.format = UInt32(PNG_FORMAT_GRAY)
        for i in buffer.indices { buffer[i] = 0 }  // the background if there is alpha to composite
        let ok = buffer.withUnsafeMutableBytes { raw in
            png_image_finish_read(&image, nil, raw.baseAddress, Int32(cols), nil)
        }
        guard ok != 0 else { return "unreadable PNG (\(message(of: image)))" }
        return nil
    }

    private static func message(of image: png_image) -> String {
        let text = withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "libpng reported an error" : text
    }
}
