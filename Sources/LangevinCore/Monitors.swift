// SPDX-License-Identifier: GPL-3.0-or-later

/// Temperature monitors: two independent estimates of T that must agree with the set temperature at equilibrium.
public enum TemperatureMonitor {
    /// Instantaneous kinetic temperature |p|²/(m d); its average is T under the Maxwell–Boltzmann law.
    public static func kinetic<S: BinaryFloatingPoint>(momentum: [S], mass: Double) -> Double {
        var s = 0.0
        for v in momentum { s += Double(v) * Double(v) }
        return s / (mass * Double(max(momentum.count, 1)))
    }

    /// The pair (|∇U|², ∇²U) at x, whose ratio of averages ⟨|∇U|²⟩ / ⟨∇²U⟩ is the configurational temperature
    /// (Rugh 1997; Butler, Ayton, Jepps & Evans 1998). The Laplacian is a central difference of the exact gradient
    /// with step `epsilon` per axis (2d extra gradient evaluations).
    public static func configurationalTerms<E: Energy>(
        _ energy: E, at x: [E.Scalar], epsilon: Double = 1e-5
    ) -> (gradientSquared: Double, laplacian: Double) where E.Scalar == Double {
        let (_, g) = energy.energyAndGradient(at: x)
        var g2 = 0.0
        for v in g { g2 += v * v }
        var lap = 0.0
        var xp = x
        for i in 0..<x.count {
            let h = epsilon * max(1, abs(x[i]))
            xp[i] = x[i] + h
            let gp = energy.energyAndGradient(at: xp).gradient[i]
            xp[i] = x[i] - h
            let gm = energy.energyAndGradient(at: xp).gradient[i]
            xp[i] = x[i]
            lap += (gp - gm) / (2 * h)
        }
        return (g2, lap)
    }

    /// Configurational temperature ⟨|∇U|²⟩ / ⟨∇²U⟩ over a set of positions (rows of `positions`).
    public static func configurational<E: Energy>(_ energy: E, positions: [[Double]]) -> Double where E.Scalar == Double {
        var num = 0.0, den = 0.0
        for x in positions {
            let (a, b) = configurationalTerms(energy, at: x)
            num += a
            den += b
        }
        return num / den
    }
}
