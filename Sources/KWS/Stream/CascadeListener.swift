import Runtime

/// Big/Little while listening, live: `StreamCascade`'s rule on a stream as it arrives. The little network
/// classifies every hop and its scores are smoothed; the big network's features follow the stream at every
/// hop too (frames are cheap; when both networks hear the same features, as the shipped little-listen and
/// big-listen both hear MFCC-10, they are computed once for both), but the big network itself runs only on
/// the hops the little one wakes it for, and only its detector reports. Allocation-free per hop once a
/// chunk's hops fit the reserved capacity. Not thread-safe.
public final class CascadeListener {
    public let little: KeywordSpotter
    public let big: KeywordSpotter
    public let settings: CascadeSettings
    /// The little network's smoothing (window, minimum count, unknown weight; its threshold and suppression are
    /// unused).
    public let littleSmoothing: DetectorSettings
    public let hopMs: Int
    /// Hops heard, and hops at which the big network ran.
    public private(set) var hops = 0
    public private(set) var bigRuns = 0

    private let littleFeatures: StreamingFeatures
    /// The big network's own features; nil when they are the little network's.
    private let bigFeatures: StreamingFeatures?
    private let smoother: KeywordDetector
    private let bigDetector: KeywordDetector
    private var littleScores: [Float]
    private var bigScores: [Float]
    /// Whether each hop of the chunk being heard wakes the big network (filled by the little pass).
    private var awake: [Bool] = []
    private var waker: StreamCascade.Waker

    public init(little: KeywordSpotter, big: KeywordSpotter, littleSmoothing: DetectorSettings,
                settings: CascadeSettings, hopMs: Int) throws {
        guard little.labels == big.labels else {
            throw ZooError("\(big.name) must have the labels of \(little.name) (\(little.labels.joined(separator: ", ")))")
        }
        guard little.spec.sampleRate == big.spec.sampleRate else {
            throw ZooError("\(little.name) and \(big.name) must hear the same sample rate")
        }
        littleFeatures = try StreamingFeatures.of(little, hopMs: hopMs)
        bigFeatures = little.spec == big.spec ? nil : try StreamingFeatures.of(big, hopMs: hopMs)
        self.little = little
        self.big = big
        self.settings = settings
        self.littleSmoothing = littleSmoothing
        self.hopMs = hopMs
        smoother = KeywordDetector(labels: little.labels, settings: littleSmoothing.averagingOnly, hopMs: hopMs)
        bigDetector = KeywordDetector(labels: big.labels, settings: settings.big, hopMs: hopMs)
        waker = StreamCascade.Waker(settings: settings, labels: little.labels)
        littleScores = [Float](repeating: 0, count: little.labels.count)
        bigScores = [Float](repeating: 0, count: big.labels.count)
        awake.reserveCapacity(64)
    }

    public var labels: [String] { little.labels }

    /// Listens to `samples` (floats in [-1, 1), 16 kHz mono) and calls `onDetection` for each keyword heard.
    public func listen(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void) {
        let rate = little.spec.sampleRate
        awake.removeAll(keepingCapacity: true)
        littleFeatures.append(samples) { window, endSample in
            let timeMs = endSample * 1000 / rate
            littleScores.withUnsafeMutableBufferPointer { p in
                little.probabilities(features: window, into: p)
                _ = smoother.process(UnsafeBufferPointer(p), timeMs: timeMs)
            }
            let asks = waker.asks(timeMs: timeMs, littleTop: smoother.averagedTop)
            if bigFeatures == nil {
                hear(window, endSample: endSample, awake: asks, onDetection: onDetection)
            } else {
                awake.append(asks)
            }
        }
        // The big features' windows end on the same samples as the little ones' (same hop, both framed from
        // the stream's start), so the k-th big window is the k-th little one.
        var k = 0
        bigFeatures?.append(samples) { window, endSample in
            defer { k += 1 }
            hear(window, endSample: endSample, awake: k < awake.count && awake[k], onDetection: onDetection)
        }
    }

    /// The big network's part of one hop: it runs (and its detector may report) only when `awake`.
    private func hear(_ window: UnsafeBufferPointer<Float>, endSample: Int, awake: Bool, onDetection: (Detection) -> Void) {
        hops += 1
        guard awake else { return }
        bigRuns += 1
        bigScores.withUnsafeMutableBufferPointer { p in
            big.probabilities(features: window, into: p)
            if let d = bigDetector.process(UnsafeBufferPointer(p), timeMs: endSample * 1000 / little.spec.sampleRate) { onDetection(d) }
        }
    }

    /// Back to a fresh stream.
    public func reset() {
        littleFeatures.reset()
        bigFeatures?.reset()
        smoother.reset()
        bigDetector.reset()
        waker = StreamCascade.Waker(settings: settings, labels: little.labels)
        hops = 0
        bigRuns = 0
    }
}
