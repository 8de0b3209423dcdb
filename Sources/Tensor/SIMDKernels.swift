import Dispatch

/// The 8-lane width the SIMD8 kernels use, the bias + clamp epilogue, and whether this build's vectors are
/// fast; the load, store and clamp helpers are in `SIMDHelpers.swift`.
public enum SIMDKernels {
    public typealias Vector = SIMD8<Float>
    public static let width = Vector.scalarCount

    /// rows × cols matrix (row stride `cols`): x = clamp(x + bias[col], lower, upper), in place.
    /// Bias may be nil. This is the store epilogue of the GEMM-based kernels (BN folded into the bias).
    @inlinable
    public static func biasClamp(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        bias: UnsafePointer<Float>?, lower: Float, upper: Float
    ) {
        let lo = Vector(repeating: lower), hi = Vector(repeating: upper)
        let vectorEnd = cols - cols % width
        for r in 0..<rows {
            let row = x + r * cols
            var c = 0
            if let bias {
                while c < vectorEnd {
                    store(clamp(load(row + c) + load(bias + c), lo, hi), row + c)
                    c += width
                }
                while c < cols { row[c] = min(max(row[c] + bias[c], lower), upper); c += 1 }
            } else {
                while c < vectorEnd {
                    store(clamp(load(row + c), lo, hi), row + c)
                    c += width
                }
                while c < cols { row[c] = min(max(row[c], lower), upper); c += 1 }
            }
        }
    }

    /// Whether 16-lane vector FMAs run as vector instructions on this build. Swift's default x86-64 target
    /// has no AVX, and there `SIMD16<Float>.addProduct` becomes one `fmaf` call per lane (~20× slower);
    /// the loader then leaves the SIMD16 kernels out of its candidates instead of timing them.
    /// Measured once per process (4 independent accumulators, 1024 steps, the fastest of 9 tries) as time
    /// per lane. Measured here: 0.14-0.29 ns a lane with `-target-cpu native` on AVX2 (the spread is the
    /// probe, not load), 3.1-3.6 ns without it, loaded or not. The cut is 1 ns, well clear of both (it was
    /// 5 ns a 16-lane step, 0.31 ns a lane, which a fast build on AVX2 could cross and then lose every SIMD
    /// kernel).
    public static let hasFastWideVectors: Bool = {
        let steps = 1024
        var a0 = SIMD16<Float>(repeating: 0), a1 = a0, a2 = a0, a3 = a0
        let x = SIMD16<Float>(repeating: 1.0001), y = SIMD16<Float>(repeating: 0.9999)
        var best = Double.infinity
        for _ in 0..<9 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps {
                a0.addProduct(x, y); a1.addProduct(y, x); a2.addProduct(x, x); a3.addProduct(y, y)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(64 * steps))
        }
        // Keep the result alive so the loop is not removed.
        if (a0 + a1 + a2 + a3).sum() == -1 { print("") }
        return best < 1.0
    }()
}
