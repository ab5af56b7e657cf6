// SPDX-License-Identifier: GPL-3.0-or-later
// Small numerical helpers shared by the diagnostics: summary statistics, a radix-2 FFT, number formatting.

import Platform

/// Sample mean (1/n) Σ xᵢ, summed pairwise-free in order (n ≤ 10⁸ keeps the rounding error ≪ 10⁻⁸ relative).
func sampleMean(_ x: UnsafeBufferPointer<Double>) -> Double {
    guard !x.isEmpty else { return .nan }
    var s = 0.0
    for v in x { s += v }
    return s / Double(x.count)
}

func sampleMean(_ x: [Double]) -> Double { x.withUnsafeBufferPointer { sampleMean($0) } }

/// Unbiased sample variance (1/(n−1)) Σ (xᵢ − x̄)², by the two-pass algorithm (Chan, Golub & LeVeque 1983).
func sampleVariance(_ x: UnsafeBufferPointer<Double>, mean: Double) -> Double {
    guard x.count > 1 else { return .nan }
    var s = 0.0, c = 0.0
    for v in x {
        let d = v - mean
        s += d * d
        c += d
    }
    // The compensation term c²/n removes the rounding error of the mean (corrected two-pass algorithm).
    return (s - c * c / Double(x.count)) / Double(x.count - 1)
}

func sampleVariance(_ x: [Double]) -> Double {
    x.withUnsafeBufferPointer { sampleVariance($0, mean: sampleMean($0)) }
}

/// The smallest power of two ≥ n (n ≥ 1).
func nextPowerOfTwo(_ n: Int) -> Int {
    var p = 1
    while p < n { p <<= 1 }
    return p
}

/// In-place forward discrete Fourier transform X_k = Σⱼ x_j e^{−2πi jk/N} of a complex sequence given as separate
/// real and imaginary parts, N a power of two: iterative radix-2 decimation in time (Cooley & Tukey 1965), O(N log N).
func fftForward(_ re: UnsafeMutableBufferPointer<Double>, _ im: UnsafeMutableBufferPointer<Double>) {
    let n = re.count
    precondition(n == im.count && n > 0 && n & (n - 1) == 0, "FFT length must be a power of two")
    if n == 1 { return }
    // Bit-reversal permutation.
    var j = 0
    for i in 1..<n {
        var bit = n >> 1
        while j & bit != 0 {
            j ^= bit
            bit >>= 1
        }
        j |= bit
        if i < j {
            let tr = re[i]; re[i] = re[j]; re[j] = tr
            let ti = im[i]; im[i] = im[j]; im[j] = ti
        }
    }
    // Twiddle factors w_k = e^{−2πik/N}, k < N/2.
    let half = n / 2
    var cosTable = [Double](repeating: 0, count: half)
    var sinTable = [Double](repeating: 0, count: half)
    for k in 0..<half {
        let a = -2 * Double.pi * Double(k) / Double(n)
        cosTable[k] = cos(a)
        sinTable[k] = sin(a)
    }
    cosTable.withUnsafeBufferPointer { wc in
        sinTable.withUnsafeBufferPointer { ws in
            var length = 2
            while length <= n {
                let halfLength = length / 2
                let stride = n / length
                var start = 0
                while start < n {
                    for k in 0..<halfLength {
                        let wr = wc[k * stride], wi = ws[k * stride]
                        let a = start + k, b = a + halfLength
                        let tr = re[b] * wr - im[b] * wi
                        let ti = re[b] * wi + im[b] * wr
                        re[b] = re[a] - tr
                        im[b] = im[a] - ti
                        re[a] += tr
                        im[a] += ti
                    }
                    start += length
                }
                length <<= 1
            }
        }
    }
}

/// A number in at most `significant` significant digits: fixed notation for 10⁻³ ≤ |x| < 10⁶, otherwise
/// scientific (`1.234e-05`); "nan", "inf", "-inf" for non-finite values. Foundation-free.
func formatNumber(_ x: Double, significant: Int = 4) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    let a = abs(x)
    let sign = x < 0 ? "-" : ""
    var exponent = Int(floor(log10(a)))
    if a >= 1e-3 && a < 1e6 {
        let decimals = max(0, significant - 1 - exponent)
        let scale = pow(10.0, Double(decimals))
        let scaled = (a * scale).rounded()
        var digits = String(Int64(scaled))
        if decimals > 0 {
            while digits.count <= decimals { digits = "0" + digits }
            let cut = digits.index(digits.endIndex, offsetBy: -decimals)
            var fraction = String(digits[cut...])
            while fraction.hasSuffix("0") { fraction.removeLast() }
            let whole = String(digits[..<cut])
            return sign + (fraction.isEmpty ? whole : whole + "." + fraction)
        }
        return sign + digits
    }
    var mantissa = a / pow(10.0, Double(exponent))
    let scale = pow(10.0, Double(significant - 1))
    mantissa = (mantissa * scale).rounded() / scale
    if mantissa >= 10 {
        mantissa /= 10
        exponent += 1
    }
    let m = formatNumber(mantissa, significant: significant)
    let e = exponent < 0 ? "-" + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
                         : "+" + (exponent < 10 ? "0" : "") + String(exponent)
    return sign + m + "e" + e
}
