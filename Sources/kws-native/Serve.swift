import ArgumentParser
import Foundation
import KWS
import Layers
import Logging
import Serving

/// `kws-native serve`: the big network behind a SenML REST endpoint (Hummingbird 2).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a network over HTTP: POST /predict (SenML in and out), GET /health.",
        discussion: """
            POST /predict takes a SenML pack (RFC 8428, compact JSON) with exactly one clip record, its bytes \
            base64 in 'vd': 'audio' = a 16-bit PCM mono 16 kHz WAV file, 'audio_f32' = little-endian float32 \
            PCM at 16 kHz, or 'mfcc' = the network's precomputed features (49x10 float32 for big), e.g.
              [{"bn":"kws-native:","n":"audio","vd":"UklGR..."}]
            and answers SenML with records label, label_id, probability, score_margin and p:<label> for each \
            class. Bad requests get a 4xx JSON error {"status","error","message"}. Inference runs on a pool \
            of at most one thread per core. SIGINT/SIGTERM drain requests in flight, then stop. \
            A clip whose network output is not finite (e.g. samples of ±3e38) gets 422 non_finite_output. \
            HEAD /health answers like GET without a body. A connection that sends no complete request head \
            (or no body part) for --idle-timeout seconds is closed.

            Exit status: 0 stopped by SIGINT/SIGTERM; 1 the model did not load or the port could not be \
            bound; 64 bad command line.

            Example:
              kws-native serve --host 0.0.0.0 --port 8080 --token "$(cat token.txt)"
            """
    )

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port).") var port = 8080
    @Option(help: "Network to serve (a name in the manifest).") var model = "big"
    @OptionGroup var plan: PlanOption
    @Option(help: "Directory with the Keras .h5 files and manifest.json.") var weights = "weights"
    @Option(help: "Bearer token required on every request (default: $\(BigServerConfiguration.tokenEnvironmentVariable); none if unset).")
    var token: String?
    @Option(help: "Inference threads (at most the number of cores).") var threads = InferencePool<AnyObject>.defaultThreads
    @Option(help: "Largest request body accepted, in bytes (larger: 413).") var maxBodyBytes = BigServerConfiguration.defaultMaxBodyBytes
    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may go without a complete request head or a body part.")
    var idleTimeout = BigServerConfiguration.defaultIdleTimeoutSeconds

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let zoo = try ModelZoo(weightsDirectory: weights, references: false)
        let config = BigServerConfiguration(
            host: host, port: port, token: BigServerConfiguration.token(explicit: token),
            maxBodyBytes: maxBodyBytes, threads: threads, model: model, idleTimeoutSeconds: idleTimeout)
        let name = model
        let loadOptions: LoadOptions
        do {
            loadOptions = try plan.loadOptions()
            _ = try zoo.spotter(name, options: loadOptions)     // a plan that does not fit fails here, before listening
        } catch {
            throw fail("\(error)")
        }
        let server = try BigServer(configuration: config) { _ in SpotterClassifier(try zoo.spotter(name, options: loadOptions)) }
        let (address, auth) = (host, config.token != nil)
        try await server.run { port in
            let logger = Logger(label: "kws-native.serve")
            logger.info("serving \(name) on http://\(address):\(port) (POST /predict, GET /health)\(auth ? ", bearer token required" : "")")
        }
        Logger(label: "kws-native.serve").info("stopped: requests in flight were answered, inference threads ended")
    }
}
