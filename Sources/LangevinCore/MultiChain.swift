// SPDX-License-Identifier: GPL-3.0-or-later

/// The kept states of one chain, stored row by row without per-row allocation.
///
/// Row layout: `position` (d values), then `momentum` (d values, underdamped schemes only), then `energy`.
public struct ChainSamples: Sendable {
    /// Chain index (0-based).
    public let chain: Int
    /// Dimension d.
    public let dimension: Int
    /// Whether rows carry momenta.
    public let hasMomentum: Bool
    /// Global step number (burn-in included, 1-based) of each kept row.
    public var steps: [Int] = []
    /// Row-major values, `rowWidth` per row.
    public var values: [Double] = []
    /// Metropolis-adjusted schemes: per kept row, the acceptance probability of the step that produced it
    /// (empty for unadjusted schemes, whose every step is accepted).
    public var acceptance: [Double] = []
    /// What the chain reports (acceptance, gradient evaluations, kinetic temperature).
    public var summary = ChainSummary()
    /// The divergence that stopped the chain early, if any.
    public var divergence: LangevinError?
    /// Position, momentum and energy of the last state (finite even after a divergence).
    public var finalPosition: [Double] = []

    public var rowWidth: Int { dimension * (hasMomentum ? 2 : 1) + 1 }
    public var count: Int { steps.count }

    public init(chain: Int, dimension: Int, hasMomentum: Bool) {
        self.chain = chain
        self.dimension = dimension
        self.hasMomentum = hasMomentum
    }

    /// Coordinate `i` of row `r`.
    @inlinable public func position(_ r: Int, _ i: Int) -> Double { values[r * rowWidth + i] }
    /// Energy of row `r`.
    @inlinable public func energy(_ r: Int) -> Double { values[r * rowWidth + rowWidth - 1] }
    /// The series of coordinate `i` over the kept rows.
    public func coordinateSeries(_ i: Int) -> [Double] { (0..<count).map { position($0, i) } }
    /// The series of U over the kept rows.
    public func energySeries() -> [Double] { (0..<count).map { energy($0) } }
    /// Row `r`'s position as an array.
    public func positionRow(_ r: Int) -> [Double] { Array(values[(r * rowWidth)..<(r * rowWidth + dimension)]) }

    /// Appends one kept state as a row.
    @inlinable public mutating func append<S>(step: Int, state: borrowing LangevinState<S>) {
        steps.append(step)
        let d = dimension
        let x = state.x
        for i in 0..<d { values.append(Double(x[i])) }
        if hasMomentum {
            let p = state.p
            for i in 0..<d { values.append(Double(p[i])) }
        }
        values.append(state.energy)
    }
}

/// Runs `chains` independent chains in parallel, chain i with its own energy copy `makeField(i)`, generator
/// `makeRandom(i)` and copy of `integrator` (any scheme, built in or not), all from the same initial position. Results come back in chain order and do not
/// depend on the number of threads.
///
/// `progress(stepsJustDone)` is called from worker threads every `progressInterval` steps of each chain.
@inlinable
public func sampleChains<I: LangevinIntegrator & Sendable, F: GradientEstimator & SendableMetatype,
                         R: RandomSource & SendableMetatype>(
    chains: Int,
    integrator: I,
    initialPosition: [F.Scalar],
    schedule: ChainSchedule,
    makeField: @Sendable (Int) -> F,
    makeRandom: @Sendable (Int) -> R,
    progressInterval: Int = 0,
    progress: (@Sendable (Int) -> Void)? = nil
) throws(LangevinError) -> [ChainSamples] {
    guard chains >= 1 else { throw .invalidParameter("the number of chains must be ≥ 1, got \(chains)", parameter: "chains") }
    return try sampleChains(indices: Array(0..<chains), integrator: integrator, initialPosition: initialPosition,
                            schedule: schedule, makeField: makeField, makeRandom: makeRandom,
                            progressInterval: progressInterval, progress: progress)
}

/// Runs the chains numbered `indices` (a subset of a larger run, e.g. one process's share of it), chain i exactly
/// as ``sampleChains(chains:integrator:initialPosition:schedule:makeField:makeRandom:progressInterval:progress:)``
/// runs it: its draws depend only on `makeField(i)`, `makeRandom(i)` and the settings, never on which process or
/// thread ran it. Results come back in the order of `indices` (empty for no index).
@inlinable
public func sampleChains<I: LangevinIntegrator & Sendable, F: GradientEstimator & SendableMetatype,
                         R: RandomSource & SendableMetatype>(
    indices: [Int],
    integrator: I,
    initialPosition: [F.Scalar],
    schedule: ChainSchedule,
    makeField: @Sendable (Int) -> F,
    makeRandom: @Sendable (Int) -> R,
    progressInterval: Int = 0,
    progress: (@Sendable (Int) -> Void)? = nil
) throws(LangevinError) -> [ChainSamples] {
    try schedule.validate()
    guard indices.allSatisfy({ $0 >= 0 }), Set(indices).count == indices.count else {
        throw .invalidParameter("chain indices must be distinct and ≥ 0, got \(indices)", parameter: "chains")
    }
    // Fail early (and with the plain message) on a bad initial state.
    var probe = makeField(indices.first ?? 0)
    if integrator.requiresExactGradient && !probe.isExact {
        throw .invalidParameter("\(integrator.name) needs the exact energy and gradient, not a stochastic estimate")
    }
    _ = try LangevinState(position: initialPosition, field: &probe)

    let results: [Result<ChainSamples, LangevinError>] = parallelMap(count: indices.count) { j in
        let c = indices[j]
        var field = makeField(c)
        var random = makeRandom(c)
        var integrator = integrator
        var samples = ChainSamples(chain: c, dimension: initialPosition.count, hasMomentum: integrator.usesMomentum)
        samples.values.reserveCapacity(schedule.keptCount * samples.rowWidth)
        samples.steps.reserveCapacity(schedule.keptCount)
        var state: LangevinState<F.Scalar>
        do throws(LangevinError) {
            state = try LangevinState(position: initialPosition, field: &field)
        } catch {
            return .failure(error)
        }
        do throws(DivergenceError<F.Scalar>) {
            samples.summary = try runChain(
                integrator: &integrator, field: &field, state: &state, random: &random, schedule: schedule,
                progressInterval: progressInterval,
                progress: progress.map { p in { _ in p(progressInterval) } },
                keptAcceptance: { a in samples.acceptance.append(a) }
            ) { step, s in samples.append(step: step, state: s) }
            samples.finalPosition = state.position.map(Double.init)
        } catch {
            samples.divergence = LangevinError(.diverged, "chain \(c): \(error.description)")
            samples.summary.stepsTaken = error.step - 1
            samples.finalPosition = error.lastFiniteState.position.map(Double.init)
        }
        return .success(samples)
    }
    return try results.map { r throws(LangevinError) in try r.get() }
}

// MARK: - Moving chains between processes

extension ChainSamples {
    /// The chain as bytes (little-endian, every `Double` by its IEEE-754 bits), for handing it to another process;
    /// ``init(serialized:)`` restores it exactly.
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.append(bytes: Array("LGCS1".utf8))
        w.append(chain); w.append(dimension); w.append(hasMomentum ? 1 : 0)
        w.append(steps); w.append(values); w.append(acceptance)
        w.append(summary.stepsTaken); w.append(summary.meanAcceptance); w.append(summary.acceptanceRate)
        w.append(summary.gradientEvaluations); w.append(summary.kineticTemperature)
        w.append(divergence)
        w.append(finalPosition)
        return w.bytes
    }

    /// Restores a chain written by ``serialized()``; malformed bytes are an `.invalidData` error.
    public init(serialized bytes: [UInt8]) throws(LangevinError) {
        var r = ByteReader(bytes)
        guard try r.bytes(5) == Array("LGCS1".utf8) else {
            throw LangevinError(.invalidData, "not a serialized chain (bad header)")
        }
        let chain = try r.int(), dimension = try r.int(), momentum = try r.int()
        guard chain >= 0, dimension >= 0, momentum == 0 || momentum == 1 else {
            throw LangevinError(.invalidData, "serialized chain: bad chain \(chain), dimension \(dimension) or momentum flag")
        }
        self.init(chain: chain, dimension: dimension, hasMomentum: momentum == 1)
        steps = try r.ints()
        values = try r.doubles()
        acceptance = try r.doubles()
        guard values.count == steps.count * rowWidth, acceptance.isEmpty || acceptance.count == steps.count else {
            throw LangevinError(.invalidData, "serialized chain \(chain): \(values.count) values for \(steps.count) rows")
        }
        summary.stepsTaken = try r.int()
        summary.meanAcceptance = try r.double()
        summary.acceptanceRate = try r.double()
        summary.gradientEvaluations = try r.int()
        summary.kineticTemperature = try r.double()
        divergence = try r.error()
        finalPosition = try r.doubles()
        guard r.isAtEnd else { throw LangevinError(.invalidData, "serialized chain \(chain): trailing bytes") }
    }
}

/// Appends values as little-endian bytes (integers as Int64, `Double`s by their bits), for ``ByteReader``.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func append(bytes more: [UInt8]) { bytes += more }
    public mutating func append(_ v: Int) {
        let u = UInt64(bitPattern: Int64(v))
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(k)))) }
    }
    public mutating func append(_ v: Double) {
        let u = v.bitPattern
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: u >> (8 * UInt64(k)))) }
    }
    public mutating func append(_ v: [Int]) {
        append(v.count)
        #if _endian(little) && (arch(x86_64) || arch(arm64))
        v.withUnsafeBytes { bytes.append(contentsOf: $0) }   // Int is Int64, little-endian: the same bytes
        #else
        for x in v { append(x) }
        #endif
    }
    public mutating func append(_ v: [Double]) {
        append(v.count)
        #if _endian(little)
        v.withUnsafeBytes { bytes.append(contentsOf: $0) }   // IEEE-754 bits, little-endian: the same bytes
        #else
        for x in v { append(x) }
        #endif
    }
    public mutating func append(_ s: String) { let u = Array(s.utf8); append(u.count); bytes += u }
    /// An optional error: a flag, then code, message and parameter.
    public mutating func append(_ e: LangevinError?) {
        guard let e else { append(0); return }
        append(1); append(e.code.rawValue); append(e.message)
        append(e.parameter == nil ? 0 : 1); append(e.parameter ?? "")
    }
}

/// Reads what ``ByteWriter`` wrote; running past the end or a bad length is an `.invalidData` error.
public struct ByteReader: Sendable {
    private let data: [UInt8]
    private var offset = 0
    public init(_ data: [UInt8]) { self.data = data }
    public var isAtEnd: Bool { offset == data.count }

    public mutating func bytes(_ n: Int) throws(LangevinError) -> [UInt8] {
        guard n >= 0, n <= data.count - offset else { throw LangevinError(.invalidData, "serialized data end early") }
        defer { offset += n }
        return Array(data[offset..<(offset + n)])
    }
    private mutating func word() throws(LangevinError) -> UInt64 {
        guard data.count - offset >= 8 else { throw LangevinError(.invalidData, "serialized data end early") }
        var u: UInt64 = 0
        for k in 0..<8 { u |= UInt64(data[offset + k]) << (8 * UInt64(k)) }
        offset += 8
        return u
    }
    public mutating func int() throws(LangevinError) -> Int { Int(Int64(bitPattern: try word())) }
    public mutating func double() throws(LangevinError) -> Double { Double(bitPattern: try word()) }
    private mutating func count() throws(LangevinError) -> Int {
        let n = try int()
        guard n >= 0, n <= (data.count - offset) else { throw LangevinError(.invalidData, "serialized data: bad length \(n)") }
        return n
    }
    public mutating func ints() throws(LangevinError) -> [Int] {
        let raw = try words()
        return raw.map { Int(Int64(bitPattern: $0)) }
    }
    public mutating func doubles() throws(LangevinError) -> [Double] {
        let raw = try words()
        return raw.map { Double(bitPattern: $0) }
    }
    /// A count, then that many little-endian 8-byte words.
    private mutating func words() throws(LangevinError) -> [UInt64] {
        let n = try int()
        guard n >= 0, n <= (data.count - offset) / 8 else {
            throw LangevinError(.invalidData, "serialized data: bad length \(n)")
        }
        let start = offset
        offset += 8 * n
        return data.withUnsafeBytes { raw in
            (0..<n).map { i in UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self)) }
        }
    }
    public mutating func string() throws(LangevinError) -> String { String(decoding: try bytes(try count()), as: UTF8.self) }
    public mutating func error() throws(LangevinError) -> LangevinError? {
        switch try int() {
        case 0: return nil
        case 1:
            let code = try string(), message = try string()
            let hasParameter = try int(), parameter = try string()
            return LangevinError(LangevinError.Code(rawValue: code), message, parameter: hasParameter == 1 ? parameter : nil)
        default: throw LangevinError(.invalidData, "serialized data: bad error flag")
        }
    }
}
