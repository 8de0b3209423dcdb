import KWS

/// Big/Little in-process (no network): both networks' answers for every clip, then the policy replayed for
/// any θ, budget and payload. The bytes per request are those of the real request body of each payload.
public enum BigLittleSweep {
    /// One clip: its true label, the little network's scores, and the big network's label for each payload
    /// (as the server would decode it: WAV round trip for wav16, client-side MFCC for mfcc).
    public struct ClipScore: Sendable {
        public var label: Int
        public var little: Scores
        public var big: [PayloadKind: Int]
    }

    public struct Point: Sendable, Codable, Equatable {
        public var payload: PayloadKind
        public var theta: Float
        public var requests: Int
        public var bytesSent: Int
        public var costMB: Double
        public var accuracy: Double

        enum CodingKeys: String, CodingKey {
            case payload, theta, requests, accuracy
            case bytesSent = "bytes_sent", costMB = "cost_mb"
        }
    }

    /// Both networks on every clip, in one `DatasetRun`; throws if a clip cannot be read or classified (a
    /// sweep over part of the dataset would compare θs on different clips).
    public static func score(clips: [Dataset.Clip], little: any ClipClassifier, big: any ClipClassifier,
                             bigFeatureSpec: FeatureSpec, payloads: [PayloadKind] = PayloadKind.allCases) async throws -> [ClipScore] {
        let mfcc = try FeatureExtractor(spec: bigFeatureSpec)
        var out: [ClipScore] = []
        out.reserveCapacity(clips.count)
        let run = await DatasetRun.run(clips, labels: little.labels) { clip in
            let samples = clip.samples
            var score = ClipScore(label: clip.clip.label, little: try little.classify(samples: samples), big: [:])
            var direct: Int?
            func bigOnSamples() throws -> Int {
                if let direct { return direct }
                let label = try big.classify(samples: samples).top
                direct = label
                return label
            }
            for kind in payloads {
                switch kind {
                case .float32:
                    score.big[kind] = try bigOnSamples()
                case .wav16:
                    let roundTrip = try WAVDecoder.decode(WAV16Encoder.encode(samples))
                    score.big[kind] = roundTrip == samples ? try bigOnSamples() : try big.classify(samples: roundTrip).top
                case .mfcc:
                    score.big[kind] = try big.classify(features: mfcc(samples)).top
                }
            }
            out.append(score)
            return DatasetRun.Answer(label: score.little.top)
        }
        if let first = run.errors.first {
            throw ZooError("\(run.errors.count) clip(s) could not be scored; the first: \(first.message)")
        }
        return out
    }

    /// Bytes of one request body of `kind` (the same for every one-second clip).
    public static func requestBytes(_ kind: PayloadKind, bigFeatureSpec: FeatureSpec) throws -> Int {
        try RequestPayloadBuilder(kind: kind, bigFeatureSpec: bigFeatureSpec)
            .body(samples: [Float](repeating: 0, count: bigFeatureSpec.samples)).count
    }

    /// The policy of `LittleClient`, replayed: clips in order, unsure ones sent while the budget allows.
    public static func replay(_ scores: [ClipScore], payload: PayloadKind, theta: Float, budgetBytes: Int,
                              requestBytes: Int) -> Point {
        var policy = BigLittlePolicy(theta: theta, budget: BigLittleBudget(budgetBytes: budgetBytes))
        var correct = 0
        for s in scores {
            var label = s.little.top
            if policy.decide(little: s.little, requestBytes: requestBytes) == .askBig, let big = s.big[payload] {
                label = big
            }
            if label == s.label { correct += 1 }
        }
        let bytes = policy.budget.spentBytes
        return Point(payload: payload, theta: theta, requests: policy.budget.requests, bytesSent: bytes,
                     costMB: Double(bytes) / 1_048_576, accuracy: scores.isEmpty ? 0 : Double(correct) / Double(scores.count))
    }

    /// Highest accuracy within the budget; ties go to the cheaper point, then the larger θ.
    public static func best(_ points: [Point], budgetBytes: Int) -> Point? {
        points.filter { $0.bytesSent <= budgetBytes }.max { a, b in
            if a.accuracy != b.accuracy { return a.accuracy < b.accuracy }
            if a.bytesSent != b.bytesSent { return a.bytesSent > b.bytesSent }
            return a.theta < b.theta
        }
    }
}
