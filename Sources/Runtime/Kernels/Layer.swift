import Tensor
/// One planned step of a network: shapes fixed at load time, evaluated many times without allocating.
/// `input` and `output` never alias (the network ping-pongs between two buffers); `scratch` holds
/// at least `scratchCount` floats.
public protocol Layer: AnyObject {
    /// What this step computes, e.g. "conv2d_1+batch_normalization+re_lu" (Keras names it covers).
    var kind: String { get }
    var inputShape: [Int] { get }
    var outputShape: [Int] { get }
    var scratchCount: Int { get }
    /// Multiply-accumulates per inference.
    var macs: Int { get }
    /// True for steps that only relabel the shape (Flatten, Reshape, Dropout, linear Activation):
    /// the network skips them and keeps the input buffer.
    var isIdentity: Bool { get }
    /// Floats written to `output`: the output shape's, or more in a padded layout (`Layout.blocked16`).
    var outputStorageCount: Int { get }
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
}

extension Layer {
    public var scratchCount: Int { 0 }
    public var isIdentity: Bool { false }
    public var macs: Int { 0 }
    public var outputStorageCount: Int { outputShape.reduce(1, *) }
}

/// A layer whose 16-wide panel kernels can also write its output channel-blocked (`Layout.blocked16`: each
/// 16-channel block as one contiguous rows × 16 image, `PanelGEMM.multiply(blockedInto:)`), for a depthwise
/// layer after it (`BlockedLayout.swift`): a 1×1 convolution (`Dense`) or an im2col convolution (`Conv2D`).
public protocol BlockedOutputLayer: Layer {
    /// Whether the current kernel can write the blocked layout (a 16-wide panel one).
    var canWriteBlocked: Bool { get }
    /// Floats `forwardBlocked` writes (one rows × 16 block per 16-column panel).
    var blockedCount: Int { get }
    /// `forward` with the output channel-blocked; needs `canWriteBlocked`.
    func forwardBlocked(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)
}

/// An activation applied at a kernel's store: a clamp to [lower, upper].
public enum FusedActivation: String, Sendable, Equatable {
    case linear, relu, relu6

    public var lower: Float { self == .linear ? -.infinity : 0 }
    public var upper: Float { self == .relu6 ? 6 : .infinity }

    @inline(__always)
    public func apply(_ x: Float) -> Float { min(max(x, lower), upper) }

    /// The epilogue of a plain GEMM (one without a fused store): adds `bias` to every row of the
    /// rows × cols `output` and applies this activation; nothing to do for a linear layer without bias.
    func finishGEMM(_ output: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: [Float]?) {
        if let bias {
            bias.withUnsafeBufferPointer {
                SIMDKernels.biasClamp(output, rows: rows, cols: cols, bias: $0.baseAddress, lower: lower, upper: upper)
            }
        } else if self != .linear {
            SIMDKernels.biasClamp(output, rows: rows, cols: cols, bias: nil, lower: lower, upper: upper)
        }
    }
}

extension PanelGEMM {
    /// The panel product with `bias` and `activation` applied at its store (Conv2D's and Dense's path), into
    /// row-major C or, with `blocked`, channel-blocked (`multiply(blockedInto:)`).
    func multiply(_ a: UnsafePointer<Float>, m: Int, into c: UnsafeMutablePointer<Float>,
                  bias: [Float]?, activation: FusedActivation, blocked: Bool = false) {
        func run(_ b: UnsafePointer<Float>?) {
            if blocked {
                multiply(a, m: m, blockedInto: c, bias: b, lower: activation.lower, upper: activation.upper)
            } else {
                multiply(a, m: m, into: c, bias: b, lower: activation.lower, upper: activation.upper)
            }
        }
        if let bias { bias.withUnsafeBufferPointer { run($0.baseAddress) } } else { run(nil) }
    }
}

/// Spatial geometry of a convolution or pooling window in Keras ('valid' / 'same') terms, plus any
/// explicit zero padding folded in from a preceding ZeroPadding2D.
public struct WindowGeometry: Sendable, Equatable {
    public var inputHeight: Int, inputWidth: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideY: Int, strideX: Int
    public var padTop: Int, padBottom: Int, padLeft: Int, padRight: Int

    public var outputHeight: Int { (inputHeight + padTop + padBottom - kernelHeight) / strideY + 1 }
    public var outputWidth: Int { (inputWidth + padLeft + padRight - kernelWidth) / strideX + 1 }

    /// Keras/TensorFlow padding: 'valid' adds nothing; 'same' gives ceil(in / stride) outputs, with the
    /// odd pixel of padding at the bottom/right.
    public init(inputHeight: Int, inputWidth: Int, kernel: (Int, Int), strides: (Int, Int), same: Bool) {
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        (kernelHeight, kernelWidth) = kernel
        (strideY, strideX) = strides
        func pads(_ n: Int, _ k: Int, _ s: Int) -> (Int, Int) {
            guard same else { return (0, 0) }
            let out = (n + s - 1) / s
            let total = max((out - 1) * s + k - n, 0)
            return (total / 2, total - total / 2)
        }
        (padTop, padBottom) = pads(inputHeight, kernelHeight, strideY)
        (padLeft, padRight) = pads(inputWidth, kernelWidth, strideX)
    }

    /// A 1×1 window, stride 1, no padding: the convolution is a matrix product over the pixels.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && padTop + padBottom + padLeft + padRight == 0
    }

    public var isValid: Bool { outputHeight >= 1 && outputWidth >= 1 && inputHeight + padTop + padBottom >= kernelHeight && inputWidth + padLeft + padRight >= kernelWidth }
}
