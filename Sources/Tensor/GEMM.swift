/// Row-major single-precision matrix products over OpenBLAS, and the naive loops they are tested against.
/// On a device build (Embedded Swift: no `dlopen`) there is no OpenBLAS and `multiply` is the plain loops.
public enum GEMM {
    /// Whether OpenBLAS could be opened (it is opened by this call if it was not yet).
    public static var isOpenBLASAvailable: Bool {
        #if hasFeature(Embedded)
        return false
        #else
        return OpenBLAS.functions != nil
        #endif
    }

    /// C (m×n) = A (m×k) · B (k×n) + beta·C, all row-major with leading dimensions lda, ldb, ldc. Without
    /// OpenBLAS (see `isOpenBLASAvailable`) the plain loops compute it, after a one-time warning.
    @inline(__always)
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0
    ) {
        #if hasFeature(Embedded)
        multiplyReference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, beta: beta)
        #else
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
        #endif
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
