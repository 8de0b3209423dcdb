import Foundation

/// Runs networks and policies over a dataset in-process (no network transport): the reference numbers
/// for the distributed versions. One `DatasetRun` each; single-threaded. A clip that fails to decode, or
/// whose network output is not finite, is reported and skipped (never counted as a label).
public struct Evaluator {
    public let dataset: Dataset
    public var onProgress: ((Int) -> Void)?

    public init(dataset: Dataset, onProgress: ((Int) -> Void)? = nil) {
        self.dataset = dataset
        self.onProgress = onProgress
    }

    public struct Result {
        public var run: DatasetRun.Result
        /// Big/Little only.
        public var budget: BigLittleBudget?
        public var bigRequests: [Int] = []
        /// Cooperative only: clips decided by a tie-break.
        public var ties = 0

        public var tally: ClassificationTally { run.tally }
        public var predictions: [Int?] { run.predictions }
        public var errors: [DatasetRun.ClipError] { run.errors }
        public var meanTimings: StageTimings { run.meanTimings }
    }

    /// One `DatasetRun` over the dataset, tallied over `labels` (default: the dataset's).
    private func run(labels: [String]? = nil,
                     _ answer: (DatasetRun.DecodedClip) throws -> DatasetRun.Answer) async throws -> DatasetRun.Result {
        var clips = dataset.clips
        if let labels, labels != dataset.labels {
            // A network with labels of its own (a listening variant's _silence_ and _unknown_): the truth is
            // re-indexed into its labels, by name, and the tally is over them.
            for i in clips.indices {
                let name = dataset.labels[clips[i].label]
                guard let k = labels.firstIndex(of: name) else {
                    throw ZooError("the network's labels (\(labels.joined(separator: ", "))) have no '\(name)'")
                }
                clips[i].label = k
            }
        }
        return await DatasetRun.run(clips, labels: labels ?? dataset.labels, onProgress: onProgress, answer: answer)
    }

    /// One network on every clip, tallied over the network's own labels (the dataset's truth found in them
    /// by name: a listening variant's `_silence_` or `_unknown_` answer is a wrong one). Throws when the
    /// network cannot name a label of the dataset.
    public func single(_ spotter: KeywordSpotter) async throws -> Result {
        Result(run: try await run(labels: spotter.labels) { clip in
            let p = try spotter.classify(samples: clip.samples)
            return DatasetRun.Answer(label: p.label, timings: p.timings)
        })
    }

    /// Big/Little (seed 1.2): the little network answers unless its score margin is below θ and the
    /// budget still allows a request of `requestBytes`, in which case the big network answers.
    public func bigLittle(little: KeywordSpotter, big: KeywordSpotter, theta: Float, budget: BigLittleBudget,
                          requestBytes: Int) async throws -> Result {
        var policy = BigLittlePolicy(theta: theta, budget: budget)
        var asked: [Int] = []
        let outcome = try await run { clip in
            let mine = try little.classify(samples: clip.samples)
            guard policy.decide(little: mine.scores, requestBytes: requestBytes) == .askBig else {
                return DatasetRun.Answer(label: mine.label, timings: mine.timings)
            }
            asked.append(clip.index)
            let theirs = try big.classify(samples: clip.samples)
            var t = mine.timings
            t.featuresMicros += theirs.timings.featuresMicros
            t.networkMicros += theirs.timings.networkMicros
            return DatasetRun.Answer(label: theirs.label, timings: t)
        }
        return Result(run: outcome, budget: policy.budget, bigRequests: asked)
    }

    /// Cooperative inference (seed 2.2): every network votes; majority wins, ties go to the most certain
    /// network among the tied labels. Networks sharing a feature spec share one feature computation.
    public func cooperative(_ spotters: [KeywordSpotter]) async throws -> Result {
        var ties = 0
        var cache: [FeatureSpec: [Float]] = [:]
        let outcome = try await run { clip in
            cache.removeAll(keepingCapacity: true)
            var scores: [Scores] = []
            var t = StageTimings()
            for s in spotters {
                let t0 = Stopwatch.now()
                let features: [Float]
                if let f = cache[s.spec] { features = f } else { features = s.features(samples: clip.samples); cache[s.spec] = features }
                t.featuresMicros += Stopwatch.micros(since: t0)
                let p = try s.classify(features: features)
                t.networkMicros += p.timings.networkMicros
                scores.append(p.scores)
            }
            guard let vote = Policies.majorityVote(scores) else { throw ZooError("coop: no network voted") }
            if vote.wasTie { ties += 1 }
            return DatasetRun.Answer(label: vote.label, timings: t)
        }
        return Result(run: outcome, ties: ties)
    }
}

/// Keras's predictions for the bundled test split (manifest, in split-file order), matched to clips.
public enum KerasReference {
    /// True when `dataDirectory` (with `splitFile`, if one is named) is the manifest's bundled test split:
    /// resolved paths are compared, so the reference (Keras) accuracy is only shown where it applies.
    /// The manifest's `data.test_split` is relative to the parent of the weights directory (the repository).
    public static func isBundledSplit(manifest: Manifest, weightsDirectory: String, dataDirectory: String,
                                      splitFile: String?) -> Bool {
        guard let split = manifest.data?.testSplit else { return false }
        func resolved(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        let root = (URL(fileURLWithPath: weightsDirectory).standardizedFileURL.path as NSString).deletingLastPathComponent
        let bundledSplit = resolved(split.hasPrefix("/") ? split : (root as NSString).appendingPathComponent(split))
        guard resolved(dataDirectory) == (bundledSplit as NSString).deletingLastPathComponent else { return false }
        return splitFile.map { resolved($0) == bundledSplit } ?? true
    }

    /// Maps relative clip path → Keras's class id, using DIR/test_split.txt for the order. Nil when the
    /// directory has no split file or its length differs from the predictions'.
    public static func predictionsByPath(_ predictions: [Int]?, dataDirectory: String) -> [String: Int]? {
        guard let predictions,
              let text = try? String(contentsOfFile: (dataDirectory as NSString).appendingPathComponent("test_split.txt"), encoding: .utf8)
        else { return nil }
        let rels = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard rels.count == predictions.count else { return nil }
        return Dictionary(zip(rels, predictions), uniquingKeysWith: { a, _ in a })
    }

    public struct Agreement: Codable, Sendable {
        public var agree: Int
        public var n: Int
        public var fraction: Double
        /// Relative paths of the clips where the Swift prediction differs (at most 20).
        public var disagreements: [String]
    }

    public static func agreement(dataset: Dataset, predictions: [Int?], reference: [String: Int]) -> Agreement? {
        var agree = 0, n = 0
        var diff: [String] = []
        for (clip, p) in zip(dataset.clips, predictions) {
            guard let k = reference[clip.relativePath], let p else { continue }
            n += 1
            if k == p { agree += 1 } else if diff.count < 20 { diff.append(clip.relativePath) }
        }
        return n == 0 ? nil : Agreement(agree: agree, n: n, fraction: Double(agree) / Double(n), disagreements: diff)
    }
}
