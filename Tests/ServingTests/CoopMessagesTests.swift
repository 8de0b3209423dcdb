import Foundation
import Testing
@testable import Serving

/// The payload parsed by Foundation's JSON parser (not by the codec under test), string fields only.
private func jsonRecords(_ bytes: [UInt8]) throws -> [[String: String]] {
    let any = try JSONSerialization.jsonObject(with: Data(bytes))
    return try #require(any as? [[String: String]])
}

@Suite struct CoopMessagesTests {
    @Test func requestHasTheDocumentedWireForm() throws {
        let bytes = try CoopMFCCRequest(clipID: "r1-7", shape: [1, 2, 1], features: [1.0, -2.0]).encoded()
        // 1.0f = 00 00 80 3F, -2.0f = 00 00 00 C0 (little endian) → base64 "AACAPwAAAMA="
        #expect(try jsonRecords(bytes) == [["bn": "urn:kws:clip:r1-7:", "n": "shape", "vs": "1,2,1"],
                                           ["n": "mfcc", "vd": "AACAPwAAAMA="]])
    }

    @Test func replyHasTheDocumentedWireForm() throws {
        let bytes = try CoopLogitsReply(clipID: "r1-7", model: "coop3", logits: [1.0]).encoded()
        #expect(try jsonRecords(bytes) == [["bn": "urn:kws:clip:r1-7:", "n": "model", "vs": "coop3"],
                                           ["n": "logits", "vd": "AACAPw=="]])
    }

    @Test func requestRoundTrips() throws {
        let features = testFeatures(3)
        let r = CoopMFCCRequest(clipID: "abc-3", shape: [49, 32, 1], features: features, time: 1.7e9)
        let back = try CoopMFCCRequest.decode(r.encoded())
        #expect(back == r)
    }

    @Test func replyRoundTrips() throws {
        let r = CoopLogitsReply(clipID: "x-1", model: "coop5", logits: [0.25, -3.5, 1e-7, 42])
        #expect(try CoopLogitsReply.decode(r.encoded()) == r)
    }

    @Test(arguments: [
        ("", "not JSON"),
        ("{\"bn\":\"x\"}", "not a SenML"),
        ("[{\"n\":\"mfcc\",\"vd\":\"AACAPw==\"}]", "base name"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"shape\",\"vs\":\"1,1,1\"}]", "no 'mfcc'"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"mfcc\",\"vd\":\"AACAPw==\"}]", "no 'shape'"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"shape\",\"vs\":\"2,1,1\"},{\"n\":\"mfcc\",\"vd\":\"AACAPw==\"}]", "needs 2"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"shape\",\"vs\":\"0,-1\"},{\"n\":\"mfcc\",\"vd\":\"AACAPw==\"}]", "positive"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"shape\",\"vs\":\"1\"},{\"n\":\"mfcc\",\"vd\":\"AACA\"}]", "whole number"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"shape\",\"vs\":\"1\"},{\"n\":\"mfcc\",\"vd\":\"AADAfw==\"}]", "NaN"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"shape\",\"vs\":\"1\"},{\"n\":\"mfcc\",\"vd\":\"!!!\"}]", "base64"),
    ])
    func malformedRequestsAreRejectedWithAReason(payload: String, reason: String) {
        #expect {
            _ = try CoopMFCCRequest.decode(Array(payload.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test(arguments: [
        ("[]", "base name"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"logits\",\"vd\":\"AACAPw==\"}]", "'model'"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"model\",\"vs\":\"coop1\"}]", "'logits'"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"model\",\"vs\":\"coop1\"},{\"n\":\"logits\",\"vd\":\"AACAfw==\"}]", "infinite"),
        ("[{\"bn\":\"urn:kws:clip:a:\",\"n\":\"model\",\"v\":3},{\"n\":\"logits\",\"vd\":\"AACAPw==\"}]", "'model'"),
    ])
    func malformedRepliesAreRejectedWithAReason(payload: String, reason: String) {
        #expect {
            _ = try CoopLogitsReply.decode(Array(payload.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func sharedSubscriptionTopic() {
        let t = CoopTopics(prefix: "lab")
        #expect(t.mfccSubscription(shareGroup: nil) == "lab/mfcc")
        #expect(t.mfccSubscription(shareGroup: "coop2") == "$share/coop2/lab/mfcc")
        #expect(t.result == "lab/result")
    }

    @Test func brokerURLs() throws {
        let o = try MQTTOptions.parse(url: "mqtt://user:pw@10.0.0.2:1999")
        #expect(o.host == "10.0.0.2" && o.port == 1999 && o.username == "user" && o.password == "pw" && o.tls == nil)
        let s = try MQTTOptions.parse(url: "mqtts://broker.example")
        #expect(s.port == 8883 && s.tls != nil)
        #expect(throws: MQTTError.badURL("http://x")) { try MQTTOptions.parse(url: "http://x") }
    }
}
