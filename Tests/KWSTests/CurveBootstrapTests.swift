import Foundation
import KWS
import Testing

/// `CurveBootstrap` (the interval `listen-eval` prints beside the best recall at a false-alarm rate): its
/// units add up to `StreamScore`, it draws speakers and not clips, and on a plain proportion it agrees with
/// the binomial interval.
@Suite struct CurveBootstrapTests {
    static func detection(_ label: String, at seconds: Double) -> Detection {
        Detection(label: label, classIndex: 0, timeMs: Int((seconds * 1000).rounded()), score: 0.5)
    }

    /// Keywords of `speakers[i]`, one every 4 s from 1 s.
    static func keywordStream(_ speakers: [String]) -> StreamTruth {
        StreamTruth(kind: .keywords, durationS: Double(4 * speakers.count + 2),
                    keywords: speakers.enumerated().map { i, s in
                        .init(label: "yes", startS: 1 + 4 * Double(i), endS: 2 + 4 * Double(i), source: "\(s)_nohash_\(i).wav")
                    })
    }

    /// Other words of `speakers[i]`, one every `every` seconds from 0.5 s.
    static func unknownStream(_ speakers: [String], every: Double, durationS: Double) -> StreamTruth {
        StreamTruth(kind: .unknown, durationS: durationS, keywords: [],
                    negatives: speakers.enumerated().map { i, s in
                        .init(kind: "unknown", source: "off/\(s)_nohash_\(i % 5).flac", startS: 0.5 + every * Double(i))
                    })
    }

    @Test func speakersAreSpeechCommandsPrefixes() {
        #expect(CurveBootstrap.speaker(of: "off/8d4cdc60_nohash_1.flac") == "8d4cdc60")
        #expect(CurveBootstrap.speaker(of: "9ab86dd0_nohash_0.wav") == "9ab86dd0")
        #expect(CurveBootstrap.speaker(of: "1970-10594-0000.flac") == "1970-10594-0000.flac")
    }

    @Test func unitsAddUpToStreamScore() throws {
        let truths = [Self.keywordStream(["a", "b", "a", "c"]),
                      Self.unknownStream(["x", "x", "y"], every: 2, durationS: 7),
                      StreamTruth(kind: .noise, durationS: 120, keywords: [], negatives: [.init(kind: "noise", source: "pink_noise")]),
                      StreamTruth(kind: .speech, durationS: 30, keywords: [])]
        let detections: [[Detection]] = [
            [Self.detection("yes", at: 1.5), Self.detection("no", at: 5.5), Self.detection("yes", at: 9.2), Self.detection("yes", at: 9.4)],
            [Self.detection("up", at: 0.2), Self.detection("up", at: 1.0), Self.detection("go", at: 3.0)],   // words 0, 0, 1
            [Self.detection("go", at: 60)],
            [Self.detection("no", at: 3)],
        ]
        var score = StreamScore()
        for (t, d) in zip(truths, detections) { score.add(d, truth: t) }
        let outcome = CurveBootstrap(truths: truths).outcome(detections)
        #expect(outcome.found == [true, false, true, false])
        #expect(outcome.found.filter { $0 }.count == score.found)
        #expect(outcome.falseAlarms == [2, 1, 0, 1])
        #expect(outcome.falseAlarms.reduce(0, +) == score.falseAlarms)
        // The point of the interval is the curve's: all thresholds' recall at <= limit, here one threshold.
        let limit = score.falseAlarmsPerHour
        #expect(CurveBootstrap(truths: truths).interval([outcome], limit: limit, replicates: 10).recall == score.recall)
        #expect(CurveBootstrap(truths: truths).interval([outcome], limit: limit * 0.99, replicates: 10).recall == 0)
    }

    /// One speaker with 99 keywords found, another with one missed: drawn by speaker, a quarter of the draws
    /// hold only the second (recall 0); drawn by clip, recall would stay near 0.99.
    @Test func keywordsAreDrawnBySpeaker() {
        let truths = [Self.keywordStream(Array(repeating: "a", count: 99) + ["b"])]
        let outcome = CurveBootstrap.Outcome(found: Array(repeating: true, count: 99) + [false], falseAlarms: [])
        let i = CurveBootstrap(truths: truths).interval([outcome], limit: 5, replicates: 400)
        #expect(i.recall == 0.99 && i.low == 0 && i.high == 1)
    }

    /// Every other word by one speaker, one of them heard as a keyword: drawn by speaker the false alarm
    /// comes once in every draw (1 /h, within the 1.5 /h limit), so the low threshold stands in all of them;
    /// drawn by clip, a quarter of the draws would hold it twice and fall back to the high threshold's 50 %.
    @Test func otherWordsAreDrawnBySpeaker() {
        let speakers = (0..<100).map { "k\($0)" }
        let truths = [Self.keywordStream(speakers), Self.unknownStream(Array(repeating: "x", count: 100), every: 36, durationS: 3600)]
        let low = CurveBootstrap.Outcome(found: Array(repeating: true, count: 100), falseAlarms: [1] + Array(repeating: 0, count: 99))
        let high = CurveBootstrap.Outcome(found: (0..<100).map { $0 % 2 == 0 }, falseAlarms: Array(repeating: 0, count: 100))
        let i = CurveBootstrap(truths: truths).interval([low, high], limit: 1.5, replicates: 400)
        #expect(i.recall == 1 && i.low == 1 && i.high == 1)
        // With a limit below one false alarm an hour only the high threshold counts.
        #expect(CurveBootstrap(truths: truths).interval([low, high], limit: 0.5, replicates: 10).recall == 0.5)
    }

    /// 400 keywords of 400 speakers, 300 found, no false alarms: the bootstrap's 95 % interval is the
    /// binomial one, p ± 1.96 √(p(1 − p)/n) = 75 ± 4.24 %, to within its draws' error.
    @Test func aPlainProportionGetsTheBinomialInterval() {
        let n = 400, p = 0.75
        let truths = [Self.keywordStream((0..<n).map { "s\($0)" }),
                      StreamTruth(kind: .silence, durationS: 600, keywords: [])]
        let outcome = CurveBootstrap.Outcome(found: (0..<n).map { $0 % 4 != 0 }, falseAlarms: [0])
        let i = CurveBootstrap(truths: truths).interval([outcome], limit: 5, replicates: 4000)
        let half = 1.96 * (p * (1 - p) / Double(n)).squareRoot()
        #expect(i.recall == p)
        #expect(abs(i.low - (p - half)) < 0.008 && abs(i.high - (p + half)) < 0.008, "\(i)")
        // Seeded: the same streams and seed give the same draws (two networks scored with one seed are paired).
        #expect(CurveBootstrap(truths: truths).interval([outcome], limit: 5, replicates: 4000) == i)
    }
}
