import KWS

/// The model zoo's spotter (network + its feature extractor) as the REST transport's classifier.
/// A wrapper rather than a conformance, so `KeywordSpotter.classify` gains no ambiguous overloads.
public final class SpotterClassifier: ClipClassifier {
    public let spotter: KeywordSpotter

    public init(_ spotter: KeywordSpotter) { self.spotter = spotter }

    /// Loads a fresh spotter `name` from the zoo (one per thread: spotters are not thread-safe).
    public convenience init(zoo: ModelZoo, name: String) throws { self.init(try zoo.spotter(name)) }

    public var labels: [String] { spotter.labels }
    public var featureCount: Int { spotter.featureCount }

    public func classify(samples: [Float]) throws -> Scores { try spotter.classify(samples: samples).scores }

    public func classify(features: [Float]) throws -> Scores { try spotter.classify(features: features).scores }
}
