import Runtime

// The detector's settings and detections as JSON (plans, `listen --json`, stream evaluation): desktop only,
// the device build has no Codable.
extension DetectorSettings: Codable {
    public enum CodingKeys: String, CodingKey {
        case threshold
        case averageWindowMs = "average_window_ms", suppressionMs = "suppression_ms", minimumCount = "minimum_count"
        case unknownWeight = "unknown_weight"
    }
}

extension Detection: Codable {}
