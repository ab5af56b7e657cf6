// SPDX-License-Identifier: GPL-3.0-or-later
// The two examples that extend the library from outside — a user's own energy type and a user's own integrator,
// both written with public API only — run in their short setting and pass the Boltzmann check they print.
import Foundation
import LangevinTestSupport
import Testing

@Suite("Examples written against the public API (a user's energy, a user's integrator)", .tags(.endToEnd))
struct CustomExampleTests {
    /// Runs `example --quick`; checks status 0, the check's PASSED verdict line and the example's own closing line.
    @discardableResult
    func check(_ example: String) throws -> String {
        let r = try Examples.run(example, ["--quick"])
        #expect(r.status == 0, "\(example) exited \(r.status):\n\(r.output)")
        #expect(r.output.contains("PASSED: "), "no PASSED verdict line:\n\(r.output)")
        #expect(!r.output.contains("FAIL"), "\(r.output)")
        #expect(r.output.contains("\(example): all "), "\(r.output)")
        return r.output
    }

    @Test("custom-energy: a banana energy defined in the example, MALA chains, Boltzmann check by 2-D quadrature")
    func customEnergy() throws {
        let output = try check("custom-energy")
        for row in ["ks[x]", "ks[y]", "second-moment[y]", "mean-energy"] {
            #expect(output.contains(row), "missing row \(row)")
        }
    }

    @Test("custom-integrator: random-walk Metropolis and HMC written with the trial-step API, on the double well")
    func customIntegrator() throws {
        let output = try check("custom-integrator")
        for scheme in ["random-walk-metropolis (written in this example)", "hmc (written in this example)"] {
            #expect(output.contains(scheme), "missing \(scheme)")
        }
        // One PASSED verdict per scheme.
        #expect(output.components(separatedBy: "PASSED: ").count == 3, "\(output)")
        // The acceptance rates are printed and lie strictly inside (0, 1) (the example enforces (0.05, 0.99)).
        let rates = output.split(separator: "\n").filter { $0.hasPrefix("acceptance rate ") }
            .compactMap { Double($0.split(separator: " ")[2]) }
        #expect(rates.count == 2 && rates.allSatisfy { $0 > 0.05 && $0 < 0.99 }, "acceptance rates \(rates)")
    }

    @Test("an unknown option is a usage error (status 64)")
    func usage() throws {
        for example in ["custom-energy", "custom-integrator"] {
            let r = try Examples.run(example, ["--frobnicate"])
            #expect(r.status == 64, "\(example): \(r.status)")
            #expect(r.output.contains("unknown option '--frobnicate'"))
        }
    }
}

/// The strongest form of "public API only": copy both examples into a fresh package that depends on this one by path,
/// build it in release and run it. Slow (it compiles the library again, about a minute or more on 2 cores), so it
/// runs only when `LANGEVIN_EXTERNAL_PACKAGE_TEST=1`.
@Suite("The custom examples build in a package outside this one",
       .enabled(if: ProcessInfo.processInfo.environment["LANGEVIN_EXTERNAL_PACKAGE_TEST"] == "1"))
struct ExternalPackageTests {
    @Test("a consumer package builds custom-energy and custom-integrator from the library products and runs them")
    func consumerPackage() throws {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: Examples.temporaryDirectory("consumer-package"))
        let manifest = """
            // swift-tools-version:6.0
            import PackageDescription
            let products: [Target.Dependency] = ["LangevinCore", "GSLSupport", "Potentials", "Diagnostics"].map {
                .product(name: $0, package: "Langevin")
            }
            let package = Package(
                name: "Consumer",
                dependencies: [.package(name: "Langevin", path: \(String(reflecting: Examples.packageRoot.path)))],
                targets: [
                    .executableTarget(name: "UserEnergy", dependencies: products),
                    .executableTarget(name: "UserIntegrator", dependencies: products),
                ])

            """
        try manifest.write(to: root.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        for (target, example) in [("UserEnergy", "custom-energy"), ("UserIntegrator", "custom-integrator")] {
            let folder = root.appendingPathComponent("Sources/\(target)")
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try fm.copyItem(at: Examples.packageRoot.appendingPathComponent("Examples/\(example)/main.swift"),
                            to: folder.appendingPathComponent("main.swift"))
        }
        let build = try runProcess("/usr/bin/env", ["swift", "build", "-c", "release"], in: root)
        #expect(build.status == 0, "the consumer package did not build:\n\(build.output)")
        guard build.status == 0 else { return }
        for (target, example) in [("UserEnergy", "custom-energy"), ("UserIntegrator", "custom-integrator")] {
            let r = try runProcess(root.appendingPathComponent(".build/release/\(target)").path, ["--quick"], in: root)
            #expect(r.status == 0, "\(target) exited \(r.status):\n\(r.output)")
            #expect(r.output.contains("\(example): all "), "\(r.output)")
        }
        try? fm.removeItem(at: root)
    }

    func runProcess(_ executable: String, _ arguments: [String], in folder: URL) throws -> Examples.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("process.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try? handle.close()
        return Examples.Result(status: p.terminationStatus,
                               output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
