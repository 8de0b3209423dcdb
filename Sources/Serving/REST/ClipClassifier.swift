/// The one thing the REST transport needs from a network: classify a clip, or features computed elsewhere.
/// The KWS model zoo's `KeywordSpotter` is adapted to it in `KeywordSpotter+ClipClassifier.swift`; tests
/// may inject their own. Instances are not thread-safe: the server keeps one per pool thread.
public protocol ClipClassifier: AnyObject {
    /// Class names in class-id order.
    var labels: [String] { get }
    /// How many floats a precomputed-feature payload must have (e.g. 49·10 MFCC for big).
    var featureCount: Int { get }
    /// One clip of 16 kHz samples in [-1, 1), already padded or cut to one second. Throws
    /// `NonFiniteOutputError` when the network's output is not finite: such a clip has no verdict.
    func classify(samples: [Float]) throws -> Verdict
    /// Precomputed input features, `featureCount` floats; throws (saying why) for any other count, and
    /// `NonFiniteOutputError` for a non-finite output.
    func classify(features: [Float]) throws -> Verdict
}

/// A network's answer for one clip.
public struct Verdict: Sendable, Equatable, Codable {
    public var label: Int
    public var labelName: String
    public var probabilities: [Float]
    /// top-1 − top-2 probability.
    public var scoreMargin: Float

    public init(label: Int, labelName: String, probabilities: [Float], scoreMargin: Float) {
        self.label = label
        self.labelName = labelName
        self.probabilities = probabilities
        self.scoreMargin = scoreMargin
    }

    /// Builds a verdict from class probabilities: arg-max label (first on ties), top-1 − top-2 margin.
    public init(probabilities: [Float], labels: [String]) {
        var best = 0, first: Float = -.infinity, second: Float = -.infinity
        for (i, p) in probabilities.enumerated() {
            if p > first { second = first; first = p; best = i } else if p > second { second = p }
        }
        self.init(label: best, labelName: best < labels.count ? labels[best] : "\(best)",
                  probabilities: probabilities,
                  scoreMargin: probabilities.count > 1 ? first - second : (probabilities.isEmpty ? 0 : first))
    }
}
