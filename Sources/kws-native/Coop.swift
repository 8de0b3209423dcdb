import ArgumentParser
import Foundation
import KWS
import Logging
import Serving

/// `kws-native coop`: cooperative inference over MQTT (five networks vote on each clip) on a dataset.
struct Coop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coop",
        abstract: "Cooperative inference over MQTT: publish each clip's MFCC, vote on the workers' logits.",
        discussion: """
            Each clip's MFCC (49x32) is computed once and published on <prefix>/mfcc; the N coop workers \
            answer on <prefix>/result; the clip is decided by majority vote (ties: the most certain model) \
            when all N have answered, or at --timeout-ms with the votes it has (counted as degraded). \
            Without --broker, a private mosquitto is started on a free loopback port together with the \
            workers (child processes of this binary, --replicas per model in shared-subscription groups); \
            all of them are stopped on exit, SIGINT and SIGTERM included. The private broker takes no \
            anonymous clients: it gets a random password for this run, which only its workers know. \
            With --broker, pass credentials with --username and --password-file (or $KWS_MQTT_PASSWORD) \
            and TLS with --cafile (and --cert/--key for client certificates); only replies from the N \
            models of this run count, one per model and clip.

            While the connection to the broker is down, deadlines stand still and no resend is spent; \
            after 60 s without a broker the run decides what is pending and stops waiting.

            Exit status: 0 every clip answered; 1 setup failed (dataset, models, broker refused or \
            unreachable); 2 some clips got no vote at all (unanswered); 3 the private broker died, or \
            the run gave up waiting for the broker; 64 bad command line; 130 interrupted.

            Examples:
              kws-native coop --limit 100
              kws-native coop --broker mqtt://broker.local:1883 --username kws --password-file pw.txt --json
            """)

    /// Exit statuses, as the help text lists them.
    enum Status {
        static let unanswered: Int32 = 2
        static let brokerLost: Int32 = 3
    }

    @Option(help: "Broker URL (default: start a private mosquitto and the workers).") var broker: String?
    @Option(help: "Dataset directory: DIR/<label>/<clip>.wav.") var data = "data"
    @Option(help: "Split file listing clips relative to --data (default: every WAV, sorted).") var split: String?
    @Option(help: "Directory with manifest.json and the Keras .h5 files.") var weights = "weights"
    @Option(help: "Number of cooperative models (the first N of the manifest's coop list).") var models = 5
    @Option(name: .customLong("timeout-ms"), help: "Deadline per clip, in milliseconds.") var timeoutMs = 500
    @Option(name: .customLong("in-flight"), help: "Clips published and not yet decided, at most.") var inFlight = 8
    @Option(help: "Private broker only: worker processes per model (shared subscription groups when > 1).")
    var replicas = 1
    @Option(help: "Topic prefix.") var prefix = "kws"
    @Option(help: "Only the first N clips (0: all).") var limit = 0
    @Option(name: .customLong("warmup-seconds"), help: "Before the first clip, wait at most this long for every model to answer a probe.")
    var warmupSeconds = 120.0
    @Flag(name: .customLong("compare-in-process"), help: "Also vote in-process and count identical predictions.")
    var compareInProcess = false
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup(title: "Broker credentials and TLS (with --broker)") var credentials: BrokerOptions

    struct Report: Encodable {
        var accuracy: Double
        var n: Int
        var correct: Int
        var degraded: Int
        var unanswered: Int
        var models: [String]
        var replicas: Int?
        var broker: String
        var timeoutMs: Int
        var inFlight: Int
        var latencyMs: [String: Double]
        var clipsPerSecond: Double
        var duplicates: Int
        var late: Int
        var malformed: Int
        var foreign: Int
        var resends: Int
        var brokerLost: Bool
        var kerasAgreement: KerasReference.Agreement?
        var referenceAccuracy: Double?
        var inProcessAgreement: KerasReference.Agreement?
        enum CodingKeys: String, CodingKey {
            case accuracy, n, correct, degraded, unanswered, models, replicas, broker, duplicates, late, malformed, resends
            case foreign, brokerLost = "broker_lost"
            case timeoutMs = "timeout_ms", inFlight = "in_flight", latencyMs = "latency_ms"
            case clipsPerSecond = "clips_per_second", kerasAgreement = "keras_agreement"
            case referenceAccuracy = "reference_accuracy", inProcessAgreement = "in_process_agreement"
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        guard models >= 1, timeoutMs >= 1, inFlight >= 1, replicas >= 1 else {
            throw fail("--models, --timeout-ms, --in-flight and --replicas must be at least 1")
        }
        let zoo: ModelZoo, dataset: Dataset, names: [String], spec: FeatureSpec
        do {
            zoo = try ModelZoo(weightsDirectory: weights)
            dataset = try Dataset(directory: data, splitFile: split, labels: zoo.labels)
            let all = zoo.manifest.coop?.models ?? (1...5).map { "coop\($0)" }
            guard models <= all.count else { throw ZooError("--models \(models): the manifest lists \(all.count) coop models") }
            names = Array(all.prefix(models))
            spec = try zoo.entry(names[0]).features
            for n in names where try zoo.entry(n).features != spec {
                throw ZooError("\(n) takes other features than \(names[0]): one MFCC per clip cannot serve both")
            }
        } catch {
            throw fail("\(error)")
        }
        let clips = limit > 0 ? Array(dataset.clips.prefix(limit)) : dataset.clips

        // The broker and workers, unless one is given.
        let fleet = CoopFleet()
        let trap = SignalTrap(signals: [SIGINT, SIGTERM]) {
            fleet.shutdown()
            Foundation.exit(130)
        }
        defer {
            trap.cancel()
            fleet.shutdown()
        }
        let url: String
        var options: MQTTOptions
        do {
            let clientID = MQTTOptions.randomClientID(prefix: "kws-coop")
            if let broker {
                url = broker
                options = try credentials.mqttOptions(url: broker, clientID: clientID)
            } else {
                guard credentials.isEmpty else {
                    throw ValidationError("--username, --password-file, --cafile, --cert and --key need --broker")
                }
                let login = try fleet.start(models: names, replicas: replicas, weights: weights, prefix: prefix)
                url = login.url
                options = try MQTTOptions.parse(url: login.url, clientID: clientID)
                options.username = login.username
                options.password = login.password
            }
        } catch {
            throw fail("\(error)")
        }

        let mqtt: MQTTClient
        do {
            mqtt = try MQTTClient(options: options)
            try await mqtt.connect(timeoutSeconds: 30)
        } catch {
            throw fail("\(error)")
        }
        defer { mqtt.close() }
        var config = CoopRunConfig(voters: names, classCount: zoo.labels.count, timeoutMilliseconds: timeoutMs,
                                   maxInFlight: inFlight, resends: 2, warmupSeconds: max(0, warmupSeconds))
        // A private broker is never restarted: once it is gone, waiting for it is pointless.
        if broker == nil { config.maxOfflineSeconds = 5 }
        let coop = CoopClient(client: mqtt, topics: CoopTopics(prefix: prefix), config: config)
        let extractor = try FeatureExtractor(spec: spec)
        let result: CoopRunResult
        do {
            result = try await coop.run(count: clips.count, shape: spec.outputShape) { i in
                if let death = fleet.brokerDeath() { throw ValidationError(death) }
                do {
                    return extractor(try DatasetRun.decode(clips[i]))
                } catch {
                    throw ValidationError("\(error)")
                }
            }
        } catch {
            if let death = fleet.brokerDeath() { throw fail(death, code: Status.brokerLost) }
            throw fail("\(error)")
        }
        if result.modelsReady.count < names.count {
            writeStandardError("warning: only \(result.modelsReady) answered before the run; missing votes degrade clips\n")
        }

        let predictions = result.decisions.map(\.label)
        let tally = DatasetRun.Result(clips: clips, labels: zoo.labels, predictions: predictions).tally
        let keras = KerasReference.predictionsByPath(zoo.manifest.coop?.predictions, dataDirectory: data).flatMap {
            KerasReference.agreement(dataset: dataset, predictions: predictions, reference: $0)
        }
        var inProcess: KerasReference.Agreement?
        if compareInProcess {
            let spotters = try names.map { try zoo.spotter($0) }
            // The whole dataset (Evaluator has no clip subset); agreement counts the clips run here.
            let local = try await Evaluator(dataset: dataset).cooperative(spotters).predictions
            var byPath: [String: Int] = [:]
            for (c, p) in zip(dataset.clips, local) { if let p { byPath[c.relativePath] = p } }
            inProcess = KerasReference.agreement(dataset: dataset, predictions: predictions, reference: byPath)
        }
        let report = Report(
            accuracy: clips.isEmpty ? 0 : Double(tally.correct) / Double(clips.count), n: clips.count, correct: tally.correct,
            degraded: result.degradedCount, unanswered: result.unansweredCount, models: names,
            replicas: broker == nil ? replicas : nil, broker: url, timeoutMs: timeoutMs, inFlight: inFlight,
            latencyMs: ["p50": result.latencyMilliseconds(percentile: 50), "p99": result.latencyMilliseconds(percentile: 99)],
            clipsPerSecond: result.clipsPerSecond, duplicates: result.duplicateReplies, late: result.lateReplies,
            malformed: result.malformedReplies, foreign: result.foreignReplies, resends: result.resends,
            brokerLost: result.gaveUpWaitingForBroker || fleet.brokerDeath() != nil, kerasAgreement: keras,
            referenceAccuracy: limit == 0 && KerasReference.isBundledSplit(manifest: zoo.manifest, weightsDirectory: weights,
                                                                          dataDirectory: data, splitFile: split)
                ? zoo.manifest.coop?.accuracy : nil,
            inProcessAgreement: inProcess)
        if json {
            print(try jsonLine(report))
        } else {
            printText(report)
        }
        if let death = fleet.brokerDeath() { throw fail(death, code: Status.brokerLost) }
        if result.gaveUpWaitingForBroker {
            throw fail("the connection to the broker at \(url) was down for more than \(Int(config.maxOfflineSeconds)) s; \(report.unanswered) clips unanswered", code: Status.brokerLost)
        }
        if report.unanswered > 0 {
            throw fail("\(report.unanswered) of \(report.n) clips got no vote", code: Status.unanswered)
        }
    }

    private func printText(_ r: Report) {
        func pct(_ x: Double) -> String { String(format: "%.3f %%", 100 * x) }
        print("coop over MQTT (\(r.broker), \(r.models.joined(separator: ", "))\(r.replicas.map { ", \($0) replica(s) each" } ?? "")): "
              + "accuracy \(pct(r.accuracy)) (\(r.correct)/\(r.n))" + (r.referenceAccuracy.map { ", reference (Keras) \(pct($0))" } ?? ""))
        print("degraded \(r.degraded) (decided with fewer than \(r.models.count) votes), unanswered \(r.unanswered)")
        print(String(format: "latency p50 %.2f ms, p99 %.2f ms; throughput %.1f clips/s (timeout %d ms, %d in flight)",
                     r.latencyMs["p50"] ?? 0, r.latencyMs["p99"] ?? 0, r.clipsPerSecond, r.timeoutMs, r.inFlight))
        print("ignored replies: \(r.duplicates) duplicate, \(r.late) late, \(r.malformed) malformed, \(r.foreign) from other models; \(r.resends) resends")
        if let a = r.kerasAgreement { print("same class as Keras's vote on \(a.agree)/\(a.n) clips") }
        if let a = r.inProcessAgreement { print("same class as the in-process vote (eval --model coop) on \(a.agree)/\(a.n) clips") }
    }
}
