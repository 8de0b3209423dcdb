import Layers

/// A network with its feature extractor: `wav → label` in one call. Owns the network's and the features'
/// buffers, so it is not thread-safe: use one per thread (or per worker).
public final class KeywordSpotter {
    public let name: String
    public let spec: FeatureSpec
    public let labels: [String]
    public let network: Network
    public let extractor: FeatureExtractor
    private var sampleBuffer: [Float]
    private var featureBuffer: [Float]
    private var logitBuffer: [Float]

    /// Pairs `network` with the extractor of `spec`; checks that the features fit the network's input.
    /// Pairs `network` with the extractor of `spec` (FFTW's on the desktop), or with `extractor` when given (a
    /// packed model's own, DSP's FFT, so that the desktop runs a pack exactly as a device does).
    public init(name: String, network: Network, spec: FeatureSpec, labels: [String], extractor: FeatureExtractor? = nil) throws {
        let extractor = try extractor ?? FeatureExtractor(spec: spec)
        guard extractor.outputShape == network.inputShape else {
            throw ZooError("\(name): features \(spec.kind.rawValue) give shape \(extractor.outputShape) but the network takes \(network.inputShape)")
        }
        guard network.outputCount == labels.count else {
            throw ZooError("\(name): the network has \(network.outputCount) outputs but there are \(labels.count) labels")
        }
        self.name = name
        self.spec = spec
        self.labels = labels
        self.network = network
        self.extractor = extractor
        sampleBuffer = [Float](repeating: 0, count: WAVDecoder.clipSamples)
        featureBuffer = [Float](repeating: 0, count: extractor.outputCount)
        logitBuffer = [Float](repeating: 0, count: network.outputCount)
    }

    public var featureCount: Int { extractor.outputCount }

    /// Features of one clip (`spec.samples` samples; shorter is zero-padded, longer cut).
    public func features(samples: [Float]) -> [Float] { extractor(samples) }

    /// Throws `NonFiniteOutputError` when the network's output is not finite (no label for such a clip).
    public func classify(samples: [Float]) throws(NonFiniteOutputError) -> Prediction {
        let t0 = Stopwatch.now()
        samples.withUnsafeBufferPointer { extractFeatures($0) }
        let t1 = Stopwatch.now()
        runNetwork()
        let t2 = Stopwatch.now()
        return try Prediction(logits: logitBuffer, labels: labels, model: name,
                              timings: StageTimings(featuresMicros: Double(t1 - t0) / 1000, networkMicros: Double(t2 - t1) / 1000))
    }

    /// Classifies precomputed features (e.g. an MFCC payload); they must have `featureCount` values
    /// (`ZooError` otherwise), and the output must be finite (`NonFiniteOutputError`).
    public func classify(features: [Float]) throws -> Prediction {
        guard features.count == featureCount else {
            throw ZooError("\(name): got \(features.count) feature values, expected \(featureCount) (shape \(spec.outputShape))")
        }
        let t0 = Stopwatch.now()
        features.withUnsafeBufferPointer { f in logitBuffer.withUnsafeMutableBufferPointer { network.predict(f, into: $0) } }
        return try Prediction(logits: logitBuffer, labels: labels, model: name,
                              timings: StageTimings(networkMicros: Stopwatch.micros(since: t0)))
    }

    /// Decodes a WAV file's bytes and classifies it; the decode time is part of the timings. Throws
    /// `WAVError` for bytes that are not a usable clip, `NonFiniteOutputError` for a non-finite output.
    public func classify(wav bytes: [UInt8]) throws -> Prediction {
        let t0 = Stopwatch.now()
        try decode(wav: bytes)
        let t1 = Stopwatch.now()
        extractFeaturesOfDecoded()
        let t2 = Stopwatch.now()
        runNetwork()
        let t3 = Stopwatch.now()
        return try Prediction(logits: logitBuffer, labels: labels, model: name,
                              timings: StageTimings(decodeMicros: Double(t1 - t0) / 1000, featuresMicros: Double(t2 - t1) / 1000,
                                                networkMicros: Double(t3 - t2) / 1000))
    }

    /// Allocation-free `wav → class id`: decodes into the spotter's sample buffer, then features, network and
    /// arg-max of the logits (`lastLogits` holds them afterwards). Throws as `classify(wav:)` does.
    public func classIndex(wav bytes: [UInt8]) throws -> Int {
        try decode(wav: bytes)
        extractFeaturesOfDecoded()
        runNetwork()
        try NonFiniteOutputError.check(logitBuffer, model: name)
        return Softmax.argmax(logitBuffer) ?? 0
    }

    /// Decodes a WAV file's bytes into the spotter's own sample buffer (`WAVDecoder.decode(_:into:)`).
    public func decode(wav bytes: [UInt8]) throws(WAVError) {
        try sampleBuffer.withUnsafeMutableBufferPointer { (s) throws(WAVError) in try WAVDecoder.decode(bytes, into: s) }
    }

    /// Features of the clip last decoded by `decode(wav:)`, into the internal buffer.
    public func extractFeaturesOfDecoded() {
        sampleBuffer.withUnsafeBufferPointer { extractFeatures($0) }
    }

    /// Allocation-free stages for profiling and batch evaluation: features into the internal buffer, then
    /// the network into the internal logits, which `lastLogits` exposes.
    public func extractFeatures(_ samples: UnsafeBufferPointer<Float>) {
        featureBuffer.withUnsafeMutableBufferPointer { extractor.extract(samples, into: $0) }
    }

    public func runNetwork() {
        featureBuffer.withUnsafeBufferPointer { f in logitBuffer.withUnsafeMutableBufferPointer { network.predict(f, into: $0) } }
    }

    public var lastLogits: [Float] { logitBuffer }

    /// Allocation-free `features → probabilities` for features computed elsewhere (e.g. `StreamingFeatures`):
    /// runs the network on `features` (`featureCount` values) and writes the softmax of its logits into
    /// `probabilities` (`labels.count` values).
    public func probabilities(features: UnsafeBufferPointer<Float>, into probabilities: UnsafeMutableBufferPointer<Float>) {
        precondition(features.count >= featureCount && probabilities.count >= labels.count)
        logitBuffer.withUnsafeMutableBufferPointer { logits in
            network.predict(features, into: logits)
            Softmax.apply(UnsafeBufferPointer(logits), into: probabilities)
        }
    }
}
