import Foundation

/// LayerNormalization over any set of axes (Keras counts the batch axis: its axis 1 is our 0). Kernel:
/// `LayerNormalization.swift`.
public struct LayerNormOp: Operation {
    public static let opKind = "layernorm"
    public let shape: [Int]
    public let axes: [Int]
    public let epsilon: Float
    public let gamma: [Float]?, beta: [Float]?
    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }
    public var description: String { "LayerNormalization" }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        let raw: [Int]
        if let n = spec.config["axis"] as? NSNumber { raw = [n.intValue] }
        else if let list = spec.config["axis"] as? [NSNumber], !list.isEmpty { raw = list.map(\.intValue) }
        else { throw spec.fail("config 'axis' is missing or not an integer list") }
        let axes = try raw.map { a -> Int in
            let d = a < 0 ? shape.count + a : a - 1
            guard shape.indices.contains(d) else { throw spec.fail("axis \(a) is outside the input's \(shape.count + 1) dimensions") }
            return d
        }
        if spec.bool("rms_scaling", default: false) { throw spec.fail("rms_scaling is not supported") }
        let params = axes.sorted().map { shape[$0] }
        let gamma = spec.bool("scale", default: true) ? try layer.take("gamma", shape: params) : nil
        let beta = spec.bool("center", default: true) ? try layer.take("beta", shape: params) : nil
        let op = LayerNormOp(shape: shape, axes: axes, epsilon: Float(try spec.double("epsilon", default: 1e-3)), gamma: gamma, beta: beta)
        return [GraphNode(op: op, kerasLayers: [spec.name])]
    }

    public static let kernels: [KernelEntry<LayerNormOp>] = [
        KernelEntry("f32-layernorm-scalar", .scalar) {
            LayerNormalization(kind: "LayerNormalization", shape: $0.shape, axes: $0.axes, epsilon: $0.epsilon, gamma: $0.gamma, beta: $0.beta)
        },
    ]
}
