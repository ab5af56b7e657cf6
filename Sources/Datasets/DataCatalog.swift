// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import Synchronization

/// Where a data set comes from and how it is split into training and test sets.
public enum DataSource: Sendable, Equatable {
    /// The mnist-5k CSV (`mnist_5k.csv.gz`, fetched by `scripts/fetch-mnist5k.sh`): 5000 digits, 500 per class,
    /// split per class 400/100 in file order (``Dataset/perClassSplit(trainPerClass:)``).
    case mnist5k(path: String)
    /// Fashion-MNIST's four IDX files (Debian package dataset-fashion-mnist): its own 60 000/10 000 split.
    case fashionMNIST(dir: String)
    /// Any MNIST-style directory of the four standard IDX files: its own training/test split.
    case idxDirectory(dir: String)
    /// A CSV digits file (``CSVDigitsFormat``), split per class by ``DataCatalog/defaultTrainFraction``.
    case csv(path: String)
    /// notMNIST_small: folders A…J of 28×28 PNGs, split per class by ``DataCatalog/defaultTrainFraction``;
    /// unreadable files are skipped and counted.
    case notMNIST(dir: String)
    /// A data set added with ``DataCatalog/register(_:)``, by its first name, under a data root.
    case registered(name: String, dataRoot: String)
}

/// A loaded training/test pair and what was left out while loading.
public struct LoadedData: Sendable {
    /// Where the data came from.
    public let source: DataSource
    public let train: Dataset
    public let test: Dataset
    /// Files skipped as unreadable (PNG folders only; empty otherwise).
    public let skippedFiles: [SkippedFile]
}

/// The named data sets Langevin knows and how to find them.
///
/// | name | source | where |
/// |---|---|---|
/// | `mnist-5k` | ``DataSource/mnist5k(path:)`` | `<dataRoot>/mnist_5k.csv.gz` (`make data`) |
/// | `fashion-mnist` | ``DataSource/fashionMNIST(dir:)`` | `<dataRoot>/fashion-mnist` if it is a directory, else `/usr/share/datasets/fashion-mnist` |
/// | `notmnist-small` | ``DataSource/notMNIST(dir:)`` | `<dataRoot>/notMNIST_small` |
/// | a directory path | ``DataSource/idxDirectory(dir:)``, or ``DataSource/notMNIST(dir:)`` when it has class folders A…J and no IDX files | as given |
/// | a `.csv` / `.csv.gz` path | ``DataSource/csv(path:)`` | as given |
///
/// Names are matched case-insensitively; anything else that is not an existing path is `.unknownName`.
public enum DataCatalog {
    /// The data-set names known by ``source(name:dataRoot:)``.
    public static let names = ["mnist-5k", "fashion-mnist", "notmnist-small"]
    /// Where Debian's dataset-fashion-mnist package installs the IDX files.
    public static let fashionMNISTSystemDirectory = "/usr/share/datasets/fashion-mnist"
    /// The file name of mnist-5k under the data root.
    public static let mnist5kFileName = "mnist_5k.csv.gz"
    /// The folder name of notMNIST_small under the data root.
    public static let notMNISTFolderName = "notMNIST_small"
    /// Per-class training fraction for sets without a split of their own (CSV files other than mnist-5k,
    /// PNG folders): see ``Dataset/perClassSplit(trainFraction:)``.
    public static let defaultTrainFraction = 0.8
    /// The mnist-5k shape: images per class, of which the first ``mnist5kTrainPerClass`` train.
    public static let mnist5kPerClass = 500
    public static let mnist5kTrainPerClass = 400

    /// The source for a data-set name or path (see the type's table). Nothing is read except directory entries;
    /// missing files are reported by ``load(_:)``.
    public static func source(name: String, dataRoot: String) throws(LangevinError) -> DataSource {
        if let entry = registered(name) { return .registered(name: entry.names[0], dataRoot: dataRoot) }
        switch name.lowercased() {
        case "mnist-5k", "mnist5k", "mnist_5k":
            return .mnist5k(path: FileSystem.join(dataRoot, mnist5kFileName))
        case "fashion-mnist", "fashionmnist", "fashion_mnist":
            let local = FileSystem.join(dataRoot, "fashion-mnist")
            return .fashionMNIST(dir: FileSystem.isDirectory(local) ? local : fashionMNISTSystemDirectory)
        case "notmnist-small", "notmnist", "notmnist_small":
            return .notMNIST(dir: FileSystem.join(dataRoot, notMNISTFolderName))
        default:
            break
        }
        if FileSystem.isDirectory(name) {
            let entries = (try? FileSystem.list(name)) ?? []
            let hasIDX = entries.contains { $0.hasPrefix("train-images") || $0.hasPrefix("t10k-images") }
            let hasLetters = Dataset.notMNISTClassFolders.allSatisfy { FileSystem.isDirectory(FileSystem.join(name, $0)) }
            return !hasIDX && hasLetters ? .notMNIST(dir: name) : .idxDirectory(dir: name)
        }
        if FileSystem.exists(name) {
            let lower = name.lowercased()
            if lower.hasSuffix(".csv") || lower.hasSuffix(".csv.gz") { return .csv(path: name) }
            throw LangevinError(.unknownName,
                "data set \(name): a file, but not a .csv or .csv.gz file; use a CSV digits file, a directory of IDX "
                    + "files, or one of \(names.joined(separator: ", "))")
        }
        throw LangevinError(.unknownName,
            "unknown data set '\(name)': use one of \(names.joined(separator: ", ")), a directory of IDX files, "
                + "or a .csv/.csv.gz file")
    }

    /// Loads and splits a source. Missing data are `.io` errors that say how to get them; malformed data are
    /// `.invalidData` as described by the loaders.
    public static func load(_ source: DataSource) throws(LangevinError) -> LoadedData {
        switch source {
        case .mnist5k(let path):
            guard FileSystem.exists(path) else {
                throw LangevinError(.io,
                    "data set mnist-5k: \(path) not found; run `make data` (or `scripts/fetch-mnist5k.sh DIR`) to fetch it")
            }
            let all = try Dataset.loadCSV(path, name: "mnist-5k")
            let counts = all.classCounts()
            guard counts.allSatisfy({ $0 == mnist5kPerClass }) else {
                throw LangevinError(.invalidData,
                    "file \(path): mnist-5k should have \(mnist5kPerClass) images per class, found \(counts) "
                        + "per class; fetch it again with `make data`")
            }
            let (train, test) = try all.perClassSplit(trainPerClass: mnist5kTrainPerClass)
            return LoadedData(source: source, train: train, test: test, skippedFiles: [])
        case .fashionMNIST(let dir):
            guard FileSystem.isDirectory(dir) else {
                throw LangevinError(.io,
                    "data set fashion-mnist: directory \(dir) not found; install it with "
                        + "`apt-get install dataset-fashion-mnist` (Debian/Ubuntu; files in \(fashionMNISTSystemDirectory)) "
                        + "or put the four IDX files in <data root>/fashion-mnist")
            }
            let (train, test) = try Dataset.loadIDXDirectory(dir, name: "fashion-mnist")
            return LoadedData(source: source, train: train, test: test, skippedFiles: [])
        case .idxDirectory(let dir):
            let (train, test) = try Dataset.loadIDXDirectory(dir)
            return LoadedData(source: source, train: train, test: test, skippedFiles: [])
        case .csv(let path):
            let (train, test) = try Dataset.loadCSV(path).perClassSplit(trainFraction: defaultTrainFraction)
            return LoadedData(source: source, train: train, test: test, skippedFiles: [])
        case .notMNIST(let dir):
            guard FileSystem.isDirectory(dir) else {
                throw LangevinError(.io,
                    "data set notmnist-small: directory \(dir) not found; download notMNIST_small.tar.gz and unpack "
                        + "it there (folders A…J of 28×28 PNG images)")
            }
            let loaded = try Dataset.loadPNGFolder(dir, name: "notmnist-small")
            let (train, test) = try loaded.dataset.perClassSplit(trainFraction: defaultTrainFraction)
            return LoadedData(source: source, train: train, test: test, skippedFiles: loaded.skippedFiles)
        case .registered(let name, let dataRoot):
            guard let entry = registered(name) else {
                throw LangevinError(.unknownName, "data set \(name) is not registered")
            }
            let (train, test) = try entry.load(dataRoot)
            return LoadedData(source: source, train: train, test: test, skippedFiles: [])
        }
    }

    /// The training and test sets of a named data set or path under `dataRoot` (see the type's table).
    public static func resolve(name: String, dataRoot: String) throws(LangevinError) -> (train: Dataset, test: Dataset) {
        let loaded = try load(source(name: name, dataRoot: dataRoot))
        return (loaded.train, loaded.test)
    }
}

/// A named data set added to the catalogue by the package that knows it (this one or a user's): its names and how
/// to load its training and test sets from a data root. Adding a data set is then one file: its loader and a
/// `DataCatalog.register(NamedDataSet(…))` call before the catalogue is asked for it.
public struct NamedDataSet: Sendable {
    /// The names it answers to, matched case-insensitively; the first is its name in reports.
    public let names: [String]
    /// Loads the training and test sets from the data root (missing files: `.io`; malformed: `.invalidData`).
    public let load: @Sendable (_ dataRoot: String) throws(LangevinError) -> (train: Dataset, test: Dataset)

    public init(names: [String],
                load: @escaping @Sendable (_ dataRoot: String) throws(LangevinError) -> (train: Dataset, test: Dataset)) {
        precondition(!names.isEmpty, "a data set needs a name")
        self.names = names
        self.load = load
    }
}

extension DataCatalog {
    private static let registry = Mutex<[NamedDataSet]>([])

    /// Adds `dataSet` to the catalogue; a later registration of a name replaces the earlier one, and registered
    /// names take precedence over the built-in ones and over paths.
    public static func register(_ dataSet: NamedDataSet) {
        let names = Set(dataSet.names.map { $0.lowercased() })
        registry.withLock { list in
            list.removeAll { !names.isDisjoint(with: $0.names.map { $0.lowercased() }) }
            list.append(dataSet)
        }
    }

    /// The registered data set answering to `name`, if any.
    static func registered(_ name: String) -> NamedDataSet? {
        let key = name.lowercased()
        return registry.withLock { list in list.last { $0.names.contains { $0.lowercased() == key } } }
    }
}
