// Tiles for `PanelGEMM(narrow: true)` and `PanelGEMM(kBlocked: true)`: 16-wide panels, at most 6 rows, and
// (unlike GEMMMicroKernels) no k interleaving, so a 6-row tile holds 6 SIMD16 accumulators: 12 ymm registers
// on AVX2, where a SIMD16 is two 256-bit halves and the wide tiles' 12–16 accumulators (24–32 ymm) spill.
// For the k-blocked layout a tile runs over one block of k: `accumulate` starts from the partial sums
// already in C (blocks after the first), `finish` adds the bias and clamps (the last block, and the whole
// of k in the unblocked layout); otherwise the raw partial sums are stored. The k steps run in the same
// order either way (but for the 1-row tile). One pattern per row count (a change to one
// belongs in all; written out by a small generator script, not part of the package). Checked by
// PanelGEMM's tests against GEMM.multiplyReference.

extension GEMMMicroKernels {
    /// C[0..<6][0..<16] (+)= A[0..<6] · panel, one k step at a time; bias and clamp when `finish`.
    @inline(never)
    static func narrow6x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                            accumulate: Bool = false, finish: Bool = true) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let a4 = a + 4 * lda
        let a5 = a + 5 * lda
        var c0 = accumulate ? load(c + 0 * ldc) : Lane()
        var c1 = accumulate ? load(c + 1 * ldc) : Lane()
        var c2 = accumulate ? load(c + 2 * ldc) : Lane()
        var c3 = accumulate ? load(c + 3 * ldc) : Lane()
        var c4 = accumulate ? load(c + 4 * ldc) : Lane()
        var c5 = accumulate ? load(c + 5 * ldc) : Lane()
        var b = panel
        for i in 0..<k {
            let w: Lane = load(b)
            c0.addProduct(Lane(repeating: a0[i]), w)
            c1.addProduct(Lane(repeating: a1[i]), w)
            c2.addProduct(Lane(repeating: a2[i]), w)
            c3.addProduct(Lane(repeating: a3[i]), w)
            c4.addProduct(Lane(repeating: a4[i]), w)
            c5.addProduct(Lane(repeating: a5[i]), w)
            b += 16
        }
        if finish {
            let b0: Lane = load(bias)
            store(clamp(c0 + b0, lo, hi), c + 0 * ldc)
            store(clamp(c1 + b0, lo, hi), c + 1 * ldc)
            store(clamp(c2 + b0, lo, hi), c + 2 * ldc)
            store(clamp(c3 + b0, lo, hi), c + 3 * ldc)
            store(clamp(c4 + b0, lo, hi), c + 4 * ldc)
            store(clamp(c5 + b0, lo, hi), c + 5 * ldc)
        } else {
            store(c0, c + 0 * ldc)
            store(c1, c + 1 * ldc)
            store(c2, c + 2 * ldc)
            store(c3, c + 3 * ldc)
            store(c4, c + 4 * ldc)
            store(c5, c + 5 * ldc)
        }
    }

    /// C[0..<4][0..<16] (+)= A[0..<4] · panel, one k step at a time; bias and clamp when `finish`.
    @inline(never)
    static func narrow4x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                            accumulate: Bool = false, finish: Bool = true) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        var c0 = accumulate ? load(c + 0 * ldc) : Lane()
        var c1 = accumulate ? load(c + 1 * ldc) : Lane()
        var c2 = accumulate ? load(c + 2 * ldc) : Lane()
        var c3 = accumulate ? load(c + 3 * ldc) : Lane()
        var b = panel
        for i in 0..<k {
            let w: Lane = load(b)
            c0.addProduct(Lane(repeating: a0[i]), w)
            c1.addProduct(Lane(repeating: a1[i]), w)
            c2.addProduct(Lane(repeating: a2[i]), w)
            c3.addProduct(Lane(repeating: a3[i]), w)
            b += 16
        }
        if finish {
            let b0: Lane = load(bias)
            store(clamp(c0 + b0, lo, hi), c + 0 * ldc)
            store(clamp(c1 + b0, lo, hi), c + 1 * ldc)
            store(clamp(c2 + b0, lo, hi), c + 2 * ldc)
            store(clamp(c3 + b0, lo, hi), c + 3 * ldc)
        } else {
            store(c0, c + 0 * ldc)
            store(c1, c + 1 * ldc)
            store(c2, c + 2 * ldc)
            store(c3, c + 3 * ldc)
        }
    }

    /// C[0..<3][0..<16] (+)= A[0..<3] · panel, one k step at a time; bias and clamp when `finish`.
    @inline(never)
    static func narrow3x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                            accumulate: Bool = false, finish: Bool = true) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        var c0 = accumulate ? load(c + 0 * ldc) : Lane()
        var c1 = accumulate ? load(c + 1 * ldc) : Lane()
        var c2 = accumulate ? load(c + 2 * ldc) : Lane()
        var b = panel
        for i in 0..<k {
            let w: Lane = load(b)
            c0.addProduct(Lane(repeating: a0[i]), w)
            c1.addProduct(Lane(repeating: a1[i]), w)
            c2.addProduct(Lane(repeating: a2[i]), w)
            b += 16
        }
        if finish {
            let b0: Lane = load(bias)
            store(clamp(c0 + b0, lo, hi), c + 0 * ldc)
            store(clamp(c1 + b0, lo, hi), c + 1 * ldc)
            store(clamp(c2 + b0, lo, hi), c + 2 * ldc)
        } else {
            store(c0, c + 0 * ldc)
            store(c1, c + 1 * ldc)
            store(c2, c + 2 * ldc)
        }
    }

    /// C[0..<2][0..<16] (+)= A[0..<2] · panel, one k step at a time; bias and clamp when `finish`.
    @inline(never)
    static func narrow2x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                            accumulate: Bool = false, finish: Bool = true) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        var c0 = accumulate ? load(c + 0 * ldc) : Lane()
        var c1 = accumulate ? load(c + 1 * ldc) : Lane()
        var b = panel
        for i in 0..<k {
            let w: Lane = load(b)
            c0.addProduct(Lane(repeating: a0[i]), w)
            c1.addProduct(Lane(repeating: a1[i]), w)
            b += 16
        }
        if finish {
            let b0: Lane = load(bias)
            store(clamp(c0 + b0, lo, hi), c + 0 * ldc)
            store(clamp(c1 + b0, lo, hi), c + 1 * ldc)
        } else {
            store(c0, c + 0 * ldc)
            store(c1, c + 1 * ldc)
        }
    }

    /// C[0..<1][0..<16] (+)= A[0..<1] · panel; 2 SIMD16 accumulators, k split over two sets for the FMA latency
    /// (so within a k block the sum runs in another order than the unblocked one's); bias and clamp when `finish`.
    @inline(never)
    static func narrow1x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                            accumulate: Bool = false, finish: Bool = true) {
        let a0 = a + 0 * lda
        var c0_0 = accumulate ? load(c) : Lane()
        var c0_1 = Lane()
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
        if finish {
            store(clamp(c0_0 + c0_1 + load(bias), lo, hi), c)
        } else {
            store(c0_0 + c0_1, c)
        }
    }
}
