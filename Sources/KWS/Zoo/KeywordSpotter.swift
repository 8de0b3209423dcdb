import Layers

/// A network with its feature extractor: `wav → label` in one call. Owns the network's and the features'
/// buffers, so it is not thread-safe: use one per thread (or per worker).
public final class KeywordSpotter {
    public let name: String
    public let spec: FeatureSpec
    public let labels: [String]
    public let network: Network
    public let extractor: FeatureExtractor
    private var featureBuffer: [Float]
    private var logitBuffer: [Float]

    /// Pairs `network` with the extractor of `spec`; checks that the features fit the network's input.
    public init(name: String, network: Network, spec: FeatureSpec, labels: [String]) throws {
        let extractor = try FeatureExtractor(spec: spec)
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
        featureBuffer = [Float](repeating: 0, count: extractor.outputCount)
        logitBuffer = [Float](repeating: 0, count: network.outputCount)
    }

    public var featureCount: Int { extractor.outputCount }

    /// Features of one clip (`spec.samples` samples; shorter is zero-padded, longer cut).
    public func features(samples: [Float]) -> [Float] { extractor(samples) }

    public func classify(samples: [Float]) -> Prediction {
        let t0 = Stopwatch.now()
        samples.withUnsafeBufferPointer { s in featureBuffer.withUnsafeMutableBufferPointer { extractor.extract(s, into: $0) } }
        let t1 = Stopwatch.now()
        runNetwork()
        let t2 = Stopwatch.now()
        return Prediction(logits: logitBuffer, labels: labels,
                          timings: StageTimings(featuresMicros: Double(t1 - t0) / 1000, networkMicros: Double(t2 - t1) / 1000))
    }

    /// Classifies precomputed features (e.g. an MFCC payload); they must have `featureCount` values.
    public func classify(features: [Float]) throws -> Prediction {
        guard features.count == featureCount else {
            throw ZooError("\(name): got \(features.count) feature values, expected \(featureCount) (shape \(spec.outputShape))")
        }
        let t0 = Stopwatch.now()
        features.withUnsafeBufferPointer { f in logitBuffer.withUnsafeMutableBufferPointer { network.predict(f, into: $0) } }
        return Prediction(logits: logitBuffer, labels: labels, timings: StageTimings(networkMicros: Stopwatch.micros(since: t0)))
    }

    /// Decodes a WAV file's bytes and classifies it; the decode time is part of the timings.
    public func classify(wav bytes: [UInt8]) throws(WAVError) -> Prediction {
        let t0 = Stopwatch.now()
        let samples = try WAVDecoder.decode(bytes)
        let decode = Stopwatch.micros(since: t0)
        var p = classify(samples: samples)
        p.timings.decodeMicros = decode
        return p
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
}
