// SPDX-License-Identifier: GPL-3.0-or-later

import LangevinCore
import Potentials
import Testing

@Suite("BuiltinPotential catalogue")
struct CatalogTests {
    @Test func namesAreTheDocumentedKebabCaseNames() {
        #expect(BuiltinPotential.names == [
            "harmonic", "quartic", "double-well-1d", "double-well", "mueller-brown", "gaussian-mixture",
            "rosenbrock", "lennard-jones",
        ])
        for info in BuiltinPotential.catalog {
            #expect(!info.summary.isEmpty)
            #expect(Set(info.parameters.map(\.name)).count == info.parameters.count)
            for p in info.parameters { #expect(!p.summary.isEmpty && p.defaultValue.isFinite) }
        }
    }

    /// Each catalogue entry next to the struct it must wrap (the enum case only carries it).
    static let pairs: [(String, [String: Double], BuiltinPotential)] = [
        ("harmonic", [:], .harmonic(try! Harmonic(stiffness: [1]))),
        ("harmonic", ["k": 2, "dim": 3, "k2": 5], .harmonic(try! Harmonic(stiffness: [2, 5, 2]))),
        ("harmonic", ["k1": 3, "k2": 4], .harmonic(try! Harmonic(stiffness: [3, 4]))),
        ("quartic", ["a": 0.5, "dim": 2], .quartic(try! Quartic(a: 0.5, dimension: 2))),
        ("double-well-1d", ["h": 3], .doubleWell1D(try! DoubleWell1D(barrier: 3, position: 1))),
        ("double-well", [:], .doubleWell(DoubleWell2D.benchmark)),
        ("double-well", ["h": 2, "a": 1.5, "ky": 4], .doubleWell(try! DoubleWell2D(barrier: 2, position: 1.5, ky: 4))),
        ("mueller-brown", [:], .muellerBrown(try! MuellerBrown(scale: 0.1))),
        ("gaussian-mixture", [:], .gaussianMixture(try! GaussianMixture(
            weights: [0.3, 0.7], means: [-2, 2], standardDeviations: [1, 1]))),
        ("rosenbrock", ["b": 50], .rosenbrock(try! Rosenbrock(a: 1, b: 50, scale: 20))),
        ("lennard-jones", ["n": 5, "k": 0.1], .lennardJones(try! LennardJonesCluster(particles: 5, confinement: 0.1))),
    ]

    /// The enum's U, ∇U, dimension and names are bit-for-bit the struct's.
    func compare<E: Energy>(_ p: BuiltinPotential, _ reference: E, seed: UInt64) where E.Scalar == Double {
        #expect(p.dimension == reference.dimension)
        #expect(p.variableNames == reference.variableNames)
        let start = p.defaultInitialPosition
        #expect(start.count == p.dimension)
        var rng = SplitMix64(seed: seed)
        for _ in 0..<5 {
            let x = start.map { $0 + 0.3 * (2 * rng.nextUniform() - 1) }
            let a = p.energyAndGradient(at: x), b = reference.energyAndGradient(at: x)
            #expect(a.energy == b.energy)
            #expect(a.gradient == b.gradient)
            #expect(p.energy(at: x) == reference.energy(at: x))
        }
    }

    @Test(arguments: 0..<pairs.count)
    func builtinEqualsUnderlyingStruct(index: Int) throws {
        let (name, settings, reference) = Self.pairs[index]
        let p = try BuiltinPotential.make(name: name, settings: settings)
        #expect(p.name == name)
        #expect(p == reference)
        let seed = UInt64(100 + index)
        switch reference {
        case .harmonic(let s): compare(p, s, seed: seed)
        case .quartic(let s): compare(p, s, seed: seed)
        case .doubleWell1D(let s): compare(p, s, seed: seed)
        case .doubleWell(let s): compare(p, s, seed: seed)
        case .muellerBrown(let s): compare(p, s, seed: seed)
        case .gaussianMixture(let s): compare(p, s, seed: seed)
        case .rosenbrock(let s): compare(p, s, seed: seed)
        case .lennardJones(let s): compare(p, s, seed: seed)
        }
    }

    @Test func defaultsFromTheCatalogueReproduceTheDefaults() throws {
        for info in BuiltinPotential.catalog {
            let explicit = Dictionary(uniqueKeysWithValues: info.parameters.map { ($0.name, $0.defaultValue) })
            #expect(try BuiltinPotential.make(name: info.name, settings: explicit)
                    == BuiltinPotential.make(name: info.name, settings: [:]))
            let p = try BuiltinPotential.make(name: info.name)
            let start = p.defaultInitialPosition
            let (u, g) = p.energyAndGradient(at: start)
            #expect(u.isFinite && g.allSatisfy(\.isFinite), "\(info.name) at its default start")
        }
    }

    @Test func defaultStartsAreWellMinima() throws {
        #expect(try BuiltinPotential.make(name: "double-well").defaultInitialPosition == [1, 0])
        #expect(try BuiltinPotential.make(name: "double-well-1d", settings: ["a": 2]).defaultInitialPosition == [2])
        #expect(try BuiltinPotential.make(name: "rosenbrock", settings: ["a": 2]).defaultInitialPosition == [2, 4])
        #expect(try BuiltinPotential.make(name: "gaussian-mixture").defaultInitialPosition == [2])
        let lj = try BuiltinPotential.make(name: "lennard-jones")
        #expect(lj.isParticleSystem && lj.particleDimension == 2)
        #expect(lj.variableNames.prefix(4) == ["x1", "y1", "x2", "y2"])
        let hex = LennardJonesCluster.hexagonalInitialPositions()
        #expect(zip(lj.defaultInitialPosition, hex).allSatisfy { abs($0 - $1) < 1e-14 })
        #expect(try !BuiltinPotential.make(name: "double-well").isParticleSystem)
        #expect(try BuiltinPotential.make(name: "harmonic").particleDimension == nil)
    }

    @Test func exactMomentsAreForwarded() throws {
        let h = try BuiltinPotential.make(name: "harmonic", settings: ["k1": 2, "k2": 4])
        #expect(h.exactMoments(temperature: 2) == ExactMoments(
            temperature: 2, means: [0, 0], variances: [1, 0.5], meanEnergy: 2))
        let q = try BuiltinPotential.make(name: "quartic")
        #expect(abs(q.exactMoments(temperature: 1)!.variances![0] - 0.6759782400672846) < 1e-14)
        let g = try BuiltinPotential.make(name: "gaussian-mixture", settings: ["separation": 4, "sigma": 1])
        let gm = try #require(g.exactMoments(temperature: 1))
        #expect(abs(gm.means![0] - 0.8) < 1e-14)
        #expect(abs(gm.variances![0] - (1 + 0.21 * 16)) < 1e-13)
        #expect(g.exactMoments(temperature: 0.5) == nil)
        #expect(try BuiltinPotential.make(name: "mueller-brown").exactMoments(temperature: 1) == nil)
        #expect(try BuiltinPotential.make(name: "lennard-jones").exactMoments(temperature: 1) == nil)
        #expect(try BuiltinPotential.make(name: "rosenbrock").exactMoments(temperature: 1)?.meanEnergy == 1)
    }

    @Test func unknownNameListsTheValidNames() {
        let error = #expect(throws: LangevinError.self) { try BuiltinPotential.make(name: "double_well", settings: [:]) }
        #expect(error?.code == .unknownName)
        for name in BuiltinPotential.names { #expect(error?.message.contains(name) == true) }
    }

    @Test func unknownKeyListsTheValidKeys() {
        let error = #expect(throws: LangevinError.self) {
            try BuiltinPotential.make(name: "double-well", settings: ["kx": 1])
        }
        #expect(error?.code == .unknownName)
        #expect(error?.message.contains("'kx'") == true)
        #expect(error?.message.contains("h, a, ky") == true)
        for key in ["k0", "k01", "kk", "k-1"] {
            let e = #expect(throws: LangevinError.self) { try BuiltinPotential.make(name: "harmonic", settings: [key: 1]) }
            #expect(e?.code == .unknownName, "harmonic key \(key)")
        }
    }

    @Test(arguments: [
        ("harmonic", ["k": -1.0]), ("harmonic", ["k": 0]), ("harmonic", ["k2": -3]),
        ("harmonic", ["dim": 0]), ("harmonic", ["dim": 2.5]), ("harmonic", ["dim": 2, "k3": 1]),
        ("quartic", ["a": 0]), ("quartic", ["a": .nan]), ("quartic", ["dim": -1]),
        ("double-well-1d", ["h": -1]), ("double-well-1d", ["a": 0]),
        ("double-well", ["ky": .infinity]), ("double-well", ["h": 0]),
        ("mueller-brown", ["scale": 0]), ("mueller-brown", ["scale": -0.1]),
        ("gaussian-mixture", ["sigma": 0]), ("gaussian-mixture", ["separation": -1]),
        ("rosenbrock", ["b": 0]), ("rosenbrock", ["a": .nan]), ("rosenbrock", ["scale": -20]),
        ("lennard-jones", ["sigma": 0]), ("lennard-jones", ["epsilon": -1]), ("lennard-jones", ["k": -0.01]),
        ("lennard-jones", ["n": 1]), ("lennard-jones", ["n": 7.5]), ("lennard-jones", ["dim": 4]),
    ] as [(String, [String: Double])])
    func invalidValuesAreRejected(name: String, settings: [String: Double]) {
        let error = #expect(throws: LangevinError.self) { try BuiltinPotential.make(name: name, settings: settings) }
        #expect(error?.code == .invalidParameter, "\(name) \(settings): \(String(describing: error))")
    }

    @Test func harmonicAxesSetTheDimension() throws {
        let p = try BuiltinPotential.make(name: "harmonic", settings: ["k3": 9])
        #expect(p == .harmonic(try Harmonic(stiffness: [1, 1, 9])))
        let q = try BuiltinPotential.make(name: "harmonic", settings: ["dim": 4, "k": 2])
        #expect(q.dimension == 4)
        #expect(q.variableNames == ["x0", "x1", "x2", "x3"])
    }
}
