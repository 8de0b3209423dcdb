/// The core's measured single-thread float32 peak: twelve independent SIMD16 fused multiply-add chains
/// (more than FMA latency × pipes), so the loop is bound by FMA throughput alone. With `-target-cpu native`
/// on this AVX-512 machine each `addingProduct` is one `vfmadd231ps zmm`.
///
/// The vectors are built inside the function from scalars on purpose: passing SIMD16 values as arguments of
/// a non-inlined function splits them into xmm pieces at the call boundary, and LLVM then keeps the loop in
/// ymm halves with vinsert/vextract shuffles (measured: ~85 instead of ~268 GFLOP/s).
@inline(never)
func fmaChains(iterations: Int, _ scalarA: Float, _ scalarB: Float) -> Float {
    let a = SIMD16<Float>(repeating: scalarA), b = SIMD16<Float>(repeating: scalarB)
    var c0 = a, c1 = a + 1, c2 = a + 2, c3 = a + 3, c4 = a + 4, c5 = a + 5
    var c6 = a + 6, c7 = a + 7, c8 = a + 8, c9 = a + 9, c10 = a + 10, c11 = a + 11
    for _ in 0..<iterations {
        c0 = c0.addingProduct(a, b); c1 = c1.addingProduct(a, b); c2 = c2.addingProduct(a, b)
        c3 = c3.addingProduct(a, b); c4 = c4.addingProduct(a, b); c5 = c5.addingProduct(a, b)
        c6 = c6.addingProduct(a, b); c7 = c7.addingProduct(a, b); c8 = c8.addingProduct(a, b)
        c9 = c9.addingProduct(a, b); c10 = c10.addingProduct(a, b); c11 = c11.addingProduct(a, b)
    }
    let s = (c0 + c1 + c2 + c3) + (c4 + c5 + c6 + c7) + (c8 + c9 + c10 + c11)
    return s.sum()
}

let fmaChainCount = 12

/// Best of `trials` short runs of the FMA loop, in GFLOP/s (one FMA = 2 FLOPs per lane). Short runs (~0.7 ms)
/// and many of them, because on a shared machine a run that is preempted only counts against itself.
func measurePeakGFLOPS(trials: Int = 40, iterations: Int = 500_000) -> (gflops: Double, checksum: Float) {
    var best = 0.0, checksum: Float = 0
    for _ in 0..<trials {
        let start = monotonicNanos()
        checksum += fmaChains(iterations: iterations, 0.999_999, 1e-7)
        let seconds = Double(monotonicNanos() &- start) / 1e9
        best = max(best, Double(iterations * fmaChainCount * 16 * 2) / seconds / 1e9)
    }
    return (best, checksum)
}
