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
        .library(name: "Platform", targets: ["Platform"]),
        .library(name: "Figures", targets: ["Figures"]),
        .library(name: "LangevinCommands", targets: ["LangevinCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // `make docs`: API documentation with DocC.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C leaves. GSL is linked by name (Debian's gsl.pc would add -lgslcblas); BLAS comes from OpenBLAS.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL"),
        .systemLibrary(name: "CCBLAS", path: "Sources/CCBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

        // The platform layer: the C library import, errno messages, the one safe file writer, output locks.
        .target(name: "Platform"),
        // Philox4x32-10 and its vectorised Box–Muller normals (C: per-CPU vector paths chosen at run time).
        .target(name: "CPhilox", path: "Sources/CPhilox"),

        // Pure Swift core: energies, random-source protocol, integrators, chain driver.
        .target(name: "LangevinCore", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        // The only target that imports CGSL.
        .target(name: "GSLSupport", dependencies: ["LangevinCore", "CGSL"]),
        // The counter-based Gaussian source (Philox keyed by seed and chain), the only target that imports CPhilox
        // (its tests also call the C paths directly).
        .target(name: "CounterRandom", dependencies: ["LangevinCore", "CPhilox"]),
        // The only target that imports CCBLAS.
        .target(name: "LinearAlgebra", dependencies: ["CCBLAS"]),
        .target(name: "Expressions", dependencies: ["LangevinCore", "Platform"]),
        .target(name: "Potentials", dependencies: ["LangevinCore", "Platform"]),
        .target(name: "Diagnostics", dependencies: ["LangevinCore", "GSLSupport", "Potentials", "Platform"]),
        // Labelled image data sets: IDX, CSV and PNG folders, validated; the catalogue of known sets.
        .target(name: "Datasets", dependencies: ["LangevinCore", "CPNG", "CZlib", "Platform",
                                              .product(name: "RealModule", package: "swift-numerics")]),
        // Classifiers over a flat parameter vector: the public Layer protocol, dense/conv/pooling layers on OpenBLAS,
        // the worker pool.
        .target(name: "NeuralNetworks", dependencies: ["LangevinCore", "LinearAlgebra", "Platform"]),
        // Predictive metrics, posterior-predictive accumulators, reports and plots (no network dependency).
        .target(name: "Evaluation", dependencies: ["LangevinCore", "Platform"]),
        // The network posterior as an energy: minibatch energy (N/B)·ΣNLL + prior, trainer, checkpoints.
        .target(name: "NeuralEnergy", dependencies: ["LangevinCore", "GSLSupport", "CounterRandom", "Datasets", "Diagnostics",
                                                     "NeuralNetworks", "Evaluation", "CZlib", "Platform",
                                                     .product(name: "RealModule", package: "swift-numerics")]),
        // The command line (sample, check, train, potentials) as a library: `langevin` runs it in one process,
        // `langevin-mpi` spreads its chains over MPI ranks through its ChainDistribution hook.
        .target(
            name: "LangevinCommands",
            dependencies: [
                "LangevinCore", "GSLSupport", "Expressions", "Potentials", "Diagnostics", "NeuralEnergy",
                "Platform", "LinearAlgebra", "CounterRandom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "LangevinCLI", dependencies: ["LangevinCommands"]),

        // Figures: gnuplot-backed PNG figures (Foundation only), for examples and reports.
        .target(name: "Figures", dependencies: ["Platform"]),

        // Examples: one idea each.
        .target(name: "ExampleSupport", dependencies: ["Figures"], path: "Examples/ExampleSupport"),
        .executableTarget(name: "temperature-dial",
                          dependencies: ["ExampleSupport", "Figures", "LangevinCore", "GSLSupport", "Potentials"],
                          path: "Examples/temperature-dial"),
        .executableTarget(name: "relaxation",
                          dependencies: ["ExampleSupport", "Figures", "LangevinCore", "GSLSupport", "Potentials"],
                          path: "Examples/relaxation"),
        .executableTarget(name: "sgd-vs-sgld",
                          dependencies: ["ExampleSupport", "Figures", "LangevinCore", "GSLSupport", "Diagnostics"],
                          path: "Examples/sgd-vs-sgld"),
        .executableTarget(name: "double-well-histogram", dependencies: ["LangevinCore", "GSLSupport", "Potentials", "Diagnostics"],
                          path: "Examples/double-well-histogram"),
        .executableTarget(name: "integrator-bias",
                          dependencies: ["LangevinCore", "GSLSupport", "Potentials", "Diagnostics", "ExampleSupport", "Figures"],
                          path: "Examples/integrator-bias"),
        .executableTarget(name: "sgld-mnist",
                          dependencies: ["LangevinCore", "GSLSupport", "NeuralEnergy", "ExampleSupport", "Figures",
                                         "LinearAlgebra"],
                          path: "Examples/sgld-mnist"),
        // A user's own energy type and a user's own integrator, written with public API only.
        .executableTarget(name: "custom-energy", dependencies: ["LangevinCore", "GSLSupport", "Diagnostics"],
                          path: "Examples/custom-energy"),
        .executableTarget(name: "custom-integrator",
                          dependencies: ["LangevinCore", "GSLSupport", "Potentials", "Diagnostics"],
                          path: "Examples/custom-integrator"),

        // Benchmarks (release build: `make bench`).
        .target(name: "W1Reference", path: "Benchmarks/W1Reference", linkerSettings: [.linkedLibrary("gsl")]),
        .executableTarget(name: "langevin-bench",
                          dependencies: ["LangevinCore", "GSLSupport", "Expressions", "Potentials", "W1Reference",
                                         "NeuralEnergy", "LinearAlgebra", "CounterRandom",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Benchmarks/langevin-bench"),

        // Helpers shared by the test targets (temporary folders, processes, finite differences, tags).
        .target(name: "LangevinTestSupport", path: "Tests/TestSupport"),

        // Fast deterministic unit tests.
        .testTarget(name: "LangevinCoreTests", dependencies: ["LangevinTestSupport", "LangevinCore"]),
        .testTarget(name: "GSLSupportTests", dependencies: ["LangevinTestSupport", "GSLSupport", "LangevinCore"]),
        .testTarget(name: "CounterRandomTests", dependencies: ["LangevinTestSupport", "CounterRandom", "CPhilox", "LangevinCore"]),
        .testTarget(name: "ExpressionsTests", dependencies: ["LangevinTestSupport", "Expressions", "LangevinCore"]),
        .testTarget(name: "PotentialsTests", dependencies: ["LangevinTestSupport", "Potentials", "LangevinCore"]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["LangevinTestSupport", "Diagnostics", "GSLSupport", "LangevinCore"]),
        .testTarget(name: "NeuralEnergyTests", dependencies: ["LangevinTestSupport", "NeuralEnergy", "Datasets", "NeuralNetworks", "Evaluation", "LangevinCore", "GSLSupport", "CPNG", "CZlib"]),
        // Statistical tests: fixed seeds, tolerances from effective sample sizes (run in release).
        .testTarget(name: "StatisticalTests",
                    dependencies: ["LangevinTestSupport", "LangevinCore", "GSLSupport", "Potentials", "Expressions",
                                   "Diagnostics", "NeuralEnergy", "CounterRandom"]),
        .testTarget(name: "PlatformTests", dependencies: ["LangevinTestSupport", "Platform"]),
        // Hostile-user cases against the built `langevin`: special files, full disks, signals, overflow, shapes.
        .testTarget(name: "ReliabilityTests", dependencies: ["LangevinTestSupport", "LangevinCLI"]),
        // The CLI contract, exercised through the built `langevin` executable.
        .testTarget(name: "CLITests", dependencies: ["LangevinTestSupport", "LangevinCLI"]),
        // The teaching examples run in their short setting (their own assertions pass, their PNGs are valid), and
        // the figure writer.
        .testTarget(name: "ExampleTests",
                    dependencies: ["LangevinTestSupport", "Figures", "ExampleSupport", "temperature-dial", "relaxation",
                                   "integrator-bias", "sgd-vs-sgld", "sgld-mnist", "double-well-histogram",
                                   "custom-energy", "custom-integrator"]),
        // Example: a user's own sampler tested with SamplerCheck (Swift Testing).
        .testTarget(name: "SamplerCheckExample", dependencies: ["Diagnostics", "LangevinCore"],
                    path: "Examples/testing-your-sampler"),
    ]
)

// libFuzzer harnesses, only when LANGEVIN_FUZZ is set (`make fuzz` builds them with
// `-sanitize=fuzzer,address` into .build-fuzz), so a normal `swift build` / `swift test` never sees them.
if Context.environment["LANGEVIN_FUZZ"] != nil {
    let harness: [SwiftSetting] = []
    package.targets += [
        .executableTarget(name: "fuzz-expressions", dependencies: ["Expressions", "LangevinCore"],
                          path: "Fuzz/expressions", swiftSettings: harness),
        .executableTarget(name: "fuzz-idx", dependencies: ["Datasets", "LangevinCore"],
                          path: "Fuzz/idx", swiftSettings: harness),
        .executableTarget(name: "fuzz-csv", dependencies: ["Datasets", "LangevinCore"],
                          path: "Fuzz/csv", swiftSettings: harness),
        .executableTarget(name: "fuzz-png", dependencies: ["Datasets", "LangevinCore"],
                          path: "Fuzz/png", swiftSettings: harness),
        .executableTarget(name: "fuzz-checkpoint", dependencies: ["NeuralEnergy", "LangevinCore", "CZlib"],
                          path: "Fuzz/checkpoint", swiftSettings: harness),
    ]
}

// `langevin-mpi`: the same commands with the chains spread over MPI ranks (Open MPI: Debian libopenmpi-dev,
// openmpi-bin). Only when LANGEVIN_MPI is set (`make mpi` sets it), so that the package builds and tests without MPI.
if Context.environment["LANGEVIN_MPI"] != nil {
    package.products += [.executable(name: "langevin-mpi", targets: ["langevin-mpi"])]
    package.targets += [
        .systemLibrary(name: "CMPI", path: "MPI/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .executableTarget(name: "langevin-mpi", dependencies: ["LangevinCommands", "LangevinCore", "CMPI"], path: "MPI/langevin-mpi"),
    ]
}
