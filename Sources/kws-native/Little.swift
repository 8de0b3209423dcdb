import ArgumentParser
import Foundation
import KWS
import Logging
import Serving

/// `kws-native little`: the little network on the device, the big one over REST when unsure.
struct Little: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "little",
        abstract: "Big/Little over REST: the little network locally, the big server when its score margin < θ.",
        discussion: """
            A clip goes to the big server only if the little network's score margin (top1 − top2) is below θ \
            and the request body still fits in the budget (4.5 MB = 4.5·2^20 bytes); the budget is never \
            crossed. Cost = sum of the request bodies' bytes as sent. Payloads: wav16 (record 'audio', 16-bit \
            WAV), float32 (record 'audio_f32', as the original deployment sent it), mfcc (record 'mfcc', the big network's 49x10 MFCC \
            computed here). A failed request (server down, timeout, 4xx/5xx) keeps the little label and is \
            counted; its bytes stay charged (the budget is charged before a request is sent, so it holds even \
            when a transfer fails half-way). Without --server the big server is started in this process on a \
            free loopback port.

            Exit status: 0 every request answered; 1 setup failed (dataset, models, server start) or a clip \
            could not be classified; 2 some requests failed (their clips kept the little label and are \
            counted in the report); 64 bad command line.

            Examples:
              kws-native serve --port 8080 &
              kws-native little --server http://127.0.0.1:8080 --payload mfcc
            """
    )

    @Option(help: "Big server base URL, e.g. http://127.0.0.1:8080 (default: start one in-process).") var server: String?
    @Option(help: "Score-margin threshold θ (default: the manifest's for --payload, chosen on the validation split; else 0.35, the original deployment's θ).") var theta: Float?
    @Option(name: .customLong("budget-mb"), help: "Communication budget in MB of 2^20 bytes.") var budgetMB = 4.5
    @Option(help: "Request payload: wav16, float32 or mfcc (default: the manifest's, chosen on the validation split; else wav16).") var payload: PayloadKind?
    @Option(help: "Dataset directory (DIR/<label>/<clip>.wav); a *_split.txt in it gives the order.") var data = "data"
    @Option(help: "Directory with the Keras .h5 files and manifest.json.") var weights = "weights"
    @Option(help: "Bearer token (default: $\(BigServerConfiguration.tokenEnvironmentVariable)).") var token: String?
    @Option(name: .customLong("timeout-ms"), help: "Per-request timeout in milliseconds.") var timeoutMs = 5000
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if let theta, !(0...1).contains(theta) { throw ValidationError("--theta must be in [0, 1], got \(theta)") }
        guard budgetMB >= 0 else { throw ValidationError("--budget-mb must be ≥ 0, got \(budgetMB)") }
        guard timeoutMs > 0 else { throw ValidationError("--timeout-ms must be > 0") }
    }

    func run() async throws {
        let zoo = try ModelZoo(weightsDirectory: weights)
        let dataset = try DatasetLoading.load(data, labels: zoo.labels)
        let bigLittle = zoo.manifest.bigLittle
        let payload = self.payload ?? bigLittle?.defaultPayload.flatMap(PayloadKind.init(rawValue:)) ?? .wav16
        let theta = self.theta ?? Float((bigLittle?.byPayload?[payload.rawValue] ?? bigLittle?.run)?.theta ?? 0.35)
        let token = BigServerConfiguration.token(explicit: token)
        var inProcess: RunningBigServer?
        let url: String
        if let server {
            url = server
        } else {
            var quiet = Logger(label: "kws-native.serve")
            quiet.logLevel = .warning
            let big = try BigServer(configuration: BigServerConfiguration(port: 0, token: token), logger: quiet) { _ in
                try SpotterClassifier(zoo: zoo, name: "big")
            }
            let running = try await big.start()
            inProcess = running
            url = running.url
        }
        let client = BigClient(server: url, token: token, timeout: .milliseconds(timeoutMs))
        let little = try LittleClient(
            little: SpotterClassifier(zoo: zoo, name: "little"), bigFeatureSpec: try zoo.entry("big").features,
            client: client,
            configuration: LittleRunConfiguration(theta: theta, budgetBytes: Int((budgetMB * 1_048_576).rounded(.down)), payload: payload))
        let report: LittleReport
        do {
            report = try await little.run(clips: dataset.clips)
        } catch {
            await client.shutdown()
            await inProcess?.stop()
            throw error
        }
        await client.shutdown()
        await inProcess?.stop()
        if json {
            print(LittleReportPrinter.json(report))
        } else {
            print(LittleReportPrinter.text(report, inProcess: inProcess != nil, data: data))
        }
        for e in report.clipErrors { writeStandardError("warning: skipped \(e)\n") }
        if !report.clipErrors.isEmpty {
            throw fail("\(report.clipErrors.count) clips could not be read or classified (skipped, in no accuracy)")
        }
        if report.failed > 0 {
            throw fail("\(report.failed) of \(report.requests) requests to the big server failed", code: 2)
        }
    }
}

enum LittleReportPrinter {
    static func json(_ report: LittleReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func text(_ r: LittleReport, inProcess: Bool, data: String) -> String {
        func pct(_ x: Double) -> String { String(format: "%.2f %%", 100 * x) }
        func ms(_ s: LatencySummary) -> String { String(format: "p50 %.3f ms, p99 %.3f ms (n = %d)", s.p50, s.p99, s.count) }
        var lines = [
            "Big/Little over REST — \(r.server)\(inProcess ? " (in-process server on loopback)" : "")",
            "  data: \(data), \(r.n) clips; payload \(r.payload.rawValue); θ = \(r.theta); budget \(r.budgetBytes) bytes (\(String(format: "%.3f", Double(r.budgetBytes) / 1_048_576)) MB)",
            "  accuracy: \(pct(r.accuracy)) (\(r.correct)/\(r.n)); little alone \(pct(r.littleAccuracy))",
            "  requests: \(r.requests) sent, \(r.answered) answered; \(r.uncertain) clips unsure, \(r.overBudget) of them over budget",
            "  cost: \(r.bytesSent) bytes = \(String(format: "%.4f", r.costMB)) MB",
            "  local latency (decode + little): \(ms(r.localLatency))",
            "  remote latency (encode + round trip): \(ms(r.remoteLatency))",
            "  failures: \(r.failed)\(r.failures.isEmpty ? "" : " (" + r.failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "); those clips kept the little label")",
        ]
        lines += r.failureExamples.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }
}
