import Foundation
import Tensor

/// The labels in class-id order, as the course fixed them.
public enum Labels {
    public static let all = ["down", "stop", "right", "left", "up", "yes", "no", "go"]
}

/// `weights/manifest.json`, written by `reference/export.py`: the networks, their feature specs, and the
/// Keras-side reference results the Swift side must reproduce. Fields the Swift side does not need to run
/// are optional, so a hand-written development manifest works too.
public struct Manifest: Decodable, Sendable {
    public struct Network: Decodable, Sendable {
        public var name: String
        public var file: String
        public var labels: [String]?
        public var inputShape: [Int]
        public var features: FeatureSpec
        public var params: Int?
        public var macs: Int?
        public var sparsity: Double?
        public var zipBytes: Int?
        public var kerasTestAccuracy: Double?
        public var kerasTestAccuracyPerVoice: [String: Double]?
        /// Class ids Keras predicted for the bundled test split, in split-file order.
        public var kerasTestPredictions: [Int]?

        enum CodingKeys: String, CodingKey {
            case name, file, labels, features, params, macs, sparsity
            case inputShape = "input_shape", zipBytes = "zip_bytes", kerasTestAccuracy = "keras_test_accuracy"
            case kerasTestAccuracyPerVoice = "keras_test_accuracy_per_voice"
            case kerasTestPredictions = "keras_test_predictions"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            file = try c.decode(String.self, forKey: .file)
            labels = try c.decodeIfPresent([String].self, forKey: .labels)
            inputShape = try c.decode([Int].self, forKey: .inputShape)
            features = try c.decode(FeatureSpec.self, forKey: .features)
            params = try c.decodeIfPresent(Int.self, forKey: .params)
            macs = try c.decodeIfPresent(Int.self, forKey: .macs)
            sparsity = try c.decodeIfPresent(Double.self, forKey: .sparsity)
            zipBytes = try c.decodeIfPresent(Int.self, forKey: .zipBytes)
            kerasTestAccuracy = try c.decodeIfPresent(Double.self, forKey: .kerasTestAccuracy)
            guard Manifest.wantsReferences(decoder) else { return }
            kerasTestAccuracyPerVoice = try c.decodeIfPresent([String: Double].self, forKey: .kerasTestAccuracyPerVoice)
            kerasTestPredictions = try c.decodeIfPresent([Int].self, forKey: .kerasTestPredictions)
        }
    }

    /// One Big/Little run of the reference (Keras probabilities, same policy).
    public struct BigLittleRun: Decodable, Sendable {
        public var theta: Double
        public var budgetBytes: Int?
        public var budgetMB: Double?
        public var payload: String?
        public var requestBytes: Int?
        public var requests: Int?
        public var bytesSent: Int?
        public var costMB: Double?
        public var accuracy: Double?

        enum CodingKeys: String, CodingKey {
            case theta, payload, requests, accuracy
            case budgetBytes = "budget_bytes", budgetMB = "budget_mb", requestBytes = "request_bytes"
            case bytesSent = "bytes_sent", costMB = "cost_mb"
        }
    }

    public struct BigLittle: Decodable, Sendable {
        /// The default run (payload `defaultPayload`), flattened into this object in the JSON.
        public var run: BigLittleRun
        public var defaultPayload: String?
        public var byPayload: [String: BigLittleRun]?
        public var littleAccuracy: Double?
        public var bigAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case defaultPayload = "default_payload", byPayload = "by_payload"
            case littleAccuracy = "little_accuracy", bigAccuracy = "big_accuracy"
        }

        public init(from decoder: any Decoder) throws {
            run = try BigLittleRun(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            defaultPayload = try c.decodeIfPresent(String.self, forKey: .defaultPayload)
            byPayload = try c.decodeIfPresent([String: BigLittleRun].self, forKey: .byPayload)
            littleAccuracy = try c.decodeIfPresent(Double.self, forKey: .littleAccuracy)
            bigAccuracy = try c.decodeIfPresent(Double.self, forKey: .bigAccuracy)
        }
    }

    public struct Coop: Decodable, Sendable {
        public var models: [String]
        public var accuracy: Double?
        /// Voted class ids for the bundled test split, in split-file order.
        public var predictions: [Int]?
        public var accuracyPerVoice: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case models, accuracy, predictions
            case accuracyPerVoice = "accuracy_per_voice"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            models = try c.decode([String].self, forKey: .models)
            accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy)
            guard Manifest.wantsReferences(decoder) else { return }
            predictions = try c.decodeIfPresent([Int].self, forKey: .predictions)
            accuracyPerVoice = try c.decodeIfPresent([String: Double].self, forKey: .accuracyPerVoice)
        }
    }

    public struct DataInfo: Decodable, Sendable {
        public var testSplit: String?
        public var clips: Int?
        enum CodingKeys: String, CodingKey { case clips, testSplit = "test_split" }
    }

    public var labels: [String]
    public var networks: [Network]
    public var bigLittle: BigLittle?
    public var coop: Coop?
    public var data: DataInfo?

    enum CodingKeys: String, CodingKey {
        case labels, networks, coop, data
        case bigLittle = "big_little"
    }

    public func network(_ name: String) -> Network? { networks.first { $0.name == name } }

    static let referencesKey = CodingUserInfoKey(rawValue: "kws.manifest.references")!

    static func wantsReferences(_ decoder: any Decoder) -> Bool {
        decoder.userInfo[referencesKey] as? Bool ?? true
    }

    /// - Parameter references: also decode the per-clip Keras reference results (predictions and per-voice
    ///   accuracy of every network and of voting). Only `eval`, `coop` and the tests compare against them;
    ///   skipping them makes loading the manifest ~7× faster (about 0.8 against 6 ms here), which is a
    ///   visible part of a one-file `infer`.
    public static func load(path: String, references: Bool = true) throws(ZooError) -> Manifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ZooError("\(path): cannot read the manifest (run reference/export.py, or pass --weights DIR holding manifest.json)")
        }
        let manifest: Manifest
        do {
            let decoder = JSONDecoder()
            decoder.userInfo[referencesKey] = references
            manifest = try decoder.decode(Manifest.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ZooError("\(path): missing '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ZooError("\(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw ZooError("\(path): not a valid manifest: \(error)")
        }
        try manifest.validate(path: path)
        return manifest
    }

    /// Everything the Swift side sizes or trusts from the manifest, checked once at load: labels, unique
    /// network names, input shapes, every feature spec within `FeatureSpec.Limits`, the coop list.
    public func validate(path: String) throws(ZooError) {
        guard !labels.isEmpty, Set(labels).count == labels.count else {
            throw ZooError("\(path): 'labels' must be a non-empty list of distinct names (got \(labels))")
        }
        var seen = Set<String>()
        for n in networks {
            guard seen.insert(n.name).inserted else {
                throw ZooError("\(path): two networks are named '\(n.name)'; names must be unique")
            }
            let what = "\(path): network '\(n.name)'"
            guard !n.file.isEmpty, !n.file.hasPrefix("/"), !n.file.split(separator: "/").contains("..") else {
                throw ZooError("\(what): 'file' \(n.file) must be a path inside the weights directory")
            }
            guard !n.inputShape.isEmpty, n.inputShape.allSatisfy({ $0 > 0 }),
                  let count = ElementCount.of(n.inputShape), FeatureSpec.Limits.outputValues.contains(count) else {
                throw ZooError("\(what): input_shape \(n.inputShape) must be positive sizes holding at most \(FeatureSpec.Limits.outputValues.upperBound) values")
            }
            if let p = n.params, p <= 0 { throw ZooError("\(what): params \(p) must be positive") }
            if let l = n.labels, l.isEmpty || Set(l).count != l.count {
                throw ZooError("\(what): 'labels' must be a non-empty list of distinct names (got \(l))")
            }
            do { try n.features.validate() } catch { throw ZooError("\(what): \(error)") }
        }
        if let coop {
            guard Set(coop.models).count == coop.models.count else {
                throw ZooError("\(path): coop lists a model twice (\(coop.models)); each votes once")
            }
        }
    }
}

/// A model-zoo problem: a missing manifest or network, or a network that does not fit its features.
public struct ZooError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
