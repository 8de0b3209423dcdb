/// MaxPooling2D and AveragePooling2D. Kernel: `Pooling2D.swift`.
public struct Pool2DOp: Operation {
    public static let opKind = "pool2d"
    public let mode: Pooling2D.Mode
    public let geometry: WindowGeometry
    public let channels: Int
    public let description: String
    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, channels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, channels] }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        try spec.requireChannelsLast()
        guard shape.count == 3 else { throw spec.fail("expects a rank-3 input, got shape \(shape)") }
        let pool = try spec.pair("pool_size", default: (2, 2))
        let g = WindowGeometry(inputHeight: shape[0], inputWidth: shape[1], kernel: pool,
                               strides: try spec.pair("strides", default: pool), same: try spec.padding())
        guard g.isValid else { throw spec.fail("pool \(pool) does not fit input \(shape)") }
        let op = Pool2DOp(mode: spec.className == "MaxPooling2D" ? .max : .average, geometry: g, channels: shape[2], description: spec.className)
        return [GraphNode(op: op, kerasLayers: [spec.name])]
    }

    public static let kernels: [KernelEntry<Pool2DOp>] = [
        KernelEntry("f32-maxpool-scalar", .scalar, applies: { $0.mode == .max }) {
            Pooling2D(kind: $0.description, mode: .max, geometry: $0.geometry, channels: $0.channels)
        },
        KernelEntry("f32-avgpool-scalar", .scalar, applies: { $0.mode == .average }) {
            Pooling2D(kind: $0.description, mode: .average, geometry: $0.geometry, channels: $0.channels)
        },
    ]
}

/// GlobalAveragePooling2D. Kernel: `GlobalAveragePooling2D` in `Pooling2D.swift`.
public struct GlobalAveragePoolOp: Operation {
    public static let opKind = "gavgpool"
    public let inputShape: [Int]
    public let keepDims: Bool
    public var outputShape: [Int] { keepDims ? [1, 1, inputShape[2]] : [inputShape[2]] }
    public var description: String { "GlobalAveragePooling2D" }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        try spec.requireChannelsLast()
        guard shape.count == 3 else { throw spec.fail("expects a rank-3 input, got shape \(shape)") }
        return [GraphNode(op: GlobalAveragePoolOp(inputShape: shape, keepDims: spec.bool("keepdims", default: false)), kerasLayers: [spec.name])]
    }

    public static let kernels: [KernelEntry<GlobalAveragePoolOp>] = [
        KernelEntry("f32-gavgpool-scalar", .scalar) {
            GlobalAveragePooling2D(kind: "GlobalAveragePooling2D", inputShape: $0.inputShape, keepDims: $0.keepDims)
        },
    ]
}
