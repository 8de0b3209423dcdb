import Runtime

// The detector's settings and detections as JSON (plans, `listen --json`, stream evaluation): desktop only,
// the device build has no Codable. Written out because Swift synthesises Codable only in the declaring file.

extension DetectorSettings: Codable {
    public enum CodingKeys: String, CodingKey {
        case threshold
        case averageWindowMs = "average_window_ms", suppressionMs = "suppression_ms", minimumCount = "minimum_count"
        case unknownWeight = "unknown_weight"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(averageWindowMs: try c.decode(Int.self, forKey: .averageWindowMs),
                  threshold: try c.decode(Float.self, forKey: .threshold),
                  suppressionMs: try c.decode(Int.self, forKey: .suppressionMs),
                  minimumCount: try c.decode(Int.self, forKey: .minimumCount),
                  unknownWeight: try c.decode(Float.self, forKey: .unknownWeight))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(averageWindowMs, forKey: .averageWindowMs)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(suppressionMs, forKey: .suppressionMs)
        try c.encode(minimumCount, forKey: .minimumCount)
        try c.encode(unknownWeight, forKey: .unknownWeight)
    }
}

extension Detection: Codable {
    public enum CodingKeys: String, CodingKey { case label, classIndex, timeMs, score }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(label: try c.decode(String.self, forKey: .label), classIndex: try c.decode(Int.self, forKey: .classIndex),
                  timeMs: try c.decode(Int.self, forKey: .timeMs), score: try c.decode(Float.self, forKey: .score))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(label, forKey: .label)
        try c.encode(classIndex, forKey: .classIndex)
        try c.encode(timeMs, forKey: .timeMs)
        try c.encode(score, forKey: .score)
    }
}
