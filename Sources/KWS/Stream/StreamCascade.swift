import Runtime

/// Big/Little while listening: the seed's Big/Little (section 1.2) carried over to a stream. The little
/// network listens to every hop; while its smoothed top class is a keyword scoring at least `wake` (its
/// detector score, `DetectorSettings.unknownWeight` included: it has
/// heard something keyword-like), the big network is asked about the same windows, and stays asked for
/// `holdMs` after the last such hop. Only the big network's smoothed scores report keywords (with the `big`
/// detector settings), so the little network decides when to spend the big one and the big one decides what
/// was said.
public struct CascadeSettings: Sendable, Hashable, Codable {
    /// The little network's smoothed keyword score that wakes the big network.
    public var wake: Float
    /// How long the big network stays asked after the last waking hop, in milliseconds.
    public var holdMs: Int
    /// The big network's smoother and threshold.
    public var big: DetectorSettings

    public init(wake: Float, holdMs: Int, big: DetectorSettings) {
        self.wake = wake
        self.holdMs = holdMs
        self.big = big
    }

    /// `kws-native listen --big`'s defaults, chosen with `listen-eval --big big-listen` on the validation
    /// streams with the shipped little-listen (streammfcc_enskd) and big-listen, over wake levels 0.1–0.8 and
    /// windows of 500 and 1000 ms: the highest recall at ≤ 5 false alarms an hour (82.3 % at 4.06 /h; big-listen
    /// alone 82.0 %, little-listen alone 78.2 %; docs/LISTENING.md). Unknown weight 0 for both networks: with
    /// weight 2 for both the best is lower (81.4 %, wake 0.20), as it was with every little network before.
    public static let listenDefault = CascadeSettings(
        wake: 0.4, holdMs: 1000,
        big: DetectorSettings(averageWindowMs: 500, threshold: 0.78,
                              suppressionMs: DetectorSettings.listenDefault.suppressionMs,
                              minimumCount: DetectorSettings.listenDefault.minimumCount,
                              unknownWeight: 0))

    public enum CodingKeys: String, CodingKey {
        case wake, big
        case holdMs = "hold_ms"
    }
}

/// What `kws-native listen` needs from a listener: hear samples as they come, report keywords. A
/// `StreamListener` (one network) or a `CascadeListener` (Big/Little).
public protocol KeywordListening: AnyObject {
    /// What is listening, for people ("little-listen", "little-listen + big-listen").
    var description: String { get }
    var sampleRate: Int { get }
    func listen(_ samples: UnsafeBufferPointer<Float>, onDetection: (Detection) -> Void)
}

extension StreamListener: KeywordListening {
    public var description: String { spotter.name }
    public var sampleRate: Int { spotter.spec.sampleRate }
}

extension CascadeListener: KeywordListening {
    public var description: String {
        String(format: "%@ + %@ (wake %.2f, big threshold %.3f)", little.name, big.name, settings.wake, settings.big.threshold)
    }
    public var sampleRate: Int { little.spec.sampleRate }
}

public enum StreamCascade {
    /// When the big network is asked: the one rule of the live listener and of the replay.
    struct Waker {
        let settings: CascadeSettings
        /// Whether each class may wake the big network (a keyword, not `_silence_` or `_unknown_`).
        let isKeyword: [Bool]
        private var lastWakeMs: Int?

        init(settings: CascadeSettings, labels: [String]) {
            self.settings = settings
            isKeyword = labels.map { !$0.hasPrefix("_") }
        }

        /// Whether the big network runs at the hop ending at `timeMs`, given the little network's smoothed
        /// top class and score there (nil while its window holds too few results).
        mutating func asks(timeMs: Int, littleTop: (index: Int, score: Float)?) -> Bool {
            if let t = littleTop, isKeyword[t.index], t.score >= settings.wake { lastWakeMs = timeMs }
            guard let wokeAt = lastWakeMs else { return false }
            return timeMs - wokeAt <= settings.holdMs
        }
    }

    /// What a cascade did on one stream.
    public struct Outcome: Sendable {
        public var detections: [Detection]
        /// Hops at which the big network ran.
        public var bigRuns: Int
        /// Hops in the stream.
        public var hops: Int
    }

    /// Replays the cascade on both networks' recorded scores for the same stream and hop: `little` smoothed
    /// with the little network's window and minimum count, `big` as recorded (every hop; only the hops at
    /// which the cascade asks it are used). Sequences of different lengths are replayed over the shorter.
    public static func replay(little: SmoothedScores, big: ScoreSequence, settings: CascadeSettings) -> Outcome {
        precondition(little.hopMs == big.hopMs, "the two networks' scores must have the same hop")
        var waker = Waker(settings: settings, labels: little.labels)
        let detector = KeywordDetector(labels: big.labels, settings: settings.big, hopMs: big.hopMs)
        let k = big.labels.count
        let hops = min(little.top.count, big.count)
        var detections: [Detection] = []
        var runs = 0
        big.scores.withUnsafeBufferPointer { s in
            for i in 0..<hops {
                let timeMs = (i + 1) * big.hopMs
                let t = Int(little.top[i])
                guard waker.asks(timeMs: timeMs, littleTop: t >= 0 ? (t, little.score[i]) : nil) else { continue }
                runs += 1
                if let d = detector.process(UnsafeBufferPointer(rebasing: s[(i * k)..<((i + 1) * k)]), timeMs: timeMs) {
                    detections.append(d)
                }
            }
        }
        return Outcome(detections: detections, bigRuns: runs, hops: hops)
    }
}
