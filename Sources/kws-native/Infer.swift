import ArgumentParser
import Foundation
import KWS
import Layers

/// `kws-native infer FILE.wav... [--model NAME] [--json]`: label, probability, score margin and the
/// latency of each stage, per file. A file that cannot be decoded, or whose network output is not finite,
/// gets an error line (with --json an error object) and the run goes on; the exit status is 1 at the end.
struct Infer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Classify WAV files: label, probability, score margin, per-stage latency.",
        discussion: """
            A file that is not a usable clip (not a WAV, not mono 16 kHz, no samples, NaN or infinite float \
            samples) or whose network output is not finite gets an error line on stderr (with --json, an \
            object {"file","model","error"} on stdout) and the other files are still classified.

            Exit status: 0 every file classified; 1 a file failed (see above) or the model did not load; \
            64 bad command line.

            Example:
              kws-native infer data/yes/*.wav --model big --json
            """)

    @Argument(help: "WAV files (16 kHz mono; shorter clips are zero-padded, longer ones cut to 1 s).")
    var files: [String]

    @Option(help: "Network from the manifest: little, big, coop1…coop5.")
    var model = "little"

    @Option(help: "Directory holding manifest.json and the Keras .h5 files.")
    var weights = "weights"

    @Flag(help: "One JSON object per file.")
    var json = false

    @OptionGroup var plan: PlanOption

    struct Output: Encodable {
        var file: String
        var model: String
        var label: String
        var classId: Int
        var probability: Float
        var probabilities: [String: Float]
        /// The network's outputs in class order (what `kws-device infer --json` prints too).
        var logits: [Float]
        var scoreMargin: Float
        var decodeUs: Double, featuresUs: Double, networkUs: Double, totalUs: Double
        enum CodingKeys: String, CodingKey {
            case file, model, label, probability, probabilities, logits
            case classId = "class_id", scoreMargin = "score_margin"
            case decodeUs = "decode_us", featuresUs = "features_us", networkUs = "network_us", totalUs = "total_us"
        }
    }

    /// Files from which load-time kernel tuning pays for itself (measured: 16-80 ms of tuning against
    /// ~0.1-0.3 ms saved per clip; bench/results.json, cold_start).
    static let tuningBreakEvenFiles = 500

    func run() async throws {
        let spotter: KeywordSpotter
        do {
            // Timing candidate kernels at load costs 16-80 ms (little to coop1) and saves well under 1 ms
            // a clip, so a short run (the usual `infer` on a few files) loads with the default kernels.
            let tune = files.count >= Self.tuningBreakEvenFiles
            spotter = try ModelZoo(weightsDirectory: weights, references: false).spotter(model, options: try plan.loadOptions(tune: tune))
        } catch {
            throw fail("\(error)")
        }
        var failures = 0
        for file in files {
            let prediction: Prediction
            do {
                prediction = try spotter.classify(wav: try WAVDecoder.readBytes(file))
            } catch {
                let message: String
                if var e = error as? WAVError {
                    e.path = file
                    message = e.description
                } else {
                    message = "\(file): \(error)"
                }
                failures += 1
                if json {
                    print(try jsonLine(["file": file, "model": model, "error": message]))
                } else {
                    writeStandardError("error: \(message)\n")
                }
                continue
            }
            let t = prediction.timings
            if json {
                let out = Output(file: file, model: model, label: prediction.labelName, classId: prediction.label,
                                 probability: prediction.probability,
                                 probabilities: Dictionary(uniqueKeysWithValues: zip(spotter.labels, prediction.probabilities)),
                                 logits: prediction.logits, scoreMargin: prediction.scoreMargin, decodeUs: t.decodeMicros, featuresUs: t.featuresMicros,
                                 networkUs: t.networkMicros, totalUs: t.totalMicros)
                print(try jsonLine(out))
            } else {
                print(String(format: "%@  %@  p=%.3f  margin=%.3f  [%@: decode %.0f µs, features %.0f µs, network %.0f µs, total %.0f µs]",
                             file, prediction.labelName, prediction.probability, prediction.scoreMargin, model,
                             t.decodeMicros, t.featuresMicros, t.networkMicros, t.totalMicros))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
