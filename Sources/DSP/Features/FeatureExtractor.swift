/// Turns one clip (`spec.samples` float samples) into a network's input features, as `tf.signal` does.
/// Owns its scratch buffers, so extraction allocates nothing; not thread-safe (one per thread).
/// `FeatureExtractor(tables: try FeatureTables(spec: spec))` anywhere; on the desktop `FeatureExtractor(spec:)`
/// (KWS) shares the tables of a spec across the process.
public final class FeatureExtractor {
    public let spec: FeatureSpec
    public let tables: FeatureTables
    private let scratch: STFTMagnitude.Scratch
    private var magnitude: [Float]
    private var mel: [Float]
    /// Floats per clip; stored because `spec.outputShape` builds an array (a heap allocation) per call.
    public let outputCount: Int

    public init(tables: FeatureTables) {
        let spec = tables.spec
        self.spec = spec
        self.tables = tables
        outputCount = spec.outputShape.reduce(1, *)
        scratch = tables.stft.makeScratch()
        magnitude = [Float](repeating: 0, count: spec.frames * spec.bins)
        mel = [Float](repeating: 0, count: spec.frames * (spec.melBins ?? 0))
    }

    /// [height, width, channels].
    public var outputShape: [Int] { spec.outputShape }

    public func callAsFunction(_ samples: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: outputCount)
        samples.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { extract(s, into: $0) } }
        return out
    }

    /// Allocation-free: writes `outputCount` floats. A signal shorter than `spec.samples` is treated as
    /// zero-padded, a longer one as cut.
    public func extract(_ samples: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(output.count >= outputCount, "feature buffer of \(output.count) floats, need \(outputCount)")
        let frames = spec.frames
        magnitude.withUnsafeMutableBufferPointer { mag in
            switch spec.kind {
            case .stft:
                if let resize = tables.resize {
                    tables.stft.compute(samples, samples: spec.samples, into: mag, scratch: scratch)
                    resize.apply(UnsafeBufferPointer(mag), into: output)
                } else {
                    tables.stft.compute(samples, samples: spec.samples, into: output, scratch: scratch)
                }
                spec.compressSTFT(UnsafeMutableBufferPointer(rebasing: output[0..<outputCount]))
            case .mfcc:
                tables.stft.compute(samples, samples: spec.samples, into: mag, scratch: scratch)
                let offset = Float(spec.logOffset!)
                mel.withUnsafeMutableBufferPointer { m in
                    tables.mel!.apply(UnsafeBufferPointer(mag), frames: frames, into: m)
                    FeatureSpec.logInPlace(m, offset: offset)
                    tables.dct!.apply(UnsafeBufferPointer(m), frames: frames, into: output)
                }
            }
        }
    }

    /// Every intermediate stage, for checking against tf.signal fixtures (allocates; not for hot paths).
    public struct Stages {
        public var magnitude: [Float]
        public var mel: [Float]?
        public var logMel: [Float]?
        public var output: [Float]
    }

    public func stages(_ samples: [Float]) -> Stages {
        let output = callAsFunction(samples)
        guard spec.kind == .mfcc else { return Stages(magnitude: tables.resize == nil ? output : magnitude, output: output) }
        var rawMel = [Float](repeating: 0, count: mel.count)
        magnitude.withUnsafeBufferPointer { mag in
            rawMel.withUnsafeMutableBufferPointer { tables.mel!.apply(mag, frames: spec.frames, into: $0) }
        }
        return Stages(magnitude: magnitude, mel: rawMel, logMel: mel, output: output)
    }
}
