import Foundation
import KWS
import Testing
@testable import Serving

/// Wire formats of the REST transport, checked against hand-computed bytes and the KWS WAV decoder.
@Suite struct RESTCodecTests {
    @Test func wav16HeaderIsCanonicalAndDecodesBack() throws {
        let samples: [Float] = [0, 0.5, -0.5, 32767.0 / 32768, -1, 0.25]
        let bytes = WAV16Encoder.encode(samples)
        #expect(bytes.count == 44 + 2 * samples.count)
        #expect(Array(bytes[0..<4]) == Array("RIFF".utf8))
        #expect(Array(bytes[8..<16]) == Array("WAVEfmt ".utf8))
        #expect(Array(bytes[24..<28]) == [0x80, 0x3E, 0, 0])          // 16000 Hz
        #expect(Array(bytes[28..<32]) == [0x00, 0x7D, 0, 0])          // 32000 bytes/s
        #expect(Array(bytes[34..<36]) == [16, 0])                     // 16 bits
        #expect(Array(bytes[46..<48]) == [0x00, 0x40])                // 0.5 → 16384 little-endian
        #expect(Array(bytes[48..<50]) == [0x00, 0xC0])                // -0.5 → -16384
        let back = try WAVDecoder.parse(bytes)
        #expect(back.sampleRate == 16000 && back.channels == 1 && back.bitsPerSample == 16)
        #expect(back.samples == samples)
    }

    @Test func wav16ClipsOutOfRangeSamples() throws {
        let back = try WAVDecoder.parse(WAV16Encoder.encode([2, -3, .nan]))
        #expect(back.samples == [32767.0 / 32768, -1, 0])
    }

    /// Sizes as reference/export.py computes them: compact JSON, one record, base64 of the payload bytes.
    @Test(arguments: [(PayloadKind.wav16, "audio", 44 + 32000), (.float32, "audio_f32", 64000), (.mfcc, "mfcc", 1960)])
    func requestBodyIsCompactAndSizedLikeTheReference(kind: PayloadKind, name: String, payloadBytes: Int) throws {
        let body = try PayloadKind.requestBody(kind: kind, bytes: [UInt8](repeating: 7, count: payloadBytes))
        let envelope = "[{\"bn\":\"kws-native:\",\"n\":\"\(name)\",\"vd\":\"\"}]".utf8.count
        #expect(body.count == envelope + 4 * ((payloadBytes + 2) / 3))
        let text = String(decoding: body, as: UTF8.self)
        #expect(!text.contains(" ") && !text.contains("\n") && !text.contains("\\/"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(parsed.count == 1 && parsed[0]["n"] as? String == name)
        #expect(Data(base64Encoded: parsed[0]["vd"] as! String).map(Array.init) == [UInt8](repeating: 7, count: payloadBytes))
    }

    @Test func builderSizesMatchTheSeedArithmetic() throws {
        let spec = FeatureSpec.mfcc(coefficients: 10)
        #expect(try BigLittleSweep.requestBytes(.wav16, bigFeatureSpec: spec) == 42770)
        #expect(try BigLittleSweep.requestBytes(.float32, bigFeatureSpec: spec) == 85382)   // ~0.08 MB, the seed's
        #expect(try BigLittleSweep.requestBytes(.mfcc, bigFeatureSpec: spec) == 2657)
        // 4.5·2^20 bytes: 55 float32 requests (seed: "at most 56" with ~0.08 MB), 110 wav16, 1775 mfcc.
        #expect(LittleRunConfiguration.seedBudgetBytes / 85382 == 55)
        #expect(LittleRunConfiguration.seedBudgetBytes / 42770 == 110)
    }

    /// The byte-level base64 decoder against Foundation's, on every length 0…200 and both alphabets.
    @Test func base64MatchesFoundation() {
        var rng = SystemRandomNumberGenerator()
        for n in 0...200 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let standard = Data(bytes).base64EncodedString()
            #expect(SenML.decodeBase64(standard) == bytes, "length \(n)")
            let url = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(SenML.decodeBase64(url) == bytes, "base64url, length \(n)")
        }
        for bad in ["A", "AAAAA", "AA AA", "AA\nA", "@@@@", "AA=A", "A===", "ÄÄÄÄ", "AAA=="] {
            #expect(SenML.decodeBase64(bad) == nil, "\(bad)")
        }
    }

    @Test func packErrorsSayWhatWasWrong() throws {
        #expect(throws: SenMLError.self) { try SenMLPack.decode(Array("{".utf8)) }
        do { _ = try SenMLPack.decode(Array("{}".utf8)) } catch { #expect(error as? SenMLError == .notSenML("top level is not an array")) }
        do { _ = try SenMLPack.decode(Array("nope".utf8)) } catch {
            guard case .notJSON = error as? SenMLError else { Issue.record("\(error)"); return }
        }
        #expect(try SenMLPack.decode(Array("[{\"n\":\"a\",\"v\":1,\"extra\":[1]}]".utf8)).records == [SenMLRecord(name: "a", value: 1)])
    }

    @Test func responseRoundTrips() throws {
        let labels = ["down", "stop", "right"]
        let scores = Scores(probabilities: [0.2, 0.7, 0.1])
        let body = try PredictResponse.encode(scores, labels: labels, model: "big")
        let back = try PredictResponse.decode(body)
        #expect(back == scores && back.top == 1 && back.label(in: labels) == "stop")
        #expect(abs(back.margin - 0.5) < 1e-6)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(records[0]["bn"] as? String == "kws-native:big:" && records[0]["vs"] as? String == "stop")
        #expect(throws: APIError.self) { try PredictResponse.decode(Array("[{\"n\":\"label\",\"vs\":\"x\"}]".utf8)) }
        // A label_id that is not the top class of its own probabilities is not an answer.
        let forged = Array(#"[{"n":"label_id","v":0},{"n":"p:down","v":0.2},{"n":"p:stop","v":0.7}]"#.utf8)
        #expect(throws: APIError.self) { try PredictResponse.decode(forged) }
    }
}

/// Every malformed body gets the right status and error code, without a server.
@Suite struct RESTRequestDecoderTests {
    let decoder = PredictRequestDecoder(featureCount: 490)

    static func pack(_ records: [[String: Any]]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: records))
    }
    static func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static let clip = (0..<8000).map { Float(($0 % 200) - 100) / 128 }

    /// A stereo 16 kHz 16-bit WAV, written by hand.
    static let stereoWAV: [UInt8] = {
        var w = WAV16Encoder.encode([0, 0, 0, 0])
        w[22] = 2; w[32] = 4; w[28] = 0x00; w[29] = 0xFA  // channels 2, block align 4, byte rate 64000
        return w
    }()

    static let badBodies: [(String, [UInt8], Int, String)] = [
        ("not JSON", Array("hello".utf8), 400, "not_json"),
        ("empty body", [], 400, "not_json"),
        ("JSON object, not a pack", Array("{\"n\":\"audio\"}".utf8), 400, "not_senml"),
        ("array of numbers", Array("[1,2]".utf8), 400, "not_senml"),
        ("name of the wrong type", pack([["n": 5, "vd": "AAAA"]]), 400, "not_senml"),
        ("bad base64", pack([["n": "audio", "vd": "@@@=!"]]), 400, "bad_base64"),
        ("no audio record", pack([["n": "temperature", "v": 21]]), 422, "missing_record"),
        ("empty pack", pack([]), 422, "missing_record"),
        ("audio without vd", pack([["n": "audio", "v": 1]]), 422, "missing_data"),
        ("duplicate audio", pack([["n": "audio", "vd": b64(WAV16Encoder.encode(clip))], ["n": "audio", "vd": b64(WAV16Encoder.encode(clip))]]), 422, "duplicate_record"),
        ("audio and mfcc", pack([["n": "audio", "vd": b64(WAV16Encoder.encode(clip))], ["n": "mfcc", "vd": b64([UInt8](repeating: 0, count: 1960))]]), 422, "duplicate_record"),
        ("not a WAV", pack([["n": "audio", "vd": b64(Array("definitely not RIFF data".utf8))]]), 422, "bad_wav"),
        ("truncated WAV", pack([["n": "audio", "vd": b64(Array(WAV16Encoder.encode(clip).prefix(30)))]]), 422, "bad_wav"),
        ("8 kHz", pack([["n": "audio", "vd": b64(WAV16Encoder.encode(clip, sampleRate: 8000))]]), 422, "wrong_sample_rate"),
        ("stereo", pack([["n": "audio", "vd": b64(stereoWAV)]]), 422, "not_mono"),
        ("too long", pack([["n": "audio", "vd": b64(WAV16Encoder.encode([Float](repeating: 0.1, count: 16001)))]]), 422, "audio_too_long"),
        ("float32 too long", pack([["n": "audio_f32", "vd": b64(SenML.bytes(of: [Float](repeating: 0, count: 20000)))]]), 422, "audio_too_long"),
        ("float32 odd bytes", pack([["n": "audio_f32", "vd": b64([1, 2, 3, 4, 5])]]), 422, "bad_float32"),
        ("float32 NaN", pack([["n": "audio_f32", "vd": b64(SenML.bytes(of: [0, .nan]))]]), 422, "bad_samples"),
        ("mfcc wrong size", pack([["n": "mfcc", "vd": b64(SenML.bytes(of: [Float](repeating: 0, count: 489)))]]), 422, "bad_features"),
    ]

    @Test(arguments: badBodies.indices)
    func badBodyGetsItsError(index: Int) {
        let (what, body, status, code) = Self.badBodies[index]
        do {
            _ = try decoder.decode(body)
            Issue.record("\(what): accepted")
        } catch {
            #expect(error.status == status, "\(what): \(error)")
            #expect(error.code == code, "\(what): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func goodBodiesDecode() throws {
        let wav = try decoder.decode(Self.pack([["bn": "dev7:", "n": "audio", "vd": Self.b64(WAV16Encoder.encode(Self.clip))]]))
        guard case .samples(let s) = wav else { Issue.record("not samples"); return }
        #expect(s.count == 16000 && Array(s[0..<8000]) == Self.clip && s[8000...].allSatisfy { $0 == 0 })

        let floats: [Float] = [0.1, -0.2, 0.3]
        let f32 = try decoder.decode(PayloadKind.requestBody(kind: .float32, bytes: SenML.bytes(of: floats)))
        guard case .samples(let g) = f32 else { Issue.record("not samples"); return }
        #expect(Array(g[0..<3]) == floats && g.count == 16000)

        let mfcc = (0..<490).map { Float($0) * 0.5 - 100 }
        // base64url without padding is accepted too (RFC 8428 §4.3)
        let url = Self.b64(SenML.bytes(of: mfcc)).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(try decoder.decode(Self.pack([["n": "mfcc", "vd": url]])) == .features(mfcc))
    }
}

/// The pool never runs more jobs at once than it has threads, each job sees its own thread's worker,
/// and a full queue fails fast.
@Suite struct RESTInferencePoolTests {
    final class Worker { let id: Int; init(_ id: Int) { self.id = id } }
    final class Gauge: @unchecked Sendable {
        let lock = NSLock(); var now = 0; var peak = 0; var seen = Set<Int>()
        func enter(_ id: Int) { lock.lock(); now += 1; peak = max(peak, now); seen.insert(id); lock.unlock() }
        func leave() { lock.lock(); now -= 1; lock.unlock() }
    }

    @Test func boundedAndEachJobOnAWorker() async throws {
        let pool = try InferencePool(threads: 64, maxQueued: 1000) { Worker($0) }
        #expect(pool.threads <= ProcessInfo.processInfo.activeProcessorCount)
        let gauge = Gauge()
        let ids = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    try await pool.run { w in gauge.enter(w.id); Thread.sleep(forTimeInterval: 0.002); gauge.leave(); return w.id }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(ids.count == 100)
        #expect(gauge.peak <= pool.threads)
        #expect(gauge.seen.isSubset(of: Set(0..<pool.threads)))
        pool.shutdown()
        await #expect(throws: InferencePoolError.stopped) { try await pool.run { $0.id } }
    }

    @Test func fullQueueIsBusy() async throws {
        let pool = try InferencePool(threads: 1, maxQueued: 2) { Worker($0) }
        let gate = NSCondition()
        nonisolated(unsafe) var open = false
        let started = Gauge()
        func blocker() -> Task<Int, any Error> {
            Task { try await pool.run { w in started.enter(w.id); gate.withLock { while !open { gate.wait() } }; return 0 } }
        }
        var blockers = [blocker()]
        while started.lock.withLock({ started.now }) < 1 { try await Task.sleep(for: .milliseconds(5)) }  // one running
        blockers += [blocker(), blocker()]
        while pool.queued < 2 { try await Task.sleep(for: .milliseconds(5)) }  // two waiting
        do {
            _ = try await pool.run { _ in 1 }
            Issue.record("a fourth job was accepted with one running and two queued (maxQueued 2)")
        } catch let error as InferencePoolError {
            guard case .busy = error else { Issue.record("expected busy, got \(error)"); return }
        }
        gate.withLock { open = true; gate.broadcast() }
        for b in blockers { #expect(try await b.value == 0) }
        pool.shutdown()
    }
}
