// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import CounterRandom
import Foundation
import GSLSupport
import LangevinCore
import LinearAlgebra
import NeuralEnergy
import Platform
import Synchronization

/// `langevin train`: samples a network posterior (or trains it with SGD) and writes the report and its plots.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample a network's posterior on MNIST-style data and report accuracy, calibration and OOD detection.",
        discussion: "The energy is U(w) = (N/B) * sum_batch NLL(w) + (lambda/2)|w|^2 and the target exp(-U/T); T = 1 is the Bayesian posterior, T < 1 a cold posterior. SGLD steps w <- w - h grad U + sqrt(2 h T) xi, so --step-size is h in units of 1/|grad U| (an SGD learning rate on the mean loss is h*N). Defaults depend on the sampler and are printed at the start. Writes DIR/report.json, DIR/report.md and PNG plots. Checkpoints (--checkpoint-every steps) go to DIR/checkpoint.bin; --resume continues from it and gives the same results as an uninterrupted run (timings aside). \(exitStatusHelp)")

    @Option(help: ArgumentHelp("mnist-5k, fashion-mnist, an IDX folder, or a CSV digit file.", valueName: "DATA"))
    var data: String

    @Option(help: ArgumentHelp("mlp (784-400-400-10), mlp:H1,H2,..., or cnn (the talk's CNN).", valueName: "MODEL"))
    var model: String = "mlp"

    @Option(help: ArgumentHelp("sgd, sgld, psgld or sghmc.", valueName: "NAME"))
    var sampler: String

    @Option(help: "Epochs (default: sampler- and model-dependent).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Minibatch size B.") var batchSize: Int = 100
    @Option(name: .customLong("step-size"), help: ArgumentHelp("Step h (see above).", valueName: "H")) var stepSize: Double?
    @Option(help: ArgumentHelp("constant, polynomial[:b,gamma], cyclical[:cycles[,exploration]] or cosine (default: cosine for sgd on 60k-image data sets, cyclical:4,0.5 for sgld with the MLP on small data, else constant).", valueName: "SCHEDULE"))
    var schedule: String?
    @Option(name: .customLong("prior-precision"), help: ArgumentHelp("lambda of the Gaussian prior.", valueName: "L"))
    var priorPrecision: Double = 1
    @Option(help: ArgumentHelp("Posterior temperature T (1 = Bayes).", valueName: "T")) var temperature: Double = 1
    @Option(name: .customLong("burn-in-epochs"), help: "Epochs before the first kept sample.") var burnInEpochs: Int?
    @Option(name: .customLong("warm-start-epochs"), help: "Epochs of SGD before the sampler starts.") var warmStartEpochs: Int?
    @Option(help: ArgumentHelp("Steps between kept samples (default: 5 for the MLP on small data, a quarter epoch otherwise).", valueName: "N")) var thin: Int?
    @Option(help: ArgumentHelp("Momentum mu (sgd, sghmc).", valueName: "MU")) var momentum: Double = 0.9
    @Option(help: ArgumentHelp("OOD sets, comma-separated: fashion-mnist, mnist-5k, notmnist:DIR, an IDX folder, uniform-noise, negated (the test set's negatives), or none. The first is the report's ood; all are in ood_sets.", valueName: "DATA[,DATA...]")) var ood: String?
    @Option(help: ArgumentHelp("Independent chains K, each with its own initial weights, minibatch order and noise from (seed, chain), run side by side on the cores and pooled into one predictive; with --sampler sgd a deep ensemble of K networks.", valueName: "K"))
    var chains: Int = 1
    @Option(help: ArgumentHelp("Evaluate the predictive on a shifted test set: rotation (0, 15, ..., 180 degrees).", valueName: "KIND"))
    var shift: String?
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp(
        "Noise generator: philox (Philox4x32-10, counter-based and vectorised) or a GSL generator (taus2, mt19937, ranlxd2, gfsr4). The initial weights always come from GSL (taus2 with philox).",
        valueName: "NAME"))
    var rng: String = "philox"
    @Option(name: .customLong("data-root"), help: "Folder with fetched data (make data).") var dataRoot: String = "data"
    @Option(help: ArgumentHelp("Output folder.", valueName: "DIR")) var output: String
    @Option(name: .customLong("checkpoint-every"), help: ArgumentHelp("Write a checkpoint every N steps.", valueName: "N"))
    var checkpointEvery: Int?
    @Flag(help: "Continue from DIR/checkpoint.bin.") var resume = false
    @Flag(name: .customLong("save-weights"),
          help: "Append each kept sample's weights to DIR/weights.f32 (Float32 rows of all parameters).")
    var saveWeights = false
    @Option(help: ArgumentHelp("Earlier runs' folders (up to 3, comma-separated) to plot beside this one (e.g. SGD and an SGD ensemble): confidence, reliability and, with --shift, shift figures.", valueName: "DIR[,DIR...]"))
    var compare: String?

    func validate() throws {
        if let n = checkpointEvery, n < 1 { throw ValidationError("--checkpoint-every must be ≥ 1, got \(n)") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be ≥ 1, got \(e)") }
        if chains < 1 || chains > 1024 { throw ValidationError("--chains must be in 1...1024, got \(chains)") }
        if let compare, splitList(compare).count > 3 {
            throw ValidationError("--compare takes at most 3 earlier runs (the figures hold 4 panels), got \(splitList(compare).count)")
        }
        if let shift, !["rotation", "rotate"].contains(shift.lowercased()) {
            throw ValidationError("unknown --shift '\(shift)': use rotation")
        }
    }

    func run() throws {
        do {
            try runTraining()
        } catch {
            throw fail(error)
        }
    }

    /// The settings every rank derives from the options alone.
    struct Settings {
        var kind: NetworkSampler
        var modelSpec: ModelSpec
        var shape: ScheduleShape?
        var noiseKind: NoiseKind
        var algorithm: GSLAlgorithm
    }

    /// The data and the configuration of the run.
    struct Prepared {
        var config: TrainingConfiguration
        var data: TrainingData
        var train: Dataset
        var test: Dataset
        var shifted: ShiftedTestSets?
    }

    func settings() throws(LangevinError) -> Settings {
        guard let kind = NetworkSampler(rawValue: sampler.lowercased()) else {
            throw LangevinError(.unknownName, "unknown sampler '\(sampler)': use sgd, sgld, psgld or sghmc")
        }
        let modelSpec = try ModelSpec(commandLine: model)
        let shape = try schedule.map { text throws(LangevinError) in try ScheduleShape(commandLine: text) }
        let noiseKind: NoiseKind = ["philox", PhiloxRandom.name].contains(rng.lowercased()) ? .philox : .gsl
        let algorithm = noiseKind == .philox ? GSLAlgorithm.taus2 : try GSLAlgorithm(name: rng)
        return Settings(kind: kind, modelSpec: modelSpec, shape: shape, noiseKind: noiseKind, algorithm: algorithm)
    }

    /// Loads and checks the data and resolves the configuration (the same on every rank).
    func prepare(_ s: Settings) throws(LangevinError) -> Prepared {
        printError("loading \(data)…")
        let (train, test) = try DataCatalog.resolve(name: data, dataRoot: dataRoot)
        let oodSets = try loadOOD(trainingData: data, test: test)
        for set in oodSets { try TrainPreflight.checkShapes(train: train, test: test, ood: set.dataset) }
        try TrainPreflight.checkShapes(train: train, test: test, ood: nil)
        let shifted = try loadShift(test: test)
        try TrainPreflight.checkMemory(model: s.modelSpec, batchSize: batchSize, train: train,
                                       dataImages: train.count + test.count + oodSets.reduce(0) { $0 + $1.dataset.count }
                                           + (shifted?.sets.reduce(0) { $0 + $1.count } ?? 0))
        let oodName = oodSets.first?.name
        var config = try TrainingConfiguration.recommended(
            data: data, model: s.modelSpec, sampler: s.kind, trainSize: train.count, batchSize: batchSize,
            epochs: epochs, stepSize: stepSize, schedule: s.shape, priorPrecision: priorPrecision,
            temperature: temperature, burnInEpochs: burnInEpochs, warmStartEpochs: warmStartEpochs, thin: thin,
            momentum: momentum, seed: seed, rng: s.algorithm, ood: oodName)
        config.noise = s.noiseKind
        return Prepared(config: config, data: TrainingData(train: train, test: test, oodSets: oodSets, shift: shifted),
                        train: train, test: test, shifted: shifted)
    }

    /// The trainers of this process's chains: all of them, or a rank's share.
    func makeTrainers(_ p: Prepared, share: [Int]?) throws(LangevinError) -> MultiChainTrainer {
        try MultiChainTrainer(configuration: p.config, data: p.data, chains: chains, indices: share)
    }

    /// Restores each chain's checkpoint (--resume) and opens its weight file (--save-weights).
    func attachFiles(_ run: MultiChainTrainer, config: TrainingConfiguration) throws(LangevinError) {
        for trainer in run.trainers {
            let k = trainer.chainIndex
            let checkpointPath = Self.checkpointPath(output, chain: k)
            let who = chains > 1 ? "chain \(k + 1): " : ""
            var restored: RestoredCheckpoint? = nil
            if resume {
                if FileManager.default.fileExists(atPath: checkpointPath) {
                    restored = try trainer.restoreCheckpoint(from: checkpointPath)
                    printError("\(who)resumed from \(checkpointPath) at step \(trainer.stepsDone) of \(trainer.totalSteps)")
                } else {
                    printError("\(who)no checkpoint \(checkpointPath): starting from the beginning")
                }
            }
            if saveWeights {
                try TrainPreflight.checkWeightsDisk(
                    rows: (trainer.totalSteps / max(config.thin, 1) + 1 - trainer.samplesKept) * (k == 0 ? chains : 0),
                    parameters: trainer.parameterCount, output: output)
                if let restored, trainer.samplesKept > 0, restored.weightRows != trainer.samplesKept {
                    throw LangevinError(.invalidParameter, """
                        the checkpoint \(checkpointPath) counts \(trainer.samplesKept) kept samples but \
                        \(restored.weightRows.map { "\($0) weight rows" } ?? "no weight file (it was written without --save-weights)"); \
                        resume with the options it was started with, or rerun without --resume
                        """)
                }
                trainer.weightFile = try WeightSampleFile(path: Self.weightsPath(output, chain: k),
                                                          dimension: trainer.parameterCount,
                                                          keepRows: trainer.samplesKept,
                                                          expectedFingerprint: restored?.weightsFingerprint)
            }
        }
    }

    func runTraining() throws(LangevinError) {
        let started = DispatchTime.now().uptimeNanoseconds
        let s = try settings()
        // Checked before any work: the output folder (created, writable, locked against a second run) and the run
        // named by --compare.
        let outputLock = try TrainPreflight.prepareOutput(output)
        defer { outputLock.release() }
        let comparisons = try (compare.map { splitList($0) } ?? []).map { (c) throws(LangevinError) in
            try TrainPreflight.loadComparison(c)
        }
        let p = try prepare(s)
        let config = p.config
        let group = DistributedRun.current
        let share = group.map { DistributedRun.share(total: chains, rank: $0.rank, size: $0.size) }
        let run = try makeTrainers(p, share: share)
        let (e, h, sched, warm, burn) = (config.epochs, config.stepSize, config.schedule, config.warmStartEpochs,
                                         config.burnInEpochs)
        let first = run.trainers[0]
        let placement = group.map { g in ", \(g.size) ranks (\(run.trainers.count) chain(s) on rank 0, \(run.concurrency) at a time)" }
            ?? ", \(chains) chains (\(run.concurrency) at a time)"
        printError("""
            \(s.kind.rawValue) on \(data) (\(p.train.count) train / \(p.test.count) test), \(s.modelSpec), \(e) epochs of \
            \(first.stepsPerEpoch) steps, B = \(batchSize), step \(h) (\(sched)), prior λ = \(priorPrecision), \
            T = \(config.temperature), warm start \(warm) epochs, burn-in \(burn) epochs, \
            effective temperature \(first.effectiveTemperature)\
            \(chains > 1 || group != nil ? placement : "")
            """)
        try run.withChainThreads { () throws(LangevinError) in try attachFiles(run, config: config) }
        let label = chains > 1 ? (run.trainers.count == chains ? "training \(chains) chains" : "training \(run.trainers.count) of \(chains) chains here") : "training"
        let bar = ProgressBar(total: run.totalSteps, label: label)
        let shown = Mutex(run.stepsDone)
        let progress: @Sendable (Int, Int) -> Void = { done, _ in
            let step = shown.withLock { s in let d = done - s; s = max(s, done); return max(d, 0) }
            bar.advance(step)
        }
        let checkpoints: (Int) -> String? = { [output] k in Self.checkpointPath(output, chain: k) }
        let outcome: TrainingOutcome
        if let group {
            let wallStart = DispatchTime.now().uptimeNanoseconds
            let shares = try DistributedRun.gatherShares(group, total: chains) { (_) throws(LangevinError) in
                try Self.serialize(try run.runChains(checkpointEvery: checkpointEvery, checkpointPath: checkpoints,
                                                     progress: progress))
            }
            var results: [ChainResult] = []
            for blob in shares { results += try Self.deserialize(blob) }
            results = try DistributedRun.inChainOrder(results, chain: \.chain, total: chains)
            outcome = try MultiChainTrainer.pool(results, configuration: config, data: p.data,
                                                 wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - wallStart) * 1e-9)
        } else {
            outcome = try run.run(checkpointEvery: checkpointEvery, checkpointPath: checkpoints, progress: progress)
        }
        bar.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        try writeReport(outcome, config: config, train: p.train, test: p.test, seconds: seconds, comparisons: comparisons,
                        shiftTransform: p.shifted?.transform)
        if let d = outcome.diverged {
            // The report (with "diverged" set) is written; the exit status still tells scripts the run failed.
            throw LangevinError(.diverged, "\(d); the report in \(output) covers the steps before it")
        }
    }

    /// Finished chains as bytes for the root (every `Double` exact: a binary property list).
    static func serialize(_ results: [ChainResult]) throws(LangevinError) -> [UInt8] {
        let encoder = PropertyListEncoder()
        encoder.outputFormat = .binary
        do {
            return [UInt8](try encoder.encode(results))
        } catch {
            throw LangevinError(.invalidData, "cannot encode the chains' results: \(error)")
        }
    }

    static func deserialize(_ bytes: [UInt8]) throws(LangevinError) -> [ChainResult] {
        do {
            return try PropertyListDecoder().decode([ChainResult].self, from: Data(bytes))
        } catch {
            throw LangevinError(.invalidData, "cannot decode a rank's chain results: \(error)")
        }
    }

    /// Chain k's checkpoint: `checkpoint.bin` for the first chain (as a single-chain run), `checkpoint-chain-K.bin`
    /// (K = k + 1) for the others.
    static func checkpointPath(_ output: String, chain k: Int) -> String {
        output + (k == 0 ? "/checkpoint.bin" : "/checkpoint-chain-\(k + 1).bin")
    }

    /// Chain k's weight samples: `weights.f32` for the first chain, `weights-chain-K.f32` for the others.
    static func weightsPath(_ output: String, chain k: Int) -> String {
        output + (k == 0 ? "/weights.f32" : "/weights-chain-\(k + 1).f32")
    }

    /// The OOD sets: as named (a comma-separated list), or by default Fashion-MNIST for MNIST-like data and
    /// MNIST-5k for Fashion-MNIST (skipped with a note when not fetched).
    func loadOOD(trainingData: String, test: Dataset) throws(LangevinError) -> [EvaluationSet] {
        guard let o = ood else {
            let name = trainingData.lowercased() == "fashion-mnist" ? "mnist-5k" : "fashion-mnist"
            do {
                return [try loadOODSet(name, test: test)]
            } catch {
                printError("note: no OOD set (\(name) not available: \(error.message))")
                return []
            }
        }
        let names = splitList(o)
        if names.count == 1, names[0].lowercased() == "none" { return [] }
        guard !names.isEmpty, !names.contains(where: { $0.lowercased() == "none" }) else {
            throw LangevinError(.invalidParameter, "--ood '\(o)': give a comma-separated list of sets, or none alone")
        }
        var sets: [EvaluationSet] = []
        for name in names {
            let set = try loadOODSet(name, test: test)
            guard !sets.contains(where: { $0.name == set.name }) else {
                throw LangevinError(.invalidParameter, "--ood names \(set.name) twice")
            }
            sets.append(set)
        }
        return sets
    }

    func loadOODSet(_ name: String, test: Dataset) throws(LangevinError) -> EvaluationSet {
        if name.lowercased().hasPrefix("notmnist:") {
            let dir = String(name.dropFirst("notmnist:".count))
            let loaded = try Dataset.loadPNGFolder(dir, name: "notmnist")
            if loaded.skipped > 0 { printError("notMNIST: skipped \(loaded.skipped) unreadable files") }
            return EvaluationSet(name: "notmnist", dataset: loaded.dataset)
        }
        if let synthetic = try syntheticOODSet(name, test: test) { return synthetic }
        let (_, set) = try DataCatalog.resolve(name: name, dataRoot: dataRoot)
        return EvaluationSet(name: name, dataset: set)
    }

    /// The built-in synthetic OOD sets made from the test set (nil: not a synthetic set's name).
    ///
    /// - `uniform-noise`: as many images as the test set, pixels i.i.d. U[0, 1) from GSL taus2 seeded by
    ///   `GSLRandom.streamSeed(seed: --seed, stream: 1_000_003)` (the same set for the same seed, never one of the
    ///   chains' streams);
    /// - `negated`: the test set with every pixel x replaced by 1 − x.
    func syntheticOODSet(_ name: String, test: Dataset) throws(LangevinError) -> EvaluationSet? {
        switch name.lowercased() {
        case "uniform-noise", "noise":
            var random = GSLRandom(algorithm: .taus2, seed: GSLRandom.streamSeed(seed: seed, stream: 1_000_003))
            return EvaluationSet(name: "uniform-noise", dataset: try test.uniformNoise(count: test.count, random: &random))
        case "negated", "test-negated":
            return EvaluationSet(name: "negated", dataset: test.negated())
        default:
            return nil
        }
    }

    /// The angles of `--shift rotation`: 0°, 15°, …, 180° (Ovadia et al. 2019).
    static let rotationAngles: [Double] = stride(from: 0, through: 180, by: 15).map(Double.init)

    /// The shifted test sets of --shift, or nil.
    func loadShift(test: Dataset) throws(LangevinError) -> ShiftedTestSets? {
        guard let shift else { return nil }
        switch shift.lowercased() {
        case "rotation", "rotate":
            var sets: [Dataset] = []
            for angle in Self.rotationAngles { sets.append(try test.rotated(byDegrees: angle)) }
            return ShiftedTestSets(transform: "rotation", values: Self.rotationAngles, sets: sets)
        default:
            throw LangevinError(.unknownName, "unknown --shift '\(shift)': use rotation")
        }
    }

    func writeReport(_ o: TrainingOutcome, config: TrainingConfiguration, train: Dataset, test: Dataset,
                     seconds: Double, comparisons: [(ConfidenceSummary, ReliabilityDiagram?, ShiftCurve?)],
                     shiftTransform: String?) throws(LangevinError) {
        let settings = RunSettings(
            sampler: config.sampler.rawValue, model: config.model.description, data: config.data,
            epochs: config.epochs, batchSize: config.batchSize, stepSize: config.stepSize,
            schedule: config.schedule.description, priorPrecision: config.priorPrecision,
            temperature: config.temperature, trainSize: train.count, testSize: test.count, seed: config.seed)
        var report = TrainingReport(
            settings: settings, posterior: o.posterior, last: o.last, samplesAveraged: o.samplesAveraged,
            effectiveTemperature: o.effectiveTemperature, samplesPerSecond: o.samplesPerSecond, seconds: seconds,
            ood: o.ood, diverged: o.diverged)
        report.blasKernel = BLASKernel.name
        report.rng = (config.noise ?? .gsl).name(gsl: config.rng)
        report.chains = o.chains
        report.oodSets = o.oodSets
        report.perChain = o.perChain
        report.chainDiagnostics = o.chainDiagnostics
        if let shiftTransform {
            report.shift = ShiftReport(transform: shiftTransform, points: o.shift.map { v, m in
                ShiftPoint(angle: v, accuracy: m.accuracy, nll: m.nll, ece: m.ece, brier: m.brier)
            })
        }
        try o.confidence.write(to: output)
        let plotter = Plotter(directory: output)
        var runs = [o.confidence]
        var diagrams = [ReliabilityDiagram(label: o.confidence.label, bins: o.posterior.reliability)]
        var shiftCurves = report.shift.map { [ShiftCurve(label: o.confidence.label, points: $0.points)] } ?? []
        for (other, diagram, shiftCurve) in comparisons.reversed() {
            runs.insert(other, at: 0)
            if let diagram { diagrams.insert(diagram, at: 0) }
            if let shiftCurve, !shiftCurves.isEmpty { shiftCurves.insert(shiftCurve, at: 0) }
        }
        // A figure that cannot be drawn (e.g. no finished epoch before a divergence) is a warning, never a lost report.
        var plots: [String] = []
        let figures: [(String, () throws(LangevinError) -> PlotOutcome)] = [
            ("confidence", { () throws(LangevinError) in try plotter.confidence(runs) }),
            ("training loss", { () throws(LangevinError) in try plotter.trainingLoss([o.curve]) }),
            ("weights", { () throws(LangevinError) in try plotter.weights(o.weightTraces) }),
            ("reliability", { () throws(LangevinError) in try plotter.reliability(diagrams) }),
        ] + (shiftCurves.isEmpty ? [] : [("shift", { () throws(LangevinError) in try plotter.shift(shiftCurves) })])
        for (name, draw) in figures {
            do {
                switch try draw() {
                case .written(let path): plots.append((path as NSString).lastPathComponent)
                case .skipped(let warning): printError("warning: \(warning)")
                }
            } catch {
                printError("warning: no \(name) plot: \(error.message)")
            }
        }
        try ReportWriter.write(report, to: output, plots: plots)
        let oodText = o.ood.map {
            ", OOD AUROC (entropy) \(rounded($0.aurocEntropy)) vs \($0.dataset), mean OOD confidence \(rounded($0.meanConfidence))"
        } ?? ""
        try printChecked("""
            \(config.sampler.rawValue): test accuracy \(rounded(o.posterior.accuracy)) (last sample \
            \(rounded(o.last.accuracy))), NLL \(rounded(o.posterior.nll)), ECE \(rounded(o.posterior.ece)), \
            \(o.samplesAveraged) samples\(o.chains > 1 ? " from \(o.chains) chains" : "")\(oodText); \(Int(o.samplesPerSecond)) samples/s; report in \(output)/report.md
            """)
    }
}

func rounded(_ v: Double) -> Double { (v * 10000).rounded() / 10000 }

/// The non-empty, trimmed items of a comma-separated list.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

extension Train: DistributedCommand {
    var chainCount: Int { chains }

    /// A worker's share: the same data and configuration as the root and its chains' trainers, prepared while the
    /// root prepares; once the root has created and locked the output folder, the chains' checkpoints and weight
    /// files there, and the run.
    func prepareWorkerShare(_ share: [Int]) throws(LangevinError) -> WorkerShare {
        let p = try prepare(try settings())
        let run = try makeTrainers(p, share: share)
        return WorkerShare { () throws(LangevinError) in
            try run.withChainThreads { () throws(LangevinError) in try attachFiles(run, config: p.config) }
            let results = try run.runChains(checkpointEvery: checkpointEvery,
                                            checkpointPath: { [output] k in Self.checkpointPath(output, chain: k) })
            return try Self.serialize(results)
        }
    }
}
