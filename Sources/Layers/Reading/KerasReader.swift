import Foundation
import KerasIO

/// Stage 1: a Keras model file as layer specs (class, name, config) with their variables, nothing more.
public struct KerasModel: Sendable {
    public let name: String
    public let inputShape: [Int]
    let layers: [KerasLayer]
    public let file: String
    /// Values of all variables read.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.values.reduce(0) { $0 + $1.values.count } } }
}

/// One Keras layer: its spec and its variables by short name.
struct KerasLayer: @unchecked Sendable {
    let spec: KerasLayerSpec
    let weights: [String: KerasWeight]

    /// The variable `key` (or `alternative`), checked for shape.
    func take(_ key: String, or alternative: String? = nil, shape: [Int]) throws -> [Float] {
        guard let t = weights[key] ?? alternative.flatMap({ weights[$0] }) else {
            throw spec.fail("missing weight '\(key)' (found: \(weights.keys.sorted().joined(separator: ", ")))")
        }
        guard t.shape == shape else { throw spec.fail("weight '\(t.path)' has shape \(t.shape), expected \(shape)") }
        return t.values
    }
}

enum KerasReader {
    /// Reads a Keras `.h5` or `.keras`.
    static func read(path: String) throws -> KerasModel {
        try read(KerasFileSource(path: path))
    }

    static func read(_ source: some KerasSource) throws -> KerasModel {
        let config = try KerasModelConfig(json: try source.modelConfig(), file: source.path)
        let layers = try config.layers.map { KerasLayer(spec: $0, weights: try source.weights(ofLayer: $0.name)) }
        return KerasModel(name: config.name, inputShape: config.inputShape, layers: layers, file: source.path)
    }
}
