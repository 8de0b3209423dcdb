/// Read bandwidth for the weights of the larger networks, which stream from L3 on every inference (coop3's
/// 3.2 M parameters are 13 MB; L2 is 2 MB): the best of `trials` sums over a `megabytes` buffer, 4 SIMD16
/// accumulators, in GB/s.
func measureReadGBps(megabytes: Int = 16, trials: Int = 20) -> (gbps: Double, checksum: Float) {
    let count = megabytes << 18  // floats
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { buffer.deallocate() }
    for i in 0..<count { buffer[i] = Float(i & 7) * 0.125 }
    var best = 0.0, checksum: Float = 0
    for _ in 0..<trials {
        let start = monotonicNanos()
        checksum += sumFloats(buffer, count: count)
        let seconds = Double(monotonicNanos() &- start) / 1e9
        best = max(best, Double(count * 4) / seconds / 1e9)
    }
    return (best, checksum)
}

@inline(never)
func sumFloats(_ p: UnsafeMutablePointer<Float>, count: Int) -> Float {
    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
    let raw = UnsafeRawPointer(p)
    var i = 0
    while i + 64 <= count {
        a0 += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        a1 += raw.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
        a2 += raw.loadUnaligned(fromByteOffset: (i + 32) * 4, as: SIMD16<Float>.self)
        a3 += raw.loadUnaligned(fromByteOffset: (i + 48) * 4, as: SIMD16<Float>.self)
        i += 64
    }
    return ((a0 + a1) + (a2 + a3)).sum()
}
