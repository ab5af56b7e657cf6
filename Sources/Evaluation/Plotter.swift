// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore
import Platform

/// What became of a requested plot.
public enum PlotOutcome: Sendable, Equatable {
    /// The PNG was written at this path.
    case written(path: String)
    /// No PNG was made (gnuplot missing or failing); the warning says why. The data and script files remain, so
    /// the plot can be drawn later with `gnuplot NAME.gp` in the output directory.
    case skipped(warning: String)

    /// The warning of a skipped plot, else nil.
    public var warning: String? {
        if case let .skipped(warning) = self { warning } else { nil }
    }
}

/// Draws the figures of a training run with gnuplot (5.x).
///
/// Each figure `NAME` is made of three files in ``directory``: `NAME.dat` (the numbers, gnuplot data blocks separated
/// by two blank lines), `NAME.gp` (the script, which refers to its files by name only) and `NAME.png`, drawn by
/// running `gnuplot NAME.gp` in ``directory``. The script uses the cairo PNG terminal when gnuplot has it and the
/// libgd `png` terminal otherwise. When gnuplot is not installed or fails, the plot is skipped with a warning; only
/// invalid input or a directory that cannot be written throws.
public struct Plotter: Sendable {
    /// The output directory (created when a plot is written).
    public let directory: String
    /// The gnuplot executable used, or nil when none was found.
    public let gnuplot: String?

    /// A plotter writing into `directory`, running `gnuplot` (an executable path; by default the first `gnuplot` on
    /// `PATH`).
    public init(directory: String, gnuplot: String? = nil) {
        self.directory = directory
        self.gnuplot = gnuplot ?? Self.locateGnuplot()
    }

    /// The first executable `gnuplot` in the directories of `PATH`, or nil.
    public static func locateGnuplot() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = String(dir) + "/gnuplot"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    // MARK: Figures

    /// `confidence.png`: histograms of the confidence (max probability) of correct, incorrect and OOD inputs, as
    /// the fraction of each group per bin of width 1/`bins`; one panel per run (one or two runs, side by side,
    /// with a common vertical scale).
    public func confidence(_ runs: [ConfidenceSummary], bins: Int = 20,
                           name: String = "confidence") throws(LangevinError) -> PlotOutcome {
        guard (1 ... 4).contains(runs.count), bins > 0 else {
            throw LangevinError(.invalidParameter, "confidence plot: \(runs.count) runs (1 to 4) and \(bins) bins")
        }
        func histogram(_ values: [Double]) -> [Double] {
            var counts = [Double](repeating: 0, count: bins)
            for v in values where v.isFinite {
                counts[min(bins - 1, max(0, Int(v * Double(bins))))] += 1
            }
            return values.isEmpty ? counts : counts.map { $0 / Double(values.count) }
        }
        var data = "# confidence histograms: bin centre, fraction of correct, incorrect and OOD inputs per bin\n"
        var top = 0.0
        for (r, run) in runs.enumerated() {
            data += "# block \(r): \(run.label)\n"
            let columns = [histogram(run.correct), histogram(run.incorrect), histogram(run.ood)]
            top = max(top, columns.flatMap { $0 }.max() ?? 0)
            for b in 0 ..< bins {
                data += "\((Double(b) + 0.5) / Double(bins)) \(columns[0][b]) \(columns[1][b]) \(columns[2][b])\n"
            }
            data += "\n\n"
        }
        var gp = preamble(name: name, width: 560 * runs.count, height: 460)
        gp += """
        set multiplot layout 1,\(runs.count) title 'Confidence (maximum predicted probability)'
        set style fill solid 0.75 noborder
        set xrange [0:1]
        set yrange [0:\(min(1, top * 1.08 + 0.01))]
        set xlabel 'confidence (max probability)'
        set ylabel 'fraction of inputs in the group'
        set key top left
        set grid ytics

        """
        for (r, run) in runs.enumerated() {
            gp += "set title \(quote(run.label))\n"
            // Bars of the groups side by side within each bin.
            var groups = [(column: 2, colour: "#1b9e77", title: "correct (n = \(run.correct.count))"),
                          (column: 3, colour: "#d95f02", title: "incorrect (n = \(run.incorrect.count))")]
            if !run.ood.isEmpty {
                let meanConfidence = run.ood.reduce(0, +) / Double(run.ood.count)
                groups.append((4, "#7570b3", "OOD\(run.oodName.map { ": " + $0 } ?? "") (n = \(run.ood.count), "
                    + "mean confidence \(String(format: "%.3f", meanConfidence)))"))
            }
            let width = 0.9 / Double(bins * groups.count)
            let parts = groups.enumerated().map { g, group in
                let offset = (Double(g) - Double(groups.count - 1) / 2) * width
                return "'\(name).dat' index \(r) using ($1\(offset < 0 ? "" : "+")\(offset)):\(group.column):(\(width)) "
                    + "with boxes lc rgb '\(group.colour)' title \(quote(group.title))"
            }
            gp += "plot " + parts.joined(separator: ", \\\n     ") + "\n"
        }
        gp += "unset multiplot\n"
        return try draw(name: name, data: data, script: gp)
    }

    /// `training-loss.png`: the training loss of each curve against `xLabel` (log scale when the losses are positive
    /// and span more than a decade) and, on the right axis, the test accuracy where it was logged.
    public func trainingLoss(_ curves: [TrainingCurve], xLabel: String = "epoch",
                             name: String = "training-loss") throws(LangevinError) -> PlotOutcome {
        guard !curves.isEmpty, curves.allSatisfy({ !$0.points.isEmpty }) else {
            throw LangevinError(.invalidParameter, "training-loss plot: no curve or an empty curve")
        }
        var data = "# training curves: x, loss, test accuracy ('?' when not logged)\n"
        for (c, curve) in curves.enumerated() {
            data += "# block \(c): \(curve.label)\n"
            for p in curve.points {
                data += "\(number(p.x)) \(number(p.loss)) \(p.testAccuracy.map(number) ?? "?")\n"
            }
            data += "\n\n"
        }
        let losses = curves.flatMap { $0.points.map(\.loss) }.filter(\.isFinite)
        let logScale = (losses.min() ?? 0) > 0 && (losses.max() ?? 0) > 10 * (losses.min() ?? 0)
        let hasAccuracy = curves.contains { $0.points.contains { $0.testAccuracy != nil } }
        var gp = preamble(name: name, width: 800, height: 500)
        gp += """
        set title 'Training loss\(hasAccuracy ? " and test accuracy" : "")'
        set xlabel \(quote(xLabel))
        set ylabel 'training loss'
        set grid
        set key below height 1.5
        \(logScale ? "set logscale y" : "")

        """
        if hasAccuracy {
            gp += "set y2label 'test accuracy'\nset y2tics\nset ytics nomirror\n"
        }
        let palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
        var parts = [String]()
        for (c, curve) in curves.enumerated() {
            let colour = palette[c % palette.count]
            let prefix = curves.count > 1 ? curve.label + ": " : ""
            parts.append("'\(name).dat' index \(c) using 1:2 with lines lw 2 lc rgb '\(colour)' title \(quote(prefix + "training loss"))")
            if curve.points.contains(where: { $0.testAccuracy != nil }) {
                parts.append("'' index \(c) using 1:3 axes x1y2 with linespoints lw 2 dt 2 pt 7 ps 0.6 lc rgb '\(colour)' title \(quote(prefix + "test accuracy"))")
            }
        }
        gp += "plot " + parts.joined(separator: ", \\\n     ") + "\n"
        return try draw(name: name, data: data, script: gp)
    }

    /// `weights.png`: for each layer, its mean weight ± one standard deviation (shaded) and ± the 99th percentile of
    /// |w| (dashed) against `xLabel`; one panel per layer.
    public func weights(_ layers: [LayerWeightTrace], xLabel: String = "epoch",
                        name: String = "weights") throws(LangevinError) -> PlotOutcome {
        guard !layers.isEmpty, layers.count <= 12, layers.allSatisfy({ !$0.points.isEmpty }) else {
            throw LangevinError(.invalidParameter, "weights plot: 1 to 12 layers, each with at least one point")
        }
        var data = "# weight statistics: x, mean, standard deviation, 99th percentile of |w|\n"
        for (l, layer) in layers.enumerated() {
            data += "# block \(l): \(layer.name)\n"
            for p in layer.points {
                data += "\(number(p.x)) \(number(p.mean)) \(number(p.standardDeviation)) \(number(p.absQuantile99))\n"
            }
            data += "\n\n"
        }
        let columns = layers.count <= 3 ? 1 : 2
        let rows = (layers.count + columns - 1) / columns
        var gp = preamble(name: name, width: 640 * columns, height: 90 + 250 * rows)
        gp += """
        set multiplot layout \(rows),\(columns) title 'Weights over training'
        set style fill transparent solid 0.3 noborder
        set grid
        set key outside right top
        set xlabel \(quote(xLabel))
        set ylabel 'weight'

        """
        for (l, layer) in layers.enumerated() {
            gp += "set title \(quote(layer.name))\n"
            gp += "plot '\(name).dat' index \(l) using 1:($2-$3):($2+$3) with filledcurves lc rgb '#1b9e77' title 'mean ± sd', \\\n"
            gp += "     '' index \(l) using 1:2 with lines lw 2 lc rgb '#1b9e77' title 'mean', \\\n"
            gp += "     '' index \(l) using 1:4 with lines dt 2 lw 1.5 lc rgb '#d95f02' title '±99th pct |w|', \\\n"
            gp += "     '' index \(l) using 1:(-$4) with lines dt 2 lw 1.5 lc rgb '#d95f02' notitle\n"
        }
        gp += "unset multiplot\n"
        return try draw(name: name, data: data, script: gp)
    }

    /// `reliability.png`: reliability diagrams (Guo et al. 2017, fig. 1) — for each non-empty confidence bin the
    /// accuracy (bars) and the mean confidence (points) against the bin, with the diagonal of perfect calibration;
    /// one panel per diagram, its ECE in the title.
    public func reliability(_ diagrams: [ReliabilityDiagram],
                            name: String = "reliability") throws(LangevinError) -> PlotOutcome {
        guard (1 ... 4).contains(diagrams.count), diagrams.allSatisfy({ !$0.bins.isEmpty }) else {
            throw LangevinError(.invalidParameter, "reliability plot: 1 to 4 diagrams, each with bins")
        }
        var data = "# reliability diagram: bin centre, bin width, accuracy, mean confidence, count (non-empty bins)\n"
        for (d, diagram) in diagrams.enumerated() {
            data += "# block \(d): \(diagram.label)\n"
            var any = false
            for b in diagram.bins where b.count > 0 {
                data += "\(number((b.lower + b.upper) / 2)) \(number(b.upper - b.lower)) \(number(b.accuracy)) "
                data += "\(number(b.confidence)) \(b.count)\n"
                any = true
            }
            if !any { data += "? ? ? ? 0\n" }
            data += "\n\n"
        }
        var gp = preamble(name: name, width: 500 * diagrams.count, height: 500)
        gp += """
        set multiplot layout 1,\(diagrams.count) title 'Reliability diagram'
        set style fill solid 0.6 border lc rgb '#333333'
        set xrange [0:1]
        set yrange [0:1]
        set size ratio -1
        set xlabel 'confidence (max probability)'
        set ylabel 'accuracy'
        set key below height 1.5
        set grid

        """
        for (d, diagram) in diagrams.enumerated() {
            let bins = diagram.bins.count
            gp += "set title \(quote("\(diagram.label): ECE = \(String(format: "%.4f", diagram.ece)) (\(bins) bins)"))\n"
            gp += "plot '\(name).dat' index \(d) using 1:3:2 with boxes lc rgb '#7fb8e0' title 'accuracy', \\\n"
            gp += "     '' index \(d) using 1:4 with points pt 7 ps 1 lc rgb '#d95f02' title 'mean confidence', \\\n"
            gp += "     x with lines dt 2 lc rgb '#555555' title 'perfect calibration'\n"
        }
        gp += "unset multiplot\n"
        return try draw(name: name, data: data, script: gp)
    }

    /// `shift.png`: accuracy, NLL and ECE of each run's predictive against the shift (e.g. the rotation angle in
    /// degrees), one panel per metric and one line per run (the protocol of Ovadia et al. 2019, fig. 1).
    public func shift(_ curves: [ShiftCurve], xLabel: String = "rotation (degrees)",
                      name: String = "shift") throws(LangevinError) -> PlotOutcome {
        guard (1 ... 6).contains(curves.count), curves.allSatisfy({ !$0.points.isEmpty }) else {
            throw LangevinError(.invalidParameter, "shift plot: 1 to 6 curves, each with points")
        }
        var data = "# predictive under shift: shift, accuracy, NLL, ECE, Brier\n"
        for (c, curve) in curves.enumerated() {
            data += "# block \(c): \(curve.label)\n"
            for p in curve.points {
                data += "\(number(p.angle)) \(number(p.accuracy)) \(number(p.nll)) \(number(p.ece)) \(number(p.brier))\n"
            }
            data += "\n\n"
        }
        let colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]
        var gp = preamble(name: name, width: 1350, height: 450)
        gp += """
        set multiplot layout 1,3 title 'Predictive under dataset shift'
        set xlabel \(quote(xLabel))
        set key below height 1.5
        set grid

        """
        for (column, metric) in [(2, "accuracy"), (3, "NLL"), (4, "ECE")] {
            gp += "set title \(quote(metric))\nset ylabel \(quote(metric))\n"
            gp += metric == "accuracy" ? "set yrange [0:1]\n" : "set yrange [0:*]\n"
            let parts = curves.enumerated().map { c, curve in
                "'\(name).dat' index \(c) using 1:\(column) with linespoints pt 7 ps 0.8 lw 2 "
                    + "lc rgb '\(colours[c])' title \(quote(curve.label))"
            }
            gp += "plot " + parts.joined(separator: ", \\\n     ") + "\n"
        }
        gp += "unset multiplot\n"
        return try draw(name: name, data: data, script: gp)
    }

    // MARK: Machinery

    /// The script's first lines: the terminal (cairo when available), the output file, no enhanced-text markup.
    private func preamble(name: String, width: Int, height: Int) -> String {
        """
        # Drawn by Langevin; run `gnuplot \(name).gp` in this directory to redraw \(name).png from \(name).dat.
        if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
            set terminal pngcairo noenhanced size \(width),\(height) font 'Sans,10'
        } else {
            set terminal png noenhanced size \(width),\(height)
        }
        if (!exists("outfile")) outfile = '\(name).png'
        set output outfile
        set datafile missing '?'

        """
    }

    /// A gnuplot single-quoted string (a quote inside is doubled).
    private func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// A number for a data file; '?' (missing) when not finite.
    private func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "?" }

    /// Writes `NAME.dat` and `NAME.gp`, runs gnuplot and checks that `NAME.png` was made.
    private func draw(name: String, data: String, script: String) throws(LangevinError) -> PlotOutcome {
        try makeFolder(directory)
        let png = directory + "/" + name + ".png"
        try writeFileAtomically(Array(data.utf8), to: directory + "/" + name + ".dat")
        try writeFileAtomically(Array(script.utf8), to: directory + "/" + name + ".gp")
        guard let gnuplot else {
            return .skipped(warning: "gnuplot was not found on PATH: \(name).png was not drawn "
                + "(install gnuplot and run `gnuplot \(name).gp` in \(directory))")
        }
        // gnuplot draws into the safe writer's temporary file, which is then committed like any other output: an
        // earlier figure stays whole until the new one is complete, and a link or device named NAME.png is not replaced.
        let output: OutputFile
        do throws(FileError) { output = try OutputFile(path: png) } catch { throw LangevinError(.io, error.description) }
        defer { output.discard() }
        var drawing = output.temporaryPath ?? png
        if !drawing.hasPrefix("/") { drawing = FileManager.default.currentDirectoryPath + "/" + drawing }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gnuplot)
        process.arguments = ["-e", "outfile=\(quote(drawing))", name + ".gp"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .skipped(warning: "cannot run \(gnuplot): \(error.localizedDescription); \(name).png was not drawn")
        }
        let messages = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = messages.split(separator: "\n").suffix(4).joined(separator: " / ")
            return .skipped(warning: "gnuplot failed on \(name).gp (status \(process.terminationStatus)): \(detail)")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: drawing),
              let size = attributes[.size] as? NSNumber, size.intValue > 0
        else {
            return .skipped(warning: "gnuplot did not write \(name).png")
        }
        do throws(FileError) { try output.commit() } catch { throw LangevinError(.io, error.description) }
        return .written(path: png)
    }
}
