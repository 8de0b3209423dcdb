import Testing
@testable import Layers
import Tensor

/// Random convolution geometries, including the awkward ones: 1×1 images, one channel, channel counts
/// that are not a multiple of the SIMD width, strides larger than the kernel, 'same' with odd padding,
/// and explicit extra padding (what a folded ZeroPadding2D produces).
struct ConvCase: CustomStringConvertible, Sendable {
    let h, w, cin, cout, kh, kw, sy, sx: Int
    let same: Bool
    let extra: (Int, Int, Int, Int)
    var description: String { "\(h)×\(w)×\(cin)→\(cout) k\(kh)×\(kw) s\(sy),\(sx) \(same ? "same" : "valid") +\(extra)" }

    var geometry: WindowGeometry {
        var g = WindowGeometry(inputHeight: h + extra.0 + extra.1, inputWidth: w + extra.2 + extra.3,
                               kernel: (kh, kw), strides: (sy, sx), same: same)
        g.inputHeight = h; g.inputWidth = w
        g.padTop += extra.0; g.padBottom += extra.1; g.padLeft += extra.2; g.padRight += extra.3
        return g
    }

    static let fixed: [ConvCase] = [
        ConvCase(h: 1, w: 1, cin: 1, cout: 1, kh: 1, kw: 1, sy: 1, sx: 1, same: false, extra: (0, 0, 0, 0)),
        ConvCase(h: 1, w: 1, cin: 3, cout: 5, kh: 3, kw: 3, sy: 1, sx: 1, same: true, extra: (0, 0, 0, 0)),
        ConvCase(h: 64, w: 64, cin: 1, cout: 69, kh: 3, kw: 3, sy: 2, sx: 2, same: false, extra: (0, 0, 0, 0)),
        ConvCase(h: 49, w: 10, cin: 1, cout: 17, kh: 3, kw: 3, sy: 2, sx: 1, same: false, extra: (0, 0, 0, 0)),
        ConvCase(h: 7, w: 5, cin: 9, cout: 8, kh: 1, kw: 1, sy: 1, sx: 1, same: false, extra: (0, 0, 0, 0)),
        ConvCase(h: 8, w: 6, cin: 16, cout: 3, kh: 3, kw: 3, sy: 2, sx: 2, same: false, extra: (0, 1, 0, 1)),
        ConvCase(h: 5, w: 4, cin: 17, cout: 2, kh: 2, kw: 3, sy: 3, sx: 1, same: true, extra: (0, 0, 0, 0)),
        // A patch of 360 > PanelGEMM.kBlockLimit: two k blocks for im2col+panel16x6-kblock.
        ConvCase(h: 7, w: 6, cin: 40, cout: 35, kh: 3, kw: 3, sy: 1, sx: 1, same: true, extra: (0, 0, 0, 0)),
    ]

    static func random(_ count: Int, seed: UInt64) -> [ConvCase] {
        var rng = SeededRandom(seed)
        return (0..<count).compactMap { _ in
            let kh = Int.random(in: 1...4, using: &rng), kw = Int.random(in: 1...4, using: &rng)
            let c = ConvCase(h: Int.random(in: 1...12, using: &rng), w: Int.random(in: 1...12, using: &rng),
                             cin: Int.random(in: 1...19, using: &rng), cout: Int.random(in: 1...21, using: &rng),
                             kh: kh, kw: kw, sy: Int.random(in: 1...3, using: &rng), sx: Int.random(in: 1...3, using: &rng),
                             same: Bool.random(using: &rng),
                             extra: Bool.random(using: &rng) ? (0, 0, 0, 0) : (Int.random(in: 0...1, using: &rng), 1, 0, Int.random(in: 0...2, using: &rng)))
            return c.geometry.isValid ? c : nil
        }
    }
}

@Suite struct KernelTests {
    static let cases = ConvCase.fixed + ConvCase.random(40, seed: 1)

    @Test(arguments: cases)
    func conv2DMatchesReference(_ c: ConvCase) {
        var rng = SeededRandom(UInt64(c.h * 1000 + c.cin * 10 + c.cout))
        let input = rng.floats(c.h * c.w * c.cin)
        let kernel = rng.floats(c.kh * c.kw * c.cin * c.cout)
        let bias = rng.floats(c.cout)
        // Every kernel that applies, including those the default plan would not pick for this shape: direct
        // needs ≥ 8 output channels, the panel GEMMs ≥ 16, Winograd a 3×3 stride-1 window.
        for activation in [FusedActivation.linear, .relu, .relu6] {
            let useBias = activation != .relu
            let expected = Conv2DReference.run(input: input, geometry: c.geometry, inChannels: c.cin, outChannels: c.cout,
                                               kernel: kernel, bias: useBias ? bias : nil, activation: activation)
            for choice in Conv2D.Kernel.allCases {
                let winogradFits = c.kh == 3 && c.kw == 3 && c.sy == 1 && c.sx == 1 && c.cout >= 16
                let patch = c.kh * c.kw * c.cin
                let applies = !(choice == .direct && (c.cout < 8 || patch > Conv2D.directPatchLimit)
                    || (choice == .im2colPanel || choice == .im2colNarrowPanel) && c.cout < 16
                    || choice == .im2colKBlockedPanel && (c.cout < 16 || PanelGEMM.kBlockCount(k: patch, panels: (c.cout + 15) / 16) < 2)
                    || (choice == .winograd || choice == .winogradNarrow) && !winogradFits)
                #expect(choice.applies(c.geometry, inChannels: c.cin, outChannels: c.cout) == applies, "\(c) \(choice)")
                guard applies else { continue }
                let layer = Conv2D(geometry: c.geometry, inChannels: c.cin, outChannels: c.cout,
                                   kernel: kernel, bias: useBias ? bias : nil, activation: activation, choice: choice)
                #expect(layer.outputShape == [c.geometry.outputHeight, c.geometry.outputWidth, c.cout])
                #expect(worstRelativeError(run(layer, input), expected) < 1e-4, "\(c) \(activation) \(choice)")
            }
        }
    }

    /// Winograd F(2×2, 3×3) on odd output sizes (a last tile half outside), 'same' and 'valid', extra
    /// padding, one pixel, and channel counts around the panel widths.
    @Test(arguments: [
        ConvCase(h: 11, w: 7, cin: 40, cout: 48, kh: 3, kw: 3, sy: 1, sx: 1, same: false, extra: (0, 0, 0, 0)),
        ConvCase(h: 6, w: 5, cin: 17, cout: 33, kh: 3, kw: 3, sy: 1, sx: 1, same: true, extra: (0, 0, 0, 0)),
        ConvCase(h: 1, w: 1, cin: 3, cout: 16, kh: 3, kw: 3, sy: 1, sx: 1, same: true, extra: (0, 0, 0, 0)),
        ConvCase(h: 2, w: 9, cin: 5, cout: 20, kh: 3, kw: 3, sy: 1, sx: 1, same: false, extra: (1, 1, 0, 2)),
        ConvCase(h: 8, w: 8, cin: 1, cout: 69, kh: 3, kw: 3, sy: 1, sx: 1, same: true, extra: (0, 0, 0, 0)),
    ])
    func winogradMatchesReference(_ c: ConvCase) {
        var rng = SeededRandom(UInt64(c.h * 100 + c.cin * 10 + c.cout))
        let input = rng.floats(c.h * c.w * c.cin, in: -3...3)
        let kernel = rng.floats(9 * c.cin * c.cout), bias = rng.floats(c.cout)
        for activation in [FusedActivation.linear, .relu6] {
            let expected = Conv2DReference.run(input: input, geometry: c.geometry, inChannels: c.cin, outChannels: c.cout,
                                               kernel: kernel, bias: bias, activation: activation)
            for choice in [Conv2D.Kernel.winograd, .winogradNarrow] {
                #expect(choice.applies(c.geometry, inChannels: c.cin, outChannels: c.cout))
                let layer = Conv2D(geometry: c.geometry, inChannels: c.cin, outChannels: c.cout, kernel: kernel, bias: bias,
                                   activation: activation, choice: choice)
                #expect(worstRelativeError(run(layer, input), expected) < 1e-4, "\(c) \(activation) \(choice)")
            }
        }
    }

    /// The k-blocked Winograd GEMMs over two k blocks (48 input channels, 69 panels: blocks of 24), with
    /// 15 tiles per GEMM (6 + 6 + 3 rows) and an overlapping last panel. Linear only: under relu6 the 1 %
    /// floor of worstRelativeError is 1 % of 6, while Winograd's rounding scales with the unclamped sums
    /// (both Winograd kernels measured 1.9e-4 there, the same as each other).
    @Test func winogradKBlockedMatchesReferenceOverTwoKBlocks() {
        let c = ConvCase(h: 7, w: 11, cin: 48, cout: 1100, kh: 3, kw: 3, sy: 1, sx: 1, same: false, extra: (0, 0, 0, 0))
        var rng = SeededRandom(48)
        let input = rng.floats(c.h * c.w * c.cin, in: -3...3)
        let kernel = rng.floats(9 * c.cin * c.cout), bias = rng.floats(c.cout)
        #expect(PanelGEMM.kBlockCount(k: c.cin, panels: (c.cout + 15) / 16) == 2)
        let expected = Conv2DReference.run(input: input, geometry: c.geometry, inChannels: c.cin, outChannels: c.cout,
                                           kernel: kernel, bias: bias, activation: .linear)
        let layer = Conv2D(geometry: c.geometry, inChannels: c.cin, outChannels: c.cout, kernel: kernel, bias: bias, choice: .winogradNarrow)
        #expect(worstRelativeError(run(layer, input), expected) < 1e-4)
    }

    @Test(arguments: cases)
    func depthwiseMatchesReference(_ c: ConvCase) {
        var rng = SeededRandom(UInt64(c.w * 1000 + c.cin))
        let channels = c.cout + (c.h % 2) * 16   // 1…37: below, at and above the 8-lane width, several vectors
        let input = rng.floats(c.h * c.w * channels, in: -4...4)
        let kernel = rng.floats(c.kh * c.kw * channels)
        let bias = rng.floats(channels)
        for activation in [FusedActivation.linear, .relu6] {
            let expected = DepthwiseConv2DReference.run(input: input, geometry: c.geometry, channels: channels,
                                                        kernel: kernel, bias: bias, activation: activation)
            for choice in DepthwiseConv2D.Kernel.allCases where choice.applies(channels: channels) {
                let layer = DepthwiseConv2D(geometry: c.geometry, channels: channels, kernel: kernel, bias: bias, activation: activation,
                                            choice: choice)
                #expect(worstRelativeError(run(layer, input), expected) < 1e-4, "\(c) \(activation) \(choice)")
            }
        }
    }

    /// The wide kernels on the shapes the networks use (69, 166 channels: an overlapping last block;
    /// widths that leave 0–3 pixels after the groups of four; MobileNet's small images), stride 1 and 2,
    /// 'same' and 'valid'. pixels-simd16x4 needs at least 64 channels.
    @Test(arguments: [(13, 11, 69, 1, true), (13, 11, 69, 1, false), (9, 14, 166, 1, false), (10, 9, 32, 2, true),
                      (7, 7, 16, 2, false), (29, 29, 69, 1, false), (3, 6, 17, 1, true), (3, 2, 512, 1, true),
                      (6, 4, 256, 2, true), (1, 1, 1024, 1, true), (5, 3, 100, 1, false), (4, 5, 64, 2, false),
                      (24, 15, 332, 1, false)])
    func depthwiseWideKernelsMatchReferenceOnNetworkShapes(_ s: (Int, Int, Int, Int, Bool)) {
        let (h, w, channels, stride, same) = s
        let g = WindowGeometry(inputHeight: h, inputWidth: w, kernel: (3, 3), strides: (stride, stride), same: same)
        var rng = SeededRandom(UInt64(h * 100 + w * 10 + channels))
        let input = rng.floats(h * w * channels, in: -4...4), kernel = rng.floats(9 * channels), bias = rng.floats(channels)
        let expected = DepthwiseConv2DReference.run(input: input, geometry: g, channels: channels, kernel: kernel, bias: bias, activation: .relu6)
        let layer = DepthwiseConv2D(geometry: g, channels: channels, kernel: kernel, bias: bias, activation: .relu6)
        for choice in [DepthwiseConv2D.Kernel.rows16, .rows8, .pixels64] where choice != .pixels64 || channels >= 64 {
            layer.kernelChoice = choice
            #expect(layer.kernelChoice == choice)
            #expect(worstRelativeError(run(layer, input), expected) < 1e-4, "\(s) \(choice)")
        }
    }

    /// A 1×1 layer writing the channel-blocked layout and the depthwise row kernels reading it (16 and 8
    /// lanes), against the two reference layers one after the other: channel counts with and without an
    /// overlapping last 16-block, stride 1 and 2, 'same' and 'valid', widths that leave 0–3 pixels after the
    /// groups of four, both panel layouts that can write blocks (the last case makes two k blocks).
    @Test(arguments: [(9, 7, 20, 32, 1, true), (22, 13, 40, 332, 1, false), (10, 9, 24, 37, 2, true), (6, 5, 16, 16, 1, false),
                      (5, 8, 33, 70, 1, true), (7, 11, 3, 48, 2, false), (4, 5, 48, 1100, 1, true)])
    func blockedPointwiseDepthwiseMatchesReferences(_ s: (Int, Int, Int, Int, Int, Bool)) {
        let (h, w, cin, c, stride, same) = s
        var rng = SeededRandom(UInt64(h * 1000 + w * 100 + cin + c))
        let input = rng.floats(h * w * cin, in: -2...2)
        let pwWeights = rng.floats(cin * c), pwBias = rng.floats(c)
        let g = WindowGeometry(inputHeight: h, inputWidth: w, kernel: (3, 3), strides: (stride, stride), same: same)
        let dwKernel = rng.floats(9 * c), dwBias = rng.floats(c)
        let middle = DenseReference.run(input: input, rows: h * w, inFeatures: cin, outFeatures: c,
                                        weights: pwWeights, bias: pwBias, activation: .relu)
        let expected = DepthwiseConv2DReference.run(input: middle, geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu6)
        let dw = DepthwiseConv2D(geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu6)
        var tried = 0
        for kernel in [Dense.Kernel.narrowPanel, .kBlockedPanel] where kernel.applies(rows: h * w, k: cin, n: c, weightsAreFinite: true) {
            let pw = BlockedOutput(Dense(leadingShape: [h, w], inFeatures: cin, outFeatures: c, weights: pwWeights, bias: pwBias,
                                         activation: .relu, kernel: kernel))
            let blocked = run(pw, input)
            for lanes in [16, 8] {
                #expect(worstRelativeError(run(BlockedInputDepthwise(dw, lanes: lanes), blocked), expected) < 1e-4, "\(s) \(kernel) \(lanes)")
            }
            tried += 1
        }
        #expect(tried >= 1)
    }

    /// A stem convolution (3×3, stride 2, im2col through the 16-wide panels) writing the blocked layout for
    /// the depthwise layer after it, against the two plain references one after the other: one input channel
    /// (the networks' MFCC / STFT stems) and several, channel counts with and without an overlapping last block.
    @Test(arguments: [(49, 32, 1, 332, true), (49, 10, 1, 166, false), (12, 9, 3, 37, true), (9, 8, 2, 16, false)])
    func blockedStemDepthwiseMatchesReferences(_ s: (Int, Int, Int, Int, Bool)) {
        let (h, w, cin, c, same) = s
        var rng = SeededRandom(UInt64(h * 100 + w + cin + c))
        let input = rng.floats(h * w * cin, in: -2...2)
        let stemGeometry = WindowGeometry(inputHeight: h, inputWidth: w, kernel: (3, 3), strides: (2, 2), same: same)
        let stemKernel = rng.floats(9 * cin * c), stemBias = rng.floats(c)
        let g = WindowGeometry(inputHeight: stemGeometry.outputHeight, inputWidth: stemGeometry.outputWidth, kernel: (3, 3),
                               strides: (1, 1), same: false)
        let dwKernel = rng.floats(9 * c), dwBias = rng.floats(c)
        let middle = Conv2DReference.run(input: input, geometry: stemGeometry, inChannels: cin, outChannels: c,
                                         kernel: stemKernel, bias: stemBias, activation: .relu)
        let expected = DepthwiseConv2DReference.run(input: middle, geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu)
        let stem = BlockedOutput(Conv2D(geometry: stemGeometry, inChannels: cin, outChannels: c, kernel: stemKernel, bias: stemBias,
                                        activation: .relu, choice: .im2colNarrowPanel))
        let dw = DepthwiseConv2D(geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu)
        let blocked = run(stem, input)
        for lanes in [16, 8] {
            #expect(worstRelativeError(run(BlockedInputDepthwise(dw, lanes: lanes), blocked), expected) < 1e-4, "\(s) \(lanes)")
        }
    }

    /// LayerNormalization against the explicit per-group reference: one axis (time: per-utterance CMVN on
    /// an MFCC-shaped input), two axes, the last axis, with and without γ/β; inputs with a large offset
    /// (the mean must come out exactly) and a constant group (variance 0: ε keeps it finite).
    @Test(arguments: [([49, 10, 1], [0], true), ([49, 32, 1], [0], false), ([6, 5, 3], [0, 1], true), ([4, 7, 9], [2], true),
                      ([64, 64, 1], [0], false)])
    func layerNormalizationMatchesReference(_ c: ([Int], [Int], Bool)) {
        let (shape, axes, affine) = c
        var rng = SeededRandom(UInt64(shape.reduce(1, *) + axes.count))
        var input = rng.floats(shape.reduce(1, *), in: -3...3).map { $0 + 40 }
        input.withUnsafeMutableBufferPointer { p in for i in stride(from: 0, to: p.count, by: shape.last! * shape[shape.count - 2]) { p[i] = 40 } }
        let params = axes.map { shape[$0] }.reduce(1, *)
        let gamma = affine ? rng.floats(params, in: 0.5...2) : nil, beta = affine ? rng.floats(params) : nil
        let expected = LayerNormalizationReference.run(input: input, shape: shape, axes: axes, epsilon: 1e-3, gamma: gamma, beta: beta)
        let layer = LayerNormalization(shape: shape, axes: axes, epsilon: 1e-3, gamma: gamma, beta: beta)
        let got = run(layer, input)
        let finite = got.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(worstRelativeError(got, expected) < 1e-4, "\(c)")
        // Standardised: each group's mean is 0 and (without γ/β) its variance is about 1.
        if !affine && axes == [0] {
            let groups = input.count / shape[0]
            for g in 0..<groups {
                let mean = (0..<shape[0]).reduce(0.0) { $0 + Double(got[$1 * groups + g]) } / Double(shape[0])
                #expect(abs(mean) < 1e-4)
            }
        }
    }

    /// A BatchNormalization folded into a depthwise op reaches the aligned copy of the weights every
    /// kernel reads.
    @Test func depthwiseFoldReachesTheKernels() {
        var rng = SeededRandom(5)
        let g = WindowGeometry(inputHeight: 5, inputWidth: 4, kernel: (3, 3), strides: (1, 1), same: true)
        let c = 64
        let input = rng.floats(5 * 4 * c), kernel = rng.floats(9 * c), bias = rng.floats(c)
        let scale = rng.floats(c, in: 0.5...2), shift = rng.floats(c)
        var op = DepthwiseOp(geometry: g, channels: c, kernel: kernel, bias: bias, activation: .linear)
        op.foldAffine(scale: scale, shift: shift)
        let plain = DepthwiseConv2DReference.run(input: input, geometry: g, channels: c, kernel: kernel, bias: bias, activation: .linear)
        let expected = plain.enumerated().map { $0.element * scale[$0.offset % c] + shift[$0.offset % c] }
        for choice in DepthwiseConv2D.Kernel.allCases {
            let layer = op.layer(choice)
            #expect(worstRelativeError(run(layer, input), expected) < 1e-4, "\(choice)")
        }
    }

    @Test(arguments: [(1, 1, 1), (1, 7, 9), (3, 17, 5), (12, 64, 33), (1, 1024, 8), (25, 3, 40), (7, 69, 69), (4, 5, 16), (9, 11, 47),
                      (2, 512, 1024), (3, 20, 70), (841, 69, 69), (70, 16, 34), (29, 700, 50)])
    func denseKernelsMatchReference(_ shape: (Int, Int, Int)) {
        let (rows, k, n) = shape
        var rng = SeededRandom(UInt64(rows * 7 + k * 13 + n))
        // About 60 % zeros, like the pruned little network.
        let weights = rng.floats(k * n).map { abs($0) < 0.6 ? 0 : $0 }
        let input = rng.floats(rows * k), bias = rng.floats(n)
        let expected = DenseReference.run(input: input, rows: rows, inFeatures: k, outFeatures: n,
                                          weights: weights, bias: bias, activation: .relu)
        // The same rows with about 80 % of the inputs zero, as after a ReLU in a dense head (the kernels that
        // skip zero inputs must give the same sums).
        let sparseInput = input.map { abs($0) < 0.8 ? 0 : $0 }
        let expectedSparse = DenseReference.run(input: sparseInput, rows: rows, inFeatures: k, outFeatures: n,
                                                weights: weights, bias: bias, activation: .relu)
        for kernel in Dense.Kernel.allCases {
            let applies = switch kernel {
            case .panel, .narrowPanel: n >= 16
            case .kBlockedPanel: n >= 16 && PanelGEMM.kBlockCount(k: k, panels: (n + 15) / 16) > 1
            case .stream, .streamSkippingZeros: rows <= 4 && n >= 32
            case .sparsePixels, .sparsePixelsOneSet: rows >= 64 && k >= 16 && n >= 16
            case .loops: n < 16
            case .wideLoops: n >= 16
            case .gemm, .csr: true
            }
            #expect(kernel.applies(rows: rows, k: k, n: n, weightsAreFinite: true) == applies, "\(shape) \(kernel)")
            guard applies else { continue }
            let layer = Dense(leadingShape: [rows], inFeatures: k, outFeatures: n, weights: weights, bias: bias, activation: .relu, kernel: kernel)
            #expect(worstRelativeError(run(layer, input), expected) < 1e-4, "\(kernel)")
            #expect(worstRelativeError(run(layer, sparseInput), expectedSparse) < 1e-4, "\(kernel), mostly zero inputs")
        }
    }

    /// Skipping zero inputs is exact only for finite weights (0 · ∞ is NaN): a layer with an infinite weight
    /// neither offers nor takes that kernel, and its GEMM gives the NaN the product has.
    @Test func skippingZeroInputsNeedsFiniteWeights() {
        var weights = [Float](repeating: 0.5, count: 8 * 32)
        weights[3 * 32 + 5] = .infinity
        let layer = Dense(leadingShape: [1], inFeatures: 8, outFeatures: 32, weights: weights, bias: nil)
        #expect(!layer.weightsAreFinite)
        #expect(!Dense.Kernel.streamSkippingZeros.applies(rows: 1, k: 8, n: 32, weightsAreFinite: layer.weightsAreFinite))
        let op = DenseOp(leadingShape: [1], inFeatures: 8, outFeatures: 32, weights: weights, bias: nil, activation: .linear, description: "Dense")
        #expect(!DenseOp.kernels.contains { $0.name == Dense.Kernel.streamSkippingZeros.rawValue && $0.applies(op) })
        #expect(layer.kernelChoice == .gemm)
        let out = run(layer, [1, 1, 1, 0, 1, 1, 1, 1])
        #expect(out[5].isNaN && out[4] == 3.5)
    }

    @Test func batchNormFoldedIntoConvEqualsConvThenBatchNorm() {
        var rng = SeededRandom(99)
        let c = ConvCase(h: 9, w: 7, cin: 5, cout: 11, kh: 3, kw: 3, sy: 2, sx: 1, same: true, extra: (0, 0, 0, 0))
        let input = rng.floats(c.h * c.w * c.cin), kernel = rng.floats(c.kh * c.kw * c.cin * c.cout)
        let (scale, shift) = BatchNormalization.affine(gamma: rng.floats(c.cout, in: 0.5...1.5), beta: rng.floats(c.cout),
                                                       mean: rng.floats(c.cout), variance: rng.floats(c.cout, in: 0.5...2),
                                                       epsilon: 1e-3)
        let plain = Conv2D(geometry: c.geometry, inChannels: c.cin, outChannels: c.cout, kernel: kernel, bias: nil)
        let bn = BatchNormalization(shape: plain.outputShape, scale: scale, shift: shift)
        bn.activation = .relu6
        let unfolded = run(bn, run(plain, input))

        var foldedOp = Conv2DOp(geometry: c.geometry, inChannels: c.cin, outChannels: c.cout, kernel: kernel, bias: nil, activation: .linear)
        foldedOp.foldAffine(scale: scale, shift: shift)
        foldedOp.activation = .relu6
        #expect(worstRelativeError(run(foldedOp.layer(.im2colGEMM), input), unfolded) < 1e-4)

        let dw = DepthwiseConv2D(geometry: c.geometry, channels: c.cin, kernel: Array(kernel.prefix(c.kh * c.kw * c.cin)), bias: nil)
        let dwBN = BatchNormalization(shape: dw.outputShape, scale: Array(scale.prefix(c.cin)), shift: Array(shift.prefix(c.cin)))
        let dwUnfolded = run(dwBN, run(dw, input))
        var dwOp = DepthwiseOp(geometry: c.geometry, channels: c.cin, kernel: Array(kernel.prefix(c.kh * c.kw * c.cin)),
                               bias: [Float](repeating: 0, count: c.cin), activation: .linear)
        dwOp.foldAffine(scale: Array(scale.prefix(c.cin)), shift: Array(shift.prefix(c.cin)))
        #expect(worstRelativeError(run(dwOp.layer(.plainLoops), input), dwUnfolded) < 1e-4)
    }

    @Test func zeroPaddingPoolingSoftmaxAndClamp() {
        let pad = ZeroPadding2D(inputShape: [2, 2, 1], top: 0, bottom: 1, left: 1, right: 0)
        #expect(pad.outputShape == [3, 3, 1])
        #expect(run(pad, [1, 2, 3, 4]) == [0, 1, 2, 0, 3, 4, 0, 0, 0])

        let g = WindowGeometry(inputHeight: 3, inputWidth: 3, kernel: (2, 2), strides: (2, 2), same: true)
        let maxPool = Pooling2D(kind: "max", mode: .max, geometry: g, channels: 1)
        let avgPool = Pooling2D(kind: "avg", mode: .average, geometry: g, channels: 1)
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        #expect(run(maxPool, x) == [5, 6, 8, 9])
        #expect(run(avgPool, x) == [3, 4.5, 7.5, 9])   // 'same' averages only the in-image part

        let gap = GlobalAveragePooling2D(inputShape: [2, 1, 2], keepDims: true)
        #expect(gap.outputShape == [1, 1, 2] && run(gap, [1, 10, 3, 30]) == [2, 20])

        let soft = run(Softmax(shape: [2, 3]), [1, 2, 3, 1000, 1000, 1000])
        #expect(abs(soft[0..<3].reduce(0, +) - 1) < 1e-6 && abs(soft[5] - 1 / 3) < 1e-6 && soft[2] > soft[1])

        let clamp = Clamp(kind: "relu6", shape: [9], activation: .relu6)
        #expect(run(clamp, [-3, -0.5, 0, 0.5, 5.9, 6, 6.1, 100, -100]) == [0, 0, 0, 0.5, 5.9, 6, 6, 6, 0])
    }

    /// Against the mean computed in double precision (odd pixel and channel counts), by the verify rule.
    @Test(arguments: [(25, 25, 34), (18, 9, 665), (1, 1, 16), (3, 1, 17), (6, 4, 256), (2, 1, 5)])
    func globalAveragePoolingMatchesMean(_ shape: (Int, Int, Int)) {
        let (h, w, c) = shape
        var rng = SeededRandom(UInt64(h * 1000 + w * 10 + c))
        let input = rng.floats(h * w * c, in: -5...5)
        let expected = (0..<c).map { ch in Float((0..<(h * w)).reduce(0.0) { $0 + Double(input[$1 * c + ch]) } / Double(h * w)) }
        let gap = GlobalAveragePooling2D(inputShape: [h, w, c], keepDims: false)
        #expect(worstRelativeError(run(gap, input), expected) < 1e-4, "\(shape)")
    }

    @Test func sameGeometryFollowsTensorFlow() {
        // TF: out = ceil(in / stride), the odd padding pixel goes to the bottom/right.
        let g = WindowGeometry(inputHeight: 49, inputWidth: 32, kernel: (3, 3), strides: (2, 2), same: true)
        #expect(g.outputHeight == 25 && g.outputWidth == 16)
        #expect(g.padTop == 1 && g.padBottom == 1 && g.padLeft == 0 && g.padRight == 1)
        let v = WindowGeometry(inputHeight: 64, inputWidth: 64, kernel: (3, 3), strides: (2, 2), same: false)
        #expect(v.outputHeight == 31 && v.outputWidth == 31)
    }
}
