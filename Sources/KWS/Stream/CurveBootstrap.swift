import Runtime
import Foundation
import Tensor

/// How precise "the best recall at ≤ N false alarms an hour" is, on a given set of evaluation streams.
///
/// The figure is read off a curve over thresholds whose false-alarm axis often rests on a handful of events
/// from a few speakers, so it moves a lot with who happened to be recorded. A stratified cluster bootstrap
/// draws the streams' material again with replacement, within three strata: the keywords by speaker (a
/// speaker's clips go together), the other words of `unknown` streams by speaker (the three gains of one
/// recording, and one speaker's words, go together), and each noise or silence stream whole; in each draw the
/// threshold is chosen anew. Its 2.5 and 97.5 percentiles bound the figure (docs/LISTENING.md, "How precise
/// these numbers are"; `reference/detector_variants.py --bootstrap` is the same in numpy).
public struct CurveBootstrap: Sendable {
    /// One threshold's detections, unit by unit: whether each keyword was found (in `StreamScore`'s order and
    /// by its matching), and the false alarms of each keyword-free stretch.
    public struct Outcome: Sendable {
        public var found: [Bool]
        public var falseAlarms: [Int]
        public init(found: [Bool], falseAlarms: [Int]) {
            self.found = found
            self.falseAlarms = falseAlarms
        }
    }

    /// The result: the figure on the streams as they are, and its 95 % interval.
    public struct Interval: Sendable, Codable, Equatable {
        public var recall: Double
        public var low: Double
        public var high: Double
        public var replicates: Int
    }

    private let truths: [StreamTruth]
    /// Per stream, where its other words start (`unknown` streams; empty for the others).
    private let wordStarts: [[Double]]
    /// Per keyword (streams' order) and per keyword-free stretch: the cluster it is drawn with.
    let keywordCluster: [Int]
    let stretchCluster: [Int]
    /// Seconds of keyword-free audio of each stretch.
    let stretchSeconds: [Double]
    /// The clusters of each stratum (keyword speakers, other-word speakers, noise and silence streams).
    let strata: [[Int]]
    let clusterCount: Int

    /// Speech Commands' speaker of a clip (`[WORD/]SPEAKER_nohash_N.ext`); a name without `_nohash_` is its
    /// own speaker.
    public static func speaker(of source: String) -> String {
        let name = source.split(separator: "/").last.map(String.init) ?? source
        guard let r = name.range(of: "_nohash_") else { return name }
        return String(name[..<r.lowerBound])
    }

    public init(truths: [StreamTruth]) {
        self.truths = truths
        let words = truths.map { $0.kind == .unknown ? Self.otherWords($0) : [] }
        wordStarts = words.map { $0.map { $0.startS! } }
        var ids: [String: Int] = [:]
        var stratumOf: [Int] = []
        func cluster(_ key: String, stratum: Int) -> Int {
            if let id = ids[key] { return id }
            ids[key] = stratumOf.count
            stratumOf.append(stratum)
            return stratumOf.count - 1
        }
        var keywordCluster: [Int] = [], stretchCluster: [Int] = [], stretchSeconds: [Double] = []
        for (i, t) in truths.enumerated() {
            switch t.kind {
            case .keywords:
                // A keyword whose clip is not named is a speaker of its own.
                keywordCluster += t.keywords.enumerated().map { k, kw in
                    cluster("k " + (kw.source.map(Self.speaker) ?? "\(i)/\(k)"), stratum: 0)
                }
            case .unknown:
                let starts = wordStarts[i]
                guard !starts.isEmpty else {
                    stretchCluster.append(cluster("s \(i)", stratum: 2))
                    stretchSeconds.append(t.durationS)
                    continue
                }
                for (j, w) in words[i].enumerated() {
                    stretchCluster.append(cluster("u " + (w.source.map(Self.speaker) ?? "\(i)/\(j)"), stratum: 1))
                    let from = j == 0 ? 0 : starts[j], to = j + 1 < starts.count ? starts[j + 1] : t.durationS
                    stretchSeconds.append(to - from)
                }
            case .noise, .silence:
                stretchCluster.append(cluster("s \(i)", stratum: 2))
                stretchSeconds.append(t.durationS)
            case .speech:
                break
            }
        }
        self.keywordCluster = keywordCluster
        self.stretchCluster = stretchCluster
        self.stretchSeconds = stretchSeconds
        self.clusterCount = stratumOf.count
        strata = (0..<3).map { s in stratumOf.indices.filter { stratumOf[$0] == s } }
    }

    /// The other words of an `unknown` stream that say where they start, in time order.
    private static func otherWords(_ t: StreamTruth) -> [StreamTruth.Negative] {
        (t.negatives ?? []).filter { $0.startS != nil }.sorted { $0.startS! < $1.startS! }
    }

    /// One threshold's detections (one array a stream, in the order of `truths`) unit by unit. Each other
    /// word of an `unknown` stream owns the audio from its start to the next one's (the first from the
    /// stream's start): a detection there is its false alarm.
    public func outcome(_ detections: [[Detection]]) -> Outcome {
        precondition(detections.count == truths.count)
        var found: [Bool] = [], falseAlarms: [Int] = []
        for (t, (d, starts)) in zip(truths, zip(detections, wordStarts)) {
            switch t.kind {
            case .keywords:
                found += StreamScore.matches(d, t.keywords).map { $0 != nil }
            case .unknown:
                guard !starts.isEmpty else { falseAlarms.append(d.count); continue }
                var counts = [Int](repeating: 0, count: starts.count)
                for x in d {
                    // The last word that started at or before the detection (the first word owns the lead-in).
                    let j = starts.lastIndex { $0 <= x.timeSeconds } ?? 0
                    counts[j] += 1
                }
                falseAlarms += counts
            case .noise, .silence:
                falseAlarms.append(d.count)
            case .speech:
                break
            }
        }
        return Outcome(found: found, falseAlarms: falseAlarms)
    }

    /// The best recall over the outcomes (one a threshold) whose false alarms an hour stay ≤ `limit`, with
    /// every keyword and stretch counted as often as its cluster's weight says (0 when none does).
    func best(_ outcomes: [Outcome], limit: Double, weights: [Double]) -> Double {
        let kw = keywordCluster.map { weights[$0] }, st = stretchCluster.map { weights[$0] }
        let keywords = kw.reduce(0, +)
        let seconds = zip(st, stretchSeconds).reduce(0) { $0 + $1.0 * $1.1 }
        var best = 0.0
        for o in outcomes {
            let alarms = zip(st, o.falseAlarms).reduce(0) { $0 + $1.0 * Double($1.1) }
            guard seconds > 0 ? alarms * 3600 / seconds <= limit : true else { continue }
            let hits = zip(kw, o.found).reduce(0) { $0 + ($1.1 ? $1.0 : 0) }
            best = max(best, keywords > 0 ? hits / keywords : 0)
        }
        return best
    }

    /// The best recall at ≤ `limit` false alarms an hour over `outcomes` (one a threshold), and the 2.5–97.5 %
    /// range of it over `replicates` draws (seeded: the same streams and seed give the same draws, so two
    /// networks scored with one seed are paired).
    public func interval(_ outcomes: [Outcome], limit: Double, replicates: Int = 1000, seed: UInt64 = 20) -> Interval {
        let point = best(outcomes, limit: limit, weights: [Double](repeating: 1, count: clusterCount))
        var rng = SplitMix64(seed: seed)
        var draws: [Double] = []
        draws.reserveCapacity(replicates)
        var weights = [Double](repeating: 0, count: clusterCount)
        for _ in 0..<replicates {
            for i in weights.indices { weights[i] = 0 }
            for stratum in strata where !stratum.isEmpty {
                for _ in stratum { weights[stratum[Int.random(in: 0..<stratum.count, using: &rng)]] += 1 }
            }
            draws.append(best(outcomes, limit: limit, weights: weights))
        }
        draws.sort()
        return Interval(recall: point, low: nearestRankPercentile(draws, 2.5), high: nearestRankPercentile(draws, 97.5),
                        replicates: replicates)
    }
}
