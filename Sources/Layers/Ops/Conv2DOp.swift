import Foundation
import Tensor

/// Conv2D (any kernel, stride, padding; not 1×1 unpadded, which `PointwiseConvToDense` makes a `DenseOp`).
/// Kernels: `Conv2D.swift` (im2col through a GEMM, direct) and `WinogradF2x3.swift`.
public struct Conv2DOp: AffineFoldable, ActivationFusable {
    public static let opKind = "conv2d"
    public var geometry: WindowGeometry
    public let inChannels: Int, outChannels: Int
    public var kernel: [Float]      // HWIO
    public var bias: [Float]?
    public var activation: FusedActivation

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, inChannels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, outChannels] }
    public var description: String { "Conv2D \(geometry.kernelHeight)×\(geometry.kernelWidth)/\(geometry.strideY)" }
    var pixels: Int { geometry.outputHeight * geometry.outputWidth }
    var patch: Int { geometry.kernelHeight * geometry.kernelWidth * inChannels }
    var isPointwise: Bool { geometry.isPointwise }

    mutating func foldAffine(scale: [Float], shift: [Float]) {
        for p in 0..<(kernel.count / outChannels) {
            for o in 0..<outChannels { kernel[p * outChannels + o] *= scale[o] }
        }
        let b = bias ?? [Float](repeating: 0, count: outChannels)
        bias = (0..<outChannels).map { b[$0] * scale[$0] + shift[$0] }
    }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        try spec.requireChannelsLast()
        guard shape.count == 3 else { throw spec.fail("expects a rank-3 (H, W, C) input, got shape \(shape)") }
        if let groups = spec.config["groups"] as? NSNumber, groups.intValue != 1 { throw spec.fail("grouped convolution is not supported") }
        let g = WindowGeometry(inputHeight: shape[0], inputWidth: shape[1], kernel: try spec.pair("kernel_size"),
                               strides: try spec.pair("strides", default: (1, 1)), same: try spec.padding())
        guard g.isValid else { throw spec.fail("kernel \(g.kernelHeight)×\(g.kernelWidth) does not fit input \(shape)") }
        let activation = try KerasActivation(spec, try spec.string("activation", default: "linear"))
        let filters = try spec.int("filters")
        let kernel = try layer.take("kernel", shape: [g.kernelHeight, g.kernelWidth, shape[2], filters])
        let bias = spec.bool("use_bias", default: true) ? try layer.take("bias", shape: [filters]) : nil
        let op = Conv2DOp(geometry: g, inChannels: shape[2], outChannels: filters, kernel: kernel, bias: bias, activation: activation.fused)
        return activation.nodes(op, spec.name)
    }

    func layer(_ choice: Conv2D.Kernel) -> Conv2D {
        Conv2D(kind: description, geometry: geometry, inChannels: inChannels, outChannels: outChannels,
               kernel: kernel, bias: bias, activation: activation, choice: choice)
    }

    /// A row of the table: `choice` (its rule for when it applies is `Conv2D.Kernel.applies`, the one home of
    /// that rule), writing `output`.
    private static func entry(_ choice: Conv2D.Kernel, _ isa: ISA, output: Layout = .nhwc) -> KernelEntry<Conv2DOp> {
        let name = output == .blocked16 ? choice.rawValue + "-toblocked" : choice.rawValue
        return KernelEntry(name, isa, output: output,
                           applies: { choice.applies($0.geometry, inChannels: $0.inChannels, outChannels: $0.outChannels) },
                           scratch: { Conv2D.scratchCount(choice, geometry: $0.geometry, inChannels: $0.inChannels, outChannels: $0.outChannels) }) { op in
            let layer = op.layer(choice)
            return output == .blocked16 ? BlockedOutput(layer) as any Layer : layer
        }
    }

    /// Direct for small patches (the 3×3×1 stems), else im2col through the 6×16 panels, else OpenBLAS; the
    /// scalar loops where there are no vectors and no OpenBLAS (a Cortex-M4).
    public static let kernels: [KernelEntry<Conv2DOp>] = [
        entry(.direct, .avx2),
        entry(.im2colNarrowPanel, .avx512),
        entry(.im2colGEMM, .openblas),
        entry(.scalarDirect, .scalar),
        entry(.im2colPanel, .avx512),
        entry(.im2colKBlockedPanel, .avx512),
        entry(.winograd, .avx512),
        entry(.winogradNarrow, .avx512),
        entry(.im2colNarrowPanel, .avx512, output: .blocked16),
        entry(.im2colKBlockedPanel, .avx512, output: .blocked16),
    ]
}
