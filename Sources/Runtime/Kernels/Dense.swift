import Tensor

/// Dense on the last axis: (rows × inFeatures) · (inFeatures × outFeatures) + bias, activation at the store.
/// Also runs a 1×1 convolution. One kernel per instance (`DenseOp.kernels` lists them and when each applies):
/// OpenBLAS GEMM; the packed-panel SIMD16 GEMM (8×32 tiles, 6×16 tiles, 6×16 with k cut into blocks); for
/// 1–4 rows the streaming GEMM (weights in read order, software prefetch); for pruned weights a CSR product
/// and the pixels-SIMD sparse product; for layers too narrow for panels (fewer than 16 outputs, such as a
/// classifier's last layer) plain row loops.
public final class Dense: BlockedOutputLayer {
    public enum Kernel: String, Sendable, CaseIterable {
        case gemm = "f32-gemm-openblas"
        case panel = "f32-gemm-8x32-avx512"
        case narrowPanel = "f32-gemm-6x16-avx512"
        /// The narrow panels with k cut into blocks (`PanelGEMM(kBlocked:)`), where that makes more than one block.
        case kBlockedPanel = "f32-gemm-6x16-avx512-kblock"
        case stream = "f32-gemm-4x32-avx512-stream"
        /// The streaming layout, reading only the weight rows of nonzero inputs (`StreamingGEMM.multiplySkippingZeros`):
        /// for the layers of a dense head after a ReLU, whose inputs are mostly zeros.
        case streamSkippingZeros = "f32-gemm-4x32-avx512-stream-skipzeros"
        case csr = "f32-spmm-scalar-csr"
        case sparsePixels = "f32-spmm-64x1-avx512-pairs", sparsePixelsOneSet = "f32-spmm-64x1-avx512"
        /// y += x[i] · W[i, :] row by row (the compiler vectorises the inner loop): for a handful of outputs
        /// (fewer than 16) this is as fast as a GEMM call and needs no library.
        case loops = "f32-gemm-scalar-rows"
        /// The same loops for 16 outputs or more: the dense kernel of a CPU with neither vectors nor OpenBLAS
        /// (a Cortex-M4). Last in the table, so the desktop's default plan keeps OpenBLAS where it did.
        case wideLoops = "f32-gemm-scalar-rows-wide"

        /// Whether this kernel can run a rows × k · k × n product with these weights.
        public func applies(rows: Int, k: Int, n: Int, weightsAreFinite: Bool) -> Bool {
            switch self {
            case .gemm, .csr: return true
            case .loops: return !PanelGEMM.supports(n: n)
            case .wideLoops: return PanelGEMM.supports(n: n)
            case .panel, .narrowPanel: return PanelGEMM.supports(n: n)
            case .kBlockedPanel: return PanelGEMM.supports(n: n) && PanelGEMM.kBlockCount(k: k, panels: (n + 15) / 16) > 1
            case .stream: return StreamingGEMM.supports(m: rows, n: n)
            case .streamSkippingZeros: return StreamingGEMM.supports(m: rows, n: n) && weightsAreFinite
            case .sparsePixels, .sparsePixelsOneSet: return SparsePixelGEMM.supports(m: rows, k: k, n: n)
            }
        }

        /// Scratch floats this kernel needs.
        public func scratchCount(rows: Int, k: Int, n: Int) -> Int {
            switch self {
            case .sparsePixels, .sparsePixelsOneSet: return SparsePixelGEMM.scratchCount(k: k, n: n)
            case .streamSkippingZeros: return StreamingGEMM.skippingZerosScratchCount(k: k)
            default: return 0
            }
        }
    }

    public let kind: String
    public let rows: Int
    public let inFeatures: Int, outFeatures: Int
    public let weights: [Float]    // (in, out) row-major, as Keras stores it
    public let bias: [Float]?
    public let activation: FusedActivation
    public let leadingShape: [Int]
    public private(set) var kernelChoice: Kernel = .gemm
    private var sparse: CSRMatrix?
    private var panel: PanelGEMM?
    private var stream: StreamingGEMM?
    private var sparsePixels: SparsePixelGEMM?

    public init(kind: String = "dense", leadingShape: [Int], inFeatures: Int, outFeatures: Int,
                weights: [Float], bias: [Float]?, activation: FusedActivation = .linear, kernel: Kernel = .gemm) {
        precondition(weights.count == inFeatures * outFeatures)
        self.kind = kind
        self.leadingShape = leadingShape
        rows = leadingShape.reduce(1, *)
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weights = weights
        self.bias = bias
        self.activation = activation
        useKernel(kernel)
    }

    public var inputShape: [Int] { leadingShape + [inFeatures] }
    public var outputShape: [Int] { leadingShape + [outFeatures] }
    public var macs: Int { rows * inFeatures * outFeatures }
    public var scratchCount: Int { kernelChoice.scratchCount(rows: rows, k: inFeatures, n: outFeatures) }

    /// Skipping a zero input is exact only when no weight is infinite or NaN (0 · ∞ is NaN).
    public var weightsAreFinite: Bool { weights.allSatisfy { $0.isFinite } }
    /// Switches to `kernel` (which must apply: `Kernel.applies`), packing the weights for it.
    public func useKernel(_ kernel: Kernel) {
        precondition(kernel.applies(rows: rows, k: inFeatures, n: outFeatures, weightsAreFinite: kernel != .streamSkippingZeros || weightsAreFinite),
                     "Dense: kernel \(kernel.rawValue) does not apply to \(kind) (\(rows) × \(inFeatures) · \(inFeatures) × \(outFeatures))")
        kernelChoice = kernel
        panel = nil
        stream = nil
        sparsePixels = nil
        sparse = nil
        switch kernel {
        case .stream, .streamSkippingZeros:
            stream = StreamingGEMM(b: weights, k: inFeatures, n: outFeatures)
        case .sparsePixels, .sparsePixelsOneSet:
            sparsePixels = SparsePixelGEMM(b: weights, k: inFeatures, n: outFeatures, pairs: kernel == .sparsePixels)
        case .panel, .narrowPanel, .kBlockedPanel:
            panel = PanelGEMM(b: weights, k: inFeatures, n: outFeatures, narrow: kernel == .narrowPanel,
                              kBlocked: kernel == .kBlockedPanel)
        case .csr:
            var transposed = [Float](repeating: 0, count: weights.count)
            for i in 0..<inFeatures {
                for o in 0..<outFeatures { transposed[o * inFeatures + i] = weights[i * outFeatures + o] }
            }
            sparse = CSRMatrix(dense: transposed, rows: outFeatures, cols: inFeatures)
        case .gemm, .loops, .wideLoops:
            break
        }
    }

    /// Whether `forwardBlocked` applies: the kernel is a 16-wide panel one.
    public var canWriteBlocked: Bool { panel?.narrow ?? false }
    /// Floats `forwardBlocked` writes (one rows × 16 block per 16-column panel).
    public var blockedCount: Int { (outFeatures + 15) / 16 * rows * 16 }


    /// `forward` with the output channel-blocked (`PanelGEMM.multiply(blockedInto:)`); needs `canWriteBlocked`.
    public func forwardBlocked(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        guard let panel, panel.narrow else { preconditionFailure("Dense.forwardBlocked: kernel \(kernelChoice.rawValue) has no blocked output") }
        panel.multiply(input, m: rows, into: output, bias: bias, activation: activation, blocked: true)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if let panel {
            // Bias and activation are applied at the panel kernel's store.
            panel.multiply(input, m: rows, into: output, bias: bias, activation: activation)
            return
        }
        if let stream {
            if kernelChoice == .streamSkippingZeros {
                withBias {
                    stream.multiplySkippingZeros(input, m: rows, into: output, bias: $0, lower: activation.lower, upper: activation.upper,
                                                 scratch: scratch)
                }
            } else {
                withBias { stream.multiply(input, m: rows, into: output, bias: $0, lower: activation.lower, upper: activation.upper) }
            }
            return
        }
        if let sparsePixels {
            withBias {
                sparsePixels.multiply(input, m: rows, into: output, bias: $0, lower: activation.lower, upper: activation.upper, scratch: scratch)
            }
            return
        }
        if let sparse {
            sparse.multiplyRows(input, count: rows, into: output)
        } else if kernelChoice == .loops || kernelChoice == .wideLoops {
            weights.withUnsafeBufferPointer { w in
                for r in 0..<rows {
                    let x = input + r * inFeatures, y = output + r * outFeatures
                    y.update(repeating: 0, count: outFeatures)
                    for i in 0..<inFeatures {
                        let xi = x[i], row = w.baseAddress! + i * outFeatures
                        for o in 0..<outFeatures { y[o] += xi * row[o] }
                    }
                }
            }
        } else {
            weights.withUnsafeBufferPointer { w in
                GEMM.multiply(m: rows, n: outFeatures, k: inFeatures, a: input, lda: inFeatures,
                              b: w.baseAddress!, ldb: outFeatures, c: output, ldc: outFeatures)
            }
        }
        activation.finishGEMM(output, rows: rows, cols: outFeatures, bias: bias)
    }
}

extension Dense {
    @inline(__always)
    private func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
        if let bias { bias.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }
}
