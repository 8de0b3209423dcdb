import Runtime
import Foundation

/// The truth file of an evaluation stream, as `reference/make_streams.py` writes it next to the WAV
/// (`NAME.wav` + `NAME.json`). `kind` says how the stream counts: `keywords` (recall), `noise`, `silence` and
/// `unknown` (keyword-free: every detection is a false alarm), `speech` (read speech, which does contain
/// keywords: its detections are reported per hour, apart from the false alarms).
public struct StreamTruth: Codable, Sendable {
    /// A keyword said in the stream, from its clip's start to its clip's end.
    public struct Keyword: Codable, Sendable, Hashable {
        public var label: String
        public var startS: Double
        public var endS: Double
        /// The clip it came from (Speech Commands' `SPEAKER_nohash_N.wav`), when the truth names it.
        public var source: String?
        public init(label: String, startS: Double, endS: Double, source: String? = nil) {
            self.label = label
            self.startS = startS
            self.endS = endS
            self.source = source
        }
        enum CodingKeys: String, CodingKey { case label, startS = "start_s", endS = "end_s", source }
    }

    /// A sound that is not a keyword, laid into the stream: an other word (`source` its clip, `startS` where it
    /// starts), a noise bed (its file, no start), silence (neither).
    public struct Negative: Codable, Sendable, Hashable {
        public var kind: String
        public var source: String?
        public var startS: Double?
        public init(kind: String, source: String? = nil, startS: Double? = nil) {
            self.kind = kind
            self.source = source
            self.startS = startS
        }
        enum CodingKeys: String, CodingKey { case kind, source, startS = "start_s" }
    }

    public enum Kind: String, Codable, Sendable, CaseIterable { case keywords, noise, silence, unknown, speech }

    public var kind: Kind
    public var durationS: Double
    public var keywords: [Keyword]
    public var split: String?
    /// What else the stream holds, in time order (make_streams.py lists the other words, noise and read speech).
    public var negatives: [Negative]?

    public init(kind: Kind, durationS: Double, keywords: [Keyword], split: String? = nil, negatives: [Negative]? = nil) {
        self.kind = kind
        self.durationS = durationS
        self.keywords = keywords
        self.split = split
        self.negatives = negatives
    }

    enum CodingKeys: String, CodingKey { case kind, keywords, split, negatives, durationS = "duration_s" }

    public var isKeywordFree: Bool { kind == .noise || kind == .silence || kind == .unknown }

    public static func load(path: String) throws -> StreamTruth {
        guard let data = FileManager.default.contents(atPath: path) else { throw ZooError("\(path): cannot read the truth file") }
        do {
            return try JSONDecoder().decode(StreamTruth.self, from: data)
        } catch {
            throw ZooError("\(path): not a stream truth file (kind, duration_s, keywords[label, start_s, end_s]): \(error)")
        }
    }
}

/// Detections scored against truth, summed over any number of streams. A keyword is found when a detection
/// of its label fires within `StreamScore.recallWindowS` (2 s) after it starts; each detection finds at most
/// one keyword. On keyword streams, detections that find nothing are counted as `extraDetections`.
public struct StreamScore: Sendable, Codable {
    public static let recallWindowS = 2.0

    public var keywords = 0
    public var found = 0
    /// Detection time minus the keyword clip's end, per keyword found (seconds; negative when it fired
    /// before the clip ended).
    public var latenciesS: [Double] = []
    public var extraDetections = 0
    public var keywordSeconds = 0.0
    public var keywordFreeSeconds = 0.0
    public var falseAlarms = 0
    public var speechSeconds = 0.0
    public var speechDetections = 0

    public init() {}

    public var recall: Double { keywords == 0 ? 0 : Double(found) / Double(keywords) }
    public var falseAlarmsPerHour: Double { keywordFreeSeconds == 0 ? 0 : Double(falseAlarms) * 3600 / keywordFreeSeconds }
    public var speechDetectionsPerHour: Double { speechSeconds == 0 ? 0 : Double(speechDetections) * 3600 / speechSeconds }
    public var meanLatencyS: Double { latenciesS.isEmpty ? 0 : latenciesS.reduce(0, +) / Double(latenciesS.count) }
    public var p90LatencyS: Double { nearestRankPercentile(latenciesS.sorted(), 90) }

    /// For each keyword, in order, the index of the detection that finds it: the first not yet used of its
    /// label within `recallWindowS` after it starts; nil when none does.
    public static func matches(_ detections: [Detection], _ keywords: [StreamTruth.Keyword]) -> [Int?] {
        var used = [Bool](repeating: false, count: detections.count)
        return keywords.map { k in
            let hit = detections.indices.first { i in
                !used[i] && detections[i].label == k.label
                    && detections[i].timeSeconds >= k.startS && detections[i].timeSeconds <= k.startS + recallWindowS
            }
            if let i = hit { used[i] = true }
            return hit
        }
    }

    /// Adds one stream's detections.
    public mutating func add(_ detections: [Detection], truth: StreamTruth) {
        switch truth.kind {
        case .keywords:
            keywordSeconds += truth.durationS
            let hits = Self.matches(detections, truth.keywords)
            keywords += hits.count
            for (k, hit) in zip(truth.keywords, hits) {
                guard let i = hit else { continue }
                found += 1
                latenciesS.append(detections[i].timeSeconds - k.endS)
            }
            extraDetections += detections.count - hits.compactMap { $0 }.count
        case .noise, .silence, .unknown:
            keywordFreeSeconds += truth.durationS
            falseAlarms += detections.count
        case .speech:
            speechSeconds += truth.durationS
            speechDetections += detections.count
        }
    }
}
