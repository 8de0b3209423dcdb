import Foundation

/// A request the server refuses: an HTTP status and a JSON body that says what was wrong,
/// `{"status":422,"error":"wrong_sample_rate","message":"…"}`.
public struct APIError: Error, CustomStringConvertible, Sendable, Equatable {
    public var status: Int
    /// A stable machine-readable code (snake_case).
    public var code: String
    public var message: String

    public init(_ status: Int, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    public var jsonBody: [UInt8] {
        struct Body: Encodable { let status: Int; let error: String; let message: String }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(Body(status: status, error: code, message: message))) ?? Data("{}".utf8))
    }

    /// Decodes an error body as the server writes it; nil if it is not one.
    public static func decode(status: Int, body: [UInt8]) -> APIError? {
        struct Body: Decodable { let error: String; let message: String }
        guard let b = try? JSONDecoder().decode(Body.self, from: Data(body)) else { return nil }
        return APIError(status, b.error, b.message)
    }
}
