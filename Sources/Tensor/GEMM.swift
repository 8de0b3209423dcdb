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

/// Row-major single-precision matrix products over OpenBLAS, and the naive loops they are tested against.
public enum GEMM {
    /// Whether OpenBLAS could be opened (it is opened by this call if it was not yet).
    public static var isOpenBLASAvailable: Bool { OpenBLAS.functions != nil }

    /// C (m×n) = A (m×k) · B (k×n) + beta·C, all row-major with leading dimensions lda, ldb, ldc. Without
    /// OpenBLAS (see `isOpenBLASAvailable`) the plain loops compute it, after a one-time warning.
    @inline(__always)
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        guard let blas = OpenBLAS.functions else {
            OpenBLAS.missingWarning
            multiplyReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, beta: beta)
            return
        }
        if m == 1 {
            // y (n) = Bᵀ x: one row of A times B, as a GEMV (cheaper dispatch than GEMM for one row).
            blas.sgemv(OpenBLAS.rowMajor, OpenBLAS.trans, Int32(k), Int32(n), 1, b, Int32(ldb), a, 1, beta, c, 1)
        } else {
            blas.sgemm(OpenBLAS.rowMajor, OpenBLAS.noTrans, OpenBLAS.noTrans, Int32(m), Int32(n), Int32(k),
                       1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// The plain triple loop (double accumulation) the BLAS path is checked against.
    public static func multiplyReference(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
                c[i * ldc + j] = Float(sum) + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }
}
