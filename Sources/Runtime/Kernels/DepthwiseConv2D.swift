import Tensor

/// DepthwiseConv2D, depth multiplier 1: direct, SIMD over channels, bias (folded BN) and activation clamp
/// at the store. Five kernels (`Kernel`, listed in `DepthwiseOp.kernels`): rowx16/rowx8 and 1x64 in their
/// own files, and below the SIMD8 one (`run`) and plain loops. In the SIMD ones a channel count that is
/// not a multiple of the vector width finishes with one vector that overlaps the previous one (those lanes
/// are recomputed to the same values), so there is no scalar tail unless C is below the width. Interior
/// pixels of a 3×3 kernel take an unrolled path with no bounds checks; border pixels skip the taps that
/// fall in the padding. The kernels read 64-byte-aligned copies of the weights and bias.
public final class DepthwiseConv2D: Layer {
    public let kind: String
    public let geometry: WindowGeometry
    public let channels: Int
    public let kernel: [Float]   // (kh, kw, C)
    public let bias: [Float]
    /// 64-byte-aligned copies the kernels read (whole-cache-line loads when C is a multiple of 16).
    private let alignedKernel: AlignedFloats
    private let alignedBias: AlignedFloats
    public let activation: FusedActivation

    /// `.rows16` / `.rows8`: channel blocks of 16 or 8 outermost, weights held in registers
    /// (`DepthwiseConv2D+Rows.swift`; C ≥ 16 or 8; eight lanes is the width that fits AVX2's registers).
    /// `.pixels64`: pixels outermost, 64 channels at a time, for small images (`DepthwiseConv2D+Pixels64.swift`;
    /// C ≥ 64). `.simd8`: pixels outermost, 8-lane channel vectors. `.plainLoops`: the same computation as
    /// plain loops over channels, left to LLVM's auto-vectoriser, which wins on builds without AVX (where
    /// SIMD lanes become calls).
    public enum Kernel: String, Sendable, CaseIterable {
        case rows16 = "f32-dwconv-rowx16-avx512", rows8 = "f32-dwconv-rowx8-avx2", pixels64 = "f32-dwconv-1x64-avx512"
        case simd8 = "f32-dwconv-1x8-avx2", plainLoops = "f32-dwconv-scalar-loops"

        /// Whether this kernel can run `channels` channels.
        public func applies(channels: Int) -> Bool {
            switch self {
            case .rows16: return channels >= 16
            case .rows8: return channels >= 8
            case .pixels64: return channels >= 64
            case .simd8, .plainLoops: return true
            }
        }
    }
    /// Set only to a kernel that applies (`Kernel.applies`).
    public var kernelChoice: Kernel {
        didSet { precondition(kernelChoice.applies(channels: channels), "DepthwiseConv2D: \(kernelChoice.rawValue) needs more than \(channels) channels") }
    }

    public init(kind: String = "depthwise_conv2d", geometry: WindowGeometry, channels: Int,
                kernel: [Float], bias: [Float]?, activation: FusedActivation = .linear, choice: Kernel = .plainLoops) {
        precondition(kernel.count == geometry.kernelHeight * geometry.kernelWidth * channels)
        precondition(choice.applies(channels: channels), "DepthwiseConv2D: \(choice.rawValue) needs more than \(channels) channels")
        self.kind = kind
        self.geometry = geometry
        self.channels = channels
        self.kernel = kernel
        self.bias = bias ?? [Float](repeating: 0, count: channels)
        alignedKernel = AlignedFloats(kernel)
        alignedBias = AlignedFloats(self.bias)
        self.activation = activation
        kernelChoice = choice
    }

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, channels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, channels] }
    public var macs: Int { geometry.outputHeight * geometry.outputWidth * geometry.kernelHeight * geometry.kernelWidth * channels }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let k = UnsafePointer(alignedKernel.pointer), b = UnsafePointer(alignedBias.pointer)
        switch kernelChoice {
        case .rows16: runRows16(input, output, k, b)
        case .rows8: runRows8(input, output, k, b)
        case .pixels64: runPixels64(input, output, k, b)
        case .simd8: run(input, output, k, b)
        case .plainLoops: runPlainLoops(input, output, k, b)
        }
    }

    /// The depthwise product of a channel-blocked input (`Layout.blocked16`, `BlockedInputDepthwise`), NHWC output, with the
    /// 16- or 8-lane row kernel. Needs C ≥ 16.
    public func forwardBlocked(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, lanes: Int) {
        precondition(channels >= 16, "DepthwiseConv2D.forwardBlocked: needs 16 channels or more")
        let k = UnsafePointer(alignedKernel.pointer), b = UnsafePointer(alignedBias.pointer)
        if lanes == 16 { runRowsBlocked16(input, output, k, b) } else { runRowsBlocked8(input, output, k, b) }
    }

    @inline(__always)
    private func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                     _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        typealias V = SIMDKernels.Vector
        let g = geometry, C = channels, W = SIMDKernels.width
        let lo = V(repeating: activation.lower), hi = V(repeating: activation.upper)
        let rowStride = g.inputWidth * C
        // Channel offsets of the vectors: 0, 8, …, and a last one at C − 8 when C is not a multiple of 8.
        let vectorCount = C >= W ? (C + W - 1) / W : 0
        let unrolled3x3 = g.kernelHeight == 3 && g.kernelWidth == 3
        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight - y0)
            for ox in 0..<g.outputWidth {
                let x0 = ox * g.strideX - g.padLeft
                let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth - x0)
                let out = output + (oy * g.outputWidth + ox) * C
                let interior = kyStart == 0 && kxStart == 0 && kyEnd == g.kernelHeight && kxEnd == g.kernelWidth
                let origin = input + (y0 * g.inputWidth + x0) * C   // may point before the image at borders
                for v in 0..<vectorCount {
                    let c = min(v * W, C - W)
                    var acc: V = load(b + c)
                    if interior && unrolled3x3 {
                        let p = origin + c, q = k + c
                        let r1 = p + rowStride, r2 = p + 2 * rowStride
                        acc.addProduct(load(p), load(q))
                        acc.addProduct(load(p + C), load(q + C))
                        acc.addProduct(load(p + 2 * C), load(q + 2 * C))
                        acc.addProduct(load(r1), load(q + 3 * C))
                        acc.addProduct(load(r1 + C), load(q + 4 * C))
                        acc.addProduct(load(r1 + 2 * C), load(q + 5 * C))
                        acc.addProduct(load(r2), load(q + 6 * C))
                        acc.addProduct(load(r2 + C), load(q + 7 * C))
                        acc.addProduct(load(r2 + 2 * C), load(q + 8 * C))
                    } else if kyStart < kyEnd && kxStart < kxEnd {
                        for ky in kyStart..<kyEnd {
                            let row = origin + ky * rowStride + c
                            let krow = k + ky * g.kernelWidth * C + c
                            for kx in kxStart..<kxEnd {
                                acc.addProduct(load(row + kx * C), load(krow + kx * C))
                            }
                        }
                    }
                    store(clamp(acc, lo, hi), out + c)
                }
                if vectorCount == 0 {   // fewer than 8 channels: scalar
                    for c in 0..<C {
                        var acc = b[c]
                        if kyStart < kyEnd && kxStart < kxEnd {
                            for ky in kyStart..<kyEnd {
                                for kx in kxStart..<kxEnd {
                                    acc += origin[ky * rowStride + kx * C + c] * k[(ky * g.kernelWidth + kx) * C + c]
                                }
                            }
                        }
                        out[c] = activation.apply(acc)
                    }
                }
            }
        }
    }

    private func runPlainLoops(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                               _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        let g = geometry, C = channels
        let lower = activation.lower, upper = activation.upper
        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight - y0)
            for ox in 0..<g.outputWidth {
                let x0 = ox * g.strideX - g.padLeft
                let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth - x0)
                let out = output + (oy * g.outputWidth + ox) * C
                out.update(from: b, count: C)
                if kyStart < kyEnd && kxStart < kxEnd {
                    for ky in kyStart..<kyEnd {
                        for kx in kxStart..<kxEnd {
                            let x = input + ((y0 + ky) * g.inputWidth + x0 + kx) * C
                            let w = k + (ky * g.kernelWidth + kx) * C
                            for c in 0..<C { out[c] += x[c] * w[c] }
                        }
                    }
                }
                for c in 0..<C { out[c] = min(max(out[c], lower), upper) }
            }
        }
    }
}
