
/// The smoother's parameters, after TensorFlow Lite Micro's `RecognizeCommands` (micro_speech): the score
/// vectors of the last `averageWindowMs` are averaged; nothing is reported until the window holds
/// `minimumCount` results; a keyword is reported when the averaged top class is a keyword whose score is at
/// least `threshold` and at least `suppressionMs` have passed since the previous report.
///
/// The score is the keyword's averaged probability minus `unknownWeight` × the averaged `_unknown_`
/// probability (RecognizeCommands' score is the probability alone: `unknownWeight` 0; its threshold 200/255
/// is 0.784). Other words are what a listening network confuses with keywords, and while it hears one its
/// `_unknown_` probability is high even when a keyword is on top; a network without `_unknown_` scores the
/// probability alone.
public struct DetectorSettings: Sendable, Hashable {
    public var averageWindowMs: Int
    public var threshold: Float
    public var suppressionMs: Int
    public var minimumCount: Int
    /// How much of the averaged `_unknown_` probability counts against a keyword (0: RecognizeCommands).
    public var unknownWeight: Float

    public init(averageWindowMs: Int, threshold: Float, suppressionMs: Int, minimumCount: Int, unknownWeight: Float = 0) {
        self.averageWindowMs = averageWindowMs
        self.threshold = threshold
        self.suppressionMs = suppressionMs
        self.minimumCount = minimumCount
        self.unknownWeight = unknownWeight
    }

    /// RecognizeCommands' defaults: window 1000 ms, threshold 200/255, suppression 1500 ms, minimum count 3.
    public static let recognizeCommands = DetectorSettings(averageWindowMs: 1000, threshold: 200.0 / 255,
                                                           suppressionMs: 1500, minimumCount: 3)

    /// `kws-native listen`'s defaults, chosen with `listen-eval --grid --max-fa-per-hour 5` on the validation
    /// streams for the shipped little-listen (the streammfcc_enskd recipe): the highest recall at ≤ 5 false
    /// alarms an hour (78.2 % at 4.06 /h; the suppressions tied, RecognizeCommands' 1500 ms kept;
    /// docs/LISTENING.md). The threshold is low because the network was distilled from an ensemble, whose
    /// softened probabilities make its own softer.
    /// Milliseconds between two classifications of a listening network unless told otherwise (`listen --hop-ms`,
    /// and what `kws-native pack` writes for a device).
    public static let listenDefaultHopMs = 40

    public static let listenDefault = DetectorSettings(averageWindowMs: 1000, threshold: 0.16,
                                                       suppressionMs: 1500, minimumCount: 3, unknownWeight: 2)

    /// These settings with a threshold above every score and no suppression: a detector that only averages
    /// and scores (its `averagedTop`), never reporting — the smoothing of a sweep or of a cascade's waker.
    public var averagingOnly: DetectorSettings {
        var s = self
        s.threshold = 2
        s.suppressionMs = 0
        return s
    }
}

/// One keyword heard in a stream.
public struct Detection: Sendable, Hashable {
    public var label: String
    /// Index of `label` in the network's labels.
    public var classIndex: Int
    /// Stream time of the result that fired, in milliseconds from the stream's start.
    public var timeMs: Int
    /// The detector's score of `label` when it fired: its averaged probability minus the settings'
    /// `unknownWeight` × the averaged `_unknown_` probability.
    public var score: Float

    public init(label: String, classIndex: Int, timeMs: Int, score: Float) {
        self.label = label
        self.classIndex = classIndex
        self.timeMs = timeMs
        self.score = score
    }

    public var timeSeconds: Double { Double(timeMs) / 1000 }
}

/// The stream detector: averages a network's score vectors over a sliding time window and reports keywords,
/// like RecognizeCommands. Labels starting with `_` (`_silence_`, `_unknown_`) are never reported, but they
/// take part in the average, so a window that is mostly "nothing" has a low keyword score, and the averaged
/// `_unknown_` probability counts against the keyword by the settings' `unknownWeight`.
///
/// One difference from RecognizeCommands, on purpose: suppression holds for every label, not only the one
/// that fired. As the window slides across one utterance the averaged top class can change between two
/// similar words ("no" → "go"); RecognizeCommands would report both, which is a false alarm.
///
/// The window keeps the results whose time is at least `now − averageWindowMs` (RecognizeCommands drops those
/// strictly older). Storage for the results is sized at init; `process` allocates nothing.
public final class KeywordDetector {
    public let labels: [String]
    public let settings: DetectorSettings
    /// Whether class i may be reported (its label does not start with `_`).
    public let isKeyword: [Bool]

    private let classes: Int
    /// The `_unknown_` class, when the labels have one.
    private let unknown: Int?
    private let capacity: Int
    /// Ring of the results in the window: score vectors (`capacity × classes`) and their times.
    private var scores: [Float]
    private var times: [Int]
    private var first = 0
    private var count = 0
    private var average: [Float]
    private var lastDetectionMs: Int?
    private var lastTimeMs: Int?

    /// - Parameter hopMs: the time between two results; storage for the window's results at that rate
    ///   (window / hop + 2) is reserved. At a faster rate the oldest results fall out of the average early.
    public init(labels: [String], settings: DetectorSettings, hopMs: Int) {
        self.labels = labels
        self.settings = settings
        isKeyword = labels.map { !$0.hasPrefix("_") }
        classes = labels.count
        unknown = labels.firstIndex(of: "_unknown_")
        capacity = settings.averageWindowMs / max(hopMs, 1) + 2
        scores = [Float](repeating: 0, count: capacity * labels.count)
        times = [Int](repeating: 0, count: capacity)
        average = [Float](repeating: 0, count: labels.count)
    }

    /// Forgets every result and the last detection.
    public func reset() {
        first = 0
        count = 0
        lastDetectionMs = nil
        lastTimeMs = nil
    }

    /// Results in the window after the last `process` call.
    public var resultsInWindow: Int { count }

    /// The window's averaged scores after the last `process` call (stale while it holds fewer than the
    /// minimum count).
    public var averagedScores: [Float] { average }

    /// The averaged top class (the first on equality) and its detector score (`score(of:)`) after the last
    /// `process` call; nil while the window holds fewer than the minimum count.
    public var averagedTop: (index: Int, score: Float)? {
        guard count >= settings.minimumCount else { return nil }
        var top = 0
        for c in 0..<classes where average[c] > average[top] { top = c }
        return (top, score(of: top))
    }

    /// The detector's score of class `c` in the current average: its averaged probability minus
    /// `unknownWeight` × the averaged `_unknown_` probability (the probability alone without `_unknown_`).
    @inline(__always)
    private func score(of c: Int) -> Float {
        guard let unknown else { return average[c] }
        return average[c] - settings.unknownWeight * average[unknown]
    }

    /// Adds one result (the network's probabilities for the window ending at `timeMs`; times must increase)
    /// and returns the detection it triggers, if any.
    public func process(_ probabilities: UnsafeBufferPointer<Float>, timeMs: Int) -> Detection? {
        precondition(probabilities.count == classes, "\(probabilities.count) scores for \(classes) labels")
        precondition(lastTimeMs.map { timeMs > $0 } ?? true, "result times must increase (\(timeMs) after \(lastTimeMs ?? 0))")
        lastTimeMs = timeMs
        // Drop the results that left the window, then the oldest if the ring is full (a faster rate than sized).
        let limit = timeMs - settings.averageWindowMs
        while count > 0, times[first] < limit { first = (first + 1) % capacity; count -= 1 }
        if count == capacity { first = (first + 1) % capacity; count -= 1 }
        let slot = (first + count) % capacity
        times[slot] = timeMs
        scores.withUnsafeMutableBufferPointer { s in
            (s.baseAddress! + slot * classes).update(from: probabilities.baseAddress!, count: classes)
        }
        count += 1
        guard count >= settings.minimumCount else { return nil }

        for c in 0..<classes { average[c] = 0 }
        for j in 0..<count {
            let row = ((first + j) % capacity) * classes
            for c in 0..<classes { average[c] += scores[row + c] }
        }
        var top = 0
        for c in 0..<classes {
            average[c] /= Float(count)
            if average[c] > average[top] { top = c }
        }
        guard isKeyword[top] else { return nil }
        let topScore = score(of: top)
        guard topScore >= settings.threshold else { return nil }
        if let last = lastDetectionMs, timeMs - last < settings.suppressionMs { return nil }
        lastDetectionMs = timeMs
        return Detection(label: labels[top], classIndex: top, timeMs: timeMs, score: topScore)
    }

    /// `process` for an array (allocation-free apart from the caller's array).
    public func process(_ probabilities: [Float], timeMs: Int) -> Detection? {
        probabilities.withUnsafeBufferPointer { process($0, timeMs: timeMs) }
    }
}
