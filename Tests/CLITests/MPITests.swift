// SPDX-License-Identifier: GPL-3.0-or-later
// `langevin-mpi` under `mpirun`: the same files, verdicts and reports as one `langevin` process for 1, 2 and 4 ranks;
// failures of any rank end the job with the root's message; checkpoints resume per job. Skipped (and said so) when
// `mpirun` or the `langevin-mpi` executable is missing: `make mpi` builds it, `make test` does so when Open MPI is
// installed.
import Foundation
import LangevinTestSupport
import Testing

/// Runs `langevin-mpi` under `mpirun`.
enum MPI {
    /// LANGEVIN_MPI_BIN when it is set (empty: none), else the package's .build/release/langevin-mpi.
    static let executable: String? = {
        if let p = ProcessInfo.processInfo.environment["LANGEVIN_MPI_BIN"] {
            return FileManager.default.isExecutableFile(atPath: p) ? p : nil
        }
        let p = CLI.packageRoot.appendingPathComponent(".build/release/langevin-mpi").path
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }()

    /// `mpirun` on PATH.
    static let mpirun: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/mpirun"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    static var available: Bool { executable != nil && mpirun != nil }

    /// Open MPI refuses root without these (CI runs as root); the vader setting avoids a ptrace-based copy that
    /// containers forbid.
    static let environment: [String: String?] = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_btl_vader_single_copy_mechanism": "none", "OMPI_MCA_rmaps_base_oversubscribe": "1",
    ]

    static func launcherArguments(ranks: Int) -> [String] { ["--oversubscribe", "-np", "\(ranks)"] }

    /// `mpirun -np R langevin-mpi ARGS` to completion.
    static func run(ranks: Int, _ arguments: [String]) throws -> CLI.Result {
        let r = try runProcess(mpirun!, launcherArguments(ranks: ranks) + [executable!] + arguments,
                               directory: CLI.packageRoot, environment: environment)
        return CLI.Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Different arguments per rank (MPMD: `mpirun -np 1 langevin-mpi A : -np 1 langevin-mpi B`).
    static func run(perRank: [[String]]) throws -> CLI.Result {
        var arguments = ["--oversubscribe"]
        for (i, a) in perRank.enumerated() {
            if i > 0 { arguments.append(":") }
            arguments += ["-np", "1", executable!] + a
        }
        let r = try runProcess(mpirun!, arguments, directory: CLI.packageRoot, environment: environment)
        return CLI.Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Starts `mpirun -np R langevin-mpi ARGS` without waiting.
    static func start(ranks: Int, _ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun!)
        p.arguments = launcherArguments(ranks: ranks) + [executable!] + arguments
        p.currentDirectoryURL = CLI.packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// The process ids of the ranks numbered `rank` whose command line contains `marker`.
    static func pids(rank: Int, marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { e -> Int32? in
            guard let pid = Int32(e),
                  let cmd = FileManager.default.contents(atPath: "/proc/\(e)/cmdline"),
                  let env = FileManager.default.contents(atPath: "/proc/\(e)/environ") else { return nil }
            let args = String(decoding: cmd, as: UTF8.self).split(separator: "\0").map(String.init)
            let vars = String(decoding: env, as: UTF8.self).split(separator: "\0")
            guard args.first?.hasSuffix("langevin-mpi") == true, args.contains(where: { $0.contains(marker) }),
                  vars.contains(Substring("OMPI_COMM_WORLD_RANK=\(rank)")) else { return nil }
            return pid
        }
    }
}

/// report.json without its timing fields, re-serialised canonically.
func reportResults(_ dir: String) throws -> Data {
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/report.json"))
    var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    json["seconds"] = nil
    json["samples_per_second"] = nil
    return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
}

@Suite("langevin-mpi", .serialized, .tags(.endToEnd),
       .enabled(if: MPI.available, "skipped: no mpirun on PATH or no langevin-mpi built (install Open MPI: apt-get install libopenmpi-dev openmpi-bin; then make mpi)"))
struct MPITests {
    let sampleArguments = ["sample", "--potential", "double-well", "--chains", "5", "--steps", "20000",
                           "--burn-in", "100", "--thin", "10", "--seed", "7"]

    @Test("sample over 1, 2 and 4 ranks writes the file one process writes, byte for byte (MALA: acceptance too)")
    func sampleIsByteIdentical() throws {
        let dir = CLI.temporaryDirectory("mpi-sample")
        for integrator in ["baoab", "mala"] {
            let args = sampleArguments + ["--integrator", integrator]
            let one = try CLI.run(args + ["--output", dir + "/one-\(integrator).csv"])
            #expect(one.status == 0, "\(one.stderr)")
            let reference = try Data(contentsOf: URL(fileURLWithPath: dir + "/one-\(integrator).csv"))
            #expect(reference.count > 10_000)
            for ranks in [1, 2, 4] {
                let path = dir + "/r\(ranks)-\(integrator).csv"
                let r = try MPI.run(ranks: ranks, args + ["--output", path])
                #expect(r.status == 0, "\(ranks) ranks: \(r.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == reference, "\(ranks) ranks, \(integrator)")
            }
        }
        // CmdStan output: one file per chain, each identical.
        let one = try CLI.run(sampleArguments + ["--integrator", "mala", "--format", "cmdstan", "--output", dir + "/one.csv"])
        #expect(one.status == 0, "\(one.stderr)")
        let r = try MPI.run(ranks: 2, sampleArguments + ["--integrator", "mala", "--format", "cmdstan", "--output", dir + "/two.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        for c in 1...5 {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/one_\(c).csv"))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/two_\(c).csv"))
            #expect(a == b, "chain \(c)")
        }
    }

    @Test("check over 2 ranks reaches the verdict and JSON of one process")
    func checkIsIdentical() throws {
        let args = ["check", "--potential", "double-well", "--dt", "0.05", "--chains", "4", "--steps", "100000", "--seed", "3",
                    "--format", "json"]
        let one = try CLI.run(args)
        let two = try MPI.run(ranks: 2, args)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(two.status == one.status, "\(two.stderr)")
        #expect(!one.stdout.isEmpty)
        #expect(two.stdout == one.stdout)
    }

    @Test("train --chains 3 over 2 and 4 ranks: the report (timings aside), predictions and weight files of one process")
    func trainIsIdentical() throws {
        let dir = CLI.temporaryDirectory("mpi-train")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 20)
        let args = ["train", "--data", dir + "/digits.csv", "--model", "mlp:16", "--sampler", "sgld", "--epochs", "4",
                    "--batch-size", "20", "--warm-start-epochs", "1", "--burn-in-epochs", "2", "--thin", "2",
                    "--chains", "3", "--ood", "negated", "--save-weights", "--seed", "9"]
        let one = try CLI.run(args + ["--output", dir + "/one"])
        #expect(one.status == 0, "\(one.stderr)")
        for ranks in [2, 4] {
            let out = dir + "/r\(ranks)"
            let r = try MPI.run(ranks: ranks, args + ["--output", out])
            #expect(r.status == 0, "\(ranks) ranks: \(r.stderr)")
            #expect(try reportResults(out) == reportResults(dir + "/one"), "\(ranks) ranks")
            for file in ["confidence.json", "weights.f32", "weights-chain-2.f32", "weights-chain-3.f32"] {
                let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/one/" + file))
                let b = try Data(contentsOf: URL(fileURLWithPath: out + "/" + file))
                #expect(a == b, "\(ranks) ranks: \(file)")
            }
        }
    }

    @Test("A job stopped after its checkpoints resumes over 2 ranks to the results of one uninterrupted process")
    func trainResumes() throws {
        let dir = CLI.temporaryDirectory("mpi-resume")
        try writeSyntheticDigits(dir + "/digits.csv", perClass: 20)
        let args = ["train", "--data", dir + "/digits.csv", "--model", "cnn", "--sampler", "sgld", "--epochs", "10",
                    "--batch-size", "20", "--warm-start-epochs", "1", "--burn-in-epochs", "2", "--thin", "3",
                    "--chains", "2", "--ood", "none", "--seed", "11"]
        let whole = try CLI.run(args + ["--output", dir + "/whole"])
        #expect(whole.status == 0, "\(whole.stderr)")
        let out = dir + "/stopped"
        let p = try MPI.start(ranks: 2, args + ["--output", out, "--checkpoint-every", "7"])
        let deadline = Date().addingTimeInterval(120)
        let checkpoints = [out + "/checkpoint.bin", out + "/checkpoint-chain-2.bin"]
        while !checkpoints.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) && p.isRunning && Date() < deadline {
            usleep(2000)
        }
        // Rank 1 dies (as a node would); mpirun then ends rank 0.
        let stopped = p.isRunning
        let victims = MPI.pids(rank: 1, marker: out)
        for v in victims { kill(v, SIGKILL) }
        if victims.isEmpty { p.terminate() }
        p.waitUntilExit()
        #expect(checkpoints.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "no checkpoints before the job ended")
        if stopped && !victims.isEmpty {
            #expect(p.terminationStatus != 0)
            #expect(!FileManager.default.fileExists(atPath: out + "/report.json"), "a stopped job left a report")
        }
        let resumed = try MPI.run(ranks: 2, args + ["--output", out, "--checkpoint-every", "7", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed from"), "\(resumed.stderr)")
        #expect(try reportResults(out) == reportResults(dir + "/whole"))
    }

    @Test("Bad input ends every rank with the root's one message and status; a divergence exits 3 as in one process")
    func badInputAndDivergence() throws {
        let dir = CLI.temporaryDirectory("mpi-bad")
        let unknown = try MPI.run(ranks: 2, ["sample", "--potential", "nope", "--output", dir + "/x.csv"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.components(separatedBy: "unknown potential 'nope'").count == 2, "\(unknown.stderr)")
        let unwritable = try MPI.run(ranks: 2, ["sample", "--potential", "double-well", "--output", dir + "/none/x.csv"])
        #expect(unwritable.status == 2, "\(unwritable.stderr)")
        let divergent = ["sample", "--potential", "double-well", "--dt", "5", "--chains", "4", "--steps", "1000"]
        let one = try CLI.run(divergent + ["--output", dir + "/d1.csv"])
        let two = try MPI.run(ranks: 2, divergent + ["--output", dir + "/d2.csv"])
        #expect(one.status == 3)
        #expect(two.status == 3, "\(two.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/d1.csv")) == Data(contentsOf: URL(fileURLWithPath: dir + "/d2.csv")))
    }

    @Test("A worker's own failure ends the job with the root's message naming the rank; nothing is written")
    func workerFailure() throws {
        let dir = CLI.temporaryDirectory("mpi-worker")
        let base = ["sample", "--potential", "double-well", "--chains", "4", "--steps", "1000", "--output", dir + "/w.csv"]
        // MPMD: rank 1 starts its chains where the energy overflows.
        let r = try MPI.run(perRank: [base, base + ["--init", "x=1e300"]])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("rank 1:"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/w.csv"))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test("A rank killed mid-run ends the job with a non-zero status; no output and no temporary file is left")
    func killedRank() throws {
        let dir = CLI.temporaryDirectory("mpi-killed")
        let path = dir + "/killed.csv"
        let p = try MPI.start(ranks: 2, ["sample", "--potential", "double-well", "--chains", "4", "--steps", "100000000",
                                         "--output", path])
        let deadline = Date().addingTimeInterval(60)
        var victims: [Int32] = []
        while victims.isEmpty && p.isRunning && Date() < deadline {
            usleep(20_000)
            victims = MPI.pids(rank: 1, marker: path)
        }
        #expect(!victims.isEmpty, "rank 1 not found")
        if victims.isEmpty { p.terminate() }
        usleep(300_000)
        for v in victims { kill(v, SIGKILL) }
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(!FileManager.default.fileExists(atPath: path))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasSuffix(".lock") }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
