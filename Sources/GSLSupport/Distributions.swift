// SPDX-License-Identifier: GPL-3.0-or-later
import CGSL

/// Distribution functions from GSL (`gsl_cdf_*`, `gsl_sf_*`), as used by the statistical checks.
public enum GSLDistributions {
    /// Standard normal CDF Φ(x) (`gsl_cdf_ugaussian_P`).
    public static func normalCDF(_ x: Double) -> Double { gsl_cdf_ugaussian_P(x) }
    /// Standard normal upper tail 1 − Φ(x) (`gsl_cdf_ugaussian_Q`).
    public static func normalUpperTail(_ x: Double) -> Double { gsl_cdf_ugaussian_Q(x) }
    /// Standard normal quantile Φ⁻¹(p) (`gsl_cdf_ugaussian_Pinv`).
    public static func normalQuantile(_ p: Double) -> Double { gsl_cdf_ugaussian_Pinv(p) }
    /// χ² upper tail P(X > x) with ν degrees of freedom (`gsl_cdf_chisq_Q`).
    public static func chiSquaredUpperTail(_ x: Double, degreesOfFreedom nu: Double) -> Double { gsl_cdf_chisq_Q(x, nu) }
    /// log Γ(x) (`gsl_sf_lngamma`).
    public static func logGamma(_ x: Double) -> Double { gsl_sf_lngamma(x) }
    /// Γ(x) (`gsl_sf_gamma`).
    public static func gamma(_ x: Double) -> Double { gsl_sf_gamma(x) }
}
