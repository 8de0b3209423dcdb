import Foundation
import KWS
import Testing
@testable import Serving

/// Issue 18 item 2: a 101-byte MQTT message that trapped every coop-worker (shape product overflow).
let killerShapeMessage = Array(#"[{"bn":"urn:kws:clip:abcd:","n":"shape","vs":"65536,65536,65536,65536"},{"n":"mfcc","vd":"AAAAAA=="}]"#.utf8)

@Suite struct HostileCoopMessageTests {
    @Test func anOverflowingShapeIsAnErrorNotATrap() {
        #expect(killerShapeMessage.count == 101)
        #expect(throws: CoopMessageError.self) { try CoopMFCCRequest.decode(killerShapeMessage) }
        for shape in ["9223372036854775807,2", "65536,65536", "1,1,1,1,1,1,1,1,1", "-1,4", "0", "4,,4", "x"] {
            let m = Array(#"[{"bn":"urn:kws:clip:x:","n":"shape","vs":"\#(shape)"},{"n":"mfcc","vd":"AAAAAA=="}]"#.utf8)
            #expect(throws: CoopMessageError.self, "\(shape)") { try CoopMFCCRequest.decode(m) }
        }
    }

    @Test func aWorkerDropsTheKillerMessageAndAnswersTheNext() throws {
        let worker = CoopWorkerService(model: LinearTestModel(name: "coop1", seed: 1),
                                       client: try MQTTClient(options: MQTTOptions()), logger: .init(label: "quiet"))
        #expect(worker.answer(killerShapeMessage) == nil)
        let good = try CoopMFCCRequest(clipID: "c1", shape: [49, 32, 1], features: testFeatures(1)).encoded()
        #expect(worker.answer(good) != nil)
        #expect(worker.stats.dropped == 1)
    }

    @Test func encodingRefusesWhatDecodingRefuses() {
        #expect(throws: CoopMessageError.self) { try CoopMFCCRequest(clipID: "a:b", shape: [1], features: [0]).encoded() }
        #expect(throws: CoopMessageError.self) { try CoopMFCCRequest(clipID: "a", shape: [2], features: [0]).encoded() }
        #expect(throws: CoopMessageError.self) { try CoopMFCCRequest(clipID: "a", shape: [1], features: [.nan]).encoded() }
        #expect(throws: CoopMessageError.self) { try CoopLogitsReply(clipID: "a", model: "m", logits: [.infinity]).encoded() }
        #expect(throws: CoopMessageError.self) { try CoopLogitsReply(clipID: "a", model: "m", logits: []).encoded() }
    }

    /// Issue 18 item 3: replies from made-up models decided clips.
    @Test func onlyTheRunsOwnVotersCount() {
        var box = CoopBallotBox(voters: ["coop1", "coop2"], classCount: 2)
        box.open(clipID: "c", now: 0, timeoutNanos: 100)
        for fake in ["coop3", "evil", "coop1 ", "COOP1", ""] {
            #expect(box.record(.init(clipID: "c", model: fake, logits: [9, 0]), now: 1) == .notAVoter(model: fake))
        }
        #expect(box.record(.init(clipID: "c", model: "coop1", logits: [0, 1]), now: 2) == .counted)
        #expect(box.record(.init(clipID: "c", model: "coop1", logits: [9, 0]), now: 3) == .duplicate)
        guard case .decided(let d) = box.record(.init(clipID: "c", model: "coop2", logits: [0, 2]), now: 4) else {
            Issue.record("expected a decision"); return
        }
        #expect(d.label == 1 && d.voters == ["coop1", "coop2"])
    }
}

/// A CA, a broker certificate for 127.0.0.1 and a client certificate, made with openssl in a temp dir.
struct TestPKI {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var serverCert: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCert: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    static let openssl = ["/usr/bin/openssl", "/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    init() throws {
        guard let openssl = Self.openssl else { throw BrokerError("openssl not found") }
        directory = NSTemporaryDirectory() + "kws-pki-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let d = directory
        func run(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: openssl)
            p.arguments = args
            p.currentDirectoryURL = URL(fileURLWithPath: d)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { throw BrokerError("openssl \(args.joined(separator: " ")) failed") }
        }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: d + "/san.ext", atomically: true, encoding: .utf8)
        try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=kws test CA"])
        for who in ["server", "client"] {
            try run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(who).key", "-out", "\(who).csr", "-subj", "/CN=\(who == "server" ? "127.0.0.1" : "kws-client")"])
            try run(["x509", "-req", "-in", "\(who).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "\(who).pem", "-days", "2"]
                    + (who == "server" ? ["-extfile", "san.ext"] : []))
        }
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A broker client that answers every clip it sees on the request topic at once with confident replies
/// under each of `models` (names the run does not wait for). A publish that fails (the broker restarting)
/// is skipped; `stop()` returns how many forged replies went out.
struct Forger {
    let client: MQTTClient
    let task: Task<Int, Never>

    init(_ broker: MosquittoBroker, models: [String]) async throws {
        let client = try await connectedClient(broker, name: "forger")
        try client.subscribe(CoopTopics().mfcc)
        self.client = client
        task = Task {
            var forged = 0
            for await m in client.messages {
                guard let request = try? CoopMFCCRequest.decode(m.payload) else { continue }
                for model in models {
                    guard let reply = try? CoopLogitsReply(clipID: request.clipID, model: model, logits: [0, 0, 0, 0, 0, 0, 0, 50]).encoded()
                    else { continue }
                    if (try? client.publish(CoopTopics().result, payload: reply)) != nil { forged += 1 }
                }
            }
            return forged
        }
    }

    func stop() async -> Int {
        client.close()
        return await task.value
    }
}

@Suite(.serialized) struct HostileCoopRunTests {
    let names = CoopSetup.linear.names

    func coop(_ broker: MosquittoBroker, timeoutMs: Int = 3000, resends: Int = 2,
              login: @escaping @Sendable (inout MQTTOptions) -> Void = { _ in }) async throws -> CoopClient {
        let mqtt = try await connectedClient(broker, name: "coop", login: login)
        let config = CoopRunConfig(voters: names, classCount: 8, timeoutMilliseconds: timeoutMs, maxInFlight: 4,
                                   resends: resends, warmupSeconds: 30)
        return CoopClient(client: mqtt, config: config)
    }

    func expectInProcessVotes(_ result: CoopRunResult, n: Int, maxDegraded: Int? = nil) throws {
        // Each decision is the in-process vote of exactly the run's models that answered it (on a loaded
        // machine a reply can miss its deadline: the clip is then degraded, never wrong or forged).
        let reference = try names.map { try CoopSetup.linear.make($0) }
        #expect(result.unansweredCount == 0)
        #expect(result.decisions.count == n)
        for (i, d) in result.decisions.enumerated() {
            #expect(d.voters.allSatisfy(names.contains), "clip \(i): voters \(d.voters)")
            let voters = reference.filter { d.voters.contains($0.name) }
            #expect(try d.label == referenceLabel(voters, features: CoopSetup.linear.features(i)),
                    "clip \(i): the same vote as in-process voting of \(d.voters)")
        }
        #expect(result.degradedCount <= maxDegraded ?? n / 4, "most clips have all five votes (\(result.degradedCount) degraded)")
    }

    /// The killer message and forged replies from made-up models, injected during a real run: every
    /// worker survives and every clip gets the in-process vote.
    @Test func forgedRepliesAndTheKillerMessageChangeNothing() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: names, make: CoopSetup.linear.make)
        let client = try await coop(broker)
        defer { client.client.close() }
        // The forger answers every clip at once, as five models that do not exist, with confident logits.
        let forger = try await Forger(broker, models: (6...10).map { "coop\($0)" })
        defer { forger.client.close() }
        let n = 30
        let result = try await client.run(count: n, shape: [49, 32, 1]) { i in
            if i % 10 == 0 { try forger.client.publish(CoopTopics().mfcc, payload: killerShapeMessage) }
            return CoopSetup.linear.features(i)
        }
        let stats = await workers.stopAll()
        let forged = await forger.stop()
        try expectInProcessVotes(result, n: n)
        #expect(result.degradedCount == 0, "no worker died")
        // Forged replies for a pending clip are dropped as foreign; those arriving after the decision as late.
        #expect(forged >= 5 * n && result.foreignReplies > 0, "forged \(forged), dropped as foreign \(result.foreignReplies)")
        #expect(stats.allSatisfy { $0.dropped >= 3 }, "each worker dropped the killer messages: \(stats)")
    }

    /// The whole hostile scenario in one run: forged replies from made-up models and the killer message
    /// throughout, a worker killed a third of the way in, the broker restarted two thirds of the way in.
    /// Every clip is answered, each with the in-process vote of exactly the real models that answered it.
    @Test func aKilledWorkerABrokerRestartAndForgeriesInOneRunStillGiveTheInProcessVote() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: names, make: CoopSetup.linear.make)
        let client = try await coop(broker, timeoutMs: 2000)
        defer { client.client.close() }
        let forger = try await Forger(broker, models: ["coop6", "coop0", "Coop1", "coop1 ", ""])
        defer { forger.client.close() }
        let n = 45
        let result = try await client.run(count: n, shape: [49, 32, 1]) { i in
            if i % 10 == 0 { try? forger.client.publish(CoopTopics().mfcc, payload: killerShapeMessage) }
            if i == n / 3 { workers.kill(2) }  // coop3
            if i == 2 * n / 3 {
                broker.stop()
                try broker.start()
            }
            return CoopSetup.linear.features(i)
        }
        _ = await workers.stopAll()
        let forged = await forger.stop()
        try expectInProcessVotes(result, n: n, maxDegraded: n)
        #expect(result.decisions.dropFirst(n / 3 + 1).allSatisfy { !$0.voters.contains("coop3") },
                "no vote from the killed worker after its death")
        // Once the workers are back on the restarted broker, the four live ones answer every clip (the clips
        // in flight during the restart may be decided with fewer, on a loaded machine).
        #expect(result.decisions.suffix(4).allSatisfy { $0.voters.count == 4 },
                "\(result.decisions.suffix(4).map(\.voters))")
        #expect(forged >= n && result.foreignReplies > 0, "forged \(forged), dropped as foreign \(result.foreignReplies)")
    }

    /// Issue 18 item 3: the whole run against a mosquitto that requires a password; anonymous and
    /// wrong-password clients are refused with a clear error.
    @Test func theWholeRunWorksAgainstABrokerThatRequiresAPassword() async throws {
        let login = try BrokerPassword.make(username: "kws", password: "correct horse")
        defer { try? FileManager.default.removeItem(atPath: login.directory) }
        let broker = try MosquittoBroker(security: .init(passwordFile: login.file))
        try broker.start()
        let credentials: @Sendable (inout MQTTOptions) -> Void = { $0.username = "kws"; $0.password = "correct horse" }
        for wrong in [nil, "wrong"] as [String?] {
            let anonymous = try MQTTClient(options: {
                var o = try MQTTOptions.parse(url: broker.url)
                if let wrong { o.username = "kws"; o.password = wrong }
                return o
            }())
            do {
                try await anonymous.connect(timeoutSeconds: 20)
                Issue.record("the broker let a client in without the password (\(wrong ?? "anonymous"))")
            } catch {
                guard case .refused = error else { Issue.record("expected a refusal, got \(error)"); continue }
                #expect(error.description.contains("refused"))
            }
            anonymous.close()
        }
        let workers = try await CoopTestWorkers(broker: broker, names: names, login: credentials, make: CoopSetup.linear.make)
        let client = try await coop(broker, login: credentials)
        defer { client.client.close() }
        let n = 20
        let result = try await client.run(count: n, shape: [49, 32, 1]) { CoopSetup.linear.features($0) }
        _ = await workers.stopAll()
        try expectInProcessVotes(result, n: n)
    }

    /// The same over TLS on loopback with a self-made CA, client certificates required, plus a password.
    @Test(.enabled(if: TestPKI.openssl != nil)) func theWholeRunWorksOverTLSWithClientCertificates() async throws {
        let pki = try TestPKI()
        defer { pki.cleanup() }
        let login = try BrokerPassword.make(username: "kws", password: "tls too")
        defer { try? FileManager.default.removeItem(atPath: login.directory) }
        let broker = try MosquittoBroker(security: .init(passwordFile: login.file, tls: .init(
            caFile: pki.ca, certFile: pki.serverCert, keyFile: pki.serverKey, requireCertificate: true)))
        try broker.start()
        #expect(broker.url.hasPrefix("mqtts://"))
        let (ca, cert, key) = (pki.ca, pki.clientCert, pki.clientKey)
        let credentials: @Sendable (inout MQTTOptions) -> Void = {
            $0.username = "kws"; $0.password = "tls too"
            $0.tls = .init(caFile: ca, certFile: cert, keyFile: key)
        }
        // Without a client certificate the handshake fails: no connection.
        let noCert = try MQTTClient(options: {
            var o = try MQTTOptions.parse(url: broker.url)
            o.username = "kws"; o.password = "tls too"; o.tls = .init(caFile: ca)
            return o
        }())
        await #expect(throws: MQTTError.self) { try await noCert.connect(timeoutSeconds: 3) }
        noCert.close()
        let workers = try await CoopTestWorkers(broker: broker, names: names, login: credentials, make: CoopSetup.linear.make)
        let client = try await coop(broker, login: credentials)
        defer { client.client.close() }
        let n = 20
        let result = try await client.run(count: n, shape: [49, 32, 1]) { CoopSetup.linear.features($0) }
        _ = await workers.stopAll()
        try expectInProcessVotes(result, n: n)
    }

    /// Issue 18 item 5: a broker outage longer than a clip's deadline times its resends lost clips; the
    /// client now holds deadlines while disconnected and resends on the new connection.
    @Test func anOutageLongerThanTheDeadlinesLosesNoClip() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let workers = try await CoopTestWorkers(broker: broker, names: names, make: CoopSetup.linear.make)
        let client = try await coop(broker, timeoutMs: 1000, resends: 2)
        defer { client.client.close() }
        let n = 16
        let result = try await client.run(count: n, shape: [49, 32, 1]) { i in
            if i == 6 {
                broker.stop()
                // More than (1 + resends) deadlines of 1 s pass while the broker is gone: the old client
                // spent both resends into the closed socket and gave the clips in flight up.
                Thread.sleep(forTimeInterval: 3.5)
                try broker.start()
            }
            return CoopSetup.linear.features(i)
        }
        _ = await workers.stopAll()
        #expect(!result.gaveUpWaitingForBroker)
        #expect(result.unansweredCount == 0, "no clip lost to the outage: \(result.resends) resends")
        let reference = try names.map { try CoopSetup.linear.make($0) }
        for (i, d) in result.decisions.enumerated() where d.label != nil {
            let voters = reference.filter { d.voters.contains($0.name) }
            #expect(try d.label == referenceLabel(voters, features: CoopSetup.linear.features(i)), "clip \(i)")
        }
    }
}
