import Foundation
import Tensor

/// DepthwiseConv2D, depth multiplier 1. Kernels: `DepthwiseConv2D.swift` and its `+Rows`, `+Pixels64` files;
/// two of them read a channel-blocked input (`BlockedLayout.swift`).
public struct DepthwiseOp: AffineFoldable, ActivationFusable {
    public static let opKind = "dwconv"
    public var geometry: WindowGeometry
    public let channels: Int
    public var kernel: [Float]   // (kh, kw, C)
    public var bias: [Float]
    public var activation: FusedActivation

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, channels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, channels] }
    public var description: String { "DepthwiseConv2D \(geometry.kernelHeight)×\(geometry.kernelWidth)/\(geometry.strideY)" }

    mutating func foldAffine(scale: [Float], shift: [Float]) {
        for t in 0..<(kernel.count / channels) {
            for c in 0..<channels { kernel[t * channels + c] *= scale[c] }
        }
        bias = (0..<channels).map { bias[$0] * scale[$0] + shift[$0] }
    }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        try spec.requireChannelsLast()
        guard shape.count == 3 else { throw spec.fail("expects a rank-3 (H, W, C) input, got shape \(shape)") }
        let g = WindowGeometry(inputHeight: shape[0], inputWidth: shape[1], kernel: try spec.pair("kernel_size"),
                               strides: try spec.pair("strides", default: (1, 1)), same: try spec.padding())
        guard g.isValid else { throw spec.fail("kernel \(g.kernelHeight)×\(g.kernelWidth) does not fit input \(shape)") }
        guard try spec.int("depth_multiplier", default: 1) == 1 else { throw spec.fail("depth_multiplier other than 1 is not supported") }
        let activation = try KerasActivation(spec, try spec.string("activation", default: "linear"))
        let cin = shape[2]
        let kernel = try layer.take("kernel", or: "depthwise_kernel", shape: [g.kernelHeight, g.kernelWidth, cin, 1])
        let bias = spec.bool("use_bias", default: true) ? try layer.take("bias", shape: [cin]) : [Float](repeating: 0, count: cin)
        let op = DepthwiseOp(geometry: g, channels: cin, kernel: kernel, bias: bias, activation: activation.fused)
        return activation.nodes(op, spec.name)
    }

    func layer(_ choice: DepthwiseConv2D.Kernel) -> DepthwiseConv2D {
        DepthwiseConv2D(kind: description, geometry: geometry, channels: channels, kernel: kernel, bias: bias,
                        activation: activation, choice: choice)
    }

    private static func entry(_ choice: DepthwiseConv2D.Kernel, _ isa: ISA) -> KernelEntry<DepthwiseOp> {
        KernelEntry(choice.rawValue, isa, applies: { choice.applies(channels: $0.channels) }) { $0.layer(choice) }
    }

    /// Row `i` of `BlockedInputDepthwise.kernelNames`: a row kernel reading the channel-blocked layout.
    private static func fromBlocked(_ i: Int, _ isa: ISA) -> KernelEntry<DepthwiseOp> {
        let k = BlockedInputDepthwise.kernelNames[i]
        return KernelEntry(k.name, isa, input: .blocked16, applies: { BlockedInputDepthwise.applies(channels: $0.channels) }) {
            BlockedInputDepthwise($0.layer(.plainLoops), lanes: k.lanes)
        }
    }

    /// The 16-channel row kernel from 16 channels, else the 8-lane pixel kernel; plain loops without vectors.
    public static let kernels: [KernelEntry<DepthwiseOp>] = [
        entry(.rows16, .avx512),
        entry(.simd8, .avx2),
        entry(.rows8, .avx2),
        entry(.pixels64, .avx512),
        entry(.plainLoops, .scalar),
        fromBlocked(0, .avx512),
        fromBlocked(1, .avx2),
    ]
}
