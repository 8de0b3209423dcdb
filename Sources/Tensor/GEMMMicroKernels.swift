// One function per tile shape, all written out from the same pattern by a small generator script (not part
// of the package): every accumulator is a named variable so LLVM keeps them in zmm registers, and tiles with
// fewer than 8 accumulators interleave k over several sets of them. A change to one tile belongs in all of
// them. Checked by PanelGEMM's tests against GEMM.multiplyReference.

/// Register-tiled GEMM micro-kernels for `PanelGEMM`: `rows` rows of A times one packed B panel (k × width
/// floats, row-major), K loop of broadcast-FMAs, bias + clamp at the store.
enum GEMMMicroKernels {
    typealias Lane = SIMD16<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Lane { UnsafeRawPointer(p).loadUnaligned(as: Lane.self) }
    @inline(__always) static func store(_ v: Lane, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lane.self)
    }
    @inline(__always) static func clamp(_ v: Lane, _ lo: Lane, _ hi: Lane) -> Lane {
        var r = v
        r.replace(with: lo, where: r .< lo)
        r.replace(with: hi, where: r .> hi)
        return r
    }

    /// C[0..<8][0..<32] = clamp(A[0..<8] · panel + bias, lo, hi): 16 SIMD16 accumulators.
    @inline(never)
    static func tile8x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let a4 = a + 4 * lda
        let a5 = a + 5 * lda
        let a6 = a + 6 * lda
        let a7 = a + 7 * lda
        var c00 = Lane(); var c01 = Lane()
        var c10 = Lane(); var c11 = Lane()
        var c20 = Lane(); var c21 = Lane()
        var c30 = Lane(); var c31 = Lane()
        var c40 = Lane(); var c41 = Lane()
        var c50 = Lane(); var c51 = Lane()
        var c60 = Lane(); var c61 = Lane()
        var c70 = Lane(); var c71 = Lane()
        var b = panel
        for i in 0..<k {
            let w0: Lane = load(b + 0), w1: Lane = load(b + 16)
            let x0 = Lane(repeating: a0[i]); c00.addProduct(x0, w0); c01.addProduct(x0, w1)
            let x1 = Lane(repeating: a1[i]); c10.addProduct(x1, w0); c11.addProduct(x1, w1)
            let x2 = Lane(repeating: a2[i]); c20.addProduct(x2, w0); c21.addProduct(x2, w1)
            let x3 = Lane(repeating: a3[i]); c30.addProduct(x3, w0); c31.addProduct(x3, w1)
            let x4 = Lane(repeating: a4[i]); c40.addProduct(x4, w0); c41.addProduct(x4, w1)
            let x5 = Lane(repeating: a5[i]); c50.addProduct(x5, w0); c51.addProduct(x5, w1)
            let x6 = Lane(repeating: a6[i]); c60.addProduct(x6, w0); c61.addProduct(x6, w1)
            let x7 = Lane(repeating: a7[i]); c70.addProduct(x7, w0); c71.addProduct(x7, w1)
            b += 32
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0); store(clamp(c01 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0); store(clamp(c11 + b1, lo, hi), c + 1 * ldc + 16)
        store(clamp(c20 + b0, lo, hi), c + 2 * ldc + 0); store(clamp(c21 + b1, lo, hi), c + 2 * ldc + 16)
        store(clamp(c30 + b0, lo, hi), c + 3 * ldc + 0); store(clamp(c31 + b1, lo, hi), c + 3 * ldc + 16)
        store(clamp(c40 + b0, lo, hi), c + 4 * ldc + 0); store(clamp(c41 + b1, lo, hi), c + 4 * ldc + 16)
        store(clamp(c50 + b0, lo, hi), c + 5 * ldc + 0); store(clamp(c51 + b1, lo, hi), c + 5 * ldc + 16)
        store(clamp(c60 + b0, lo, hi), c + 6 * ldc + 0); store(clamp(c61 + b1, lo, hi), c + 6 * ldc + 16)
        store(clamp(c70 + b0, lo, hi), c + 7 * ldc + 0); store(clamp(c71 + b1, lo, hi), c + 7 * ldc + 16)
    }

    /// C[0..<6][0..<32] = clamp(A[0..<6] · panel + bias, lo, hi): 12 SIMD16 accumulators.
    @inline(never)
    static func tile6x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let a4 = a + 4 * lda
        let a5 = a + 5 * lda
        var c00 = Lane(); var c01 = Lane()
        var c10 = Lane(); var c11 = Lane()
        var c20 = Lane(); var c21 = Lane()
        var c30 = Lane(); var c31 = Lane()
        var c40 = Lane(); var c41 = Lane()
        var c50 = Lane(); var c51 = Lane()
        var b = panel
        for i in 0..<k {
            let w0: Lane = load(b + 0), w1: Lane = load(b + 16)
            let x0 = Lane(repeating: a0[i]); c00.addProduct(x0, w0); c01.addProduct(x0, w1)
            let x1 = Lane(repeating: a1[i]); c10.addProduct(x1, w0); c11.addProduct(x1, w1)
            let x2 = Lane(repeating: a2[i]); c20.addProduct(x2, w0); c21.addProduct(x2, w1)
            let x3 = Lane(repeating: a3[i]); c30.addProduct(x3, w0); c31.addProduct(x3, w1)
            let x4 = Lane(repeating: a4[i]); c40.addProduct(x4, w0); c41.addProduct(x4, w1)
            let x5 = Lane(repeating: a5[i]); c50.addProduct(x5, w0); c51.addProduct(x5, w1)
            b += 32
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0); store(clamp(c01 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0); store(clamp(c11 + b1, lo, hi), c + 1 * ldc + 16)
        store(clamp(c20 + b0, lo, hi), c + 2 * ldc + 0); store(clamp(c21 + b1, lo, hi), c + 2 * ldc + 16)
        store(clamp(c30 + b0, lo, hi), c + 3 * ldc + 0); store(clamp(c31 + b1, lo, hi), c + 3 * ldc + 16)
        store(clamp(c40 + b0, lo, hi), c + 4 * ldc + 0); store(clamp(c41 + b1, lo, hi), c + 4 * ldc + 16)
        store(clamp(c50 + b0, lo, hi), c + 5 * ldc + 0); store(clamp(c51 + b1, lo, hi), c + 5 * ldc + 16)
    }

    /// C[0..<4][0..<32] = clamp(A[0..<4] · panel + bias, lo, hi): 8 SIMD16 accumulators.
    @inline(never)
    static func tile4x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        var c00 = Lane(); var c01 = Lane()
        var c10 = Lane(); var c11 = Lane()
        var c20 = Lane(); var c21 = Lane()
        var c30 = Lane(); var c31 = Lane()
        var b = panel
        for i in 0..<k {
            let w0: Lane = load(b + 0), w1: Lane = load(b + 16)
            let x0 = Lane(repeating: a0[i]); c00.addProduct(x0, w0); c01.addProduct(x0, w1)
            let x1 = Lane(repeating: a1[i]); c10.addProduct(x1, w0); c11.addProduct(x1, w1)
            let x2 = Lane(repeating: a2[i]); c20.addProduct(x2, w0); c21.addProduct(x2, w1)
            let x3 = Lane(repeating: a3[i]); c30.addProduct(x3, w0); c31.addProduct(x3, w1)
            b += 32
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0); store(clamp(c01 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0); store(clamp(c11 + b1, lo, hi), c + 1 * ldc + 16)
        store(clamp(c20 + b0, lo, hi), c + 2 * ldc + 0); store(clamp(c21 + b1, lo, hi), c + 2 * ldc + 16)
        store(clamp(c30 + b0, lo, hi), c + 3 * ldc + 0); store(clamp(c31 + b1, lo, hi), c + 3 * ldc + 16)
    }

    /// C[0..<2][0..<32] = clamp(A[0..<2] · panel + bias, lo, hi): 8 SIMD16 accumulators (2 k-interleaved sets of 4, so at least 8 FMA chains are in flight).
    @inline(never)
    static func tile2x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        var c00_0 = Lane(); var c01_0 = Lane()
        var c10_0 = Lane(); var c11_0 = Lane()
        var c00_1 = Lane(); var c01_1 = Lane()
        var c10_1 = Lane(); var c11_1 = Lane()
        var b = panel
        var i = 0
        while i + 2 <= k {
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0); c11_0.addProduct(x1_0, w1_0)
            let w0_1: Lane = load(b + 32), w1_1: Lane = load(b + 48)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1); c01_1.addProduct(x0_1, w1_1)
            let x1_1 = Lane(repeating: a1[i + 1]); c10_1.addProduct(x1_1, w0_1); c11_1.addProduct(x1_1, w1_1)
            b += 64
            i += 2
        }
        while i < k {
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0); c11_0.addProduct(x1_0, w1_0)
            b += 32
            i += 1
        }
        let c00 = c00_0 + c00_1
        let c01 = c01_0 + c01_1
        let c10 = c10_0 + c10_1
        let c11 = c11_0 + c11_1
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0); store(clamp(c01 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0); store(clamp(c11 + b1, lo, hi), c + 1 * ldc + 16)
    }

    /// C[0..<1][0..<32] = clamp(A[0..<1] · panel + bias, lo, hi): 8 SIMD16 accumulators (4 k-interleaved sets of 2, so at least 8 FMA chains are in flight).
    @inline(never)
    static func tile1x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        var c00_0 = Lane(); var c01_0 = Lane()
        var c00_1 = Lane(); var c01_1 = Lane()
        var c00_2 = Lane(); var c01_2 = Lane()
        var c00_3 = Lane(); var c01_3 = Lane()
        var b = panel
        var i = 0
        while i + 4 <= k {
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0)
            let w0_1: Lane = load(b + 32), w1_1: Lane = load(b + 48)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1); c01_1.addProduct(x0_1, w1_1)
            let w0_2: Lane = load(b + 64), w1_2: Lane = load(b + 80)
            let x0_2 = Lane(repeating: a0[i + 2]); c00_2.addProduct(x0_2, w0_2); c01_2.addProduct(x0_2, w1_2)
            let w0_3: Lane = load(b + 96), w1_3: Lane = load(b + 112)
            let x0_3 = Lane(repeating: a0[i + 3]); c00_3.addProduct(x0_3, w0_3); c01_3.addProduct(x0_3, w1_3)
            b += 128
            i += 4
        }
        while i < k {
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0)
            b += 32
            i += 1
        }
        let c00 = c00_0 + c00_1 + c00_2 + c00_3
        let c01 = c01_0 + c01_1 + c01_2 + c01_3
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0); store(clamp(c01 + b1, lo, hi), c + 0 * ldc + 16)
    }

    /// C[0..<8][0..<16] = clamp(A[0..<8] · panel + bias, lo, hi): 8 SIMD16 accumulators.
    @inline(never)
    static func tile8x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let a4 = a + 4 * lda
        let a5 = a + 5 * lda
        let a6 = a + 6 * lda
        let a7 = a + 7 * lda
        var c00 = Lane()
        var c10 = Lane()
        var c20 = Lane()
        var c30 = Lane()
        var c40 = Lane()
        var c50 = Lane()
        var c60 = Lane()
        var c70 = Lane()
        var b = panel
        for i in 0..<k {
            let w0: Lane = load(b + 0)
            let x0 = Lane(repeating: a0[i]); c00.addProduct(x0, w0)
            let x1 = Lane(repeating: a1[i]); c10.addProduct(x1, w0)
            let x2 = Lane(repeating: a2[i]); c20.addProduct(x2, w0)
            let x3 = Lane(repeating: a3[i]); c30.addProduct(x3, w0)
            let x4 = Lane(repeating: a4[i]); c40.addProduct(x4, w0)
            let x5 = Lane(repeating: a5[i]); c50.addProduct(x5, w0)
            let x6 = Lane(repeating: a6[i]); c60.addProduct(x6, w0)
            let x7 = Lane(repeating: a7[i]); c70.addProduct(x7, w0)
            b += 16
        }
        let b0: Lane = load(bias + 0)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0)
        store(clamp(c20 + b0, lo, hi), c + 2 * ldc + 0)
        store(clamp(c30 + b0, lo, hi), c + 3 * ldc + 0)
        store(clamp(c40 + b0, lo, hi), c + 4 * ldc + 0)
        store(clamp(c50 + b0, lo, hi), c + 5 * ldc + 0)
        store(clamp(c60 + b0, lo, hi), c + 6 * ldc + 0)
        store(clamp(c70 + b0, lo, hi), c + 7 * ldc + 0)
    }

    /// C[0..<6][0..<16] = clamp(A[0..<6] · panel + bias, lo, hi): 12 SIMD16 accumulators (2 k-interleaved sets of 6, so at least 8 FMA chains are in flight).
    @inline(never)
    static func tile6x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        let a4 = a + 4 * lda
        let a5 = a + 5 * lda
        var c00_0 = Lane()
        var c10_0 = Lane()
        var c20_0 = Lane()
        var c30_0 = Lane()
        var c40_0 = Lane()
        var c50_0 = Lane()
        var c00_1 = Lane()
        var c10_1 = Lane()
        var c20_1 = Lane()
        var c30_1 = Lane()
        var c40_1 = Lane()
        var c50_1 = Lane()
        var b = panel
        var i = 0
        while i + 2 <= k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0)
            let x2_0 = Lane(repeating: a2[i]); c20_0.addProduct(x2_0, w0_0)
            let x3_0 = Lane(repeating: a3[i]); c30_0.addProduct(x3_0, w0_0)
            let x4_0 = Lane(repeating: a4[i]); c40_0.addProduct(x4_0, w0_0)
            let x5_0 = Lane(repeating: a5[i]); c50_0.addProduct(x5_0, w0_0)
            let w0_1: Lane = load(b + 16)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1)
            let x1_1 = Lane(repeating: a1[i + 1]); c10_1.addProduct(x1_1, w0_1)
            let x2_1 = Lane(repeating: a2[i + 1]); c20_1.addProduct(x2_1, w0_1)
            let x3_1 = Lane(repeating: a3[i + 1]); c30_1.addProduct(x3_1, w0_1)
            let x4_1 = Lane(repeating: a4[i + 1]); c40_1.addProduct(x4_1, w0_1)
            let x5_1 = Lane(repeating: a5[i + 1]); c50_1.addProduct(x5_1, w0_1)
            b += 32
            i += 2
        }
        while i < k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0)
            let x2_0 = Lane(repeating: a2[i]); c20_0.addProduct(x2_0, w0_0)
            let x3_0 = Lane(repeating: a3[i]); c30_0.addProduct(x3_0, w0_0)
            let x4_0 = Lane(repeating: a4[i]); c40_0.addProduct(x4_0, w0_0)
            let x5_0 = Lane(repeating: a5[i]); c50_0.addProduct(x5_0, w0_0)
            b += 16
            i += 1
        }
        let c00 = c00_0 + c00_1
        let c10 = c10_0 + c10_1
        let c20 = c20_0 + c20_1
        let c30 = c30_0 + c30_1
        let c40 = c40_0 + c40_1
        let c50 = c50_0 + c50_1
        let b0: Lane = load(bias + 0)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0)
        store(clamp(c20 + b0, lo, hi), c + 2 * ldc + 0)
        store(clamp(c30 + b0, lo, hi), c + 3 * ldc + 0)
        store(clamp(c40 + b0, lo, hi), c + 4 * ldc + 0)
        store(clamp(c50 + b0, lo, hi), c + 5 * ldc + 0)
    }

    /// C[0..<4][0..<16] = clamp(A[0..<4] · panel + bias, lo, hi): 8 SIMD16 accumulators (2 k-interleaved sets of 4, so at least 8 FMA chains are in flight).
    @inline(never)
    static func tile4x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        var c00_0 = Lane()
        var c10_0 = Lane()
        var c20_0 = Lane()
        var c30_0 = Lane()
        var c00_1 = Lane()
        var c10_1 = Lane()
        var c20_1 = Lane()
        var c30_1 = Lane()
        var b = panel
        var i = 0
        while i + 2 <= k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0)
            let x2_0 = Lane(repeating: a2[i]); c20_0.addProduct(x2_0, w0_0)
            let x3_0 = Lane(repeating: a3[i]); c30_0.addProduct(x3_0, w0_0)
            let w0_1: Lane = load(b + 16)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1)
            let x1_1 = Lane(repeating: a1[i + 1]); c10_1.addProduct(x1_1, w0_1)
            let x2_1 = Lane(repeating: a2[i + 1]); c20_1.addProduct(x2_1, w0_1)
            let x3_1 = Lane(repeating: a3[i + 1]); c30_1.addProduct(x3_1, w0_1)
            b += 32
            i += 2
        }
        while i < k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0)
            let x2_0 = Lane(repeating: a2[i]); c20_0.addProduct(x2_0, w0_0)
            let x3_0 = Lane(repeating: a3[i]); c30_0.addProduct(x3_0, w0_0)
            b += 16
            i += 1
        }
        let c00 = c00_0 + c00_1
        let c10 = c10_0 + c10_1
        let c20 = c20_0 + c20_1
        let c30 = c30_0 + c30_1
        let b0: Lane = load(bias + 0)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0)
        store(clamp(c20 + b0, lo, hi), c + 2 * ldc + 0)
        store(clamp(c30 + b0, lo, hi), c + 3 * ldc + 0)
    }

    /// C[0..<2][0..<16] = clamp(A[0..<2] · panel + bias, lo, hi): 8 SIMD16 accumulators (4 k-interleaved sets of 2, so at least 8 FMA chains are in flight).
    @inline(never)
    static func tile2x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        var c00_0 = Lane()
        var c10_0 = Lane()
        var c00_1 = Lane()
        var c10_1 = Lane()
        var c00_2 = Lane()
        var c10_2 = Lane()
        var c00_3 = Lane()
        var c10_3 = Lane()
        var b = panel
        var i = 0
        while i + 4 <= k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0)
            let w0_1: Lane = load(b + 16)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1)
            let x1_1 = Lane(repeating: a1[i + 1]); c10_1.addProduct(x1_1, w0_1)
            let w0_2: Lane = load(b + 32)
            let x0_2 = Lane(repeating: a0[i + 2]); c00_2.addProduct(x0_2, w0_2)
            let x1_2 = Lane(repeating: a1[i + 2]); c10_2.addProduct(x1_2, w0_2)
            let w0_3: Lane = load(b + 48)
            let x0_3 = Lane(repeating: a0[i + 3]); c00_3.addProduct(x0_3, w0_3)
            let x1_3 = Lane(repeating: a1[i + 3]); c10_3.addProduct(x1_3, w0_3)
            b += 64
            i += 4
        }
        while i < k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0)
            b += 16
            i += 1
        }
        let c00 = c00_0 + c00_1 + c00_2 + c00_3
        let c10 = c10_0 + c10_1 + c10_2 + c10_3
        let b0: Lane = load(bias + 0)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c10 + b0, lo, hi), c + 1 * ldc + 0)
    }

    /// C[0..<1][0..<16] = clamp(A[0..<1] · panel + bias, lo, hi): 8 SIMD16 accumulators (8 k-interleaved sets of 1, so at least 8 FMA chains are in flight).
    @inline(never)
    static func tile1x16(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                           _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        let a0 = a + 0 * lda
        var c00_0 = Lane()
        var c00_1 = Lane()
        var c00_2 = Lane()
        var c00_3 = Lane()
        var c00_4 = Lane()
        var c00_5 = Lane()
        var c00_6 = Lane()
        var c00_7 = Lane()
        var b = panel
        var i = 0
        while i + 8 <= k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            let w0_1: Lane = load(b + 16)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1)
            let w0_2: Lane = load(b + 32)
            let x0_2 = Lane(repeating: a0[i + 2]); c00_2.addProduct(x0_2, w0_2)
            let w0_3: Lane = load(b + 48)
            let x0_3 = Lane(repeating: a0[i + 3]); c00_3.addProduct(x0_3, w0_3)
            let w0_4: Lane = load(b + 64)
            let x0_4 = Lane(repeating: a0[i + 4]); c00_4.addProduct(x0_4, w0_4)
            let w0_5: Lane = load(b + 80)
            let x0_5 = Lane(repeating: a0[i + 5]); c00_5.addProduct(x0_5, w0_5)
            let w0_6: Lane = load(b + 96)
            let x0_6 = Lane(repeating: a0[i + 6]); c00_6.addProduct(x0_6, w0_6)
            let w0_7: Lane = load(b + 112)
            let x0_7 = Lane(repeating: a0[i + 7]); c00_7.addProduct(x0_7, w0_7)
            b += 128
            i += 8
        }
        while i < k {
            let w0_0: Lane = load(b + 0)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0)
            b += 16
            i += 1
        }
        let c00 = c00_0 + c00_1 + c00_2 + c00_3 + c00_4 + c00_5 + c00_6 + c00_7
        let b0: Lane = load(bias + 0)
        store(clamp(c00 + b0, lo, hi), c + 0 * ldc + 0)
    }
}
