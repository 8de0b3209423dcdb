import KWS
import Testing

/// The smoother on hand-made score sequences (hop 100 ms unless said otherwise).
@Suite struct KeywordDetectorTests {
    static let labels = ["yes", "no", "_silence_", "_unknown_"]

    /// A one-hot-ish score vector: `p` on `label`, the rest spread over the other classes.
    static func scores(_ label: String, _ p: Float = 0.97) -> [Float] {
        labels.map { $0 == label ? p : (1 - p) / Float(labels.count - 1) }
    }

    /// Runs `sequence` (one score vector per hop, first at `hopMs`) and returns the detections.
    static func run(_ sequence: [[Float]], settings: DetectorSettings, hopMs: Int = 100) -> [Detection] {
        let detector = KeywordDetector(labels: labels, settings: settings, hopMs: hopMs)
        return sequence.enumerated().compactMap { i, s in detector.process(s, timeMs: (i + 1) * hopMs) }
    }

    static let settings = DetectorSettings(averageWindowMs: 1000, threshold: 0.8, suppressionMs: 1500, minimumCount: 3)

    static func repeated(_ label: String, _ n: Int, _ p: Float = 0.97) -> [[Float]] {
        Array(repeating: scores(label, p), count: n)
    }

    @Test func sustainedKeywordFiresOnce() {
        let seq = Self.repeated("_silence_", 20) + Self.repeated("yes", 12) + Self.repeated("_silence_", 20)
        let d = Self.run(seq, settings: Self.settings)
        #expect(d.count == 1)
        #expect(d.first?.label == "yes" && d.first?.classIndex == 0)
        // The window (11 results at 100 ms) has an average above 0.8 once 10 of them say "yes".
        #expect(d.first?.timeMs == 3000)
        #expect((d.first?.score ?? 0) >= 0.8)
    }

    @Test func silenceAndUnknownNeverFire() {
        let seq = Self.repeated("_silence_", 50, 1) + Self.repeated("_unknown_", 50, 1) + Self.repeated("_silence_", 5, 1)
        #expect(Self.run(seq, settings: Self.settings).isEmpty)
    }

    @Test func belowThresholdNeverFires() {
        #expect(Self.run(Self.repeated("no", 40, 0.79), settings: Self.settings).isEmpty)
        #expect(Self.run(Self.repeated("no", 40, 0.81), settings: Self.settings).map(\.timeMs) == [300, 1800, 3300])
    }

    @Test func suppressionHoldsForEveryLabel() {
        // "yes" held for 4 s: fires at the minimum count, then again once 1500 ms have passed.
        let held = Self.run(Self.repeated("yes", 40), settings: Self.settings)
        #expect(held.map(\.timeMs) == [300, 1800, 3300])
        // A different word within the suppression time is suppressed too; after it, it fires.
        let seq = Self.repeated("yes", 5) + Self.repeated("no", 20)
        let d = Self.run(seq, settings: DetectorSettings(averageWindowMs: 300, threshold: 0.8, suppressionMs: 1500, minimumCount: 3))
        #expect(d.map(\.label) == ["yes", "no"])
        #expect(d.map(\.timeMs) == [300, 1800])
        // Without suppression the word fires at every hop.
        let every = Self.run(Self.repeated("yes", 10), settings: DetectorSettings(averageWindowMs: 1000, threshold: 0.8, suppressionMs: 0, minimumCount: 3))
        #expect(every.count == 8)
    }

    @Test func minimumCountDelaysTheFirstReport() {
        let seq = Self.repeated("yes", 10)
        let three = Self.run(seq, settings: Self.settings)
        #expect(three.first?.timeMs == 300)
        let five = Self.run(seq, settings: DetectorSettings(averageWindowMs: 1000, threshold: 0.8, suppressionMs: 1500, minimumCount: 5))
        #expect(five.first?.timeMs == 500)
        // A window too short to ever hold the minimum count never reports.
        let never = Self.run(seq, settings: DetectorSettings(averageWindowMs: 150, threshold: 0.8, suppressionMs: 1500, minimumCount: 3))
        #expect(never.isEmpty)
    }

    @Test func windowEdgeKeepsResultsExactlyWindowOld() {
        // Window 200 ms at a 100 ms hop holds the results at now, now − 100 and now − 200 (three results):
        // a result exactly `averageWindowMs` old is still in the window.
        let settings = DetectorSettings(averageWindowMs: 200, threshold: 0.8, suppressionMs: 0, minimumCount: 3)
        #expect(Self.run(Self.repeated("yes", 3), settings: settings).map(\.timeMs) == [300])
        // Two keyword results and one silence: the average (0.97·2 + 0.01)/3 = 0.65 stays under 0.8 while the
        // silence is in the window, and the silence leaves it 300 ms later.
        let seq = [Self.scores("_silence_")] + Self.repeated("yes", 4)
        #expect(Self.run(seq, settings: settings).map(\.timeMs) == [400, 500])
    }

    @Test func detectionsAreTimedByTheirResult() {
        let detector = KeywordDetector(labels: Self.labels, settings: Self.settings, hopMs: 40)
        var fired: [Int] = []
        for t in stride(from: 40, through: 2000, by: 40) {
            if let d = detector.process(Self.scores(t >= 1000 ? "no" : "_unknown_"), timeMs: t) { fired.append(d.timeMs) }
        }
        #expect(fired.count == 1)
        detector.reset()
        #expect(detector.process(Self.scores("no"), timeMs: 40) == nil)
    }

    /// A keyword heard with much `_unknown_` beside it: the unknown weight takes that much off its score.
    @Test func unknownWeightCountsTheUnknownProbabilityAgainstTheKeyword() {
        let hop: [Float] = [0.6, 0.05, 0.05, 0.3]        // yes, no, _silence_, _unknown_
        let seq = Array(repeating: hop, count: 12)
        func first(_ weight: Float, threshold: Float) -> Detection? {
            Self.run(seq, settings: DetectorSettings(averageWindowMs: 1000, threshold: threshold, suppressionMs: 1500,
                                                     minimumCount: 3, unknownWeight: weight)).first
        }
        #expect(abs((first(0, threshold: 0.55)?.score ?? 0) - 0.6) < 1e-6)
        #expect(first(1, threshold: 0.55) == nil)
        #expect(abs((first(1, threshold: 0.25)?.score ?? 0) - 0.3) < 1e-6)
        #expect(first(2, threshold: 0.01) == nil)         // 0.6 − 2 × 0.3 = 0
        // Without an _unknown_ label the weight has nothing to subtract.
        let detector = KeywordDetector(labels: ["yes", "no", "_silence_"], settings: DetectorSettings(
            averageWindowMs: 1000, threshold: 0.55, suppressionMs: 1500, minimumCount: 1, unknownWeight: 2), hopMs: 100)
        #expect(abs((detector.process([0.6, 0.1, 0.3], timeMs: 100)?.score ?? 0) - 0.6) < 1e-6)
    }

    /// The detector against a naive reference written from its definition (average the results of the last
    /// window, top class, score = p(top) − weight × p(_unknown_), threshold, suppression for every label), on
    /// random score sequences.
    @Test func matchesANaiveReferenceOnRandomSequences() {
        var rng = SystemRandomNumberGenerator()
        for trial in 0..<60 {
            let weight: Float = [0, 0.5, 1, 2][trial % 4]
            let settings = DetectorSettings(averageWindowMs: [200, 500, 1000][trial % 3], threshold: Float.random(in: 0.2...0.7, using: &rng),
                                            suppressionMs: [0, 300, 1500][(trial / 3) % 3], minimumCount: 1 + trial % 3, unknownWeight: weight)
            let hopMs = 40
            // Sticky random classes, so that keywords last a few hops, with random spread.
            var seq: [[Float]] = []
            var cls = 0
            for _ in 0..<300 {
                if Int.random(in: 0..<6, using: &rng) == 0 { cls = Int.random(in: 0..<Self.labels.count, using: &rng) }
                var v = Self.labels.indices.map { _ in Float.random(in: 0...1, using: &rng) }
                v[cls] += Float.random(in: 0...4, using: &rng)
                let sum = v.reduce(0, +)
                seq.append(v.map { $0 / sum })
            }
            var expected: [Detection] = []
            var last: Int?
            for i in seq.indices {
                let t = (i + 1) * hopMs
                let inWindow = seq.indices.filter { $0 <= i && ($0 + 1) * hopMs >= t - settings.averageWindowMs }
                guard inWindow.count >= settings.minimumCount else { continue }
                var avg = [Double](repeating: 0, count: Self.labels.count)
                for j in inWindow { for c in avg.indices { avg[c] += Double(seq[j][c]) / Double(inWindow.count) } }
                let top = avg.indices.max { avg[$0] < avg[$1] }!
                let score = avg[top] - Double(weight) * avg[3]
                guard top < 2, score >= Double(settings.threshold) else { continue }
                if let l = last, t - l < settings.suppressionMs { continue }
                last = t
                expected.append(Detection(label: Self.labels[top], classIndex: top, timeMs: t, score: Float(score)))
            }
            let got = Self.run(seq, settings: settings, hopMs: hopMs)
            #expect(got.map(\.timeMs) == expected.map(\.timeMs), "trial \(trial)")
            #expect(got.map(\.label) == expected.map(\.label), "trial \(trial)")
            for (g, e) in zip(got, expected) { #expect(abs(g.score - e.score) < 1e-5, "trial \(trial)") }
        }
    }
}
