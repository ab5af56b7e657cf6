// SPDX-License-Identifier: GPL-3.0-or-later
// `langevin-bench`: workload W1 of the peer benchmarks (2-D double well, Euler–Maruyama, T = 1, dt = 0.01,
// start (1, 0)) through the built-in potential and through the expression path, beside the C-over-GSL loop run
// in the same process, interleaved, so that the ratios compare like with like on a noisy machine.
import ArgumentParser
import Dispatch
import Foundation
import Expressions
import GSLSupport
import LangevinCore
import LinearAlgebra
import NeuralEnergy
import Potentials
import W1Reference

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "langevin-bench",
        abstract: "W1a/W1b speed against the C-over-GSL reference loop, measured side by side.")

    @Option(help: "Steps per W1a measurement.") var steps: Int = 10_000_000
    @Option(help: "Interleaved repetitions (the median is reported; at most 3 for the network workloads).") var reps: Int = 5
    @Option(help: "Generators to measure (comma-separated).") var rngs: String = "mt19937,taus2"
    @Option(help: "Chains for W1b (10^4 steps each).") var chains: Int = 1000
    @Flag(help: "Print one JSON line per result instead of a table (workloads w1 and philox-paths).") var json = false
    @Option(help: "Workloads: w1, networks, chains (K network chains side by side against K runs back to back), w2-breakdown, breakdown, philox-paths (the noise fill through each vector path), or all.") var workloads: String = "w1"
    @Option(help: "Folder with mnist_5k.csv.gz (make data).") var dataRoot: String = "data"
    @Option(help: "A Python with PyTorch: also run the peer scripts in the same run.") var python: String?
    @Option(help: "Folder of the peer scripts (mlp_sgld_torch.py, cnn_sgld_torch.py).") var peers: String = "../shared/bench/peers"
    @Option(help: "Network workloads to run (comma-separated ids: W2, W3, W4).") var networkWorkloads: String = "W2,W3,W4"
    @Option(help: "Noise generators for the network workloads (comma-separated: philox, taus2).") var networkRngs: String = "philox,taus2"

    /// OpenBLAS on the best verified kernel for this CPU first (possibly by re-executing; see `BLASKernel`).
    static func main() {
        BLASKernel.useBestAvailable()
        main(nil)
    }

    static let workloadNames = ["w1", "networks", "chains", "w2-breakdown", "breakdown", "philox-paths", "all"]

    func validate() throws {
        guard Self.workloadNames.contains(workloads) else {
            throw ValidationError("--workloads: one of \(Self.workloadNames.joined(separator: ", ")), got '\(workloads)'")
        }
        guard !json || ["w1", "philox-paths"].contains(workloads) else {
            throw ValidationError("--json: only the workloads w1 and philox-paths print JSON, got '\(workloads)'")
        }
    }

    func run() throws {
        if json {
            let header = ["blas": BLASKernel.summary, "cpu": "\(CPUVectorSupport.current)"]
            let data = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("BLAS: \(BLASKernel.summary); CPU: \(CPUVectorSupport.current)")
        }
        if workloads == "networks" || workloads == "all" { try networks() }
        if workloads == "w1" || workloads == "all" { try w1() }
        if workloads == "networks" || workloads == "all" || workloads == "w2-breakdown" { try printW2Breakdown() }
        if workloads == "networks" || workloads == "all" || workloads == "chains" { try printChains() }
        if workloads == "networks" || workloads == "all" || workloads == "philox-paths" { printPhiloxPaths() }
        if workloads == "breakdown" {
            for (name, v) in try w1Breakdown(steps: steps) { print(name.padding(58) + format1(v / 1e6) + " M steps/s") }
            var m = 0.0
            print("C loop".padding(58) + format1("mt19937".withCString { w1_reference_steps_per_second($0, steps, &m) } / 1e6) + " M steps/s")
        }
    }

    func networks() throws {
        let peak = sgemmPeak()
        print("SGEMM 2048² peak (OpenBLAS, 2 threads): \(format1(peak)) GFLOP/s")
        let mnist = dataRoot + "/mnist_5k.csv.gz"
        let cases: [(String, String, ModelSpec, Int, Double, Double, String, [String])] = [
            ("W2 SGLD MLP 784-400-400-10, MNIST-5k, 10 epochs", "mnist-5k", .mlp(hidden: [400, 400]), 10, 1e-5, 2.87e6,
             "mlp_sgld_torch.py", [mnist, "--epochs", "10"]),
            ("W3 SGLD MLP, Fashion-MNIST 60k, 2 epochs", "fashion-mnist", .mlp(hidden: [400, 400]), 2, 1e-6, 2.87e6,
             "mlp_sgld_torch.py", ["/usr/share/datasets/fashion-mnist", "--epochs", "2", "--eta", "1e-6"]),
            ("W4 SGLD talk CNN, MNIST-5k, 1 epoch", "mnist-5k", .cnn, 1, 1e-5, 132.8e6,
             "cnn_sgld_torch.py", [mnist, "--epochs", "1"]),
        ]
        let noises: [NoiseKind] = try networkRngs.split(separator: ",").map {
            switch $0.lowercased() {
            case "philox", "philox4x32-10": return .philox
            case "taus2": return .gsl
            default: throw ValidationError("--network-rngs: philox or taus2, got '\($0)'")
            }
        }
        print("workload".padding(52) + "noise".padding(15) + "samples/s".padding(12) + "% SGEMM peak".padding(14)
              + "PyTorch (same run)".padding(20) + "ratio")
        let networkReps = max(1, min(reps, 3))
        let chosen = Set(networkWorkloads.uppercased().split(separator: ",").map(String.init))
        for (name, data, model, epochs, eta, flops, script, args) in cases
        where chosen.contains(String(name.prefix(2))) {
            // Interleaved repetitions, medians: ours (each generator), peer, ours, peer, …
            var oursRuns = [[Double]](repeating: [], count: noises.count), peerRuns: [Double] = []
            for _ in 0..<networkReps {
                for (i, noise) in noises.enumerated() {
                    oursRuns[i].append(try sgldSamplesPerSecond(data: data, dataRoot: dataRoot, model: model,
                                                                epochs: epochs, eta: eta, noise: noise))
                }
                if let python, let p = peerSamplesPerSecond(python: python, script: peers + "/" + script,
                                                            arguments: args) {
                    peerRuns.append(p)
                }
            }
            let peer: Double? = peerRuns.isEmpty ? nil : median(peerRuns)
            for (i, noise) in noises.enumerated() {
                let ours = median(oursRuns[i])
                let fraction = ours * flops / 1e9 / peak * 100
                print(name.padding(52) + noise.name(gsl: .taus2).padding(15) + "\(Int(ours))".padding(12)
                      + "\(format1(fraction)) %".padding(14)
                      + (peer.map { "\(Int($0))" } ?? "-").padding(20) + (peer.map { format2(ours / $0) } ?? ""))
            }
            if !peerRuns.isEmpty {
                print("  (runs: ours \(oursRuns.map { $0.map { Int($0) } }), PyTorch \(peerRuns.map { Int($0) }))")
            }
        }
    }

    /// K = 2 and K = 2·processors W2 chains: side by side against back to back (medians of the repetitions).
    func printChains() throws {
        print("Many chains (W2 MLP, MNIST-5k, 10 epochs, whole runs): K chains side by side vs the same K back to back")
        print("K".padding(6) + "side by side (s)".padding(18) + "back to back (s)".padding(18) + "back to back / side by side")
        let processors = ThreadBudget.processors
        for k in Array(Set([2, 2 * processors])).sorted() {
            var together: [Double] = [], apart: [Double] = []
            for _ in 0..<max(1, min(reps, 3)) {
                let (t, a) = try chainsWallSeconds(dataRoot: dataRoot, chains: k)
                together.append(t)
                apart.append(a)
            }
            let t = median(together), a = median(apart)
            print("\(k)".padding(6) + format2(t).padding(18) + format2(a).padding(18) + format2(a / t))
        }
    }

    func printPhiloxPaths() {
        let times = philoxPathTimes()
        if json {
            for r in times {
                print("{\"workload\":\"philox-paths\",\"path\":\"\(r.path)\",\"ns_per_normal\":\(r.nanoseconds),\"same_bits\":\(r.same)}")
            }
            return
        }
        print("Philox fill of 478 464 normals (W2's 478 410 in whole blocks), one thread, each path this CPU runs:")
        for r in times {
            print(r.path.description.padding(12) + String((r.nanoseconds * 1000).rounded() / 1000).padding(8)
                  + "ns per normal" + (r.same ? "" : "  (BITS DIFFER FROM THE PORTABLE PATH)"))
        }
    }

    func printW2Breakdown() throws {
        print("W2 step breakdown (MLP 784-400-400-10, B = 100), ms per step:")
        print("noise generator".padding(24) + "step".padding(8) + "forward".padding(9) + "backward".padding(10)
              + "noise".padding(8) + "update".padding(8) + "other".padding(8) + "noise share")
        for b in try w2Breakdown(dataRoot: dataRoot) {
            func f(_ v: Double) -> String { String((v * 1000).rounded() / 1000) }
            print(b.generator.padding(24) + f(b.step).padding(8) + f(b.forward).padding(9) + f(b.backward).padding(10)
                  + f(b.noise).padding(8) + f(b.update).padding(8) + f(b.other).padding(8)
                  + "\(format1(b.noise / b.step * 100)) %")
        }
    }

    func w1() throws {
        var rows: [(String, String, Double, Double)] = []  // (workload, generator, steps/s, ratio to C)
        for name in rngs.split(separator: ",").map(String.init) {
            let algorithm = try GSLAlgorithm(name: name)
            var c: [Double] = [], builtin: [Double] = [], expression: [Double] = [], keepAll: [Double] = []
            for _ in 0..<reps {
                var m = 0.0
                c.append(name.withCString { w1_reference_steps_per_second($0, steps, &m) })
                builtin.append(try w1a(energy: BuiltinPotential.make(name: "double-well"), algorithm, thin: 1000))
                expression.append(try w1a(energy: ExpressionEnergy("(x^2-1)^2 + y^2/2"), algorithm, thin: 1000))
                keepAll.append(try w1a(energy: BuiltinPotential.make(name: "double-well"), algorithm, thin: 1))
            }
            let cm = median(c)
            rows.append(("W1a C loop over GSL (reference)", name, cm, 1))
            rows.append(("W1a built-in potential, thin 1000", name, median(builtin), median(builtin) / cm))
            rows.append(("W1a expression '(x^2-1)^2 + y^2/2', thin 1000", name, median(expression), median(expression) / cm))
            rows.append(("W1a built-in, every step kept in memory", name, median(keepAll), median(keepAll) / cm))
        }
        let w1b = try w1bChainSteps()
        rows.append(("W1b \(chains) chains × 10^4 steps, all cores (chain-steps/s)", "mt19937", w1b, .nan))
        if json {
            for (w, g, v, r) in rows {
                print("{\"workload\":\"\(w)\",\"rng\":\"\(g)\",\"steps_per_second\":\(v),\"ratio_to_c\":\(r.isNaN ? "null" : "\(r)")}")
            }
        } else {
            print("workload".padding(58) + "rng".padding(10) + "M steps/s".padding(12) + "× C loop")
            for (w, g, v, r) in rows {
                print(w.padding(58) + g.padding(10) + String(format1(v / 1e6)).padding(12) + (r.isNaN ? "" : format2(r)))
            }
            print("(medians of \(reps) interleaved repetitions of \(steps) steps; ratios are same-run)")
        }
    }

    /// Steps per second of one W1a chain through the library's chain driver.
    func w1a<E: Energy>(energy: E, _ algorithm: GSLAlgorithm, thin: Int) throws -> Double where E.Scalar == Double {
        var field = energy
        let random = GSLRandom(algorithm: algorithm, seed: 42)
        var rng = random
        var state = try LangevinState(position: [1.0, 0.0], field: &field)
        var integrator = AnyIntegrator.eulerMaruyama(try EulerMaruyama(LangevinParameters(timeStep: 0.01)))
        var kept = ChainSamples(chain: 0, dimension: 2, hasMomentum: false)
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try runChain(integrator: &integrator, field: &field, state: &state, random: &rng,
                         schedule: ChainSchedule(steps: steps, thin: thin)) { t, s in kept.append(step: t, state: s) }
        let t1 = DispatchTime.now().uptimeNanoseconds
        precondition(kept.count == steps / thin)
        return Double(steps) / (Double(t1 - t0) * 1e-9)
    }

    /// W1b: many independent chains in parallel; chain-steps per second.
    func w1bChainSteps() throws -> Double {
        let integrator = AnyIntegrator.eulerMaruyama(try EulerMaruyama(LangevinParameters(timeStep: 0.01)))
        let potential = try BuiltinPotential.make(name: "double-well")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let out = try sampleChains(chains: chains, integrator: integrator, initialPosition: [1.0, 0.0],
                                   schedule: ChainSchedule(steps: 10_000, thin: 10_000),
                                   makeField: { _ in potential },
                                   makeRandom: { c in GSLRandom(algorithm: .mt19937, seed: 42, stream: c) })
        let t1 = DispatchTime.now().uptimeNanoseconds
        precondition(out.count == chains)
        return Double(chains * 10_000) / (Double(t1 - t0) * 1e-9)
    }
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
func format1(_ v: Double) -> String { String((v * 10).rounded() / 10) }
func format2(_ v: Double) -> String { String((v * 100).rounded() / 100) }
extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
