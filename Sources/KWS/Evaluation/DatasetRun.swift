/// One pass of a dataset through a classifier or a policy, tallied: the product's one "run the clips and
/// count" loop. `eval` (through `Evaluator`), the little client over REST and the Big/Little sweep hand it a
/// closure that answers one decoded clip; `coop`, whose answers arrive out of order over MQTT, decodes with
/// `DatasetRun.decode` and tallies its decisions with `DatasetRun.Result(clips:labels:predictions:)`.
///
/// A clip that does not decode, or whose answer throws (a non-finite network output, say), is recorded in
/// `errors` and counted nowhere: it never becomes a label.
public enum DatasetRun {
    /// A clip, decoded.
    public struct DecodedClip: Sendable {
        /// Position in the run's clip list.
        public var index: Int
        public var clip: Dataset.Clip
        /// One second of 16 kHz samples (`WAVDecoder.decode(contentsOf:)`).
        public var samples: [Float]
        /// How long reading and decoding the file took.
        public var decodeMicros: Double
    }

    /// What the closure returns for one clip: its label and the time spent on features and networks.
    public struct Answer: Sendable {
        public var label: Int
        public var timings: StageTimings

        public init(label: Int, timings: StageTimings = .init()) {
            self.label = label
            self.timings = timings
        }
    }

    public struct ClipError: Sendable, Equatable {
        public var path: String
        public var message: String
    }

    public struct Result: Sendable {
        public var tally: ClassificationTally
        /// The label of each clip, in run order; nil where the clip failed (`errors` says why).
        public var predictions: [Int?]
        public var errors: [ClipError]
        /// Mean stage times over the answered clips, microseconds.
        public var meanTimings: StageTimings

        /// Tallies labels obtained elsewhere (nil: the clip got no answer); `predictions` pairs with `clips`.
        public init(clips: [Dataset.Clip], labels: [String], predictions: [Int?], errors: [ClipError] = []) {
            precondition(clips.count == predictions.count, "\(predictions.count) answers for \(clips.count) clips")
            var tally = ClassificationTally(labels: labels)
            for (clip, p) in zip(clips, predictions) {
                if let p { tally.add(truth: clip.label, predicted: p, voice: clip.voice) }
            }
            self.tally = tally
            self.predictions = predictions
            self.errors = errors
            meanTimings = StageTimings()
        }
    }

    /// Reads and decodes one clip; the error names the file.
    public static func decode(_ clip: Dataset.Clip) throws -> [Float] {
        do {
            return try WAVDecoder.decode(contentsOf: clip.path)
        } catch {
            throw ClipFailure(error.description)  // a WAVError names its file
        }
    }

    /// Runs `answer` on every clip in order and tallies its labels against the truth. `onProgress(k)` is
    /// called after the k-th clip.
    public static func run(_ clips: [Dataset.Clip], labels: [String], onProgress: ((Int) -> Void)? = nil,
                           answer: (DecodedClip) async throws -> Answer) async -> Result {
        var predictions: [Int?] = []
        predictions.reserveCapacity(clips.count)
        var errors: [ClipError] = []
        var sum = StageTimings()
        for (i, clip) in clips.enumerated() {
            do {
                let t0 = Stopwatch.now()
                let samples = try decode(clip)
                let decoded = DecodedClip(index: i, clip: clip, samples: samples, decodeMicros: Stopwatch.micros(since: t0))
                let a = try await answer(decoded)
                guard labels.indices.contains(a.label) else {
                    throw ClipFailure("\(clip.path): answered class \(a.label), outside the \(labels.count) labels")
                }
                predictions.append(a.label)
                sum.decodeMicros += decoded.decodeMicros
                sum.featuresMicros += a.timings.featuresMicros
                sum.networkMicros += a.timings.networkMicros
            } catch let failure as ClipFailure {
                errors.append(ClipError(path: clip.path, message: failure.message))
                predictions.append(nil)
            } catch {
                errors.append(ClipError(path: clip.path, message: "\(clip.path): \(error)"))
                predictions.append(nil)
            }
            onProgress?(i + 1)
        }
        var result = Result(clips: clips, labels: labels, predictions: predictions, errors: errors)
        let n = Double(max(result.tally.n, 1))
        result.meanTimings = StageTimings(decodeMicros: sum.decodeMicros / n, featuresMicros: sum.featuresMicros / n,
                                          networkMicros: sum.networkMicros / n)
        return result
    }

    /// A clip that could not be read, with a message that names it.
    struct ClipFailure: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
