// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import LangevinCore

/// Draws read from sample files for `check --samples`, one flat row-major array per chain.
struct SampleFileDraws {
    /// Per chain, draws x₀, x₁, … laid out as [x₀⁽⁰⁾, …, x₀⁽ᵈ⁻¹⁾, x₁⁽⁰⁾, …], in the energy's variable order.
    var chains: [[Double]]
    /// Where each chain came from (`FILE` or `FILE chain K`), for messages and the report.
    var chainLabels: [String]
    /// Per file, the format recognised: `langevin` (chain,step,… columns), `cmdstan` (`lp__` column, `#` comments),
    /// `csv` (any other header).
    var formats: [String]
    /// Draws per chain (all equal).
    var drawsPerChain: Int { chains.first.map { $0.count / max(dimension, 1) } ?? 0 }
    var dimension: Int
}

/// Reads draws from CSV files: this tool's `sample` output (chains from its `chain` column), CmdStan CSV (one chain
/// per file; `#` lines are comments, columns ending in `__` are the sampler's), or any CSV with a header row naming
/// the columns. Columns are picked by name — the energy's variable names, or `columns` (one per variable, in the
/// energy's variable order). Without a `chain` column each file is one chain.
///
/// Every malformation is an error naming the file and line: a missing file, no header, a missing column, a row with
/// the wrong number of cells, a cell that is not a finite number, chains of different lengths.
enum SampleFileReader {
    static func read(paths: [String], variables: [String], columns: [String]?) throws(LangevinError) -> SampleFileDraws {
        let wanted = columns ?? variables
        guard wanted.count == variables.count else {
            throw .invalidParameter("--columns names \(wanted.count) column(s) (\(wanted.joined(separator: ","))) "
                + "but the energy has \(variables.count) variable(s) (\(variables.joined(separator: ",")))")
        }
        var chains: [[Double]] = []
        var labels: [String] = []
        var formats: [String] = []
        for path in paths {
            let text = try contents(of: path)
            let parsed = try parse(text, path: path, wanted: wanted)
            formats.append(parsed.format)
            for (label, values) in parsed.chains {
                chains.append(values)
                labels.append(label)
            }
        }
        let d = variables.count
        let lengths = chains.map { $0.count / d }
        if let first = lengths.first, lengths.contains(where: { $0 != first }) {
            let listing = zip(labels, lengths).map { "\($0): \($1)" }.joined(separator: ", ")
            throw LangevinError(.invalidData,
                "the chains have different numbers of draws (\(listing)); the checks compare chains of equal length")
        }
        return SampleFileDraws(chains: chains, chainLabels: labels, formats: formats, dimension: d)
    }

    static func contents(of path: String) throws(LangevinError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LangevinError(.io, "cannot read '\(path)': no such file")
        }
        guard !isDirectory.boolValue else { throw LangevinError(.io, "cannot read '\(path)': it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LangevinError(.io, "cannot read '\(path)': permission denied or unreadable")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw LangevinError(.invalidData, "'\(path)' is not UTF-8 text")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }   // a byte-order mark some spreadsheets write
        return text
    }

    /// One file: (format, [(label, flat draws)]).
    static func parse(_ text: String, path: String, wanted: [String]) throws(LangevinError)
        -> (format: String, chains: [(String, [Double])])
    {
        var header: [String]? = nil
        var columnIndex: [Int] = []
        var chainColumn: Int? = nil
        var format = "csv"
        var order: [String] = []
        var byChain: [String: [Double]] = [:]
        var lineNumber = 0
        // Lines split on the byte 10, so that CRLF ends (one Character "\r\n" in Swift) split too.
        for rawLine in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            var bytes = Substring(rawLine)
            if bytes.utf8.last == 13 { bytes = bytes.dropLast() }
            let line = bytes
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.first == "#" { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(cleanCell)
            guard let names = header else {
                header = cells
                if cells.contains("lp__") { format = "cmdstan" }
                else if cells.contains("chain") && cells.contains("step") { format = "langevin" }
                for name in wanted {
                    guard let i = cells.firstIndex(of: name) else {
                        throw LangevinError(.invalidData,
                            "'\(path)' has no column '\(name)' (its columns: \(cells.joined(separator: ","))); "
                            + "name the columns to check with --columns")
                    }
                    columnIndex.append(i)
                }
                chainColumn = cells.firstIndex(of: "chain")
                continue
            }
            guard cells.count == names.count else {
                throw LangevinError(.invalidData,
                    "'\(path)' line \(lineNumber): \(cells.count) cells, but the header has \(names.count)")
            }
            let key = chainColumn.map { cells[$0] } ?? ""
            if byChain[key] == nil { order.append(key); byChain[key] = [] }
            for (k, i) in columnIndex.enumerated() {
                guard let v = Double(cells[i]), v.isFinite else {
                    throw LangevinError(.invalidData,
                        "'\(path)' line \(lineNumber), column '\(wanted[k])': '\(cells[i])' is not a finite number")
                }
                byChain[key]!.append(v)
            }
        }
        guard header != nil else { throw LangevinError(.invalidData, "'\(path)' is empty: no header row, no draws") }
        guard !order.isEmpty else { throw LangevinError(.invalidData, "'\(path)' has a header but no draws") }
        let chains = order.map { key in
            (chainColumn == nil ? path : "\(path) chain \(key)", byChain[key]!)
        }
        return (format, chains)
    }

    /// A cell without surrounding blanks and double quotes.
    static func cleanCell(_ cell: Substring) -> String {
        var s = cell
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        if s.count >= 2, s.first == "\"", s.last == "\"" { s = s.dropFirst().dropLast() }
        return String(s)
    }
}
