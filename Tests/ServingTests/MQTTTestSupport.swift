import Foundation
import Tensor
@testable import Serving

/// A connected client to `broker`, with quick reconnects for the fault tests; `login` sets credentials/TLS.
func connectedClient(_ broker: MosquittoBroker, name: String,
                     login: @Sendable (inout MQTTOptions) -> Void = { _ in }) async throws -> MQTTClient {
    var options = try MQTTOptions.parse(url: broker.url, clientID: MQTTOptions.randomClientID(prefix: name))
    options.reconnectDelayMin = 1
    options.reconnectDelayMax = 1
    login(&options)
    let client = try MQTTClient(options: options)
    try await client.connect(timeoutSeconds: 10)
    return client
}

/// Collects up to `count` messages from the client's stream, or stops after `seconds`.
func collect(_ client: MQTTClient, count: Int, seconds: Double) async -> [MQTTMessage] {
    await withTaskGroup(of: [MQTTMessage].self) { group in
        group.addTask {
            var got: [MQTTMessage] = []
            for await m in client.messages {
                got.append(m)
                if got.count >= count { break }
            }
            return got
        }
        group.addTask {
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return []
        }
        let first = await group.next()!
        group.cancelAll()
        if !first.isEmpty || count == 0 { return first }
        return await group.next() ?? []
    }
}

/// A small deterministic linear model (logits = W·x + b), a stand-in network with known answers.
struct LinearTestModel: CoopModel {
    let name: String
    let inputShape: [Int]
    let weights: [[Float]]  // classes × inputs
    let bias: [Float]

    init(name: String, inputShape: [Int] = [49, 32, 1], classes: Int = 8, seed: UInt64) {
        self.name = name
        self.inputShape = inputShape
        var rng = SplitMix64(seed: seed)
        let n = inputShape.reduce(1, *)
        weights = (0..<classes).map { _ in (0..<n).map { _ in rng.nextFloat() - 0.5 } }
        bias = (0..<classes).map { _ in rng.nextFloat() - 0.5 }
    }

    func logits(features: [Float]) -> [Float] {
        weights.indices.map { c in zip(weights[c], features).reduce(bias[c]) { $0 + $1.0 * $1.1 } }
    }
}

extension SplitMix64 {
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

/// Random features for clip i (deterministic).
func testFeatures(_ i: Int, count: Int = 49 * 32) -> [Float] {
    var rng = SplitMix64(seed: UInt64(i) &* 7919 &+ 17)
    return (0..<count).map { _ in rng.nextFloat() * 2 - 1 }
}
