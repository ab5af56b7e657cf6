// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the CSV digits reader (raw or gzip-compressed text), 28×28 images and 10 classes, then a
// small 2×2 layout (inputs of odd length) so that short inputs reach the row parser's deeper states.
import LangevinCore
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let path = fuzzScratch + "/digits.csv"
    put(data, size, path)
    do {
        let (rows, cols) = size % 2 == 0 ? (28, 28) : (2, 2)  // one layout per input, by its length
        if let set = try? Dataset.loadCSV(path, rows: rows, cols: cols, classes: 10) {
            precondition(set.images.count == set.count * rows * cols, "pixels match the image count")
            precondition(set.images.allSatisfy { $0 >= 0 && $0 <= 1 }, "pixels scaled into [0, 1]")
            precondition(set.labels.allSatisfy { $0 >= 0 && $0 < 10 }, "labels within the classes")
        }
    }
    return 0
}
