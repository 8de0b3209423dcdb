import KWS

/// A zoo network as a cooperative worker: the MFCC payload goes straight into its network.
extension KeywordSpotter: CoopModel {
    public var inputShape: [Int] { spec.outputShape }

    /// Throws `NonFiniteOutputError` rather than publish NaN logits (a `Prediction` is finite by rule).
    public func logits(features: [Float]) throws -> [Float] {
        try classify(features: features).logits
    }
}
