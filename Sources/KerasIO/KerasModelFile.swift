#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An error reading a Keras model file; names the file and, where there is one, the layer.
public struct KerasFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let layer: String
    public let reason: String
    public init(file: String, layer: String = "", reason: String) {
        self.file = file
        self.layer = layer
        self.reason = reason
    }
    public var description: String { layer.isEmpty ? "\(file): \(reason)" : "\(file): layer '\(layer)': \(reason)" }
}

/// One variable of a layer: its short name (kernel, bias, gamma, beta, moving_mean, ...), where it was read
/// from (for messages), its shape and its values, row-major.
public struct KerasWeight: Sendable {
    public let name: String
    public let path: String
    public let shape: [Int]
    public let values: [Float]
}

/// What the Keras loader needs of a model file, whichever format it is in: the model's config (the JSON of
/// `{"class_name": "Sequential" | "Functional", "config": {...}}`) and each layer's variables by name.
public protocol KerasModelSource: AnyObject {
    var path: String { get }
    var modelConfigJSON: String { get }
    /// The variables of layer `name`, in the order Keras created them; empty when the layer has none (an
    /// activation, a pooling layer, ...). An error only when they are there and cannot be read.
    func weights(ofLayer name: String) throws -> [KerasWeight]
}

public enum KerasModelFile {
    /// Opens a legacy Keras `.h5` (HDF5 with `model_config` and `model_weights/`) or a Keras 3 `.keras` (a zip
    /// of config.json, metadata.json and model.weights.h5), told apart by their first bytes.
    public static func open(path: String) throws -> any KerasModelSource {
        if try isZip(path) { return try Keras3File(path: path) }
        return try KerasH5File(path: path)
    }

    private static func isZip(_ path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw KerasFileError(file: path, reason: !exists ? "no such file" : isDirectory.boolValue ? "is a directory, expected a Keras model file" : "cannot open")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return head == Data([0x50, 0x4B, 0x03, 0x04])                 // "PK\3\4": a zip's first local header
    }
}

/// A legacy Keras `.h5` (what `model.save("x.h5")` writes, Keras 2 or 3): the root attribute `model_config`,
/// and `model_weights/<layer>/` whose attribute `weight_names` lists the layer's datasets.
final class KerasH5File: KerasModelSource {
    let path: String
    let modelConfigJSON: String
    private let file: HDF5File

    init(path: String) throws {
        self.path = path
        do {
            file = try HDF5File(path: path)
        } catch let e as HDF5Error {
            throw KerasFileError(file: path, reason: e.reason)
        }
        do {
            modelConfigJSON = try file.stringAttribute("model_config")
        } catch {
            throw KerasFileError(file: path, reason: "no readable 'model_config' attribute: not a Keras .h5 model file (\(error))")
        }
    }

    func weights(ofLayer name: String) throws -> [KerasWeight] {
        let group = "model_weights/\(name)"
        func fail(_ reason: String) -> KerasFileError { KerasFileError(file: path, layer: name, reason: reason) }
        guard file.exists(group) else { return [] }
        let names = (try? file.stringListAttribute("weight_names", of: group)) ?? []
        return try names.map { n in
            let path = "\(group)/\(n)"
            let key = String((n.split(separator: "/").last ?? "").replacingOccurrences(of: ":0", with: ""))
            do {
                let (shape, values) = try file.floatDataset(path)
                return KerasWeight(name: key, path: path, shape: shape, values: values)
            } catch let e as HDF5Error {
                throw fail("weight dataset '\(path)': \(e.reason)")
            }
        }
    }
}

/// A Keras 3 `.keras` file: a zip of config.json (the model's config), metadata.json and model.weights.h5,
/// in which each layer's variables are datasets `layers/<group>/vars/0`, `1`, ... The group is named after
/// the layer's class (conv2d, conv2d_1, ...) and its `vars` group carries the layer's own name as attribute
/// `name`; the variables have no names there, only their order, which is the order the layer class creates
/// them in (`variableNames`).
///
/// model.weights.h5 is extracted to a temporary file (removed when this object goes), read like any HDF5
/// file: the fast reader, or libhdf5 for what it does not read.
final class Keras3File: KerasModelSource {
    let path: String
    let modelConfigJSON: String
    /// The extracted model.weights.h5.
    let temporaryWeightsPath: String
    private let file: HDF5File
    /// Layer name → (class name, config), from config.json.
    private let layerConfigs: [String: (className: String, config: [String: Any])]
    /// Layer name → its `vars` group in model.weights.h5.
    private let varsGroups: [String: String]

    /// Entries stated larger than this are refused before anything is allocated (the networks here are a few MB).
    static let entryLimit = 256 << 20

    init(path: String) throws {
        self.path = path
        func fail(_ reason: String) -> KerasFileError { KerasFileError(file: path, reason: reason) }
        let archive: ZipArchive
        let configBytes: [UInt8], weightBytes: [UInt8]
        do {
            archive = try ZipArchive(path: path)
            func entry(_ name: String) throws -> [UInt8] {
                guard let bytes = try archive.read(name, limit: Self.entryLimit) else {
                    throw ZipError(reason: "not a Keras 3 .keras archive: no \(name) (entries: \(archive.entryNames.joined(separator: ", ")))")
                }
                return bytes
            }
            configBytes = try entry("config.json")
            weightBytes = try entry("model.weights.h5")
        } catch let e as ZipError {
            throw fail(e.reason)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: Data(configBytes))) as? [String: Any] else {
            throw fail("config.json is not a JSON object")
        }
        modelConfigJSON = String(decoding: configBytes, as: UTF8.self)
        var configs: [String: (String, [String: Any])] = [:]
        for layer in ((root["config"] as? [String: Any])?["layers"] as? [[String: Any]]) ?? [] {
            let config = layer["config"] as? [String: Any] ?? [:]
            if let name = config["name"] as? String ?? layer["name"] as? String {
                configs[name] = (layer["class_name"] as? String ?? "?", config)
            }
        }
        layerConfigs = configs

        temporaryWeightsPath = try Self.temporaryFile(holding: weightBytes, for: path)
        do {
            file = try HDF5File(path: temporaryWeightsPath)
            var groups: [String: String] = [:]
            if file.exists("layers") {
                for g in try file.children(of: "layers") {
                    let vars = "layers/\(g)/vars"
                    guard file.exists(vars) else { continue }
                    let own = (try? file.stringAttribute("name", of: vars)) ?? g
                    groups[own] = vars
                }
            }
            varsGroups = groups
        } catch let e as HDF5Error {
            unlink(temporaryWeightsPath)
            throw fail("model.weights.h5: " + (e.object.isEmpty ? e.reason : "\(e.object): \(e.reason)"))
        }
    }

    deinit { unlink(temporaryWeightsPath) }

    /// Writes `bytes` to a new file in the temporary directory, readable only by this user; its path.
    private static func temporaryFile(holding bytes: [UInt8], for path: String) throws -> String {
        var template = Array((NSTemporaryDirectory() + "/kws-keras-XXXXXX.h5").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 3) }
        guard fd >= 0 else {
            throw KerasFileError(file: path, reason: "cannot create a temporary file for model.weights.h5 (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        let name = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            guard n > 0 else {
                unlink(name)
                throw KerasFileError(file: path, reason: "cannot write a temporary copy of model.weights.h5 (\(String(cString: strerror(errno))))")
            }
            written += n
        }
        return name
    }

    /// The names of a layer's variables in creation order, as the Keras 3 layer classes create them.
    static func variableNames(className: String, config: [String: Any], count: Int) -> [String]? {
        func flag(_ key: String) -> Bool { (config[key] as? NSNumber)?.boolValue ?? true }
        let names: [String]
        switch className {
        case "Conv2D", "Conv1D", "Conv3D", "Dense", "DepthwiseConv2D", "Conv2DTranspose":
            names = flag("use_bias") ? ["kernel", "bias"] : ["kernel"]
        case "SeparableConv2D":
            names = ["depthwise_kernel", "pointwise_kernel"] + (flag("use_bias") ? ["bias"] : [])
        case "BatchNormalization":
            names = (flag("scale") ? ["gamma"] : []) + (flag("center") ? ["beta"] : []) + ["moving_mean", "moving_variance"]
        case "LayerNormalization":
            names = (flag("scale") ? ["gamma"] : []) + (flag("center") ? ["beta"] : [])
        default:
            return nil
        }
        return names.count == count ? names : nil
    }

    func weights(ofLayer name: String) throws -> [KerasWeight] {
        func fail(_ reason: String) -> KerasFileError { KerasFileError(file: path, layer: name, reason: reason) }
        guard let vars = varsGroups[name] else { return [] }
        do {
            let indices = try file.children(of: vars).compactMap(Int.init).sorted()
            guard indices == Array(0..<indices.count) else { throw fail("'\(vars)' holds variables \(indices), expected 0..<\(indices.count)") }
            let layer = layerConfigs[name]
            let names = layer.flatMap { Self.variableNames(className: $0.className, config: $0.config, count: indices.count) }
                ?? indices.map(String.init)                         // unknown to this reader: the loader says what it missed
            return try indices.map { i in
                let (shape, values) = try file.floatDataset("\(vars)/\(i)")
                return KerasWeight(name: names[i], path: "model.weights.h5:\(vars)/\(i)", shape: shape, values: values)
            }
        } catch let e as HDF5Error {
            throw fail("model.weights.h5: \(e.object): \(e.reason)")
        }
    }
}
