// SPDX-License-Identifier: GPL-3.0-or-later
// The LinearAlgebra wrappers the networks are built on (LinearAlgebra has no test target of its own), against naive
// loops on small integer-valued matrices, where single-precision results are exact.

import Dispatch
import LangevinCore
import LinearAlgebra
import Synchronization
import Testing
@testable import NeuralNetworks

@Suite struct NetworkBLASTests {
    /// Element (i, j) of op(M) for a row-major matrix M with leading dimension ld.
    func at(_ m: [Float], _ ld: Int, _ trans: Transpose, _ i: Int, _ j: Int) -> Float {
        trans == .none ? m[i * ld + j] : m[j * ld + i]
    }

    @Test(arguments: [(Transpose.none, Transpose.none), (.none, .transpose), (.transpose, .none),
                      (.transpose, .transpose)])
    func sgemmMatchesNaiveProduct(transA: Transpose, transB: Transpose) {
        let m = 3, n = 4, k = 5
        // Padded leading dimensions (+2) to check they are honoured.
        let lda = (transA == .none ? k : m) + 2, ldb = (transB == .none ? n : k) + 2, ldc = n + 1
        let a = (0..<((transA == .none ? m : k) * lda)).map { Float(($0 * 7) % 11) - 5 }
        let b = (0..<((transB == .none ? k : n) * ldb)).map { Float(($0 * 5) % 9) - 4 }
        var c = (0..<(m * ldc)).map { Float($0 % 3) }
        let c0 = c
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    sgemm(transA, transB, m: m, n: n, k: k, alpha: 2, a: ap.baseAddress!, lda: lda,
                          b: bp.baseAddress!, ldb: ldb, beta: 0.5, c: cp.baseAddress!, ldc: ldc)
                }
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += at(a, lda, transA, i, p) * at(b, ldb, transB, p, j) }
                #expect(c[i * ldc + j] == 2 * s + 0.5 * c0[i * ldc + j])
            }
            #expect(c[i * ldc + n] == c0[i * ldc + n])   // padding untouched
        }
    }

    @Test func level1And2Wrappers() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]   // 2 × 3
        let x: [Float] = [1, -1, 2]
        var y: [Float] = [10, 20]
        a.withUnsafeBufferPointer { ap in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    sgemv(.none, m: 2, n: 3, alpha: 1, a: ap.baseAddress!, lda: 3, x: xp.baseAddress!, beta: 1,
                          y: yp.baseAddress!)
                }
            }
        }
        #expect(y == [15, 31])
        var z: [Float] = [0, 0, 0]
        a.withUnsafeBufferPointer { ap in
            y.withUnsafeBufferPointer { yp in
                z.withUnsafeMutableBufferPointer { zp in
                    sgemv(.transpose, m: 2, n: 3, alpha: 1, a: ap.baseAddress!, lda: 3, x: yp.baseAddress!, beta: 0,
                          y: zp.baseAddress!)
                }
            }
        }
        #expect(z == [139, 185, 231] as [Float])   // Aᵀy = (1·15 + 4·31, 2·15 + 5·31, 3·15 + 6·31)
        var v: [Float] = [1, 2, 3, 4]
        let u: [Float] = [1, 1, 1, 1]
        u.withUnsafeBufferPointer { up in
            v.withUnsafeMutableBufferPointer { vp in
                saxpy(count: 4, alpha: 3, x: up.baseAddress!, y: vp.baseAddress!)
                sscal(count: 2, alpha: -1, x: vp.baseAddress!, incX: 2)
            }
        }
        #expect(v == [-4, 5, -6, 7])
        let d = v.withUnsafeBufferPointer { vp in
            u.withUnsafeBufferPointer { sdot(count: 4, x: vp.baseAddress!, y: $0.baseAddress!) }
        }
        #expect(d == 2)
    }
}

/// An identity layer that counts the calls during which OpenBLAS was not on one thread (and can evaluate a small
/// network of its own inside the outer network's evaluation).
private final class BLASThreadWitness: Layer {
    static let calls = Atomic<Int>(0)
    static let multiThreadedCalls = Atomic<Int>(0)
    let inputShape: TensorShape
    var outputShape: TensorShape { inputShape }
    var parameterCount: Int { 0 }
    var canRunInPlace: Bool { false }
    var parameterRoles: [(role: String, range: Range<Int>)] { [] }
    let nested: SequentialNetwork?

    init(shape: TensorShape, nested: Bool) {
        inputShape = shape
        self.nested = nested ? SequentialNetwork(input: .vector(4), layers: [.dense(outputs: 2)], maxBatchSize: 1) : nil
    }

    func initialize<R: RandomSource>(_ w: UnsafeMutableBufferPointer<Float>, random: inout R) {}

    func witness() {
        Self.calls.add(1, ordering: .relaxed)
        if NetworkThreads.current != 1 { Self.multiThreadedCalls.add(1, ordering: .relaxed) }
    }

    func forward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        witness()
        if let nested {
            _ = nested.logits(parameters: [Float](repeating: 0.1, count: nested.parameterCount),
                              inputs: [0.5, 0.5, 0.5, 0.5])
            witness()
        }
        output.update(from: input, count: count * inputShape.size)
    }

    func backward(_ w: UnsafePointer<Float>, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                  outputGradient dy: UnsafeMutablePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?,
                  parameterGradient g: UnsafeMutablePointer<Float>, count: Int) {
        witness()
        dx?.update(from: dy, count: count * inputShape.size)
    }
}

/// Networks evaluate with OpenBLAS on one thread, whatever the count outside: evaluations side by side on 4 threads,
/// with 1 and 2 workers, one network evaluated inside another's layer, and a count set while evaluations are open.
@Suite(.serialized) struct NetworkBLASScopeTests {
    func network(nested: Bool, threads: Int) -> SequentialNetwork {
        let witness = LayerSpec.custom(CustomLayer(name: "witness\(nested)") { shape, _ in
            BLASThreadWitness(shape: shape, nested: nested)
        })
        return SequentialNetwork(input: .vector(20), layers: [.dense(outputs: 30), witness, .relu, .dense(outputs: 4)],
                                 maxBatchSize: 8, threads: threads)
    }

    @Test("OpenBLAS is on one thread in every layer call, also when a count is set while networks evaluate")
    func everyEvaluationIsSingleThreaded() {
        let before = NetworkThreads.current
        defer { NetworkThreads.set(before) }
        BLASThreadWitness.calls.store(0, ordering: .relaxed)
        BLASThreadWitness.multiThreadedCalls.store(0, ordering: .relaxed)
        NetworkThreads.set(2)
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            let net = network(nested: t % 2 == 1, threads: 1 + t % 2)
            let w = net.initialParameters(seed: 1)
            let x = uniformFloats(8 * 20, -1, 1, seed: 2), y = uniformLabels(8, classes: 4, seed: 3)
            for i in 0..<200 {
                if t == 0 && i % 50 == 0 { NetworkThreads.set(2) }   // while the other threads' networks evaluate
                _ = net.lossAndGradient(parameters: w, inputs: x, labels: y)
            }
        }
        let net = network(nested: false, threads: 1)
        let w = net.initialParameters(seed: 1)
        let x = uniformFloats(8 * 20, -1, 1, seed: 2), y = uniformLabels(8, classes: 4, seed: 3)
        NetworkThreads.withSingleThreadedBLAS { () -> Void in
            NetworkThreads.set(2)   // inside an open scope: takes effect when the scope closes
            _ = net.lossAndGradient(parameters: w, inputs: x, labels: y)
        }
        #expect(BLASThreadWitness.calls.load(ordering: .relaxed) >= 4 * 200 * 2)
        #expect(BLASThreadWitness.multiThreadedCalls.load(ordering: .relaxed) == 0)
    }
}
