/// Nearest-rank percentiles of a set of latencies, in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var p50: Double
    public var p99: Double
    public var mean: Double

    public init(milliseconds values: [Double]) {
        count = values.count
        let sorted = values.sorted()
        func rank(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let i = Int((q * Double(sorted.count)).rounded(.up)) - 1
            return sorted[max(0, min(sorted.count - 1, i))]
        }
        p50 = rank(0.50)
        p99 = rank(0.99)
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
    }

    enum CodingKeys: String, CodingKey { case count = "n", p50 = "p50_ms", p99 = "p99_ms", mean = "mean_ms" }
}

extension Duration {
    /// This duration in milliseconds, as a Double.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1e3 + Double(components.attoseconds) / 1e15
    }
}
