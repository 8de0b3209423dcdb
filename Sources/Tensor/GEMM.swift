import CBLAS

/// Row-major single-precision matrix products over OpenBLAS, and the naive loops they are tested against.
public enum GEMM {
    /// One OpenBLAS thread: the products here are small (a few MFLOP), where threading costs more than it
    /// saves, and callers parallelise across inferences instead. Idempotent; the Network loader calls it.
    public static func useSingleThread() {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// C (m×n) = A (m×k) · B (k×n) + beta·C, all row-major with leading dimensions lda, ldb, ldc.
    @inline(__always)
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        if m == 1 {
            // y (n) = Bᵀ x: one row of A times B, as a GEMV (cheaper dispatch than GEMM for one row).
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), 1, b, Int32(ldb), a, 1, beta, c, 1)
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
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
