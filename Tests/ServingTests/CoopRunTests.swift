import Foundation
import KWS
import Testing
@testable import Serving

/// In-process workers, each with its own connection to the broker, as separate processes would have.
final class CoopTestWorkers {
    struct Worker {
        let client: MQTTClient
        let task: Task<CoopWorkerService<AnyCoopModel>.Stats, any Error>
    }
    var workers: [Worker] = []

    init(broker: MosquittoBroker, models: [any CoopModel & Sendable], shareGroups: Bool = false) async throws {
        for model in models {
            let client = try await connectedClient(broker, name: model.name)
            let boxed = AnyCoopModel(model)
            let group = shareGroups ? model.name : nil
            let task = Task {
                let service = CoopWorkerService(model: boxed, client: client, shareGroup: group)
                try await service.run()
                return service.stats
            }
            workers.append(Worker(client: client, task: task))
        }
    }

    /// Stops worker i as a crash would look to the others: its connection goes away, it answers no more.
    func kill(_ i: Int) { workers[i].client.close() }

    func stopAll() async -> [CoopWorkerService<AnyCoopModel>.Stats] {
        var stats: [CoopWorkerService<AnyCoopModel>.Stats] = []
        for w in workers {
            w.client.close()
            stats.append((try? await w.task.value) ?? .init())
        }
        return stats
    }
}

/// Type-erased model, so tests can mix model types.
struct AnyCoopModel: CoopModel, Sendable {
    let name: String
    let inputShape: [Int]
    private let run: @Sendable ([Float]) -> [Float]
    init(_ m: any CoopModel & Sendable) {
        name = m.name; inputShape = m.inputShape
        run = { m.logits(features: $0) }
    }
    func logits(features: [Float]) -> [Float] { run(features) }
}

extension LinearTestModel: @unchecked Sendable {}

/// The vote computed in-process, directly with KWS's policy: the reference the MQTT run must match.
func referenceLabel(_ models: [any CoopModel], features: [Float]) -> Int? {
    Policies.majorityVote(models.map { Softmax.probabilities($0.logits(features: features)) })?.label
}

@Suite(.serialized) struct CoopRunTests {
    let models: [any CoopModel & Sendable] = (1...5).map { LinearTestModel(name: "coop\($0)", seed: UInt64($0)) }
    let shape = [49, 32, 1]

    func client(_ broker: MosquittoBroker, timeoutMs: Int = 2000, inFlight: Int = 4) async throws -> CoopClient {
        let mqtt = try await connectedClient(broker, name: "coop")
        let config = CoopRunConfig(expectedVotes: 5, classCount: 8, timeoutMilliseconds: timeoutMs,
                                   maxInFlight: inFlight, resends: 2, warmupSeconds: 10)
        return CoopClient(client: mqtt, config: config)
    }

    @Test func wholeRunMatchesTheInProcessVote() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, models: models)
        let coop = try await client(broker)
        defer { coop.client.close() }
        let n = 40
        let result = try await coop.run(count: n, shape: shape) { testFeatures($0) }
        _ = await workers.stopAll()
        #expect(result.modelsReady == ["coop1", "coop2", "coop3", "coop4", "coop5"])
        #expect(result.decisions.count == n)
        #expect(result.degradedCount == 0)
        #expect(result.decisions.map(\.label) == (0..<n).map { referenceLabel(models, features: testFeatures($0)) })
        // The labels are not all the same (else the comparison would prove little).
        #expect(Set(result.decisions.compactMap(\.label)).count > 1)
    }

    @Test func aWorkerKilledMidRunStillLeavesEveryClipAnswered() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, models: models)
        let coop = try await client(broker, timeoutMs: 300)
        defer { coop.client.close() }
        let n = 30
        let result = try await coop.run(count: n, shape: shape) { i in
            if i == 10 { workers.kill(2) }  // coop3 dies
            return testFeatures(i)
        }
        _ = await workers.stopAll()
        #expect(result.decisions.count == n)
        #expect(result.unansweredCount == 0, "every clip is answered")
        #expect(result.degradedCount >= n - 11, "clips after the kill are decided without coop3")
        for (i, d) in result.decisions.enumerated() {
            // Each decision equals the in-process vote of exactly the models that answered it.
            let voters = models.filter { d.voters.contains($0.name) }
            #expect(d.label == referenceLabel(voters, features: testFeatures(i)), "clip \(i), voters \(d.voters)")
        }
        #expect(result.decisions.suffix(10).allSatisfy { !$0.voters.contains("coop3") && $0.voters.count == 4 })
    }

    @Test func garbageOnBothTopicsCrashesNothing() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, models: models)
        let coop = try await client(broker)
        defer { coop.client.close() }
        let vandal = try await connectedClient(broker, name: "vandal")
        defer { vandal.close() }
        let garbage: [[UInt8]] = [
            [], [0xff, 0x00, 0x13], Array("not json".utf8), Array("{}".utf8), Array("[1,2,3]".utf8),
            Array(#"[{"bn":"urn:kws:clip:zz:","n":"shape","vs":"49,32,1"},{"n":"mfcc","vd":"AAAA"}]"#.utf8),
            CoopMFCCRequest(clipID: "wrong-shape", shape: [64, 64, 1], features: .init(repeating: 0, count: 4096)).encoded(),
            CoopLogitsReply(clipID: "nobody", model: "coop9", logits: [1, 2]).encoded(),
            Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
        ]
        let n = 20
        let result = try await coop.run(count: n, shape: shape) { i in
            if i == 0 || i == 10 {
                for g in garbage {
                    try vandal.publish(CoopTopics().mfcc, payload: g)
                    try vandal.publish(CoopTopics().result, payload: g)
                }
            }
            return testFeatures(i)
        }
        let stats = await workers.stopAll()
        #expect(result.degradedCount == 0)
        #expect(result.decisions.map(\.label) == (0..<n).map { referenceLabel(models, features: testFeatures($0)) })
        #expect(result.malformedReplies >= 2 * 8, "garbage on the result topic is counted and dropped")
        #expect(stats.allSatisfy { $0.dropped >= 8 }, "each worker dropped the garbage requests: \(stats)")
    }

    @Test func theRunFinishesAcrossABrokerRestart() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, models: models)
        let coop = try await client(broker, timeoutMs: 1500, inFlight: 2)
        defer { coop.client.close() }
        let n = 24
        let result = try await coop.run(count: n, shape: shape) { i in
            if i == 8 {
                broker.stop()
                try broker.start()
            }
            return testFeatures(i)
        }
        _ = await workers.stopAll()
        #expect(result.decisions.count == n)
        // After the reconnect every model answers again: the last clips are decided by all five.
        #expect(result.decisions.suffix(4).allSatisfy { !$0.degraded })
        for (i, d) in result.decisions.enumerated() where d.label != nil {
            let voters = models.filter { d.voters.contains($0.name) }
            #expect(d.label == referenceLabel(voters, features: testFeatures(i)), "clip \(i)")
        }
        #expect(result.unansweredCount == 0, "resends recover clips the restart lost: \(result.resends) resends")
    }

    @Test func twoReplicasPerModelInSharedGroupsAnswerEachClipOnce() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, models: models + models, shareGroups: true)
        let coop = try await client(broker)
        defer { coop.client.close() }
        let n = 30
        let result = try await coop.run(count: n, shape: shape) { testFeatures($0) }
        let stats = await workers.stopAll()
        #expect(result.degradedCount == 0)
        #expect(result.duplicateReplies == 0, "a shared group delivers each clip to one replica")
        #expect(result.decisions.map(\.label) == (0..<n).map { referenceLabel(models, features: testFeatures($0)) })
        #expect(stats.filter { $0.answered > 0 }.count == 10, "every replica got work: \(stats.map(\.answered))")
    }
}
