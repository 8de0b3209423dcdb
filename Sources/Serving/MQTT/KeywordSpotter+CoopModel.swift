import KWS

/// A zoo network as a cooperative worker: the MFCC payload goes straight into its network.
extension KeywordSpotter: CoopModel {
    public var inputShape: [Int] { spec.outputShape }

    public func logits(features: [Float]) throws -> [Float] {
        try classify(features: features).logits
    }
}
