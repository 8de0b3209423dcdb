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

/// One network's answer for one clip. Exists only for finite logits (`NonFiniteOutputError`).
public struct Prediction: Sendable, Codable {
    public var label: Int
    public var labelName: String
    public var logits: [Float]
    public var probabilities: [Float]
    public var scoreMargin: Float
    public var timings: StageTimings

    public var probability: Float { probabilities[label] }

    /// Throws when a logit is NaN or infinite: such an output has no label (`NonFiniteOutputError`).
    public init(logits: [Float], labels: [String], model: String, timings: StageTimings = .init()) throws(NonFiniteOutputError) {
        try NonFiniteOutputError.check(logits, model: model)
        self.logits = logits
        probabilities = Softmax.probabilities(logits)
        label = Softmax.argmax(logits) ?? 0
        labelName = label < labels.count ? labels[label] : "class\(label)"
        scoreMargin = Policies.scoreMargin(probabilities)
        self.timings = timings
    }

    enum CodingKeys: String, CodingKey {
        case label, logits, probabilities, timings
        case labelName = "label_name", scoreMargin = "score_margin"
    }
}

/// Monotonic microseconds, for stage timings.
public enum Stopwatch {
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    public static func micros(since start: UInt64) -> Double { Double(now() &- start) / 1000 }
}
