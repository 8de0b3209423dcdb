/// Every parameter of a network's input features, as recorded per network in `weights/manifest.json`.
///
/// `kind` is `"stft"` (|STFT| with a periodic Hann window, no end padding, optionally resized bilinearly
/// to `resize` = [height, width]) or `"mfcc"` (|STFT| → mel filterbank → log(mel + log_offset) → DCT,
/// first `coefficients` kept), both exactly as `tf.signal` computes them.
public struct FeatureSpec: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case stft, mfcc }

    public var kind: Kind
    public var frameLength: Int
    public var frameStep: Int
    public var fftLength: Int
    public var resize: [Int]?
    public var melBins: Int?
    public var lowerHz: Double?
    public var upperHz: Double?
    public var logOffset: Double?
    public var coefficients: Int?
    public var sampleRate: Int
    public var samples: Int

    enum CodingKeys: String, CodingKey {
        case kind, resize, coefficients, samples
        case frameLength = "frame_length", frameStep = "frame_step", fftLength = "fft_length"
        case melBins = "mel_bins", lowerHz = "lower_hz", upperHz = "upper_hz", logOffset = "log_offset"
        case sampleRate = "sample_rate"
    }

    public init(kind: Kind, frameLength: Int, frameStep: Int, fftLength: Int, resize: [Int]? = nil,
                melBins: Int? = nil, lowerHz: Double? = nil, upperHz: Double? = nil, logOffset: Double? = nil,
                coefficients: Int? = nil, sampleRate: Int = 16000, samples: Int = 16000) {
        self.kind = kind
        self.frameLength = frameLength
        self.frameStep = frameStep
        self.fftLength = fftLength
        self.resize = resize
        self.melBins = melBins
        self.lowerHz = lowerHz
        self.upperHz = upperHz
        self.logOffset = logOffset
        self.coefficients = coefficients
        self.sampleRate = sampleRate
        self.samples = samples
    }

    /// The little network's input: |STFT| frame 256, step 128, fft 256, resized to 64×64.
    public static let stft64x64 = FeatureSpec(kind: .stft, frameLength: 256, frameStep: 128, fftLength: 256,
                                              resize: [64, 64])

    /// The big and cooperative networks' input: MFCC of 40 log-mel bins (20–4000 Hz), frame 640, step 320.
    public static func mfcc(coefficients: Int) -> FeatureSpec {
        FeatureSpec(kind: .mfcc, frameLength: 640, frameStep: 320, fftLength: 640, melBins: 40,
                    lowerHz: 20, upperHz: 4000, logOffset: 1e-6, coefficients: coefficients)
    }

    /// 1 + (samples − frame) / step: tf.signal.stft without end padding.
    public var frames: Int { samples >= frameLength ? 1 + (samples - frameLength) / frameStep : 0 }
    /// fft / 2 + 1 magnitude bins.
    public var bins: Int { fftLength / 2 + 1 }

    /// [height, width, channels] of the features a network receives.
    public var outputShape: [Int] {
        switch kind {
        case .stft: return (resize ?? [frames, bins]) + [1]
        case .mfcc: return [frames, coefficients ?? melBins ?? 0, 1]
        }
    }

    /// Checks that the parameters describe something computable; says which one is wrong otherwise.
    public func validate() throws(FeatureSpecError) {
        func fail(_ why: String) -> FeatureSpecError { FeatureSpecError(message: "feature spec \(kind.rawValue): \(why)") }
        guard frameLength > 0, frameStep > 0, fftLength >= frameLength else {
            throw fail("needs frame_length > 0, frame_step > 0 and fft_length ≥ frame_length (got \(frameLength), \(frameStep), \(fftLength))")
        }
        guard samples >= frameLength, sampleRate > 0 else {
            throw fail("needs samples ≥ frame_length and sample_rate > 0 (got \(samples), \(sampleRate))")
        }
        switch kind {
        case .stft:
            if let r = resize, r.count != 2 || r.contains(where: { $0 <= 0 }) {
                throw fail("resize must be [height, width] with positive sizes (got \(r))")
            }
        case .mfcc:
            guard let m = melBins, m > 0, let lo = lowerHz, let hi = upperHz, lo >= 0, lo < hi,
                  hi <= Double(sampleRate) / 2, logOffset != nil, let c = coefficients, c > 0, c <= m else {
                throw fail("needs mel_bins > 0, 0 ≤ lower_hz < upper_hz ≤ sample_rate/2, log_offset and 0 < coefficients ≤ mel_bins")
            }
        }
    }
}

public struct FeatureSpecError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
