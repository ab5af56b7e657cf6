// SPDX-License-Identifier: GPL-3.0-or-later
// The figure writer: valid PNGs of the requested size, clear errors for bad data and a missing gnuplot, and a PNG
// header reader that rejects what is not a PNG.
import Figures
import Foundation
import Testing

@Suite("Figures")
struct FiguresTests {
    @Test("a figure of every series kind is drawn at the requested size")
    func everyKind() throws {
        try #require(Figure.locateGnuplot() != nil, "gnuplot is needed (make deps installs it)")
        let dir = Examples.temporaryDirectory("figures-kinds")
        let x = (0 ..< 50).map { Double($0) / 10 }
        let xs = (0 ..< 20).map { Double($0) / 4 }, ys = (0 ..< 15).map { Double($0) / 3 }
        let grid = xs.map { a in ys.map { b in sin(a) * cos(b) } }
        let lines = Panel(title: "lines, points, bars, band, steps", xLabel: "x", yLabel: "y",
                          series: [.line(x, x.map(sin), title: "sin x"),
                                   .points(x, x.map(cos), title: "cos x", colour: Colour.at(1)),
                                   .errorBars(x, x.map { $0 / 5 }, error: x.map { _ in 0.1 }, title: "x/5 ± 0.1"),
                                   .histogram(centres: x, heights: x.map { exp(-$0) }, title: "e^−x"),
                                   .band(x, lower: x.map { sin($0) - 0.2 }, upper: x.map { sin($0) + 0.2 }),
                                   Series(style: .steps, x: x, y: x.map { $0 / 10 }, title: "steps")])
        var map = Panel(title: "heat map and contours", xLabel: "x", yLabel: "y",
                        series: [.grid(.heatMap, xs: xs, ys: ys, values: grid),
                                 .grid(.contours(levels: [-0.5, 0, 0.5]), xs: xs, ys: ys, values: grid)])
        map.colourBoxLabel = "f"
        let path = try Figure(title: "all kinds", panels: [lines, map], columns: 2, width: 900, height: 400)
            .write(to: dir, name: "kinds")
        let size = try PNGImage.dimensions(ofFile: path)
        #expect(size.width == 900 && size.height == 400)
        let script = try String(contentsOfFile: dir + "/kinds.gp", encoding: .utf8)
        #expect(script.contains("set contour base") && script.contains("with image"))
    }

    @Test("inconsistent series and a missing gnuplot are clear errors; the data files stay for a later drawing")
    func errors() throws {
        let dir = Examples.temporaryDirectory("figures-errors")
        let bad = Figure(Panel(title: "bad", xLabel: "x", yLabel: "y", series: [.line([1, 2, 3], [1, 2])]))
        #expect(throws: FigureError.self) { try bad.write(to: dir, name: "bad") }
        do {
            try bad.write(to: dir, name: "bad")
        } catch {
            #expect(error.code == .invalidData)
            #expect(error.message.contains("3 x values but 2 y values"))
        }
        let empty = Figure(title: nil, panels: [], columns: 1)
        #expect(throws: FigureError.self) { try empty.write(to: dir, name: "empty") }
        let good = Figure(Panel(title: "ok", xLabel: "x", yLabel: "y", series: [.line([1, 2], [3, 4])]))
        do {
            try good.write(to: dir, name: "nognuplot", gnuplot: dir + "/no-such-gnuplot")
            Issue.record("a missing gnuplot must throw")
        } catch {
            #expect(error.code == .gnuplotMissing, "\(error)")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/nognuplot.gp"))
        #expect(FileManager.default.fileExists(atPath: dir + "/nognuplot.dat"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/nognuplot.png"))
    }

    @Test("PNG headers: signature and IHDR read, anything else rejected")
    func pngHeader() throws {
        var bytes = PNGImage.signature + [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 1, 44, 0, 0, 0, 200]
        bytes += [8, 6, 0, 0, 0] + [0, 0, 0, 0]
        let d = try PNGImage.dimensions(of: bytes)
        #expect(d.width == 300 && d.height == 200)
        var wrongSignature = bytes
        wrongSignature[1] = 0x51
        #expect(throws: FigureError.self) { try PNGImage.dimensions(of: wrongSignature) }
        var notIHDR = bytes
        notIHDR[12] = UInt8(ascii: "X")
        #expect(throws: FigureError.self) { try PNGImage.dimensions(of: notIHDR) }
        var zeroWidth = bytes
        zeroWidth[18] = 0; zeroWidth[19] = 0
        #expect(throws: FigureError.self) { try PNGImage.dimensions(of: zeroWidth) }
        #expect(throws: FigureError.self) { try PNGImage.dimensions(of: Array(bytes.prefix(20))) }
    }
}
