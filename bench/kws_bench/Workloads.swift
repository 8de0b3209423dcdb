import KWS
import Layers

/// The Swift side of each measurement, on one loaded spotter: the network alone on fixed features, the
/// features alone on fixed samples, and wav bytes → label.
final class Workloads {
    let spotter: KeywordSpotter
    let samples: [Float]
    let wavBytes: [UInt8]
    let features: [Float]
    private var logits: [Float]

    init(spotter: KeywordSpotter, wavBytes: [UInt8]) throws {
        self.spotter = spotter
        self.wavBytes = wavBytes
        samples = try WAVDecoder.decode(wavBytes)
        features = spotter.features(samples: samples)
        logits = [Float](repeating: 0, count: spotter.network.outputCount)
    }

    /// One inference of the network on the clip's features (allocation-free API).
    func runNetwork() {
        features.withUnsafeBufferPointer { f in logits.withUnsafeMutableBufferPointer { spotter.network.predict(f, into: $0) } }
    }

    /// The clip's features into the spotter's own buffer.
    func runFeatures() {
        samples.withUnsafeBufferPointer { spotter.extractFeatures($0) }
    }

    /// WAV bytes in memory → decoded samples (into the spotter's buffer) → features → network → arg-max class id.
    @discardableResult
    func runEndToEnd() -> Int {
        (try? spotter.classIndex(wav: wavBytes)) ?? -1  // decoded once in init; -1 for a non-finite output
    }

    var networkLogits: [Float] { runNetwork(); return logits }
}
