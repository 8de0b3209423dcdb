import Dispatch

/// Microseconds spent in each stage of one classification (0 for a stage that did not run).
public struct StageTimings: Sendable, Codable, Equatable {
    public var decodeMicros: Double = 0
    public var featuresMicros: Double = 0
    public var networkMicros: Double = 0
    public var totalMicros: Double { decodeMicros + featuresMicros + networkMicros }

    public init(decodeMicros: Double = 0, featuresMicros: Double = 0, networkMicros: Double = 0) {
        self.decodeMicros = decodeMicros
        self.featuresMicros = featuresMicros
        self.networkMicros = networkMicros
    }

    enum CodingKeys: String, CodingKey {
        case decodeMicros = "decode_us", featuresMicros = "features_us", networkMicros = "network_us"
    }
}

/// One network's answer for one clip, as the model zoo gives it: the `Scores` everything downstream reads,
/// with the logits they came from, the label's name and the time each stage took. Exists only for finite
/// logits (`NonFiniteOutputError`).
public struct Prediction: Sendable {
    public let scores: Scores
    public let labelName: String
    public let logits: [Float]
    public var timings: StageTimings

    /// Throws when a logit is NaN or infinite, or there is none: such an output has no label.
    public init(logits: [Float], labels: [String], model: String, timings: StageTimings = .init()) throws(NonFiniteOutputError) {
        scores = try Scores(logits: logits, model: model)
        labelName = scores.label(in: labels)
        self.logits = logits
        self.timings = timings
    }

    public var label: Int { scores.top }
    public var probabilities: [Float] { scores.probabilities }
    public var probability: Float { scores.probability }
    public var scoreMargin: Float { scores.margin }
}

/// Monotonic microseconds, for stage timings.
public enum Stopwatch {
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    public static func micros(since start: UInt64) -> Double { Double(now() &- start) / 1000 }
}
