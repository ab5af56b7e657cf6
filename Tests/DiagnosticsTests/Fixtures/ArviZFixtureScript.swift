// SPDX-License-Identifier: GPL-3.0-or-later
// The Python script that generated ArviZFixture.swift, once, with ArviZ 0.23.4 (nothing to compile here):
//
// # Generates ArviZFixture.swift: draws and the diagnostics ArviZ computes for them. Run ONCE, by hand, with
// # ArviZ 0.23 (`pip install arviz` in a throwaway virtual environment outside the repository):
// #     python make_arviz_fixture.py > ArviZFixture.swift
// # (the script is kept as this comment so that the test target holds Swift files only: copy it out, drop the
// # leading '// ', and run it)
// # The test suite only reads the generated Swift file; it needs no Python. The draws are chosen to reach every branch
// # of the estimators: moderate and strong autocorrelation, a chain offset (R-hat > 1), heavy tails, ties (rounded
// # values), antithetic chains (the 1/log10 floor), and an odd number of draws (the middle one dropped by the split).
// import arviz as az
// import numpy as np
//
// rng = np.random.default_rng(20261202)
// chains, draws = 4, 201
//
// def ar1(rho, offsets=(0, 0, 0, 0), scale=1.0):
//     x = np.empty((chains, draws))
//     for c in range(chains):
//         v = rng.normal()
//         for t in range(draws):
//             x[c, t] = v
//             v = rho * v + np.sqrt(1 - rho * rho) * rng.normal()
//         x[c] = scale * x[c] + offsets[c]
//     return x
//
// cases = {
//     "ar05": ar1(0.5),
//     "ar095Offset": ar1(0.95, offsets=(0, 0, 0, 0.8)),
//     "cauchy": rng.standard_cauchy((chains, draws)),
//     "ties": np.round(ar1(0.7), 1),
//     "antithetic": ar1(-0.7),
// }
//
// def swift_array(x):
//     rows = ",\n".join("        [" + ", ".join(repr(float(v)) for v in row) + "]" for row in x)
//     return "[\n" + rows + ",\n    ]"
//
// print("// SPDX-License-Identifier: GPL-3.0-or-later")
// print("// Generated once by the script in ArviZFixtureScript.swift with ArviZ %s, NumPy %s; do not edit by hand." % (az.__version__, np.__version__))
// print("// Each case: chains x draws, and ArviZ's rhat(method=\"rank\"), ess(method=\"bulk\"), ess(method=\"tail\"),")
// print("// ess(method=\"mean\").")
// print()
// print("struct ArviZCase {")
// print("    var name: String")
// print("    var chains: [[Double]]")
// print("    var rHatRank: Double")
// print("    var essBulk: Double")
// print("    var essTail: Double")
// print("    var essMean: Double")
// print("}")
// print()
// print("let arvizCases: [ArviZCase] = [")
// for name, x in cases.items():
//     r = float(az.rhat(x, method="rank"))
//     b = float(az.ess(x, method="bulk"))
//     t = float(az.ess(x, method="tail"))
//     m = float(az.ess(x, method="mean"))
//     print("    ArviZCase(name: \"%s\", chains: %s," % (name, swift_array(x)))
//     print("              rHatRank: %r, essBulk: %r, essTail: %r, essMean: %r)," % (r, b, t, m))
// print("]")
