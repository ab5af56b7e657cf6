// SPDX-License-Identifier: GPL-3.0-or-later
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LangevinCore

@Suite("Integrator updates, by hand")
struct IntegratorUpdateTests {
    @Test("Euler–Maruyama takes x − (h/γ)∇U + √(2hT/γ)ξ")
    func eulerMaruyamaUpdate() throws {
        var field = Quadratic(k: 2, dimension: 2)
        var state = try LangevinState(position: [1.0, -0.5], field: &field)
        var random = ScriptedRandom(gaussians: [0.3, -1.1])
        let p = LangevinParameters(timeStep: 0.1, temperature: 0.5, friction: 2)
        var em = try EulerMaruyama(p)
        _ = try em.step(&state, field: &field, random: &random)
        let tau = 0.1 / 2, sigma = (2 * tau * 0.5).squareRoot()
        let expected = [1.0 - tau * 2 * 1.0 + sigma * 0.3, -0.5 - tau * 2 * -0.5 + sigma * -1.1]
        #expect(abs(state.position[0] - expected[0]) < 1e-15)
        #expect(abs(state.position[1] - expected[1]) < 1e-15)
        #expect(abs(state.gradient[0] - 2 * expected[0]) < 1e-15)
        #expect(abs(state.energy - (expected[0] * expected[0] + expected[1] * expected[1])) < 1e-15)
        #expect(state.stepCount == 1)
    }

    @Test("T = 0 Euler–Maruyama is gradient descent: x_n = (1 − hk)ⁿ x_0, no random numbers drawn")
    func gradientFlow() throws {
        var field = Quadratic(k: 3, dimension: 1)
        var state = try LangevinState(position: [2.0], field: &field)
        var random = ScriptedRandom(gaussians: [.nan])  // any draw would poison the state
        var em = try EulerMaruyama(LangevinParameters(timeStep: 0.05, temperature: 0))
        for _ in 0..<20 { _ = try em.step(&state, field: &field, random: &random) }
        #expect(abs(state.position[0] - 2 * pow(1 - 0.15, 20)) < 1e-14)
        #expect(random.gi == 0)
    }

    @Test("BAOAB with γ = 0 is velocity Verlet: exact discrete harmonic trajectory and shadow energy")
    func verlet() throws {
        var field = Quadratic(k: 1, dimension: 1)
        var state = try LangevinState(position: [1.0], momentum: [0.0], field: &field)
        var random = ScriptedRandom(gaussians: [.nan])
        let h = 0.1
        var integ = try SplittingIntegrator(LangevinParameters(timeStep: h, temperature: 1, friction: 0),
                                            scheme: SplittingScheme("BAOAB"))
        // Verlet on a harmonic well conserves H̃ = p²/2 + x²/2 (1 − h²/4) exactly.
        let shadow = { (x: Double, p: Double) in p * p / 2 + x * x / 2 * (1 - h * h / 4) }
        let h0 = shadow(1, 0)
        for _ in 0..<1000 { _ = try integ.step(&state, field: &field, random: &random) }
        #expect(abs(shadow(state.position[0], state.momentum[0]) - h0) < 1e-12)
        #expect(random.gi == 0)
    }

    @Test("O step: p ← e^{−γh} p + √((1 − e^{−2γh}) m T) ξ, exactly, with mass")
    func ornsteinUhlenbeck() throws {
        var field = Quadratic(k: 1, dimension: 1)
        var state = try LangevinState(position: [0.0], momentum: [2.0], field: &field)
        var random = ScriptedRandom(gaussians: [0.7])
        let p = LangevinParameters(timeStep: 0.2, temperature: 1.5, friction: 3, mass: 2)
        // "BAOAB" at x = 0: kicks vanish (∇U(0) = 0 only at x = 0, so use a scheme where x stays 0: O only is
        // not allowed) — instead check "OBAB" on the first O directly through the momentum after one step.
        var integ = try SplittingIntegrator(p, scheme: SplittingScheme("OBAB"))
        _ = try integ.step(&state, field: &field, random: &random)
        let c = exp(-3 * 0.2)
        let pAfterO = c * 2 + ((1 - c * c) * 2 * 1.5).squareRoot() * 0.7
        // Then B(h/2) at x = 0 (no force), A(h): x = h p / m, B(h/2): p −= (h/2) k x.
        let x1 = 0.2 * pAfterO / 2
        let p1 = pAfterO - 0.1 * x1
        #expect(abs(state.position[0] - x1) < 1e-14)
        #expect(abs(state.momentum[0] - p1) < 1e-14)
    }

    @Test("Splitting strings: fractions per letter, names, errors")
    func splittingParsing() throws {
        let s = try SplittingScheme("baoab")
        #expect(s.description == "BAOAB")
        #expect(s.fraction(of: .kick) == 0.5)
        #expect(s.fraction(of: .ornsteinUhlenbeck) == 1)
        #expect(try SplittingScheme("OBABO").fraction(of: .drift) == 1)
        #expect(throws: LangevinError.self) { try SplittingScheme("BAXAB") }
        #expect(throws: LangevinError.self) { try SplittingScheme("OOO") }
        #expect(throws: LangevinError.self) { try AnyIntegrator(name: "leapfrog-ish", parameters: .init(timeStep: 0.1)) }
        #expect(try AnyIntegrator(name: "ABOBA", parameters: .init(timeStep: 0.1)).name == "ABOBA")
        #expect(try AnyIntegrator(name: "euler-maruyama", parameters: .init(timeStep: 0.1)).usesMomentum == false)
    }

    @Test("MALA accepts by the Metropolis–Hastings ratio and reports it")
    func malaRatio() throws {
        var field = Quadratic(k: 1, dimension: 1)
        var state = try LangevinState(position: [1.0], field: &field)
        var random = ScriptedRandom(gaussians: [0.4], uniforms: [0.999999])
        let h = 0.3, t = 1.0
        var mala = try MALA(LangevinParameters(timeStep: h, temperature: t))
        let info = try mala.step(&state, field: &field, random: &random)
        let x = 1.0, y = x - h * x + (2 * h * t).squareRoot() * 0.4
        let logq = { (b: Double, a: Double) in -pow(b - a + h * a, 2) / (4 * h * t) }
        let logAlpha = -(y * y / 2 - x * x / 2) / t + logq(x, y) - logq(y, x)
        #expect(abs(info.acceptanceProbability - min(1, exp(logAlpha))) < 1e-14)
        #expect(info.accepted == (0.999999 < min(1, exp(logAlpha))))
    }
}

@Suite("Parameters and bad input")
struct ParameterTests {
    @Test("Invalid parameters are rejected with a message naming them", arguments: [
        LangevinParameters(timeStep: 0), LangevinParameters(timeStep: -1), LangevinParameters(timeStep: .nan),
        LangevinParameters(timeStep: 0.1, temperature: -1), LangevinParameters(timeStep: 0.1, temperature: .nan),
        LangevinParameters(timeStep: 0.1, friction: -0.5), LangevinParameters(timeStep: 0.1, mass: 0),
        LangevinParameters(timeStep: .infinity),
    ])
    func invalid(_ p: LangevinParameters) {
        #expect(throws: LangevinError.self) { try p.validate() }
        #expect(throws: LangevinError.self) { try AnyIntegrator(name: "baoab", parameters: p) }
    }

    @Test("MALA refuses T = 0; schedules refuse thin ≤ 0")
    func malaZeroTemperature() {
        #expect(throws: LangevinError.self) { try MALA(LangevinParameters(timeStep: 0.1, temperature: 0)) }
        #expect(throws: LangevinError.self) { try ChainSchedule(steps: 10, thin: 0).validate() }
        #expect(throws: LangevinError.self) { try ChainSchedule(steps: 0).validate() }
        #expect(throws: LangevinError.self) { try ChainSchedule(steps: 10, burnIn: -1).validate() }
        #expect(throws: LangevinError.self) { try ChainSchedule(steps: 10, burnIn: Int.max - 5).validate() }
        #expect(throws: Never.self) { try ChainSchedule(steps: 10, burnIn: Int.max - 10, thin: Int.max).validate() }
    }

    @Test("advance on a copy of a state leaves the original as it was (value semantics), as step does")
    func advanceOnCopy() throws {
        var field = Quadratic(k: 1.5, dimension: 3)
        let original = try LangevinState(position: [0.5, -1.0, 2.0], field: &field)
        for scheme in ["euler-maruyama", "mala", "baoab"] {
            var integrator = try AnyIntegrator(name: scheme, parameters: LangevinParameters(timeStep: 0.3))
            var random = SplitMix64(seed: 3)
            var copy = original
            var totals = StepTotals()
            integrator.prepare(&copy, random: &random)
            switch integrator {
            case .eulerMaruyama(var em):
                try em.advance(&copy, field: &field, random: &random, steps: 4, totals: &totals)
            default:
                try integrator.advance(&copy, field: &field, random: &random, steps: 4, totals: &totals)
            }
            #expect(totals.steps == 4 && copy.stepCount == 4, "\(scheme)")
            #expect(original.position == [0.5, -1.0, 2.0] && original.stepCount == 0, "\(scheme)")
            #expect(copy.position != original.position, "\(scheme)")
        }
    }

    @Test("advance's totals are step()'s reports added one by one, also after earlier totals and a divergence",
          arguments: [1, 2, 3])
    func advanceTotals(dimension: Int) throws {
        // Earlier totals whose acceptance sum is so large that adding 1 rounds (2⁵³ − 2 + 1 + 1 + 1 = 2⁵³, while
        // 2⁵³ − 2 + 3 = 2⁵³ + 2): only the same additions in the same order give the same sum.
        var before = StepTotals()
        before.add(StepInfo(energy: 2, acceptanceProbability: 0x1p53 - 2, accepted: false, gradientEvaluations: 2))
        let params = LangevinParameters(timeStep: 0.05, temperature: 0.5)
        func compare<F: GradientEstimator>(_ make: () -> F, start: [Double], steps: Int, diverges: Bool,
                                           _ name: String) throws where F.Scalar == Double {
            var results: [(StepTotals, Bool)] = []
            for byStep in [false, true] {
                var field = make()
                var state = try LangevinState(position: start, field: &field)
                var em = try EulerMaruyama(params)
                var random = SplitMix64(seed: 8)
                var totals = before
                var failed = false
                do throws(DivergenceError<Double>) {
                    if byStep {
                        for _ in 0..<steps { totals.add(try em.step(&state, field: &field, random: &random)) }
                    } else {
                        try em.advance(&state, field: &field, random: &random, steps: steps, totals: &totals)
                    }
                } catch { failed = true }
                results.append((totals, failed))
            }
            let (a, b) = (results[0].0, results[1].0)
            #expect(results[0].1 == diverges && results[1].1 == diverges, "\(name), d = \(dimension)")
            #expect(a.steps == b.steps && a.gradientEvaluations == b.gradientEvaluations && a.accepted == b.accepted,
                    "\(name), d = \(dimension)")
            #expect(a.acceptanceSum.bitPattern == b.acceptanceSum.bitPattern && a.last == b.last,
                    "\(name), d = \(dimension)")
            #expect(a.steps > 2, "\(name), d = \(dimension): some steps before the end")
        }
        try compare({ Quadratic(k: 1.5, dimension: dimension) }, start: Array([0.5, -1.0, 2.0].prefix(dimension)),
                    steps: 9, diverges: false, "quadratic")
        try compare({ RunawayND(dimension: dimension) }, start: [Double](repeating: 1.5, count: dimension),
                    steps: 10_000, diverges: true, "runaway")
    }

    @Test("A divergence in mid-run leaves the state, the field and a struct random source where step() leaves them",
          arguments: [1, 2, 3])
    func advanceDivergenceKeepsTheSource(dimension: Int) throws {
        var ends: [[UInt64]] = []
        for byStep in [false, true] {
            var field = GlitchingQuadratic(dimension: dimension, failingCall: 5)  // call 1 is the start: step 4 fails
            var state = try LangevinState(position: [Double](repeating: 0.5, count: dimension), field: &field)
            var random = SplitMix64(seed: 21)
            var em = try EulerMaruyama(LangevinParameters(timeStep: 0.1, temperature: 0.5))
            var totals = StepTotals()
            func run(_ steps: Int) -> UInt64 {
                do throws(DivergenceError<Double>) {
                    if byStep {
                        for _ in 0..<steps { totals.add(try em.step(&state, field: &field, random: &random)) }
                    } else {
                        try em.advance(&state, field: &field, random: &random, steps: steps, totals: &totals)
                    }
                    return 0
                } catch { return UInt64(error.step) }
            }
            let failedAt = run(10)
            _ = run(6)  // goes on from the kept state, drawing where the failed run left the source
            ends.append([failedAt, UInt64(state.stepCount), UInt64(field.calls), UInt64(totals.steps)]
                        + state.position.map(\.bitPattern)
                        + [state.energy.bitPattern, random.nextGaussian().bitPattern])
        }
        #expect(ends[0][0] == 4)
        #expect(ends[0] == ends[1], "d = \(dimension): advance \(ends[0]), step() \(ends[1])")
    }

    @Test("A non-finite initial energy is an error")
    func nonFiniteStart() {
        var field = ClosureEnergy(variables: ["x"], energy: { x in -Foundation_log(x[0]) },
                                  gradient: { x, g in g[0] = -1 / x[0]; return -Foundation_log(x[0]) })
        #expect(throws: LangevinError.self) { try LangevinState(position: [0.0], field: &field) }
        #expect(throws: LangevinError.self) { try LangevinState(position: [.nan], field: &field) }
        #expect(throws: LangevinError.self) { try LangevinState(position: [1.0, 2.0], field: &field) }
    }
}

private func Foundation_log(_ x: Double) -> Double { log(x) }

/// U = Σ xᵢ²/2 whose `failingCall`-th evaluation returns a NaN energy: a divergence in the middle of a run.
private struct GlitchingQuadratic: GradientEstimator {
    typealias Scalar = Double
    var dimension: Int
    var failingCall: Int
    var calls = 0
    var isExact: Bool { true }
    var gradientIsFiniteWhereEnergyIs: Bool { true }
    mutating func energyAndGradient(at x: UnsafeBufferPointer<Double>,
                                    gradient g: UnsafeMutableBufferPointer<Double>) -> Double {
        calls += 1
        var u = 0.0
        for i in 0..<dimension {
            g[i] = x[i]
            u += x[i] * x[i] / 2
        }
        return calls == failingCall ? .nan : u
    }
}

@Suite("Divergence and chain bookkeeping")
struct ChainTests {
    @Test("A diverging run stops, names the step, and keeps the last finite state")
    func divergence() throws {
        let (failure, kept) = try runawayChain()
        let error = try #require(failure)
        // x ← x + 2x³ from 1: 3, 57, 370 443, 1.0e17, 2.0e51, then 1.7e154, whose energy −x⁴ overflows to −∞.
        #expect(error.step == 6)
        #expect(error.quantity == "energy")
        #expect(error.lastFiniteState.stepCount == 5)
        #expect(error.lastFiniteState.position[0].isFinite)
        #expect(kept.count == 5)
        let keptFinite = kept.allSatisfy { $0.isFinite }
        #expect(keptFinite)
        #expect(error.asLangevinError.message.contains("step 6"))
    }

    @Test("A divergence inside a run of unkept steps names the same step and state")
    func divergenceBetweenKeptStates() throws {
        let (failure, kept) = try runawayChain(thin: 50)
        let error = try #require(failure)
        #expect(error.step == 6 && error.quantity == "energy")
        #expect(error.lastFiniteState.stepCount == 5)
        #expect(error.lastFiniteState.position == (try runawayChain(thin: 1)).0?.lastFiniteState.position)
        #expect(kept.isEmpty)
    }

    @Test("A divergence of a noisy chain inside a run of unkept steps: step()'s error, step and state, d = 1, 2, 3",
          arguments: [1, 2, 3])
    func noisyDivergenceBetweenKeptStates(dimension: Int) throws {
        let params = LangevinParameters(timeStep: 0.05, temperature: 0.5)
        let start = [Double](repeating: 1.5, count: dimension)
        var field = RunawayND(dimension: dimension)
        var state = try LangevinState(position: start, field: &field)
        var random = SplitMix64(seed: 5)
        var integ = AnyIntegrator.eulerMaruyama(try EulerMaruyama(params))
        var kept = 0
        let result = Result { () throws(DivergenceError<Double>) -> ChainSummary in
            try runChain(integrator: &integ, field: &field, state: &state, random: &random,
                         schedule: ChainSchedule(steps: 10_000, thin: 1_000)) { _, _ in kept += 1 }
        }
        guard case .failure(let error) = result else {
            Issue.record("expected a divergence")
            return
        }
        // The same chain, one step() at a time.
        var field2 = RunawayND(dimension: dimension)
        var state2 = try LangevinState(position: start, field: &field2)
        var random2 = SplitMix64(seed: 5)
        var em = try EulerMaruyama(params)
        var handError: DivergenceError<Double>?
        for _ in 0..<10_000 {
            let r = Result { () throws(DivergenceError<Double>) -> StepInfo in
                try em.step(&state2, field: &field2, random: &random2)
            }
            if case .failure(let e) = r { handError = e; break }
        }
        let expected = try #require(handError)
        #expect(error.step == expected.step && error.quantity == expected.quantity)
        #expect(error.step > 1 && error.step < 1_000 && kept == 0, "diverges inside the first run of unkept steps")
        #expect(error.lastFiniteState.stepCount == expected.lastFiniteState.stepCount)
        #expect(error.lastFiniteState.position == expected.lastFiniteState.position)
        #expect(error.lastFiniteState.gradient == expected.lastFiniteState.gradient)
        #expect(error.lastFiniteState.energy == expected.lastFiniteState.energy)
        #expect(state.position == expected.lastFiniteState.position && state.stepCount == error.step - 1)
    }

    private func runawayChain(thin: Int = 1) throws -> (DivergenceError<Double>?, [Double]) {
        var field = Runaway()
        var state = try LangevinState(position: [1.0], field: &field)
        var random = ScriptedRandom(gaussians: [0])
        var integ = AnyIntegrator.eulerMaruyama(try EulerMaruyama(LangevinParameters(timeStep: 0.5, temperature: 0)))
        var kept: [Double] = []
        let result = Result { () throws(DivergenceError<Double>) -> ChainSummary in
            try runChain(integrator: &integ, field: &field, state: &state, random: &random,
                         schedule: ChainSchedule(steps: 100, thin: thin)) { _, s in kept.append(s.position[0]) }
        }
        if case .failure(let e) = result { return (e, kept) }
        return (nil, kept)
    }

    @Test("A non-finite gradient at a finite energy is caught and named")
    func nonFiniteGradient() throws {
        // U = √|x| is finite at 0 but its gradient is not; a T = 0 step from x = 0.25 with h = 0.25 lands on 0.
        var field = ClosureEnergy(
            variables: ["x"], energy: { x in abs(x[0]).squareRoot() },
            gradient: { x, g in
                g[0] = x[0] == 0 ? .infinity : (x[0] > 0 ? 1 : -1) * 0.5 / abs(x[0]).squareRoot()
                return abs(x[0]).squareRoot()
            })
        var state = try LangevinState(position: [0.25], field: &field)
        var random = ScriptedRandom(gaussians: [0])
        var em = try EulerMaruyama(LangevinParameters(timeStep: 0.25, temperature: 0))
        let result = Result { () throws(DivergenceError<Double>) -> StepInfo in
            try em.step(&state, field: &field, random: &random)
        }
        guard case .failure(let error) = result else {
            Issue.record("expected a divergence")
            return
        }
        #expect(error.quantity == "gradient")
        #expect(error.step == 1)
        #expect(error.lastFiniteState.position == [0.25])
    }

    @Test("Thinning keeps steps burnIn + k·thin; counts add up")
    func thinning() throws {
        var field = Quadratic(k: 1, dimension: 1)
        var state = try LangevinState(position: [1.0], field: &field)
        var random = SplitMix64(seed: 3)
        var integ = AnyIntegrator.eulerMaruyama(try EulerMaruyama(LangevinParameters(timeStep: 0.1)))
        var steps: [Int] = []
        let summary = try runChain(integrator: &integ, field: &field, state: &state, random: &random,
                                   schedule: ChainSchedule(steps: 95, burnIn: 7, thin: 10)) { t, _ in steps.append(t) }
        #expect(steps == [17, 27, 37, 47, 57, 67, 77, 87, 97])
        #expect(summary.stepsTaken == 102)
        #expect(summary.gradientEvaluations == 102)
    }

    @Test("runChain takes the steps step() takes, bit for bit, and states kept by copy stay as they were",
          arguments: ["euler-maruyama", "mala", "baoab"], [1, 2, 3])
    func runChainMatchesSteps(scheme: String, dimension: Int) throws {
        // Burn-in, thinning and a progress interval that cut the run into runs of 1…7 steps between events.
        let schedule = ChainSchedule(steps: 61, burnIn: 4, thin: 7)
        let params = LangevinParameters(timeStep: 0.3, temperature: 0.8)
        let start = Array([0.5, -1.0, 2.0].prefix(dimension))
        var field = Quadratic(k: 1.5, dimension: dimension)
        var state = try LangevinState(position: start, field: &field)
        var random = SplitMix64(seed: 11)
        var integ = try AnyIntegrator(name: scheme, parameters: params)
        var keptCopies: [LangevinState<Double>] = [], keptPositions: [[Double]] = [], progress: [Int] = []
        var keptAcceptances: [Double] = []
        let summary = try runChain(integrator: &integ, field: &field, state: &state, random: &random,
                                   schedule: schedule, progressInterval: 5, progress: { progress.append($0) },
                                   keptAcceptance: { keptAcceptances.append($0) }) { _, s in
            keptCopies.append(copy s)          // shares storage until the chain steps again
            keptPositions.append(s.position)
        }
        // The same chain by hand.
        var field2 = Quadratic(k: 1.5, dimension: dimension)
        var state2 = try LangevinState(position: start, field: &field2)
        var random2 = SplitMix64(seed: 11)
        var integ2 = try AnyIntegrator(name: scheme, parameters: params)
        integ2.prepare(&state2, random: &random2)
        var handPositions: [[Double]] = [], acceptanceSum = 0.0, handAcceptances: [Double] = []
        for t in 1...schedule.totalSteps {
            let info = try integ2.step(&state2, field: &field2, random: &random2)
            acceptanceSum += info.acceptanceProbability
            if t >= schedule.burnIn + schedule.thin && (t - schedule.burnIn) % schedule.thin == 0 {
                handPositions.append(state2.position)
                handAcceptances.append(info.acceptanceProbability)
            }
        }
        #expect(keptPositions == handPositions)
        #expect(keptCopies.map(\.position) == handPositions)   // copy-on-write: later steps did not touch them
        #expect(state.position == state2.position && state.gradient == state2.gradient)
        #expect(state.energy == state2.energy && state.stepCount == schedule.totalSteps)
        #expect(progress == Array(stride(from: 5, through: schedule.totalSteps, by: 5)))
        #expect(summary.stepsTaken == schedule.totalSteps && summary.gradientEvaluations >= schedule.totalSteps)
        if integ.isMetropolisAdjusted {
            #expect(summary.meanAcceptance == acceptanceSum / Double(schedule.totalSteps))
            #expect(keptAcceptances == handAcceptances)
        } else {
            #expect(summary.meanAcceptance == 1 && keptAcceptances.isEmpty)
        }
    }

    @Test("States are values: stepping a copy leaves the original alone")
    func copyOnWrite() throws {
        var field = Quadratic(k: 1, dimension: 2)
        let original = try LangevinState(position: [1.0, 2.0], field: &field)
        var copy = original
        var random = SplitMix64(seed: 1)
        var em = try EulerMaruyama(LangevinParameters(timeStep: 0.1))
        _ = try em.step(&copy, field: &field, random: &random)
        #expect(original.position == [1.0, 2.0])
        #expect(original.stepCount == 0)
        #expect(copy.position != [1.0, 2.0])
    }

    @Test("Parallel chains return in order and do not depend on scheduling")
    func parallelOrder() throws {
        let params = LangevinParameters(timeStep: 0.05)
        let run = { () throws -> [ChainSamples] in
            try sampleChains(chains: 5, integrator: try AnyIntegrator(name: "baoab", parameters: params),
                             initialPosition: [0.5, -0.5], schedule: ChainSchedule(steps: 200, thin: 20),
                             makeField: { _ in Quadratic(k: 1, dimension: 2) },
                             makeRandom: { c in SplitMix64(seed: 100 + UInt64(c)) })
        }
        let a = try run(), b = try run()
        #expect(a.map(\.chain) == [0, 1, 2, 3, 4])
        #expect(a.map(\.values) == b.map(\.values))
        #expect(a[0].values != a[1].values)
        #expect(a[0].count == 10 && a[0].hasMomentum)
    }
}

@Suite("Temperature monitors")
struct MonitorTests {
    @Test("Configurational temperature ⟨|∇U|²⟩/⟨∇²U⟩ is exact on a quadratic well for any set of points")
    func configurational() {
        // U = k|x|²/2: |∇U|² = k²|x|², ∇²U = d·k, so the estimate is k·mean|x|²/d.
        let points: [[Double]] = [[1, 2], [-0.5, 0.3], [0.1, -1.7]]
        let k = 2.5
        let estimate = TemperatureMonitor.configurational(Quadratic(k: k, dimension: 2), positions: points)
        let expected = k * points.map { $0[0] * $0[0] + $0[1] * $0[1] }.reduce(0, +) / Double(points.count) / 2
        #expect(abs(estimate - expected) < 1e-6 * expected)
        #expect(abs(TemperatureMonitor.kinetic(momentum: [1.0, 3.0], mass: 2) - 2.5) < 1e-15)
    }
}
