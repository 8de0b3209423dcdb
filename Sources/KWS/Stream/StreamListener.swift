import Runtime
import Foundation

/// `PCM → frames → window → network → smoother → detections`: a keyword spotter listening to a stream.
/// Every hop it classifies the last second (zeros before the stream's start) and feeds the probabilities to
/// a `KeywordDetector`. Allocation-free per hop unless `recordsScores` keeps every result for a later replay
/// (the threshold sweep). Not thread-safe.
public final class StreamListener {
    public let spotter: KeywordSpotter
    public let features: StreamingFeatures
    public let detector: KeywordDetector
    public let hopMs: Int
    /// Keep every hop's probabilities in `recorded` (for `ScoreSequence` replays).
    public let recordsScores: Bool
    /// Every hop's probabilities, `labels.count` a hop, when `recordsScores`.
    public private(set) var recorded: [Float] = []
    /// Windows classified so far.
    public private(set) var results = 0
    private var probabilities: [Float]

    /// - Parameter hopMs: milliseconds between two classifications; a multiple of the features' frame step
    ///   (8 ms for little's STFT, 20 ms for the MFCC networks).
    public init(spotter: KeywordSpotter, settings: DetectorSettings, hopMs: Int, recordsScores: Bool = false) throws {
        features = try StreamingFeatures.of(spotter, hopMs: hopMs)
        self.spotter = spotter
        self.hopMs = hopMs
        self.recordsScores = recordsScores
        detector = KeywordDetector(labels: spotter.labels, settings: settings, hopMs: hopMs)
        probabilities = [Float](repeating: 0, count: spotter.labels.count)
    }

    public var labels: [String] { spotter.labels }

    /// Listens to `samples` (floats in [-1, 1), 16 kHz mono) and calls `onDetection` for each keyword heard.
    public func listen(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void) {
        features.append(samples) { window, endSample in
            probabilities.withUnsafeMutableBufferPointer { p in
                spotter.probabilities(features: window, into: p)
                if recordsScores { recorded.append(contentsOf: p) }
                let timeMs = endSample * 1000 / spotter.spec.sampleRate
                results += 1
                if let d = detector.process(UnsafeBufferPointer(p), timeMs: timeMs) { onDetection(d) }
            }
        }
    }

    /// The recorded probabilities as a replayable sequence (empty unless `recordsScores`).
    public var scoreSequence: ScoreSequence {
        ScoreSequence(labels: labels, hopMs: hopMs, scores: recorded)
    }

    /// Back to a fresh stream (features, detector and recorded scores).
    public func reset() {
        features.reset()
        detector.reset()
        recorded.removeAll(keepingCapacity: true)
        results = 0
    }
}

extension StreamingFeatures {
    /// The streaming features of `spotter`'s spec with a window every `hopMs`; says why a hop does not fit.
    public static func of(_ spotter: KeywordSpotter, hopMs: Int) throws -> StreamingFeatures {
        let rate = spotter.spec.sampleRate
        guard hopMs > 0, (hopMs * rate) % 1000 == 0 else { throw ZooError("--hop-ms \(hopMs): needs a whole number of samples at \(rate) Hz") }
        do {
            return try StreamingFeatures(spec: spotter.spec, hopSamples: hopMs * rate / 1000)
        } catch {
            throw ZooError("\(spotter.name): \(error.message)")
        }
    }
}

/// A stream's probabilities, one vector every `hopMs` (the first at `hopMs`), kept to replay the detector
/// with other settings without running the network again.
public struct ScoreSequence: Sendable {
    public var labels: [String]
    public var hopMs: Int
    /// `count × labels.count` probabilities.
    public var scores: [Float]

    public init(labels: [String], hopMs: Int, scores: [Float]) {
        self.labels = labels
        self.hopMs = hopMs
        self.scores = scores
    }

    public var count: Int { labels.isEmpty ? 0 : scores.count / labels.count }

    /// The detections a fresh `KeywordDetector` with `settings` reports on this sequence.
    public func detections(_ settings: DetectorSettings) -> [Detection] {
        let detector = KeywordDetector(labels: labels, settings: settings, hopMs: hopMs)
        let k = labels.count
        var out: [Detection] = []
        scores.withUnsafeBufferPointer { s in
            for i in 0..<count {
                if let d = detector.process(UnsafeBufferPointer(rebasing: s[(i * k)..<((i + 1) * k)]), timeMs: (i + 1) * hopMs) {
                    out.append(d)
                }
            }
        }
        return out
    }

    /// The averaged scores' top class and detector score per hop with the window, minimum count and unknown
    /// weight of `settings` (`nil` where the window holds too few results): the part of the detector that
    /// does not depend on the threshold or the suppression (which are ignored), computed once for a sweep.
    public func smoothed(_ settings: DetectorSettings) -> SmoothedScores {
        let k = labels.count
        let detector = KeywordDetector(labels: labels, settings: settings.averagingOnly, hopMs: hopMs)
        var top: [Int32] = [], score: [Float] = []
        top.reserveCapacity(count)
        score.reserveCapacity(count)
        scores.withUnsafeBufferPointer { s in
            for i in 0..<count {
                _ = detector.process(UnsafeBufferPointer(rebasing: s[(i * k)..<((i + 1) * k)]), timeMs: (i + 1) * hopMs)
                if let t = detector.averagedTop {
                    top.append(Int32(t.index)); score.append(t.score)
                } else {
                    top.append(-1); score.append(0)
                }
            }
        }
        return SmoothedScores(labels: labels, hopMs: hopMs, top: top, score: score)
    }
}

/// Per hop, the averaged top class (−1 while the window holds fewer than the minimum count) and its detector
/// score.
public struct SmoothedScores: Sendable {
    public var labels: [String]
    public var hopMs: Int
    public var top: [Int32]
    public var score: [Float]

    /// The detections `KeywordDetector` reports with this threshold and suppression (and the window and
    /// minimum count these scores were smoothed with).
    public func detections(threshold: Float, suppressionMs: Int) -> [Detection] {
        let isKeyword = labels.map { !$0.hasPrefix("_") }
        var out: [Detection] = []
        var last: Int?
        for i in 0..<top.count {
            let t = Int(top[i])
            guard t >= 0, isKeyword[t], score[i] >= threshold else { continue }
            let time = (i + 1) * hopMs
            if let l = last, time - l < suppressionMs { continue }
            last = time
            out.append(Detection(label: labels[t], classIndex: t, timeMs: time, score: score[i]))
        }
        return out
    }
}
