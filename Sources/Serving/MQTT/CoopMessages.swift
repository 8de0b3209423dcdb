import Foundation

/// Topics of the cooperative protocol under a prefix (default `kws`).
public struct CoopTopics: Sendable, Equatable {
    public var prefix: String
    public init(prefix: String = "kws") { self.prefix = prefix }
    /// Where the client publishes each clip's MFCC.
    public var mfcc: String { "\(prefix)/mfcc" }
    /// Where every worker publishes its logits.
    public var result: String { "\(prefix)/result" }
    /// The MFCC topic as a worker subscribes to it: through an MQTT 5 shared subscription when a group
    /// is given, so that replicas of one model split the clips between them.
    public func mfccSubscription(shareGroup: String?) -> String {
        shareGroup.map { "$share/\($0)/\(mfcc)" } ?? mfcc
    }
}

public struct CoopMessageError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Clip ids travel in the SenML base name: `urn:kws:clip:<id>:`.
enum CoopClipName {
    static let prefix = "urn:kws:clip:"

    static func baseName(_ clipID: String) -> String { "\(prefix)\(clipID):" }

    static func clipID(in pack: SenMLPack, what: String) throws(CoopMessageError) -> String {
        guard let bn = pack.records.first?.baseName, bn.hasPrefix(prefix), bn.hasSuffix(":"),
              bn.count > prefix.count + 1 else {
            throw CoopMessageError("\(what): the first record's base name must be '\(prefix)<clip id>:'")
        }
        return String(bn.dropFirst(prefix.count).dropLast())
    }

    static func isValid(_ clipID: String) -> Bool {
        !clipID.isEmpty && !clipID.contains(":") && !clipID.contains("/")
    }
}

/// A clip's MFCC, published on `<prefix>/mfcc`:
/// `[{"bn":"urn:kws:clip:<id>:","bt":<unix s>,"n":"shape","vs":"49,32,1"},{"n":"mfcc","vd":"<base64 float32 LE>"}]`
public struct CoopMFCCRequest: Sendable, Equatable {
    public var clipID: String
    public var shape: [Int]
    public var features: [Float]
    public var time: Double?

    public init(clipID: String, shape: [Int], features: [Float], time: Double? = nil) {
        self.clipID = clipID; self.shape = shape; self.features = features; self.time = time
    }

    public func encoded() -> [UInt8] {
        precondition(CoopClipName.isValid(clipID), "clip id '\(clipID)' must be non-empty, without ':' or '/'")
        return SenMLPack(records: [
            SenMLRecord(baseName: CoopClipName.baseName(clipID), baseTime: time, name: "shape",
                        stringValue: shape.map(String.init).joined(separator: ",")),
            SenMLRecord(name: "mfcc", dataValue: SenML.bytes(of: features)),
        ]).encoded()
    }

    /// Checks everything a worker relies on: a SenML pack, a clip id, a shape of positive sizes, and
    /// exactly as many finite float32 values as the shape holds.
    public static func decode(_ bytes: [UInt8]) throws(CoopMessageError) -> CoopMFCCRequest {
        let what = "MFCC request"
        let pack: SenMLPack
        do { pack = try SenMLPack.decode(bytes) } catch { throw CoopMessageError("\(what): \(error)") }
        let clipID = try CoopClipName.clipID(in: pack, what: what)
        let shapeRecord: SenMLRecord?
        let mfccRecord: SenMLRecord?
        do {
            shapeRecord = try pack.record(named: "shape")
            mfccRecord = try pack.record(named: "mfcc")
        } catch { throw CoopMessageError("\(what) for clip \(clipID): \(error)") }
        guard let shapeText = shapeRecord?.stringValue else {
            throw CoopMessageError("\(what) for clip \(clipID): no 'shape' record with a string value like \"49,32,1\"")
        }
        let shape = shapeText.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !shape.isEmpty, shape.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 1 << 16 }) else {
            throw CoopMessageError("\(what) for clip \(clipID): shape '\(shapeText)' is not a list of positive sizes")
        }
        let dims = shape.map { $0! }
        guard let data = mfccRecord?.dataValue else {
            throw CoopMessageError("\(what) for clip \(clipID): no 'mfcc' record with a 'vd' value")
        }
        guard let features = SenML.floats(from: data) else {
            throw CoopMessageError("\(what) for clip \(clipID): 'mfcc' has \(data.count) bytes, not a whole number of float32")
        }
        let expected = dims.reduce(1, *)
        guard features.count == expected else {
            throw CoopMessageError("\(what) for clip \(clipID): \(features.count) values, shape \(shapeText) needs \(expected)")
        }
        guard features.allSatisfy(\.isFinite) else {
            throw CoopMessageError("\(what) for clip \(clipID): 'mfcc' holds NaN or infinite values")
        }
        return CoopMFCCRequest(clipID: clipID, shape: dims, features: features, time: pack.records[0].baseTime)
    }
}

/// One worker's answer for one clip, published on `<prefix>/result`:
/// `[{"bn":"urn:kws:clip:<id>:","n":"model","vs":"coop3"},{"n":"logits","vd":"<base64 float32 LE>"}]`
public struct CoopLogitsReply: Sendable, Equatable {
    public var clipID: String
    public var model: String
    public var logits: [Float]

    public init(clipID: String, model: String, logits: [Float]) {
        self.clipID = clipID; self.model = model; self.logits = logits
    }

    public func encoded() -> [UInt8] {
        SenMLPack(records: [
            SenMLRecord(baseName: CoopClipName.baseName(clipID), name: "model", stringValue: model),
            SenMLRecord(name: "logits", dataValue: SenML.bytes(of: logits)),
        ]).encoded()
    }

    public static func decode(_ bytes: [UInt8]) throws(CoopMessageError) -> CoopLogitsReply {
        let what = "logits reply"
        let pack: SenMLPack
        do { pack = try SenMLPack.decode(bytes) } catch { throw CoopMessageError("\(what): \(error)") }
        let clipID = try CoopClipName.clipID(in: pack, what: what)
        let modelRecord: SenMLRecord?
        let logitsRecord: SenMLRecord?
        do {
            modelRecord = try pack.record(named: "model")
            logitsRecord = try pack.record(named: "logits")
        } catch { throw CoopMessageError("\(what) for clip \(clipID): \(error)") }
        guard let model = modelRecord?.stringValue, !model.isEmpty else {
            throw CoopMessageError("\(what) for clip \(clipID): no 'model' record with a non-empty string value")
        }
        guard let data = logitsRecord?.dataValue, let logits = SenML.floats(from: data), !logits.isEmpty else {
            throw CoopMessageError("\(what) for clip \(clipID) from \(model): no 'logits' record holding float32 values")
        }
        guard logits.allSatisfy(\.isFinite) else {
            throw CoopMessageError("\(what) for clip \(clipID) from \(model): logits hold NaN or infinite values")
        }
        return CoopLogitsReply(clipID: clipID, model: model, logits: logits)
    }
}
