// SPDX-License-Identifier: GPL-3.0-or-later

import Datasets
import LangevinCore
import Testing

/// A data set added in one place (its loader and one `register` call), found by name like the built-in ones.
@Suite("DataCatalog.register: a data set of one's own")
struct DataRegistryTests {
    static func tiny(_ name: String, count: Int) throws(LangevinError) -> Dataset {
        let images = (0..<(count * 4)).map { Float($0 % 7) / 7 }
        let labels = (0..<count).map { Int32($0 % 2) }
        return try Dataset(name: name, images: images, labels: labels, rows: 2, cols: 2, classes: 2)
    }

    @Test("A registered name resolves (any case) to its loader, which receives the data root; it shadows a path")
    func registeredNameResolves() throws {
        DataCatalog.register(NamedDataSet(names: ["tiny-test-set", "tiny"]) { root throws(LangevinError) in
            guard root == "some-root" else { throw LangevinError(.io, "wrong data root \(root)") }
            return (try DataRegistryTests.tiny("tiny/train", count: 8), try DataRegistryTests.tiny("tiny/test", count: 4))
        })
        let source = try DataCatalog.source(name: "TINY", dataRoot: "some-root")
        #expect(source == .registered(name: "tiny-test-set", dataRoot: "some-root"))
        let (train, test) = try DataCatalog.resolve(name: "tiny-test-set", dataRoot: "some-root")
        #expect(train.count == 8 && test.count == 4 && train.rows == 2 && train.classes == 2)
        // Its loader's errors come through unchanged.
        #expect(throws: LangevinError.self) { _ = try DataCatalog.resolve(name: "tiny", dataRoot: "elsewhere") }
    }

    @Test("Registering a name again replaces the earlier data set")
    func reRegistrationReplaces() throws {
        DataCatalog.register(NamedDataSet(names: ["replaced-set"]) { _ throws(LangevinError) in
            (try DataRegistryTests.tiny("a", count: 2), try DataRegistryTests.tiny("a", count: 2))
        })
        DataCatalog.register(NamedDataSet(names: ["REPLACED-SET"]) { _ throws(LangevinError) in
            (try DataRegistryTests.tiny("b", count: 6), try DataRegistryTests.tiny("b", count: 2))
        })
        #expect(try DataCatalog.resolve(name: "replaced-set", dataRoot: "").train.count == 6)
    }
}
