import Foundation
import KWS
import Tensor
import Testing
@testable import Serving

/// Where a cooperative test's models and clips come from: five small linear stand-ins (always
/// available, fast), or the real coop1 … coop5 networks of the model zoo on real MFCCs (when a zoo is
/// found: $KWS_WEIGHTS, else weights/, else the development zoo in /tmp/kws-dev/zoo).
enum CoopSetup: String, Sendable, CustomTestStringConvertible {
    case linear, zoo

    static var available: [CoopSetup] { CoopZooFixture.shared == nil ? [.linear] : [.linear, .zoo] }
    var testDescription: String { rawValue }

    var names: [String] { (1...5).map { "coop\($0)" } }
    var shape: [Int] { [49, 32, 1] }

    func make(_ name: String) throws -> any CoopModel {
        switch self {
        case .linear: return LinearTestModel(name: name, seed: UInt64(name.dropFirst(4)) ?? 0)
        case .zoo: return try CoopZooFixture.shared!.zoo.spotter(name)
        }
    }

    func features(_ i: Int) -> [Float] {
        switch self {
        case .linear: return testFeatures(i)
        case .zoo: return CoopZooFixture.shared!.features[i]
        }
    }

    /// `n` for the stand-ins; at most 15 real clips (five real networks per clip are slow in debug builds).
    func clips(_ n: Int) -> Int {
        self == .zoo ? min(n, 15, CoopZooFixture.shared!.features.count) : n
    }
}

/// The model zoo and the MFCCs of up to 40 clips: the bundled data set's (spread over it), or synthetic
/// tones and noise when no data set is found.
struct CoopZooFixture: Sendable {
    let zoo: ModelZoo
    let features: [[Float]]

    static let shared: CoopZooFixture? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let env = ProcessInfo.processInfo.environment
        let weightCandidates = [env["KWS_WEIGHTS"], root + "/weights", "/tmp/kws-dev/zoo"].compactMap { $0 }
        // The first directory whose manifest lists coop1 … coop5 (weights/ fills up as training finishes).
        guard let weights = weightCandidates.first(where: { dir in
            guard let m = try? Manifest.load(path: dir + "/manifest.json") else { return false }
            return (1...5).allSatisfy { m.network("coop\($0)") != nil }
        }) else {
            print("CoopZooFixture: no manifest.json listing coop1 … coop5 in \(weightCandidates); zoo tests skipped")
            return nil
        }
        let zoo: ModelZoo, extractor: FeatureExtractor
        do {
            zoo = try ModelZoo(weightsDirectory: weights)
            extractor = try FeatureExtractor(spec: try zoo.entry("coop1").features)
        } catch {
            print("CoopZooFixture: \(weights): \(error); zoo tests skipped")
            return nil
        }
        let dataCandidates = [env["KWS_DATA"], root + "/data", "/tmp/kws-dev/data/test"].compactMap { $0 }
        var clips: [[Float]] = []
        for dir in dataCandidates {
            guard let set = try? Dataset(directory: dir, labels: zoo.labels) else { continue }
            let step = max(1, set.clips.count / 40)
            clips = stride(from: 0, to: set.clips.count, by: step).prefix(40)
                .compactMap { try? WAVDecoder.decode(contentsOf: set.clips[$0].path) }
            if !clips.isEmpty { break }
        }
        if clips.isEmpty {
            clips = (0..<40).map { k in
                var rng = SplitMix64(seed: UInt64(k) + 99)
                let f = Float(200 + 97 * k)
                return (0..<16000).map { t in 0.3 * sin(2 * .pi * f * Float(t) / 16000) + 0.05 * (rng.nextFloat() - 0.5) }
            }
        }
        return CoopZooFixture(zoo: zoo, features: clips.map { extractor($0) })
    }()
}
