/// Softmax over the last axis. A softmax that ends the model is removed (`DropSoftmaxHead`): the network
/// yields logits, and `KWS` turns them into probabilities once. Kernel: `Softmax.swift`.
public struct SoftmaxOp: Operation {
    public static let opKind = "softmax"
    public let shape: [Int]
    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }
    public var description: String { "Softmax" }

    public static let kernels: [KernelEntry<SoftmaxOp>] = [
        KernelEntry("f32-softmax-scalar", .scalar) { Softmax(kind: "Softmax", shape: $0.shape) },
    ]
}
