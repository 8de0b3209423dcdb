/// A GEMM for small products with the weights fixed at load time: C (m×n) = A (m×k) · B (k×n), B packed
/// into panels of 16 columns (k × 16 contiguous floats each), register-tiled 4 rows × 2 panels with
/// SIMD16 accumulators, and bias + clamp applied before the store (so a layer needs no second pass).
/// When n is not a multiple of 16 the last panel starts at n − 16 and overlaps the previous one (those
/// columns are recomputed to the same values), so there is no scalar tail; n must be at least 16.
/// Fast only with AVX-512 (`-Xswiftc -target-cpu -Xswiftc native`); the loader measures it against
/// OpenBLAS and keeps the faster one. Checked against `GEMM.multiplyReference`.
public struct PanelGEMM: Sendable {
    public typealias Lane = SIMD16<Float>
    public static let panelWidth = 16

    public let k: Int, n: Int
    public let panelStarts: [Int]
    private let packed: [Float]          // panel p: k × 16 values, row-major

    public static func supports(n: Int) -> Bool { n >= panelWidth }

    /// Packs row-major B (k × n).
    public init(b: [Float], k: Int, n: Int) {
        precondition(n >= PanelGEMM.panelWidth && b.count == k * n, "PanelGEMM: needs n ≥ 16 and k·n values")
        self.k = k
        self.n = n
        let w = PanelGEMM.panelWidth
        let starts = (0..<((n + w - 1) / w)).map { min($0 * w, n - w) }
        var packed = [Float](repeating: 0, count: starts.count * k * w)
        for (p, start) in starts.enumerated() {
            for row in 0..<k {
                for j in 0..<w { packed[(p * k + row) * w + j] = b[row * n + start + j] }
            }
        }
        panelStarts = starts
        self.packed = packed
    }

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lane { UnsafeRawPointer(p).loadUnaligned(as: Lane.self) }

    @inlinable @inline(__always)
    static func finish(_ v: Lane, _ bias: UnsafePointer<Float>?, _ o: Int, _ lo: Lane, _ hi: Lane,
                       _ dst: UnsafeMutablePointer<Float>) {
        var r = v
        if let bias { r += load(bias + o) }
        r.replace(with: lo, where: r .< lo)
        r.replace(with: hi, where: r .> hi)
        UnsafeMutableRawPointer(dst + o).storeBytes(of: r, as: Lane.self)
    }

    /// C = clamp(A · B + bias, lower, upper); A is m × k row-major (leading dimension k), C is m × n.
    public func multiply(_ a: UnsafePointer<Float>, m: Int, into c: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>?, lower: Float, upper: Float) {
        packed.withUnsafeBufferPointer { pb in
            panelStarts.withUnsafeBufferPointer { starts in
                run(a, m, c, pb.baseAddress!, starts, bias, Lane(repeating: lower), Lane(repeating: upper))
            }
        }
    }

    @inline(__always)
    private func run(_ a: UnsafePointer<Float>, _ m: Int, _ c: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>,
                     _ starts: UnsafeBufferPointer<Int>, _ bias: UnsafePointer<Float>?, _ lo: Lane, _ hi: Lane) {
        let w = PanelGEMM.panelWidth, k = self.k, n = self.n
        let panels = starts.count
        var row = 0
        while row + 4 <= m {
            let a0 = a + row * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
            var p = 0
            while p + 2 <= panels {
                let b0 = b + p * k * w, b1 = b0 + k * w
                var c00 = Lane(), c01 = Lane(), c10 = Lane(), c11 = Lane()
                var c20 = Lane(), c21 = Lane(), c30 = Lane(), c31 = Lane()
                for i in 0..<k {
                    let w0 = PanelGEMM.load(b0 + i * w), w1 = PanelGEMM.load(b1 + i * w)
                    let x0 = Lane(repeating: a0[i]), x1 = Lane(repeating: a1[i])
                    let x2 = Lane(repeating: a2[i]), x3 = Lane(repeating: a3[i])
                    c00.addProduct(x0, w0); c01.addProduct(x0, w1)
                    c10.addProduct(x1, w0); c11.addProduct(x1, w1)
                    c20.addProduct(x2, w0); c21.addProduct(x2, w1)
                    c30.addProduct(x3, w0); c31.addProduct(x3, w1)
                }
                let o0 = starts[p], o1 = starts[p + 1]
                let d0 = c + row * n, d1 = d0 + n, d2 = d1 + n, d3 = d2 + n
                PanelGEMM.finish(c00, bias, o0, lo, hi, d0); PanelGEMM.finish(c01, bias, o1, lo, hi, d0)
                PanelGEMM.finish(c10, bias, o0, lo, hi, d1); PanelGEMM.finish(c11, bias, o1, lo, hi, d1)
                PanelGEMM.finish(c20, bias, o0, lo, hi, d2); PanelGEMM.finish(c21, bias, o1, lo, hi, d2)
                PanelGEMM.finish(c30, bias, o0, lo, hi, d3); PanelGEMM.finish(c31, bias, o1, lo, hi, d3)
                p += 2
            }
            if p < panels {
                let b0 = b + p * k * w
                var c0 = Lane(), c1 = Lane(), c2 = Lane(), c3 = Lane()
                for i in 0..<k {
                    let w0 = PanelGEMM.load(b0 + i * w)
                    c0.addProduct(Lane(repeating: a0[i]), w0); c1.addProduct(Lane(repeating: a1[i]), w0)
                    c2.addProduct(Lane(repeating: a2[i]), w0); c3.addProduct(Lane(repeating: a3[i]), w0)
                }
                let o = starts[p], d0 = c + row * n
                PanelGEMM.finish(c0, bias, o, lo, hi, d0); PanelGEMM.finish(c1, bias, o, lo, hi, d0 + n)
                PanelGEMM.finish(c2, bias, o, lo, hi, d0 + 2 * n); PanelGEMM.finish(c3, bias, o, lo, hi, d0 + 3 * n)
            }
            row += 4
        }
        while row < m {   // leftover rows, one at a time
            let a0 = a + row * k
            for p in 0..<panels {
                let b0 = b + p * k * w
                var acc = Lane()
                for i in 0..<k { acc.addProduct(Lane(repeating: a0[i]), PanelGEMM.load(b0 + i * w)) }
                PanelGEMM.finish(acc, bias, starts[p], lo, hi, c + row * n)
            }
            row += 1
        }
    }
}
