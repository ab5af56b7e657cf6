// SPDX-License-Identifier: GPL-3.0-or-later
// The image transforms behind --shift rotation and the synthetic OOD sets: exact permutations at multiples of 90°,
// the rotation's direction and amount from second moments, pixel range, labels kept, and the noise set's law.
import Datasets
import GSLSupport
import LangevinCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Data transforms")
struct DataTransformTests {
    /// Two 28×28 images with distinct pixel values (so a permutation is visible), labels 3 and 7.
    static func distinctImages() throws -> Dataset {
        let n = 784
        let pixels = (0 ..< 2 * n).map { Float(($0 * 37) % 251) / 250 }
        return try Dataset(name: "t", images: pixels, labels: [3, 7])
    }

    @Test("0° is the identity and 90°, 180°, 270° are the exact pixel permutations")
    func quarterTurnsArePermutations() throws {
        let d = try Self.distinctImages()
        #expect(try d.rotated(byDegrees: 0).images == d.images)
        let q = try d.rotated(byDegrees: 90), h = try d.rotated(byDegrees: 180), t = try d.rotated(byDegrees: 270)
        for i in 0 ..< 2 {
            for r in 0 ..< 28 {
                for c in 0 ..< 28 {
                    let o = i * 784
                    // Counter-clockwise on screen: the top-right corner moves to the top-left.
                    #expect(q.images[o + r * 28 + c] == d.images[o + c * 28 + (27 - r)])
                    #expect(h.images[o + r * 28 + c] == d.images[o + (27 - r) * 28 + (27 - c)])
                    #expect(t.images[o + r * 28 + c] == d.images[o + (27 - c) * 28 + r])
                }
            }
        }
        #expect(try d.rotated(byDegrees: -90).images == t.images)
        #expect(try d.rotated(byDegrees: 360).images == d.images)
        #expect(q.labels == d.labels && q.name == "t/rot90" && q.rows == 28 && q.classes == 10)
    }

    /// The orientation (degrees, counter-clockwise from the x axis, y up) of an image's principal axis.
    static func principalAngle(_ image: ArraySlice<Float>) -> Double {
        var m = 0.0, mx = 0.0, my = 0.0
        for (k, v) in image.enumerated() {
            let x = Double(k % 28) - 13.5, y = 13.5 - Double(k / 28)
            m += Double(v); mx += Double(v) * x; my += Double(v) * y
        }
        mx /= m; my /= m
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for (k, v) in image.enumerated() {
            let x = Double(k % 28) - 13.5 - mx, y = 13.5 - Double(k / 28) - my
            sxx += Double(v) * x * x; syy += Double(v) * y * y; sxy += Double(v) * x * y
        }
        return 0.5 * atan2(2 * sxy, sxx - syy) * 180 / Double.pi
    }

    @Test("A horizontal bar rotated by θ has its principal axis at θ (counter-clockwise), values kept in [0, 1]",
          arguments: [15.0, 30.0, 45.0, 60.0, -30.0])
    func barTurnsByTheAngle(_ degrees: Double) throws {
        var pixels = [Float](repeating: 0, count: 784)
        for r in 13 ... 14 { for c in 6 ... 21 { pixels[r * 28 + c] = 1 } }
        let d = try Dataset(name: "bar", images: pixels, labels: [0])
        let r = try d.rotated(byDegrees: degrees)
        #expect(abs(Self.principalAngle(r.image(0))) < 90)
        // Bilinear interpolation of a 2-pixel-wide bar: the axis within 1°. (Its mass is not a fair check: sampling
        // a sharp-edged bar on the rotated grid aliases by a few per cent at 45°; the smooth blob below checks it.)
        #expect(abs(Self.principalAngle(r.image(0)) - degrees) < 1, "\(Self.principalAngle(r.image(0)))")
        #expect(r.images.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test("A smooth elongated blob keeps its mass (0.5 %) and turns its axis by θ (0.5°) under rotation",
          arguments: [15.0, 45.0, 75.0, -60.0])
    func smoothBlobKeepsItsMass(_ degrees: Double) throws {
        // exp(−x²/2σx² − y²/2σy²), σx = 5, σy = 2 pixels, centred: smooth on the pixel scale, so the sum over the
        // rotated grid equals the integral of its bilinear interpolant to far better than 0.5 %, and nothing of it
        // reaches the frame (its value at the border is below e^−9).
        var pixels = [Float](repeating: 0, count: 784)
        for k in 0 ..< 784 {
            let x = Double(k % 28) - 13.5, y = 13.5 - Double(k / 28)
            pixels[k] = Float(exp(-x * x / 50 - y * y / 8))
        }
        let d = try Dataset(name: "blob", images: pixels, labels: [0])
        let r = try d.rotated(byDegrees: degrees)
        let massIn = pixels.reduce(0, +), massOut = r.images.reduce(0, +)
        #expect(abs(massOut / massIn - 1) < 0.005, "mass ratio \(massOut / massIn)")
        #expect(abs(Self.principalAngle(r.image(0)) - degrees) < 0.5, "\(Self.principalAngle(r.image(0)))")
    }

    @Test("Rotation refuses a non-finite angle")
    func nonFiniteAngle() throws {
        let d = try Self.distinctImages()
        #expect(throws: LangevinError.self) { try d.rotated(byDegrees: .nan) }
        #expect(throws: LangevinError.self) { try d.rotated(byDegrees: .infinity) }
    }

    @Test("negated is 1 − x with labels kept")
    func negation() throws {
        let d = try Self.distinctImages()
        let n = d.negated()
        #expect(n.name == "t/negated" && n.labels == d.labels)
        #expect(zip(n.images, d.images).allSatisfy { $0 == 1 - $1 })
    }

    @Test("uniform noise: reproducible, in [0, 1], mean 1/2 and variance 1/12 within 4.5 SE")
    func uniformNoise() throws {
        let d = try Self.distinctImages()
        var a = GSLRandom(algorithm: .taus2, seed: 9), b = GSLRandom(algorithm: .taus2, seed: 9)
        let u = try d.uniformNoise(count: 50, random: &a)
        #expect(try d.uniformNoise(count: 50, random: &b).images == u.images)
        #expect(u.count == 50 && u.name == "uniform-noise" && u.rows == 28 && u.classes == 10)
        #expect(u.images.allSatisfy { $0 >= 0 && $0 <= 1 })
        let n = Double(u.images.count)
        let mean = u.images.reduce(0.0) { $0 + Double($1) } / n
        let variance = u.images.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        #expect(abs(mean - 0.5) < 4.5 * (1.0 / 12 / n).squareRoot())
        // Var of (U − 1/2)² is 1/180; SE of the variance estimate √(1/(180 n)).
        #expect(abs(variance - 1.0 / 12) < 4.5 * (1.0 / 180 / n).squareRoot())
        #expect(throws: LangevinError.self) { try d.uniformNoise(count: -1, random: &a) }
    }
}
