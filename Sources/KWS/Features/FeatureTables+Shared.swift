import DSP
import Foundation

// The feature pipeline itself is in DSP; what is desktop-only about it is here: one set of tables per spec
// for the whole process (a lock), and the `init(spec:)` initialisers that use it.

extension FeatureTables {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [FeatureSpec: FeatureTables] = [:]

    /// The tables of `spec`, built on first use and cached for the life of the process. The STFT runs on
    /// FFTW here (`FFTWPlanCache.frameTransform`): faster on the desktop than DSP's own FFT, same results
    /// within float rounding.
    public static func shared(_ spec: FeatureSpec) throws(FeatureSpecError) -> FeatureTables {
        lock.lock()
        defer { lock.unlock() }
        if let t = cache[spec] { return t }
        try spec.validate()  // before FFTW plans a length
        let t = try FeatureTables(spec: spec, transform: FFTWPlanCache.frameTransform(length: spec.fftLength))
        cache[spec] = t
        return t
    }
}

extension FeatureExtractor {
    /// An extractor on the process's shared tables of `spec` (validated once).
    public convenience init(spec: FeatureSpec) throws(FeatureSpecError) {
        self.init(tables: try FeatureTables.shared(spec))
    }
}

extension StreamingFeatures {
    /// Streaming features on the process's shared tables of `spec`.
    public convenience init(spec: FeatureSpec, hopSamples: Int) throws(FeatureSpecError) {
        try self.init(tables: try FeatureTables.shared(spec), hopSamples: hopSamples)
    }
}

/// The key of the shared-tables cache (in KWS so that devices, which need no hashing, link none).
extension FeatureSpec: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(frameLength); hasher.combine(frameStep); hasher.combine(fftLength)
        hasher.combine(resize); hasher.combine(melBins); hasher.combine(lowerHz); hasher.combine(upperHz)
        hasher.combine(logOffset); hasher.combine(coefficients); hasher.combine(sampleRate); hasher.combine(samples)
    }
}
