import Tensor

/// DepthwiseConv2D, depth multiplier 1: direct, SIMD over channels, bias (folded BN) and activation clamp
/// at the store. Five kernels (`Kernel`), timed by the loader: rows-simd16/8 and pixels-simd16x4 in their
/// own files, and below the SIMD8 one (`run`) and plain loops. In the SIMD ones a channel count that is
/// not a multiple of the vector width finishes with one vector that overlaps the previous one (those lanes
/// are recomputed to the same values), so there is no scalar tail unless C is below the width. Interior
/// pixels of a 3×3 kernel take an unrolled path with no bounds checks; border pixels skip the taps that
/// fall in the padding. The kernels read 64-byte-aligned copies of the weights and bias.
public final class DepthwiseConv2D: Layer {
    public let kind: String
    public let geometry: WindowGeometry
    public let channels: Int
    public private(set) var kernel: [Float] { didSet { alignedKernel = AlignedFloats(kernel) } }   // (kh, kw, C)
    public private(set) var bias: [Float] { didSet { alignedBias = AlignedFloats(bias) } }
    /// 64-byte-aligned copies the kernels read (whole-cache-line loads when C is a multiple of 16).
    private var alignedKernel: AlignedFloats
    private var alignedBias: AlignedFloats
    public var activation: FusedActivation

    /// `.rows16` / `.rows8`: channel blocks of 16 or 8 outermost, weights held in registers
    /// (`DepthwiseConv2D+Rows.swift`; C ≥ 16 or 8; eight lanes is the width that fits AVX2's registers).
    /// `.pixels64`: pixels outermost, 64 channels at a time, for small images (`DepthwiseConv2D+Pixels64.swift`;
    /// C ≥ 64). `.simd8`: pixels outermost, 8-lane channel vectors. `.plainLoops`: the same computation as
    /// plain loops over channels, left to LLVM's auto-vectoriser, which wins on builds without AVX (where
    /// SIMD lanes become calls).
    public enum Kernel: String, Sendable, CaseIterable {
        case rows16 = "rows-simd16", rows8 = "rows-simd8", pixels64 = "pixels-simd16x4", simd8 = "direct-simd8", plainLoops = "direct-loops"
    }
    public var kernelChoice: Kernel {
        didSet {
            if kernelChoice == .rows16 && channels < 16 { kernelChoice = .simd8 }
            if kernelChoice == .rows8 && channels < 8 { kernelChoice = .simd8 }
            if kernelChoice == .pixels64 && channels < 64 { kernelChoice = .simd8 }
        }
    }

    /// The kernels that can run this layer on this build (the SIMD ones only with fast wide vectors).
    public var candidateKernels: [Kernel] {
        guard SIMDKernels.hasFastWideVectors else { return [.plainLoops] }
        if channels >= 64 { return [.rows16, .rows8, .pixels64, .simd8, .plainLoops] }
        return channels >= 16 ? [.rows16, .rows8, .simd8, .plainLoops] : channels >= 8 ? [.rows8, .simd8, .plainLoops] : [.simd8, .plainLoops]
    }

    public init(kind: String = "depthwise_conv2d", geometry: WindowGeometry, channels: Int,
                kernel: [Float], bias: [Float]?, activation: FusedActivation = .linear) {
        precondition(kernel.count == geometry.kernelHeight * geometry.kernelWidth * channels)
        self.kind = kind
        self.geometry = geometry
        self.channels = channels
        self.kernel = kernel
        self.bias = bias ?? [Float](repeating: 0, count: channels)
        alignedKernel = AlignedFloats(kernel)
        alignedBias = AlignedFloats(self.bias)
        self.activation = activation
        kernelChoice = !SIMDKernels.hasFastWideVectors ? .plainLoops : channels >= 16 ? .rows16 : .simd8
    }

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, channels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, channels] }
    public var macs: Int { geometry.outputHeight * geometry.outputWidth * geometry.kernelHeight * geometry.kernelWidth * channels }

    public func foldAffine(scale: [Float], shift: [Float]) {
        var scaled = kernel   // assigned once: each assignment refreshes the aligned copy
        for t in 0..<(scaled.count / channels) {
            for c in 0..<channels { scaled[t * channels + c] *= scale[c] }
        }
        kernel = scaled
        bias = (0..<channels).map { bias[$0] * scale[$0] + shift[$0] }
    }

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

    /// The depthwise product of a channel-blocked input (see `PointwiseDepthwise`), NHWC output, with the
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
                    var acc = SIMDKernels.load(b + c)
                    if interior && unrolled3x3 {
                        let p = origin + c, q = k + c
                        let r1 = p + rowStride, r2 = p + 2 * rowStride
                        acc.addProduct(SIMDKernels.load(p), SIMDKernels.load(q))
                        acc.addProduct(SIMDKernels.load(p + C), SIMDKernels.load(q + C))
                        acc.addProduct(SIMDKernels.load(p + 2 * C), SIMDKernels.load(q + 2 * C))
                        acc.addProduct(SIMDKernels.load(r1), SIMDKernels.load(q + 3 * C))
                        acc.addProduct(SIMDKernels.load(r1 + C), SIMDKernels.load(q + 4 * C))
                        acc.addProduct(SIMDKernels.load(r1 + 2 * C), SIMDKernels.load(q + 5 * C))
                        acc.addProduct(SIMDKernels.load(r2), SIMDKernels.load(q + 6 * C))
                        acc.addProduct(SIMDKernels.load(r2 + C), SIMDKernels.load(q + 7 * C))
                        acc.addProduct(SIMDKernels.load(r2 + 2 * C), SIMDKernels.load(q + 8 * C))
                    } else if kyStart < kyEnd && kxStart < kxEnd {
                        for ky in kyStart..<kyEnd {
                            let row = origin + ky * rowStride + c
                            let krow = k + ky * g.kernelWidth * C + c
                            for kx in kxStart..<kxEnd {
                                acc.addProduct(SIMDKernels.load(row + kx * C), SIMDKernels.load(krow + kx * C))
                            }
                        }
                    }
                    SIMDKernels.store(SIMDKernels.clamp(acc, lo, hi), out + c)
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
