import Tensor

/// Dense on the last axis, and a 1×1 stride-1 unpadded Conv2D (`PointwiseConvToDense`): rows × in · in × out.
/// Kernels: `Dense.swift` over `PanelGEMM`, `StreamingGEMM`, `SparsePixelGEMM`, `CSRMatrix` and OpenBLAS.
public struct DenseOp: AffineFoldable, ActivationFusable, SparseWeights {
    public static let opKind = "dense"
    public let leadingShape: [Int]
    public let inFeatures: Int, outFeatures: Int
    public var weights: [Float]    // (in, out) row-major, as Keras stores it
    public var bias: [Float]?
    public var activation: FusedActivation
    /// "Dense", or "Conv2D 1×1" for a pointwise convolution.
    public var description: String

    public var inputShape: [Int] { leadingShape + [inFeatures] }
    public var outputShape: [Int] { leadingShape + [outFeatures] }
    var rows: Int { leadingShape.reduce(1, *) }
    var weightsAreFinite: Bool { weights.allSatisfy(\.isFinite) }
    var zeroFraction: Double { Double(weights.lazy.filter { $0 == 0 }.count) / Double(max(weights.count, 1)) }

    mutating func foldAffine(scale: [Float], shift: [Float]) {
        for i in 0..<inFeatures {
            for o in 0..<outFeatures { weights[i * outFeatures + o] *= scale[o] }
        }
        let b = bias ?? [Float](repeating: 0, count: outFeatures)
        bias = (0..<outFeatures).map { b[$0] * scale[$0] + shift[$0] }
    }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        guard let inFeatures = shape.last else { throw spec.fail("expects an input with features, got a scalar") }
        let units = try spec.int("units")
        let activation = try KerasActivation(spec, try spec.string("activation", default: "linear"))
        let weights = try layer.take("kernel", shape: [inFeatures, units])
        let bias = spec.bool("use_bias", default: true) ? try layer.take("bias", shape: [units]) : nil
        let op = DenseOp(leadingShape: Array(shape.dropLast()), inFeatures: inFeatures, outFeatures: units,
                         weights: weights, bias: bias, activation: activation.fused, description: "Dense")
        return activation.nodes(op, spec.name)
    }

    func layer(_ choice: Dense.Kernel) -> Dense {
        Dense(kind: description, leadingShape: leadingShape, inFeatures: inFeatures, outFeatures: outFeatures,
              weights: weights, bias: bias, activation: activation, kernel: choice)
    }

    private static func entry(_ choice: Dense.Kernel, _ isa: ISA, output: Layout = .nhwc, sparse: Bool = false) -> KernelEntry<DenseOp> {
        let name = output == .blocked16 ? choice.rawValue + "-toblocked" : choice.rawValue
        return KernelEntry(name, isa, output: output, sparse: sparse,
                           applies: { op in
                               choice.applies(rows: op.rows, k: op.inFeatures, n: op.outFeatures,
                                              weightsAreFinite: choice != .streamSkippingZeros || op.weightsAreFinite)
                           },
                           scratch: { choice.scratchCount(rows: $0.rows, k: $0.inFeatures, n: $0.outFeatures) }) { op in
            let layer = op.layer(choice)
            return output == .blocked16 ? BlockedOutput(layer) as any Layer : layer
        }
    }

    /// The streaming GEMM for 1–4 rows, else the 6×16 panels, else (fewer than 16 outputs) row loops.
    public static let kernels: [KernelEntry<DenseOp>] = [
        entry(.stream, .avx512),
        entry(.narrowPanel, .avx512),
        entry(.loops, .scalar),
        entry(.gemm, .openblas),
        entry(.panel, .avx512),
        entry(.kBlockedPanel, .avx512),
        entry(.streamSkippingZeros, .avx512),
        entry(.csr, .scalar, sparse: true),
        entry(.sparsePixels, .avx512, sparse: true),
        entry(.sparsePixelsOneSet, .avx512, sparse: true),
        entry(.narrowPanel, .avx512, output: .blocked16),
        entry(.kBlockedPanel, .avx512, output: .blocked16),
        entry(.wideLoops, .scalar),
    ]
}
