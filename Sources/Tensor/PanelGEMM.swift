/// A GEMM for small products with the weights fixed at load time: C (m×n) = clamp(A (m×k) · B (k×n) + bias).
/// B is packed once into column panels of 32 floats (k × 32 contiguous each); a column count that is not a
/// multiple of 32 ends with one more panel, 32 or 16 wide (the narrower that covers the rest), placed
/// flush with the last column so it overlaps the previous one (those columns are recomputed to the same
/// values): no scalar tail, n ≥ 16 required. (An 8-wide last panel, 72 instead of 80 columns for n = 69,
/// measured no faster: an 8-row tile is bound by its broadcasts, not its FMAs.)
/// Rows go in tiles of 8 (`GEMMMicroKernels.tile8x32`: 16 SIMD16 accumulators, two panel loads and eight
/// broadcast-FMA pairs per k step) or 6 when that wastes 2 % fewer rows; the last tile is again placed flush
/// with the last row, and fewer than 8 rows use the widest of the 6/4/2/1-row tiles that fits. Panels are
/// the outer loop, so each panel (≤ k·128 bytes) is read from memory once and then reused from cache by
/// every row tile.
/// Fast only with AVX-512 (`-Xswiftc -target-cpu -Xswiftc native`); the loader measures it against
/// OpenBLAS and keeps the faster one. Checked against `GEMM.multiplyReference`.
///
/// `narrow: true` packs every panel 16 wide and runs tiles of at most 6 rows without k interleaving
/// (`GEMMMicroKernels.narrow6x16`…): 6 SIMD16 accumulators, which fit AVX2's 16 ymm registers, where the
/// wide tiles spill. The loader times both layouts and OpenBLAS.
public struct PanelGEMM: Sendable {
    public typealias Lane = SIMD16<Float>
    public static let panelWidth = 32
    public static let minimumColumns = 16

    public let k: Int, n: Int
    /// 16-wide panels and ≤ 6-row tiles without k interleaving (see above).
    public let narrow: Bool
    /// First column of each panel, its width (32 or 16) and where its k × width values start in `packed`.
    public let panelStarts: [Int]
    let panelWidths: [Int]
    let panelOffsets: [Int]
    private let packed: AlignedFloats      // each panel starts on a 64-byte boundary
    private let zeroBias: [Float]

    public static func supports(n: Int) -> Bool { n >= minimumColumns }

    /// Packs row-major B (k × n).
    public init(b: [Float], k: Int, n: Int, narrow: Bool = false) {
        precondition(n >= PanelGEMM.minimumColumns && b.count == k * n, "PanelGEMM: needs n ≥ 16 and k·n values")
        self.k = k
        self.n = n
        self.narrow = narrow
        var starts: [Int] = [], widths: [Int] = []
        var s = 0
        let wide = narrow ? 16 : 32
        while s + wide <= n { starts.append(s); widths.append(wide); s += wide }
        let rest = n - s
        if narrow {
            if rest > 0 { starts.append(n - 16); widths.append(16) }
        } else if rest > 16 && n >= 32 {
            starts.append(n - 32); widths.append(32)
        } else if rest > 16 {          // 16 < n < 32: two 16-wide panels
            starts += [0, n - 16]; widths += [16, 16]
        } else if rest > 0 {
            starts.append(n - 16); widths.append(16)
        }
        var offsets: [Int] = [], total = 0
        for w in widths { offsets.append(total); total += k * w }   // k·16·4 bytes: multiples of 64
        let packed = AlignedFloats(zeros: total)
        for p in starts.indices {
            let w = widths[p]
            for row in 0..<k {
                for j in 0..<w { packed.pointer[offsets[p] + row * w + j] = b[row * n + starts[p] + j] }
            }
        }
        panelStarts = starts
        panelWidths = widths
        panelOffsets = offsets
        self.packed = packed
        zeroBias = [Float](repeating: 0, count: n)
    }

    /// C = clamp(A · B + bias, lower, upper); A is m × k row-major with leading dimension `lda` (default k),
    /// C is m × n with leading dimension `ldc` (default n). A and C must not overlap.
    public func multiply(_ a: UnsafePointer<Float>, m: Int, into c: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>?, lower: Float, upper: Float, lda: Int? = nil, ldc: Int? = nil) {
        guard m > 0 else { return }
        zeroBias.withUnsafeBufferPointer { zb in
            run(a, m, lda ?? k, c, ldc ?? n, UnsafePointer(packed.pointer), bias ?? zb.baseAddress!,
                Lane(repeating: lower), Lane(repeating: upper))
        }
    }

    private func run(_ a: UnsafePointer<Float>, _ m: Int, _ lda: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                     _ b: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        typealias K = GEMMMicroKernels
        let k = self.k
        // Row tile: 8, or 6 when that computes at least 2 % fewer rows in all (36 rows: six 6-row tiles
        // instead of five 8-row ones, measured 10 % faster; 220 rows: 222 against 224, measured even); below
        // 8 rows the widest tile that fits. The last tile sits flush with row m.
        let tile = m >= 8 && !narrow ? (50 * ((m + 5) / 6 * 6) < 49 * ((m + 7) / 8 * 8) ? 6 : 8)
            : m >= 6 ? 6 : m >= 4 ? 4 : m >= 3 && narrow ? 3 : m >= 2 ? 2 : 1
        let tiles = (m + tile - 1) / tile
        for p in panelStarts.indices {
            let panel = b + panelOffsets[p], col = panelStarts[p], pb = bias + col
            let width = panelWidths[p]
            for t in 0..<tiles {
                let row = min(t * tile, m - tile)
                let ap = a + row * lda, cp = c + row * ldc + col
                if narrow {
                    switch tile {
                    case 6: K.narrow6x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                    case 4: K.narrow4x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                    case 3: K.narrow3x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                    case 2: K.narrow2x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                    default: K.narrow1x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                    }
                    continue
                }
                switch (tile, width) {
                case (8, 32): K.tile8x32(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (8, 16): K.tile8x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (6, 32): K.tile6x32(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (6, 16): K.tile6x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (4, 32): K.tile4x32(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (4, 16): K.tile4x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (2, 32): K.tile2x32(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (2, 16): K.tile2x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (_, 32): K.tile1x32(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                case (_, _): K.tile1x16(ap, lda, panel, k, cp, ldc, pb, lo, hi)
                }
            }
        }
    }
}
