import Tensor

/// Conv2D (any kernel, stride, padding; bias and activation applied at the store), one kernel per instance
/// (`Conv2DOp.kernels` lists them and when each applies):
/// - im2col: patches gathered into scratch, then one GEMM (OpenBLAS, or `PanelGEMM` with packed weights and
///   bias and clamp at the store: 8×32 tiles, 6×16 tiles that fit AVX2's registers, or 6×16 with k cut
///   into blocks). The Keras HWIO kernel flattened is already the (kh·kw·Cin) × Cout GEMM operand.
/// - winograd: 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) (`WinogradF2x3.swift`), 16 panel GEMMs
///   (8×32, or 6×16 k-blocked).
/// - direct: for small patches (the 3×3×1 stems: K = 9, where a GEMM is mostly overhead), SIMD over
///   output channels, one broadcast input value per tap.
public final class Conv2D: BlockedOutputLayer {
    public enum Kernel: String, Sendable, CaseIterable {
        case im2colGEMM = "f32-conv-openblas-im2col"
        case im2colPanel = "f32-conv-8x32-avx512-im2col"
        case im2colNarrowPanel = "f32-conv-6x16-avx512-im2col"
        case im2colKBlockedPanel = "f32-conv-6x16-avx512-im2col-kblock"
        case direct = "f32-conv-1x8-avx2-direct"
        case winograd = "f32-conv-8x32-avx512-winograd"
        case winogradNarrow = "f32-conv-6x16-avx512-winograd-kblock"
        /// Plain loops, no scratch, single-precision sums: for a CPU without vectors (the Cortex-M4's FPU).
        case scalarDirect = "f32-conv-scalar-direct"

        /// Whether this kernel can run a convolution of this shape.
        public func applies(_ g: WindowGeometry, inChannels: Int, outChannels: Int) -> Bool {
            let patch = g.kernelHeight * g.kernelWidth * inChannels
            switch self {
            case .im2colGEMM, .scalarDirect: return true
            case .im2colPanel, .im2colNarrowPanel: return PanelGEMM.supports(n: outChannels)
            case .im2colKBlockedPanel:
                return PanelGEMM.supports(n: outChannels) && PanelGEMM.kBlockCount(k: patch, panels: (outChannels + 15) / 16) > 1
            case .direct: return patch <= Conv2D.directPatchLimit && outChannels >= SIMDKernels.width
            case .winograd, .winogradNarrow: return WinogradF2x3.supports(g, outChannels: outChannels)
            }
        }
    }

    /// The loader's rule: patches up to this many values (kh·kw·Cin) use the direct kernel.
    public static let directPatchLimit = 32

    public let kind: String
    /// Set only to a kernel that applies (`Kernel.applies`); switching repacks the weights.
    public var kernelChoice: Kernel {
        didSet {
            precondition(kernelChoice.applies(geometry, inChannels: inChannels, outChannels: outChannels),
                         "Conv2D: kernel \(kernelChoice.rawValue) does not apply to \(kind)")
            rebuildPackedKernels()
        }
    }
    private var panel: PanelGEMM?
    private var winograd: WinogradF2x3?

    private func rebuildPackedKernels() {
        panel = usesPanel(kernelChoice)
            ? PanelGEMM(b: kernel, k: patch, n: outChannels, narrow: kernelChoice == .im2colNarrowPanel,
                        kBlocked: kernelChoice == .im2colKBlockedPanel) : nil
        winograd = kernelChoice == .winograd || kernelChoice == .winogradNarrow
            ? WinogradF2x3(geometry: geometry, inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                           kBlocked: kernelChoice == .winogradNarrow) : nil
    }

    private func usesPanel(_ k: Kernel) -> Bool { k == .im2colPanel || k == .im2colNarrowPanel || k == .im2colKBlockedPanel }

    public let geometry: WindowGeometry
    public let inChannels: Int, outChannels: Int
    public private(set) var kernel: [Float]      // HWIO
    public private(set) var bias: [Float]?
    public var activation: FusedActivation
    private let isPointwise: Bool

    public init(kind: String = "conv2d", geometry: WindowGeometry, inChannels: Int, outChannels: Int,
                kernel: [Float], bias: [Float]?, activation: FusedActivation = .linear, choice: Kernel = .im2colGEMM) {
        precondition(kernel.count == geometry.kernelHeight * geometry.kernelWidth * inChannels * outChannels)
        precondition(choice.applies(geometry, inChannels: inChannels, outChannels: outChannels),
                     "Conv2D: kernel \(choice.rawValue) does not apply to \(kind)")
        self.kind = kind
        self.geometry = geometry
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
        isPointwise = geometry.isPointwise
        kernelChoice = choice
        rebuildPackedKernels()
    }

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, inChannels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, outChannels] }
    var pixels: Int { geometry.outputHeight * geometry.outputWidth }
    var patch: Int { geometry.kernelHeight * geometry.kernelWidth * inChannels }
    public var scratchCount: Int { Conv2D.scratchCount(kernelChoice, geometry: geometry, inChannels: inChannels, outChannels: outChannels) }

    /// Scratch floats `choice` needs: the patches for im2col (none for a plain 1×1), one patch for direct,
    /// the transformed tiles for Winograd.
    public static func scratchCount(_ choice: Kernel, geometry g: WindowGeometry, inChannels: Int, outChannels: Int) -> Int {
        let patch = g.kernelHeight * g.kernelWidth * inChannels, pixels = g.outputHeight * g.outputWidth
        switch choice {
        case .direct: return patch
        case .scalarDirect: return 0
        case .winograd, .winogradNarrow: return 16 * ((g.outputHeight + 1) / 2) * ((g.outputWidth + 1) / 2) * (inChannels + outChannels)
        case .im2colGEMM, .im2colPanel, .im2colNarrowPanel, .im2colKBlockedPanel: return g.isPointwise ? 0 : pixels * patch
        }
    }
    public var macs: Int { pixels * patch * outChannels }

    /// Whether `forwardBlocked` applies: im2col through the 16-wide panels.
    public var canWriteBlocked: Bool { panel?.narrow ?? false }
    public var blockedCount: Int { (outChannels + 15) / 16 * pixels * 16 }

    /// The GEMM's left operand: the input itself for a plain 1×1 convolution, else its patches (im2col) in
    /// `scratch`.
    @inline(__always)
    private func gemmOperand(_ input: UnsafePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if isPointwise { return input }
        Im2Col.gather(input, geometry: geometry, channels: inChannels, into: scratch)
        return UnsafePointer(scratch)
    }

    /// `forward` with the output channel-blocked (`PanelGEMM.multiply(blockedInto:)`); needs `canWriteBlocked`.
    public func forwardBlocked(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        guard let panel, panel.narrow else { preconditionFailure("Conv2D.forwardBlocked: kernel \(kernelChoice.rawValue) has no blocked output") }
        panel.multiply(gemmOperand(input, scratch), m: pixels, into: output, bias: bias, activation: activation, blocked: true)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if kernelChoice == .scalarDirect {
            kernel.withUnsafeBufferPointer { w in
                if let bias {
                    bias.withUnsafeBufferPointer { forwardScalar(input, output, w.baseAddress!, $0.baseAddress) }
                } else {
                    forwardScalar(input, output, w.baseAddress!, nil)
                }
            }
            return
        }
        if kernelChoice == .direct {
            kernel.withUnsafeBufferPointer { w in
                if let bias {
                    bias.withUnsafeBufferPointer { forwardDirect(input, output, w.baseAddress!, $0.baseAddress, patch: scratch) }
                } else {
                    forwardDirect(input, output, w.baseAddress!, nil, patch: scratch)
                }
            }
            return
        }
        if let winograd {
            if let bias {
                bias.withUnsafeBufferPointer { winograd.run(input, output, scratch: scratch, bias: $0.baseAddress, activation: activation) }
            } else {
                winograd.run(input, output, scratch: scratch, bias: nil, activation: activation)
            }
            return
        }
        let operand = gemmOperand(input, scratch)
        if let panel {
            panel.multiply(operand, m: pixels, into: output, bias: bias, activation: activation)
            return
        }
        kernel.withUnsafeBufferPointer { w in
            GEMM.multiply(m: pixels, n: outChannels, k: patch, a: operand, lda: patch,
                          b: w.baseAddress!, ldb: outChannels, c: output, ldc: outChannels)
        }
        activation.finishGEMM(output, rows: pixels, cols: outChannels, bias: bias)
    }
}

extension Conv2D {
    /// Direct convolution, SIMD over output channels (needs Cout ≥ 8; the last vector overlaps the previous
    /// one when Cout is not a multiple of 8, recomputing those lanes to the same values). Each output
    /// pixel's patch (≤ directPatchLimit values, zeros in the padding) is gathered into `patch` first, so
    /// the inner loop is a plain broadcast-FMA over the patch.
    @inline(__always)
    func forwardDirect(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                       _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?, patch: UnsafeMutablePointer<Float>) {
        typealias V = SIMDKernels.Vector
        let g = geometry, C = inChannels, O = outChannels, W = SIMDKernels.width
        let K = g.kernelHeight * g.kernelWidth * C
        let lo = V(repeating: activation.lower), hi = V(repeating: activation.upper)
        let vectorCount = (O + W - 1) / W
        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            for ox in 0..<g.outputWidth {
                let x0 = ox * g.strideX - g.padLeft
                var t = 0
                for ky in 0..<g.kernelHeight {
                    let iy = y0 + ky
                    for kx in 0..<g.kernelWidth {
                        let ix = x0 + kx
                        if iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth {
                            (patch + t).update(from: input + (iy * g.inputWidth + ix) * C, count: C)
                        } else {
                            (patch + t).update(repeating: 0, count: C)
                        }
                        t += C
                    }
                }
                let out = output + (oy * g.outputWidth + ox) * O
                for v in 0..<vectorCount {
                    let o = min(v * W, O - W)
                    var acc: V = bias.map { p -> V in load(p + o) } ?? V()
                    var wp = w + o
                    for i in 0..<K {
                        acc.addProduct(V(repeating: patch[i]), load(wp))
                        wp += O
                    }
                    store(clamp(acc, lo, hi), out + o)
                }
            }
        }
    }
}

extension Conv2D {
    /// Direct convolution in plain loops: for each output pixel, the bias, then every tap inside the image
    /// adds input value × its row of output-channel weights (the HWIO kernel's rows are contiguous), then the
    /// clamp. No scratch; Float sums.
    func forwardScalar(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                       _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?) {
        let g = geometry, C = inChannels, O = outChannels
        let lower = activation.lower, upper = activation.upper
        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            for ox in 0..<g.outputWidth {
                let x0 = ox * g.strideX - g.padLeft
                let out = output + (oy * g.outputWidth + ox) * O
                if let bias { out.update(from: bias, count: O) } else { out.update(repeating: 0, count: O) }
                for ky in 0..<g.kernelHeight {
                    let iy = y0 + ky
                    guard iy >= 0 && iy < g.inputHeight else { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = x0 + kx
                        guard ix >= 0 && ix < g.inputWidth else { continue }
                        let x = input + (iy * g.inputWidth + ix) * C
                        var row = w + (ky * g.kernelWidth + kx) * C * O
                        for i in 0..<C {
                            let xi = x[i]
                            for o in 0..<O { out[o] += xi * row[o] }
                            row += O
                        }
                    }
                }
                for o in 0..<O { out[o] = min(max(out[o], lower), upper) }
            }
        }
    }
}

/// Patches of an NHWC image as rows of a matrix: row (oy, ox) holds the window in (ky, kx, c) order,
/// zeros where the window hangs over the (padded) edge.
public enum Im2Col {
    /// Copies `count` floats; short runs (the 3-value rows of a one-channel stem) as a plain loop, which
    /// costs a fraction of a `memmove` call.
    @inline(__always)
    static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ count: Int) {
        if count == 3 {
            dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]
        } else if count <= 16 {
            for i in 0..<count { dst[i] = src[i] }
        } else {
            dst.update(from: src, count: count)
        }
    }

    public static func gather(_ input: UnsafePointer<Float>, geometry g: WindowGeometry, channels: Int,
                              into cols: UnsafeMutablePointer<Float>) {
        let rowLength = g.kernelWidth * channels, patch = g.kernelHeight * rowLength
        // Output columns whose window lies inside the image horizontally: [oxLo, oxHi).
        let oxLo = min((g.padLeft + g.strideX - 1) / g.strideX, g.outputWidth)
        let oxHi = max(oxLo, min(g.outputWidth, g.inputWidth + g.padLeft - g.kernelWidth >= 0
                                 ? (g.inputWidth + g.padLeft - g.kernelWidth) / g.strideX + 1 : 0))
        for oy in 0..<g.outputHeight {
            for ky in 0..<g.kernelHeight {
                let iy = oy * g.strideY + ky - g.padTop
                let rowDst = cols + oy * g.outputWidth * patch + ky * rowLength
                if iy < 0 || iy >= g.inputHeight {
                    for ox in 0..<g.outputWidth {
                        for i in 0..<rowLength { rowDst[ox * patch + i] = 0 }
                    }
                    continue
                }
                let src = input + iy * g.inputWidth * channels
                /// One window row that hangs over the left or right edge.
                func edge(_ ox: Int) {
                    let x0 = ox * g.strideX - g.padLeft, dst = rowDst + ox * patch
                    for kx in 0..<g.kernelWidth {
                        let ix = x0 + kx
                        if ix < 0 || ix >= g.inputWidth {
                            for i in 0..<channels { dst[kx * channels + i] = 0 }
                        } else {
                            copy(dst + kx * channels, src + ix * channels, channels)
                        }
                    }
                }
                for ox in 0..<oxLo { edge(ox) }
                var s = src + (oxLo * g.strideX - g.padLeft) * channels
                var d = rowDst + oxLo * patch
                let step = g.strideX * channels
                for _ in oxLo..<oxHi {
                    copy(d, s, rowLength)
                    s += step
                    d += patch
                }
                for ox in oxHi..<g.outputWidth { edge(ox) }
            }
        }
    }
}
