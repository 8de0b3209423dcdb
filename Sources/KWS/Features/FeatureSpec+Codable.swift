import DSP

/// The JSON form of a feature spec in `weights/manifest.json` (snake_case keys), written out because a
/// conformance declared outside FeatureSpec's file (in DSP, which has no Codable on devices) is not synthesised.
extension FeatureSpec.Kind: Codable {
    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let kind = Self(rawValue: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "Cannot initialize Kind from invalid String value \(name)"))
        }
        self = kind
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

extension FeatureSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case kind, resize, coefficients, samples
        case frameLength = "frame_length", frameStep = "frame_step", fftLength = "fft_length"
        case melBins = "mel_bins", lowerHz = "lower_hz", upperHz = "upper_hz", logOffset = "log_offset"
        case sampleRate = "sample_rate"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind),
                  frameLength: try c.decode(Int.self, forKey: .frameLength),
                  frameStep: try c.decode(Int.self, forKey: .frameStep),
                  fftLength: try c.decode(Int.self, forKey: .fftLength),
                  resize: try c.decodeIfPresent([Int].self, forKey: .resize),
                  melBins: try c.decodeIfPresent(Int.self, forKey: .melBins),
                  lowerHz: try c.decodeIfPresent(Double.self, forKey: .lowerHz),
                  upperHz: try c.decodeIfPresent(Double.self, forKey: .upperHz),
                  logOffset: try c.decodeIfPresent(Double.self, forKey: .logOffset),
                  coefficients: try c.decodeIfPresent(Int.self, forKey: .coefficients),
                  sampleRate: try c.decode(Int.self, forKey: .sampleRate),
                  samples: try c.decode(Int.self, forKey: .samples))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(frameLength, forKey: .frameLength)
        try c.encode(frameStep, forKey: .frameStep)
        try c.encode(fftLength, forKey: .fftLength)
        try c.encodeIfPresent(resize, forKey: .resize)
        try c.encodeIfPresent(melBins, forKey: .melBins)
        try c.encodeIfPresent(lowerHz, forKey: .lowerHz)
        try c.encodeIfPresent(upperHz, forKey: .upperHz)
        try c.encodeIfPresent(logOffset, forKey: .logOffset)
        try c.encodeIfPresent(coefficients, forKey: .coefficients)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(samples, forKey: .samples)
    }
}
