import Foundation
import Logging
import Tensor

/// A network as a cooperative worker sees it: features in, logits out. Not required to be thread-safe;
/// one worker owns one model and calls it from one task.
public protocol CoopModel {
    var name: String { get }
    /// [height, width, channels] of the features it takes (49×32×1 for coop1 … coop5).
    var inputShape: [Int] { get }
    /// Throws (the message is logged and dropped) when the features do not fit.
    func logits(features: [Float]) throws -> [Float]
}

/// `coop-worker`: takes each clip's MFCC from `<prefix>/mfcc`, runs its model, publishes the logits on
/// `<prefix>/result`. Bad messages (not SenML, wrong shape, NaN, …) are logged and dropped.
public final class CoopWorkerService<Model: CoopModel> {
    public struct Stats: Sendable, Equatable {
        public var answered = 0
        public var dropped = 0
        public var publishFailures = 0
    }

    public let model: Model
    public let client: MQTTClient
    public let topics: CoopTopics
    public let shareGroup: String?
    public let qos: MQTTQoS
    public private(set) var stats = Stats()
    private let logger: Logger

    public init(model: Model, client: MQTTClient, topics: CoopTopics = CoopTopics(), shareGroup: String? = nil,
                qos: MQTTQoS = .atLeastOnce, logger: Logger = Logger(label: "kws.coop-worker")) {
        self.model = model; self.client = client; self.topics = topics; self.shareGroup = shareGroup
        self.qos = qos; self.logger = logger
    }

    /// Subscribes and answers until the client is closed or the task is cancelled.
    public func run() async throws {
        let subscription = topics.mfccSubscription(shareGroup: shareGroup)
        try client.subscribe(subscription, qos: qos)
        logger.info("\(model.name) listening on \(subscription)")
        for await message in client.messages {
            guard message.topic == topics.mfcc else { continue }
            if let reply = answer(message.payload) {
                do {
                    try client.publish(topics.result, payload: reply, qos: qos)
                    stats.answered += 1
                } catch {
                    stats.publishFailures += 1
                    logger.warning("\(model.name): could not publish a result: \(error)")
                }
            }
        }
    }

    /// The encoded reply to one request payload, or nil (logged) if the request is malformed.
    public func answer(_ payload: [UInt8]) -> [UInt8]? {
        let request: CoopMFCCRequest
        do {
            request = try CoopMFCCRequest.decode(payload)
        } catch {
            stats.dropped += 1
            logger.warning("\(model.name): dropped a message on \(topics.mfcc): \(error)")
            return nil
        }
        let want = model.inputShape
        // Sizes checked by the decoder (positive, bounded product); the model's own shape is trusted.
        guard ElementCount.of(request.shape) == ElementCount.of(want), request.shape.filter({ $0 != 1 }) == want.filter({ $0 != 1 }) else {
            stats.dropped += 1
            logger.warning("\(model.name): dropped clip \(request.clipID): features of shape \(request.shape), the model takes \(want)")
            return nil
        }
        let logits: [Float]
        do {
            logits = try model.logits(features: request.features)
        } catch {
            stats.dropped += 1
            logger.warning("\(model.name): dropped clip \(request.clipID): \(error)")
            return nil
        }
        do {
            return try CoopLogitsReply(clipID: request.clipID, model: model.name, logits: logits).encoded()
        } catch {
            stats.dropped += 1
            logger.warning("\(model.name): dropped clip \(request.clipID): \(error)")
            return nil
        }
    }
}
