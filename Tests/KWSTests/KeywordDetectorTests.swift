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
}
