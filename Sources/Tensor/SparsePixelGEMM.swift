/// A 1×1 convolution / dense layer on many pixels with pruned weights, computed from the nonzeros only:
/// Y (m × n) = clamp(X (m × k) · W (k × n) + bias), X and Y row-major (NHWC pixels × channels).
///
/// SIMD runs over pixels, not channels: pixels go in blocks of 64 (the last block flush with pixel m,
/// overlapping the previous one). Each block of X is transposed into scratch (k × 64, 16×16 register
/// transposes), then for every output channel the list of its nonzero input channels (packed at load
/// time: offsets into the transposed block and the weights) drives broadcast-FMAs over four SIMD16 vectors
/// of pixels, with `pairs` two nonzeros at a time into two sets of accumulators (8 SIMD16: enough
/// independent FMA chains for AVX-512), otherwise one set (4 SIMD16 = 8 ymm: no spills with AVX2's 16
/// registers); the n × 64 result is transposed back into Y. The work is (nonzeros / (k·n)) of a dense product plus two transposes: for 58 % zeros,
/// 42 % of the FMAs. The loader keeps it only where it measures faster than the dense kernels.
/// Needs m ≥ 64, k ≥ 16, n ≥ 16. Checked against `GEMM.multiplyReference`.
public struct SparsePixelGEMM: Sendable {
    public typealias Lane = SIMD16<Float>
    public static let pixelBlock = 64

    public let k: Int, n: Int
    /// Two nonzeros per step into two accumulator sets (else one set).
    public let pairs: Bool
    /// Nonzeros of output channel o: starts[o] ..< starts[o + 1].
    let starts: [Int32]
    /// For each nonzero: its input channel × 64 (the row of the transposed pixel block it reads).
    let rowOffsets: [Int32]
    let values: [Float]
    private let zeroBias: [Float]

    public static func supports(m: Int, k: Int, n: Int) -> Bool { m >= pixelBlock && k >= 16 && n >= 16 }
    /// Scratch floats: the transposed input block and the transposed output block.
    public static func scratchCount(k: Int, n: Int) -> Int { (k + n) * pixelBlock }

    public var nonZeroCount: Int { values.count }

    /// From row-major W (k × n, Keras's (in, out) order); exact zeros are skipped.
    public init(b: [Float], k: Int, n: Int, pairs: Bool = true) {
        precondition(k >= 16 && n >= 16 && b.count == k * n, "SparsePixelGEMM: needs k, n ≥ 16 and k·n values")
        self.k = k
        self.n = n
        self.pairs = pairs
        var starts: [Int32] = [0], offsets: [Int32] = [], values: [Float] = []
        for o in 0..<n {
            for i in 0..<k where b[i * n + o] != 0 {
                offsets.append(Int32(i * SparsePixelGEMM.pixelBlock))
                values.append(b[i * n + o])
            }
            starts.append(Int32(values.count))
        }
        self.starts = starts
        rowOffsets = offsets
        self.values = values
        zeroBias = [Float](repeating: 0, count: n)
    }

    /// Y = clamp(X · W + bias, lower, upper) for m ≥ 64 pixels; `scratch` holds `scratchCount(k:n:)` floats.
    public func multiply(_ x: UnsafePointer<Float>, m: Int, into y: UnsafeMutablePointer<Float>,
                         bias: UnsafePointer<Float>?, lower: Float, upper: Float, scratch: UnsafeMutablePointer<Float>) {
        precondition(m >= SparsePixelGEMM.pixelBlock, "SparsePixelGEMM: needs at least 64 pixels, got \(m)")
        let B = SparsePixelGEMM.pixelBlock, k = self.k, n = self.n
        let xT = scratch, yT = scratch + k * B
        let lo = Lane(repeating: lower), hi = Lane(repeating: upper)
        let pairs = self.pairs
        starts.withUnsafeBufferPointer { sp in
        rowOffsets.withUnsafeBufferPointer { op in
        values.withUnsafeBufferPointer { vp in
        zeroBias.withUnsafeBufferPointer { zb in
            let starts = sp.baseAddress!, offsets = op.baseAddress!, values = vp.baseAddress!
            let bias = bias ?? zb.baseAddress!
            var block = 0
            while true {
                let p0 = min(block, m - B)
                // X block (64 × k) → xT (k × 64), 16×16 at a time; the last channel block flush with k.
                for s in 0..<(B / 16) {
                    var c0 = 0
                    while true {
                        let c = min(c0, k - 16)
                        Self.transpose16(x + (p0 + 16 * s) * k + c, k, xT + c * B + 16 * s, B)
                        if c == k - 16 { break }
                        c0 += 16
                    }
                }
                for o in 0..<n {
                    var s0 = Lane(repeating: bias[o]), s1 = s0, s2 = s0, s3 = s0
                    var t0 = Lane(), t1 = Lane(), t2 = Lane(), t3 = Lane()
                    var j = Int(starts[o])
                    let end = Int(starts[o + 1])
                    while !pairs && j < end {
                        let w = Lane(repeating: values[j]), q = UnsafePointer(xT + Int(offsets[j]))
                        s0.addProduct(w, load(q)); s1.addProduct(w, load(q + 16))
                        s2.addProduct(w, load(q + 32)); s3.addProduct(w, load(q + 48))
                        j += 1
                    }
                    while j + 2 <= end {
                        let w = Lane(repeating: values[j]), q = UnsafePointer(xT + Int(offsets[j]))
                        s0.addProduct(w, load(q)); s1.addProduct(w, load(q + 16))
                        s2.addProduct(w, load(q + 32)); s3.addProduct(w, load(q + 48))
                        let v = Lane(repeating: values[j + 1]), r = UnsafePointer(xT + Int(offsets[j + 1]))
                        t0.addProduct(v, load(r)); t1.addProduct(v, load(r + 16))
                        t2.addProduct(v, load(r + 32)); t3.addProduct(v, load(r + 48))
                        j += 2
                    }
                    if j < end {
                        let w = Lane(repeating: values[j]), q = UnsafePointer(xT + Int(offsets[j]))
                        s0.addProduct(w, load(q)); s1.addProduct(w, load(q + 16))
                        s2.addProduct(w, load(q + 32)); s3.addProduct(w, load(q + 48))
                    }
                    let out = yT + o * B
                    store(clamp(s0 + t0, lo, hi), out)
                    store(clamp(s1 + t1, lo, hi), out + 16)
                    store(clamp(s2 + t2, lo, hi), out + 32)
                    store(clamp(s3 + t3, lo, hi), out + 48)
                }
                // yT (n × 64) → Y rows p0 ..< p0 + 64; the last channel block flush with n.
                for s in 0..<(B / 16) {
                    var c0 = 0
                    while true {
                        let c = min(c0, n - 16)
                        Self.transpose16(yT + c * B + 16 * s, B, y + (p0 + 16 * s) * n + c, n)
                        if c == n - 16 { break }
                        c0 += 16
                    }
                }
                if p0 == m - B { break }
                block += B
            }
        }
        }
        }
        }
    }


    /// dst (16 × 16, row stride dstStride) = transpose of src (16 × 16, row stride srcStride). Four rounds of
    /// 'row i ← even lanes of rows 2i, 2i+1; row 8+i ← their odd lanes' (each a rotation of the 8 index bits
    /// (row, column) by one), i.e. 64 two-source permutes instead of 256 scalar moves.
    @inline(__always)
    static func transpose16(_ src: UnsafePointer<Float>, _ srcStride: Int, _ dst: UnsafeMutablePointer<Float>, _ dstStride: Int) {
        let r0_0: Lane = load(src + 0 * srcStride); let r1_0: Lane = load(src + 1 * srcStride); let r2_0: Lane = load(src + 2 * srcStride); let r3_0: Lane = load(src + 3 * srcStride); let r4_0: Lane = load(src + 4 * srcStride); let r5_0: Lane = load(src + 5 * srcStride); let r6_0: Lane = load(src + 6 * srcStride); let r7_0: Lane = load(src + 7 * srcStride); let r8_0: Lane = load(src + 8 * srcStride); let r9_0: Lane = load(src + 9 * srcStride); let r10_0: Lane = load(src + 10 * srcStride); let r11_0: Lane = load(src + 11 * srcStride); let r12_0: Lane = load(src + 12 * srcStride); let r13_0: Lane = load(src + 13 * srcStride); let r14_0: Lane = load(src + 14 * srcStride); let r15_0: Lane = load(src + 15 * srcStride)
        let r0_1 = Lane(lowHalf: r0_0.evenHalf, highHalf: r1_0.evenHalf)
        let r1_1 = Lane(lowHalf: r2_0.evenHalf, highHalf: r3_0.evenHalf)
        let r2_1 = Lane(lowHalf: r4_0.evenHalf, highHalf: r5_0.evenHalf)
        let r3_1 = Lane(lowHalf: r6_0.evenHalf, highHalf: r7_0.evenHalf)
        let r4_1 = Lane(lowHalf: r8_0.evenHalf, highHalf: r9_0.evenHalf)
        let r5_1 = Lane(lowHalf: r10_0.evenHalf, highHalf: r11_0.evenHalf)
        let r6_1 = Lane(lowHalf: r12_0.evenHalf, highHalf: r13_0.evenHalf)
        let r7_1 = Lane(lowHalf: r14_0.evenHalf, highHalf: r15_0.evenHalf)
        let r8_1 = Lane(lowHalf: r0_0.oddHalf, highHalf: r1_0.oddHalf)
        let r9_1 = Lane(lowHalf: r2_0.oddHalf, highHalf: r3_0.oddHalf)
        let r10_1 = Lane(lowHalf: r4_0.oddHalf, highHalf: r5_0.oddHalf)
        let r11_1 = Lane(lowHalf: r6_0.oddHalf, highHalf: r7_0.oddHalf)
        let r12_1 = Lane(lowHalf: r8_0.oddHalf, highHalf: r9_0.oddHalf)
        let r13_1 = Lane(lowHalf: r10_0.oddHalf, highHalf: r11_0.oddHalf)
        let r14_1 = Lane(lowHalf: r12_0.oddHalf, highHalf: r13_0.oddHalf)
        let r15_1 = Lane(lowHalf: r14_0.oddHalf, highHalf: r15_0.oddHalf)
        let r0_2 = Lane(lowHalf: r0_1.evenHalf, highHalf: r1_1.evenHalf)
        let r1_2 = Lane(lowHalf: r2_1.evenHalf, highHalf: r3_1.evenHalf)
        let r2_2 = Lane(lowHalf: r4_1.evenHalf, highHalf: r5_1.evenHalf)
        let r3_2 = Lane(lowHalf: r6_1.evenHalf, highHalf: r7_1.evenHalf)
        let r4_2 = Lane(lowHalf: r8_1.evenHalf, highHalf: r9_1.evenHalf)
        let r5_2 = Lane(lowHalf: r10_1.evenHalf, highHalf: r11_1.evenHalf)
        let r6_2 = Lane(lowHalf: r12_1.evenHalf, highHalf: r13_1.evenHalf)
        let r7_2 = Lane(lowHalf: r14_1.evenHalf, highHalf: r15_1.evenHalf)
        let r8_2 = Lane(lowHalf: r0_1.oddHalf, highHalf: r1_1.oddHalf)
        let r9_2 = Lane(lowHalf: r2_1.oddHalf, highHalf: r3_1.oddHalf)
        let r10_2 = Lane(lowHalf: r4_1.oddHalf, highHalf: r5_1.oddHalf)
        let r11_2 = Lane(lowHalf: r6_1.oddHalf, highHalf: r7_1.oddHalf)
        let r12_2 = Lane(lowHalf: r8_1.oddHalf, highHalf: r9_1.oddHalf)
        let r13_2 = Lane(lowHalf: r10_1.oddHalf, highHalf: r11_1.oddHalf)
        let r14_2 = Lane(lowHalf: r12_1.oddHalf, highHalf: r13_1.oddHalf)
        let r15_2 = Lane(lowHalf: r14_1.oddHalf, highHalf: r15_1.oddHalf)
        let r0_3 = Lane(lowHalf: r0_2.evenHalf, highHalf: r1_2.evenHalf)
        let r1_3 = Lane(lowHalf: r2_2.evenHalf, highHalf: r3_2.evenHalf)
        let r2_3 = Lane(lowHalf: r4_2.evenHalf, highHalf: r5_2.evenHalf)
        let r3_3 = Lane(lowHalf: r6_2.evenHalf, highHalf: r7_2.evenHalf)
        let r4_3 = Lane(lowHalf: r8_2.evenHalf, highHalf: r9_2.evenHalf)
        let r5_3 = Lane(lowHalf: r10_2.evenHalf, highHalf: r11_2.evenHalf)
        let r6_3 = Lane(lowHalf: r12_2.evenHalf, highHalf: r13_2.evenHalf)
        let r7_3 = Lane(lowHalf: r14_2.evenHalf, highHalf: r15_2.evenHalf)
        let r8_3 = Lane(lowHalf: r0_2.oddHalf, highHalf: r1_2.oddHalf)
        let r9_3 = Lane(lowHalf: r2_2.oddHalf, highHalf: r3_2.oddHalf)
        let r10_3 = Lane(lowHalf: r4_2.oddHalf, highHalf: r5_2.oddHalf)
        let r11_3 = Lane(lowHalf: r6_2.oddHalf, highHalf: r7_2.oddHalf)
        let r12_3 = Lane(lowHalf: r8_2.oddHalf, highHalf: r9_2.oddHalf)
        let r13_3 = Lane(lowHalf: r10_2.oddHalf, highHalf: r11_2.oddHalf)
        let r14_3 = Lane(lowHalf: r12_2.oddHalf, highHalf: r13_2.oddHalf)
        let r15_3 = Lane(lowHalf: r14_2.oddHalf, highHalf: r15_2.oddHalf)
        let r0_4 = Lane(lowHalf: r0_3.evenHalf, highHalf: r1_3.evenHalf)
        let r1_4 = Lane(lowHalf: r2_3.evenHalf, highHalf: r3_3.evenHalf)
        let r2_4 = Lane(lowHalf: r4_3.evenHalf, highHalf: r5_3.evenHalf)
        let r3_4 = Lane(lowHalf: r6_3.evenHalf, highHalf: r7_3.evenHalf)
        let r4_4 = Lane(lowHalf: r8_3.evenHalf, highHalf: r9_3.evenHalf)
        let r5_4 = Lane(lowHalf: r10_3.evenHalf, highHalf: r11_3.evenHalf)
        let r6_4 = Lane(lowHalf: r12_3.evenHalf, highHalf: r13_3.evenHalf)
        let r7_4 = Lane(lowHalf: r14_3.evenHalf, highHalf: r15_3.evenHalf)
        let r8_4 = Lane(lowHalf: r0_3.oddHalf, highHalf: r1_3.oddHalf)
        let r9_4 = Lane(lowHalf: r2_3.oddHalf, highHalf: r3_3.oddHalf)
        let r10_4 = Lane(lowHalf: r4_3.oddHalf, highHalf: r5_3.oddHalf)
        let r11_4 = Lane(lowHalf: r6_3.oddHalf, highHalf: r7_3.oddHalf)
        let r12_4 = Lane(lowHalf: r8_3.oddHalf, highHalf: r9_3.oddHalf)
        let r13_4 = Lane(lowHalf: r10_3.oddHalf, highHalf: r11_3.oddHalf)
        let r14_4 = Lane(lowHalf: r12_3.oddHalf, highHalf: r13_3.oddHalf)
        let r15_4 = Lane(lowHalf: r14_3.oddHalf, highHalf: r15_3.oddHalf)
        store(r0_4, dst + 0 * dstStride); store(r1_4, dst + 1 * dstStride); store(r2_4, dst + 2 * dstStride); store(r3_4, dst + 3 * dstStride); store(r4_4, dst + 4 * dstStride); store(r5_4, dst + 5 * dstStride); store(r6_4, dst + 6 * dstStride); store(r7_4, dst + 7 * dstStride); store(r8_4, dst + 8 * dstStride); store(r9_4, dst + 9 * dstStride); store(r10_4, dst + 10 * dstStride); store(r11_4, dst + 11 * dstStride); store(r12_4, dst + 12 * dstStride); store(r13_4, dst + 13 * dstStride); store(r14_4, dst + 14 * dstStride); store(r15_4, dst + 15 * dstStride)
    }
}
