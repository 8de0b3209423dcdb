#if canImport(Glibc)
import Glibc
#endif

/// Reads the counter of `bench/malloc_count.c` when that library is preloaded (LD_PRELOAD): the number of
/// malloc/calloc/realloc/memalign-family calls the process has made so far. Nil without the library.
struct MallocCounter {
    private let read: @convention(c) () -> UInt64

    init?() {
        // RTLD_DEFAULT is the null handle on glibc: search the global scope, preloaded libraries first.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "kwsbench_malloc_calls") else { return nil }
        read = unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
    }

    var calls: UInt64 { read() }

    /// Heap allocations per call of `body` in steady state: `warmup` calls first, then the count over `runs`.
    func allocationsPerCall(runs: Int, warmup: Int = 20, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        let before = calls
        for _ in 0..<runs { body() }
        return Double(calls &- before) / Double(runs)
    }
}
