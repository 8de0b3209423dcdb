import Foundation
import KWS

/// The knobs of a Big/Little run; the defaults are the seed's.
public struct LittleRunConfiguration: Sendable {
    public var theta: Float
    public var budgetBytes: Int
    public var payload: PayloadKind

    /// 4.5 MB = 4.5·2²⁰ bytes.
    public static let seedBudgetBytes = Int(4.5 * 1_048_576)

    public init(theta: Float = 0.35, budgetBytes: Int = seedBudgetBytes, payload: PayloadKind = .wav16) {
        self.theta = theta
        self.budgetBytes = budgetBytes
        self.payload = payload
    }
}

/// What a `little` run did: accuracy, cost, failures and latencies.
public struct LittleReport: Codable, Sendable {
    public var server: String
    public var payload: PayloadKind
    public var theta: Float
    public var budgetBytes: Int
    /// Clips answered (those in `clipErrors` are not).
    public var n: Int
    public var correct: Int
    public var accuracy: Double
    /// Accuracy of the little network's own labels on the same clips (no requests).
    public var littleAccuracy: Double
    /// Clips whose score margin was below θ.
    public var uncertain: Int
    /// Uncertain clips not sent because the request would have crossed the budget.
    public var overBudget: Int
    /// Requests sent (each charged to the budget before it was sent).
    public var requests: Int
    /// Requests that came back with the big network's answer.
    public var answered: Int
    /// Sum of the request bodies' bytes as sent.
    public var bytesSent: Int
    public var costMB: Double
    public var failures: [String: Int]
    public var failed: Int
    /// The first few failure messages, for the operator.
    public var failureExamples: [String]
    /// Clips that could not be read or classified (skipped: in no accuracy), one message each.
    public var clipErrors: [String]
    /// Per clip on the device: read + decode + little features + little network.
    public var localLatency: LatencySummary
    /// Per answered request: body encoding + HTTP round trip.
    public var remoteLatency: LatencySummary

    enum CodingKeys: String, CodingKey {
        case server, payload, theta, n, correct, accuracy, uncertain, requests, answered, failures, failed
        case budgetBytes = "budget_bytes", littleAccuracy = "little_accuracy", overBudget = "over_budget"
        case bytesSent = "bytes_sent", costMB = "cost_mb", failureExamples = "failure_examples", clipErrors = "clip_errors"
        case localLatency = "local_latency", remoteLatency = "remote_latency"
    }
}

/// The little device: classifies each clip locally and, when unsure (score margin < θ) and the budget
/// allows, asks the big server. Any failure keeps the little label, is counted, and the run goes on.
public final class LittleClient {
    let little: any ClipClassifier
    let payload: RequestPayloadBuilder
    let client: BigClient
    public let configuration: LittleRunConfiguration

    public init(little: any ClipClassifier, bigFeatureSpec: FeatureSpec?, client: BigClient,
                configuration: LittleRunConfiguration = .init()) throws {
        self.little = little
        self.client = client
        self.configuration = configuration
        payload = try RequestPayloadBuilder(kind: configuration.payload, bigFeatureSpec: bigFeatureSpec)
    }

    /// One `DatasetRun` over `clips`: the little network answers each clip, the big server those the policy
    /// sends. `afterRequest(requestsSoFar)` runs after each request (tests use it to stop the server
    /// mid-run). A clip that cannot be read or classified is skipped and listed in the report's
    /// `clip_errors`; it counts in no accuracy.
    public func run(clips: [Dataset.Clip], afterRequest: (Int) async -> Void = { _ in }) async throws -> LittleReport {
        var policy = BigLittlePolicy(theta: configuration.theta, budget: BigLittleBudget(budgetBytes: configuration.budgetBytes))
        var littleLabels: [Int?] = Array(repeating: nil, count: clips.count)
        var uncertain = 0, overBudget = 0, requests = 0, answered = 0, bytes = 0
        var failures: [String: Int] = [:]
        var examples: [String] = []
        var local: [Double] = [], remote: [Double] = []
        local.reserveCapacity(clips.count)
        let clock = ContinuousClock()
        let labels = little.labels
        let outcome = await DatasetRun.run(clips, labels: labels) { clip in
            let t0 = clock.now
            let mine = try little.classify(samples: clip.samples)
            local.append(clip.decodeMicros / 1000 + (clock.now - t0).inMilliseconds)
            littleLabels[clip.index] = mine.top
            guard mine.margin < configuration.theta else { return DatasetRun.Answer(label: mine.top) }

            // Built only for clips that may be sent.
            let t1 = clock.now
            let body = try payload.body(samples: clip.samples)
            switch policy.decide(little: mine, requestBytes: body.count) {
            case .keepLittle:
                return DatasetRun.Answer(label: mine.top)
            case .keepLittleOverBudget:
                uncertain += 1
                overBudget += 1
                return DatasetRun.Answer(label: mine.top)
            case .askBig:
                uncertain += 1
                requests += 1
                bytes += body.count
                var label = mine.top
                switch await client.predict(body: body) {
                case .answer(let big):
                    remote.append((clock.now - t1).inMilliseconds)
                    answered += 1
                    label = big.top
                case .failure(let kind, let message):
                    failures[kind.rawValue, default: 0] += 1
                    if examples.count < 5 { examples.append("\(clip.clip.relativePath): \(kind.rawValue): \(message)") }
                }
                await afterRequest(requests)
                return DatasetRun.Answer(label: label)
            }
        }
        precondition(bytes <= configuration.budgetBytes, "budget crossed: \(bytes) > \(configuration.budgetBytes)")
        let alone = DatasetRun.Result(clips: clips, labels: labels, predictions: littleLabels).tally
        let tally = outcome.tally
        return LittleReport(
            server: client.predictURL, payload: configuration.payload, theta: configuration.theta,
            budgetBytes: configuration.budgetBytes, n: tally.n, correct: tally.correct, accuracy: tally.accuracy,
            littleAccuracy: alone.accuracy, uncertain: uncertain, overBudget: overBudget, requests: requests,
            answered: answered, bytesSent: bytes, costMB: Double(bytes) / 1_048_576,
            failures: failures, failed: failures.values.reduce(0, +), failureExamples: examples,
            clipErrors: outcome.errors.map(\.message),
            localLatency: LatencySummary(milliseconds: local), remoteLatency: LatencySummary(milliseconds: remote))
    }
}
