import Testing
@testable import Tensor

private func randomMatrix(_ n: Int, seed: inout UInt64, zeros: Float = 0) -> [Float] {
    (0..<n).map { _ in
        seed = seed &* 6364136223846793005 &+ 1442695040888963407
        let u = Float(seed >> 40) / Float(1 << 24)          // [0, 1)
        return u < zeros ? 0 : u * 2 - 1
    }
}

/// Checks `product(lower, upper)` (an m × n result of a × b + bias clamped to [lower, upper]) against the
/// triple loop, with no clamp and with a clamp to [0, 0.5].
private func expectBiasClampProduct(m: Int, k: Int, n: Int, a: [Float], b: [Float], bias: [Float], _ label: String,
                                    _ product: (Float, Float) -> [Float]) {
    var expected = [Float](repeating: 0, count: m * n)
    GEMM.multiplyReference(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &expected, ldc: n)
    for (lower, upper) in [(-Float.infinity, Float.infinity), (0, 0.5)] {
        let c = product(lower, upper)
        let want = expected.enumerated().map { min(max($0.element + bias[$0.offset % n], lower), upper) }
        let worst = c.count == want.count ? zip(c, want).map { abs($0 - $1) }.max() ?? 0 : .infinity
        #expect(worst < 1e-5 * Float(k + 1), "m\(m) k\(k) n\(n) \(label) clamp \(lower)…\(upper): \(worst)")
    }
}

@Suite struct GEMMAndCSRTests {
    @Test(arguments: [(1, 1, 1), (1, 9, 7), (5, 3, 8), (17, 33, 9), (64, 1, 70), (2, 300, 1)])
    func blasMatchesTripleLoop(_ dims: (Int, Int, Int)) {
        let (m, n, k) = dims
        // OpenBLAS is installed wherever the tests run; without it multiply would be the loops themselves.
        #expect(GEMM.isOpenBLASAvailable)
        var seed = UInt64(m * 131 + n * 7 + k)
        let a = randomMatrix(m * k, seed: &seed), b = randomMatrix(k * n, seed: &seed)
        for beta: Float in [0, 1] {
            let c0 = randomMatrix(m * n, seed: &seed)
            var fast = c0, slow = c0
            GEMM.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &fast, ldc: n, beta: beta)
            GEMM.multiplyReference(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &slow, ldc: n, beta: beta)
            let worst = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4 * Float(k), "m\(m) n\(n) k\(k) beta \(beta): \(worst)")
        }
    }

    @Test func csrRoundTripsAndCountsNonZeros() {
        var seed: UInt64 = 3
        let dense = randomMatrix(7 * 13, seed: &seed, zeros: 0.6)
        let csr = CSRMatrix(dense: dense, rows: 7, cols: 13)
        #expect(csr.dense() == dense)
        #expect(csr.nonZeroCount == dense.filter { $0 != 0 }.count)
        #expect(csr.rowStart.count == 8 && csr.rowStart.last == Int32(csr.nonZeroCount))
        let empty = CSRMatrix(dense: [0, 0, 0, 0], rows: 2, cols: 2)
        #expect(empty.nonZeroCount == 0 && empty.density == 0)
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 2), (10, 69, 69), (1, 1024, 8), (4, 7, 33)])
    func csrProductMatchesDenseProduct(_ dims: (Int, Int, Int)) {
        let (count, cols, rows) = dims
        var seed = UInt64(count * 17 + cols + rows)
        let a = randomMatrix(rows * cols, seed: &seed, zeros: 0.58)
        let x = randomMatrix(count * cols, seed: &seed)
        var y = [Float](repeating: .nan, count: count * rows)
        CSRMatrix(dense: a, rows: rows, cols: cols).multiplyRows(x, count: count, into: &y)
        // y = x · Aᵀ with the reference GEMM on the transposed dense matrix.
        var at = [Float](repeating: 0, count: cols * rows)
        for r in 0..<rows { for c in 0..<cols { at[c * rows + r] = a[r * cols + c] } }
        var expected = [Float](repeating: 0, count: count * rows)
        GEMM.multiplyReference(m: count, n: rows, k: cols, a: x, lda: cols, b: at, ldb: rows, c: &expected, ldc: rows)
        let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5 * Float(cols), "\(dims): \(worst)")
    }

    /// Rows around the 8/6/4/2/1-row tiles (the last tile flush with row m), columns around the 32- and
    /// 16-wide panels (two 16-wide panels below 32 columns, an overlapping last panel above), odd k.
    @Test(arguments: [(1, 1, 16), (3, 5, 17), (4, 9, 32), (5, 69, 69), (9, 3, 47), (13, 70, 665), (8, 1, 31),
                      (6, 7, 18), (7, 11, 48), (2, 5, 50), (33, 17, 70), (23, 166, 332), (17, 2, 34), (841, 9, 69),
                      (36, 20, 40), (77, 9, 33), (29, 700, 50), (5, 513, 16), (11, 257, 33), (2, 300, 17)])
    func panelGEMMMatchesTripleLoopWithBiasAndClamp(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        var seed = UInt64(m * 31 + k * 3 + n)
        let a = randomMatrix(m * k, seed: &seed), b = randomMatrix(k * n, seed: &seed), bias = randomMatrix(n, seed: &seed)
        for (narrow, kBlocked) in [(false, false), (true, false), (false, true)] {
            let gemm = PanelGEMM(b: b, k: k, n: n, narrow: narrow, kBlocked: kBlocked)
            expectBiasClampProduct(m: m, k: k, n: n, a: a, b: b, bias: bias, "narrow \(narrow) kBlocked \(kBlocked)") { lower, upper in
                var c = [Float](repeating: .nan, count: m * n)
                gemm.multiply(a, m: m, into: &c, bias: bias, lower: lower, upper: upper)
                return c
            }
        }
        #expect(!PanelGEMM.supports(n: 15) && PanelGEMM.supports(n: 16))
    }

    /// The k-blocked layout: balanced blocks within `kBlockLimit` and `kBlockBytes`, and the same sums as the unblocked
    /// narrow tiles bit for bit (same k order; the partial sums only pass through C), with remainder rows
    /// (2–5 after the 6-row tiles; the 1-row tile sums in another order) and an overlapping last panel
    /// (n not a multiple of 16), also
    /// with leading dimensions wider than k and n (the gaps stay untouched).
    @Test(arguments: [(29, 700, 50), (6, 257, 16), (14, 665, 665), (3, 1000, 40), (47, 2304, 37), (10, 300, 33)])
    func kBlockedPanelGEMMEqualsUnblockedBitForBit(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        let lda = k + 3, ldc = n + 5
        var seed = UInt64(m * 5 + k + n)
        let a = randomMatrix(m * lda, seed: &seed), b = randomMatrix(k * n, seed: &seed), bias = randomMatrix(n, seed: &seed)
        let blocked = PanelGEMM(b: b, k: k, n: n, kBlocked: true)
        let blocks = zip(blocked.kBlocks, blocked.kBlocks.dropFirst()).map { $1 - $0 }
        #expect(blocked.narrow && blocked.kBlocks.first == 0 && blocked.kBlocks.last == k)
        let panels = (n + 15) / 16
        #expect(blocks.count == PanelGEMM.kBlockCount(k: k, panels: panels) && blocks.count > 1)
        #expect(blocks.allSatisfy { $0 <= PanelGEMM.kBlockLimit && panels * 64 * $0 <= PanelGEMM.kBlockBytes })
        #expect(blocks.max()! - blocks.min()! <= 1)
        var plain = [Float](repeating: 7, count: m * ldc), viaBlocks = [Float](repeating: 7, count: m * ldc)
        PanelGEMM(b: b, k: k, n: n, narrow: true).multiply(a, m: m, into: &plain, bias: bias, lower: -1, upper: 2, lda: lda, ldc: ldc)
        blocked.multiply(a, m: m, into: &viaBlocks, bias: bias, lower: -1, upper: 2, lda: lda, ldc: ldc)
        #expect(plain == viaBlocks)
        for r in 0..<m { #expect(viaBlocks[(r * ldc + n)..<(r * ldc + ldc)].allSatisfy { $0 == 7 }) }
    }

    /// The channel-blocked output: panel p's rows × 16 block at p · m · 16 holds columns
    /// min(16p, n − 16) ..< +16 of the product (checked against the triple loop), for the narrow and the
    /// k-blocked layouts, with and without an overlapping last panel; nothing past `blockedCount` is written.
    @Test(arguments: [(7, 9, 16), (23, 166, 332), (5, 30, 37), (13, 665, 40), (1, 3, 17)])
    func blockedOutputHoldsEachPanelsColumns(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        var seed = UInt64(m * 17 + k + n * 3)
        let a = randomMatrix(m * k, seed: &seed), b = randomMatrix(k * n, seed: &seed), bias = randomMatrix(n, seed: &seed)
        var expected = [Float](repeating: 0, count: m * n)
        GEMM.multiplyReference(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &expected, ldc: n)
        for kBlocked in [false, true] {
            let gemm = PanelGEMM(b: b, k: k, n: n, narrow: true, kBlocked: kBlocked)
            let panels = (n + 15) / 16
            #expect(gemm.blockedCount(m: m) == panels * m * 16)
            var c = [Float](repeating: 7, count: gemm.blockedCount(m: m) + 16)
            gemm.multiply(a, m: m, blockedInto: &c, bias: bias, lower: -0.5, upper: 1.5)
            var worst: Float = 0
            for p in 0..<panels {
                let first = min(16 * p, n - 16)
                for r in 0..<m {
                    for j in 0..<16 {
                        let want = min(max(expected[r * n + first + j] + bias[first + j], -0.5), 1.5)
                        worst = max(worst, abs(c[p * m * 16 + r * 16 + j] - want) / max(1, abs(want)))
                    }
                }
            }
            #expect(worst < 1e-4, "kBlocked \(kBlocked): worst \(worst)")
            #expect(c.suffix(16).allSatisfy { $0 == 7 })
        }
    }

    /// A and C inside wider matrices (leading dimensions larger than k and n); the gaps stay untouched.
    @Test(arguments: [(9, 20, 33), (3, 4, 16), (12, 69, 69)])
    func panelGEMMHonoursLeadingDimensions(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        let lda = k + 3, ldc = n + 5
        var seed = UInt64(m + k + n)
        let a = randomMatrix(m * lda, seed: &seed), b = randomMatrix(k * n, seed: &seed), bias = randomMatrix(n, seed: &seed)
        var expected = [Float](repeating: 0, count: m * n)
        GEMM.multiplyReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: n, c: &expected, ldc: n)
        var c = [Float](repeating: 7, count: m * ldc)
        PanelGEMM(b: b, k: k, n: n).multiply(a, m: m, into: &c, bias: bias, lower: -.infinity, upper: .infinity, lda: lda, ldc: ldc)
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n { worst = max(worst, abs(c[i * ldc + j] - expected[i * n + j] - bias[j])) }
            for j in n..<ldc { #expect(c[i * ldc + j] == 7, "gap at row \(i) column \(j) overwritten") }
        }
        #expect(worst < 1e-5 * Float(k + 1), "\(dims): \(worst)")
    }

    /// 1–4 rows, columns at and around the 32-wide panels (an overlapping last panel), odd and even k (the
    /// one-row tile splits k in two sets), against the triple loop with bias and clamp.
    @Test(arguments: [(1, 1, 32), (1, 7, 33), (2, 16, 128), (3, 33, 100), (4, 512, 1024), (1, 1024, 1024), (4, 5, 64),
                      (2, 9, 47), (3, 2, 200)])
    func streamingGEMMMatchesTripleLoopWithBiasAndClamp(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        var seed = UInt64(m * 29 + k * 5 + n)
        let a = randomMatrix(m * k, seed: &seed), b = randomMatrix(k * n, seed: &seed), bias = randomMatrix(n, seed: &seed)
        let gemm = StreamingGEMM(b: b, k: k, n: n)
        expectBiasClampProduct(m: m, k: k, n: n, a: a, b: b, bias: bias, "stream") { lower, upper in
            var c = [Float](repeating: .nan, count: m * n)
            gemm.multiply(a, m: m, into: &c, bias: bias, lower: lower, upper: upper)
            return c
        }
        var expected = [Float](repeating: 0, count: m * n)
        GEMM.multiplyReference(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &expected, ldc: n)
        var noBias = [Float](repeating: .nan, count: m * n)
        gemm.multiply(a, m: m, into: &noBias, bias: nil, lower: -.infinity, upper: .infinity)
        #expect((zip(noBias, expected).map { abs($0 - $1) }.max() ?? 0) < 1e-5 * Float(k + 1))
        #expect(StreamingGEMM.supports(m: 4, n: 32) && !StreamingGEMM.supports(m: 5, n: 64) && !StreamingGEMM.supports(m: 1, n: 31))
    }

    /// Pixel counts at and around the 64-pixel blocks (an overlapping last block), channel counts at and
    /// around the 16×16 transposes (overlapping last channel blocks), about 58 % zeros and also none, all
    /// zeros in some output channels; against the triple loop on the dense weights.
    @Test(arguments: [(64, 16, 16, 0.58), (65, 17, 33, 0.58), (841, 69, 69, 0.58), (625, 69, 34, 0.58), (130, 40, 20, 0.0),
                      (200, 16, 80, 0.9), (96, 31, 47, 0.3)])
    func sparsePixelGEMMMatchesTripleLoop(_ dims: (Int, Int, Int, Double)) {
        let (m, k, n, zeros) = dims
        var seed = UInt64(m * 3 + k * 11 + n)
        let a = randomMatrix(m * k, seed: &seed), bias = randomMatrix(n, seed: &seed)
        var b = randomMatrix(k * n, seed: &seed, zeros: Float(zeros))
        for i in 0..<k { b[i * n + n - 1] = 0 }   // an output channel without any nonzero weight
        for pairs in [true, false] {
            let sparse = SparsePixelGEMM(b: b, k: k, n: n, pairs: pairs)
            #expect(sparse.nonZeroCount == b.filter { $0 != 0 }.count)
            var scratch = [Float](repeating: .nan, count: SparsePixelGEMM.scratchCount(k: k, n: n))
            expectBiasClampProduct(m: m, k: k, n: n, a: a, b: b, bias: bias, "pairs \(pairs)") { lower, upper in
                var c = [Float](repeating: .nan, count: m * n)
                sparse.multiply(a, m: m, into: &c, bias: bias, lower: lower, upper: upper, scratch: &scratch)
                return c
            }
        }
        #expect(SparsePixelGEMM.supports(m: 64, k: 16, n: 16) && !SparsePixelGEMM.supports(m: 63, k: 16, n: 16)
                && !SparsePixelGEMM.supports(m: 64, k: 15, n: 16))
    }

    @Test func transpose16MatchesIndexSwap() {
        let src = (0..<(16 * 20)).map { Float($0) }
        var dst = [Float](repeating: .nan, count: 16 * 18)
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { SparsePixelGEMM.transpose16(s.baseAddress!, 20, $0.baseAddress!, 18) }
        }
        for r in 0..<16 {
            for c in 0..<16 { #expect(dst[r * 18 + c] == src[c * 20 + r]) }
            for c in 16..<18 { #expect(dst[r * 18 + c].isNaN) }
        }
    }

    @Test func alignedFloatsAre64ByteAlignedCopies() {
        for n in [0, 1, 17, 1000] {
            let values = (0..<n).map { Float($0) * 0.5 - 3 }
            let a = AlignedFloats(values)
            #expect(Int(bitPattern: a.pointer) % 64 == 0)
            #expect(a.count == n)
            #expect(Array(UnsafeBufferPointer(start: a.pointer, count: n)) == values)
        }
    }
}
