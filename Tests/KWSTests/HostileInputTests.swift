import Foundation
import KWS
import Tensor
import Testing

/// Issue 18: inputs a hostile but fair tester sends. Each test fails on the code before the fix.

@Suite struct HostileWAVTests {
    func kind(_ bytes: [UInt8]) -> WAVError.Kind? {
        do { _ = try WAVDecoder.decode(bytes); return nil } catch { return error.kind }
    }

    @Test func floatWAVWithNaNOrInfinityIsRefused() throws {
        for bad in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0x7FC0_0001)] {
            let data = [Float(0.1), bad, 0.2].flatMap { WAVBuilder.le32($0.bitPattern) }
            let bytes = WAVBuilder(formatTag: 3, bits: 32, data: data).bytes
            #expect(kind(bytes) == .nonFiniteSamples, "\(bad)")
            var buffer = [Float](repeating: 0, count: 16000)
            #expect(throws: WAVError.self) {
                try buffer.withUnsafeMutableBufferPointer { (b) throws(WAVError) in try WAVDecoder.decode(bytes, into: b) }
            }
            #expect(throws: WAVError.self) { try WAVDecoder.parse(bytes) }
        }
        // Huge but finite floats are samples (the network's output is checked instead).
        let huge = WAVBuilder(formatTag: 3, bits: 32, data: WAVBuilder.le32(Float(3e38).bitPattern)).bytes
        #expect(kind(huge) == nil)
    }

    @Test func emptyDataChunkIsAnError() {
        #expect(kind(WAVBuilder(data: []).bytes) == .noSamples)
        #expect(kind(WAVBuilder(formatTag: 3, bits: 32, data: []).bytes) == .noSamples)
    }
}

@Suite struct NonFiniteOutputTests {
    @Test func aPredictionExistsOnlyForFiniteLogits() throws {
        #expect(throws: NonFiniteOutputError.self) { try Prediction(logits: [0, .nan, 1], labels: Labels.all, model: "m") }
        #expect(throws: NonFiniteOutputError.self) { try Prediction(logits: [.infinity, 0], labels: Labels.all, model: "m") }
        #expect(throws: NonFiniteOutputError.self) { try Prediction(logits: [], labels: Labels.all, model: "m") }
        let p = try Prediction(logits: [3e38, -3e38], labels: Labels.all, model: "m")
        #expect(p.label == 0 && p.probabilities.allSatisfy(\.isFinite) && p.scoreMargin.isFinite)
    }

    /// The repro of a NaN-driving clip on the real big network: ±3e38 samples drive it to NaN.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.path("weights/big.h5"))))
    func hugeFiniteSamplesGiveAnErrorNotALabel() throws {
        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false)
        let big = try zoo.spotter("big")
        let samples = (0..<16000).map { $0 % 2 == 0 ? Float(3e38) : -3e38 }
        do {
            let p = try big.classify(samples: samples)
            Issue.record("a label for a clip whose output is not finite: \(p.labelName) \(p.logits)")
        } catch {
            #expect(error.model == "big")
            #expect(error.description.contains("NaN or infinite"))
        }
        let wav = WAVBuilder(formatTag: 3, bits: 32, data: samples.flatMap { WAVBuilder.le32($0.bitPattern) }).bytes
        #expect(throws: NonFiniteOutputError.self) { try big.classIndex(wav: wav) }
        #expect(throws: NonFiniteOutputError.self) { try big.classify(features: [Float](repeating: 3e38, count: big.featureCount)) }
    }
}

@Suite struct ElementCountTests {
    @Test func overflowingAndOversizedProductsAreNil() {
        #expect(ElementCount.of([65536, 65536, 65536, 65536]) == nil)  // 2^64: the one-message crash
        #expect(ElementCount.of([Int.max, 2]) == nil)
        #expect(ElementCount.of([-1, 4]) == nil)
        #expect(ElementCount.of([49, 32, 1]) == 1568)
        #expect(ElementCount.of([49, 32, 1], limit: 1000) == nil)
        #expect(ElementCount.of([]) == 1)
    }
}

@Suite struct HostileManifestTests {
    /// The bundled manifest's JSON with `edit` applied to its networks, written to a temp weights dir whose
    /// .h5 files are symlinks to the bundled ones.
    func weightsDir(_ edit: (inout [[String: Any]]) -> Void) throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        let source = TestPaths.path("weights")
        let data = try Data(contentsOf: URL(fileURLWithPath: source + "/manifest.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var networks = try #require(json["networks"] as? [[String: Any]])
        edit(&networks)
        json["networks"] = networks
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir.path + "/manifest.json"))
        for f in (try FileManager.default.contentsOfDirectory(atPath: source)) where f.hasSuffix(".h5") {
            try FileManager.default.createSymbolicLink(atPath: dir.path + "/" + f, withDestinationPath: source + "/" + f)
        }
        return dir
    }

    func loadError(_ edit: (inout [[String: Any]]) -> Void) throws -> String? {
        let dir = try weightsDir(edit)
        defer { dir.cleanup() }
        do {
            let zoo = try ModelZoo(weightsDirectory: dir.path, references: false)
            for name in zoo.networkNames { _ = try zoo.spotter(name) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func setFeature(_ key: String, _ value: Any, of name: String) -> (inout [[String: Any]]) -> Void {
        { networks in
            for i in networks.indices where networks[i]["name"] as? String == name {
                var f = networks[i]["features"] as? [String: Any] ?? [:]
                f[key] = value
                networks[i]["features"] = f
            }
        }
    }

    static let bundled = FileManager.default.fileExists(atPath: TestPaths.path("weights/manifest.json"))

    @Test(.enabled(if: bundled)) func theBundledManifestPasses() throws {
        #expect(try loadError { _ in } == nil)
    }

    @Test(.enabled(if: bundled), arguments: [
        ("fft_length", 1 << 62, "fft_length"), ("fft_length", 1 << 24, "fft_length"),
        ("frame_length", 0, "frame_length"), ("frame_step", 0, "frame_step"), ("mel_bins", 100_000, "mel_bins"),
        ("sample_rate", 8000, "sample_rate"), ("samples", 1 << 40, "samples"),
    ])
    func outOfRangeFeatureParametersAreErrors(key: String, value: Int, mentions: String) throws {
        let message = try #require(try loadError(Self.setFeature(key, value, of: "big")))
        #expect(message.contains(mentions) && message.contains("'big'"), "\(message)")
    }

    @Test(.enabled(if: bundled), arguments: [-1.0, 0.0])
    func logOffsetMustBePositive(value: Double) throws {
        let message = try #require(try loadError(Self.setFeature("log_offset", value, of: "coop1")))
        #expect(message.contains("log_offset"), "\(message)")
    }

    @Test(.enabled(if: bundled)) func duplicateNetworkNamesAreAnError() throws {
        let message = try #require(try loadError { networks in
            var copy = networks[1]  // big, renamed little: the first would silently win
            copy["name"] = "little"
            networks.append(copy)
        })
        #expect(message.contains("two networks are named 'little'"), "\(message)")
    }

    @Test(.enabled(if: bundled)) func aFileWithOtherParametersThanTheManifestIsRefused() throws {
        // coop4.h5 in coop5's place: same input shape, another network.
        let message = try #require(try loadError { networks in
            for i in networks.indices where networks[i]["name"] as? String == "coop5" { networks[i]["file"] = "coop4.h5" }
        })
        #expect(message.contains("parameters") && message.contains("coop5"), "\(message)")
    }

    @Test(.enabled(if: bundled)) func aFileOutsideTheWeightsDirectoryIsRefused() throws {
        let message = try #require(try loadError { networks in networks[0]["file"] = "../../etc/passwd" })
        #expect(message.contains("inside the weights directory"), "\(message)")
    }
}

@Suite struct HostileDatasetTests {
    func tree() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        for rel in ["data/down/a__1.wav", "elsewhere/yes/b__2.wav", "outside.wav"] {
            let path = dir.path + "/" + rel
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data())
        }
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/data/yes", withDestinationPath: dir.path + "/elsewhere/yes")
        return dir
    }

    @Test func aLabelFolderThatIsASymlinkIsFollowed() throws {
        let dir = try tree()
        defer { dir.cleanup() }
        let d = try Dataset(directory: dir.path + "/data")
        #expect(d.clips.map(\.relativePath) == ["down/a__1.wav", "yes/b__2.wav"])
        #expect(d.clips.map(\.label) == [0, 5])
    }

    @Test(arguments: ["down/../../outside.wav", "down/../a__1.wav", "/etc/passwd", "down/./a__1.wav", "down//a__1.wav"])
    func aSplitLineThatLeavesTheDirectoryIsAnError(line: String) throws {
        let dir = try tree()
        defer { dir.cleanup() }
        try "\(line)\n".write(toFile: dir.path + "/split.txt", atomically: true, encoding: .utf8)
        do {
            _ = try Dataset(directory: dir.path + "/data", splitFile: dir.path + "/split.txt")
            Issue.record("'\(line)' was accepted")
        } catch {
            #expect("\(error)".contains(":1:"), "\(error)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.path("weights/manifest.json"))))
    func theKerasReferenceIsOnlyForTheBundledSplit() throws {
        let manifest = try Manifest.load(path: TestPaths.path("weights/manifest.json"), references: false)
        let weights = TestPaths.path("weights")
        #expect(KerasReference.isBundledSplit(manifest: manifest, weightsDirectory: weights,
                                              dataDirectory: TestPaths.path("data"), splitFile: nil))
        #expect(KerasReference.isBundledSplit(manifest: manifest, weightsDirectory: weights,
                                              dataDirectory: TestPaths.path("data") + "/../data/",
                                              splitFile: TestPaths.path("data/test_split.txt")))
        let dir = try tree()
        defer { dir.cleanup() }
        #expect(!KerasReference.isBundledSplit(manifest: manifest, weightsDirectory: weights,
                                               dataDirectory: dir.path + "/data", splitFile: nil))
        #expect(!KerasReference.isBundledSplit(manifest: manifest, weightsDirectory: weights,
                                               dataDirectory: TestPaths.path("data"), splitFile: dir.path + "/split.txt"))
    }
}
