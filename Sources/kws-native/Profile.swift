import ArgumentParser
import Foundation
import KWS
import Layers

/// `kws-native profile [--model NAME] [--runs N] [--json]`: p50/p90/p99 of decode, features, network and
/// total for one clip, single-threaded, against the 36 ms budget of the original Raspberry Pi deployment of the little network; peak RSS.
#if canImport(Glibc)
private let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_WHO = RUSAGE_SELF
#endif

struct Profile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Per-stage latency percentiles (decode, features, network, total), single-threaded, and peak RSS.",
        discussion: "Exit status: 0 done; 1 the model or the clips did not load, or a clip failed; 64 bad command line.")

    @Option(help: "Network from the manifest: little, big, coop1…coop5.")
    var model = "little"

    @Option(help: "Timed runs (after 10 warm-up runs).")
    var runs = 200

    @Option(help: "WAV file to run (default: the first clip of --data).")
    var file: String?

    @Option(help: "Dataset directory to take the default clip from.")
    var data = "data"

    @Option(help: "Directory holding manifest.json and the Keras .h5 files.")
    var weights = "weights"

    @OptionGroup var plan: PlanOption

    @Flag(help: "Print one JSON object.")
    var json = false

    /// The total latency budget of the original Raspberry Pi deployment of the little network, in microseconds.
    static let littleTargetMicros = 36_000.0

    struct Report: Encodable {
        var model: String
        var runs: Int
        var file: String
        var decodeUs: StageLatency, featuresUs: StageLatency, networkUs: StageLatency, totalUs: StageLatency
        var targetUs: Double?
        var meetsTarget: Bool?
        var peakRssMB: Double
        var macs: Int
        enum CodingKeys: String, CodingKey {
            case model, runs, file, macs
            case decodeUs = "decode_us", featuresUs = "features_us", networkUs = "network_us", totalUs = "total_us"
            case targetUs = "target_us", meetsTarget = "meets_target", peakRssMB = "peak_rss_mb"
        }
    }

    func run() async throws {
        guard runs > 0 else { throw fail("--runs must be positive") }
        let spotter: KeywordSpotter, path: String, bytes: [UInt8]
        do {
            spotter = try ModelZoo(weightsDirectory: weights, references: false).spotter(model, options: try plan.loadOptions())
            path = try file ?? Dataset(directory: data).clips[0].path
            bytes = try WAVDecoder.readBytes(path)
            _ = try WAVDecoder.decode(bytes)
        } catch {
            throw fail("\(error)")
        }
        var decode: [Double] = [], features: [Double] = [], network: [Double] = [], total: [Double] = []
        decode.reserveCapacity(runs); features.reserveCapacity(runs); network.reserveCapacity(runs); total.reserveCapacity(runs)
        for i in 0..<(runs + 10) {
            let t0 = Stopwatch.now()
            try! spotter.decode(wav: bytes)  // decoded once above: cannot fail
            let t1 = Stopwatch.now()
            spotter.extractFeaturesOfDecoded()
            let t2 = Stopwatch.now()
            spotter.runNetwork()
            let t3 = Stopwatch.now()
            guard i >= 10 else { continue }
            decode.append(Double(t1 - t0) / 1000)
            features.append(Double(t2 - t1) / 1000)
            network.append(Double(t3 - t2) / 1000)
            total.append(Double(t3 - t0) / 1000)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF_WHO, &usage)
        let target = model == "little" ? Self.littleTargetMicros : nil
        let totals = StageLatency(total)
        let report = Report(model: model, runs: runs, file: path, decodeUs: StageLatency(decode),
                            featuresUs: StageLatency(features), networkUs: StageLatency(network), totalUs: totals,
                            targetUs: target, meetsTarget: target.map { totals.p99 <= $0 },
                            peakRssMB: Double(usage.ru_maxrss) / 1024, macs: spotter.network.macs)
        if json {
            print(try jsonLine(report))
            return
        }
        print("profile \(model) (\(runs) runs, one thread, \(path)); microseconds")
        print("stage        p50        p90        p99")
        for (name, s) in [("decode", report.decodeUs), ("features", report.featuresUs), ("network", report.networkUs), ("total", report.totalUs)] {
            print(name.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "%10.1f %10.1f %10.1f", s.p50, s.p90, s.p99))
        }
        if let target {
            print(String(format: "Raspberry Pi budget for little: %.0f ms total; p99 here %.3f ms: %@", target / 1000, totals.p99 / 1000,
                         totals.p99 <= target ? "met" : "NOT met"))
        }
        print(String(format: "peak RSS %.1f MB; network %d MACs", report.peakRssMB, report.macs))
    }
}
