// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore

/// One tunable parameter of a built-in potential, as the command line sees it (`--set key=value`).
public struct PotentialParameterInfo: Sendable, Equatable {
    /// The settings key, e.g. `h`.
    public let name: String
    /// The value used when the key is not given.
    public let defaultValue: Double
    /// One line: what the parameter is, its unit and its domain.
    public let summary: String

    public init(name: String, defaultValue: Double, summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// A built-in potential as the command line lists it.
public struct PotentialInfo: Sendable, Equatable {
    /// The kebab-case name, e.g. `double-well`.
    public let name: String
    /// One line: the formula and what it is for.
    public let summary: String
    /// The settings keys with their defaults.
    public let parameters: [PotentialParameterInfo]

    public init(name: String, summary: String, parameters: [PotentialParameterInfo]) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
    }

    /// The default of the parameter `key` (nil for keys not listed, e.g. harmonic's per-axis `k1`, `k2`, …).
    public func defaultValue(_ key: String) -> Double? {
        parameters.first { $0.name == key }?.defaultValue
    }
}

/// The built-in potentials, by name, with their settings; an ``Energy`` that forwards to the wrapped struct.
///
/// `energy` and `energyAndGradient` are `@inlinable` and switch on the case; each branch inlines the struct's own
/// `@inlinable` body. A generic integrator specialised for `BuiltinPotential` therefore pays one well-predicted
/// branch per call (in a release build the overdamped double-well step ran as fast through `.doubleWell` as through
/// ``DoubleWell2D`` itself, whose body is inlined into the integrator); code that knows its potential statically
/// can use the struct directly.
public enum BuiltinPotential: Energy, Sendable, Equatable {
    public typealias Scalar = Double

    /// `harmonic`: U = Σ kᵢ xᵢ²/2.
    case harmonic(Harmonic)
    /// `quartic`: U = a Σ xᵢ⁴/4.
    case quartic(Quartic)
    /// `double-well-1d`: U = h((x/a)² − 1)².
    case doubleWell1D(DoubleWell1D)
    /// `double-well`: U = h((x/a)² − 1)² + k_y y²/2.
    case doubleWell(DoubleWell2D)
    /// `mueller-brown`: the Müller–Brown surface times s.
    case muellerBrown(MuellerBrown)
    /// `gaussian-mixture`: U = −log of a mixture of normals.
    case gaussianMixture(GaussianMixture)
    /// `rosenbrock`: U = ((a − x)² + b(y − x²)²)/s, s = 20 by default.
    case rosenbrock(Rosenbrock)
    /// `lennard-jones`: a trapped Lennard-Jones cluster.
    case lennardJones(LennardJonesCluster)

    // MARK: Catalogue

    /// Every built-in potential with its settings keys and defaults, in a stable order.
    public static var catalog: [PotentialInfo] {
        [
            PotentialInfo(
                name: "harmonic",
                summary: "U = Σ kᵢ xᵢ²/2; exact: mean 0, variance T/kᵢ, ⟨U⟩ = dT/2",
                parameters: [
                    .init(name: "k", defaultValue: 1,
                          summary: "stiffness on every axis (> 0); k1, k2, … set single axes"),
                    .init(name: "dim", defaultValue: 1,
                          summary: "dimension d (integer ≥ 1; defaults to the largest axis named by k1, k2, …)"),
                ]),
            PotentialInfo(
                name: "quartic",
                summary: "U = a Σ xᵢ⁴/4; exact: ⟨xᵢ²⟩ = (4T/a)^½ Γ(3/4)/Γ(1/4), ⟨U⟩ = dT/4",
                parameters: [
                    .init(name: "a", defaultValue: 1, summary: "quartic coefficient (> 0)"),
                    .init(name: "dim", defaultValue: 1, summary: "dimension d (integer ≥ 1)"),
                ]),
            PotentialInfo(
                name: "double-well-1d",
                summary: "U = h((x/a)² − 1)²; minima at ±a, barrier h",
                parameters: [
                    .init(name: "h", defaultValue: 1, summary: "barrier height (> 0)"),
                    .init(name: "a", defaultValue: 1, summary: "position of the minima ±a (> 0)"),
                ]),
            PotentialInfo(
                name: "double-well",
                summary: "U = h((x/a)² − 1)² + ky y²/2; defaults give (x² − 1)² + y²/2",
                parameters: [
                    .init(name: "h", defaultValue: 1, summary: "barrier height along x (> 0)"),
                    .init(name: "a", defaultValue: 1, summary: "position of the minima (±a, 0) (> 0)"),
                    .init(name: "ky", defaultValue: 1, summary: "stiffness of the harmonic valley in y (> 0)"),
                ]),
            PotentialInfo(
                name: "mueller-brown",
                summary: "the Müller–Brown surface times scale; three minima, deepest at (−0.558, 1.442)",
                parameters: [
                    .init(name: "scale", defaultValue: 0.1,
                          summary: "factor on the classic surface (> 0); 0.1 gives barriers of 1–11 kT at T = 1"),
                ]),
            PotentialInfo(
                name: "gaussian-mixture",
                summary: "U = −log(0.3 N(−s/2, σ²) + 0.7 N(s/2, σ²)) in 1-D; at T = 1 exactly the mixture",
                parameters: [
                    .init(name: "separation", defaultValue: 4, summary: "distance s between the two means (≥ 0)"),
                    .init(name: "sigma", defaultValue: 1, summary: "standard deviation of both components (> 0)"),
                ]),
            PotentialInfo(
                name: "rosenbrock",
                summary: "U = ((a − x)² + b(y − x²)²)/scale, a banana; exact moments at every T",
                parameters: [
                    .init(name: "a", defaultValue: 1, summary: "x of the minimum (a, a²) (finite)"),
                    .init(name: "b", defaultValue: 100, summary: "stiffness of the valley y = x² (> 0)"),
                    .init(name: "scale", defaultValue: 20, summary: "normalisation dividing U (> 0)"),
                ]),
            PotentialInfo(
                name: "lennard-jones",
                summary: "N Lennard-Jones particles in a weak trap Σ k|rᵢ|²/2; coordinates x1, y1, x2, y2, …",
                parameters: [
                    .init(name: "n", defaultValue: 7, summary: "number of particles (integer 2…10000)"),
                    .init(name: "epsilon", defaultValue: 1, summary: "pair well depth ε (> 0)"),
                    .init(name: "sigma", defaultValue: 1, summary: "pair length σ (> 0)"),
                    .init(name: "k", defaultValue: 0.01, summary: "trap stiffness (≥ 0; 0 lets the cluster evaporate)"),
                    .init(name: "dim", defaultValue: 2, summary: "dimension of space (1, 2 or 3)"),
                ]),
        ]
    }

    /// The catalogue's names, in order.
    public static var names: [String] { catalog.map(\.name) }

    /// Builds a built-in potential from its catalogue name and settings; keys not given take their defaults.
    ///
    /// - Throws: `.unknownName` for a name not in ``catalog`` (the message lists the valid names) or a key the
    ///   potential does not have (the message lists its keys); `.invalidParameter` for a value outside its domain
    ///   (non-finite, a non-positive stiffness or length, a non-integer dimension, …).
    public static func make(name: String, settings: [String: Double] = [:]) throws(LangevinError) -> BuiltinPotential {
        guard let info = catalog.first(where: { $0.name == name }) else {
            throw LangevinError(
                .unknownName, "unknown potential '\(name)'; valid names: \(names.joined(separator: ", "))")
        }
        let perAxis = name == "harmonic"
        for key in settings.keys.sorted() {
            guard info.defaultValue(key) != nil || (perAxis && harmonicAxis(key) != nil) else {
                var keys = info.parameters.map(\.name)
                if perAxis { keys.append("k1, k2, …") }
                throw LangevinError(
                    .unknownName,
                    "unknown parameter '\(key)' for potential '\(name)'; valid keys: \(keys.joined(separator: ", "))")
            }
            let value = settings[key]!
            guard value.isFinite else {
                throw .invalidParameter("parameter '\(key)' of potential '\(name)' must be finite, got \(value)")
            }
        }
        func value(_ key: String) -> Double { settings[key] ?? info.defaultValue(key)! }

        switch name {
        case "harmonic":
            let axes = settings.keys.compactMap(harmonicAxis)
            let dim: Int
            if let d = settings["dim"] {
                dim = try requireInteger(d, in: 1...1_000_000, "harmonic dim")
                if let top = axes.max(), top > dim {
                    throw .invalidParameter("harmonic k\(top) is set but dim = \(dim)")
                }
            } else {
                dim = axes.max() ?? 1
            }
            var k = [Double](repeating: value("k"), count: dim)
            for (key, v) in settings { if let i = harmonicAxis(key) { k[i - 1] = v } }
            return .harmonic(try Harmonic(stiffness: k))
        case "quartic":
            let dim = try requireInteger(value("dim"), in: 1...1_000_000, "quartic dim")
            return .quartic(try Quartic(a: value("a"), dimension: dim))
        case "double-well-1d":
            return .doubleWell1D(try DoubleWell1D(barrier: value("h"), position: value("a")))
        case "double-well":
            return .doubleWell(try DoubleWell2D(barrier: value("h"), position: value("a"), ky: value("ky")))
        case "mueller-brown":
            return .muellerBrown(try MuellerBrown(scale: value("scale")))
        case "gaussian-mixture":
            let s = value("separation"), sigma = value("sigma")
            try requireNonNegative(s, "gaussian-mixture separation")
            try requirePositive(sigma, "gaussian-mixture sigma")
            return .gaussianMixture(try defaultMixture(separation: s, sigma: sigma))
        case "rosenbrock":
            return .rosenbrock(try Rosenbrock(a: value("a"), b: value("b"), scale: value("scale")))
        case "lennard-jones":
            let n = try requireInteger(value("n"), in: 2...10_000, "lennard-jones n")
            let dim = try requireInteger(value("dim"), in: 1...3, "lennard-jones dim")
            return .lennardJones(try LennardJonesCluster(
                particles: n, dimensions: dim, epsilon: value("epsilon"), sigma: value("sigma"),
                confinement: value("k")))
        default:
            preconditionFailure("catalogue entry '\(name)' has no constructor")
        }
    }

    /// The catalogue's `gaussian-mixture`: 1-D, weights (0.3, 0.7), means (−s/2, +s/2), common σ. Its exact T = 1
    /// moments are mean 0.2 s and variance σ² + 0.21 s²; the unequal weights make the mean test sensitive to how
    /// often a chain crosses between the modes.
    public static func defaultMixture(separation s: Double = 4, sigma: Double = 1) throws(LangevinError)
        -> GaussianMixture
    {
        try GaussianMixture(weights: [0.3, 0.7], means: [-s / 2, s / 2], standardDeviations: [sigma, sigma])
    }

    /// The axis index i ≥ 1 of a harmonic per-axis key `k<i>` (no leading zeros), or nil.
    private static func harmonicAxis(_ key: String) -> Int? {
        guard key.first == "k", key.count > 1, let i = Int(key.dropFirst()), i >= 1, "k\(i)" == key else {
            return nil
        }
        return i
    }

    // MARK: Description

    /// The catalogue name of this potential.
    public var name: String {
        switch self {
        case .harmonic: "harmonic"
        case .quartic: "quartic"
        case .doubleWell1D: "double-well-1d"
        case .doubleWell: "double-well"
        case .muellerBrown: "mueller-brown"
        case .gaussianMixture: "gaussian-mixture"
        case .rosenbrock: "rosenbrock"
        case .lennardJones: "lennard-jones"
        }
    }

    /// A sensible place to start a chain: a global minimum where one is known (the harmonic centre, the origin of
    /// the quartic, (a) or (a, 0) for the double wells, Müller–Brown's deepest minimum A, (a, a²) for Rosenbrock),
    /// the mean of the heaviest mixture component, and a compact lattice cluster for Lennard-Jones (the hexagon for
    /// N = 7 in 2-D).
    public var defaultInitialPosition: [Double] {
        switch self {
        case .harmonic(let p): p.center
        case .quartic(let p): [Double](repeating: 0, count: p.dimension)
        case .doubleWell1D(let p): [p.position]
        case .doubleWell(let p): [p.position, 0]
        case .muellerBrown: [MuellerBrown.minima[0].x, MuellerBrown.minima[0].y]
        case .gaussianMixture(let p): p.heaviestComponentMean
        case .rosenbrock(let p): [p.a, p.a * p.a]
        case .lennardJones(let p): p.latticeInitialPositions()
        }
    }

    /// Whether the coordinates are positions of particles (so trajectories can be written as XYZ).
    public var isParticleSystem: Bool { particleDimension != nil }

    /// D, the coordinates per particle, for particle systems; nil otherwise.
    public var particleDimension: Int? {
        if case .lennardJones(let p) = self { return p.particleDimension }
        return nil
    }

    /// What is known exactly about π_T at `temperature`, or nil when nothing is (see each struct for the formulas):
    /// harmonic, quartic and Rosenbrock at every T ≥ 0; the Gaussian mixture at T = 1 only; the double wells' means
    /// (zero, by symmetry); nothing for Müller–Brown and Lennard-Jones.
    public func exactMoments(temperature: Double) -> ExactMoments? {
        switch self {
        case .harmonic(let p): p.exactMoments(temperature: temperature)
        case .quartic(let p): p.exactMoments(temperature: temperature)
        case .doubleWell1D(let p): p.exactMoments(temperature: temperature)
        case .doubleWell(let p): p.exactMoments(temperature: temperature)
        case .muellerBrown: nil
        case .gaussianMixture(let p): p.exactMoments(temperature: temperature)
        case .rosenbrock(let p): p.exactMoments(temperature: temperature)
        case .lennardJones: nil
        }
    }

    // MARK: Energy

    @inlinable
    public var dimension: Int {
        switch self {
        case .harmonic(let p): p.dimension
        case .quartic(let p): p.dimension
        case .doubleWell1D(let p): p.dimension
        case .doubleWell(let p): p.dimension
        case .muellerBrown(let p): p.dimension
        case .gaussianMixture(let p): p.dimension
        case .rosenbrock(let p): p.dimension
        case .lennardJones(let p): p.dimension
        }
    }

    public var variableNames: [String] {
        switch self {
        case .lennardJones(let p): p.variableNames
        default: defaultVariableNames(dimension)
        }
    }

    @inlinable
    public func energy(at x: UnsafeBufferPointer<Double>) -> Double {
        switch self {
        case .harmonic(let p): p.energy(at: x)
        case .quartic(let p): p.energy(at: x)
        case .doubleWell1D(let p): p.energy(at: x)
        case .doubleWell(let p): p.energy(at: x)
        case .muellerBrown(let p): p.energy(at: x)
        case .gaussianMixture(let p): p.energy(at: x)
        case .rosenbrock(let p): p.energy(at: x)
        case .lennardJones(let p): p.energy(at: x)
        }
    }

    /// True for the polynomial potentials (harmonic, quartic, double wells, Rosenbrock): there a finite U at a finite
    /// x bounds |x| and so the gradient, one degree lower. False for Müller–Brown (exponentials), the mixture
    /// (log-sum-exp) and Lennard-Jones (r⁻¹³ can overflow where r⁻¹² does not).
    @inlinable public var gradientIsFiniteWhereEnergyIs: Bool {
        switch self {
        case .harmonic, .quartic, .doubleWell1D, .doubleWell, .rosenbrock: true
        case .muellerBrown, .gaussianMixture, .lennardJones: false
        }
    }

    @inlinable @inline(__always)
    public func energyAndGradient(
        at x: UnsafeBufferPointer<Double>, gradient: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        switch self {
        case .harmonic(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .quartic(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .doubleWell1D(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .doubleWell(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .muellerBrown(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .gaussianMixture(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .rosenbrock(let p): p.energyAndGradient(at: x, gradient: gradient)
        case .lennardJones(let p): p.energyAndGradient(at: x, gradient: gradient)
        }
    }
}
