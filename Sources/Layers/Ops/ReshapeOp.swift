import Foundation

/// Flatten, Reshape, Dropout and its kin (inference), Activation('linear'): the data is unchanged, only the
/// shape. The network keeps the input buffer. Kernel: `Identity` in `Softmax.swift`.
public struct ReshapeOp: Operation {
    public static let opKind = "reshape"
    public let inputShape: [Int], outputShape: [Int]
    public let description: String
    public var isShapeOnly: Bool { true }

    static func flatten(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        [GraphNode(op: ReshapeOp(inputShape: shape, outputShape: [shape.reduce(1, *)], description: layer.spec.className),
                   kerasLayers: [layer.spec.name])]
    }

    static func reshape(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        guard let target = spec.config["target_shape"] as? [NSNumber] else { throw spec.fail("Reshape without target_shape") }
        var t = target.map(\.intValue)
        let known = t.filter { $0 != -1 }.reduce(1, *)
        if let i = t.firstIndex(of: -1), known > 0 { t[i] = shape.reduce(1, *) / known }
        guard t.reduce(1, *) == shape.reduce(1, *) else { throw spec.fail("cannot reshape \(shape) to \(target)") }
        return [GraphNode(op: ReshapeOp(inputShape: shape, outputShape: t, description: spec.className), kerasLayers: [spec.name])]
    }

    /// Dropout, SpatialDropout2D, GaussianDropout, GaussianNoise: nothing at inference.
    static func inferenceIdentity(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        [GraphNode(op: ReshapeOp(inputShape: shape, outputShape: shape, description: layer.spec.className), kerasLayers: [layer.spec.name])]
    }

    public static let kernels: [KernelEntry<ReshapeOp>] = [
        KernelEntry("f32-reshape-inplace", .scalar) { Identity(kind: $0.description, inputShape: $0.inputShape, outputShape: $0.outputShape) },
    ]
}
