// SPDX-License-Identifier: GPL-3.0-or-later
// A small figure writer backed by gnuplot (5.x): panels of lines, points, error bars, histograms, bands, heat maps
// and contours, written as PNG. It depends on Foundation only, so any target (an example, a report) can draw with it.
import Foundation
import Platform

/// What went wrong while drawing a figure.
public struct FigureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the figure was not drawn.
    public enum Code: Sendable, Equatable {
        /// gnuplot was not found on `PATH` (or at the path given).
        case gnuplotMissing
        /// gnuplot ran and failed (status, last lines of its messages).
        case gnuplotFailed
        /// The figure's data are inconsistent (columns of different lengths, an empty panel, a bad grid…).
        case invalidData
        /// A file could not be written or read.
        case io
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A colour as gnuplot spells it: `#rrggbb`, or `#aarrggbb` with alpha (00 opaque, ff transparent).
public struct Colour: Sendable, Equatable, ExpressibleByStringLiteral {
    public var spec: String
    public init(_ spec: String) { self.spec = spec }
    public init(stringLiteral value: String) { self.spec = value }

    /// A colour-blind-safe qualitative palette (ColorBrewer Dark2).
    public static let palette: [Colour] = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                                           "#a6761d", "#666666"]
    /// The `i`-th colour of ``palette`` (cycling).
    public static func at(_ i: Int) -> Colour { palette[((i % palette.count) + palette.count) % palette.count] }
    public static let black: Colour = "#000000"
    public static let grey: Colour = "#555555"
}

/// One thing drawn in a panel.
public struct Series: Sendable {
    /// How the numbers are drawn.
    public enum Style: Sendable, Equatable {
        /// A polyline through (x, y).
        case lines
        /// Markers at (x, y); `size` scales gnuplot's default point size, `shape` is gnuplot's point type.
        case points(size: Double, shape: Int)
        /// A polyline with markers.
        case linesPoints(size: Double)
        /// Markers with vertical error bars: columns x, y, ±error.
        case errorBars(size: Double)
        /// Bars of the given width centred at x, of height y (a histogram when x are bin centres).
        case boxes(width: Double, fill: Double)
        /// A step outline of a histogram: x are bin centres of equal width, y the heights.
        case steps
        /// A shaded band between columns y (lower) and z (upper) over x.
        case band(fill: Double)
        /// A heat map of z over a regular grid of (x, y) (uses the palette; the colour box shows the scale).
        case heatMap
        /// Contour lines of z over a regular grid of (x, y) at the given levels.
        case contours(levels: [Double])
    }

    public var style: Style
    /// Abscissae (or grid x, row-major with y varying fastest for grids).
    public var x: [Double]
    /// Ordinates (or grid y, or the lower edge of a band).
    public var y: [Double]
    /// A third column: error bars, the upper edge of a band, or grid values.
    public var z: [Double]
    /// The legend entry; nil leaves the series out of the key.
    public var title: String?
    public var colour: Colour
    public var lineWidth: Double
    /// Dashed line (gnuplot `dt 2`).
    public var dashed: Bool

    public init(style: Style, x: [Double], y: [Double], z: [Double] = [], title: String? = nil,
                colour: Colour = Colour.at(0), lineWidth: Double = 2, dashed: Bool = false) {
        self.style = style
        self.x = x
        self.y = y
        self.z = z
        self.title = title
        self.colour = colour
        self.lineWidth = lineWidth
        self.dashed = dashed
    }

    /// A line through (x, y).
    public static func line(_ x: [Double], _ y: [Double], title: String? = nil, colour: Colour = Colour.at(0),
                            width: Double = 2, dashed: Bool = false) -> Series {
        Series(style: .lines, x: x, y: y, title: title, colour: colour, lineWidth: width, dashed: dashed)
    }

    /// Markers at (x, y).
    public static func points(_ x: [Double], _ y: [Double], title: String? = nil, colour: Colour = Colour.at(0),
                              size: Double = 0.6, shape: Int = 7) -> Series {
        Series(style: .points(size: size, shape: shape), x: x, y: y, title: title, colour: colour)
    }

    /// Markers with ±`error` bars.
    public static func errorBars(_ x: [Double], _ y: [Double], error: [Double], title: String? = nil,
                                 colour: Colour = Colour.at(0), size: Double = 1) -> Series {
        Series(style: .errorBars(size: size), x: x, y: y, z: error, title: title, colour: colour, lineWidth: 1.5)
    }

    /// A histogram as filled bars: bin `centres` and `heights` (a density, a count, a fraction).
    public static func histogram(centres: [Double], heights: [Double], title: String? = nil,
                                 colour: Colour = Colour.at(0), fill: Double = 0.5) -> Series {
        let width = centres.count > 1 ? (centres[1] - centres[0]) : 1
        return Series(style: .boxes(width: width, fill: fill), x: centres, y: heights, title: title,
                      colour: colour, lineWidth: 1)
    }

    /// A shaded band between `lower` and `upper` over `x`.
    public static func band(_ x: [Double], lower: [Double], upper: [Double], title: String? = nil,
                            colour: Colour = Colour.at(0), fill: Double = 0.3) -> Series {
        Series(style: .band(fill: fill), x: x, y: lower, z: upper, title: title, colour: colour)
    }

    /// A grid function for ``Style/heatMap`` or ``Style/contours(levels:)``: `values[i][j]` = f(xs[i], ys[j]).
    public static func grid(_ style: Style, xs: [Double], ys: [Double], values: [[Double]], title: String? = nil,
                            colour: Colour = Colour.grey, width: Double = 1) -> Series {
        var x = [Double](), y = [Double](), z = [Double]()
        x.reserveCapacity(xs.count * ys.count)
        for (i, xi) in xs.enumerated() {
            for (j, yj) in ys.enumerated() {
                x.append(xi)
                y.append(yj)
                z.append(i < values.count && j < values[i].count ? values[i][j] : .nan)
            }
        }
        var s = Series(style: style, x: x, y: y, z: z, title: title, colour: colour, lineWidth: width)
        s.gridRows = ys.count
        return s
    }

    /// For grids: how many consecutive points share one x (the length of a grid column).
    var gridRows: Int = 0
}

/// One panel: axes, labels and the series drawn in it (in order; later series on top).
public struct Panel: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var logX = false
    public var logY = false
    /// Equal units on both axes.
    public var equalAspect = false
    /// Where the legend goes, in gnuplot's words (`top right`, `top left`, `bottom right`, `below`…); nil hides it.
    public var key: String? = "top right"
    /// Label of the heat map's colour box.
    public var colourBoxLabel: String?
    /// The heat map's colour scale.
    public var palette: Palette = .darkLow
    /// Colour scales for heat maps.
    public enum Palette: Sendable {
        /// Dark blue at the lowest value to white at the highest (an energy: the wells are dark).
        case darkLow
        /// White at the lowest value to dark blue at the highest (a density: the mass is dark).
        case darkHigh
    }
    /// Text labels placed at data coordinates.
    public var labels: [(x: Double, y: Double, text: String)] = []

    public init(title: String, xLabel: String, yLabel: String, series: [Series] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
    }
}

/// A figure: one or more panels in a grid under a common title, drawn to `NAME.png`.
///
/// ``write(to:name:)`` writes three files into the directory: `NAME.dat` (the numbers, one gnuplot data block per
/// series), `NAME.gp` (the script, which names its files without a directory) and `NAME.png`, drawn by running
/// `gnuplot NAME.gp` there. The cairo PNG terminal is used when gnuplot has it, else the libgd `png` terminal. Text
/// is UTF-8 without gnuplot's enhanced markup, so labels such as "⟨x²⟩" or "exp(−U/T)/Z" print as written.
public struct Figure: Sendable {
    public var title: String?
    public var panels: [Panel]
    /// Panels per row (the number of rows follows).
    public var columns: Int
    /// Size in pixels.
    public var width: Int
    public var height: Int
    /// Font size in points.
    public var fontSize: Double = 12

    public init(title: String? = nil, panels: [Panel], columns: Int? = nil, width: Int = 1000, height: Int = 700) {
        self.title = title
        self.panels = panels
        self.columns = max(1, columns ?? panels.count)
        self.width = width
        self.height = height
    }

    /// A figure of one panel.
    public init(_ panel: Panel, width: Int = 900, height: Int = 620) {
        self.init(title: nil, panels: [panel], columns: 1, width: width, height: height)
    }

    /// Draws the figure to `directory/NAME.png` (creating the directory) and returns the PNG's path.
    ///
    /// - Parameter gnuplot: the gnuplot executable; by default the first `gnuplot` on `PATH`.
    /// - Throws: ``FigureError`` with ``FigureError/Code/gnuplotMissing`` when there is no gnuplot (the `.dat` and
    ///   `.gp` files are written first, so the figure can be drawn later), ``FigureError/Code/gnuplotFailed`` when
    ///   it fails or writes no valid PNG, ``FigureError/Code/invalidData`` for inconsistent series.
    @discardableResult
    public func write(to directory: String, name: String, gnuplot: String? = nil) throws(FigureError) -> String {
        guard !panels.isEmpty else { throw FigureError(.invalidData, "figure \(name): no panel") }
        guard !name.isEmpty, !name.contains("/"), !name.contains("'") else {
            throw FigureError(.invalidData, "figure name '\(name)': must be a plain file name")
        }
        var data = "# \(oneLine(title ?? name)): one block per series (blocks separated by two blank lines)\n"
        var script = preamble(name: name)
        var block = 0
        let rows = (panels.count + columns - 1) / columns
        if panels.count > 1 || title != nil {
            script += "set multiplot layout \(rows),\(columns)"
            if let title { script += " title \(quote(title)) font ',\(fontSize + 3)'" }
            script += "\n"
        }
        for (p, panel) in panels.enumerated() {
            script += try panelScript(panel, index: p, name: name, data: &data, block: &block)
        }
        if panels.count > 1 || title != nil { script += "unset multiplot\n" }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw FigureError(.io, "cannot create the directory \(directory): \(error.localizedDescription)")
        }
        try writeText(data, to: directory + "/" + name + ".dat")
        try writeText(script, to: directory + "/" + name + ".gp")
        guard let executable = gnuplot ?? Self.locateGnuplot() else {
            throw FigureError(.gnuplotMissing, "gnuplot was not found on PATH, so \(name).png was not drawn: install "
                + "gnuplot (Debian: apt-get install gnuplot-nox) and run `gnuplot \(name).gp` in \(directory)")
        }
        let png = directory + "/" + name + ".png"
        // gnuplot draws into the safe writer's temporary file, committed once it is a valid PNG: an earlier figure
        // stays whole until the new one is complete.
        let output: OutputFile
        do throws(FileError) { output = try OutputFile(path: png) } catch { throw FigureError(.io, error.description) }
        defer { output.discard() }
        var drawing = output.temporaryPath ?? png
        if !drawing.hasPrefix("/") { drawing = fm.currentDirectoryPath + "/" + drawing }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-e", "outfile='\(drawing.replacingOccurrences(of: "'", with: "''"))'", name + ".gp"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw FigureError(.gnuplotMissing, "cannot run \(executable): \(error.localizedDescription)")
        }
        let messages = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let detail = messages.split(separator: "\n").suffix(6).joined(separator: " / ")
            throw FigureError(.gnuplotFailed, "gnuplot failed on \(directory)/\(name).gp "
                + "(status \(process.terminationStatus)): \(detail)")
        }
        do {
            _ = try PNGImage.dimensions(ofFile: drawing)
        } catch {
            throw FigureError(.gnuplotFailed, "gnuplot did not write a valid \(png): \(error.message)")
        }
        do throws(FileError) { try output.commit() } catch { throw FigureError(.io, error.description) }
        return png
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

    // MARK: Script

    private func preamble(name: String) -> String {
        """
        # Drawn by Langevin's Figures; run `gnuplot \(name).gp` in this directory to redraw \(name).png.
        if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
            set terminal pngcairo noenhanced size \(width),\(height) font 'Sans,\(fontSize)' linewidth 1
        } else {
            set terminal png noenhanced size \(width),\(height)
        }
        set encoding utf8
        if (!exists("outfile")) outfile = '\(name).png'
        set output outfile
        set datafile missing '?'
        set border lw 1.2
        set grid lc rgb '#dddddd' lw 1
        set style fill solid 0.5 noborder

        """
    }

    private func panelScript(_ panel: Panel, index: Int, name: String, data: inout String,
                             block: inout Int) throws(FigureError) -> String {
        guard !panel.series.isEmpty else {
            throw FigureError(.invalidData, "figure \(name): panel '\(panel.title)' has no series")
        }
        var s = "\n# panel \(index + 1): \(oneLine(panel.title))\nreset\n"
        // `reset` restores the default settings (not the terminal or output); restore the look.
        s += "set encoding utf8\nset grid lc rgb '#dddddd' lw 1\nset border lw 1.2\nset datafile missing '?'\n"
        s += "set title \(quote(panel.title)) font ',\(fontSize + 1)'\n"
        s += "set xlabel \(quote(panel.xLabel))\nset ylabel \(quote(panel.yLabel))\n"
        if let r = panel.xRange { s += "set xrange [\(num(r.lowerBound)):\(num(r.upperBound))]\n" }
        if let r = panel.yRange { s += "set yrange [\(num(r.lowerBound)):\(num(r.upperBound))]\n" }
        if panel.logX { s += "set logscale x\n" }
        if panel.logY { s += "set logscale y\n" }
        if panel.equalAspect { s += "set size ratio -1\n" }
        if let key = panel.key {
            s += "set key \(key) opaque box lc rgb '#bbbbbb' samplen 2 spacing 1.1\n"
        } else {
            s += "unset key\n"
        }
        for label in panel.labels {
            s += "set label \(quote(label.text)) at \(num(label.x)),\(num(label.y)) front\n"
        }
        let hasHeatMap = panel.series.contains { if case .heatMap = $0.style { true } else { false } }
        if hasHeatMap {
            switch panel.palette {
            case .darkLow:
                s += "set palette defined (0 '#08306b', 1 '#2171b5', 2 '#6baed6', 3 '#c6dbef', 4 '#f7fbff')\n"
            case .darkHigh:
                s += "set palette defined (0 '#ffffff', 1 '#c6dbef', 2 '#6baed6', 3 '#2171b5', 4 '#08306b')\n"
            }
            if let label = panel.colourBoxLabel { s += "set cblabel \(quote(label))\n" }
        } else {
            s += "unset colorbox\n"
        }
        // Contours go through a table first (gnuplot computes them with splot), then are drawn as lines.
        var contourBlocks: [Int: String] = [:]
        var parts = [String]()
        var blocks: [Int] = []
        for (k, series) in panel.series.enumerated() {
            try validate(series, name: name, panel: panel.title)
            blocks.append(block)
            data += "# block \(block): panel \(index + 1), series \(k + 1)\(series.title.map { ": " + oneLine($0) } ?? "")\n"
            data += dataBlock(series)
            data += "\n\n"
            if case let .contours(levels) = series.style {
                let table = "$contour\(index)_\(k)"
                contourBlocks[k] = table
                s += "set contour base\nunset surface\nset view map\n"
                s += "set cntrparam levels discrete \(levels.map(num).joined(separator: ","))\n"
                s += "set table \(table)\nsplot '\(name).dat' index \(block) using 1:2:3 with lines notitle\n"
                s += "unset table\nunset contour\nset surface\n"
            }
            block += 1
        }
        for (k, series) in panel.series.enumerated() {
            let source = "'\(name).dat' index \(blocks[k])"
            let title = series.title.map { "title \(quote($0))" } ?? "notitle"
            let line = "lw \(num(series.lineWidth)) lc rgb '\(series.colour.spec)'\(series.dashed ? " dt 2" : "")"
            switch series.style {
            case .lines:
                parts.append("\(source) using 1:2 with lines \(line) \(title)")
            case let .points(size, shape):
                parts.append("\(source) using 1:2 with points pt \(shape) ps \(num(size)) lc rgb '\(series.colour.spec)' \(title)")
            case let .linesPoints(size):
                parts.append("\(source) using 1:2 with linespoints pt 7 ps \(num(size)) \(line) \(title)")
            case let .errorBars(size):
                parts.append("\(source) using 1:2:3 with yerrorbars pt 7 ps \(num(size)) \(line) \(title)")
            case let .boxes(width, fill):
                parts.append("\(source) using 1:2:(\(num(width))) with boxes fs solid \(num(fill)) noborder "
                    + "lc rgb '\(series.colour.spec)' \(title)")
            case .steps:
                parts.append("\(source) using 1:2 with histeps \(line) \(title)")
            case let .band(fill):
                parts.append("\(source) using 1:2:3 with filledcurves fs transparent solid \(num(fill)) noborder "
                    + "lc rgb '\(series.colour.spec)' \(title)")
            case .heatMap:
                parts.append("\(source) using 1:2:3 with image \(title)")
            case .contours:
                parts.append("\(contourBlocks[k]!) using 1:2 with lines \(line) \(title)")
            }
        }
        s += "plot " + parts.joined(separator: ", \\\n     ") + "\n"
        return s
    }

    private func validate(_ series: Series, name: String, panel: String) throws(FigureError) {
        let what = "figure \(name), panel '\(panel)'\(series.title.map { ", series '\($0)'" } ?? "")"
        guard !series.x.isEmpty else { throw FigureError(.invalidData, "\(what): no points") }
        guard series.y.count == series.x.count else {
            throw FigureError(.invalidData, "\(what): \(series.x.count) x values but \(series.y.count) y values")
        }
        switch series.style {
        case .errorBars, .band, .heatMap, .contours:
            guard series.z.count == series.x.count else {
                throw FigureError(.invalidData, "\(what): \(series.x.count) points but \(series.z.count) values "
                    + "in the third column")
            }
        default: break
        }
        switch series.style {
        case .heatMap, .contours:
            guard series.gridRows > 1, series.x.count % series.gridRows == 0, series.x.count / series.gridRows > 1
            else { throw FigureError(.invalidData, "\(what): a grid needs at least 2 × 2 points (use Series.grid)") }
        default: break
        }
        if case let .contours(levels) = series.style, levels.isEmpty {
            throw FigureError(.invalidData, "\(what): no contour level")
        }
    }

    private func dataBlock(_ series: Series) -> String {
        var out = ""
        out.reserveCapacity(series.x.count * 24)
        let hasZ = !series.z.isEmpty
        for i in series.x.indices {
            out += num(series.x[i]) + " " + num(series.y[i])
            if hasZ { out += " " + num(series.z[i]) }
            out += "\n"
            // Grid columns are separated by a blank line (gnuplot's grid format for splot and image).
            if series.gridRows > 0, (i + 1) % series.gridRows == 0 { out += "\n" }
        }
        return out
    }

    /// Text for a comment line.
    private func oneLine(_ text: String) -> String { text.replacingOccurrences(of: "\n", with: " ") }

    /// A gnuplot string: single-quoted (a quote inside doubled), or double-quoted with escapes when the text has line
    /// breaks (titles and labels may have several lines).
    private func quote(_ text: String) -> String {
        guard text.contains("\n") else { return "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }

    private func num(_ v: Double) -> String {
        guard v.isFinite else { return "?" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        return "\(v)"
    }

    private func writeText(_ text: String, to path: String) throws(FigureError) {
        // Through the one safe writer: a link or device named like the file is written through, never replaced.
        do throws(FileError) { try writeFile(Array(text.utf8), to: path) } catch {
            throw FigureError(.io, error.description)
        }
    }
}
