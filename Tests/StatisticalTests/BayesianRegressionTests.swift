// SPDX-License-Identifier: GPL-3.0-or-later
// SGLD on Bayesian linear regression, whose posterior is Gaussian in closed form.
//
// Model: yᵢ = w·xᵢ + ε, ε ∼ N(0, 1), prior w ∼ N(0, I/λ). Energy U(w) = Σᵢ (yᵢ − w·xᵢ)²/2 + λ|w|²/2, posterior
// precision A = XᵀX + λI, mean μ = A⁻¹Xᵀy. Euler–Maruyama on this Gaussian target keeps the mean exactly and has
// stationary covariance (A(I − hA/2))⁻¹ (the discretisation bias, accounted for). The minibatch estimator
// (N/B)·Σ_batch is unbiased; its extra noise adds a relative variance of about h·N²/(2B)·Var(rᵢxᵢ), which at
// h = 2·10⁻⁵ is below 1 % and below one standard error here. So B = N, N/4 and N/8 must all give the same law:
// halving the batch leaves the stationary distribution unchanged when the N/B factor is right (and only then).
// Tolerance 4.5 SE, SE from the ESS; seed fixed before the test was written.
import LangevinTestSupport
import Testing
import Diagnostics
import GSLSupport
import LangevinCore

/// A minibatch energy for the regression, with the same (N/B)·Σ_batch convention as the network energies.
struct RegressionMinibatch: GradientEstimator {
    typealias Scalar = Double
    let xs: [[Double]], ys: [Double], lambda: Double, batch: Int
    var order: [Int]
    var cursor = 0
    var shuffler = SplitMix64(seed: 77)
    var dimension: Int { 2 }
    var isExact: Bool { batch == ys.count }

    init(xs: [[Double]], ys: [Double], lambda: Double, batch: Int) {
        self.xs = xs
        self.ys = ys
        self.lambda = lambda
        self.batch = batch
        order = Array(0..<ys.count)
    }

    mutating func energyAndGradient(at w: UnsafeBufferPointer<Double>, gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        if cursor + batch > ys.count {
            cursor = 0
            for i in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(i, Int(shuffler.next() % UInt64(i + 1)))
            }
        }
        let scale = Double(ys.count) / Double(batch)
        var u = 0.5 * lambda * (w[0] * w[0] + w[1] * w[1])
        g[0] = lambda * w[0]
        g[1] = lambda * w[1]
        for j in cursor..<(cursor + batch) {
            let i = order[j]
            let r = ys[i] - (w[0] * xs[i][0] + w[1] * xs[i][1])
            u += scale * 0.5 * r * r
            g[0] -= scale * r * xs[i][0]
            g[1] -= scale * r * xs[i][1]
        }
        cursor += batch
        return u
    }
}

@Suite("SGLD on Bayesian linear regression (closed-form Gaussian posterior)", .tags(.statistical))
struct BayesianRegressionTests {
    static let n = 200
    /// Fixed synthetic data: x ∼ N(0, diag(1, 0.25)) with a correlation, y = 1.5 x₁ − 0.7 x₂ + ε.
    static let data: ([[Double]], [Double]) = {
        let r = GSLRandom(seed: 31)
        var xs: [[Double]] = [], ys: [Double] = []
        for _ in 0..<n {
            let a = r.nextGaussian(), b = 0.5 * (0.6 * a + 0.8 * r.nextGaussian())
            xs.append([a, b])
            ys.append(1.5 * a - 0.7 * b + r.nextGaussian())
        }
        return (xs, ys)
    }()

    @Test("Mean and covariance match the exact posterior (EM bias included) for B = N, N/4, N/8",
          arguments: [200, 50, 25])
    func posterior(batch: Int) throws {
        let (xs, ys) = Self.data
        let lambda = 1.0, h = 2e-5
        // A = XᵀX + λI, b = Xᵀy.
        var a00 = lambda, a01 = 0.0, a11 = lambda, b0 = 0.0, b1 = 0.0
        for i in 0..<Self.n {
            a00 += xs[i][0] * xs[i][0]; a01 += xs[i][0] * xs[i][1]; a11 += xs[i][1] * xs[i][1]
            b0 += xs[i][0] * ys[i]; b1 += xs[i][1] * ys[i]
        }
        let det = a00 * a11 - a01 * a01
        let mu = [(a11 * b0 - a01 * b1) / det, (a00 * b1 - a01 * b0) / det]
        // Stationary covariance of EM: (A − hA²/2)⁻¹.
        let m00 = a00 - h / 2 * (a00 * a00 + a01 * a01)
        let m01 = a01 - h / 2 * (a00 * a01 + a01 * a11)
        let m11 = a11 - h / 2 * (a01 * a01 + a11 * a11)
        let dm = m00 * m11 - m01 * m01
        let cov = [[m11 / dm, -m01 / dm], [-m01 / dm, m00 / dm]]

        var field = RegressionMinibatch(xs: xs, ys: ys, lambda: lambda, batch: batch)
        var state = try LangevinState(position: mu, field: &field)
        var random = GSLRandom(algorithm: .taus2, seed: 2026)
        var integrator = AnyIntegrator.eulerMaruyama(try EulerMaruyama(LangevinParameters(timeStep: h)))
        var w0: [Double] = [], w1: [Double] = [], c00: [Double] = [], c11: [Double] = [], c01: [Double] = []
        _ = try runChain(integrator: &integrator, field: &field, state: &state, random: &random,
                         schedule: ChainSchedule(steps: 3_000_000, burnIn: 5_000, thin: 10)) { _, s in
            let (p, q) = s.withPosition { ($0[0], $0[1]) }
            w0.append(p); w1.append(q)
            c00.append((p - mu[0]) * (p - mu[0])); c11.append((q - mu[1]) * (q - mu[1]))
            c01.append((p - mu[0]) * (q - mu[1]))
        }
        let checks: [(String, [Double], Double)] = [
            ("mean w0", w0, mu[0]), ("mean w1", w1, mu[1]),
            ("var w0", c00, cov[0][0]), ("var w1", c11, cov[1][1]), ("cov w0 w1", c01, cov[0][1]),
        ]
        for (name, series, exact) in checks {
            let e = try MeanEstimate(series)
            #expect(abs(e.zScore(exact)) < 4.5, "B = \(batch): \(name) = \(e), exact \(exact)")
        }
    }
}
