import Tensor

/// A 1×1 convolution (as `Dense`), or a network's first convolution (a 3×3 stem through im2col, `Conv2D`),
/// followed by a depthwise convolution on its output, run as one step, with
/// the intermediate tensor in a channel-blocked layout: the first layer's 16-wide panels each write their
/// own contiguous rows × 16 block (`PanelGEMM.multiply(blockedInto:)`), and the depthwise row kernel reads
/// every block as one 16-channel image (`DepthwiseConv2D+Rows.swift`). In NHWC the depthwise kernel's
/// loads are C floats apart (1328 bytes for coop4's 332 channels), mostly straddle two cache lines and
/// need an address register each; blocked, they are 64 bytes apart, whole aligned lines, at constant
/// offsets. The loader times the modes (`Mode`) and keeps the fastest; `.separate` is the two layers one
/// after the other in NHWC, as without this step.
public final class PointwiseDepthwise: Layer {
    public enum Mode: String, Sendable, CaseIterable {
        case separate = "separate", blocked16 = "blocked-simd16", blocked8 = "blocked-simd8"
    }
    /// The layer that writes the intermediate tensor (for most pairs a 1×1 convolution).
    public let pointwise: any BlockedOutputLayer
    public let depthwise: DepthwiseConv2D
    /// Falls back to `.separate` whenever the first layer's kernel has no blocked output.
    public var mode: Mode = .separate

    /// Whether the pair can run blocked: a 16-wide panel kernel on the first layer and its channels (≥ 16)
    /// feeding the depthwise layer.
    public static func applies(_ pointwise: any BlockedOutputLayer, _ depthwise: DepthwiseConv2D) -> Bool {
        pointwise.canWriteBlocked && depthwise.channels >= 16 && pointwise.outputShape == depthwise.inputShape
    }

    /// A 1×1 layer's blocked-output kernel when the pair was formed: the in-network pass may run the pair
    /// `.separate` with another of its kernels (`Network.tunableSteps`, candidates named
    /// `separatePrefix` + kernel) and switches back to this one for the blocked modes.
    public let blockedKernel: Dense.Kernel?
    public static let separatePrefix = "separate/"

    public init(_ pointwise: any BlockedOutputLayer, _ depthwise: DepthwiseConv2D) {
        precondition(pointwise.outputShape == depthwise.inputShape, "PointwiseDepthwise: shapes do not chain")
        self.pointwise = pointwise
        blockedKernel = (pointwise as? Dense).map(\.kernelChoice)
        self.depthwise = depthwise
        intermediate = max(pointwise.blockedCount, pointwise.outputShape.reduce(1, *))
    }

    public var kind: String { pointwise.kind + " → " + depthwise.kind }
    public var inputShape: [Int] { pointwise.inputShape }
    public var outputShape: [Int] { depthwise.outputShape }
    public var macs: Int { pointwise.macs + depthwise.macs }
    /// Floats of the intermediate tensor (stored: `outputShape` builds an array, and predict must not allocate).
    private let intermediate: Int
    /// The intermediate tensor, then what the 1×1 layer's kernels need.
    public var scratchCount: Int { intermediate + max(pointwise.maxScratchCount, depthwise.scratchCount) }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let rest = scratch + intermediate
        switch mode {
        case .blocked16 where pointwise.canWriteBlocked:
            pointwise.forwardBlocked(input, scratch, scratch: rest)
            depthwise.forwardBlocked(UnsafePointer(scratch), output, lanes: 16)
        case .blocked8 where pointwise.canWriteBlocked:
            pointwise.forwardBlocked(input, scratch, scratch: rest)
            depthwise.forwardBlocked(UnsafePointer(scratch), output, lanes: 8)
        default:
            pointwise.forward(input, scratch, scratch: rest)
            depthwise.forward(UnsafePointer(scratch), output, scratch: rest)
        }
    }
}
