import KWS

/// Builds the request body the little client sends for one clip (see `PayloadKind` for the wire format).
public struct RequestPayloadBuilder {
    public let kind: PayloadKind
    /// The big network's feature extractor, for `mfcc` payloads (computed on the client).
    let bigFeatures: FeatureExtractor?

    public init(kind: PayloadKind, bigFeatureSpec: FeatureSpec?) throws {
        self.kind = kind
        if kind == .mfcc {
            guard let spec = bigFeatureSpec else {
                throw APIError(400, "no_feature_spec", "an mfcc payload needs the big network's feature spec (weights/manifest.json)")
            }
            bigFeatures = try FeatureExtractor(spec: spec)
        } else {
            bigFeatures = nil
        }
    }

    /// `samples`: one clip, padded or cut to one second.
    public func body(samples: [Float]) throws(SenMLError) -> [UInt8] {
        switch kind {
        case .wav16: return try PayloadKind.requestBody(kind: kind, bytes: WAV16Encoder.encode(samples))
        case .float32: return try PayloadKind.requestBody(kind: kind, bytes: SenML.bytes(of: samples))
        case .mfcc:
            guard let bigFeatures else { throw SenMLError.notEncodable("an mfcc payload needs the big network's feature spec") }
            return try PayloadKind.requestBody(kind: kind, bytes: SenML.bytes(of: bigFeatures(samples)))
        }
    }
}
