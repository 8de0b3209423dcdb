import Dispatch
import Tensor

extension SIMDKernels {
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
