import ArgumentParser
import Foundation
import KWS
import Serving

/// `kws-native sweep`: Big/Little accuracy and cost for θ from 0 to 1, per payload, in-process.
struct Sweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Big/Little in-process: accuracy and cost for θ in [0, 1] for each payload; CSV + SVG plot.",
        discussion: """
            Both networks run in this process (no network); the policy is the one `little` uses, with the \
            bytes of the real request body of each payload. A 'best θ' is only a choice when --data is a \
            validation split; on the bundled test split it is reported, not chosen. The default θ of \
            `little` and `eval --model big-little` is the manifest's, which reference/export.py chose on the \
            validation split (with the budget scaled to its clip count).

            Exit status: 0 done; 1 a dataset, model or clip failed (message on stderr); 64 bad command line.

            Example:
              kws-native sweep --out sweep
            """
    )

    @Option(help: "Dataset directory (a *_split.txt in it gives the order). Use a validation split to choose θ.") var data = "data"
    @Option(name: .customLong("budget-mb"), help: "Communication budget in MB of 2^20 bytes.") var budgetMB = 4.5
    @Option(help: "Directory with the Keras .h5 files and manifest.json.") var weights = "weights"
    @Option(help: "θ step.") var step: Float = 0.01
    @Option(help: "Output prefix: writes PREFIX.csv and PREFIX.svg.") var out = "sweep"
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard step > 0, step <= 1 else { throw ValidationError("--step must be in (0, 1]") }
        guard budgetMB >= 0 else { throw ValidationError("--budget-mb must be ≥ 0") }
    }

    func run() async throws {
        let zoo = try ModelZoo(weightsDirectory: weights)
        let dataset = try DatasetLoading.load(data, labels: zoo.labels)
        let bigSpec = try zoo.entry("big").features
        let scores = try await BigLittleSweep.score(clips: dataset.clips, little: SpotterClassifier(zoo: zoo, name: "little"),
                                              big: SpotterClassifier(zoo: zoo, name: "big"), bigFeatureSpec: bigSpec)
        let budget = Int((budgetMB * 1_048_576).rounded(.down))
        let steps = Int((1 / step).rounded())
        var points: [BigLittleSweep.Point] = []
        var requestBytes: [PayloadKind: Int] = [:]
        for kind in PayloadKind.allCases {
            let bytes = try BigLittleSweep.requestBytes(kind, bigFeatureSpec: bigSpec)
            requestBytes[kind] = bytes
            for i in 0...steps {
                let theta = min(1, Float(i) * step)
                points.append(BigLittleSweep.replay(scores, payload: kind, theta: theta, budgetBytes: budget, requestBytes: bytes))
            }
        }
        let littleAcc = BigLittleSweep.replay(scores, payload: .wav16, theta: 0, budgetBytes: 0, requestBytes: 1).accuracy
        let bigAcc = BigLittleSweep.replay(scores, payload: .float32, theta: 2, budgetBytes: .max, requestBytes: 1).accuracy
        let split = Self.splitKind(dataset.directory)
        let note: String
        switch split {
        case "validation": note = "best θ chosen on the validation split \(data)"
        case "test": note = "on the TEST split: reported for information only; choose θ on a validation split (--data <val dir>); the default θ is the manifest's, chosen on validation"
        default: note = "on \(data) (not recognised as a validation split): reported, not a choice for the test split"
        }
        try SweepPlot.csv(points).write(toFile: out + ".csv", atomically: true, encoding: .utf8)
        try SweepPlot.svg(points, budgetMB: budgetMB, title: "Big/Little: accuracy vs cost, θ 0…1, \(dataset.clips.count) clips (\(split) split)")
            .write(toFile: out + ".svg", atomically: true, encoding: .utf8)

        let atSeed = PayloadKind.allCases.map { kind in
            BigLittleSweep.replay(scores, payload: kind, theta: 0.35, budgetBytes: budget, requestBytes: requestBytes[kind]!)
        }
        let best = PayloadKind.allCases.compactMap { kind in BigLittleSweep.best(points.filter { $0.payload == kind }, budgetBytes: budget) }
        if json {
            struct Out: Encodable {
                let data: String, split: String, n: Int, budget_bytes: Int, little_accuracy: Double, big_accuracy: Double
                let request_bytes: [String: Int], at_theta_0_35: [BigLittleSweep.Point], best_under_budget: [BigLittleSweep.Point]
                let note: String, csv: String, svg: String
            }
            let o = Out(data: data, split: split, n: scores.count, budget_bytes: budget, little_accuracy: littleAcc, big_accuracy: bigAcc,
                        request_bytes: Dictionary(uniqueKeysWithValues: requestBytes.map { ($0.key.rawValue, $0.value) }),
                        at_theta_0_35: atSeed, best_under_budget: best, note: note, csv: out + ".csv", svg: out + ".svg")
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(o), as: UTF8.self))
            return
        }
        print("Big/Little sweep (in-process) — \(data), \(scores.count) clips, budget \(budget) bytes (\(budgetMB) MB)")
        print(String(format: "  little alone %.2f %%, big alone %.2f %%", littleAcc * 100, bigAcc * 100))
        for p in atSeed {
            print(String(format: "  θ = 0.35, %@ (%d B/request, at most %d requests): accuracy %.2f %%, %d requests, %.4f MB",
                         p.payload.rawValue, requestBytes[p.payload]!, budget / requestBytes[p.payload]!, p.accuracy * 100, p.requests, p.costMB))
        }
        for p in best {
            let what = split == "validation" ? "best θ under the budget (chosen on validation)" : "highest accuracy under the budget (reported, not a choice)"
            print(String(format: "  %@, %@: θ = %.2f → %.2f %%, %d requests, %.4f MB", what, p.payload.rawValue, p.theta, p.accuracy * 100, p.requests, p.costMB))
        }
        print("  note: \(note)")
        print("  wrote \(out).csv and \(out).svg")
    }

    /// "test", "validation" or "unknown", from the split file or the directory name.
    static func splitKind(_ directory: String) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let name = (directory as NSString).lastPathComponent.lowercased()
        if files.contains("val_split.txt") || files.contains("validation_split.txt") || name.hasPrefix("val") { return "validation" }
        if files.contains("test_split.txt") || name.hasPrefix("test") || name == "data" { return "test" }
        return "unknown"
    }
}
