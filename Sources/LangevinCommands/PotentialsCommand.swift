// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Potentials

/// `langevin potentials`: lists the built-in potentials with their parameters.
struct Potentials: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "potentials", abstract: "List the built-in potentials and their parameters.")

    func run() throws {
        var text = ""
        for info in BuiltinPotential.catalog {
            text += "\(info.name)\n"
            text += "    \(info.summary)\n"
            for p in info.parameters {
                text += "    --set \(p.name)=\(p.defaultValue)\t\(p.summary)\n"
            }
            text += "\n"
        }
        do { try printChecked(text, terminator: "") } catch { throw fail(error) }
    }
}
