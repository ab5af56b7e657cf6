// SPDX-License-Identifier: GPL-3.0-or-later

/// What is known exactly about the Boltzmann distribution π_T(x) ∝ exp(−U(x)/T) of a potential at one temperature.
///
/// Every field is optional: a potential may know its means by symmetry but not its variances (the double wells),
/// or its moments but not its mean energy (the Gaussian mixture, whose ⟨U⟩ is an entropy without closed form).
/// Statistical tests compare chain averages against these numbers.
public struct ExactMoments: Sendable, Equatable {
    /// The temperature T (kT, in energy units) at which the moments hold.
    public var temperature: Double
    /// ⟨x_i⟩ under π_T, one entry per coordinate, or nil when unknown.
    public var means: [Double]?
    /// Var(x_i) = ⟨x_i²⟩ − ⟨x_i⟩² under π_T, one entry per coordinate, or nil when unknown.
    public var variances: [Double]?
    /// ⟨U⟩ under π_T, or nil when unknown.
    public var meanEnergy: Double?

    public init(temperature: Double, means: [Double]? = nil, variances: [Double]? = nil, meanEnergy: Double? = nil) {
        self.temperature = temperature
        self.means = means
        self.variances = variances
        self.meanEnergy = meanEnergy
    }
}

/// Whether `temperature` is one at which moments make sense (finite and ≥ 0; T = 0 is the zero-temperature limit).
@inline(__always) func isUsableTemperature(_ temperature: Double) -> Bool {
    temperature.isFinite && temperature >= 0
}
