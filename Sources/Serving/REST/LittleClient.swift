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
    /// Per clip on the device: read + decode + little features + little network.
    public var localLatency: LatencySummary
    /// Per answered request: body encoding + HTTP round trip.
    public var remoteLatency: LatencySummary

    enum CodingKeys: String, CodingKey {
        case server, payload, theta, n, correct, accuracy, uncertain, requests, answered, failures, failed
        case budgetBytes = "budget_bytes", littleAccuracy = "little_accuracy", overBudget = "over_budget"
        case bytesSent = "bytes_sent", costMB = "cost_mb", failureExamples = "failure_examples"
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

    /// `afterRequest(requestsSoFar)` runs after each request (tests use it to stop the server mid-run).
    public func run(clips: [Dataset.Clip], afterRequest: (Int) async -> Void = { _ in }) async throws -> LittleReport {
        var policy = BigLittlePolicy(theta: configuration.theta, budget: BigLittleBudget(budgetBytes: configuration.budgetBytes))
        var correct = 0, littleCorrect = 0, uncertain = 0, overBudget = 0, requests = 0, answered = 0, bytes = 0
        var failures: [String: Int] = [:]
        var examples: [String] = []
        var local: [Double] = [], remote: [Double] = []
        local.reserveCapacity(clips.count)
        let clock = ContinuousClock()
        for clip in clips {
            let t0 = clock.now
            let samples = try WAVDecoder.decode(contentsOf: clip.path)
            let mine = try little.classify(samples: samples)
            local.append((clock.now - t0).inMilliseconds)
            var label = mine.label
            if mine.label == clip.label { littleCorrect += 1 }

            let t1 = clock.now
            var body: [UInt8] = []
            var decision = BigLittlePolicy.Decision.keepLittle
            if mine.scoreMargin < configuration.theta {  // build the body only for clips that may be sent
                body = try payload.body(samples: samples)
                decision = policy.decide(littleProbabilities: mine.probabilities, requestBytes: body.count)
            }
            switch decision {
            case .keepLittle:
                break
            case .keepLittleOverBudget:
                uncertain += 1
                overBudget += 1
            case .askBig:
                uncertain += 1
                requests += 1
                bytes += body.count
                switch await client.predict(body: body) {
                case .answer(let big):
                    remote.append((clock.now - t1).inMilliseconds)
                    answered += 1
                    label = big.label
                case .failure(let kind, let message):
                    failures[kind.rawValue, default: 0] += 1
                    if examples.count < 5 { examples.append("\(clip.relativePath): \(kind.rawValue): \(message)") }
                }
                await afterRequest(requests)
            }
            if label == clip.label { correct += 1 }
        }
        precondition(bytes <= configuration.budgetBytes, "budget crossed: \(bytes) > \(configuration.budgetBytes)")
        let n = clips.count
        return LittleReport(
            server: client.predictURL, payload: configuration.payload, theta: configuration.theta,
            budgetBytes: configuration.budgetBytes, n: n, correct: correct,
            accuracy: n == 0 ? 0 : Double(correct) / Double(n),
            littleAccuracy: n == 0 ? 0 : Double(littleCorrect) / Double(n),
            uncertain: uncertain, overBudget: overBudget, requests: requests, answered: answered,
            bytesSent: bytes, costMB: Double(bytes) / 1_048_576,
            failures: failures, failed: failures.values.reduce(0, +), failureExamples: examples,
            localLatency: LatencySummary(milliseconds: local), remoteLatency: LatencySummary(milliseconds: remote))
    }
}
