// SPDX-License-Identifier: GPL-3.0-or-later
// The multi-chain parts of a training report: each chain's own predictive and the between-chain diagnostics.
import LangevinCore

/// One chain's own predictive, as the report lists it beside the pooled one.
public struct PerChainSummary: Sendable, Equatable, Codable {
    /// 1-based, as the report and file names number chains.
    public var chain: Int
    public var testAccuracy: Double
    public var testNLL: Double
    public var testECE: Double
    public var testBrier: Double
    public var samplesAveraged: Int
    /// AUROC (entropy) on the first OOD set, or NaN.
    public var aurocEntropy: Double
    /// The mean maximum probability on the first OOD set, or NaN.
    public var meanOODConfidence: Double = .nan
    public var diverged: String?

    enum CodingKeys: String, CodingKey {
        case chain, diverged
        case testAccuracy = "test_accuracy"
        case testNLL = "test_nll"
        case testECE = "test_ece"
        case testBrier = "test_brier"
        case samplesAveraged = "samples_averaged"
        case aurocEntropy = "auroc_entropy"
        case meanOODConfidence = "mean_ood_confidence"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(chain, forKey: .chain)
        for (v, k) in [(testAccuracy, CodingKeys.testAccuracy), (testNLL, .testNLL), (testECE, .testECE),
                       (testBrier, .testBrier), (aurocEntropy, .aurocEntropy), (meanOODConfidence, .meanOODConfidence)] {
            if v.isFinite { try c.encode(v, forKey: k) } else { try c.encodeNil(forKey: k) }
        }
        try c.encode(samplesAveraged, forKey: .samplesAveraged)
        if let diverged { try c.encode(diverged, forKey: .diverged) } else { try c.encodeNil(forKey: .diverged) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ k: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: k) ?? .nan }
        chain = try c.decode(Int.self, forKey: .chain)
        testAccuracy = try number(.testAccuracy)
        testNLL = try number(.testNLL)
        testECE = try number(.testECE)
        testBrier = try number(.testBrier)
        aurocEntropy = try number(.aurocEntropy)
        meanOODConfidence = try number(.meanOODConfidence)
        samplesAveraged = try c.decode(Int.self, forKey: .samplesAveraged)
        diverged = try c.decodeIfPresent(String.self, forKey: .diverged)
    }

    public init(chain: Int, testAccuracy: Double, testNLL: Double, testECE: Double, testBrier: Double,
                samplesAveraged: Int, aurocEntropy: Double, meanOODConfidence: Double = .nan, diverged: String?) {
        self.chain = chain
        self.testAccuracy = testAccuracy
        self.testNLL = testNLL
        self.testECE = testECE
        self.testBrier = testBrier
        self.samplesAveraged = samplesAveraged
        self.aurocEntropy = aurocEntropy
        self.meanOODConfidence = meanOODConfidence
        self.diverged = diverged
    }
}

/// Split-R̂ and ESS of one scalar functional of the samples across chains.
public struct FunctionalDiagnostic: Sendable, Equatable, Codable {
    /// The functional's name (`Trainer.functionalNames` in NeuralEnergy).
    public var name: String
    /// Rank-normalised split-R̂ (ArviZ's `rhat(method="rank")`); NaN with fewer than 4 draws per chain.
    public var rHat: Double
    /// Bulk ESS of the pooled draws.
    public var essBulk: Double
    /// Draws per chain used (the shortest chain's count).
    public var drawsPerChain: Int

    enum CodingKeys: String, CodingKey {
        case name
        case rHat = "r_hat"
        case essBulk = "ess_bulk"
        case drawsPerChain = "draws_per_chain"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if rHat.isFinite { try c.encode(rHat, forKey: .rHat) } else { try c.encodeNil(forKey: .rHat) }
        if essBulk.isFinite { try c.encode(essBulk, forKey: .essBulk) } else { try c.encodeNil(forKey: .essBulk) }
        try c.encode(drawsPerChain, forKey: .drawsPerChain)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        rHat = try c.decodeIfPresent(Double.self, forKey: .rHat) ?? .nan
        essBulk = try c.decodeIfPresent(Double.self, forKey: .essBulk) ?? .nan
        drawsPerChain = try c.decode(Int.self, forKey: .drawsPerChain)
    }

    public init(name: String, rHat: Double, essBulk: Double, drawsPerChain: Int) {
        self.name = name
        self.rHat = rHat
        self.essBulk = essBulk
        self.drawsPerChain = drawsPerChain
    }
}

/// How much the chains agree: the report's `chain_diagnostics`.
///
/// With p_k the predictive of chain k on a test input and p̄ = (1/K)Σ p_k, the **between-chain mutual information**
/// is H[p̄] − (1/K)Σ_k H[p_k] (nats, averaged over the test set): 0 when every chain predicts the same, up to
/// log K. The pooled `mutual_information` is the same over all samples of all chains (the epistemic part of the
/// predictive entropy). `disagreement` is the mean over chain pairs of the fraction of test inputs whose predicted
/// classes differ.
public struct ChainDiagnostics: Sendable, Equatable, Codable {
    public var functionals: [FunctionalDiagnostic]
    public var mutualInformation: Double
    public var betweenChainMutualInformation: Double
    public var disagreement: Double

    enum CodingKeys: String, CodingKey {
        case functionals, disagreement
        case mutualInformation = "mutual_information"
        case betweenChainMutualInformation = "between_chain_mutual_information"
    }

    public init(functionals: [FunctionalDiagnostic], mutualInformation: Double, betweenChainMutualInformation: Double,
                disagreement: Double) {
        self.functionals = functionals
        self.mutualInformation = mutualInformation
        self.betweenChainMutualInformation = betweenChainMutualInformation
        self.disagreement = disagreement
    }
}
