import Tensor

/// Every parameter of a network's input features, as recorded per network in `weights/manifest.json`.
///
/// `kind` is `"stft"` (|STFT| with a periodic Hann window, no end padding, optionally resized bilinearly
/// to `resize` = [height, width]) or `"mfcc"` (|STFT| → mel filterbank → log(mel + log_offset) → DCT,
/// first `coefficients` kept), both exactly as `tf.signal` computes them.
///
/// Its JSON form (`Codable`, snake_case keys) is a desktop extension in KWS (`FeatureSpec+Codable.swift`).
/// Equatable here; Hashable (for the desktop's table cache) is in KWS, so that a device links no hashing.
public struct FeatureSpec: Sendable, Equatable {
    /// The manifest's names are the raw values. Not `enum Kind: String`: its generated init(rawValue:) and
    /// hash compare and hash Strings, which would pull Unicode normalisation tables into a device build.
    public enum Kind: Sendable {
        case stft, mfcc

        public var rawValue: String {
            switch self {
            case .stft: return "stft"
            case .mfcc: return "mfcc"
            }
        }

        /// Byte-exact (the names are ASCII).
        public init?(rawValue: String) {
            if rawValue.utf8.elementsEqual("stft".utf8) { self = .stft }
            else if rawValue.utf8.elementsEqual("mfcc".utf8) { self = .mfcc }
            else { return nil }
        }
    }

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

    /// log(x + offset) in place: the log-mel of MFCC (`tf.math.log(mel + log_offset)`) and the log-STFT.
    @inline(__always)
    static func logInPlace(_ values: UnsafeMutableBufferPointer<Float>, offset: Float) {
        for i in values.indices { values[i] = LibM.log(values[i] + offset) }
    }

    /// For `stft` with a `log_offset`: the finished (resized) magnitudes become log(x + log_offset) in place,
    /// as `features.STFT_64_LOG` does after `tf.image.resize`. Nothing for linear STFT or MFCC.
    @inline(__always)
    func compressSTFT(_ values: UnsafeMutableBufferPointer<Float>) {
        guard kind == .stft, let logOffset else { return }
        Self.logInPlace(values, offset: Float(logOffset))
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

    /// Sane ranges of every parameter: a manifest is outside data, and each of these sizes a table or a
    /// buffer (an fft_length of 2^62 trapped, 2^24 took 4 GB and 20 s).
    public enum Limits {
        /// The only rate the WAV decoder delivers (no resampling): a spec for any other rate would be
        /// computed on 16 kHz audio anyway.
        public static let sampleRate = 16000
        public static let samples = 1...160_000
        public static let frameLength = 16...8192
        public static let fftLength = 16...8192
        public static let melBins = 1...512
        public static let resize = 1...1024
        /// Values of the whole feature tensor.
        public static let outputValues = 1...(1 << 20)
    }

    /// Checks that the parameters describe something computable within `Limits`; says which one is wrong.
    public func validate() throws(FeatureSpecError) {
        func fail(_ why: String) -> FeatureSpecError { FeatureSpecError(message: "feature spec \(kind.rawValue): \(why)") }
        func inRange(_ name: String, _ v: Int, _ r: ClosedRange<Int>) throws(FeatureSpecError) {
            guard r.contains(v) else { throw fail("\(name) \(v) is out of range \(r.lowerBound)…\(r.upperBound)") }
        }
        guard sampleRate == Limits.sampleRate else {
            throw fail("sample_rate \(sampleRate) Hz: the decoder delivers \(Limits.sampleRate) Hz audio only (no resampling)")
        }
        try inRange("samples", samples, Limits.samples)
        try inRange("frame_length", frameLength, Limits.frameLength)
        try inRange("fft_length", fftLength, Limits.fftLength)
        guard frameStep > 0, frameStep <= frameLength, fftLength >= frameLength else {
            throw fail("needs 0 < frame_step ≤ frame_length ≤ fft_length (got \(frameStep), \(frameLength), \(fftLength))")
        }
        guard RealFFT.supports(length: fftLength) else {
            throw fail("fft_length \(fftLength): the FFT needs an even length whose half has no prime factor but 2, 3 and 5 (256, 320, 480, 512, 640, …)")
        }
        guard samples >= frameLength else {
            throw fail("needs samples ≥ frame_length (got \(samples), \(frameLength))")
        }
        if let offset = logOffset, !(offset.isFinite && offset > 0) {
            throw fail("log_offset \(offset) must be finite and > 0 (log(values + offset) of a silent bin is NaN or -inf otherwise)")
        }
        switch kind {
        case .stft:
            if let r = resize {
                guard r.count == 2 else { throw fail("resize must be [height, width] (got \(Self.text(r)))") }
                for v in r { try inRange("resize", v, Limits.resize) }
            }
        case .mfcc:
            guard let m = melBins, let lo = lowerHz, let hi = upperHz, logOffset != nil, let c = coefficients else {
                throw fail("needs mel_bins, lower_hz, upper_hz, log_offset and coefficients")
            }
            try inRange("mel_bins", m, Limits.melBins)
            guard lo.isFinite, hi.isFinite, lo >= 0, lo < hi, hi <= Double(sampleRate) / 2 else {
                throw fail("needs 0 ≤ lower_hz < upper_hz ≤ sample_rate/2 (got \(lo), \(hi))")
            }
            guard c > 0, c <= m else { throw fail("needs 0 < coefficients ≤ mel_bins (got \(c), \(m))") }
        }
        guard let values = ElementCount.of(outputShape), Limits.outputValues.contains(values) else {
            throw fail("features of shape \(Self.text(outputShape)) hold more than \(Limits.outputValues.upperBound) values")
        }
    }
}

extension FeatureSpec {
    /// "[a, b, c]" without Array's reflection-based description (not in Embedded Swift).
    static func text(_ values: [Int]) -> String {
        var s = "["
        for (i, v) in values.enumerated() { s += (i == 0 ? "" : ", ") + String(v) }
        return s + "]"
    }
}

/// Why a feature spec (or a streaming hop) cannot be used; thrown typed (`throws(FeatureSpecError)`).
public struct FeatureSpecError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
