// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore
import Platform

/// Writes `bytes` to `path` through Platform's one safe writer (``Platform/writeFile(_:to:permissions:lock:)``): a new
/// temporary file beside the target, every write checked, `fsync`, rename, folder `fsync`; a lock against a second
/// writer; symbolic links followed, devices written through, folders refused. Readers see the old file or the whole
/// new one; after a failure (a full disk included) the old file is untouched and no temporary file remains.
/// Throws `.io` naming the file and the system's reason.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(LangevinError) {
    do throws(FileError) { try writeFile(bytes, to: path) } catch { throw LangevinError(.io, error.description) }
}

/// Creates `directory` and its parents when missing (Platform's `makeDirectory`); throws `.io` when it cannot.
func makeFolder(_ directory: String) throws(LangevinError) {
    do throws(FileError) { try makeDirectory(directory) } catch { throw LangevinError(.io, error.description) }
}

/// Writes a ``TrainingReport`` as `report.json` (the machine-readable contract) and `report.md` (for people).
public enum ReportWriter {
    /// The file name of the JSON report.
    public static let jsonFileName = "report.json"
    /// The file name of the Markdown report.
    public static let markdownFileName = "report.md"

    /// The JSON text of `report`: pretty-printed, keys sorted, slashes unescaped, ending with a newline.
    public static func json(_ report: TrainingReport) throws(LangevinError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        } catch {
            throw LangevinError(.io, "cannot encode the training report: \(error)")
        }
    }

    /// Reads a `report.json` back (for comparisons between runs). Throws `.io` when the file cannot be read and
    /// `.invalidData` when it is not a report.
    public static func read(_ path: String) throws(LangevinError) -> TrainingReport {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LangevinError(.io, "cannot read '\(path)'")
        }
        do {
            return try JSONDecoder().decode(TrainingReport.self, from: data)
        } catch {
            throw LangevinError(.invalidData, "'\(path)' is not a training report: \(error)")
        }
    }

    /// Writes `report.json` and `report.md` into `directory` (created when missing), each atomically.
    ///
    /// `plots` are the file names (relative to `directory`) of the figures to mention in `report.md`, in order.
    /// Returns the paths written.
    @discardableResult
    public static func write(_ report: TrainingReport, to directory: String,
                             plots: [String] = []) throws(LangevinError) -> [String] {
        try makeFolder(directory)
        let jsonPath = directory + "/" + jsonFileName
        let markdownPath = directory + "/" + markdownFileName
        try writeFileAtomically(Array(json(report).utf8), to: jsonPath)
        try writeFileAtomically(Array(markdown(report, plots: plots).utf8), to: markdownPath)
        return [jsonPath, markdownPath]
    }

    /// A number with `digits` decimals, or "–" when it is not finite.
    static func format(_ v: Double, _ digits: Int = 4) -> String {
        v.isFinite ? String(format: "%.\(digits)f", v) : "–"
    }

    /// The Markdown text of `report`: a table of metrics, a note on reading them, and links to `plots`.
    public static func markdown(_ report: TrainingReport, plots: [String] = []) -> String {
        let s = report.settings
        var md = "# Training report: \(s.sampler), \(s.model)\n\n"
        md += "Data `\(s.data)`: \(s.trainSize) training and \(s.testSize) test examples. "
        md += "\(s.epochs) epochs, batch size \(s.batchSize), step size \(s.stepSize) (\(s.schedule)), "
        md += "prior precision \(s.priorPrecision), temperature \(s.temperature), seed \(s.seed).\n\n"
        if let reason = report.diverged {
            md += "**The run diverged:** \(reason). The metrics are those of the samples kept before.\n\n"
        }
        md += "| metric | posterior predictive | last sample |\n"
        md += "|---|---:|---:|\n"
        md += "| accuracy | \(format(report.testAccuracy)) | \(format(report.testAccuracyLast)) |\n"
        md += "| NLL (nats per example) | \(format(report.testNLL)) | \(format(report.testNLLLast)) |\n"
        md += "| ECE (15 bins) | \(format(report.testECE)) | \(format(report.testECELast)) |\n"
        md += "| Brier score | \(format(report.testBrier)) | \(format(report.testBrierLast)) |\n\n"
        md += "Samples averaged: \(report.samplesAveraged); effective temperature: "
        md += "\(format(report.effectiveTemperature, 3)); throughput: \(format(report.samplesPerSecond, 0)) "
        md += "examples/s; wall time: \(format(report.seconds, 1)) s."
        if let kernel = report.blasKernel { md += " BLAS kernel: \(kernel)." }
        if let rng = report.rng { md += " Noise generator: \(rng)." }
        md += "\n\n"
        let oodSets = report.oodSets.isEmpty ? (report.ood.map { [$0] } ?? []) : report.oodSets
        if !oodSets.isEmpty {
            md += "Out-of-distribution detection (AUROC of a score, higher = more likely OOD; mean confidence = mean "
            md += "max probability, lower is better on OOD inputs):\n\n"
            md += "| OOD set | inputs | AUROC 1 − max prob | AUROC entropy | AUROC mutual information | mean confidence (OOD) | mean confidence (test) |\n"
            md += "|---|---:|---:|---:|---:|---:|---:|\n"
            for ood in oodSets {
                md += "| `\(ood.dataset)` | \(ood.size) | \(format(ood.aurocMaxProb)) | \(format(ood.aurocEntropy)) | "
                md += "\(format(ood.aurocMutualInformation)) | \(format(ood.meanConfidence)) | "
                md += "\(format(ood.meanConfidenceInDistribution)) |\n"
            }
            md += "\n"
        }
        if let shift = report.shift {
            md += "Dataset shift (\(shift.transform); the test set transformed, the pooled predictive evaluated):\n\n"
            md += "| \(shift.transform == "rotation" ? "angle (°)" : "shift") | accuracy | NLL | ECE | Brier |\n"
            md += "|---:|---:|---:|---:|---:|\n"
            for p in shift.points {
                md += "| \(format(p.angle, 0)) | \(format(p.accuracy)) | \(format(p.nll)) | \(format(p.ece)) | \(format(p.brier)) |\n"
            }
            md += "\n"
        }
        if report.chains > 1 {
            md += "\(report.chains) chains pooled (each sample weighs the same). Each chain on its own:\n\n"
            md += "| chain | accuracy | NLL | ECE | Brier | samples | AUROC entropy |\n"
            md += "|---:|---:|---:|---:|---:|---:|---:|\n"
            for c in report.perChain {
                md += "| \(c.chain) | \(format(c.testAccuracy)) | \(format(c.testNLL)) | \(format(c.testECE)) | "
                md += "\(format(c.testBrier)) | \(c.samplesAveraged) | \(format(c.aurocEntropy)) |\n"
            }
            md += "\n"
            if let d = report.chainDiagnostics {
                md += "Between chains: mutual information of the pooled predictive \(format(d.mutualInformation)) nats "
                md += "(between-chain part \(format(d.betweenChainMutualInformation))); chains disagree on "
                md += "\(format(100 * d.disagreement, 2)) % of test labels (mean over pairs).\n\n"
                if d.functionals.contains(where: { $0.drawsPerChain >= 4 }) {
                    md += "| functional of a sample | split-R̂ (rank) | bulk ESS | draws per chain |\n|---|---:|---:|---:|\n"
                    for f in d.functionals {
                        md += "| \(f.name) | \(format(f.rHat, 3)) | \(format(f.essBulk, 0)) | \(f.drawsPerChain) |\n"
                    }
                    md += "\nR̂ well above 1 says the chains sample different regions (different modes of the "
                    md += "posterior): pooling them is what makes the predictive better than one chain's.\n\n"
                }
            }
        }
        md += "How to read this: higher accuracy is better; NLL, ECE and Brier score are lower for better (and, for "
        md += "ECE, more honest) probabilities — ECE is the average gap between confidence and accuracy. The posterior "
        md += "predictive averages the probabilities of the \(report.samplesAveraged) kept samples; comparing it with "
        md += "the last sample alone shows what averaging buys. An AUROC of 1 separates out-of-distribution inputs "
        md += "perfectly and 0.5 is chance; mutual information measures disagreement between samples, so its AUROC is "
        md += "0.5 for a single network.\n"
        if !plots.isEmpty {
            md += "\nFigures:\n\n"
            for p in plots { md += "- [\(p)](\(p))\n" }
        }
        return md
    }
}
