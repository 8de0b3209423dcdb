import Foundation
import KWS
import Layers

/// `kws-bench --cold NAME WAV`: what `kws-native infer WAV --model NAME` does for one file in a fresh
/// process, phase by phase (manifest, Network.load without load-time kernel tuning, as infer loads for fewer
/// than 500 files; spotter with the feature tables and FFTW plan; reading the file; the first
/// classification), as one JSON line of milliseconds. The driver times the whole process too; the rest is
/// process start-up and exit.
struct ColdPath: Encodable {
    var manifest_ms = 0.0, network_load_ms = 0.0, spotter_ms = 0.0, read_ms = 0.0, first_classify_ms = 0.0
    var total_in_process_ms = 0.0
    var label = ""

    static func run(weights: String, name: String, wav: String) throws -> ColdPath {
        var r = ColdPath()
        let start = monotonicNanos()
        var t = start
        func lap() -> Double {
            let now = monotonicNanos()
            defer { t = now }
            return Double(now &- t) / 1e6
        }
        let zoo = try ModelZoo(weightsDirectory: weights, references: false)
        let entry = try zoo.entry(name)
        r.manifest_ms = lap()
        let network = try Network.load(kerasFile: (weights as NSString).appendingPathComponent(entry.file),
                                       options: LoadOptions(tuneKernels: false))
        r.network_load_ms = lap()
        let spotter = try KeywordSpotter(name: name, network: network, spec: entry.features, labels: entry.labels ?? zoo.labels)
        r.spotter_ms = lap()
        let bytes = try WAVDecoder.readBytes(wav)
        r.read_ms = lap()
        let prediction = try spotter.classify(wav: bytes)
        r.first_classify_ms = lap()
        r.label = prediction.labelName
        r.total_in_process_ms = Double(monotonicNanos() &- start) / 1e6
        return r
    }
}
