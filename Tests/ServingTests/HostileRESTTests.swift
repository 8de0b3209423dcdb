import Foundation
import KWS
import Testing
@testable import Serving

/// A blocking TCP connection to a loopback port, for requests no HTTP client would send.
final class RawSocket: @unchecked Sendable {  // fd is immutable; send/recv are thread-safe
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw BrokerError("connect to 127.0.0.1:\(port) failed: errno \(errno)") }
        // A safety net, not an assertion: a read that waits this long reports a timeout instead of hanging.
        var tv = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    enum ReadEnd: Equatable { case closedByPeer, timedOut, reset }

    /// Everything the server sends until it closes the connection (or the safety timeout).
    func readToEnd() -> (bytes: [UInt8], end: ReadEnd) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out += buffer[0..<n]; continue }
            if n == 0 { return (out, .closedByPeer) }
            return (out, errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .reset)
        }
    }

    /// The status code of the first HTTP response in `bytes`.
    static func status(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}

@Suite(.serialized, .enabled(if: RESTFixtures.available)) struct HostileRESTTests {
    static func f32Body(_ samples: [Float]) throws -> [UInt8] {
        try PayloadKind.requestBody(kind: .float32, bytes: SenML.bytes(of: samples))
    }

    /// Issue 18 item 1: one request of huge finite samples killed the server (`try!` in SenML.swift).
    @Test func nonFiniteNetworkOutputIsA422AndTheServerLives() async throws {
        try await RESTFixtures.withBig { server in
            let http = RawHTTP(base: server.url)
            let huge = (0..<16000).map { $0 % 2 == 0 ? Float(3e38) : -3e38 }
            let wav = WAVBuilderForTests.float32(huge)
            let zoo = try RESTFixtures.zoo()
            let featureCount = try zoo.spotter("big").featureCount
            let bodies: [(String, [UInt8])] = [
                ("audio_f32", try Self.f32Body(huge)),
                ("audio (float WAV)", try PayloadKind.requestBody(kind: .wav16, bytes: wav)),
                ("mfcc", try PayloadKind.requestBody(kind: .mfcc, bytes: SenML.bytes(of: [Float](repeating: 3e38, count: featureCount)))),
            ]
            for (what, body) in bodies {
                let r = try await http.send(.POST, "/predict", body: body)
                #expect(r.status == 422, "\(what): \(String(decoding: r.body, as: UTF8.self))")
                #expect(http.json(r.body)?["error"] as? String == "non_finite_output", "\(what)")
                #expect(try await http.send(.GET, "/health").status == 200, "the server still answers after \(what)")
            }
        }
    }

    @Test func emptyAndNaNWAVsAre422() async throws {
        try await RESTFixtures.withBig { server in
            let http = RawHTTP(base: server.url)
            for wav in [WAVBuilderForTests.float32([]), WAVBuilderForTests.float32([0.1, .nan])] {
                let r = try await http.send(.POST, "/predict", body: try PayloadKind.requestBody(kind: .wav16, bytes: wav))
                #expect(r.status == 422 && http.json(r.body)?["error"] as? String == "bad_wav", "\(String(decoding: r.body, as: UTF8.self))")
            }
        }
    }

    @Test func headHealthIs200WithoutABody() async throws {
        try await RESTFixtures.withBig { server in
            let r = try await RawHTTP(base: server.url).send(.HEAD, "/health")
            #expect(r.status == 200)
            #expect(r.body.isEmpty)
        }
    }

    /// Issue 18 item 7: malformed chunked encoding was a 500 (the server's fault) instead of a 400.
    @Test func malformedChunkedEncodingIsA400() async throws {
        try await RESTFixtures.withBig { server in
            let s = try RawSocket(port: server.port)
            s.send("POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/senml+json\r\n\r\n"
                   + "5\r\n[{\"n\"\r\nZZZ-not-hex\r\n\r\n")
            let (bytes, _) = s.readToEnd()
            let status = RawSocket.status(bytes)
            #expect(status == 400 || (status == nil && bytes.isEmpty),
                    "a 400 or a closed connection, never a 5xx: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
            #expect(status.map { $0 < 500 } ?? true)
            #expect(try await RawHTTP(base: server.url).send(.GET, "/health").status == 200)
        }
    }

    /// Issue 18 item 7: a half-sent request head (slowloris) held its connection for good.
    @Test func aHalfSentRequestHeadIsClosedByTheServer() async throws {
        let zoo = try RESTFixtures.zoo()
        let server = try BigServer(configuration: BigServerConfiguration(port: 0, threads: 1, idleTimeoutSeconds: 0.5),
                                   logger: RESTFixtures.quietLogger) { _ in try SpotterClassifier(zoo: zoo, name: "big") }
        let running = try await server.start()
        let s = try RawSocket(port: running.port)
        s.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  // and never the rest
        let trickle = Task.detached { for _ in 0..<3 { try? await Task.sleep(for: .milliseconds(200)); s.send("a") } }
        let (_, end) = s.readToEnd()
        await trickle.value
        #expect(end == .closedByPeer || end == .reset, "the server closes the connection; got \(end)")
        #expect(try await RawHTTP(base: running.url).send(.GET, "/health").status == 200)
        await running.stop()
    }
}

/// Float WAV files for the REST tests.
enum WAVBuilderForTests {
    static func float32(_ samples: [Float]) -> [UInt8] {
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
        let data = samples.flatMap { le32($0.bitPattern) }
        let fmt = le16(3) + le16(1) + le32(16000) + le32(64000) + le16(4) + le16(32)
        let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le32(UInt32(fmt.count)) + fmt + Array("data".utf8) + le32(UInt32(data.count)) + data
        return Array("RIFF".utf8) + le32(UInt32(body.count)) + body
    }
}
