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
///
/// `kBlocked: true` (implies `narrow`) cuts k into balanced blocks (`kBlockCount`: at most 256 long, and one
/// block of all panels, n16 · kc · 4 bytes, within 192 KB of the 512 KB L2: 332 × 332 → 2 × 166,
/// 665 × 665 → 10 × 66–67), packs the 16-wide panels block by block and runs k block → 6-row tile → panel
/// (`GEMMMicroKernels.narrow6x16`…, partial sums kept in C between blocks): a tile's A block (6 · kc floats)
/// stays in L1 while it meets every panel's block, read in one sequential stream from L2. The unblocked
/// loop reads all of A (m · k floats, 380 KB for coop4's 286 × 332) again for every panel, from L2 or, when
/// it and the weights do not fit there, from L3, which the other core's work also uses. Row tiles do not
/// overlap here (a remainder of 1–5 rows runs as one tile, 5 as 3 + 2), and a last panel that overlaps its
/// neighbour (n not a multiple of 16) runs after all the others, so no partial sum is added twice.
public struct PanelGEMM: Sendable {
    public typealias Lane = SIMD16<Float>
    public static let panelWidth = 32
    public static let minimumColumns = 16

    public let k: Int, n: Int
    /// 16-wide panels and ≤ 6-row tiles without k interleaving (see above).
    public let narrow: Bool
    /// k cut into blocks (see above); `kBlocks` holds each block's first k, then k.
    public let kBlocked: Bool
    public static let kBlockLimit = 256
    /// The k-blocked layout keeps one k block of all panels (n16 · kc · 4 bytes) within this many bytes.
    public static let kBlockBytes = 192 * 1024
    /// Blocks of k for `panels` 16-wide panels: as few as keep each within `kBlockLimit` and all panels'
    /// block within `kBlockBytes`, of balanced sizes.
    public static func kBlockCount(k: Int, panels: Int) -> Int {
        let limit = max(8, min(kBlockLimit, kBlockBytes / (64 * max(panels, 1))))
        return max(1, (k + limit - 1) / limit)
    }
    let kBlocks: [Int]
    /// First column of each panel, its width (32 or 16) and where its k × width values start in `packed`.
    public let panelStarts: [Int]
    let panelWidths: [Int]
    let panelOffsets: [Int]
    private let packed: AlignedFloats      // each panel starts on a 64-byte boundary
    private let zeroBias: [Float]

    public static func supports(n: Int) -> Bool { n >= minimumColumns }

    /// Packs row-major B (k × n).
    public init(b: [Float], k: Int, n: Int, narrow: Bool = false, kBlocked: Bool = false) {
        precondition(n >= PanelGEMM.minimumColumns && b.count == k * n, "PanelGEMM: needs n ≥ 16 and k·n values")
        let narrow = narrow || kBlocked
        self.k = k
        self.n = n
        self.narrow = narrow
        self.kBlocked = kBlocked
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
        let blockCount = kBlocked ? PanelGEMM.kBlockCount(k: k, panels: starts.count) : 1
        kBlocks = (0...blockCount).map { $0 * k / blockCount }
        var offsets: [Int] = [], total = 0
        for w in widths { offsets.append(total); total += k * w }   // k·16·4 bytes: multiples of 64
        let packed = AlignedFloats(zeros: total)
        if kBlocked {
            // Block by block: block [k0, k1) holds every panel's (k1 − k0) × 16 values, panel after panel.
            var o = 0
            for q in 0..<blockCount {
                for p in starts.indices {
                    for row in kBlocks[q]..<kBlocks[q + 1] {
                        for j in 0..<16 { packed.pointer[o] = b[row * n + starts[p] + j]; o += 1 }
                    }
                }
            }
        } else {
            for p in starts.indices {
                let w = widths[p]
                for row in 0..<k {
                    for j in 0..<w { packed.pointer[offsets[p] + row * w + j] = b[row * n + starts[p] + j] }
                }
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
        // No closures or array literals on this path: predict must not allocate (bench/malloc_count.c counts).
        zeroBias.withUnsafeBufferPointer { zb in
            let b = UnsafePointer(packed.pointer), pb = bias ?? zb.baseAddress!
            let lo = Lane(repeating: lower), hi = Lane(repeating: upper)
            let out = Output(base: c, ldc: ldc ?? n, panelStride: 0, blocked: false)
            if kBlocked {
                runKBlocked(a, m, lda ?? k, out, b, pb, lo, hi)
            } else {
                run(a, m, lda ?? k, out, b, pb, lo, hi)
            }
        }
    }

    /// Floats `multiply(blockedInto:)` writes for m rows: one m × 16 block per panel.
    public func blockedCount(m: Int) -> Int { panelStarts.count * m * 16 }

    /// C = clamp(A · B + bias, lower, upper) written channel-blocked: panel p's m × 16 results (columns
    /// panelStarts[p] ..< panelStarts[p] + 16) at c + p · m · 16, row-major with stride 16, so that a
    /// following per-channel kernel (`DepthwiseConv2D.forwardBlocked`) reads each block as one contiguous
    /// 16-channel image. 16-wide (`narrow`) layouts only; the last block overlaps the one before it when n
    /// is not a multiple of 16, as the panels do. c holds `blockedCount(m:)` floats.
    public func multiply(_ a: UnsafePointer<Float>, m: Int, blockedInto c: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>?, lower: Float, upper: Float) {
        precondition(narrow, "PanelGEMM: a channel-blocked output needs the 16-wide panels")
        guard m > 0 else { return }
        zeroBias.withUnsafeBufferPointer { zb in
            let b = UnsafePointer(packed.pointer), pb = bias ?? zb.baseAddress!
            let lo = Lane(repeating: lower), hi = Lane(repeating: upper)
            let out = Output(base: c, ldc: 16, panelStride: m * 16, blocked: true)
            if kBlocked {
                runKBlocked(a, m, k, out, b, pb, lo, hi)
            } else {
                run(a, m, k, out, b, pb, lo, hi)
            }
        }
    }

    /// Where panel p's row `row` goes: c + row · ldc + first column (row-major), or c + p · m · 16 + row · 16
    /// (channel-blocked).
    struct Output {
        let base: UnsafeMutablePointer<Float>, ldc: Int, panelStride: Int, blocked: Bool
        @inline(__always) func at(panel p: Int, column: Int, row: Int) -> UnsafeMutablePointer<Float> {
            blocked ? base + p * panelStride + row * 16 : base + row * ldc + column
        }
    }

    private func run(_ a: UnsafePointer<Float>, _ m: Int, _ lda: Int, _ out: Output,
                     _ b: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        typealias K = GEMMMicroKernels
        let k = self.k, ldc = out.ldc
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
                let ap = a + row * lda, cp = out.at(panel: p, column: col, row: row)
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

    /// The k-blocked loop (see the type's comment): k block → row tile → panel.
    private func runKBlocked(_ a: UnsafePointer<Float>, _ m: Int, _ lda: Int, _ out: Output,
                             _ b: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane) {
        typealias K = GEMMMicroKernels
        let ldc = out.ldc
        let panels = panelStarts.count
        // A last panel that overlaps the one before it runs after all the others have finished.
        let overlaps = panels > 1 && panelStarts[panels - 1] < panelStarts[panels - 2] + 16
        let split = overlaps ? panels - 1 : panels          // groups 0..<split, then split..<panels if any
        let blocks = kBlocks.count - 1
        for g in 0..<(overlaps ? 2 : 1) {
            let group = g == 0 ? 0..<split : split..<panels
            for q in 0..<blocks {
                let k0 = kBlocks[q], kc = kBlocks[q + 1] - k0
                let accumulate = q > 0, finish = q == blocks - 1
                let block = b + k0 * 16 * panels
                var row = 0
                while row < m {
                    // One row tile's A block (≤ 6 · kc floats) stays in L1 while it meets every panel's block.
                    let rest = m - row, rows = rest >= 6 ? 6 : rest == 5 ? 3 : rest
                    let ap = a + row * lda + k0
                    for p in group {
                        let panel = block + p * kc * 16, col = panelStarts[p], pb = bias + col
                        let cp = out.at(panel: p, column: col, row: row)
                        switch rows {
                        case 6: K.narrow6x16(ap, lda, panel, kc, cp, ldc, pb, lo, hi, accumulate: accumulate, finish: finish)
                        case 4: K.narrow4x16(ap, lda, panel, kc, cp, ldc, pb, lo, hi, accumulate: accumulate, finish: finish)
                        case 3: K.narrow3x16(ap, lda, panel, kc, cp, ldc, pb, lo, hi, accumulate: accumulate, finish: finish)
                        case 2: K.narrow2x16(ap, lda, panel, kc, cp, ldc, pb, lo, hi, accumulate: accumulate, finish: finish)
                        default: K.narrow1x16(ap, lda, panel, kc, cp, ldc, pb, lo, hi, accumulate: accumulate, finish: finish)
                        }
                    }
                    row += rows
                }
            }
        }
    }
}
