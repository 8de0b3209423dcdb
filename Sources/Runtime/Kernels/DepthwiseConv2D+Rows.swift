import Tensor

extension DepthwiseConv2D {
    /// The row kernels, `rows-simd16` (C ≥ 16) and `rows-simd8` (C ≥ 8): channels in blocks of one vector
    /// as the outer loop (the last block flush with channel C, overlapping the previous one when C is not a
    /// multiple of the width), so a 3×3 block's nine weight vectors and its bias stay in registers while it
    /// sweeps the whole image row by row. Interior pixels of a 3×3 kernel go four at a time (18 loads, 36
    /// FMAs in four independent chains); pixels whose window touches the padding take the general path,
    /// which skips the taps outside the image.
    ///
    /// Why two widths: with AVX-512 a SIMD16 is one zmm register and the sixteen-lane sweep holds its nine
    /// weights, four accumulators and the inputs in registers. With AVX2 (16 ymm registers) each SIMD16 is two
    /// registers and the loop spills; eight lanes were meant to fit (9 weights + 4 accumulators + inputs),
    /// but in NHWC every tap needs its own address (C floats apart) and LLVM spills those and some weights
    /// instead: on the AVX2 host rows-simd8 measured 5–20 % slower than rows-simd16 one layer at a time. On
    /// the channel-blocked input the addresses are constant offsets and the in-network pass picks either.
    /// The loader times both.
    func runRows16(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                   _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        runRows(SIMD16<Float>.self, input, output, k, b, blocked: false)
    }

    func runRows8(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                  _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        runRows(SIMD8<Float>.self, input, output, k, b, blocked: false)
    }

    /// The row sweep over a channel-blocked input (`PanelGEMM.multiply(blockedInto:)`: block q holds
    /// channels min(16q, C − 16) ..< +16 as one contiguous H × W × 16 image). The input addresses are then
    /// constant offsets from one pointer (16 floats a pixel), every load is a whole aligned cache line, and a
    /// block's image is read sequentially; the output is NHWC as usual.
    func runRowsBlocked16(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                          _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        runRows(SIMD16<Float>.self, input, output, k, b, blocked: true)
    }

    func runRowsBlocked8(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                         _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        runRows(SIMD8<Float>.self, input, output, k, b, blocked: true)
    }

    /// Written once for both widths through `RowLanes`: generic code over `SIMD` itself would run the
    /// protocol's lane-by-lane default implementations (measured 20× slower), while `RowLanes`'s
    /// requirements specialise to the concrete vector instructions.
    @inline(__always)
    private func runRows<V: RowLanes>(_: V.Type, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                      _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>, blocked: Bool) {
        let lanes = V.lanes
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { V.load(p) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { v.clampedStore(p, lo, hi) }
        let g = geometry, C = channels
        let lo = V(repeating: activation.lower), hi = V(repeating: activation.upper)
        let H = g.inputHeight, W = g.inputWidth, OW = g.outputWidth, sx = g.strideX
        // Input floats a pixel, and vectors per 16-channel block, in the blocked layout; else NHWC.
        let inPixel = blocked ? 16 : C, perBlock = blocked ? 16 / lanes : 1
        let rowStride = W * inPixel
        let blockCount = blocked ? (C + 15) / 16 * perBlock : (C + lanes - 1) / lanes
        // Output columns whose window lies inside the image horizontally: [oxLo, oxHi).
        let oxLo = min((g.padLeft + sx - 1) / sx, OW)
        let oxHi = max(oxLo, min(OW, W + g.padLeft - g.kernelWidth >= 0 ? (W + g.padLeft - g.kernelWidth) / sx + 1 : 0))
        let is3x3 = g.kernelHeight == 3 && g.kernelWidth == 3

        /// One output pixel, any kernel size, taps in the padding skipped.
        @inline(__always) func general(_ oy: Int, _ ox: Int, _ c: Int, _ src: UnsafePointer<Float>, _ bias: V) {
            let y0 = oy * g.strideY - g.padTop, x0 = ox * sx - g.padLeft
            let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, H - y0)
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, W - x0)
            var acc = bias
            if kyStart < kyEnd && kxStart < kxEnd {
                for ky in kyStart..<kyEnd {
                    let row = src + ((y0 + ky) * W + x0) * inPixel
                    let krow = k + ky * g.kernelWidth * C + c
                    for kx in kxStart..<kxEnd { acc.fma(load(row + kx * inPixel), load(krow + kx * C)) }
                }
            }
            store(acc, output + (oy * OW + ox) * C + c)
        }

        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            for block in 0..<blockCount {
                let c = blocked ? min(block / perBlock * 16, C - 16) + block % perBlock * lanes : min(block * lanes, C - lanes)
                let src = blocked ? input + block / perBlock * H * W * 16 + block % perBlock * lanes : input + c
                let bias = load(b + c)
                // The nine 3×3 weight vectors (unused, and not read, for other kernel sizes).
                @inline(__always) func tap(_ t: Int) -> V { is3x3 ? load(k + t * C + c) : V(repeating: 0) }
                let w0 = tap(0), w1 = tap(1), w2 = tap(2), w3 = tap(3), w4 = tap(4), w5 = tap(5), w6 = tap(6), w7 = tap(7), w8 = tap(8)
                guard is3x3 && y0 >= 0 && y0 + 3 <= H else {
                    for ox in 0..<OW { general(oy, ox, c, src, bias) }
                    continue
                }
                for ox in 0..<oxLo { general(oy, ox, c, src, bias) }
                var p = src + (y0 * W + oxLo * sx - g.padLeft) * inPixel
                var out = output + (oy * OW + oxLo) * C + c
                let step = sx * inPixel
                var ox = oxLo
                if sx == 1 {
                    // Four neighbouring outputs at once: each input vector is loaded once for all four.
                    while ox + 4 <= oxHi {
                        var a0 = bias, a1 = bias, a2 = bias, a3 = bias
                        @inline(__always) func row(_ r: UnsafePointer<Float>, _ u0: V, _ u1: V, _ u2: V) {
                            let x0 = load(r), x1 = load(r + inPixel), x2 = load(r + 2 * inPixel)
                            let x3 = load(r + 3 * inPixel), x4 = load(r + 4 * inPixel), x5 = load(r + 5 * inPixel)
                            a0.fma(x0, u0); a1.fma(x1, u0); a2.fma(x2, u0); a3.fma(x3, u0)
                            a0.fma(x1, u1); a1.fma(x2, u1); a2.fma(x3, u1); a3.fma(x4, u1)
                            a0.fma(x2, u2); a1.fma(x3, u2); a2.fma(x4, u2); a3.fma(x5, u2)
                        }
                        row(p, w0, w1, w2)
                        row(p + rowStride, w3, w4, w5)
                        row(p + 2 * rowStride, w6, w7, w8)
                        store(a0, out); store(a1, out + C); store(a2, out + 2 * C); store(a3, out + 3 * C)
                        p += 4 * inPixel
                        out += 4 * C
                        ox += 4
                    }
                }
                while ox < oxHi {
                    let r1 = p + rowStride, r2 = r1 + rowStride
                    var acc = bias
                    acc.fma(load(p), w0)
                    acc.fma(load(p + inPixel), w1)
                    acc.fma(load(p + 2 * inPixel), w2)
                    acc.fma(load(r1), w3)
                    acc.fma(load(r1 + inPixel), w4)
                    acc.fma(load(r1 + 2 * inPixel), w5)
                    acc.fma(load(r2), w6)
                    acc.fma(load(r2 + inPixel), w7)
                    acc.fma(load(r2 + 2 * inPixel), w8)
                    store(acc, out)
                    p += step
                    out += C
                    ox += 1
                }
                for ox in oxHi..<OW { general(oy, ox, c, src, bias) }
            }
        }
    }
}

/// The vector operations the row kernels use, implemented by the concrete vector types so that a generic
/// kernel specialises to their vector instructions.
protocol RowLanes {
    static var lanes: Int { get }
    init(repeating: Float)
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// self += x · y
    mutating func fma(_ x: Self, _ y: Self)
    /// Stores min(max(self, lo), hi) (`clamp` in `SIMDHelpers.swift`).
    func clampedStore(_ p: UnsafeMutablePointer<Float>, _ lo: Self, _ hi: Self)
}

extension SIMD8: RowLanes where Scalar == Float {
    static var lanes: Int { 8 }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { Tensor.load(p) }
    @inline(__always) mutating func fma(_ x: Self, _ y: Self) { addProduct(x, y) }
    @inline(__always) func clampedStore(_ p: UnsafeMutablePointer<Float>, _ lo: Self, _ hi: Self) { Tensor.store(Tensor.clamp(self, lo, hi), p) }
}

extension SIMD16: RowLanes where Scalar == Float {
    static var lanes: Int { 16 }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { Tensor.load(p) }
    @inline(__always) mutating func fma(_ x: Self, _ y: Self) { addProduct(x, y) }
    @inline(__always) func clampedStore(_ p: UnsafeMutablePointer<Float>, _ lo: Self, _ hi: Self) { Tensor.store(Tensor.clamp(self, lo, hi), p) }
}
