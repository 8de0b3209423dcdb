import Foundation
import Hummingbird
import KWS
import Logging
import NIOCore
import ServiceLifecycle

/// The big network behind `POST /predict` (SenML in, SenML out) and `GET /health`, on Hummingbird 2.
///
/// The event loops only read bodies and write answers; SenML/base64/WAV decoding and inference run on an
/// `InferencePool` with one classifier per thread (at most one thread per core).
public final class BigServer: Sendable {
    public let configuration: BigServerConfiguration
    public let labels: [String]
    let pool: InferencePool<any ClipClassifier>
    let requestDecoder: PredictRequestDecoder
    let logger: Logger

    /// `makeClassifier` is called once per pool thread, here, so a model that fails to load fails now.
    public init(configuration: BigServerConfiguration, logger: Logger = Logger(label: "kws-native.serve"),
                makeClassifier: (Int) throws -> any ClipClassifier) throws {
        self.configuration = configuration
        self.logger = logger
        var first: (any ClipClassifier)?
        pool = try InferencePool(threads: configuration.threads, maxQueued: configuration.maxQueued, name: "big") { i in
            let c = try makeClassifier(i)
            if first == nil { first = c }
            return c
        }
        guard let first else { throw APIError(500, "server_start", "the inference pool made no classifier") }
        labels = first.labels
        requestDecoder = PredictRequestDecoder(featureCount: first.featureCount)
    }

    /// Path → methods, for 405 answers.
    static let routes: [String: [HTTPRequest.Method]] = ["/predict": [.post], "/health": [.get, .head]]

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger))
        router.add(middleware: JSONErrorMiddleware(routes: Self.routes, logger: logger))
        if let token = configuration.token, !token.isEmpty {
            router.add(middleware: BearerTokenMiddleware(token: token))
        }
        let health = healthBody()
        router.get("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: health)))
        }
        // HEAD: the same status and headers as GET, no body (RFC 9110 §9.3.2); what load balancers probe.
        router.head("/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .contentLength: "\(health.count)"])
        }
        router.post("/predict") { [self] request, _ in try await self.predict(request) }
        return router
    }

    private func healthBody() -> [UInt8] {
        Array("{\"status\":\"ok\",\"model\":\"\(configuration.model)\",\"threads\":\(pool.threads),\"labels\":\(labels.count)}".utf8)
    }

    func predict(_ request: Request) async throws -> Response {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIError(413, "body_too_large", "request body of \(declared) bytes; the limit is \(limit)")
        }
        var body = [UInt8]()
        do {
            for try await chunk in request.body {
                guard body.count + chunk.readableBytes <= limit else {
                    throw APIError(413, "body_too_large", "request body over the limit of \(limit) bytes")
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as APIError {
            throw error
        } catch {
            // The client's framing is broken (malformed chunked encoding, a body cut short): its fault.
            throw APIError(400, "bad_body", "the request body could not be read: \(error)")
        }
        let decoder = requestDecoder
        let received = body
        let result: Result<Scores, APIError>
        do {
            result = try await pool.run { classifier in
                Result { () throws(APIError) -> Scores in
                    do {
                        switch try decoder.decode(received) {
                        case .samples(let samples): return try classifier.classify(samples: samples)
                        case .features(let features): return try classifier.classify(features: features)
                        }
                    } catch let error as APIError {
                        throw error
                    } catch let error as NonFiniteOutputError {
                        throw APIError(422, "non_finite_output", "\(error.description): the clip's values are out of range for the network")
                    } catch {
                        throw APIError(422, "bad_features", "\(error)")
                    }
                }
            }
        } catch let error as InferencePoolError {
            throw APIError(503, "busy", error.description)
        }
        let scores = try result.get()
        let answer: [UInt8]
        do {
            answer = try PredictResponse.encode(scores, labels: labels, model: configuration.model)
        } catch {
            throw APIError(422, "non_finite_output", "the answer cannot be encoded: \(error)")
        }
        return Response(status: .ok, headers: [.contentType: "application/senml+json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer)))
    }

    func makeApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(max(0.001, configuration.idleTimeoutSeconds) * 1e9)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kws-native"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? -1) },
            logger: logger
        )
    }

    /// Serves until SIGINT or SIGTERM, then drains in-flight requests and stops the pool.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        defer { pool.shutdown() }
        try await makeApplication(onRunning: onRunning).runService()
    }

    /// Starts in the background (e.g. on port 0) and returns once it accepts connections.
    public func start() async throws -> RunningBigServer {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = makeApplication { port in continuation.yield(port); continuation.finish() }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { continuation.finish() }  // a server that fails to bind must not leave start() waiting
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = await task.result
            throw APIError(500, "server_start", "the server on \(configuration.host):\(configuration.port) did not start")
        }
        return RunningBigServer(host: configuration.host, port: port, group: group, task: task, pool: pool)
    }
}

/// A server started with `BigServer.start()`.
public final class RunningBigServer: Sendable {
    public let host: String
    public let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let pool: InferencePool<any ClipClassifier>

    init(host: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>, pool: InferencePool<any ClipClassifier>) {
        self.host = host
        self.port = port
        self.group = group
        self.task = task
        self.pool = pool
    }

    public var url: String { "http://\(host):\(port)" }

    /// Stops accepting connections, lets requests in flight finish, and ends the pool's threads.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
        pool.shutdown()
    }
}
