import Foundation
import KWS
import KerasIO
import Tensor
import Testing

@Suite struct ManifestTests {
    static let json = """
        {"labels": ["down","stop","right","left","up","yes","no","go"],
         "data": {"test_split": "data/test_split.txt", "clips": 2},
         "networks": [
          {"name": "little", "file": "little.h5", "input_shape": [64, 64, 1],
           "features": {"kind": "stft", "frame_length": 256, "frame_step": 128, "fft_length": 256,
                        "resize": [64, 64], "sample_rate": 16000, "samples": 16000},
           "params": 1234, "keras_test_accuracy": 0.5, "keras_test_predictions": [0, 7]},
          {"name": "big", "file": "big.h5", "input_shape": [49, 10, 1],
           "features": {"kind": "mfcc", "frame_length": 640, "frame_step": 320, "fft_length": 640,
                        "mel_bins": 40, "lower_hz": 20.0, "upper_hz": 4000.0, "log_offset": 1e-6,
                        "coefficients": 10, "sample_rate": 16000, "samples": 16000}}],
         "big_little": {"default_payload": "wav16", "theta": 0.35, "budget_mb": 4.5, "budget_bytes": 4718592,
                        "payload": "wav16", "request_bytes": 42770, "requests": 56, "accuracy": 0.93,
                        "by_payload": {"mfcc": {"theta": 0.35, "payload": "mfcc", "request_bytes": 2700}}},
         "coop": {"models": ["coop1"], "accuracy": 0.9, "predictions": [1, 2]}}
        """

    @Test func decodesTheExportedLayout() throws {
        let m = try JSONDecoder().decode(Manifest.self, from: Data(Self.json.utf8))
        #expect(m.labels == Labels.all)
        #expect(m.network("little")?.features == .stft64x64)
        #expect(m.network("big")?.features == .mfcc(coefficients: 10))
        #expect(m.network("little")?.kerasTestPredictions == [0, 7])
        #expect(m.bigLittle?.run.requestBytes == 42770 && m.bigLittle?.run.requests == 56)
        #expect(m.bigLittle?.byPayload?["mfcc"]?.requestBytes == 2700)
        #expect(m.coop?.predictions == [1, 2])
        #expect(FeatureSpec.stft64x64.outputShape == [64, 64, 1])
        #expect(FeatureSpec.mfcc(coefficients: 32).outputShape == [49, 32, 1])
    }

    @Test func runOnlyLoadSkipsTheReferenceResultsAndKeepsTheRest() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/manifest.json"
        try Data(Self.json.utf8).write(to: URL(fileURLWithPath: path))
        let full = try Manifest.load(path: path)
        let lite = try Manifest.load(path: path, references: false)
        #expect(full.network("little")?.kerasTestPredictions == [0, 7] && full.coop?.predictions == [1, 2])
        #expect(lite.network("little")?.kerasTestPredictions == nil && lite.coop?.predictions == nil)
        #expect(lite.networks.map(\.name) == full.networks.map(\.name))
        #expect(lite.network("big")?.features == .mfcc(coefficients: 10))
        #expect(lite.network("big")?.file == full.network("big")?.file)
        #expect(lite.coop?.models == ["coop1"] && lite.bigLittle?.run.requests == 56)
    }

    @Test func missingManifestAndUnknownNetworkSayWhat() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        do {
            _ = try ModelZoo(weightsDirectory: dir.path)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("manifest.json"))
        }
        try Self.json.write(toFile: dir.path + "/manifest.json", atomically: true, encoding: .utf8)
        let zoo = try ModelZoo(weightsDirectory: dir.path)
        do {
            _ = try zoo.spotter("coop9")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("coop9") && "\(error)".contains("little"))
        }
        do {
            _ = try zoo.spotter("little")  // the manifest names little.h5, which is not there
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("little.h5"))
        }
    }
}

@Suite struct DatasetTests {
    func makeTree() throws -> TemporaryDirectory {
        let dir = TemporaryDirectory()
        for rel in ["yes/flite-awb__2.wav", "yes/espeak-en-us+f3__1.wav", "down/0a7c2a8d_nohash_1.wav",
                    "_background_noise_/noise.wav", "down/notes.txt"] {
            let path = dir.path + "/" + rel
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data())
        }
        return dir
    }

    @Test func scansLabelDirectoriesSortedByPath() throws {
        let dir = try makeTree()
        defer { dir.cleanup() }
        let d = try Dataset(directory: dir.path)
        #expect(d.clips.map(\.relativePath) == ["down/0a7c2a8d_nohash_1.wav", "yes/espeak-en-us+f3__1.wav", "yes/flite-awb__2.wav"])
        #expect(d.clips.map(\.label) == [0, 5, 5])
        #expect(d.clips.map(\.voice) == ["0a7c2a8d", "espeak-en-us+f3", "flite-awb"])
    }

    @Test func splitFileOrderAndErrors() throws {
        let dir = try makeTree()
        defer { dir.cleanup() }
        let split = dir.path + "/split.txt"
        try "yes/flite-awb__2.wav\n\ndown/0a7c2a8d_nohash_1.wav\n".write(toFile: split, atomically: true, encoding: .utf8)
        let d = try Dataset(directory: dir.path, splitFile: split)
        #expect(d.clips.map(\.relativePath) == ["yes/flite-awb__2.wav", "down/0a7c2a8d_nohash_1.wav"])
        try "yes/flite-awb__2.wav\nyes/missing.wav\n".write(toFile: split, atomically: true, encoding: .utf8)
        do {
            _ = try Dataset(directory: dir.path, splitFile: split)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(":2:") && "\(error)".contains("missing.wav"))
        }
        try "maybe/x.wav\n".write(toFile: split, atomically: true, encoding: .utf8)
        #expect(throws: ZooError.self) { try Dataset(directory: dir.path, splitFile: split) }
        #expect(throws: ZooError.self) { try Dataset(directory: dir.path + "/nope") }
    }
}

@Suite struct TallyTests {
    @Test func accuracyRecallConfusionAndVoices() {
        var t = ClassificationTally(labels: ["a", "b", "c"])
        t.add(truth: 0, predicted: 0, voice: "v1")
        t.add(truth: 0, predicted: 1, voice: "v1")
        t.add(truth: 1, predicted: 1, voice: "v2")
        t.add(truth: 1, predicted: 1, voice: "v1")
        #expect(t.n == 4 && t.correct == 3 && t.accuracy == 0.75)
        #expect(t.confusion == [[1, 1, 0], [0, 2, 0], [0, 0, 0]])
        #expect(t.recall[0] == 0.5 && t.recall[1] == 1 && t.recall[2] == nil)
        #expect(t.perVoice["v1"]?.n == 3 && t.perVoice["v1"]?.correct == 2 && t.perVoice["v2"]?.accuracy == 1)
    }

    @Test func nearestRankPercentiles() {
        let s = (1...100).map(Double.init)
        #expect(nearestRankPercentile(s, 50) == 50 && nearestRankPercentile(s, 90) == 90 && nearestRankPercentile(s, 99) == 99)
        #expect(nearestRankPercentile([7], 99) == 7 && nearestRankPercentile([], 50) == 0)
        let l = StageLatency([3, 1, 2])
        #expect(l.p50 == 2 && l.p99 == 3 && l.mean == 2)
    }
}

/// End to end with the real weights and network fixtures (skipped until reference/export.py has run):
/// the features of the fixture clips equal the Keras inputs, and the spotter's logits equal Keras's.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.path("weights/manifest.json"))))
struct SpotterTests {
    @Test(arguments: ["little", "big", "coop1", "coop2", "coop3", "coop4", "coop5"])
    func clipToLogitsMatchesKeras(name: String) throws {
        let fixture = TestPaths.path("fixtures/\(name).h5")
        guard FileManager.default.fileExists(atPath: fixture) else { return }
        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"))
        let spotter = try zoo.spotter(name)
        let file = try HDF5File(path: fixture)
        let clips = try JSONDecoder().decode([String].self, from: Data(try file.stringAttribute("clips").utf8))
        let (inShape, inputs) = try file.floatDataset("input")
        let (_, outputs) = try file.floatDataset("output")
        let perInput = inShape.dropFirst().reduce(1, *), classes = zoo.labels.count
        for (i, clip) in clips.enumerated() {
            let samples = try WAVDecoder.decode(contentsOf: TestPaths.path(clip))
            let features = spotter.features(samples: samples)
            let (ratio, at) = worstRelativeError(features, Array(inputs[i * perInput..<(i + 1) * perInput]))
            #expect(ratio <= 1, "\(name) \(clip): features off by \(ratio)× tolerance at \(at)")
            let p = try spotter.classify(samples: samples)
            let keras = Array(outputs[i * classes..<(i + 1) * classes])
            #expect(worstRelativeError(p.logits, keras, rtol: 1e-3).ratio <= 1, "\(name) \(clip): logits \(p.logits) vs \(keras)")
            #expect(p.label == Softmax.argmax(keras))
            #expect(abs(p.probabilities.reduce(0, +) - 1) < 1e-5)
        }
        #expect(throws: ZooError.self) { try spotter.classify(features: [1, 2, 3]) }
    }
}

/// The in-process Big/Little evaluation on real clips and weights: with θ above 1 every clip is unsure,
/// so exactly as many requests are made as the budget holds, and those clips take the big network's label.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.path("weights/big.h5"))
                && FileManager.default.fileExists(atPath: TestPaths.path("data/test_split.txt"))))
struct BigLittleEvaluationTests {
    @Test func budgetCapsTheRequestsInTheEvaluator() async throws {
        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"))
        let little = try zoo.spotter("little"), big = try zoo.spotter("big")
        let full = try Dataset(directory: TestPaths.path("data"), splitFile: TestPaths.path("data/test_split.txt"))
        let lines = full.clips.prefix(12).map(\.relativePath).joined(separator: "\n")
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        try lines.write(toFile: dir.path + "/split.txt", atomically: true, encoding: .utf8)
        let dataset = try Dataset(directory: TestPaths.path("data"), splitFile: dir.path + "/split.txt")
        let result = try await Evaluator(dataset: dataset).bigLittle(
            little: little, big: big, theta: 1.01, budget: BigLittleBudget(budgetBytes: 3 * 1000 + 999), requestBytes: 1000)
        #expect(result.bigRequests == [0, 1, 2])
        #expect(result.budget?.spentBytes == 3000 && result.budget?.requests == 3)
        for (i, clip) in dataset.clips.enumerated() {
            let samples = try WAVDecoder.decode(contentsOf: clip.path)
            let expected = try (i < 3 ? big : little).classify(samples: samples).label
            #expect(result.predictions[i] == expected, "\(clip.relativePath)")
        }
    }
}
