import Foundation
import Tensor

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

/// Bounds on what a cooperative message may claim, checked before anything is sized from it.
public enum CoopLimits {
    /// Dimensions of a feature shape, at most.
    public static let maxRank = 8
    /// Values of one clip's features, at most (49×32 MFCC is 1568; a 64×64 spectrogram 4096).
    public static let maxFeatureValues = 1 << 16
    /// Logits of one reply, at most.
    public static let maxLogits = 1024
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
        let id = String(bn.dropFirst(prefix.count).dropLast())
        guard isValid(id) else {
            throw CoopMessageError("\(what): clip id '\(id.prefix(64))' must be 1 to \(maxLength) characters, without ':' or '/'")
        }
        return id
    }

    static let maxLength = 128

    static func isValid(_ clipID: String) -> Bool {
        !clipID.isEmpty && clipID.utf8.count <= maxLength && !clipID.contains(":") && !clipID.contains("/")
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

    /// The wire form; throws for a request a worker would refuse (the same checks as `decode`).
    public func encoded() throws(CoopMessageError) -> [UInt8] {
        let what = "MFCC request"
        guard CoopClipName.isValid(clipID) else {
            throw CoopMessageError("\(what): clip id '\(clipID)' must be non-empty, without ':' or '/'")
        }
        let count = try Self.checkedCount(shape, what: "\(what) for clip \(clipID)", text: shape.map(String.init).joined(separator: ","))
        guard features.count == count else {
            throw CoopMessageError("\(what) for clip \(clipID): \(features.count) values, shape \(shape) needs \(count)")
        }
        guard features.allSatisfy(\.isFinite) else {
            throw CoopMessageError("\(what) for clip \(clipID): the features hold NaN or infinite values")
        }
        do {
            return try SenMLPack(records: [
                SenMLRecord(baseName: CoopClipName.baseName(clipID), baseTime: time, name: "shape",
                            stringValue: shape.map(String.init).joined(separator: ",")),
                SenMLRecord(name: "mfcc", dataValue: SenML.bytes(of: features)),
            ]).encoded()
        } catch {
            throw CoopMessageError("\(what) for clip \(clipID): \(error)")
        }
    }

    /// Values a shape holds: positive sizes, at most `CoopLimits.maxRank` of them, a product (checked
    /// for overflow) of at most `CoopLimits.maxFeatureValues`.
    static func checkedCount(_ dims: [Int], what: String, text: String) throws(CoopMessageError) -> Int {
        guard !dims.isEmpty, dims.count <= CoopLimits.maxRank, dims.allSatisfy({ $0 > 0 }) else {
            throw CoopMessageError("\(what): shape '\(text)' is not a list of 1 to \(CoopLimits.maxRank) positive sizes")
        }
        guard let count = ElementCount.of(dims, limit: CoopLimits.maxFeatureValues) else {
            throw CoopMessageError("\(what): shape '\(text)' holds more than \(CoopLimits.maxFeatureValues) values")
        }
        return count
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
        let parsed = shapeText.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.count <= CoopLimits.maxRank else {
            throw CoopMessageError("\(what) for clip \(clipID): shape '\(shapeText.prefix(64))' is not a list of 1 to \(CoopLimits.maxRank) positive sizes")
        }
        let dims = parsed.map { $0 ?? 0 }
        let expected = try checkedCount(dims, what: "\(what) for clip \(clipID)", text: String(shapeText.prefix(64)))
        guard let data = mfccRecord?.dataValue else {
            throw CoopMessageError("\(what) for clip \(clipID): no 'mfcc' record with a 'vd' value")
        }
        guard let features = SenML.floats(from: data) else {
            throw CoopMessageError("\(what) for clip \(clipID): 'mfcc' has \(data.count) bytes, not a whole number of float32")
        }
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

    /// The wire form; throws for a reply the client would refuse (non-finite logits, a bad clip id).
    public func encoded() throws(CoopMessageError) -> [UInt8] {
        let what = "logits reply"
        guard CoopClipName.isValid(clipID), !model.isEmpty else {
            throw CoopMessageError("\(what): clip id '\(clipID)' and model '\(model)' must be non-empty (the id without ':' or '/')")
        }
        guard !logits.isEmpty, logits.count <= CoopLimits.maxLogits, logits.allSatisfy(\.isFinite) else {
            throw CoopMessageError("\(what) for clip \(clipID) from \(model): \(logits.count) logits; 1 to \(CoopLimits.maxLogits) finite values needed")
        }
        do {
            return try SenMLPack(records: [
                SenMLRecord(baseName: CoopClipName.baseName(clipID), name: "model", stringValue: model),
                SenMLRecord(name: "logits", dataValue: SenML.bytes(of: logits)),
            ]).encoded()
        } catch {
            throw CoopMessageError("\(what) for clip \(clipID): \(error)")
        }
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
        guard let data = logitsRecord?.dataValue, let logits = SenML.floats(from: data), !logits.isEmpty,
              logits.count <= CoopLimits.maxLogits else {
            throw CoopMessageError("\(what) for clip \(clipID) from \(model): no 'logits' record holding float32 values")
        }
        guard logits.allSatisfy(\.isFinite) else {
            throw CoopMessageError("\(what) for clip \(clipID) from \(model): logits hold NaN or infinite values")
        }
        return CoopLogitsReply(clipID: clipID, model: model, logits: logits)
    }
}
