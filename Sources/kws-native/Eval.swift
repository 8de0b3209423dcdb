import ArgumentParser
import Foundation
import KWS
import Layers

/// `kws-native eval [--model NAME|big-little|coop] [--data DIR] [--json]`: accuracy, per-class recall,
/// per-voice accuracy and the confusion matrix over a dataset directory; agreement with Keras's
/// predictions and the manifest's reference results where the manifest has them.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Accuracy, per-class recall and confusion matrix over a dataset (one network, big-little or coop).",
        discussion: """
            big-little and coop run the policies in-process (no network): the reference numbers for the \
            distributed `little` and `coop` commands. A progress bar is drawn on stderr when it is a terminal. \
            Clips that cannot be decoded or whose network output is not finite are skipped (never counted \
            as a label). The reference (Keras) accuracy is shown only for the bundled test split.

            Exit status: 0 every clip classified; 1 a clip was skipped, or the dataset or a model did not \
            load; 64 bad command line.

            Examples:
              kws-native eval --model little
              kws-native eval --model big-little --json
            """)

    @Option(help: "A network (little, big, coop1…coop5), big-little, or coop.")
    var model = "little"

    @Option(help: "Dataset directory: DIR/<label>/<clip>.wav.")
    var data = "data"

    @Option(help: "Split file listing clips relative to --data, one per line (default: every WAV, sorted).")
    var split: String?

    @Option(help: "Directory holding manifest.json and the Keras .h5 files.")
    var weights = "weights"

    @Option(help: "big-little: score-margin threshold θ (default: the manifest's, else 0.35).")
    var theta: Float?

    @Option(name: .customLong("budget-mb"), help: "big-little: communication budget in MB of 2^20 bytes.")
    var budgetMB = 4.5

    @Option(help: "big-little: payload kind whose request size the manifest records (wav16, float32, mfcc; default: the manifest's).")
    var payload: String?

    @Option(name: .customLong("request-bytes"), help: "big-little: bytes per request (default: the manifest's for --payload).")
    var requestBytes: Int?

    @OptionGroup var plan: PlanOption

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Encodable {
        var model: String
        var data: String
        var n: Int
        var correct: Int
        var accuracy: Double
        var labels: [String]
        var perClassRecall: [String: Double]
        var confusion: [[Int]]
        var perVoice: [String: ClassificationTally.VoiceResult]
        var errors: [String]
        var meanUs: [String: Double]
        var kerasAgreement: KerasReference.Agreement?
        var referenceAccuracy: Double?
        var bigLittle: BigLittleReport?
        var coop: CoopReport?
        enum CodingKeys: String, CodingKey {
            case model, data, n, correct, accuracy, labels, confusion, errors, coop
            case perClassRecall = "per_class_recall", perVoice = "per_voice", meanUs = "mean_us"
            case kerasAgreement = "keras_agreement", referenceAccuracy = "reference_accuracy", bigLittle = "big_little"
        }
    }

    struct BigLittleReport: Encodable {
        var theta: Float
        var budgetBytes: Int
        var requestBytes: Int
        var requests: Int
        var bytesSent: Int
        var costMB: Double
        var referenceRequests: Int?
        var referenceBytesSent: Int?
        enum CodingKeys: String, CodingKey {
            case theta, requests
            case budgetBytes = "budget_bytes", requestBytes = "request_bytes", bytesSent = "bytes_sent"
            case costMB = "cost_mb", referenceRequests = "reference_requests", referenceBytesSent = "reference_bytes_sent"
        }
    }

    struct CoopReport: Encodable {
        var models: [String]
        var ties: Int
    }

    func run() async throws {
        let zoo: ModelZoo, dataset: Dataset
        do {
            zoo = try ModelZoo(weightsDirectory: weights)
            dataset = try Dataset(directory: data, splitFile: split, labels: zoo.labels)
        } catch {
            throw fail("\(error)")
        }
        let bar = ProgressBar(total: dataset.clips.count, title: "eval \(model)")
        let evaluator = Evaluator(dataset: dataset, onProgress: { bar.update($0) })
        let manifest = zoo.manifest
        var result: Evaluator.Result
        var kerasPredictions: [Int]?
        var referenceAccuracy: Double?
        var blReport: BigLittleReport?
        var coopReport: CoopReport?
        do {
            if plan.file != nil && (model == "big-little" || model == "coop") {
                throw fail("--plan is one network's plan: give it with --model NAME, not \(model)")
            }
            switch model {
            case "big-little":
                let little = try zoo.spotter("little"), big = try zoo.spotter("big")
                let payload = self.payload ?? manifest.bigLittle?.defaultPayload ?? "wav16"
                let reference = manifest.bigLittle?.byPayload?[payload] ?? manifest.bigLittle?.run
                let theta = self.theta ?? Float(reference?.theta ?? 0.35)
                guard let bytes = requestBytes ?? (reference?.payload ?? payload == payload ? reference?.requestBytes : nil) else {
                    throw fail("the manifest records no request size for payload '\(payload)': pass --request-bytes N")
                }
                let budget = BigLittleBudget(megabytes: budgetMB)
                result = try await evaluator.bigLittle(little: little, big: big, theta: theta, budget: budget, requestBytes: bytes)
                let spent = result.budget!
                let sameSetup = self.theta == nil && requestBytes == nil && budgetMB == 4.5
                referenceAccuracy = sameSetup ? reference?.accuracy : nil
                blReport = BigLittleReport(theta: theta, budgetBytes: spent.budgetBytes, requestBytes: bytes,
                                           requests: spent.requests, bytesSent: spent.spentBytes,
                                           costMB: Double(spent.spentBytes) / 1_048_576,
                                           referenceRequests: sameSetup ? reference?.requests : nil,
                                           referenceBytesSent: sameSetup ? reference?.bytesSent : nil)
            case "coop":
                let names = manifest.coop?.models ?? ["coop1", "coop2", "coop3", "coop4", "coop5"]
                let spotters = try names.map { try zoo.spotter($0) }
                result = try await evaluator.cooperative(spotters)
                kerasPredictions = manifest.coop?.predictions
                referenceAccuracy = manifest.coop?.accuracy
                coopReport = CoopReport(models: names, ties: result.ties)
            default:
                let spotter = try zoo.spotter(model, options: try plan.loadOptions())
                result = try await evaluator.single(spotter)
                let entry = try zoo.entry(model)
                kerasPredictions = entry.kerasTestPredictions
                referenceAccuracy = entry.kerasTestAccuracy
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw fail("\(error)")
        }
        if !KerasReference.isBundledSplit(manifest: manifest, weightsDirectory: weights, dataDirectory: data, splitFile: split) {
            referenceAccuracy = nil  // the Keras figure is for the bundled split only
        }
        bar.finish()
        for e in result.errors { writeStandardError("warning: skipped \(e.message)\n") }

        let tally = result.tally
        let agreement = KerasReference.predictionsByPath(kerasPredictions, dataDirectory: data).flatMap {
            KerasReference.agreement(dataset: dataset, predictions: result.predictions, reference: $0)
        }
        var recall: [String: Double] = [:]
        for (i, r) in tally.recall.enumerated() { if let r { recall[tally.labels[i]] = r } }
        let t = result.meanTimings
        let report = Report(model: model, data: data, n: tally.n, correct: tally.correct, accuracy: tally.accuracy,
                            labels: tally.labels, perClassRecall: recall, confusion: tally.confusion,
                            perVoice: tally.perVoice, errors: result.errors.map(\.message),
                            meanUs: ["decode": t.decodeMicros, "features": t.featuresMicros, "network": t.networkMicros],
                            kerasAgreement: agreement, referenceAccuracy: referenceAccuracy,
                            bigLittle: blReport, coop: coopReport)
        if json {
            print(try jsonLine(report))
        } else {
            printText(report)
        }
        if !result.errors.isEmpty { throw ExitCode(1) }
    }

    private func printText(_ r: Report) {
        func pct(_ x: Double) -> String { String(format: "%.2f %%", 100 * x) }
        print("model \(r.model) on \(r.data): accuracy \(pct(r.accuracy)) (\(r.correct)/\(r.n))"
              + (r.referenceAccuracy.map { ", reference (Keras) \(pct($0))" } ?? ""))
        if let a = r.kerasAgreement {
            print("same class as Keras on \(a.agree)/\(a.n) clips (\(pct(a.fraction)))"
                  + (a.disagreements.isEmpty ? "" : "; differ: \(a.disagreements.prefix(5).joined(separator: ", "))"))
        }
        if let bl = r.bigLittle {
            print(String(format: "big-little: θ %.2f, %d requests of %d bytes, %d bytes = %.4f MB of %.4f MB",
                         bl.theta, bl.requests, bl.requestBytes, bl.bytesSent, bl.costMB, Double(bl.budgetBytes) / 1_048_576)
                  + (bl.referenceRequests.map { "; reference: \($0) requests" } ?? ""))
        }
        if let c = r.coop { print("coop: \(c.models.joined(separator: ", ")); \(c.ties) clips decided by a tie-break") }
        print("per-class recall: " + r.labels.map { l in "\(l) " + (r.perClassRecall[l].map { String(format: "%.3f", $0) } ?? "-") }.joined(separator: "  "))
        // Speakers, hardest first: all of them with --json; here the ten with the lowest accuracy.
        let speakers = r.perVoice.sorted { ($0.value.accuracy, $0.key) < ($1.value.accuracy, $1.key) }
        print("per-speaker accuracy, the \(min(10, speakers.count)) lowest of \(speakers.count) speakers (all with --json):")
        for (speaker, v) in speakers.prefix(10) {
            print("  \(speaker.padding(toLength: 28, withPad: " ", startingAt: 0)) \(pct(v.accuracy))  (\(v.correct)/\(v.n))")
        }
        print("confusion (rows: truth, columns: predicted)")
        print("        " + r.labels.map { $0.padding(toLength: 6, withPad: " ", startingAt: 0) }.joined())
        for (i, row) in r.confusion.enumerated() {
            print(r.labels[i].padding(toLength: 8, withPad: " ", startingAt: 0)
                  + row.map { String($0).padding(toLength: 6, withPad: " ", startingAt: 0) }.joined())
        }
        print(String(format: "mean per clip: decode %.0f µs, features %.0f µs, network %.0f µs",
                     r.meanUs["decode"] ?? 0, r.meanUs["features"] ?? 0, r.meanUs["network"] ?? 0))
    }
}
