// swift-tools-version:6.0
// Langevin: physics-style Langevin sampling of toy potentials and of neural-network posteriors.
// SPDX-License-Identifier: GPL-3.0-or-later
import PackageDescription

let package = Package(
    name: "Langevin",
    products: [
        .executable(name: "langevin", targets: ["LangevinCLI"]),
        .library(name: "LangevinCore", targets: ["LangevinCore"]),
        .library(name: "GSLSupport", targets: ["GSLSupport"]),
        .library(name: "CounterRandom", targets: ["CounterRandom"]),
        .library(name: "Expressions", targets: ["Expressions"]),
        .library(name: "Potentials", targets: ["Potentials"]),
        .library(name: "Diagnostics", targets: ["Diagnostics"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "NeuralNetworks", targets: ["NeuralNetworks"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "NeuralEnergy", targets: ["NeuralEnergy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C leaves. GSL is linked by name (Debian's gsl.pc would add -lgslcblas); BLAS comes from OpenBLAS.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        .systemLibrary(name: "CCBLAS", path: "Sources/CCBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // Philox4x32-10 and its vectorised Box–Muller normals (C: per-CPU vector paths chosen at run time).
        .target(name: "CPhilox", path: "Sources/CPhilox"),

        // Pure Swift core: energies, random-source protocol, integrators, chain driver.
        .target(name: "LangevinCore"),
        // The only target that imports CGSL.
        .target(name: "GSLSupport", dependencies: ["LangevinCore", "CGSL"]),
        // The counter-based Gaussian source (Philox keyed by seed and chain), the only target that imports CPhilox.
        .target(name: "CounterRandom", dependencies: ["LangevinCore", "CPhilox"]),
        // The only target that imports CCBLAS.
        .target(name: "LinearAlgebra", dependencies: ["CCBLAS"]),
        .target(name: "Expressions", dependencies: ["LangevinCore"]),
        .target(name: "Potentials", dependencies: ["LangevinCore"]),
        .target(name: "Diagnostics", dependencies: ["LangevinCore", "GSLSupport"]),
        // Labelled image data sets: IDX, CSV and PNG folders, validated; the catalogue of known sets.
        .target(name: "Datasets", dependencies: ["LangevinCore", "CPNG", "CZlib"]),
        // Classifiers over a flat parameter vector: the public Layer protocol, dense/conv/pooling layers on OpenBLAS,
        // the worker pool.
        .target(name: "NeuralNetworks", dependencies: ["LangevinCore", "LinearAlgebra"]),
        // Predictive metrics, posterior-predictive accumulators, reports and plots (no network dependency).
        .target(name: "Evaluation", dependencies: ["LangevinCore"]),
        // The network posterior as an energy: minibatch energy (N/B)·ΣNLL + prior, trainer, checkpoints.
        .target(name: "NeuralEnergy", dependencies: ["LangevinCore", "GSLSupport", "CounterRandom", "Datasets", "NeuralNetworks",
                                                     "Evaluation", "CZlib"]),
        .executableTarget(
            name: "LangevinCLI",
            dependencies: [
                "LangevinCore", "GSLSupport", "Expressions", "Potentials", "Diagnostics", "NeuralEnergy", "LinearAlgebra",
                "CounterRandom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Examples: one idea each.
        .executableTarget(name: "double-well-histogram", dependencies: ["LangevinCore", "GSLSupport", "Potentials", "Diagnostics"],
                          path: "Examples/double-well-histogram"),
        .executableTarget(name: "integrator-bias", dependencies: ["LangevinCore", "GSLSupport", "Potentials"],
                          path: "Examples/integrator-bias"),
        .executableTarget(name: "sgld-mnist", dependencies: ["LangevinCore", "GSLSupport", "NeuralEnergy", "LinearAlgebra"],
                          path: "Examples/sgld-mnist"),

        // Benchmarks (release build: `make bench`).
        .target(name: "W1Reference", path: "Benchmarks/W1Reference", linkerSettings: [.linkedLibrary("gsl")]),
        .executableTarget(name: "langevin-bench",
                          dependencies: ["LangevinCore", "GSLSupport", "Expressions", "Potentials", "W1Reference",
                                         "NeuralEnergy", "LinearAlgebra", "CounterRandom",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Benchmarks/langevin-bench"),

        // Fast deterministic unit tests.
        .testTarget(name: "LangevinCoreTests", dependencies: ["LangevinCore"]),
        .testTarget(name: "GSLSupportTests", dependencies: ["GSLSupport", "LangevinCore"]),
        .testTarget(name: "CounterRandomTests", dependencies: ["CounterRandom", "LangevinCore"]),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "LangevinCore"]),
        .testTarget(name: "PotentialsTests", dependencies: ["Potentials", "LangevinCore"]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics", "GSLSupport", "LangevinCore"]),
        .testTarget(name: "NeuralEnergyTests", dependencies: ["NeuralEnergy", "Datasets", "NeuralNetworks", "Evaluation", "LangevinCore", "GSLSupport", "CPNG", "CZlib"]),
        // Statistical tests: fixed seeds, tolerances from effective sample sizes (run in release).
        .testTarget(name: "StatisticalTests",
                    dependencies: ["LangevinCore", "GSLSupport", "Potentials", "Expressions", "Diagnostics",
                                   "CounterRandom"]),
        // The CLI contract, exercised through the built `langevin` executable.
        .testTarget(name: "CLITests", dependencies: ["LangevinCLI"]),
    ]
)
