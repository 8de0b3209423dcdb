import Foundation
import KWS
import Testing
@testable import Serving

/// The real big server (real big network) on an ephemeral loopback port, poked over HTTP.
@Suite(.enabled(if: RESTFixtures.available, "needs weights/manifest.json and a dataset with test_split.txt"))
struct RESTServerTests {
    @Test func everyBadInputGetsItsErrorAndTheServerStaysUp() async throws {
        try await RESTFixtures.withBig(maxBodyBytes: 200_000) { server in
            let http = RawHTTP(base: server.url)
            for (what, body, status, code) in RESTRequestDecoderTests.badBodies {
                let r = try await http.send(.POST, "/predict", body: body)
                #expect(r.status == status, "\(what)")
                let json = try #require(http.json(r.body), "\(what): error body is not a JSON object")
                #expect(json["error"] as? String == code, "\(what)")
                #expect((json["message"] as? String)?.isEmpty == false)
                #expect(try await http.send(.GET, "/health").status == 200, "after \(what)")
            }
            // Body over the limit (declared by Content-Length): 413.
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: 300_000)
            let tooLarge = try await http.send(.POST, "/predict", body: big)
            #expect(tooLarge.status == 413 && http.json(tooLarge.body)?["error"] as? String == "body_too_large")
            // Wrong method, wrong path.
            let getPredict = try await http.send(.GET, "/predict")
            #expect(getPredict.status == 405 && getPredict.headers["Allow"].first == "POST")
            #expect(http.json(getPredict.body)?["error"] as? String == "method_not_allowed")
            #expect(try await http.send(.POST, "/health", body: []).status == 405)
            #expect(try await http.send(.DELETE, "/predict").status == 405)
            let nowhere = try await http.send(.GET, "/nowhere")
            #expect(nowhere.status == 404 && http.json(nowhere.body)?["error"] as? String == "not_found")
            let health = try await http.send(.GET, "/health")
            #expect(health.status == 200 && http.json(health.body)?["status"] as? String == "ok")
        }
    }

    /// The product's client lets an idle connection go before the server's default idle timeout would close
    /// it under a request (a request on a connection the server is closing fails with a reset).
    @Test func theClientDropsIdleConnectionsBeforeTheServerDoes() {
        #expect(Double(BigClient.idleSeconds) < BigServerConfiguration().idleTimeoutSeconds)
        #expect(Double(BigClient.idleSeconds) < BigServerConfiguration(port: 0).idleTimeoutSeconds)
    }

    /// Every payload of a real clip gets the big network's in-process answer.
    @Test func answersMatchTheNetworkInProcess() async throws {
        let zoo = try RESTFixtures.zoo()
        let clips = try RESTFixtures.dataset().clips
        let big = try SpotterClassifier(zoo: zoo, name: "big")
        let mfcc = try FeatureExtractor(spec: zoo.entry("big").features)
        try await RESTFixtures.withBig() { server in
            let http = RawHTTP(base: server.url)
            for clip in [clips[0], clips[clips.count / 2], clips[clips.count - 1]] {
                let samples = try WAVDecoder.decode(contentsOf: clip.path)
                let expected = try big.classify(samples: samples)
                let bodies: [(PayloadKind, [UInt8])] = [
                    (.wav16, try PayloadKind.requestBody(kind: .wav16, bytes: WAV16Encoder.encode(samples))),
                    (.float32, try PayloadKind.requestBody(kind: .float32, bytes: SenML.bytes(of: samples))),
                    (.mfcc, try PayloadKind.requestBody(kind: .mfcc, bytes: SenML.bytes(of: mfcc(samples)))),
                ]
                for (kind, body) in bodies {
                    let r = try await http.send(.POST, "/predict", body: body, headers: [("Content-Type", "application/senml+json")])
                    #expect(r.status == 200, "\(kind): \(String(decoding: r.body, as: UTF8.self))")
                    let got = try PredictResponse.decode(r.body)
                    #expect(got.top == expected.top, "\(clip.relativePath) \(kind)")
                    for (a, b) in zip(got.probabilities, expected.probabilities) { #expect(abs(a - b) < 1e-5) }
                    #expect(abs(got.margin - expected.margin) < 1e-5)
                }
            }
        }
    }

    @Test func tokenIsRequiredOnEveryRequest() async throws {
        try await RESTFixtures.withBig(token: "s3cret") { server in
            let http = RawHTTP(base: server.url)
            let clip = try RESTFixtures.dataset().clips[0]
            let body = try PayloadKind.requestBody(kind: .wav16, bytes: WAV16Encoder.encode(try WAVDecoder.decode(contentsOf: clip.path)))
            let none = try await http.send(.GET, "/health")
            #expect(none.status == 401 && none.headers["WWW-Authenticate"].first == "Bearer")
            #expect(http.json(none.body)?["error"] as? String == "unauthorized")
            #expect(try await http.send(.GET, "/health", headers: [("Authorization", "Bearer wrong")]).status == 401)
            #expect(try await http.send(.GET, "/health", headers: [("Authorization", "s3cret")]).status == 401)
            #expect(try await http.send(.POST, "/predict", body: body).status == 401)
            #expect(try await http.send(.GET, "/nowhere").status == 401)
            #expect(try await http.send(.GET, "/health", headers: [("Authorization", "Bearer s3cret")]).status == 200)
            #expect(try await http.send(.POST, "/predict", body: body, headers: [("Authorization", "Bearer s3cret")]).status == 200)
            #expect(BigServerConfiguration.token(explicit: nil, environment: ["KWS_NATIVE_TOKEN": "e"]) == "e")
            #expect(BigServerConfiguration.token(explicit: "x", environment: ["KWS_NATIVE_TOKEN": "e"]) == "x")
            #expect(BigServerConfiguration.token(explicit: nil, environment: [:]) == nil)
        }
    }
}
