/// The two sides of `Layout.blocked16`, a tensor whose channels are stored in blocks of 16 (each block one
/// contiguous H × W × 16 image). A 1×1 convolution or im2col convolution on a 16-wide panel kernel writes it
/// (`BlockedOutput`), a depthwise row kernel reads it (`BlockedInputDepthwise`). In NHWC the depthwise
/// kernel's loads are C floats apart (1328 bytes for coop4's 332 channels), mostly straddle two cache lines
/// and need an address register each; blocked, they are 64 bytes apart, whole aligned lines, at constant
/// offsets. The planner pairs them (a blocked output must feed a blocked input).

/// A layer run with its output channel-blocked.
public final class BlockedOutput: Layer {
    public let inner: any BlockedOutputLayer

    public init(_ inner: any BlockedOutputLayer) {
        precondition(inner.canWriteBlocked, "BlockedOutput: \(inner.kind) has no blocked output with its kernel")
        self.inner = inner
    }

    public var kind: String { inner.kind }
    public var inputShape: [Int] { inner.inputShape }
    public var outputShape: [Int] { inner.outputShape }
    public var scratchCount: Int { inner.scratchCount }
    public var macs: Int { inner.macs }
    public var outputStorageCount: Int { inner.blockedCount }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        inner.forwardBlocked(input, output, scratch: scratch)
    }
}

/// A depthwise convolution reading a channel-blocked input, with the 16- or 8-lane row kernel, NHWC output.
public final class BlockedInputDepthwise: Layer {
    public let inner: DepthwiseConv2D
    public let lanes: Int

    /// Its kernels by name: the 16-lane and the 8-lane row kernels over a blocked input.
    public static let kernelNames: [(name: String, lanes: Int)] = [
        (name: "f32-dwconv-rowx16-avx512-fromblocked", lanes: 16), (name: "f32-dwconv-rowx8-avx2-fromblocked", lanes: 8),
    ]

    /// Whether it can read a blocked input of `channels` channels.
    public static func applies(channels: Int) -> Bool { channels >= 16 }

    public init(_ inner: DepthwiseConv2D, lanes: Int) {
        precondition(inner.channels >= 16 && (lanes == 16 || lanes == 8), "BlockedInputDepthwise: needs 16 channels or more, 16 or 8 lanes")
        self.inner = inner
        self.lanes = lanes
    }

    public var kind: String { inner.kind }
    public var inputShape: [Int] { inner.inputShape }
    public var outputShape: [Int] { inner.outputShape }
    public var macs: Int { inner.macs }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        inner.forwardBlocked(input, output, lanes: lanes)
    }
}
