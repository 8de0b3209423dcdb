import Foundation
import Hummingbird
import KWS
import Testing
@testable import Serving

/// `little` against real servers on loopback: the whole run, the budget, and every way the server fails.
@Suite(.enabled(if: RESTFixtures.available, "needs weights/manifest.json and a dataset with test_split.txt"))
struct RESTLittleRunTests {
    static func client(_ url: String, token: String? = nil, timeout: Duration = .seconds(60),
                       _ config: LittleRunConfiguration = .init()) throws -> LittleClient {
        let zoo = try RESTFixtures.zoo()
        return try LittleClient(little: SpotterClassifier(zoo: zoo, name: "little"), bigFeatureSpec: zoo.entry("big").features,
                                client: BigClient(server: url, token: token, timeout: timeout), configuration: config)
    }

    /// The whole split over HTTP with the defaults gives exactly the in-process Big/Little result, and the
    /// budget holds.
    @Test func wholeRunMatchesInProcessAndStaysInBudget() async throws {
        let zoo = try RESTFixtures.zoo()
        let clips = try RESTFixtures.dataset().clips
        let server = try await RESTFixtures.startBig()
        let little = try Self.client(server.url)
        let report = try await little.run(clips: clips)
        await server.stop()

        let spec = try zoo.entry("big").features
        let scores = try await BigLittleSweep.score(clips: clips, little: SpotterClassifier(zoo: zoo, name: "little"),
                                              big: SpotterClassifier(zoo: zoo, name: "big"), bigFeatureSpec: spec, payloads: [.wav16])
        let expected = BigLittleSweep.replay(scores, payload: .wav16, theta: 0.35, budgetBytes: LittleRunConfiguration.seedBudgetBytes,
                                             requestBytes: try BigLittleSweep.requestBytes(.wav16, bigFeatureSpec: spec))
        #expect(report.n == clips.count)
        #expect(report.failed == 0, "\(report.failureExamples)")
        #expect(report.requests == expected.requests && report.answered == report.requests)
        #expect(report.bytesSent == expected.bytesSent)
        #expect(report.bytesSent <= LittleRunConfiguration.seedBudgetBytes)
        #expect(report.bytesSent == report.requests * 42770)
        #expect(report.correct == Int((expected.accuracy * Double(clips.count)).rounded()))
        #expect(report.requests > 0)

        // With the trained networks on the bundled split: the Keras reference of reference/export.py, and the
        // issue's bar (at least two thirds of the little→big gap closed).
        // (The Keras run is compared when the manifest's wav16 θ is the one used here; export.py chooses θ on
        // the validation split, so it may differ.)
        if let ref = zoo.manifest.bigLittle, RESTFixtures.data == RESTFixtures.root + "/data",
           let littleAcc = ref.littleAccuracy, let bigAcc = ref.bigAccuracy {
            if let run = ref.byPayload?["wav16"], run.theta == 0.35, let refAccuracy = run.accuracy {
                #expect(report.requests == run.requests && report.bytesSent == run.bytesSent)
                #expect(report.accuracy >= refAccuracy - 1e-9)
            }
            if bigAcc > littleAcc { #expect((report.accuracy - littleAcc) / (bigAcc - littleAcc) >= 2.0 / 3.0) }
        }
    }

    @Test func budgetIsNeverCrossed() async throws {
        let clips = Array(try RESTFixtures.dataset().clips.prefix(12))
        let server = try await RESTFixtures.startBig()
        // θ above any margin: every clip is unsure. Budget: two and a half requests.
        let little = try Self.client(server.url, .init(theta: 1.01, budgetBytes: 42770 * 5 / 2))
        let report = try await little.run(clips: clips)
        await server.stop()
        #expect(report.requests == 2 && report.bytesSent == 2 * 42770)
        #expect(report.uncertain == 12 && report.overBudget == 10)
    }

    @Test func serverStoppedMidRunCountsFailuresAndFinishes() async throws {
        let clips = Array(try RESTFixtures.dataset().clips.prefix(16))
        let server = try await RESTFixtures.startBig()
        // A generous timeout: the four requests before the stop must be answered even on a loaded CI machine
        // (3 s once timed out there, with the suite's tests and a build sharing two cores); after the stop the
        // connection is refused at once, so the run does not wait for it.
        let little = try Self.client(server.url, timeout: .seconds(60), .init(theta: 1.01, payload: .mfcc))
        let report = try await little.run(clips: clips) { sent in
            if sent == 4 { await server.stop() }
        }
        #expect(report.n == 16)
        #expect(report.requests == 16)
        #expect(report.answered == 4, "\(report.failures) \(report.failureExamples)")
        #expect(report.failed == 12)
        #expect(report.failures["unreachable"] == 12, "\(report.failures)")
        #expect(report.accuracy >= 0 && report.correct <= 16)
    }

    @Test func slowServerTimesOut() async throws {
        let clips = Array(try RESTFixtures.dataset().clips.prefix(2))
        let server = try await RESTFixtures.startBig { SlowClassifier($0, delay: 2.0) }
        let little = try Self.client(server.url, timeout: .milliseconds(300), .init(theta: 1.01))
        let report = try await little.run(clips: clips)
        await server.stop()
        #expect(report.requests == 2 && report.failures["timeout"] == 2, "\(report.failures) \(report.failureExamples)")
        #expect(report.answered == 0)
    }

    @Test func wrongTokenIsARejection() async throws {
        let clips = Array(try RESTFixtures.dataset().clips.prefix(2))
        let server = try await RESTFixtures.startBig(token: "right")
        let little = try Self.client(server.url, token: "wrong", .init(theta: 1.01))
        let report = try await little.run(clips: clips)
        await server.stop()
        #expect(report.failures["rejected"] == 2 && report.answered == 0)
        #expect(report.failureExamples.first?.contains("401") == true)
    }

    /// A server that answers every request with a 500 (a Hummingbird stub, not the big server).
    @Test func serverErrorsAreCounted() async throws {
        let router = Router()
        router.post("/predict") { _, _ -> Response in Response(status: .internalServerError) }
        router.post("/g/predict") { _, _ -> String in "not senml" }
        let (ports, cont) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { cont.yield($0.localAddress?.port ?? 0); cont.finish() },
                              logger: RESTFixtures.quietLogger)
        let task = Task { try await app.run() }
        var it = ports.makeAsyncIterator()
        let port = try #require(await it.next())
        let clips = Array(try RESTFixtures.dataset().clips.prefix(3))
        // A generous timeout: this test is about classifying 500s. Once, on a CI run sharing the machine with a
        // release build, it failed with the 10 s default; which outcome the requests got was not recorded (the
        // message now prints it).
        let report = try await Self.client("http://127.0.0.1:\(port)", timeout: .seconds(60), .init(theta: 1.01)).run(clips: clips)
        #expect(report.failures["server_error"] == 3 && report.answered == 0, "\(report.failures) \(report.failureExamples)")
        let garbage = await BigClient(server: "http://127.0.0.1:\(port)/g").predict(body: [])
        if case .failure(let kind, _) = garbage { #expect(kind == .badResponse) } else { Issue.record("garbage accepted") }
        task.cancel()
        _ = await task.result
    }
}
