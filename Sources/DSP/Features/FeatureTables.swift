import Foundation

/// Everything about a feature spec that is computed once and never changes: the FFT plan, the window,
/// the resize indices, the mel filterbank and the DCT matrix. Shared by all extractors of the same spec.
public struct FeatureTables: Sendable {
    public let spec: FeatureSpec
    public let stft: STFTMagnitude
    public let resize: BilinearResize?
    public let mel: MelFilterbank?
    public let dct: MFCCTransform?

    init(spec: FeatureSpec) throws(FeatureSpecError) {
        try spec.validate()
        self.spec = spec
        stft = STFTMagnitude(frameLength: spec.frameLength, frameStep: spec.frameStep, fftLength: spec.fftLength)
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

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [FeatureSpec: FeatureTables] = [:]

    /// The tables of `spec`, built on first use and cached for the life of the process.
    public static func shared(_ spec: FeatureSpec) throws(FeatureSpecError) -> FeatureTables {
        lock.lock()
        defer { lock.unlock() }
        if let t = cache[spec] { return t }
        let t = try FeatureTables(spec: spec)
        cache[spec] = t
        return t
    }
}
