import ArgumentParser
import Foundation
import KWS
import Layers
import Logging
import Serving

/// `kws-native coop-worker --model coopK`: one cooperative network on the broker, until SIGINT/SIGTERM.
struct CoopWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coop-worker",
        abstract: "Answer MFCCs on <prefix>/mfcc with one network's logits on <prefix>/result (MQTT, SenML).",
        discussion: """
            Requests: SenML [{"bn":"urn:kws:clip:<id>:","n":"shape","vs":"49,32,1"},{"n":"mfcc","vd":<base64 float32>}].
            Replies:  SenML [{"bn":"urn:kws:clip:<id>:","n":"model","vs":"coopK"},{"n":"logits","vd":<base64 float32>}].
            With --share GROUP the worker subscribes to $share/GROUP/<prefix>/mfcc (MQTT 5 shared \
            subscription), so replicas of one model split the clips. Malformed messages are logged and \
            dropped. Reconnects by itself if the broker goes away. \
            Credentials: --username with --password-file (or $KWS_MQTT_PASSWORD); TLS: --cafile, and \
            --cert/--key for a client certificate (docs/PROTOCOLS-hardening.md).

            Exit status: 0 stopped by SIGINT/SIGTERM; 1 the model did not load, or the broker refused or \
            could not be reached within 30 s; 64 bad command line.

            Example:
              kws-native coop-worker --model coop1 --broker mqtt://127.0.0.1:1883
            """)

    @Option(help: "Network to run (coop1 … coop5, or any name in the manifest).") var model: String
    @Option(help: "Broker URL: mqtt://HOST:PORT, mqtts://…, user:password@ accepted.") var broker = "mqtt://127.0.0.1:1883"
    @Option(help: "Topic prefix.") var prefix = "kws"
    @Option(help: "Shared-subscription group (replicas of one model use the same group).") var share: String?
    @Option(help: "Directory with manifest.json and the Keras .h5 files.") var weights = "weights"
    @Option(help: "MQTT QoS for subscribe and publish (0 or 1).") var qos = 1
    @Flag(help: "Log every connection event, not only problems.") var verbose = false
    @OptionGroup var plan: PlanOption
    @OptionGroup(title: "Broker credentials and TLS") var credentials: BrokerOptions

    func run() async throws {
        let level: Logger.Level = verbose ? .info : .notice
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        guard let q = MQTTQoS(rawValue: Int32(qos)) else { throw fail("--qos must be 0 or 1") }
        let spotter: KeywordSpotter
        let options: MQTTOptions
        do {
            spotter = try ModelZoo(weightsDirectory: weights, references: false).spotter(model, options: try plan.loadOptions())
            options = try credentials.mqttOptions(url: broker, clientID: MQTTOptions.randomClientID(prefix: "kws-\(model)"))
        } catch {
            throw fail("\(error)")
        }
        let client: MQTTClient
        do { client = try MQTTClient(options: options) } catch { throw fail("\(error)") }
        let stop = SignalTrap(signals: [SIGINT, SIGTERM]) { client.close() }
        defer { stop.cancel() }
        do {
            try await client.connect(timeoutSeconds: 30)
        } catch {
            throw fail("\(error)")
        }
        let service = CoopWorkerService(model: spotter, client: client, topics: CoopTopics(prefix: prefix),
                                        shareGroup: share, qos: q, logger: Logger(label: "kws.coop-worker.\(model)"))
        try await service.run()
        let s = service.stats
        writeStandardError("\(model): answered \(s.answered), dropped \(s.dropped), publish failures \(s.publishFailures)\n")
    }
}
