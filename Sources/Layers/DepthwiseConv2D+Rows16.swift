import Tensor

extension DepthwiseConv2D {
    /// The `rows-simd16` kernel (needs C ≥ 16): channels in 16-lane blocks as the outer loop (the last block
    /// flush with channel C, overlapping the previous one when C is not a multiple of 16), so a 3×3 block's
    /// nine weight vectors and its bias stay in registers while it sweeps the whole image row by row. Interior
    /// pixels of a 3×3 kernel are nine unrolled load-FMAs; pixels whose window touches the padding take the
    /// general path, which skips the taps outside the image.
    func runRows16(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                   _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        typealias V = SIMD16<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
            var r = v
            r.replace(with: lo, where: r .< lo)
            r.replace(with: hi, where: r .> hi)
            UnsafeMutableRawPointer(p).storeBytes(of: r, as: V.self)
        }
        let g = geometry, C = channels
        let lo = V(repeating: activation.lower), hi = V(repeating: activation.upper)
        let H = g.inputHeight, W = g.inputWidth, OW = g.outputWidth, sx = g.strideX
        let rowStride = W * C
        // Output columns whose window lies inside the image horizontally: [oxLo, oxHi).
        let oxLo = min((g.padLeft + sx - 1) / sx, OW)
        let oxHi = max(oxLo, min(OW, W + g.padLeft - g.kernelWidth >= 0 ? (W + g.padLeft - g.kernelWidth) / sx + 1 : 0))
        let is3x3 = g.kernelHeight == 3 && g.kernelWidth == 3

        /// One output pixel, any kernel size, taps in the padding skipped.
        @inline(__always) func general(_ oy: Int, _ ox: Int, _ c: Int, _ bias: V) {
            let y0 = oy * g.strideY - g.padTop, x0 = ox * sx - g.padLeft
            let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, H - y0)
            let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, W - x0)
            var acc = bias
            if kyStart < kyEnd && kxStart < kxEnd {
                for ky in kyStart..<kyEnd {
                    let row = input + ((y0 + ky) * W + x0) * C + c
                    let krow = k + ky * g.kernelWidth * C + c
                    for kx in kxStart..<kxEnd { acc.addProduct(load(row + kx * C), load(krow + kx * C)) }
                }
            }
            store(acc, output + (oy * OW + ox) * C + c)
        }

        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            for block in 0..<((C + 15) / 16) {
                let c = min(block * 16, C - 16)
                let bias = load(b + c)
                // The nine 3×3 weight vectors (unused, and not read, for other kernel sizes).
                @inline(__always) func tap(_ t: Int) -> V { is3x3 ? load(k + t * C + c) : V() }
                let w0 = tap(0), w1 = tap(1), w2 = tap(2), w3 = tap(3), w4 = tap(4), w5 = tap(5), w6 = tap(6), w7 = tap(7), w8 = tap(8)
                guard is3x3 && y0 >= 0 && y0 + 3 <= H else {
                    for ox in 0..<OW { general(oy, ox, c, bias) }
                    continue
                }
                for ox in 0..<oxLo { general(oy, ox, c, bias) }
                var p = input + (y0 * W + oxLo * sx - g.padLeft) * C + c
                var out = output + (oy * OW + oxLo) * C + c
                let step = sx * C
                var ox = oxLo
                if sx == 1 {
                    // Four neighbouring outputs at once: each input vector is loaded once for all four
                    // (18 loads, 36 FMAs in four independent chains).
                    while ox + 4 <= oxHi {
                        var a0 = bias, a1 = bias, a2 = bias, a3 = bias
                        @inline(__always) func row(_ r: UnsafePointer<Float>, _ u0: V, _ u1: V, _ u2: V) {
                            let x0 = load(r), x1 = load(r + C), x2 = load(r + 2 * C)
                            let x3 = load(r + 3 * C), x4 = load(r + 4 * C), x5 = load(r + 5 * C)
                            a0.addProduct(x0, u0); a1.addProduct(x1, u0); a2.addProduct(x2, u0); a3.addProduct(x3, u0)
                            a0.addProduct(x1, u1); a1.addProduct(x2, u1); a2.addProduct(x3, u1); a3.addProduct(x4, u1)
                            a0.addProduct(x2, u2); a1.addProduct(x3, u2); a2.addProduct(x4, u2); a3.addProduct(x5, u2)
                        }
                        row(p, w0, w1, w2)
                        row(p + rowStride, w3, w4, w5)
                        row(p + 2 * rowStride, w6, w7, w8)
                        store(a0, out); store(a1, out + C); store(a2, out + 2 * C); store(a3, out + 3 * C)
                        p += 4 * C
                        out += 4 * C
                        ox += 4
                    }
                }
                while ox < oxHi {
                    let r1 = p + rowStride, r2 = r1 + rowStride
                    var acc = bias
                    acc.addProduct(load(p), w0)
                    acc.addProduct(load(p + C), w1)
                    acc.addProduct(load(p + 2 * C), w2)
                    acc.addProduct(load(r1), w3)
                    acc.addProduct(load(r1 + C), w4)
                    acc.addProduct(load(r1 + 2 * C), w5)
                    acc.addProduct(load(r2), w6)
                    acc.addProduct(load(r2 + C), w7)
                    acc.addProduct(load(r2 + 2 * C), w8)
                    store(acc, out)
                    p += step
                    out += C
                    ox += 1
                }
                for ox in oxHi..<OW { general(oy, ox, c, bias) }
            }
        }
    }
}
