import AsyncHTTPClient
import Foundation
import KWS
import Logging
import NIOCore
import NIOHTTP1
@testable import Serving

/// Where the REST tests find real networks and clips: `weights/` and `data/` of the package when the lead's
/// export has filled them; otherwise `KWS_TEST_WEIGHTS` / `KWS_TEST_DATA`, then the development copies.
enum RESTFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let weights: String? = {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["KWS_TEST_WEIGHTS"], root + "/weights", "/tmp/kws-rest-dev/weights"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/manifest.json") }
    }()

    static let data: String? = {
        let env = ProcessInfo.processInfo.environment
        let candidates = [env["KWS_TEST_DATA"], root + "/data", root + "/reference/out/data/test"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/test_split.txt") }
    }()

    static var available: Bool { weights != nil && data != nil }

    static func zoo() throws -> ModelZoo { try ModelZoo(weightsDirectory: weights!) }

    static func dataset() throws -> Dataset {
        try Dataset(directory: data!, splitFile: data! + "/test_split.txt", labels: try zoo().labels)
    }

    static let quietLogger: Logger = {
        var l = Logger(label: "rest-tests")
        l.logLevel = .critical
        return l
    }()

    /// A real big server on an ephemeral loopback port.
    static func startBig(token: String? = nil, maxBodyBytes: Int = 1 << 20, threads: Int = 2,
                         wrap: @escaping (any ClipClassifier) -> any ClipClassifier = { $0 }) async throws -> RunningBigServer {
        let zoo = try zoo()
        let server = try BigServer(configuration: BigServerConfiguration(port: 0, token: token, maxBodyBytes: maxBodyBytes, threads: threads),
                                   logger: quietLogger) { _ in wrap(try SpotterClassifier(zoo: zoo, name: "big")) }
        return try await server.start()
    }
}

extension RESTFixtures {
    /// Runs `body` against a fresh big server and stops the server afterwards, whether `body` threw or not.
    static func withBig(token: String? = nil, maxBodyBytes: Int = 1 << 20,
                        _ body: (RunningBigServer) async throws -> Void) async throws {
        let server = try await startBig(token: token, maxBodyBytes: maxBodyBytes)
        do { try await body(server) } catch { await server.stop(); throw error }
        await server.stop()
    }
}

/// A plain HTTP client for poking the server with arbitrary requests.
struct RawHTTP {
    let base: String
    /// Idle connections are let go like the product's client does (`BigClient.idleSeconds`), before the
    /// servers' 15 s idle timeout: with the pool's default of 60 s, a request sent after a pause of over 15 s
    /// (a test starved of CPU in the parallel suite) could meet its connection just as the server closed it
    /// and fail with "Connection reset by peer".
    static let client: HTTPClient = {
        var config = HTTPClient.Configuration()
        config.connectionPool = .init(idleTimeout: .seconds(BigClient.idleSeconds))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }()

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, headers: [(String, String)] = []) async throws -> (status: Int, body: [UInt8], headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        // The deadline is for a hung server, not a speed check: in the parallel suite on two cores, CPU-bound
        // tests hold the cooperative pool that the servers' handlers run on, and a request waited 30 s once.
        let response = try await Self.client.execute(request, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), Array(bytes.readableBytesView), response.headers)
    }

    func json(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }
}

/// Wraps a classifier and sleeps before answering (a slow server).
final class SlowClassifier: ClipClassifier {
    let inner: any ClipClassifier
    let delay: Double
    init(_ inner: any ClipClassifier, delay: Double) { self.inner = inner; self.delay = delay }
    var labels: [String] { inner.labels }
    var featureCount: Int { inner.featureCount }
    func classify(samples: [Float]) throws -> Scores { Thread.sleep(forTimeInterval: delay); return try inner.classify(samples: samples) }
    func classify(features: [Float]) throws -> Scores { Thread.sleep(forTimeInterval: delay); return try inner.classify(features: features) }
}
