import Foundation
import Testing
@testable import KerasIO

/// The two Keras formats behind one seam: the Keras 3 `.keras` of the little network (made by Keras from
/// weights/little.h5, reference/make_io_fixtures.py) gives every layer the same variables as the legacy `.h5`.
@Suite struct KerasModelFileTests {
    static let legacy = repositoryRoot.appendingPathComponent("weights/little.h5").path
    static let keras3 = repositoryRoot.appendingPathComponent("fixtures/little.keras").path

    /// The layer names of a model config and their class names, in order.
    func layers(_ json: String) throws -> [(name: String, className: String)] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let list = try #require((root["config"] as? [String: Any])?["layers"] as? [[String: Any]])
        return list.compactMap { l in
            guard let name = (l["config"] as? [String: Any])?["name"] as? String else { return nil }
            return (name, l["class_name"] as? String ?? "?")
        }
    }

    @Test func opensEitherFormatByItsContent() throws {
        #expect(try KerasModelFile.open(path: Self.legacy) is KerasH5File)
        #expect(try KerasModelFile.open(path: Self.keras3) is Keras3File)
    }

    @Test func theKerasFileHasTheLegacyFilesLayersAndWeights() throws {
        let old = try KerasModelFile.open(path: Self.legacy), new = try KerasModelFile.open(path: Self.keras3)
        let oldLayers = try layers(old.modelConfigJSON), newLayers = try layers(new.modelConfigJSON)
        #expect(oldLayers.map(\.name) == newLayers.map(\.name))
        var compared = 0
        for (name, className) in oldLayers where className != "InputLayer" {
            let a = try? old.weights(ofLayer: name)
            let b = try? new.weights(ofLayer: name)
            #expect((a == nil) == (b == nil), "\(name): one format has weights, the other not")
            guard let a, let b else { continue }
            #expect(Dictionary(uniqueKeysWithValues: a.map { ($0.name, $0.shape) }) == Dictionary(uniqueKeysWithValues: b.map { ($0.name, $0.shape) }),
                    "\(name) (\(className))")
            for w in a {
                guard let v = b.first(where: { $0.name == w.name }) else { continue }
                #expect(v.values.map(\.bitPattern) == w.values.map(\.bitPattern), "\(name)/\(w.name)")
                compared += 1
            }
        }
        #expect(compared >= 20)
    }

    @Test func keras3VariablesAreNamedByTheirLayerClass() {
        #expect(Keras3File.variableNames(className: "BatchNormalization", config: [:], count: 4) == ["gamma", "beta", "moving_mean", "moving_variance"])
        #expect(Keras3File.variableNames(className: "BatchNormalization", config: ["scale": false], count: 3) == ["beta", "moving_mean", "moving_variance"])
        #expect(Keras3File.variableNames(className: "Conv2D", config: ["use_bias": false], count: 1) == ["kernel"])
        #expect(Keras3File.variableNames(className: "Dense", config: [:], count: 2) == ["kernel", "bias"])
        #expect(Keras3File.variableNames(className: "LayerNormalization", config: ["center": false], count: 1) == ["gamma"])
        #expect(Keras3File.variableNames(className: "Dense", config: [:], count: 3) == nil)          // not what Keras writes
        #expect(Keras3File.variableNames(className: "Embedding", config: [:], count: 1) == nil)
    }

    @Test func theExtractedWeightsFileIsRemoved() throws {
        var path = ""
        do {
            let file = try #require(try KerasModelFile.open(path: Self.keras3) as? Keras3File)
            path = file.temporaryWeightsPath
            #expect(FileManager.default.fileExists(atPath: path))
            _ = try file.weights(ofLayer: "dense_5")
        }
        #expect(!path.isEmpty && !FileManager.default.fileExists(atPath: path))
    }

    @Test func foreignTruncatedAndCorruptKerasFilesAreClearErrors() throws {
        func message(_ path: String) -> String {
            do { _ = try KerasModelFile.open(path: path); return "" } catch { return "\(error)" }
        }
        let notKeras = message(repositoryRoot.appendingPathComponent("Tests/Resources/models/no_config.keras").path)
        #expect(notKeras.contains("no_config.keras") && notKeras.contains("config.json") && notKeras.contains("metadata.json"))
        #expect(message("/nonexistent/model.keras").contains("no such file"))
        #expect(message(repositoryRoot.path).contains("directory"))

        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.keras3)))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keras-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Cut short: the zip's central directory (at the end) is gone.
        for fraction in [0.01, 0.3, 0.7, 0.999] {
            let cut = dir.appendingPathComponent("cut\(fraction).keras")
            try Data(whole.prefix(Int(Double(whole.count) * fraction))).write(to: cut)
            let m = message(cut.path)
            #expect(m.contains("cut\(fraction).keras") && m.contains("zip"), "\(m)")
        }
        // A byte of the stored model.weights.h5 changed: libzip's CRC check refuses the entry.
        let corrupt = dir.appendingPathComponent("corrupt.keras")
        var bytes = whole
        bytes[whole.count / 2] ^= 0x5A
        try Data(bytes).write(to: corrupt)
        let m = message(corrupt.path)
        #expect(m.contains("corrupt.keras") && m.contains("model.weights.h5"), "\(m)")
    }
}
