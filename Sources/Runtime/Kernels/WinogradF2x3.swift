import Tensor

/// A 3×3, stride-1 convolution by Winograd's F(2×2, 3×3): each 2×2 block of outputs comes from a 4×4
/// input tile, as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. The 16 element-wise products over channels become 16 GEMMs
/// (tiles × Cin) · (Cin × Cout) with the transformed weights packed once for `PanelGEMM`, so the layer
/// does 16 instead of 36 multiply-adds per 2×2 outputs and channel pair. Bias and activation are applied
/// in the output transform. Padding of any size is read as zeros. Scratch: 16 · tiles · (Cin + Cout).
/// Checked against `Conv2DReference` (the transforms add rounding of the order of 1e-7 relative).
public struct WinogradF2x3: Sendable {
    let geometry: WindowGeometry
    let inChannels: Int, outChannels: Int
    let tilesHigh: Int, tilesWide: Int
    /// One GEMM per position ξ of the 4×4 tile: Cin × Cout, U_ξ = (G g Gᵀ)_ξ.
    private let gemms: [PanelGEMM]
    private let zeroRow: [Float]

    public static func supports(_ g: WindowGeometry, outChannels: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1 && PanelGEMM.supports(n: outChannels)
    }

    var tiles: Int { tilesHigh * tilesWide }
    var scratchCount: Int { 16 * tiles * (inChannels + outChannels) }

    /// `kernel` is Keras HWIO (3, 3, Cin, Cout). `kBlocked`: the 16 GEMMs in `PanelGEMM`'s k-blocked narrow
    /// layout (16-wide panels, ≤ 6-row tiles that fit AVX2's registers, where the wide tiles spill; rows not
    /// recomputed, which matters at coop2's 15 tiles per GEMM).
    init(geometry g: WindowGeometry, inChannels: Int, outChannels: Int, kernel: [Float], kBlocked: Bool = false) {
        precondition(WinogradF2x3.supports(g, outChannels: outChannels) && kernel.count == 9 * inChannels * outChannels)
        geometry = g
        self.inChannels = inChannels
        self.outChannels = outChannels
        tilesHigh = (g.outputHeight + 1) / 2
        tilesWide = (g.outputWidth + 1) / 2
        let io = inChannels * outChannels
        var u = [[Float]](repeating: [Float](repeating: 0, count: io), count: 16)
        // U = G g Gᵀ per (cin, cout) pair, in double precision, G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
        @inline(__always) func rowOfG(_ i: Int, _ a: Double, _ b: Double, _ c: Double) -> Double {
            switch i {
            case 0: return a
            case 1: return 0.5 * (a + b + c)
            case 2: return 0.5 * (a - b + c)
            default: return c
            }
        }
        for p in 0..<io {
            @inline(__always) func g(_ ky: Int, _ kx: Int) -> Double { Double(kernel[(ky * 3 + kx) * io + p]) }
            for i in 0..<4 {
                // Row i of G g (three values), then times Gᵀ.
                let t0 = rowOfG(i, g(0, 0), g(1, 0), g(2, 0))
                let t1 = rowOfG(i, g(0, 1), g(1, 1), g(2, 1))
                let t2 = rowOfG(i, g(0, 2), g(1, 2), g(2, 2))
                for j in 0..<4 { u[i * 4 + j][p] = Float(rowOfG(j, t0, t1, t2)) }
            }
        }
        gemms = u.map { PanelGEMM(b: $0, k: inChannels, n: outChannels, kBlocked: kBlocked) }
        zeroRow = [Float](repeating: 0, count: inChannels)
    }

    func run(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
             bias: UnsafePointer<Float>?, activation: FusedActivation) {
        let T = tiles, C = inChannels, O = outChannels
        let v = scratch, m = scratch + 16 * T * C
        zeroRow.withUnsafeBufferPointer { transformInput(input, into: v, zeros: $0.baseAddress!) }
        for xi in 0..<16 {
            gemms[xi].multiply(v + xi * T * C, m: T, into: m + xi * T * O, bias: nil, lower: -.infinity, upper: .infinity)
        }
        transformOutput(m, into: output, bias: bias, activation: activation)
    }

    /// V_ξ[t][c] = (Bᵀ d B)_ξ for every tile t and channel c; d is the tile's 4×4 input window (zeros outside).
    private func transformInput(_ input: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>) {
        let g = geometry, C = inChannels, T = tiles
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let t = ty * tilesWide + tx
                let y0 = 2 * ty - g.padTop, x0 = 2 * tx - g.padLeft
                // The window's pixels; outside the image, a row of zeros.
                @inline(__always) func pixel(_ r: Int, _ col: Int) -> UnsafePointer<Float> {
                    let y = y0 + r, x = x0 + col
                    return y >= 0 && y < g.inputHeight && x >= 0 && x < g.inputWidth ? input + (y * g.inputWidth + x) * C : zeros
                }
                let d00 = pixel(0, 0), d01 = pixel(0, 1), d02 = pixel(0, 2), d03 = pixel(0, 3)
                let d10 = pixel(1, 0), d11 = pixel(1, 1), d12 = pixel(1, 2), d13 = pixel(1, 3)
                let d20 = pixel(2, 0), d21 = pixel(2, 1), d22 = pixel(2, 2), d23 = pixel(2, 3)
                let d30 = pixel(3, 0), d31 = pixel(3, 1), d32 = pixel(3, 2), d33 = pixel(3, 3)
                let out = v + t * C
                let stride = T * C
                for c in 0..<C {
                    @inline(__always) func at(_ q: UnsafePointer<Float>) -> Float { q[c] }
                    // Columns: Bᵀ d (rows combine as r0 − r2, r1 + r2, r2 − r1, r1 − r3).
                    let a0 = at(d00) - at(d20), a1 = at(d01) - at(d21), a2 = at(d02) - at(d22), a3 = at(d03) - at(d23)
                    let b0 = at(d10) + at(d20), b1 = at(d11) + at(d21), b2 = at(d12) + at(d22), b3 = at(d13) + at(d23)
                    let e0 = at(d20) - at(d10), e1 = at(d21) - at(d11), e2 = at(d22) - at(d12), e3 = at(d23) - at(d13)
                    let f0 = at(d10) - at(d30), f1 = at(d11) - at(d31), f2 = at(d12) - at(d32), f3 = at(d13) - at(d33)
                    // Then (·) B along each row, the same combination of columns.
                    out[0 * stride + c] = a0 - a2; out[1 * stride + c] = a1 + a2; out[2 * stride + c] = a2 - a1; out[3 * stride + c] = a1 - a3
                    out[4 * stride + c] = b0 - b2; out[5 * stride + c] = b1 + b2; out[6 * stride + c] = b2 - b1; out[7 * stride + c] = b1 - b3
                    out[8 * stride + c] = e0 - e2; out[9 * stride + c] = e1 + e2; out[10 * stride + c] = e2 - e1; out[11 * stride + c] = e1 - e3
                    out[12 * stride + c] = f0 - f2; out[13 * stride + c] = f1 + f2; out[14 * stride + c] = f2 - f1; out[15 * stride + c] = f1 - f3
                }
            }
        }
    }

    /// Y = Aᵀ M A for every tile (rows combine as m0 + m1 + m2 and m1 − m2 − m3), plus bias, clamped, stored
    /// where the 2×2 block lies inside the output.
    private func transformOutput(_ m: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                                 bias: UnsafePointer<Float>?, activation: FusedActivation) {
        let g = geometry, O = outChannels, T = tiles
        let lower = activation.lower, upper = activation.upper
        let stride = T * O
        for ty in 0..<tilesHigh {
            for tx in 0..<tilesWide {
                let t = ty * tilesWide + tx
                let src = m + t * O
                let oy = 2 * ty, ox = 2 * tx
                let hasRight = ox + 1 < g.outputWidth, hasBottom = oy + 1 < g.outputHeight
                let y00 = output + (oy * g.outputWidth + ox) * O
                let y01 = y00 + O
                let y10 = y00 + g.outputWidth * O
                let y11 = y10 + O
                for c in 0..<O {
                    @inline(__always) func q(_ i: Int) -> Float { src[i * stride + c] }
                    // Aᵀ M: two rows from four.
                    let r00 = q(0) + q(4) + q(8), r01 = q(1) + q(5) + q(9), r02 = q(2) + q(6) + q(10), r03 = q(3) + q(7) + q(11)
                    let r10 = q(4) - q(8) - q(12), r11 = q(5) - q(9) - q(13), r12 = q(6) - q(10) - q(14), r13 = q(7) - q(11) - q(15)
                    let b = bias?[c] ?? 0
                    y00[c] = min(max(r00 + r01 + r02 + b, lower), upper)
                    if hasRight { y01[c] = min(max(r01 - r02 - r03 + b, lower), upper) }
                    if hasBottom {
                        y10[c] = min(max(r10 + r11 + r12 + b, lower), upper)
                        if hasRight { y11[c] = min(max(r11 - r12 - r13 + b, lower), upper) }
                    }
                }
            }
        }
    }
}
