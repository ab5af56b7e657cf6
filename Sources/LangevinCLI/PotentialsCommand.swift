// SPDX-License-Identifier: GPL-3.0-or-later
import ArgumentParser
import Potentials

/// `langevin potentials`: lists the built-in potentials with their parameters.
struct Potentials: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "potentials", abstract: "List the built-in potentials and their parameters.")

    func run() {
        for info in BuiltinPotential.catalog {
            print("\(info.name)")
            print("    \(info.summary)")
            for p in info.parameters {
                print("    --set \(p.name)=\(p.defaultValue)\t\(p.summary)")
            }
            print()
        }
    }
}
