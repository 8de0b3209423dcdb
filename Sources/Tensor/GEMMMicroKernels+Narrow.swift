// Tiles for `PanelGEMM(narrow: true)`: 16-wide panels, at most 6 rows, and (unlike GEMMMicroKernels) no k
// interleaving, so a 6-row tile holds 6 SIMD16 accumulators: 12 ymm registers on AVX2, where a SIMD16 is two
// 256-bit halves and the wide tiles' 12–16 accumulators (24–32 ymm) spill. One pattern per row count (a
// change to one belongs in all). Checked by PanelGEMM's tests against GEMM.multiplyReference.

extension GEMMMicroKernels {
    /// C[0..<6][0..<16] = clamp(A[0..<6] · panel + bias, lo, hi): 6 SIMD16 accumulators, one k step at a time.
    @inline(never)
    static func narrow6x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let a4 = a + 4 * lda
        let a5 = a + 5 * lda
        var c0_0 = Lane(); var c1_0 = Lane(); var c2_0 = Lane(); var c3_0 = Lane(); var c4_0 = Lane(); var c5_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            let w_0: Lane = load(b + 0)
            c0_0.addProduct(Lane(repeating: a0[i]), w_0)
            c1_0.addProduct(Lane(repeating: a1[i]), w_0)
            c2_0.addProduct(Lane(repeating: a2[i]), w_0)
            c3_0.addProduct(Lane(repeating: a3[i]), w_0)
            c4_0.addProduct(Lane(repeating: a4[i]), w_0)
            c5_0.addProduct(Lane(repeating: a5[i]), w_0)
            b += 16
            i += 1
        }
        let b0: Lane = load(bias)
        store(clamp(c0_0 + b0, lo, hi), c + 0 * ldc)
        store(clamp(c1_0 + b0, lo, hi), c + 1 * ldc)
        store(clamp(c2_0 + b0, lo, hi), c + 2 * ldc)
        store(clamp(c3_0 + b0, lo, hi), c + 3 * ldc)
        store(clamp(c4_0 + b0, lo, hi), c + 4 * ldc)
        store(clamp(c5_0 + b0, lo, hi), c + 5 * ldc)
    }

    /// C[0..<4][0..<16] = clamp(A[0..<4] · panel + bias, lo, hi): 4 SIMD16 accumulators, one k step at a time.
    @inline(never)
    static func narrow4x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        var c0_0 = Lane(); var c1_0 = Lane(); var c2_0 = Lane(); var c3_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            let w_0: Lane = load(b + 0)
            c0_0.addProduct(Lane(repeating: a0[i]), w_0)
            c1_0.addProduct(Lane(repeating: a1[i]), w_0)
            c2_0.addProduct(Lane(repeating: a2[i]), w_0)
            c3_0.addProduct(Lane(repeating: a3[i]), w_0)
            b += 16
            i += 1
        }
        let b0: Lane = load(bias)
        store(clamp(c0_0 + b0, lo, hi), c + 0 * ldc)
        store(clamp(c1_0 + b0, lo, hi), c + 1 * ldc)
        store(clamp(c2_0 + b0, lo, hi), c + 2 * ldc)
        store(clamp(c3_0 + b0, lo, hi), c + 3 * ldc)
    }

    /// C[0..<3][0..<16] = clamp(A[0..<3] · panel + bias, lo, hi): 3 SIMD16 accumulators, one k step at a time.
    @inline(never)
    static func narrow3x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        var c0_0 = Lane(); var c1_0 = Lane(); var c2_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            let w_0: Lane = load(b + 0)
            c0_0.addProduct(Lane(repeating: a0[i]), w_0)
            c1_0.addProduct(Lane(repeating: a1[i]), w_0)
            c2_0.addProduct(Lane(repeating: a2[i]), w_0)
            b += 16
            i += 1
        }
        let b0: Lane = load(bias)
        store(clamp(c0_0 + b0, lo, hi), c + 0 * ldc)
        store(clamp(c1_0 + b0, lo, hi), c + 1 * ldc)
        store(clamp(c2_0 + b0, lo, hi), c + 2 * ldc)
    }

    /// C[0..<2][0..<16] = clamp(A[0..<2] · panel + bias, lo, hi): 2 SIMD16 accumulators, one k step at a time.
    @inline(never)
    static func narrow2x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        var c0_0 = Lane(); var c1_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            let w_0: Lane = load(b + 0)
            c0_0.addProduct(Lane(repeating: a0[i]), w_0)
            c1_0.addProduct(Lane(repeating: a1[i]), w_0)
            b += 16
            i += 1
        }
        let b0: Lane = load(bias)
        store(clamp(c0_0 + b0, lo, hi), c + 0 * ldc)
        store(clamp(c1_0 + b0, lo, hi), c + 1 * ldc)
    }

    /// C[0..<1][0..<16] = clamp(A[0..<1] · panel + bias, lo, hi): 2 SIMD16 accumulators, k split over two sets for the FMA latency.
    @inline(never)
    static func narrow1x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        var c0_0 = Lane();
        var c0_1 = Lane();
        var b = panel
        var i = 0
        while i + 2 <= k {
            let w_0: Lane = load(b + 0)
            c0_0.addProduct(Lane(repeating: a0[i]), w_0)
            let w_1: Lane = load(b + 16)
            c0_1.addProduct(Lane(repeating: a0[i + 1]), w_1)
            b += 32
            i += 2
        }
        if i < k { c0_0.addProduct(Lane(repeating: a0[i]), load(b)) }
        let b0: Lane = load(bias)
        store(clamp(c0_0 + c0_1 + b0, lo, hi), c + 0 * ldc)
    }
}
