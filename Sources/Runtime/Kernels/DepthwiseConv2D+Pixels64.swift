import Tensor

extension DepthwiseConv2D {
    /// The `pixels-simd16x4` kernel, for small images (C ≥ 64): pixels outermost; per pixel, channels in
    /// chunks of 64 (four SIMD16 accumulators, the last chunk flush with channel C), and for each chunk a
    /// plain loop over the taps inside the image with weights read from L1. Four independent FMA chains per
    /// tap, no per-row set-up: on a 3×2 or 6×4 image nearly every pixel is a border pixel, which is where
    /// the row kernels lose their time. The loader times it against them.
    func runPixels64(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                     _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) {
        typealias V = SIMD16<Float>
        let g = geometry, C = channels
        let lo = V(repeating: activation.lower), hi = V(repeating: activation.upper)
        let H = g.inputHeight, W = g.inputWidth, KW = g.kernelWidth
        let chunks = (C + 63) / 64
        for oy in 0..<g.outputHeight {
            let y0 = oy * g.strideY - g.padTop
            let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, H - y0)
            for ox in 0..<g.outputWidth {
                let x0 = ox * g.strideX - g.padLeft
                let kxStart = max(0, -x0), kxEnd = min(KW, W - x0)
                let out = output + (oy * g.outputWidth + ox) * C
                for chunk in 0..<chunks {
                    let c = min(chunk * 64, C - 64)
                    var a0: SIMD16<Float> = load(b + c), a1: SIMD16<Float> = load(b + c + 16)
                    var a2: SIMD16<Float> = load(b + c + 32), a3: SIMD16<Float> = load(b + c + 48)
                    if kyStart < kyEnd && kxStart < kxEnd {
                        for ky in kyStart..<kyEnd {
                            let row = input + ((y0 + ky) * W + x0) * C + c
                            let krow = k + ky * KW * C + c
                            for kx in kxStart..<kxEnd {
                                let x = row + kx * C, w = krow + kx * C
                                a0.addProduct(load(x), load(w))
                                a1.addProduct(load(x + 16), load(w + 16))
                                a2.addProduct(load(x + 32), load(w + 32))
                                a3.addProduct(load(x + 48), load(w + 48))
                            }
                        }
                    }
                    store(clamp(a0, lo, hi), out + c); store(clamp(a1, lo, hi), out + c + 16)
                    store(clamp(a2, lo, hi), out + c + 32); store(clamp(a3, lo, hi), out + c + 48)
                }
            }
        }
    }
}
