/// Nearest-rank percentiles of a sample (p in 0…100): the smallest value with at least p % of the sample
/// at or below it. Returns 0 for an empty sample.
public func nearestRankPercentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// p50 / p90 / p99 of one stage, in microseconds.
public struct StageLatency: Codable, Sendable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var mean: Double

    public init(_ samples: [Double]) {
        let s = samples.sorted()
        p50 = nearestRankPercentile(s, 50)
        p90 = nearestRankPercentile(s, 90)
        p99 = nearestRankPercentile(s, 99)
        mean = s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
    }
}
