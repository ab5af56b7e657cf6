// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the PNG-folder reader (libpng through CPNG): one class folder holding the input as a PNG file.
import LangevinCore
import Foundation
import Datasets

let pngFolder: String = {
    let dir = fuzzScratch + "/png"
    try? FileManager.default.createDirectory(atPath: dir + "/A", withIntermediateDirectories: true)
    return dir
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    put(data, size, pngFolder + "/A/input.png")
    do {
        let (rows, cols) = size % 2 == 0 ? (28, 28) : (4, 4)  // one layout per input, by its length
        if let loaded = try? Dataset.loadPNGFolder(pngFolder, name: "fuzz", classFolders: ["A"], rows: rows, cols: cols) {
            let set = loaded.dataset
            precondition(set.count == 1 && set.images.count == rows * cols, "one image of the asked size")
            precondition(set.images.allSatisfy { $0 >= 0 && $0 <= 1 }, "pixels scaled into [0, 1]")
        }
    }
    return 0
}
