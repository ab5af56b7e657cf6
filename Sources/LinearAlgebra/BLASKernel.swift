// SPDX-License-Identifier: GPL-3.0-or-later
// Which OpenBLAS kernel the process runs, and the one correction the project makes to OpenBLAS's choice.
//
// A DYNAMIC_ARCH OpenBLAS picks its kernels (the "core") once, when the library is loaded — before `main` — from
// the CPU model, or from the environment variable OPENBLAS_CORETYPE when that is set. An OpenBLAS older than the
// CPU does not know its model and falls back to a generic kernel: Debian's 0.3.21 runs its SSE3 `Prescott` kernel
// on recent Intel Xeons with AVX-512, 5–7× slower than its `SkylakeX` kernel on the same CPU. Since the choice is
// made before any Swift code runs, the correction is to start the program again with the variable set:
// ``BLASKernel/useBestAvailable()`` re-executes the running program (same executable, same arguments, same open
// files, same process id) with OPENBLAS_CORETYPE naming a kernel for the CPU's instruction set, and the new image
// removes the variable again at once, so that the processes it starts see the user's environment unchanged.
//
// It never overrides the user: when OPENBLAS_CORETYPE is set (to anything), that is what runs.

internal import CCBLAS
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The OpenBLAS kernel ("core") this process computes with, and how it was chosen.
public enum BLASKernel {
    /// How the running kernel was chosen.
    public enum Origin: Sendable, Equatable {
        /// OpenBLAS's own detection.
        case detected
        /// The user's OPENBLAS_CORETYPE (its value as given).
        case user(String)
        /// Chosen by ``useBestAvailable()`` because OpenBLAS had fallen back to the generic kernel named.
        case selected(replacing: String)
    }

    /// The kernel's name as OpenBLAS reports it (`openblas_get_corename()`), e.g. `"SkylakeX"`, `"Haswell"`,
    /// `"Prescott"`.
    public static var name: String { String(cString: openblas_get_corename()) }

    /// The library's build description (`openblas_get_config()`), e.g. `"OpenBLAS 0.3.21 DYNAMIC_ARCH …"`.
    public static var library: String { String(cString: openblas_get_config()) }

    /// How the running kernel was chosen.
    public static var origin: Origin {
        chosen.withLock { stored in
            if let stored { return stored }
            if let user = environment(coreTypeVariable) { return .user(user) }
            return .detected
        }
    }

    /// One line for `--version` and benchmark headers, e.g.
    /// `"OpenBLAS 0.3.21, kernel SkylakeX (chosen for this CPU's AVX-512; OpenBLAS detected Prescott)"`.
    public static var summary: String {
        let version = library.split(separator: " ").prefix(2).joined(separator: " ")
        let how: String
        switch origin {
        case .detected: how = "detected by OpenBLAS"
        case .user(let value): how = "OPENBLAS_CORETYPE=\(value)"
        case .selected(let fallback):
            how = "chosen for this CPU's \(CPUVectorSupport.current.description); OpenBLAS detected \(fallback)"
        }
        return "\(version), kernel \(name) (\(how))"
    }

    /// The kernel ``useBestAvailable()`` would run instead of `loaded` on a CPU with `cpu`'s instruction sets, or
    /// nil when `loaded` already uses the widest vectors the CPU has (or is a name this table does not know).
    ///
    /// Only kernels whose SGEMM results were checked against a double-precision reference on CPUs of their class
    /// are chosen: `SkylakeX` for AVX-512 (F, DQ, CD, BW, VL), `Haswell` for AVX2 with FMA.
    public static func replacement(for loaded: String, cpu: CPUVectorSupport) -> String? {
        guard let loadedClass = vectorClass(ofKernel: loaded) else { return nil }
        if cpu.avx512 && loadedClass < 4 { return "SkylakeX" }
        if cpu.avx2FMA && loadedClass < 3 { return "Haswell" }
        return nil
    }

    /// Makes the process compute with the best verified kernel for this CPU when OpenBLAS fell back to a generic
    /// one; call it first thing in `main`, before any output and before any thread is started.
    ///
    /// When a better kernel exists (``replacement(for:cpu:)``) and the user has not set OPENBLAS_CORETYPE, this
    /// re-executes the program (`/proc/self/exe`, the same arguments and environment plus OPENBLAS_CORETYPE) and
    /// does not return; the new image, calling it again, removes the variable and records the choice (``origin``).
    /// If the re-execution cannot happen the process carries on with the detected kernel. Calling it more than once
    /// is harmless.
    public static func useBestAvailable() {
        if let fallback = environment(reexecMarker) {
            // The second image: OpenBLAS has read the variable; give children the user's environment back.
            unsetenv(coreTypeVariable)
            unsetenv(reexecMarker)
            // (A library that ignores the variable — not DYNAMIC_ARCH — still runs what it detected.)
            let running = name
            chosen.withLock { $0 = running == fallback ? .detected : .selected(replacing: fallback) }
            return
        }
        if environment(coreTypeVariable) != nil { return }       // the user's choice wins
        if chosen.withLock({ $0 != nil }) { return }
        let loaded = environment(testFallbackVariable) != nil ? "Prescott" : name
        guard let better = replacement(for: loaded, cpu: .current) else {
            chosen.withLock { $0 = .detected }
            return
        }
        setenv(coreTypeVariable, better, 1)
        setenv(reexecMarker, name, 1)
        unsetenv(testFallbackVariable)
        fflush(nil)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Not re-executed (no /proc, or no permission): keep the detected kernel and the user's environment.
        unsetenv(coreTypeVariable)
        unsetenv(reexecMarker)
        chosen.withLock { $0 = .detected }
    }

    /// The environment variable OpenBLAS reads its kernel choice from.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set only between the re-execution and the new image's ``useBestAvailable()``: the kernel OpenBLAS detected.
    static let reexecMarker = "LANGEVIN_BLAS_REEXEC_FROM"
    /// Tests only: treat the detected kernel as a generic fallback, so that the re-execution path runs on any CPU
    /// with AVX2 or AVX-512 (the CLI tests use it to check that arguments, output and exit status survive it).
    public static let testFallbackVariable = "LANGEVIN_BLAS_TEST_FALLBACK"

    private static let chosen = Mutex<Origin?>(nil)

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// 1 = SSE only, 2 = AVX, 3 = AVX2/FMA, 4 = AVX-512; nil for names not known here.
    static func vectorClass(ofKernel name: String) -> Int? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 4
        case "haswell", "zen": return 3
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 2
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "opteron", "opteron_sse3", "barcelona",
             "bobcat", "katmai", "coppermine", "northwood", "banias", "athlon", "nano":
            return 1
        default: return nil
        }
    }
}

/// The vector instruction sets of this CPU that the operating system has enabled (CPUID and XGETBV on x86;
/// none elsewhere).
public struct CPUVectorSupport: Sendable, Equatable, CustomStringConvertible {
    public var avx: Bool
    /// AVX2 and FMA3.
    public var avx2FMA: Bool
    /// AVX-512 F, DQ, CD, BW and VL with the OS saving the ZMM state.
    public var avx512: Bool

    public init(avx: Bool, avx2FMA: Bool, avx512: Bool) {
        self.avx = avx
        self.avx2FMA = avx2FMA
        self.avx512 = avx512
    }

    /// This CPU's.
    public static var current: CPUVectorSupport {
        let f = ccblas_cpu_vector_features()
        return CPUVectorSupport(avx: f & UInt32(CCBLAS_CPU_AVX) != 0,
                                avx2FMA: f & UInt32(CCBLAS_CPU_AVX2_FMA) != 0,
                                avx512: f & UInt32(CCBLAS_CPU_AVX512) != 0)
    }

    /// `"AVX-512"`, `"AVX2/FMA"`, `"AVX"` or `"SSE"`: the widest set.
    public var description: String { avx512 ? "AVX-512" : avx2FMA ? "AVX2/FMA" : avx ? "AVX" : "SSE" }
}
