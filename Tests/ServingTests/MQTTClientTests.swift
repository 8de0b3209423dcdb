import Foundation
import Testing
@testable import Serving

/// Against a real mosquitto started on an ephemeral loopback port for each test.
@Suite(.serialized) struct MQTTClientTests {
    @Test func publishAndReceiveAtQoS0And1() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let sub = try await connectedClient(broker, name: "sub")
        let pub = try await connectedClient(broker, name: "pub")
        defer { sub.close(); pub.close() }
        try sub.subscribe("t/#", qos: .atLeastOnce)
        try await Task.sleep(for: .milliseconds(200))  // let the SUBACK come back before publishing
        let binary: [UInt8] = (0..<300).map { UInt8($0 % 256) }
        try pub.publish("t/zero", payload: Array("hello".utf8), qos: .atMostOnce)
        try pub.publish("t/one", payload: binary, qos: .atLeastOnce)
        try pub.publish("t/empty", payload: [], qos: .atLeastOnce)
        try pub.publish("other", payload: [1], qos: .atLeastOnce)
        let got = await collect(sub, count: 3, seconds: 5)
        #expect(got.map(\.topic) == ["t/zero", "t/one", "t/empty"])
        #expect(got.map(\.payload) == [Array("hello".utf8), binary, []])
        #expect(got.map(\.qos) == [0, 1, 1])
    }

    @Test func sharedSubscriptionSplitsMessagesBetweenSubscribers() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let a = try await connectedClient(broker, name: "a")
        let b = try await connectedClient(broker, name: "b")
        let pub = try await connectedClient(broker, name: "pub")
        defer { a.close(); b.close(); pub.close() }
        try a.subscribe("$share/g/jobs", qos: .atLeastOnce)
        try b.subscribe("$share/g/jobs", qos: .atLeastOnce)
        try await Task.sleep(for: .milliseconds(200))
        for i in 0..<40 { try pub.publish("jobs", payload: [UInt8(i)], qos: .atLeastOnce) }
        async let gotA = collect(a, count: 40, seconds: 2)
        async let gotB = collect(b, count: 40, seconds: 2)
        let (ma, mb) = await (gotA, gotB)
        #expect(!ma.isEmpty && !mb.isEmpty, "both subscribers of the group get work")
        #expect((ma + mb).map { Int($0.payload[0]) }.sorted() == Array(0..<40), "each message exactly once")
    }

    @Test func reconnectsAndResubscribesAfterABrokerRestart() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let sub = try await connectedClient(broker, name: "sub")
        defer { sub.close() }
        try sub.subscribe("after/restart", qos: .atLeastOnce)
        broker.stop()
        #expect(await waitFor(seconds: 5) { !sub.isConnected })
        try broker.start()
        #expect(await waitFor(seconds: 10) { sub.isConnected })
        try await Task.sleep(for: .milliseconds(300))  // resubscribe round trip
        let pub = try await connectedClient(broker, name: "pub")
        defer { pub.close() }
        try pub.publish("after/restart", payload: [42], qos: .atLeastOnce)
        let got = await collect(sub, count: 1, seconds: 5)
        #expect(got.map(\.payload) == [[42]])
    }

    @Test func connectingToNothingTimesOutWithAClearError() async throws {
        let port = try MosquittoBroker.freeLoopbackPort()
        let client = try MQTTClient(options: MQTTOptions(port: port))
        defer { client.close() }
        await #expect(throws: MQTTError.connectTimeout(host: "127.0.0.1", port: port, seconds: 1)) {
            try await client.connect(timeoutSeconds: 1)
        }
    }

    @Test func invalidTopicsAreRefused() async throws {
        let client = try MQTTClient(options: MQTTOptions(port: 1))
        defer { client.close() }
        #expect(throws: MQTTError.self) { try client.subscribe("a/#/b") }
    }
}

/// Polls `condition` every 20 ms; true as soon as it holds, false after `seconds`.
func waitFor(seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
