import AsyncHTTPClient
import Foundation
import KWS
import NIOCore

/// Why a request to the big server gave no answer. The little client keeps its own label then.
public enum RemoteFailure: String, Sendable, CaseIterable, Codable {
    /// Connection refused, reset or closed: the server is down.
    case unreachable
    /// No complete answer within the timeout.
    case timeout
    /// 5xx.
    case serverError = "server_error"
    /// 4xx: the server refused the request (bad token, bad payload).
    case rejected
    /// A 200 whose body is not a SenML answer.
    case badResponse = "bad_response"
}

public enum RemoteOutcome: Sendable {
    case answer(Scores)
    case failure(RemoteFailure, String)
}

/// Posts SenML request bodies to `POST <server>/predict` over AsyncHTTPClient.
public final class BigClient: Sendable {
    public let predictURL: String
    public let token: String?
    public let timeout: Duration
    let http: HTTPClient

    /// One process-wide client (a static is never deinitialised, so it needs no shutdown). A refused
    /// connection fails the request at once instead of being retried until the deadline: on a device that
    /// keeps its own answer, a down server should cost nothing. Up to 64 connections, for the load benchmark.
    /// An idle connection is let go after `idleSeconds`, before the server's idle timeout (`serve
    /// --idle-timeout`, 15 s) closes it: a client that keeps a connection longer than the server can send a
    /// request just as the server closes it, and that request dies with a reset.
    static let sharedHTTP: HTTPClient = {
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(2))
        config.connectionPool = .init(idleTimeout: .seconds(idleSeconds), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        config.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }()

    /// How long an unused connection stays in the pool (below the server's default idle timeout).
    public static let idleSeconds: Int64 = 10

    public init(server: String, token: String? = nil, timeout: Duration = .seconds(5)) {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        predictURL = base + "/predict"
        self.token = token
        self.timeout = timeout
        http = Self.sharedHTTP
    }

    /// Sends `body` (exactly these bytes) and classifies the outcome; never throws.
    public func predict(body: [UInt8]) async -> RemoteOutcome {
        var request = HTTPClientRequest(url: predictURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/senml+json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let deadline = NIODeadline.now() + .milliseconds(timeout.milliseconds)
        do {
            let response = try await http.execute(request, deadline: deadline)
            let buffer = try await response.body.collect(upTo: 1 << 20)
            let bytes = Array(buffer.readableBytesView)
            let status = Int(response.status.code)
            switch status {
            case 200:
                do { return .answer(try PredictResponse.decode(bytes)) } catch {
                    return .failure(.badResponse, error.message)
                }
            case 400..<500:
                return .failure(.rejected, APIError.decode(status: status, body: bytes)?.description ?? "HTTP \(status)")
            default:
                return .failure(.serverError, APIError.decode(status: status, body: bytes)?.description ?? "HTTP \(status)")
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout
                    || error == .connectTimeout || error == .writeTimeout {
            return .failure(.timeout, "no answer within \(timeout.milliseconds) ms")
        } catch {
            if NIODeadline.now() >= deadline { return .failure(.timeout, "no answer within \(timeout.milliseconds) ms") }
            return .failure(.unreachable, "\(predictURL): \(error)")
        }
    }

    /// Nothing to release (the shared client lives as long as the process); kept for symmetry.
    public func shutdown() async {}
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
