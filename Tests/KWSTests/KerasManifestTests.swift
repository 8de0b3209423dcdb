import Foundation
import KWS
import Layers
import Testing

/// weights/manifest.json's `file` may name a Keras 3 `.keras` as well as a legacy `.h5`.
@Suite struct KerasManifestTests {
    @Test(.enabled(if: HostileManifestTests.bundled)) func aManifestMayNameAKerasFile() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.path("weights/manifest.json")))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var networks = try #require(json["networks"] as? [[String: Any]]).filter { $0["name"] as? String == "little" }
        try #require(networks.count == 1)
        networks[0]["file"] = "little.keras"
        json["networks"] = networks
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir.path + "/manifest.json"))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/little.keras", withDestinationPath: TestPaths.path("fixtures/little.keras"))

        // The zoo checks the manifest's parameter count against the file: the .keras holds the same variables.
        let options = LoadOptions(tuneKernels: false)
        let keras = try ModelZoo(weightsDirectory: dir.path, references: false).spotter("little", options: options)
        let legacy = try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false).spotter("little", options: options)
        #expect(keras.network.parameterCount == legacy.network.parameterCount)
        let samples = (0..<16000).map { i in 0.3 * sin(Float(i) * 0.05) + 0.1 * sin(Float(i) * 0.31) }
        let a = try keras.classify(samples: samples), b = try legacy.classify(samples: samples)
        #expect(a.logits.map(\.bitPattern) == b.logits.map(\.bitPattern) && a.label == b.label)
    }
}
