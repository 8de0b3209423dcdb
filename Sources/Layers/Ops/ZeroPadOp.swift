import Foundation

/// ZeroPadding2D, where `FoldZeroPadding` did not fold it into the convolution after it. Kernel:
/// `ZeroPadding2D.swift`.
public struct ZeroPadOp: Operation {
    public static let opKind = "zeropad"
    public let inputShape: [Int]
    public let top: Int, bottom: Int, left: Int, right: Int
    public var outputShape: [Int] { [inputShape[0] + top + bottom, inputShape[1] + left + right, inputShape[2]] }
    public var description: String { "ZeroPadding2D" }

    static func fromKeras(_ layer: KerasLayer, _ shape: [Int]) throws -> [GraphNode] {
        let spec = layer.spec
        guard shape.count == 3 else { throw spec.fail("expects a rank-3 input, got shape \(shape)") }
        try spec.requireChannelsLast()
        let p = spec.config["padding"]
        let pads: (Int, Int, Int, Int)
        if let n = p as? NSNumber {
            pads = (n.intValue, n.intValue, n.intValue, n.intValue)
        } else if let pairs = p as? [[NSNumber]], pairs.count == 2, pairs[0].count == 2, pairs[1].count == 2 {
            pads = (pairs[0][0].intValue, pairs[0][1].intValue, pairs[1][0].intValue, pairs[1][1].intValue)
        } else if let a = p as? [NSNumber], a.count == 2 {
            pads = (a[0].intValue, a[0].intValue, a[1].intValue, a[1].intValue)
        } else {
            throw spec.fail("ZeroPadding2D padding \(String(describing: p)) not understood")
        }
        return [GraphNode(op: ZeroPadOp(inputShape: shape, top: pads.0, bottom: pads.1, left: pads.2, right: pads.3), kerasLayers: [spec.name])]
    }

    public static let kernels: [KernelEntry<ZeroPadOp>] = [
        KernelEntry("f32-zeropad-scalar", .scalar) {
            ZeroPadding2D(kind: "ZeroPadding2D", inputShape: $0.inputShape, top: $0.top, bottom: $0.bottom, left: $0.left, right: $0.right)
        },
    ]
}
