#if !hasFeature(Embedded)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// OpenBLAS, opened with `dlopen` the first time a product needs it rather than linked: a process that never
/// multiplies through it (a cold `kws-native infer` runs on the packed-panel kernels) does not pay for loading
/// it and starting its thread pool. Before opening it, `OPENBLAS_NUM_THREADS` is set to 1 unless the user set
/// it (the products here are a few MFLOP, where threading costs more than it saves; callers parallelise across
/// inferences), so no pool of idle threads is started; `openblas_set_num_threads(1)` makes it certain.
/// `OPENBLAS_CORETYPE` is left as it is.
enum OpenBLAS {
    // CBLAS enums as OpenBLAS's cblas.h defines them; blasint is 32-bit in Debian's libopenblas0.
    static let rowMajor: Int32 = 101, noTrans: Int32 = 111, trans: Int32 = 112
    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias SGEMV = @convention(c) (Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    struct Functions: @unchecked Sendable {
        let sgemm: SGEMM
        let sgemv: SGEMV
    }

    /// The library's entry points, or nil when no OpenBLAS can be opened (resolved once, thread-safely).
    static let functions: Functions? = open()

    private static func open() -> Functions? {
        setenv("OPENBLAS_NUM_THREADS", "1", 0)
        for name in ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"] {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let gemm = dlsym(handle, "cblas_sgemm"), let gemv = dlsym(handle, "cblas_sgemv") else {
                dlclose(handle)
                continue
            }
            if let threads = dlsym(handle, "openblas_set_num_threads") {
                unsafeBitCast(threads, to: (@convention(c) (Int32) -> Void).self)(1)
            }
            return Functions(sgemm: unsafeBitCast(gemm, to: SGEMM.self), sgemv: unsafeBitCast(gemv, to: SGEMV.self))
        }
        return nil
    }

    /// Said once on standard error when OpenBLAS is missing and a product falls back to the plain loops.
    static let missingWarning: Void = {
        let text = "kws-native: warning: OpenBLAS (libopenblas.so.0) cannot be opened; the GEMM kernel falls back to "
            + "plain loops (install libopenblas0, or let the loader pick the packed-panel kernels)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }()
}
#endif
