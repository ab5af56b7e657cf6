// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import CounterRandom
import Foundation
import GSLSupport
import LangevinCore
import LinearAlgebra
import NeuralEnergy
import Platform

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
    @Option(help: ArgumentHelp("constant, polynomial[:b,gamma], cyclical[:cycles[,exploration]] or cosine (default: cosine for sgd on 60k-image data sets, else constant).", valueName: "SCHEDULE"))
    var schedule: String?
    @Option(name: .customLong("prior-precision"), help: ArgumentHelp("lambda of the Gaussian prior.", valueName: "L"))
    var priorPrecision: Double = 1
    @Option(help: ArgumentHelp("Posterior temperature T (1 = Bayes).", valueName: "T")) var temperature: Double = 1
    @Option(name: .customLong("burn-in-epochs"), help: "Epochs before the first kept sample.") var burnInEpochs: Int?
    @Option(name: .customLong("warm-start-epochs"), help: "Epochs of SGD before the sampler starts.") var warmStartEpochs: Int?
    @Option(help: ArgumentHelp("Steps between kept samples (default: 5 for the MLP on small data, a quarter epoch otherwise).", valueName: "N")) var thin: Int?
    @Option(help: ArgumentHelp("Momentum mu (sgd, sghmc).", valueName: "MU")) var momentum: Double = 0.9
    @Option(help: ArgumentHelp("fashion-mnist, mnist-5k, notmnist:DIR, DIR, or none.", valueName: "DATA")) var ood: String?
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
    @Option(help: ArgumentHelp("An earlier run's folder to plot beside this one (e.g. SGD).", valueName: "DIR"))
    var compare: String?

    func validate() throws {
        if let n = checkpointEvery, n < 1 { throw ValidationError("--checkpoint-every must be ≥ 1, got \(n)") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be ≥ 1, got \(e)") }
    }

    func run() throws {
        do {
            try runTraining()
        } catch {
            throw fail(error)
        }
    }

    func runTraining() throws(LangevinError) {
        let started = DispatchTime.now().uptimeNanoseconds
        guard let kind = NetworkSampler(rawValue: sampler.lowercased()) else {
            throw LangevinError(.unknownName, "unknown sampler '\(sampler)': use sgd, sgld, psgld or sghmc")
        }
        let modelSpec = try ModelSpec(commandLine: model)
        let shape = try schedule.map { text throws(LangevinError) in try ScheduleShape(commandLine: text) }
        let noiseKind: NoiseKind = ["philox", PhiloxRandom.name].contains(rng.lowercased()) ? .philox : .gsl
        let algorithm = noiseKind == .philox ? GSLAlgorithm.taus2 : try GSLAlgorithm(name: rng)
        // Checked before any work: the output folder (created, writable, locked against a second run) and the run
        // named by --compare.
        let outputLock = try TrainPreflight.prepareOutput(output)
        defer { outputLock.release() }
        let comparison = try compare.map { (c) throws(LangevinError) in try TrainPreflight.loadComparison(c) }
        printError("loading \(data)…")
        let (train, test) = try DataCatalog.resolve(name: data, dataRoot: dataRoot)
        let (oodSet, oodName) = try loadOOD(trainingData: data)
        try TrainPreflight.checkShapes(train: train, test: test, ood: oodSet)
        try TrainPreflight.checkMemory(model: modelSpec, batchSize: batchSize, train: train,
                                       dataImages: train.count + test.count + (oodSet?.count ?? 0))
        var config = try TrainingConfiguration.recommended(
            data: data, model: modelSpec, sampler: kind, trainSize: train.count, batchSize: batchSize,
            epochs: epochs, stepSize: stepSize, schedule: shape, priorPrecision: priorPrecision,
            temperature: temperature, burnInEpochs: burnInEpochs, warmStartEpochs: warmStartEpochs, thin: thin,
            momentum: momentum, seed: seed, rng: algorithm, ood: oodName)
        config.noise = noiseKind
        let (e, h, sched, warm, burn) = (config.epochs, config.stepSize, config.schedule, config.warmStartEpochs,
                                         config.burnInEpochs)
        let trainer = try Trainer(configuration: config,
                                  data: TrainingData(train: train, test: test, ood: oodSet, oodName: oodName))
        printError("""
            \(kind.rawValue) on \(data) (\(train.count) train / \(test.count) test), \(modelSpec), \(e) epochs of \
            \(trainer.stepsPerEpoch) steps, B = \(batchSize), step \(h) (\(sched)), prior λ = \(priorPrecision), \
            T = \(config.temperature), warm start \(warm) epochs, burn-in \(burn) epochs, \
            effective temperature \(trainer.effectiveTemperature)
            """)
        let checkpointPath = output + "/checkpoint.bin"
        var restored: RestoredCheckpoint? = nil
        if resume {
            if FileManager.default.fileExists(atPath: checkpointPath) {
                restored = try trainer.restoreCheckpoint(from: checkpointPath)
                printError("resumed from \(checkpointPath) at step \(trainer.stepsDone) of \(trainer.totalSteps)")
            } else {
                printError("no checkpoint in \(output): starting from the beginning")
            }
        }
        if saveWeights {
            try TrainPreflight.checkWeightsDisk(rows: trainer.totalSteps / max(config.thin, 1) + 1 - trainer.samplesKept,
                                                parameters: trainer.parameterCount, output: output)
            if let restored, trainer.samplesKept > 0, restored.weightRows != trainer.samplesKept {
                throw LangevinError(.invalidParameter, """
                    the checkpoint in \(output) counts \(trainer.samplesKept) kept samples but \
                    \(restored.weightRows.map { "\($0) weight rows" } ?? "no weight file (it was written without --save-weights)"); \
                    resume with the options it was started with, or rerun without --resume
                    """)
            }
            trainer.weightFile = try WeightSampleFile(path: output + "/weights.f32", dimension: trainer.parameterCount,
                                                      keepRows: trainer.samplesKept,
                                                      expectedFingerprint: restored?.weightsFingerprint)
        }
        let bar = ProgressBar(total: trainer.totalSteps, label: "training")
        var shown = trainer.stepsDone
        let outcome = try trainer.run(checkpointEvery: checkpointEvery, checkpointPath: checkpointPath) { done, _ in
            bar.advance(done - shown)
            shown = done
        }
        bar.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        try writeReport(outcome, config: config, train: train, test: test, seconds: seconds, comparison: comparison)
        if let d = outcome.diverged {
            // The report (with "diverged" set) is written; the exit status still tells scripts the run failed.
            throw LangevinError(.diverged, "\(d); the report in \(output) covers the steps before it")
        }
    }

    /// The OOD set: as named, or by default Fashion-MNIST for MNIST-like data and MNIST-5k for Fashion-MNIST.
    func loadOOD(trainingData: String) throws(LangevinError) -> (Dataset?, String?) {
        let name: String
        var explicit = true
        if let o = ood {
            if o.lowercased() == "none" { return (nil, nil) }
            name = o
        } else {
            name = trainingData.lowercased() == "fashion-mnist" ? "mnist-5k" : "fashion-mnist"
            explicit = false
        }
        do {
            if name.lowercased().hasPrefix("notmnist:") {
                let dir = String(name.dropFirst("notmnist:".count))
                let loaded = try Dataset.loadPNGFolder(dir, name: "notmnist")
                if loaded.skipped > 0 { printError("notMNIST: skipped \(loaded.skipped) unreadable files") }
                return (loaded.dataset, "notmnist")
            }
            let (_, test) = try DataCatalog.resolve(name: name, dataRoot: dataRoot)
            return (test, name)
        } catch {
            if explicit { throw error }
            printError("note: no OOD set (\(name) not available: \(error.message))")
            return (nil, nil)
        }
    }

    func writeReport(_ o: TrainingOutcome, config: TrainingConfiguration, train: Dataset, test: Dataset,
                     seconds: Double, comparison: (ConfidenceSummary, ReliabilityDiagram?)?) throws(LangevinError) {
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
        try o.confidence.write(to: output)
        let plotter = Plotter(directory: output)
        var runs = [o.confidence]
        var diagrams = [ReliabilityDiagram(label: o.confidence.label, bins: o.posterior.reliability)]
        if let (other, diagram) = comparison {
            runs.insert(other, at: 0)
            if let diagram { diagrams.insert(diagram, at: 0) }
        }
        // A figure that cannot be drawn (e.g. no finished epoch before a divergence) is a warning, never a lost report.
        var plots: [String] = []
        let figures: [(String, () throws(LangevinError) -> PlotOutcome)] = [
            ("confidence", { () throws(LangevinError) in try plotter.confidence(runs) }),
            ("training loss", { () throws(LangevinError) in try plotter.trainingLoss([o.curve]) }),
            ("weights", { () throws(LangevinError) in try plotter.weights(o.weightTraces) }),
            ("reliability", { () throws(LangevinError) in try plotter.reliability(diagrams) }),
        ]
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
        let oodText = o.ood.map { ", OOD AUROC (entropy) \(rounded($0.aurocEntropy)) vs \($0.dataset)" } ?? ""
        try printChecked("""
            \(config.sampler.rawValue): test accuracy \(rounded(o.posterior.accuracy)) (last sample \
            \(rounded(o.last.accuracy))), NLL \(rounded(o.posterior.nll)), ECE \(rounded(o.posterior.ece)), \
            \(o.samplesAveraged) samples\(oodText); \(Int(o.samplesPerSecond)) samples/s; report in \(output)/report.md
            """)
    }
}

func rounded(_ v: Double) -> Double { (v * 10000).rounded() / 10000 }
