// SPDX-License-Identifier: GPL-3.0-or-later
import Potentials
import Testing

@Suite("Rosenbrock's Boltzmann law")
struct RosenbrockLawTests {
    /// x ∼ N(a, v), y | x ∼ N(x², v/b) implies ⟨x⟩ = a, Var x = v, ⟨y⟩ = a² + v, Var y = v/b + 2v² + 4a²v: the law and
    /// the closed-form moments must say the same (exact arithmetic up to rounding, 1e-12 relative).
    @Test("The law agrees with the exact moments", arguments: [(1.0, 100.0, 20.0, 1.0), (-0.5, 3.0, 1.0, 2.5)])
    func lawMatchesMoments(a: Double, b: Double, scale: Double, t: Double) throws {
        let r = try Rosenbrock(a: a, b: b, scale: scale)
        let law = try #require(r.boltzmannLaw(temperature: t))
        let m = try #require(r.exactMoments(temperature: t))
        let v = law.xVariance, s2 = law.yConditionalVariance
        let expected = [law.xMean, v, law.xMean * law.xMean + v, s2 + 2 * v * v + 4 * law.xMean * law.xMean * v]
        let actual = [m.means![0], m.variances![0], m.means![1], m.variances![1]]
        for (e, x) in zip(expected, actual) { #expect(abs(e - x) <= 1e-12 * max(1, abs(x))) }
        #expect(r.boltzmannLaw(temperature: 0) == nil)
    }
}
