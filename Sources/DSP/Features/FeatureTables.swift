/// Everything about a feature spec that is computed once and never changes: the FFT plan, the window,
/// the resize indices, the mel filterbank and the DCT matrix. Shared by all extractors of the same spec.
public struct FeatureTables: Sendable {
    public let spec: FeatureSpec
    public let stft: STFTMagnitude
    public let resize: BilinearResize?
    public let mel: MelFilterbank?
    public let dct: MFCCTransform?

    /// Validates `spec` and builds its tables. On the desktop, `FeatureTables.shared(_:)` (KWS) keeps one per
    /// spec for the process.
    public init(spec: FeatureSpec) throws(FeatureSpecError) {
        try self.init(spec: spec, transform: nil)
    }

    /// The same with `transform` (of length `spec.fftLength`) as the STFT's FFT instead of DSP's `RealFFT`.
    public init(spec: FeatureSpec, transform: FrameTransform?) throws(FeatureSpecError) {
        try spec.validate()
        self.spec = spec
        let fft = transform ?? .own(length: spec.fftLength)
        precondition(fft.length == spec.fftLength, "a frame transform of length \(fft.length) for fft_length \(spec.fftLength)")
        stft = STFTMagnitude(frameLength: spec.frameLength, frameStep: spec.frameStep, transform: fft)
        switch spec.kind {
        case .stft:
            resize = spec.resize.map {
                BilinearResize(inputHeight: spec.frames, inputWidth: spec.bins, outputHeight: $0[0], outputWidth: $0[1])
            }
            mel = nil
            dct = nil
        case .mfcc:
            resize = nil
            let melBins = spec.melBins!
            mel = MelFilterbank(melBins: melBins, bins: spec.bins, sampleRate: spec.sampleRate,
                                lowerHz: spec.lowerHz!, upperHz: spec.upperHz!)
            dct = MFCCTransform(melBins: melBins, coefficients: spec.coefficients!)
        }
    }
}
