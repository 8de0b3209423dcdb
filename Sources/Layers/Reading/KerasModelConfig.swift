import Foundation

/// An error loading a Keras model; names the file and the layer (or object) and says what was expected.
public struct KerasLoadError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let layer: String
    public let reason: String
    public init(file: String, layer: String, reason: String) {
        self.file = file
        self.layer = layer
        self.reason = reason
    }
    public var description: String {
        layer.isEmpty ? "\(file): \(reason)" : "\(file): layer '\(layer)': \(reason)"
    }
}

/// One layer of a Keras `model_config`: class name, layer name and its config dictionary.
struct KerasLayerSpec {
    let className: String
    let name: String
    let config: [String: Any]
    let file: String

    func fail(_ reason: String) -> KerasLoadError { KerasLoadError(file: file, layer: name, reason: reason) }

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        if let n = config[key] as? NSNumber { return n.intValue }
        if let value { return value }
        throw fail("config '\(key)' missing or not an integer")
    }

    func double(_ key: String, default value: Double) throws -> Double {
        if config[key] == nil || config[key] is NSNull { return value }
        guard let n = config[key] as? NSNumber else { throw fail("config '\(key)' is not a number") }
        return n.doubleValue
    }

    func bool(_ key: String, default value: Bool) -> Bool {
        (config[key] as? NSNumber)?.boolValue ?? value
    }

    func string(_ key: String, default value: String? = nil) throws -> String {
        if let s = config[key] as? String { return s }
        if let value { return value }
        throw fail("config '\(key)' missing or not a string")
    }

    /// A pair such as kernel_size or strides; a single integer means both.
    func pair(_ key: String, default value: (Int, Int)? = nil) throws -> (Int, Int) {
        if let n = config[key] as? NSNumber { return (n.intValue, n.intValue) }
        if let a = config[key] as? [NSNumber], a.count == 2 { return (a[0].intValue, a[1].intValue) }
        if let value, config[key] == nil || config[key] is NSNull { return value }
        throw fail("config '\(key)' should be an integer or a pair, found \(String(describing: config[key]))")
    }

    func padding() throws -> Bool {
        switch try string("padding", default: "valid").lowercased() {
        case "valid": return false
        case "same": return true
        case let other: throw fail("padding '\(other)' is not supported (expected 'valid' or 'same')")
        }
    }

    func requireChannelsLast() throws {
        if let f = config["data_format"] as? String, f != "channels_last" {
            throw fail("data_format '\(f)' is not supported (expected channels_last)")
        }
        if config["dilation_rate"] != nil, try pair("dilation_rate") != (1, 1) {
            throw fail("dilation_rate other than 1 is not supported")
        }
    }
}

/// The parsed `model_config`: the model name, its input shape and the layer chain in order.
struct KerasModelConfig {
    let name: String
    let inputShape: [Int]
    let layers: [KerasLayerSpec]

    init(json: String, file: String) throws {
        func fail(_ reason: String) -> KerasLoadError { KerasLoadError(file: file, layer: "", reason: reason) }
        guard let data = json.data(using: .utf8),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("model_config is not valid JSON")
        }
        let className = root["class_name"] as? String ?? "?"
        guard className == "Sequential" || className == "Functional" || className == "Model",
              let config = root["config"] as? [String: Any],
              let rawLayers = config["layers"] as? [[String: Any]] else {
            throw fail("model_config: expected a Sequential or Functional model with a layer list, found '\(className)'")
        }
        name = config["name"] as? String ?? "model"
        var specs: [KerasLayerSpec] = []
        var inputShape: [Int]?
        for (i, raw) in rawLayers.enumerated() {
            let cls = raw["class_name"] as? String ?? "?"
            let cfg = raw["config"] as? [String: Any] ?? [:]
            let layerName = cfg["name"] as? String ?? raw["name"] as? String ?? "layer_\(i)"
            if cls == "InputLayer" {
                let shape = (cfg["batch_shape"] ?? cfg["batch_input_shape"]) as? [Any]
                guard let shape, shape.count >= 2 else {
                    throw KerasLoadError(file: file, layer: layerName, reason: "InputLayer without batch_shape")
                }
                inputShape = shape.dropFirst().compactMap { ($0 as? NSNumber)?.intValue }
                if inputShape!.count != shape.count - 1 {
                    throw KerasLoadError(file: file, layer: layerName, reason: "input shape has unknown dimensions")
                }
            }
            if className != "Sequential", i > 0 {
                // A functional model must be a chain: each layer's one input is the previous layer's output.
                let previous = (rawLayers[i - 1]["config"] as? [String: Any])?["name"] as? String
                    ?? rawLayers[i - 1]["name"] as? String
                let inbound = KerasModelConfig.inboundLayerNames(raw)
                guard inbound == [previous ?? ""] else {
                    throw KerasLoadError(file: file, layer: layerName,
                        reason: "not a chain: inputs \(inbound), expected only '\(previous ?? "?")' (only chains are supported)")
                }
            }
            if cls != "InputLayer" {
                specs.append(KerasLayerSpec(className: cls, name: layerName, config: cfg, file: file))
            }
        }
        if inputShape == nil, let b = config["build_input_shape"] as? [Any] {
            inputShape = b.dropFirst().compactMap { ($0 as? NSNumber)?.intValue }
        }
        if inputShape == nil, let first = rawLayers.first?["config"] as? [String: Any],
           let b = first["batch_input_shape"] as? [Any] {
            inputShape = b.dropFirst().compactMap { ($0 as? NSNumber)?.intValue }
        }
        guard let inputShape, !inputShape.isEmpty else { throw fail("model_config: no input shape found") }
        self.inputShape = inputShape
        layers = specs
    }

    /// The names of the layers feeding a functional layer (Keras 3 `keras_history`, or Keras 2 node lists).
    static func inboundLayerNames(_ raw: [String: Any]) -> [String] {
        var names: [String] = []
        func visit(_ x: Any) {
            if let d = x as? [String: Any] {
                if let cfg = d["config"] as? [String: Any], let h = cfg["keras_history"] as? [Any], let n = h.first as? String {
                    names.append(n)
                    return
                }
                for v in d.values { visit(v) }
            } else if let a = x as? [Any] {
                if a.count >= 3, let n = a[0] as? String, a[1] is NSNumber { names.append(n); return }  // Keras 2
                for v in a { visit(v) }
            }
        }
        visit(raw["inbound_nodes"] ?? [])
        return names
    }
}
