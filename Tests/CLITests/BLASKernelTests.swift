// SPDX-License-Identifier: GPL-3.0-or-later
// The BLAS kernel: named by `langevin --version` and by every train report; a user's OPENBLAS_CORETYPE always
// wins; the re-execution that replaces a generic fallback kernel keeps arguments, output and exit status.
import Foundation
import Testing

@Suite("BLAS kernel choice", .serialized)
struct BLASKernelTests {
    static let coreType = "OPENBLAS_CORETYPE"
    /// Makes `langevin` treat the detected kernel as a generic fallback (so the re-execution runs on any CPU with
    /// AVX2 or AVX-512).
    static let testFallback = "LANGEVIN_BLAS_TEST_FALLBACK"

    /// (kernel, how it was chosen, CPU line) from `langevin --version` run with `environment`.
    static func version(_ environment: [String: String?]) throws -> (kernel: String, how: String, cpu: String) {
        let r = try CLI.run(["--version"], environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let blas = try #require(lines.first { $0.hasPrefix("BLAS: ") }, "no BLAS line in \(r.stdout)")
        let cpu = try #require(lines.first { $0.hasPrefix("CPU: ") }, "no CPU line in \(r.stdout)")
        let found = try #require(blas.range(of: "kernel "), "no kernel in \(blas)")
        let afterKernel = found.upperBound
        let rest = blas[afterKernel...]
        let kernel = String(rest.prefix { $0 != " " })
        let how = rest.drop { $0 != "(" }.dropFirst().dropLast()
        return (kernel, String(how), String(cpu.dropFirst("CPU: ".count)))
    }

    @Test("--version names the OpenBLAS kernel and how it was chosen")
    func versionNamesKernel() throws {
        let v = try Self.version([Self.coreType: nil])
        #expect(!v.kernel.isEmpty && v.kernel.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "\(v)")
        #expect(v.how == "detected by OpenBLAS" || v.how.hasPrefix("chosen for this CPU's"), "\(v)")
        #expect(["AVX-512", "AVX2/FMA", "AVX", "SSE"].contains(v.cpu))
        // OpenBLAS's own detection on a CPU it knows is never replaced by a narrower kernel.
        if v.cpu == "AVX-512" { #expect(["SkylakeX", "Cooperlake", "SapphireRapids"].contains(v.kernel), "\(v)") }
    }

    @Test("A user's OPENBLAS_CORETYPE wins, even over a generic fallback", arguments: ["Prescott", "Haswell"])
    func userSettingWins(kernel: String) throws {
        let cpu = try Self.version([Self.coreType: nil]).cpu
        // OpenBLAS itself runs a requested kernel only on a CPU that has its instructions.
        if kernel == "Haswell" && !(cpu == "AVX2/FMA" || cpu == "AVX-512") { return }
        for extra in [[:], [Self.testFallback: "1"]] as [[String: String?]] {
            var env = extra
            env[Self.coreType] = kernel
            let v = try Self.version(env)
            #expect(v.kernel == kernel, "\(v)")
            #expect(v.how == "\(Self.coreType)=\(kernel)", "\(v)")
        }
    }

    @Test("Replacing a fallback kernel re-executes with the same arguments, output and exit status")
    func reexecutionIsTransparent() throws {
        let plain: [String: String?] = [Self.coreType: nil]
        let replaced: [String: String?] = [Self.coreType: nil, Self.testFallback: "1"]
        let cpu = try Self.version(plain).cpu
        guard cpu == "AVX2/FMA" || cpu == "AVX-512" else { return }   // no better kernel to re-execute with
        let v = try Self.version(replaced)
        #expect(v.kernel == (cpu == "AVX-512" ? "SkylakeX" : "Haswell"), "\(v)")
        // Known open (issue 7): on some Intel AVX-512 machines OpenBLAS itself detects SkylakeX although the test
        // asks for a simulated fallback, so no re-execution happens; the kernel is then still the right one.
        #expect(v.how.hasPrefix("chosen for this CPU's \(cpu); OpenBLAS detected ") || v.how == "detected by OpenBLAS",
                "\(v)")

        // Arguments with spaces and non-ASCII text arrive intact; stdout and the exit status are the child's.
        let check = ["check", "--energy", "(x^2 - 1)^2 + y^2/2", "--variables", "x,y", "--integrator", "mala",
                     "--dt", "0.05", "--steps", "20000", "--thin", "10", "--chains", "2", "--seed", "7",
                     "--format", "json"]
        let a = try CLI.run(check, environment: plain), b = try CLI.run(check, environment: replaced)
        #expect(a.status == b.status && a.stdout == b.stdout && !a.stdout.isEmpty, "\(a.stderr)\n\(b.stderr)")
        let failing = ["check", "--potential", "harmonic", "--integrator", "euler-maruyama", "--dt", "0.5",
                       "--steps", "20000", "--thin", "1", "--chains", "2", "--seed", "3"]
        let f = try CLI.run(failing, environment: replaced)
        #expect(f.status == 1 && f.stdout.contains("FAILED"), "\(f.stdout)\n\(f.stderr)")
        let bad = ["sample", "--potential", "nöpe ü", "--output", "/tmp/x.csv"]
        let c = try CLI.run(bad, environment: plain), d = try CLI.run(bad, environment: replaced)
        #expect(c.status == d.status && c.status != 0 && c.stderr == d.stderr && d.stderr.contains("nöpe ü"))
    }

    @Test("Every train report names its BLAS kernel (blas_kernel), the user's when set")
    func trainReportNamesKernel() throws {
        let dir = CLI.temporaryDirectory("blas-kernel")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 10)
        for kernel in ["Prescott", nil] as [String?] {
            let out = dir + "/run-\(kernel ?? "default")"
            let r = try CLI.run(["train", "--data", dir + "/digits.csv", "--model", "mlp:16", "--sampler", "sgld",
                                 "--epochs", "2", "--batch-size", "20", "--ood", "none", "--seed", "5",
                                 "--output", out], environment: [Self.coreType: kernel])
            #expect(r.status == 0, "\(r.stderr)")
            let data = try Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let expected = try kernel ?? Self.version([Self.coreType: nil]).kernel
            #expect(json["blas_kernel"] as? String == expected)
        }
    }
}
