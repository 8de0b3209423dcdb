import Foundation
import KWS
import Testing

/// Weights, fixtures and the test split are part of the product: several suites (here, in LayersTests and
/// in ServingTests) only run when they are present, so their absence must fail loudly, not skip quietly.
struct BundledArtifactsTests {
    static let networks = ["little", "big", "coop1", "coop2", "coop3", "coop4", "coop5"]

    @Test func manifestListsTheSevenNetworksAndTheirFilesExist() throws {
        let manifest = try Manifest.load(path: TestPaths.path("weights/manifest.json"))
        for name in Self.networks {
            let entry = try #require(manifest.network(name), "manifest has no \(name)")
            #expect(FileManager.default.fileExists(atPath: TestPaths.path("weights/\(entry.file)")), "weights/\(entry.file)")
            #expect(FileManager.default.fileExists(atPath: TestPaths.path("fixtures/\(name).h5")), "fixtures/\(name).h5")
        }
        #expect(FileManager.default.fileExists(atPath: TestPaths.featureFixtures))
    }

    @Test func bundledTestSplitHas812DecodableRealClipsOfTheEightWords() throws {
        let split = try String(contentsOfFile: TestPaths.path("data/test_split.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(split.count == 812)
        let labels = ["down", "stop", "right", "left", "up", "yes", "no", "go"]
        for rel in split {
            #expect(labels.contains(String(rel.split(separator: "/")[0])), "\(rel)")
        }
        // Every clip is there; a sample of them decodes to 16000 samples.
        for rel in split { #expect(FileManager.default.fileExists(atPath: TestPaths.path("data/\(rel)")), "\(rel)") }
        for rel in split.enumerated().filter({ $0.offset % 100 == 0 }).map(\.element) {
            #expect(try WAVDecoder.decode(contentsOf: TestPaths.path("data/\(rel)")).count == 16000)
        }
    }
}
