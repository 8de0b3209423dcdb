/// ReLU / ReLU6 (a ReLU layer, or a relu/relu6 Activation) left as an op of its own where `FoldActivation` had
/// no store to fuse it into. Kernel: `Clamp` in `BatchNormalization.swift` (`SIMDKernels.biasClamp`, 8-lane
/// vectors that any x86-64 build compiles to its baseline instructions).
public struct ClampOp: Operation {
    public static let opKind = "clamp"
    public let shape: [Int]
    public let activation: FusedActivation
    public let description: String

    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }

    static func fromReLU(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        let maxValue = try spec.double("max_value", default: .infinity)
        guard try spec.double("negative_slope", default: 0) == 0, try spec.double("threshold", default: 0) == 0 else {
            throw spec.fail("ReLU with negative_slope or threshold is not supported")
        }
        let activation: FusedActivation
        switch maxValue {
        case .infinity: activation = .relu
        case 6: activation = .relu6
        default: throw spec.fail("ReLU max_value \(maxValue) is not supported (only none or 6)")
        }
        return [GraphNode(op: ClampOp(shape: shape, activation: activation, description: spec.className), kerasLayers: [spec.name])]
    }

    /// Activation(linear | relu | relu6 | softmax).
    static func fromActivation(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        switch try KerasActivation(spec, try spec.string("activation")) {
        case .softmax: return [GraphNode(op: SoftmaxOp(shape: shape), kerasLayers: [spec.name])]
        case .linear: return [GraphNode(op: ReshapeOp(inputShape: shape, outputShape: shape, description: spec.className), kerasLayers: [spec.name])]
        case let a: return [GraphNode(op: ClampOp(shape: shape, activation: a.fused, description: spec.className), kerasLayers: [spec.name])]
        }
    }

    public static let kernels: [KernelEntry<ClampOp>] = [
        KernelEntry("f32-clamp-scalar", .scalar) { Clamp(kind: $0.description, shape: $0.shape, activation: $0.activation) },
    ]
}

/// Keras activation names: the ones a store can apply, and softmax, which is an op of its own.
enum KerasActivation: Equatable {
    case linear, relu, relu6, softmax

    init(_ spec: KerasLayerSpec, _ name: String) throws {
        switch name {
        case "linear", "": self = .linear
        case "relu": self = .relu
        case "relu6": self = .relu6
        case "softmax": self = .softmax
        default: throw spec.fail("activation '\(name)' is not supported (linear, relu, relu6, softmax)")
        }
    }

    var fused: FusedActivation { self == .relu ? .relu : self == .relu6 ? .relu6 : .linear }

    /// The nodes of a layer with this activation: the op alone, or (softmax) the op as an internal node and
    /// a softmax node that stands for the Keras layer.
    func nodes(_ op: any Operation, _ name: String) -> [GraphNode] {
        guard self == .softmax else { return [GraphNode(op: op, kerasLayers: [name])] }
        return [GraphNode(op: op, kerasLayers: []), GraphNode(op: SoftmaxOp(shape: op.outputShape), kerasLayers: [name])]
    }
}
