import KWS

/// The one thing the REST transport needs from a network: classify a clip, or features computed elsewhere.
/// The KWS model zoo's `KeywordSpotter` is adapted to it by `SpotterClassifier`; tests may inject their
/// own. Instances are not thread-safe: the server keeps one per pool thread.
public protocol ClipClassifier: AnyObject {
    /// Class names in class-id order.
    var labels: [String] { get }
    /// How many floats a precomputed-feature payload must have (e.g. 49·10 MFCC for big).
    var featureCount: Int { get }
    /// One clip of 16 kHz samples in [-1, 1), already padded or cut to one second. Throws
    /// `NonFiniteOutputError` when the network's output is not finite: such a clip has no scores.
    func classify(samples: [Float]) throws -> Scores
    /// Precomputed input features, `featureCount` floats; throws (saying why) for any other count, and
    /// `NonFiniteOutputError` for a non-finite output.
    func classify(features: [Float]) throws -> Scores
}
