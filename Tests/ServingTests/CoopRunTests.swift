import Foundation
import KWS
import Testing
@testable import Serving

/// In-process workers, each with its own connection to the broker, as separate processes would have.
/// Each worker builds its own model inside its task (zoo networks are not thread-safe).
final class CoopTestWorkers {
    typealias Stats = CoopWorkerService<AnyCoopModel>.Stats
    struct Worker {
        let client: MQTTClient
        let task: Task<Stats, any Error>
    }
    var workers: [Worker] = []

    init(broker: MosquittoBroker, names: [String], shareGroups: Bool = false,
         login: @escaping @Sendable (inout MQTTOptions) -> Void = { _ in },
         make: @escaping @Sendable (String) throws -> any CoopModel) async throws {
        for name in names {
            let client = try await connectedClient(broker, name: name, login: login)
            let group = shareGroups ? name : nil
            let task = Task {
                let service = CoopWorkerService(model: AnyCoopModel(base: try make(name)), client: client, shareGroup: group)
                try await service.run()
                return service.stats
            }
            workers.append(Worker(client: client, task: task))
        }
    }

    /// Stops worker i as a crash would look to the others: its connection goes away, it answers no more.
    func kill(_ i: Int) { workers[i].client.close() }

    func stopAll() async -> [Stats] {
        var stats: [Stats] = []
        for w in workers {
            w.client.close()
            stats.append((try? await w.task.value) ?? .init())
        }
        return stats
    }
}

/// Type-erased model, so one worker type serves every model kind.
struct AnyCoopModel: CoopModel {
    let base: any CoopModel
    var name: String { base.name }
    var inputShape: [Int] { base.inputShape }
    func logits(features: [Float]) throws -> [Float] { try base.logits(features: features) }
}

/// The vote computed in-process, directly with KWS's policy: the reference the MQTT run must match.
func referenceLabel(_ models: [any CoopModel], features: [Float]) throws -> Int? {
    Policies.majorityVote(try models.map { Scores(probabilities: Softmax.probabilities(try $0.logits(features: features))) })?.label
}

@Suite(.serialized) struct CoopRunTests {
    func client(_ broker: MosquittoBroker, timeoutMs: Int = 3000, inFlight: Int = 4) async throws -> CoopClient {
        let mqtt = try await connectedClient(broker, name: "coop")
        let config = CoopRunConfig(voters: CoopSetup.linear.names, classCount: 8, timeoutMilliseconds: timeoutMs,
                                   maxInFlight: inFlight, resends: 2, warmupSeconds: 30)
        return CoopClient(client: mqtt, config: config)
    }

    @Test(arguments: CoopSetup.available)
    func wholeRunMatchesTheInProcessVote(setup: CoopSetup) async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: setup.names, make: setup.make)
        let coop = try await client(broker)
        defer { coop.client.close() }
        let n = setup.clips(40)
        let result = try await coop.run(count: n, shape: setup.shape) { setup.features($0) }
        _ = await workers.stopAll()
        let reference = try setup.names.map { try setup.make($0) }
        #expect(result.modelsReady == setup.names)
        #expect(result.decisions.count == n)
        #expect(result.degradedCount == 0)
        let expected = try (0..<n).map { try referenceLabel(reference, features: setup.features($0)) }
        #expect(result.decisions.map(\.label) == expected)
        // The stand-ins' labels are not all the same (else the comparison would prove little); the zoo's
        // may be, while its networks are untrained development weights.
        if setup == .linear { #expect(Set(result.decisions.compactMap(\.label)).count > 1) }
    }

    @Test(arguments: CoopSetup.available)
    func aWorkerKilledMidRunStillLeavesEveryClipAnswered(setup: CoopSetup) async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: setup.names, make: setup.make)
        // Real networks in a debug build take far longer per clip than the stand-ins.
        // (The stand-ins answer in microseconds, but swift test runs suites in parallel: 2 s leaves room.)
        let coop = try await client(broker, timeoutMs: setup == .zoo ? 5000 : 2000)
        defer { coop.client.close() }
        let n = setup.clips(30)
        let killAt = n / 3
        let result = try await coop.run(count: n, shape: setup.shape) { i in
            if i == killAt { workers.kill(2) }  // coop3 dies
            return setup.features(i)
        }
        _ = await workers.stopAll()
        let reference = try setup.names.map { try setup.make($0) }
        #expect(result.decisions.count == n)
        #expect(result.unansweredCount == 0, "every clip is answered")
        #expect(result.degradedCount >= n - killAt - 1, "clips after the kill are decided without coop3")
        for (i, d) in result.decisions.enumerated() {
            // Each decision equals the in-process vote of exactly the models that answered it.
            let voters = reference.filter { d.voters.contains($0.name) }
            #expect(try d.label == referenceLabel(voters, features: setup.features(i)), "clip \(i), voters \(d.voters)")
        }
        #expect(result.decisions.suffix(n / 3).allSatisfy { !$0.voters.contains("coop3") && $0.voters.count == 4 })
    }

    @Test(arguments: CoopSetup.available)
    func garbageOnBothTopicsCrashesNothing(setup: CoopSetup) async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: setup.names, make: setup.make)
        let coop = try await client(broker)
        defer { coop.client.close() }
        let vandal = try await connectedClient(broker, name: "vandal")
        defer { vandal.close() }
        let garbage: [[UInt8]] = [
            [], [0xff, 0x00, 0x13], Array("not json".utf8), Array("{}".utf8), Array("[1,2,3]".utf8),
            Array(#"[{"bn":"urn:kws:clip:zz:","n":"shape","vs":"49,32,1"},{"n":"mfcc","vd":"AAAA"}]"#.utf8),
            try CoopMFCCRequest(clipID: "wrong-shape", shape: [64, 64, 1], features: .init(repeating: 0, count: 4096)).encoded(),
            try CoopLogitsReply(clipID: "nobody", model: "coop9", logits: [1, 2]).encoded(),
            Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
        ]
        let n = setup.clips(20)
        let result = try await coop.run(count: n, shape: setup.shape) { i in
            if i == 0 || i == n / 2 {
                for g in garbage {
                    try vandal.publish(CoopTopics().mfcc, payload: g)
                    try vandal.publish(CoopTopics().result, payload: g)
                }
            }
            return setup.features(i)
        }
        let stats = await workers.stopAll()
        let reference = try setup.names.map { try setup.make($0) }
        #expect(result.degradedCount == 0)
        let expected = try (0..<n).map { try referenceLabel(reference, features: setup.features($0)) }
        #expect(result.decisions.map(\.label) == expected)
        #expect(result.malformedReplies >= 2 * 8, "garbage on the result topic is counted and dropped")
        #expect(stats.allSatisfy { $0.dropped >= 8 }, "each worker dropped the garbage requests: \(stats)")
    }

    @Test(arguments: CoopSetup.available)
    func theRunFinishesAcrossABrokerRestart(setup: CoopSetup) async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: setup.names, make: setup.make)
        let coop = try await client(broker, timeoutMs: 1500, inFlight: 2)
        defer { coop.client.close() }
        let n = setup.clips(24)
        let result = try await coop.run(count: n, shape: setup.shape) { i in
            if i == 8 {
                broker.stop()
                try broker.start()
            }
            return setup.features(i)
        }
        _ = await workers.stopAll()
        let reference = try setup.names.map { try setup.make($0) }
        #expect(result.decisions.count == n)
        // After the reconnect every model answers again: the last clips are decided by all five.
        #expect(result.decisions.suffix(4).allSatisfy { !$0.degraded })
        for (i, d) in result.decisions.enumerated() where d.label != nil {
            let voters = reference.filter { d.voters.contains($0.name) }
            #expect(try d.label == referenceLabel(voters, features: setup.features(i)), "clip \(i)")
        }
        #expect(result.unansweredCount == 0, "resends recover clips the restart lost: \(result.resends) resends")
    }

    /// Every thread of the test process blocked for three seconds, with clips in flight whose deadline is
    /// shorter: nothing runs, the replies wait unread. Time the process did not run is not the voters'
    /// fault: every clip is still decided by all five (on a machine with more threads than the blockers
    /// occupy there is no stall, and the same holds trivially).
    @Test func aStalledProcessDoesNotExpireClipsWhoseRepliesAreWaiting() async throws {
        let setup = CoopSetup.linear
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: setup.names, make: setup.make)
        let coop = try await client(broker, timeoutMs: 1000, inFlight: 4)
        defer { coop.client.close() }
        let n = 12
        let result = try await coop.run(count: n, shape: setup.shape) { i in
            if i == 6 {
                for _ in 1..<ProcessInfo.processInfo.activeProcessorCount { Task.detached { usleep(3_000_000) } }
                usleep(3_000_000)
            }
            return setup.features(i)
        }
        _ = await workers.stopAll()
        let reference = try setup.names.map { try setup.make($0) }
        #expect(result.degradedCount == 0, "\(result.decisions.filter(\.degraded).map(\.voters))")
        let expected = try (0..<n).map { try referenceLabel(reference, features: setup.features($0)) }
        #expect(result.decisions.map(\.label) == expected)
    }

    @Test func twoReplicasPerModelInSharedGroupsAnswerEachClipOnce() async throws {
        let setup = CoopSetup.linear
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: setup.names + setup.names, shareGroups: true,
                                                make: setup.make)
        let coop = try await client(broker)
        defer { coop.client.close() }
        let n = 30
        let result = try await coop.run(count: n, shape: setup.shape) { setup.features($0) }
        let stats = await workers.stopAll()
        let reference = try setup.names.map { try setup.make($0) }
        #expect(result.degradedCount == 0)
        #expect(result.duplicateReplies == 0, "a shared group delivers each clip to one replica")
        let expected = try (0..<n).map { try referenceLabel(reference, features: setup.features($0)) }
        #expect(result.decisions.map(\.label) == expected)
        #expect(stats.filter { $0.answered > 0 }.count == 10, "every replica got work: \(stats.map(\.answered))")
    }
}
