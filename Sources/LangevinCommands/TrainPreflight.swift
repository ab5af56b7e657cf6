// SPDX-License-Identifier: GPL-3.0-or-later
import LangevinCore
import NeuralEnergy
import Platform

/// What `train` checks before the first step: the output folder, the comparison run, the data sets against the
/// model, the sizes and the machine's memory and disk.
enum TrainPreflight {
    /// Creates the output folder, checks that files can be created in it, and locks it against a second run.
    static func prepareOutput(_ output: String) throws(LangevinError) -> OutputLock {
        do throws(FileError) {
            try makeDirectory(output)
            try checkWritableDirectory(output)
            return try OutputLock(target: output)
        } catch {
            throw LangevinError(.io, error.description)
        }
    }

    /// The earlier run named by `--compare`: its confidence summary (required) and its report's reliability bins
    /// (when it has a report). Read now, so a bad folder is refused before training rather than after.
    static func loadComparison(_ folder: String) throws(LangevinError)
        -> (ConfidenceSummary, ReliabilityDiagram?, ShiftCurve?) {
        guard fileKind(atPath: folder) == .directory
            || (fileKind(atPath: folder) == .symbolicLink && fileKindFollowing(folder) == .directory) else {
            throw LangevinError(.io, "--compare '\(folder)' is not a folder of an earlier run")
        }
        let summary: ConfidenceSummary
        do {
            summary = try ConfidenceSummary.read(from: folder)
        } catch {
            throw LangevinError(error.code, "--compare '\(folder)': \(error.message)")
        }
        let reportPath = folder + "/" + ReportWriter.jsonFileName
        guard fileKind(atPath: reportPath) != .missing else { return (summary, nil, nil) }
        do {
            let report = try ReportWriter.read(reportPath)
            return (summary, ReliabilityDiagram(label: summary.label, bins: report.reliability),
                    report.shift.map { ShiftCurve(label: summary.label, points: $0.points) })
        } catch {
            throw LangevinError(error.code, "--compare '\(folder)': \(error.message)")
        }
    }

    /// Every data set must have the training set's image shape (the network is built for it), the test set labels
    /// within the training set's classes.
    static func checkShapes(train: Dataset, test: Dataset, ood: Dataset?) throws(LangevinError) {
        var sets: [(String, Dataset, Bool)] = [("training", train, true), ("test", test, true)]
        if let ood { sets.append(("OOD", ood, false)) }
        for (role, set, labelled) in sets {
            guard set.rows == train.rows, set.cols == train.cols else {
                throw LangevinError(.invalidData, """
                    the \(role) set \(set.name) has \(set.rows)×\(set.cols) images, but the network is built for the \
                    training set's \(train.rows)×\(train.cols)
                    """)
            }
            guard set.images.count == set.count * set.pixelsPerImage else {
                throw LangevinError(.invalidData, "the \(role) set \(set.name) has \(set.images.count) pixels for \(set.count) images")
            }
            guard labelled else { continue }
            guard set.classes <= train.classes else {
                throw LangevinError(.invalidData,
                    "the \(role) set \(set.name) has \(set.classes) classes, the training set \(train.classes)")
            }
            if let bad = set.labels.first(where: { $0 < 0 || Int($0) >= train.classes }) {
                throw LangevinError(.invalidData,
                    "the \(role) set \(set.name) has the label \(bad), outside the training set's 0…\(train.classes - 1)")
            }
        }
    }

    /// The number of parameters of `model` on `inputs` pixels and `classes` classes, computed with overflow checks
    /// (0 for the CNN: its fixed architecture is counted from the built network).
    static func parameterCount(_ model: ModelSpec, inputs: Int, classes: Int) throws(LangevinError) -> Int {
        switch model {
        case .cnn:
            return 0
        case .mlp(let hidden):
            var total = 0
            var fanIn = inputs
            for width in hidden + [classes] {
                total = try Preflight.sum(total, try Preflight.sum(try Preflight.product(fanIn, width, "--model"), width, "--model"), "--model")
                fanIn = width
            }
            return total
        }
    }

    /// Refuses a model whose parameters, gradients, optimiser state, posterior accumulators and minibatch
    /// activations would not fit in memory (estimate: 8 Float32 copies of the parameters, 4 of the widest batch of
    /// activations, the data themselves).
    static func checkMemory(model: ModelSpec, batchSize: Int, train: Dataset, dataImages: Int) throws(LangevinError) {
        let inputs = train.pixelsPerImage
        let parameters = try parameterCount(model, inputs: inputs, classes: train.classes)
        var widths = 0
        if case .mlp(let hidden) = model {
            for h in hidden { widths = try Preflight.sum(widths, h, "--model") }
        }
        let weightBytes = try Preflight.product(parameters, 8 * 4, "the model's memory")
        let activationBytes = try Preflight.product(try Preflight.product(batchSize, widths + inputs, "the batch's memory"), 16, "the batch's memory")
        let dataBytes = try Preflight.product(dataImages, inputs * 4, "the data's memory")
        let total = try Preflight.sum(try Preflight.sum(weightBytes, activationBytes, "the run's memory"), dataBytes, "the run's memory")
        try Preflight.checkMemory(UInt64(total), for: "training \(model) (\(parameters) parameters) with batches of \(batchSize)",
                                   hint: "use a smaller model or --batch-size")
    }

    /// Refuses `--save-weights` when the rows it will write do not fit on the output's disk.
    static func checkWeightsDisk(rows: Int, parameters: Int, output: String) throws(LangevinError) {
        let bytes = try Preflight.product(try Preflight.product(rows, parameters, "--save-weights"), 4, "--save-weights")
        try Preflight.checkDisk(UInt64(bytes), path: output + "/weights.f32")
    }
}

/// The kind of what `path` names after following symbolic links.
func fileKindFollowing(_ path: String) -> FileKind {
    var st = stat()
    guard stat(path, &st) == 0 else { return .missing }
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .regular
    case S_IFDIR: return .directory
    default: return .special
    }
}
