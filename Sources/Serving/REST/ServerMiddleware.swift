import Foundation
import Hummingbird
import Logging

/// One info line per request: method, path, status, bytes in and out, latency.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
        let bytesIn = request.headers[.contentLength] ?? "-"
        let bytesOut = response.body.contentLength.map(String.init) ?? "-"
        logger.info("\(request.method) \(request.uri.path) \(response.status.code) in=\(bytesIn)B out=\(bytesOut)B \(String(format: "%.2f", ms))ms")
        return response
    }
}

/// Turns every failure into a JSON error body with its 4xx/5xx status; a known path with the wrong method
/// is a 405 (Hummingbird's router says 404 for both).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// path → allowed methods
    let routes: [String: [HTTPRequest.Method]]
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response()
        } catch let error as HTTPError {
            if error.status == .notFound {
                if let allowed = routes[request.uri.path] {
                    var response = APIError(405, "method_not_allowed",
                                            "\(request.method) \(request.uri.path) is not served; use \(allowed.map(\.rawValue).joined(separator: " or "))").response()
                    response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                    return response
                }
                return APIError(404, "not_found", "no route \(request.uri.path); the server has \(routes.keys.sorted().joined(separator: ", "))").response()
            }
            return APIError(Int(error.status.code), "http_error", error.body ?? error.status.reasonPhrase).response()
        } catch {
            logger.error("unexpected error on \(request.method) \(request.uri.path): \(error)")
            return APIError(500, "internal_error", "the server failed: \(error)").response()
        }
    }
}

/// Every request must carry `Authorization: Bearer <token>`.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = request.headers[.authorization]
        guard let given, given.hasPrefix("Bearer "), constantTimeEqual(Array(given.utf8.dropFirst(7)), Array(token.utf8)) else {
            var response = APIError(401, "unauthorized", given == nil
                                    ? "missing 'Authorization: Bearer <token>' header"
                                    : "wrong bearer token").response()
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

extension APIError {
    func response() -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }
}
