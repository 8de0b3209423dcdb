import Tensor

/// Dense on the last axis: (rows × inFeatures) · (inFeatures × outFeatures) + bias, activation at the store.
/// Also serves a 1×1 convolution after a folded GEMM. Kernels (the loader times them and keeps the fastest):
/// OpenBLAS GEMM; the packed-panel SIMD16 GEMM; for 1–4 rows the streaming GEMM (weights in read order,
/// software prefetch); for pruned weights a CSR product and the pixels-SIMD sparse product; for layers too
/// narrow for panels (fewer than 16 outputs, such as a classifier's last layer) plain row loops.
public final class Dense: BlockedOutputLayer {
    public enum Kernel: String, Sendable, CaseIterable {
        case gemm, csr, panel = "panel-simd16", narrowPanel = "panel16x6-simd16", stream = "stream-prefetch-simd16x32"
        /// The streaming layout, reading only the weight rows of nonzero inputs (`StreamingGEMM.multiplySkippingZeros`):
        /// for the layers of a dense head after a ReLU, whose inputs are mostly zeros.
        case streamSkippingZeros = "stream-skip-zeros-simd16x32"
        /// The narrow panels with k cut into blocks (`PanelGEMM(kBlocked:)`), where that makes more than one block.
        case kBlockedPanel = "panel16x6-kblock-simd16"
        case sparsePixels = "sparse-pixels-simd16x64", sparsePixelsOneSet = "sparse-pixels-simd16x64-1set"
        /// y += x[i] · W[i, :] row by row (the compiler vectorises the inner loop): for a handful of outputs
        /// this is as fast as a GEMM call and needs no library.
        case loops

        /// The kernels that can write a channel-blocked output (`forwardBlocked`): the 16-wide panel ones.
        public static let blockedOutputKernels: [Kernel] = [.narrowPanel, .kBlockedPanel]
    }

    public let kind: String
    public let rows: Int
    public let inFeatures: Int, outFeatures: Int
    public private(set) var weights: [Float]    // (in, out) row-major, as Keras stores it
    public private(set) var bias: [Float]?
    public var activation: FusedActivation
    public let leadingShape: [Int]
    public private(set) var kernelChoice: Kernel = .gemm
    /// The kernels the loader's one-layer timing found within 2× of the fastest, fastest first (set by the
    /// loader; empty: not timed), which its in-network pass compares again.
    public internal(set) var contenders: [Kernel] = []
    private var sparse: CSRMatrix?
    private var panel: PanelGEMM?
    private var stream: StreamingGEMM?
    private var sparsePixels: SparsePixelGEMM?

    public init(kind: String = "dense", leadingShape: [Int], inFeatures: Int, outFeatures: Int,
                weights: [Float], bias: [Float]?, activation: FusedActivation = .linear) {
        precondition(weights.count == inFeatures * outFeatures)
        self.kind = kind
        self.leadingShape = leadingShape
        rows = leadingShape.reduce(1, *)
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }

    public var inputShape: [Int] { leadingShape + [inFeatures] }
    public var outputShape: [Int] { leadingShape + [outFeatures] }
    public var macs: Int { rows * inFeatures * outFeatures }
    public var scratchCount: Int { sparsePixels == nil && kernelChoice != .streamSkippingZeros ? 0 : maxScratchCount }
    /// The scratch of the most demanding kernel this layer can run (the network plans for it, so that a
    /// kernel can be switched after loading, as `Network.compareDenseKernels` does).
    public var maxScratchCount: Int {
        max(SparsePixelGEMM.supports(m: rows, k: inFeatures, n: outFeatures) ? SparsePixelGEMM.scratchCount(k: inFeatures, n: outFeatures) : 0,
            StreamingGEMM.supports(m: rows, n: outFeatures) ? StreamingGEMM.skippingZerosScratchCount(k: inFeatures) : 0)
    }

    /// The kernels that can run this layer: the sparse ones only when `allowSparse` and at least
    /// `minZeroFraction` of the weights are zero; the SIMD16 ones only with fast wide vectors.
    public func candidateKernels(allowSparse: Bool, minZeroFraction: Double) -> [Kernel] {
        var k: [Kernel] = [.gemm]
        let simd = SIMDKernels.hasFastWideVectors
        if PanelGEMM.supports(n: outFeatures) && simd { k += [.panel, .narrowPanel] }
        if PanelGEMM.supports(n: outFeatures) && simd && PanelGEMM.kBlockCount(k: inFeatures, panels: (outFeatures + 15) / 16) > 1 {
            k.append(.kBlockedPanel)
        }
        if StreamingGEMM.supports(m: rows, n: outFeatures) && simd { k.append(.stream) }
        if StreamingGEMM.supports(m: rows, n: outFeatures) && simd && weightsAreFinite { k.append(.streamSkippingZeros) }
        if !PanelGEMM.supports(n: outFeatures) { k.append(.loops) }
        if allowSparse && zeroFraction >= minZeroFraction {
            k.append(.csr)
            if SparsePixelGEMM.supports(m: rows, k: inFeatures, n: outFeatures) && simd { k += [.sparsePixels, .sparsePixelsOneSet] }
        }
        return k
    }
    /// Skipping a zero input is exact only when no weight is infinite or NaN (0 · ∞ is NaN).
    public var weightsAreFinite: Bool { weights.allSatisfy(\.isFinite) }
    public var zeroFraction: Double {
        Double(weights.lazy.filter { $0 == 0 }.count) / Double(max(weights.count, 1))
    }

    public func foldAffine(scale: [Float], shift: [Float]) {
        for i in 0..<inFeatures {
            for o in 0..<outFeatures { weights[i * outFeatures + o] *= scale[o] }
        }
        let b = bias ?? [Float](repeating: 0, count: outFeatures)
        bias = (0..<outFeatures).map { b[$0] * scale[$0] + shift[$0] }
        if kernelChoice != .gemm { useKernel(kernelChoice) }
    }

    /// Switches between the OpenBLAS GEMM, the CSR product (Wᵀ stored as CSR rows), the packed-panel
    /// SIMD16 GEMM in 32- or 16-wide panels (only when outFeatures ≥ 16), the streaming GEMM (1–4 rows, outFeatures ≥ 32) and the
    /// pixels-SIMD sparse product (≥ 64 rows, ≥ 16 in and out); where a kernel does not apply the GEMM stays.
    public func useKernel(_ kernel: Kernel) {
        kernelChoice = kernel
        panel = nil
        stream = nil
        sparsePixels = nil
        if kernel == .stream || kernel == .streamSkippingZeros {
            sparse = nil
            guard StreamingGEMM.supports(m: rows, n: outFeatures), kernel == .stream || weightsAreFinite else { kernelChoice = .gemm; return }
            stream = StreamingGEMM(b: weights, k: inFeatures, n: outFeatures)
        } else if kernel == .sparsePixels || kernel == .sparsePixelsOneSet {
            sparse = nil
            guard SparsePixelGEMM.supports(m: rows, k: inFeatures, n: outFeatures) else { kernelChoice = .gemm; return }
            sparsePixels = SparsePixelGEMM(b: weights, k: inFeatures, n: outFeatures, pairs: kernel == .sparsePixels)
        } else if kernel == .panel || kernel == .narrowPanel || kernel == .kBlockedPanel {
            guard PanelGEMM.supports(n: outFeatures) else { kernelChoice = .gemm; sparse = nil; return }
            panel = PanelGEMM(b: weights, k: inFeatures, n: outFeatures, narrow: kernel == .narrowPanel,
                              kBlocked: kernel == .kBlockedPanel)
            sparse = nil
        } else if kernel == .csr {
            var transposed = [Float](repeating: 0, count: weights.count)
            for i in 0..<inFeatures {
                for o in 0..<outFeatures { transposed[o * inFeatures + i] = weights[i * outFeatures + o] }
            }
            sparse = CSRMatrix(dense: transposed, rows: outFeatures, cols: inFeatures)
        } else {
            sparse = nil
        }
    }

    /// Whether `forwardBlocked` applies: the kernel is a 16-wide panel one.
    public var canWriteBlocked: Bool { panel?.narrow ?? false }
    /// Floats `forwardBlocked` writes (one rows × 16 block per 16-column panel).
    public var blockedCount: Int { (outFeatures + 15) / 16 * rows * 16 }

    public var kernelName: String { kernelChoice.rawValue }

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
        } else if kernelChoice == .loops {
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

/// The plain dense layer the GEMM and CSR paths are checked against.
public enum DenseReference {
    public static func run(input: [Float], rows: Int, inFeatures: Int, outFeatures: Int,
                           weights: [Float], bias: [Float]?, activation: FusedActivation) -> [Float] {
        var out = [Float](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = Double(bias?[o] ?? 0)
                for i in 0..<inFeatures { sum += Double(input[r * inFeatures + i]) * Double(weights[i * outFeatures + o]) }
                out[r * outFeatures + o] = activation.apply(Float(sum))
            }
        }
        return out
    }
}
