import Foundation
import Logging
import Synchronization
import Tensor

/// Settings of one cooperative run.
public struct CoopRunConfig: Sendable {
    /// The model names whose replies count (one vote each per clip); replies from any other name are
    /// dropped as forged or stray.
    public var voters: [String]
    /// Votes expected per clip.
    public var expectedVotes: Int { voters.count }
    public var classCount: Int
    /// A clip not fully answered by then is decided with the votes it has (degraded).
    public var timeoutMilliseconds: Int
    /// Clips published and not yet decided, at most.
    public var maxInFlight: Int
    /// A clip with no vote at all at its deadline, published before a reconnect of this client (or
    /// while it was disconnected), is published again up to this many times once connected: a broker
    /// restart loses what it held. Slow workers alone never cause a resend.
    public var resends: Int
    /// Before the first clip: probe until every model answers, for at most this long (0: no probe).
    public var warmupSeconds: Double
    /// While disconnected, deadlines stand still and no resend is spent (replies cannot arrive); after
    /// this long without a connection the run stops waiting and decides what is pending as it is.
    public var maxOfflineSeconds: Double
    public var qos: MQTTQoS

    public init(voters: [String] = (1...5).map { "coop\($0)" }, classCount: Int = 8, timeoutMilliseconds: Int = 500,
                maxInFlight: Int = 8, resends: Int = 2, warmupSeconds: Double = 30, maxOfflineSeconds: Double = 60,
                qos: MQTTQoS = .atLeastOnce) {
        self.voters = voters; self.classCount = classCount; self.maxOfflineSeconds = maxOfflineSeconds
        self.timeoutMilliseconds = timeoutMilliseconds; self.maxInFlight = maxInFlight
        self.resends = resends; self.warmupSeconds = warmupSeconds; self.qos = qos
    }
}

public struct CoopRunResult: Sendable {
    /// One per clip, in clip order.
    public var decisions: [CoopDecision]
    /// From the first clip published to the last decided.
    public var elapsedNanos: UInt64
    /// Models that answered the warm-up probe.
    public var modelsReady: [String]
    public var duplicateReplies = 0
    public var lateReplies = 0
    public var malformedReplies = 0
    /// Replies from a model name the run does not wait for: dropped, never counted.
    public var foreignReplies = 0
    public var resends = 0
    /// The connection was down longer than `maxOfflineSeconds` at some point: the run stopped waiting.
    public var gaveUpWaitingForBroker = false

    public var degradedCount: Int { decisions.filter(\.degraded).count }
    public var unansweredCount: Int { decisions.filter { $0.label == nil }.count }
    public var clipsPerSecond: Double { elapsedNanos == 0 ? 0 : Double(decisions.count) / (Double(elapsedNanos) / 1e9) }

    /// Latency percentile in milliseconds (nearest rank), over the answered clips.
    public func latencyMilliseconds(percentile p: Double) -> Double {
        let sorted = decisions.map(\.latencyNanos).sorted()
        guard !sorted.isEmpty else { return 0 }
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1e6
    }
}

/// The `coop` client: publishes each clip's MFCC once, collects the models' logits by clip id, and
/// decides each clip by majority vote (`CoopBallotBox`) as soon as all votes are in, or at its deadline
/// with the votes it has. Several clips are in flight at once; late and duplicate replies are ignored.
///
/// Tasks: the caller's task computes features and publishes; one task reads replies from the client's
/// message stream; one ticks every 2 ms to expire deadlines and resend silent clips. They share only a
/// `Mutex`-protected ballot box and hand decisions back through an `AsyncStream`.
///
/// A client's message stream has one consumer, so an `MQTTClient` serves one `run`.
public final class CoopClient: Sendable {
    public let client: MQTTClient
    public let topics: CoopTopics
    public let config: CoopRunConfig
    private let logger: Logger

    private struct Shared {
        var box: CoopBallotBox
        /// Encoded request, resends left, and the client's connection count when it was sent.
        var outbox: [String: (payload: [UInt8], resendsLeft: Int, connection: Int)] = [:]
        var duplicates = 0, late = 0, malformed = 0, resends = 0, forged = 0
        /// When the client was last seen disconnected with clips pending (nil: connected).
        var offlineSince: UInt64?
        var gaveUp = false
    }

    /// The ballot box and counters, shared by the run's tasks under a lock.
    private final class RunState: Sendable {
        private let lock: Mutex<Shared>
        init(_ shared: Shared) { lock = Mutex(shared) }
        func withLock<R>(_ body: (inout Shared) -> R) -> R { lock.withLock { body(&$0) } }
    }

    public init(client: MQTTClient, topics: CoopTopics = CoopTopics(), config: CoopRunConfig,
                logger: Logger = Logger(label: "kws.coop")) {
        self.client = client; self.topics = topics; self.config = config; self.logger = logger
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The ticker asks to run every 2 ms; a gap above this is a stall of the process, not of the voters.
    static let stallNanos: UInt64 = 100_000_000

    /// Runs `count` clips; `features(i)` gives clip i's features of `shape` (called once per clip, in
    /// order, on the caller's task).
    public func run(count: Int, shape: [Int], features: (Int) throws -> [Float]) async throws -> CoopRunResult {
        let shared = RunState(Shared(box: CoopBallotBox(voters: config.voters, classCount: config.classCount)))
        let (decisions, decisionSink) = AsyncStream.makeStream(of: CoopDecision.self)
        let timeout = UInt64(config.timeoutMilliseconds) * 1_000_000
        try client.subscribe(topics.result, qos: config.qos)

        let receiver = Task { [client, topics, logger] in
            for await message in client.messages where message.topic == topics.result {
                let reply: CoopLogitsReply
                do {
                    reply = try CoopLogitsReply.decode(message.payload)
                } catch {
                    shared.withLock { $0.malformed += 1 }
                    logger.warning("dropped a message on \(topics.result): \(error)")
                    continue
                }
                let outcome = shared.withLock { s in
                    let o = s.box.record(reply, now: Self.now())
                    switch o {
                    case .decided: s.outbox[reply.clipID] = nil
                    case .duplicate: s.duplicates += 1
                    case .unknownClip: s.late += 1
                    case .wrongSize: s.malformed += 1
                    case .notAVoter: s.forged += 1
                    case .counted: break
                    }
                    return o
                }
                switch outcome {
                case .decided(let d): decisionSink.yield(d)
                case .wrongSize(let got, let expected):
                    logger.warning("dropped \(reply.model)'s reply for clip \(reply.clipID): \(got) logits, expected \(expected)")
                default: break
                }
            }
        }
        let ticker = Task { [client, topics, config, logger] in
            let maxOffline = UInt64(max(0, config.maxOfflineSeconds) * 1e9)
            var lastTick = Self.now()
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(2))
                let now = Self.now()
                // A tick far later than asked for means this process did not run (suspended, or its threads
                // starved): replies may be waiting unread, so that time is not counted against the voters
                // and nothing expires on this tick (the receiver reads first).
                let stall = now &- lastTick > Self.stallNanos ? now &- lastTick : 0
                lastTick = now
                let (connection, online) = (client.connectionCount, client.isConnected)
                let (resend, expired) = shared.withLock { s -> ([[UInt8]], [CoopDecision]) in
                    if stall > 0 {
                        s.box.postponeAll(by: stall)
                        return ([], [])
                    }
                    if online {
                        s.offlineSince = nil
                    } else {
                        // No reply can come in: hold every deadline and spend no resend, up to maxOffline.
                        let since = s.offlineSince ?? now
                        s.offlineSince = since
                        if now &- since < maxOffline {
                            s.box.extendAll(now: now, timeoutNanos: timeout)
                            return ([], [])
                        }
                        // Given up: decide everything pending now; `run` publishes no more clips.
                        s.gaveUp = true
                        let expired = s.box.expire(now: now, all: true)
                        for d in expired { s.outbox[d.clipID] = nil }
                        return ([], expired)
                    }
                    var resend: [[UInt8]] = []
                    for id in s.box.silentExpired(now: now) {
                        // Resend only on a newer connection than the one the clip went out on: a broker
                        // restart lost it. Slow workers alone never cause a resend.
                        guard online, let entry = s.outbox[id], entry.resendsLeft > 0,
                              entry.connection != connection else { continue }
                        s.outbox[id] = (entry.payload, entry.resendsLeft - 1, connection)
                        s.box.extend(clipID: id, now: now, timeoutNanos: timeout)
                        s.resends += 1
                        resend.append(entry.payload)
                    }
                    let expired = s.box.expire(now: now)
                    for d in expired { s.outbox[d.clipID] = nil }
                    return (resend, expired)
                }
                for payload in resend {
                    do { try client.publish(topics.mfcc, payload: payload, qos: config.qos) } catch {
                        logger.warning("resend failed: \(error)")
                    }
                }
                for d in expired { decisionSink.yield(d) }
            }
        }
        defer {
            receiver.cancel()
            ticker.cancel()
            decisionSink.finish()
        }

        var iterator = decisions.makeAsyncIterator()
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)

        func publish(_ request: CoopMFCCRequest) throws {
            let payload = try request.encoded()
            shared.withLock { s in
                s.box.open(clipID: request.clipID, now: Self.now(), timeoutNanos: timeout)
                s.outbox[request.clipID] = (payload, config.resends, client.connectionCount)
            }
            do { try client.publish(topics.mfcc, payload: payload, qos: config.qos) } catch {
                // QoS 0 while disconnected: the deadline (and resend) takes care of it.
                logger.warning("publish of clip \(request.clipID) failed: \(error)")
            }
        }

        // Warm-up: probe with silent features until every model has answered once.
        var ready: [String] = []
        if config.warmupSeconds > 0 {
            guard let count = ElementCount.of(shape, limit: CoopLimits.maxFeatureValues) else {
                throw CoopMessageError("feature shape \(shape) holds more than \(CoopLimits.maxFeatureValues) values")
            }
            let zeros = [Float](repeating: 0, count: count)
            let deadline = Self.now() + UInt64(config.warmupSeconds * 1e9)
            var k = 0
            while Self.now() < deadline, !shared.withLock({ $0.gaveUp }) {
                try publish(CoopMFCCRequest(clipID: "\(runID)-probe\(k)", shape: shape, features: zeros))
                k += 1
                guard let d = await iterator.next() else { break }
                ready = d.voters
                if !d.degraded { break }
            }
            if ready.count < config.expectedVotes {
                logger.warning("only \(ready.count) of \(config.expectedVotes) models answered the warm-up probe: \(ready)")
            }
        }

        var byID: [String: CoopDecision] = [:]
        var inFlight = 0
        let start = Self.now()
        for i in 0..<count {
            while inFlight >= max(1, config.maxInFlight), let d = await iterator.next() {
                byID[d.clipID] = d
                inFlight -= 1
            }
            // No broker for longer than maxOfflineSeconds: the remaining clips stay unanswered.
            if shared.withLock({ $0.gaveUp }) { break }
            let f = try features(i)
            try publish(CoopMFCCRequest(clipID: "\(runID)-\(i)", shape: shape, features: f))
            inFlight += 1
        }
        while inFlight > 0, let d = await iterator.next() {
            byID[d.clipID] = d
            inFlight -= 1
        }
        let elapsed = Self.now() - start
        let counters = shared.withLock { ($0.duplicates, $0.late, $0.malformed, $0.resends, $0.forged, $0.gaveUp) }
        let ordered = (0..<count).map { i in
            byID["\(runID)-\(i)"] ?? CoopDecision(clipID: "\(runID)-\(i)", label: nil, voters: [], degraded: true, latencyNanos: 0)
        }
        return CoopRunResult(decisions: ordered, elapsedNanos: elapsed, modelsReady: ready,
                             duplicateReplies: counters.0, lateReplies: counters.1,
                             malformedReplies: counters.2, foreignReplies: counters.4, resends: counters.3,
                             gaveUpWaitingForBroker: counters.5)
    }
}
