// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL
import LangevinCore

/// Adaptive numerical integration by GSL's QUADPACK routines: QAGS on finite intervals, QAGI on (−∞, ∞),
/// QAGIL/QAGIU on half-lines. The integrand is a Swift closure.
public struct Quadrature: ~Copyable {
    private let workspace: UnsafeMutablePointer<gsl_integration_workspace>
    private let limit: Int
    /// Absolute and relative error targets.
    public var absoluteTolerance: Double
    public var relativeTolerance: Double

    public init(absoluteTolerance: Double = 0, relativeTolerance: Double = 1e-10, limit: Int = 2000) {
        GSLErrors.install()
        self.workspace = gsl_integration_workspace_alloc(limit)!
        self.limit = limit
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
    }

    deinit { gsl_integration_workspace_free(workspace) }

    /// ∫ f over [lower, upper]; either bound may be infinite. Returns the value and GSL's error estimate.
    public func integrate(
        _ f: (Double) -> Double, from lower: Double, to upper: Double
    ) throws(LangevinError) -> (value: Double, error: Double) {
        guard !(lower.isNaN || upper.isNaN) else { throw .invalidParameter("quadrature bounds must not be NaN") }
        if lower == upper { return (0, 0) }
        if lower > upper {
            let r = try integrate(f, from: upper, to: lower)
            return (-r.value, r.error)
        }
        return try withoutActuallyEscaping(f) { (escapable: @escaping (Double) -> Double) throws(LangevinError) in
            var box = IntegrandBox(f: escapable)
            var result = 0.0, error = 0.0
            let status: Int32 = withUnsafeMutablePointer(to: &box) { boxPointer in
                var fn = gsl_function(
                    function: { x, params in params!.assumingMemoryBound(to: IntegrandBox.self).pointee.f(x) },
                    params: UnsafeMutableRawPointer(boxPointer))
                switch (lower.isFinite, upper.isFinite) {
                case (true, true):
                    return gsl_integration_qags(&fn, lower, upper, absoluteTolerance, relativeTolerance, limit,
                                                workspace, &result, &error)
                case (false, false):
                    return gsl_integration_qagi(&fn, absoluteTolerance, relativeTolerance, limit, workspace,
                                                &result, &error)
                case (true, false):
                    return gsl_integration_qagiu(&fn, lower, absoluteTolerance, relativeTolerance, limit, workspace,
                                                 &result, &error)
                case (false, true):
                    return gsl_integration_qagil(&fn, upper, absoluteTolerance, relativeTolerance, limit, workspace,
                                                 &result, &error)
                }
            }
            // GSL_EROUND (18) means the requested accuracy was not reached but the estimate is usable.
            guard status == 0 || status == 18 else {
                throw GSLErrors.error(status, "numerical integration over [\(lower), \(upper)]")
            }
            guard result.isFinite else {
                throw LangevinError(.numerical, "numerical integration over [\(lower), \(upper)] gave \(result)")
            }
            return (result, error)
        }
    }
}

private struct IntegrandBox {
    let f: (Double) -> Double
}
