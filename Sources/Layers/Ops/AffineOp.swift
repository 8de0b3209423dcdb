import Foundation

/// A per-channel affine map y = x · scale + shift (an inference BatchNormalization, or Rescaling) left as an
/// op of its own where `FoldAffine` had nothing to fold it into. Kernel: `BatchNormalization.swift`.
public struct AffineOp: ActivationFusable {
    public static let opKind = "affine"
    public let shape: [Int]
    public let scale: [Float], shift: [Float]
    public var activation: FusedActivation = .linear
    public let description: String

    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }

    static func fromBatchNormalization(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        guard let channels = shape.last else { throw spec.fail("expects an input with channels") }
        if let axis = spec.config["axis"] as? NSNumber, axis.intValue != -1 && axis.intValue != shape.count {
            throw spec.fail("axis \(axis) is not supported (only the last axis)")
        }
        let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
        let gamma = spec.bool("scale", default: true) ? try layer.take("gamma", shape: [channels]) : ones
        let beta = spec.bool("center", default: true) ? try layer.take("beta", shape: [channels]) : zeros
        let mean = try layer.take("moving_mean", shape: [channels])
        let variance = try layer.take("moving_variance", shape: [channels])
        let (scale, shift) = BatchNormalization.affine(gamma: gamma, beta: beta, mean: mean, variance: variance,
                                                        epsilon: Float(try spec.double("epsilon", default: 1e-3)))
        return [GraphNode(op: AffineOp(shape: shape, scale: scale, shift: shift, description: "BatchNormalization"), kerasLayers: [spec.name])]
    }

    /// y = x · scale + offset, each a number or one value per channel.
    static func fromRescaling(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        guard let channels = shape.last else { throw spec.fail("expects an input with channels") }
        func perChannel(_ key: String, default value: Float) throws -> [Float] {
            switch spec.config[key] {
            case nil: return [Float](repeating: value, count: channels)
            case let n as NSNumber: return [Float](repeating: n.floatValue, count: channels)
            case let list as [NSNumber] where list.count == 1: return [Float](repeating: list[0].floatValue, count: channels)
            case let list as [NSNumber] where list.count == channels: return list.map(\.floatValue)
            default: throw spec.fail("'\(key)' must be a number or \(channels) numbers (one per channel)")
            }
        }
        let op = AffineOp(shape: shape, scale: try perChannel("scale", default: 1), shift: try perChannel("offset", default: 0),
                          description: "Rescaling")
        return [GraphNode(op: op, kerasLayers: [spec.name])]
    }

    public static let kernels: [KernelEntry<AffineOp>] = [
        KernelEntry("f32-affine-scalar", .scalar) { op in
            let l = BatchNormalization(kind: op.description, shape: op.shape, scale: op.scale, shift: op.shift)
            l.activation = op.activation
            return l
        },
    ]
}
