import CPrefetch

/// A GEMM for products with very few rows (m ≤ 4: the 1×1 convolutions of MobileNet's last blocks, at 2×1
/// or 1×1 pixels) whose weights are too large for L2 and stream from L3 on every inference:
/// C (m×n) = clamp(A (m×k) · B (k×n) + bias). B is packed once, at load time, in the order the kernel reads
/// it: column panels 32 wide (k × 32 contiguous each, the last one flush with column n, overlapping the
/// previous one), panels one after the other, so the whole product is one sequential stream of weights that
/// every row uses while it is in registers (each weight is read once per product). Each k step loads one
/// 128-byte row of the panel and issues a software prefetch `prefetchDistance` floats ahead of it, keeping
/// more L3 requests in flight than the hardware prefetcher alone. Written out per row count (1–4) so that
/// the 2·m (4 for one row) SIMD16 accumulators stay in registers, also on AVX2 (16 ymm registers). Checked against `GEMM.multiplyReference`.
public struct StreamingGEMM: Sendable {
    public typealias Lane = SIMD16<Float>
    public static let panelWidth = 32
    public static let maximumRows = 4
    /// 8 KB ahead: about what L3 latency × the read rate from L3 needs in flight here.
    public static let defaultPrefetchDistance = 2048

    public let k: Int, n: Int
    public let prefetchDistance: Int
    let panelStarts: [Int]
    private let packed: AlignedFloats
    private let zeroBias: [Float]

    public static func supports(m: Int, n: Int) -> Bool { m >= 1 && m <= maximumRows && n >= panelWidth }

    /// Packs row-major B (k × n), n ≥ 32.
    public init(b: [Float], k: Int, n: Int, prefetchDistance: Int = StreamingGEMM.defaultPrefetchDistance) {
        precondition(n >= StreamingGEMM.panelWidth && b.count == k * n, "StreamingGEMM: needs n ≥ 32 and k·n values")
        self.k = k
        self.n = n
        self.prefetchDistance = prefetchDistance
        let w = StreamingGEMM.panelWidth
        var starts = Array(stride(from: 0, to: n - w + 1, by: w))
        if n % w != 0 { starts.append(n - w) }
        let packed = AlignedFloats(zeros: starts.count * k * w)
        for (p, start) in starts.enumerated() {
            let panel = packed.pointer + p * k * w
            for row in 0..<k {
                for j in 0..<w { panel[row * w + j] = b[row * n + start + j] }
            }
        }
        panelStarts = starts
        self.packed = packed
        zeroBias = [Float](repeating: 0, count: n)
    }

    /// C = clamp(A · B + bias, lower, upper) for 1 ≤ m ≤ 4; A is m × k (row stride k), C m × n (row stride n).
    public func multiply(_ a: UnsafePointer<Float>, m: Int, into c: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>?, lower: Float, upper: Float) {
        precondition(m >= 1 && m <= StreamingGEMM.maximumRows, "StreamingGEMM: 1 to 4 rows, got \(m)")
        zeroBias.withUnsafeBufferPointer { zb in
            let bias = bias ?? zb.baseAddress!
            let lo = Lane(repeating: lower), hi = Lane(repeating: upper)
            typealias K = StreamingMicroKernels
            let panelSize = k * StreamingGEMM.panelWidth
            for (p, col) in panelStarts.enumerated() {
                let panel = UnsafePointer(packed.pointer + p * panelSize), cp = c + col, pb = bias + col
                switch m {
                case 1: K.tile1x32(a, k, panel, k, cp, n, pb, lo, hi, prefetchDistance)
                case 2: K.tile2x32(a, k, panel, k, cp, n, pb, lo, hi, prefetchDistance)
                case 3: K.tile3x32(a, k, panel, k, cp, n, pb, lo, hi, prefetchDistance)
                default: K.tile4x32(a, k, panel, k, cp, n, pb, lo, hi, prefetchDistance)
                }
            }
        }
    }
}

extension StreamingGEMM {
    /// Floats of scratch `multiplySkippingZeros` needs: the row's nonzero values and their indices.
    public static func skippingZerosScratchCount(k: Int) -> Int { 2 * k }

    /// C = clamp(A · B + bias, lower, upper) for 1 ≤ m ≤ 4, reading only the rows of B whose input is not
    /// zero: each row of A is first compacted to its nonzero values and their indices (in `scratch`, at
    /// least `skippingZerosScratchCount(k:)` floats), then every 32-wide panel accumulates just those rows.
    /// The layers of a dense head after a ReLU see mostly zeros (big's second dense layer: 1 % nonzero
    /// inputs on real clips), and a row of B that is skipped is neither loaded nor multiplied; the sums over
    /// the remaining terms are in k order, two interleaved sets like `tile1x32`. A zero input contributes
    /// exactly 0 to every sum only if the weights are finite (0 · ∞ is NaN): `Dense` offers this kernel only then.
    public func multiplySkippingZeros(_ a: UnsafePointer<Float>, m: Int, into c: UnsafeMutablePointer<Float>,
                                      bias: UnsafePointer<Float>?, lower: Float, upper: Float,
                                      scratch: UnsafeMutablePointer<Float>) {
        precondition(m >= 1 && m <= StreamingGEMM.maximumRows, "StreamingGEMM: 1 to 4 rows, got \(m)")
        let values = scratch
        let indices = UnsafeMutableRawPointer(scratch + k).bindMemory(to: Int32.self, capacity: k)
        zeroBias.withUnsafeBufferPointer { zb in
            let bias = bias ?? zb.baseAddress!
            let lo = Lane(repeating: lower), hi = Lane(repeating: upper)
            let w = StreamingGEMM.panelWidth, panelSize = k * w
            for r in 0..<m {
                let row = a + r * k
                var count = 0
                for i in 0..<k where row[i] != 0 {
                    values[count] = row[i]
                    indices[count] = Int32(truncatingIfNeeded: i * w)
                    count += 1
                }
                for (p, col) in panelStarts.enumerated() {
                    StreamingMicroKernels.skipping1x32(values, indices, count, UnsafePointer(packed.pointer + p * panelSize),
                                                       c + r * n + col, bias + col, lo, hi)
                }
            }
        }
    }
}

// Written out from one pattern per row count (a change to one tile belongs in all of them); every
// accumulator is a named variable so LLVM keeps it in a zmm register.
enum StreamingMicroKernels {
    typealias Lane = SIMD16<Float>

    /// c[0..<32] = clamp(Σ_j values[j] · panel[offsets[j] ..< +32] + bias, lo, hi): the panel rows of the
    /// nonzero inputs only (offsets in floats), two accumulator sets for the FMA latency.
    @inline(never)
    static func skipping1x32(_ values: UnsafePointer<Float>, _ offsets: UnsafePointer<Int32>, _ count: Int,
                             _ panel: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>,
                             _ lo: Lane, _ hi: Lane) {
        var c0_0 = Lane(), c1_0 = Lane(), c0_1 = Lane(), c1_1 = Lane()
        var j = 0
        while j + 2 <= count {
            let b0 = panel + Int(offsets[j]), b1 = panel + Int(offsets[j + 1])
            let x0 = Lane(repeating: values[j]), x1 = Lane(repeating: values[j + 1])
            c0_0.addProduct(x0, load(b0)); c1_0.addProduct(x0, load(b0 + 16))
            c0_1.addProduct(x1, load(b1)); c1_1.addProduct(x1, load(b1 + 16))
            j += 2
        }
        if j < count {
            let b0 = panel + Int(offsets[j]), x0 = Lane(repeating: values[j])
            c0_0.addProduct(x0, load(b0)); c1_0.addProduct(x0, load(b0 + 16))
        }
        store(clamp(c0_0 + c0_1 + load(bias), lo, hi), c)
        store(clamp(c1_0 + c1_1 + load(bias + 16), lo, hi), c + 16)
    }

    /// C[0..<1][0..<32] = clamp(A[0..<1] · panel + bias, lo, hi): 4 SIMD16 accumulators, k split over two sets for the FMA latency.
    @inline(never)
    static func tile1x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                          _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                          _ distance: Int) {
        let a0 = a + 0 * lda
        var c00_0 = Lane(); var c01_0 = Lane();
        var c00_1 = Lane(); var c01_1 = Lane();
        var b = panel
        var i = 0
        while i + 2 <= k {
            kws_prefetch(b + distance + 0); kws_prefetch(b + distance + 16)
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0);
            kws_prefetch(b + distance + 32); kws_prefetch(b + distance + 48)
            let w0_1: Lane = load(b + 32), w1_1: Lane = load(b + 48)
            let x0_1 = Lane(repeating: a0[i + 1]); c00_1.addProduct(x0_1, w0_1); c01_1.addProduct(x0_1, w1_1);
            b += 64
            i += 2
        }
        if i < k {
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0);
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00_0 + c00_1 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c01_0 + c01_1 + b1, lo, hi), c + 0 * ldc + 16)
    }

    /// C[0..<2][0..<32] = clamp(A[0..<2] · panel + bias, lo, hi): 4 SIMD16 accumulators.
    @inline(never)
    static func tile2x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                          _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                          _ distance: Int) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        var c00_0 = Lane(); var c01_0 = Lane();
        var c10_0 = Lane(); var c11_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            kws_prefetch(b + distance + 0); kws_prefetch(b + distance + 16)
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0);
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0); c11_0.addProduct(x1_0, w1_0);
            b += 32
            i += 1
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00_0 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c01_0 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10_0 + b0, lo, hi), c + 1 * ldc + 0)
        store(clamp(c11_0 + b1, lo, hi), c + 1 * ldc + 16)
    }

    /// C[0..<3][0..<32] = clamp(A[0..<3] · panel + bias, lo, hi): 6 SIMD16 accumulators.
    @inline(never)
    static func tile3x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                          _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                          _ distance: Int) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        var c00_0 = Lane(); var c01_0 = Lane();
        var c10_0 = Lane(); var c11_0 = Lane();
        var c20_0 = Lane(); var c21_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            kws_prefetch(b + distance + 0); kws_prefetch(b + distance + 16)
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0);
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0); c11_0.addProduct(x1_0, w1_0);
            let x2_0 = Lane(repeating: a2[i]); c20_0.addProduct(x2_0, w0_0); c21_0.addProduct(x2_0, w1_0);
            b += 32
            i += 1
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00_0 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c01_0 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10_0 + b0, lo, hi), c + 1 * ldc + 0)
        store(clamp(c11_0 + b1, lo, hi), c + 1 * ldc + 16)
        store(clamp(c20_0 + b0, lo, hi), c + 2 * ldc + 0)
        store(clamp(c21_0 + b1, lo, hi), c + 2 * ldc + 16)
    }

    /// C[0..<4][0..<32] = clamp(A[0..<4] · panel + bias, lo, hi): 8 SIMD16 accumulators.
    @inline(never)
    static func tile4x32(_ a: UnsafePointer<Float>, _ lda: Int, _ panel: UnsafePointer<Float>, _ k: Int,
                          _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ bias: UnsafePointer<Float>, _ lo: Lane, _ hi: Lane,
                          _ distance: Int) {
        let a0 = a + 0 * lda
        let a1 = a + 1 * lda
        let a2 = a + 2 * lda
        let a3 = a + 3 * lda
        var c00_0 = Lane(); var c01_0 = Lane();
        var c10_0 = Lane(); var c11_0 = Lane();
        var c20_0 = Lane(); var c21_0 = Lane();
        var c30_0 = Lane(); var c31_0 = Lane();
        var b = panel
        var i = 0
        while i + 1 <= k {
            kws_prefetch(b + distance + 0); kws_prefetch(b + distance + 16)
            let w0_0: Lane = load(b + 0), w1_0: Lane = load(b + 16)
            let x0_0 = Lane(repeating: a0[i]); c00_0.addProduct(x0_0, w0_0); c01_0.addProduct(x0_0, w1_0);
            let x1_0 = Lane(repeating: a1[i]); c10_0.addProduct(x1_0, w0_0); c11_0.addProduct(x1_0, w1_0);
            let x2_0 = Lane(repeating: a2[i]); c20_0.addProduct(x2_0, w0_0); c21_0.addProduct(x2_0, w1_0);
            let x3_0 = Lane(repeating: a3[i]); c30_0.addProduct(x3_0, w0_0); c31_0.addProduct(x3_0, w1_0);
            b += 32
            i += 1
        }
        let b0: Lane = load(bias + 0), b1: Lane = load(bias + 16)
        store(clamp(c00_0 + b0, lo, hi), c + 0 * ldc + 0)
        store(clamp(c01_0 + b1, lo, hi), c + 0 * ldc + 16)
        store(clamp(c10_0 + b0, lo, hi), c + 1 * ldc + 0)
        store(clamp(c11_0 + b1, lo, hi), c + 1 * ldc + 16)
        store(clamp(c20_0 + b0, lo, hi), c + 2 * ldc + 0)
        store(clamp(c21_0 + b1, lo, hi), c + 2 * ldc + 16)
        store(clamp(c30_0 + b0, lo, hi), c + 3 * ldc + 0)
        store(clamp(c31_0 + b1, lo, hi), c + 3 * ldc + 16)
    }
}
