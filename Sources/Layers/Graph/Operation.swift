/// One operation of the graph between reading and planning: shapes, weights and attributes, no kernel.
/// Each op kind is one type (one file under `Ops/`) with its kernel table; `KerasLayerKinds` maps Keras
/// classes to the op kinds.
public protocol Operation: Sendable {
    /// The op kind as plans name it, e.g. "conv2d", "dense", "dwconv".
    static var opKind: String { get }
    /// Its kernels, in the order of the default plan's preference (`Planner.defaultKernel`).
    static var kernels: [KernelEntry<Self>] { get }
    var inputShape: [Int] { get }
    var outputShape: [Int] { get }
    /// What it computes, for people, e.g. "Conv2D 3×3/2".
    var description: String { get }
    /// Only relabels the shape (Flatten, Reshape, Dropout): the network keeps the input buffer.
    var isShapeOnly: Bool { get }
}

extension Operation {
    public var isShapeOnly: Bool { false }
    var kind: String { Self.opKind }
    var kernelTable: [AnyKernel] { Self.kernels.map(\.erased) }
}

/// An op whose store is an affine map per output channel, so a following per-channel affine op
/// (BatchNormalization, Rescaling) folds into its weights (`FoldAffine`) while its activation is linear.
protocol AffineFoldable: Operation {
    var activation: FusedActivation { get }
    mutating func foldAffine(scale: [Float], shift: [Float])
}

/// An op that applies an activation at its store (`FoldActivation`).
protocol ActivationFusable: Operation {
    var activation: FusedActivation { get set }
}

/// An op with weights that may be mostly zeros (pruned): its sparse kernels are worth timing.
protocol SparseWeights: Operation {
    var zeroFraction: Double { get }
}

/// A node of the graph: an op and the Keras layers it covers (its output is the last one's output; empty
/// for an internal node, such as a layer before its softmax, or a shape-only layer merged into the one before).
public struct GraphNode: Sendable {
    public var op: any Operation
    public var kerasLayers: [String]
}

/// The graph: a chain of nodes from the model's input.
public struct Graph: Sendable {
    public var modelName: String
    public var inputShape: [Int]
    public var nodes: [GraphNode]
    public var parameterCount: Int
    public var sourceFile: String
    /// The Keras layer of the model's softmax head when `DropSoftmaxHead` removed it (the network yields
    /// logits either way; Keras's output for this layer, and the layers after it, is the softmax of ours).
    public var softmaxHead: String?
}
