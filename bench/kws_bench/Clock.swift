#if canImport(Glibc)
import Glibc
#endif

/// Monotonic nanoseconds (CLOCK_MONOTONIC through the vDSO: no system call, no allocation).
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Runs `body` `warmup` times untimed, then `runs` times, and returns each timed call in microseconds.
func timeCalls(runs: Int, warmup: Int, _ body: () -> Void) -> [Double] {
    for _ in 0..<warmup { body() }
    var samples = [Double](repeating: 0, count: runs)
    for i in 0..<runs {
        let start = monotonicNanos()
        body()
        samples[i] = Double(monotonicNanos() &- start) / 1000
    }
    return samples
}
