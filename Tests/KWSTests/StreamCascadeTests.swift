import KWS
import Testing

/// Big/Little while listening, on hand-made score sequences: when the big network runs, and that only it
/// reports keywords.
@Suite struct StreamCascadeTests {
    static let labels = ["yes", "no", "_silence_", "_unknown_"]
    static let hop = 40

    /// `n` hops of one probability vector each, as a recorded sequence.
    static func sequence(_ vectors: [[Float]]) -> ScoreSequence {
        ScoreSequence(labels: labels, hopMs: hop, scores: vectors.flatMap { $0 })
    }

    static let silence: [Float] = [0, 0, 1, 0]
    static let yesLike: [Float] = [0.6, 0.1, 0.1, 0.2]     // little: keyword-like, below its own threshold
    static let bigYes: [Float] = [0.95, 0.01, 0.02, 0.02]

    static func settings(wake: Float, hold: Int = 200) -> CascadeSettings {
        CascadeSettings(wake: wake, holdMs: hold,
                        big: DetectorSettings(averageWindowMs: 120, threshold: 0.9, suppressionMs: 1000, minimumCount: 3))
    }

    /// The little smoother over a 1 ms window (only the current hop), so that its top class and score are the
    /// hop's own.
    static func smoothed(_ s: ScoreSequence) -> SmoothedScores { s.smoothed(DetectorSettings(averageWindowMs: 1, threshold: 2, suppressionMs: 0, minimumCount: 1)) }

    @Test func bigRunsOnlyFromTheWakingHopUntilTheHoldEnds() {
        // 10 hops of silence, 3 keyword-like hops (hops 10-12, at 440-520 ms), 20 hops of silence.
        let little = Self.sequence(Array(repeating: Self.silence, count: 10) + Array(repeating: Self.yesLike, count: 3)
                                   + Array(repeating: Self.silence, count: 20))
        let big = Self.sequence(Array(repeating: Self.bigYes, count: 33))
        let o = StreamCascade.replay(little: Self.smoothed(little), big: big, settings: Self.settings(wake: 0.5, hold: 200))
        // Woken at 440, 480 and 520 ms, held until 720 ms: hops at 440 … 720 ms, 8 of them.
        #expect(o.bigRuns == 8 && o.hops == 33)
        // Big's third result (minimum count 3) at 520 ms fires once; suppression holds the rest.
        #expect(o.detections.map(\.label) == ["yes"])
        #expect(o.detections.first?.timeMs == 520)
    }

    @Test func aBigKeywordIsNotReportedWhenLittleNeverWakesIt() {
        let little = Self.sequence(Array(repeating: Self.yesLike, count: 20))
        let big = Self.sequence(Array(repeating: Self.bigYes, count: 20))
        let o = StreamCascade.replay(little: Self.smoothed(little), big: big, settings: Self.settings(wake: 0.7))
        #expect(o.bigRuns == 0 && o.detections.isEmpty)
    }

    @Test func littleDoesNotReportEvenAboveItsOwnThreshold() {
        // Little is sure of "no"; big, asked, hears silence: nothing is reported.
        let little = Self.sequence(Array(repeating: [0.05, 0.95, 0, 0], count: 20))
        let big = Self.sequence(Array(repeating: Self.silence, count: 20))
        let o = StreamCascade.replay(little: Self.smoothed(little), big: big, settings: Self.settings(wake: 0.3))
        #expect(o.bigRuns == 20 && o.detections.isEmpty)
    }

    @Test func aSilentOrUnknownLittleTopNeverWakes() {
        // The little network's top class is _unknown_ at 0.9: not a keyword, so big is not asked.
        let little = Self.sequence(Array(repeating: [0.05, 0.05, 0, 0.9], count: 20))
        let big = Self.sequence(Array(repeating: Self.bigYes, count: 20))
        #expect(StreamCascade.replay(little: Self.smoothed(little), big: big, settings: Self.settings(wake: 0.01)).bigRuns == 0)
    }
}
