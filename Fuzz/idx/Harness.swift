// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the IDX reader (images and labels, raw or gzip). The first two bytes say how many of the
// following bytes are the labels file; the rest is the images file.
import LangevinCore
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let split = min(Int(data[0]) | Int(data[1]) << 8, size - 2)
    let images = fuzzScratch + "/images", labels = fuzzScratch + "/labels"
    put(data + 2, split, labels)
    put(data + 2 + split, size - 2 - split, images)
    if let set = try? Dataset.loadIDX(images: images, labels: labels, name: "fuzz") {
        precondition(set.images.count == set.count * set.rows * set.cols, "pixels match the image count")
        precondition(set.labels.allSatisfy { $0 >= 0 && Int($0) < set.classes }, "labels within the classes")
    }
    return 0
}
