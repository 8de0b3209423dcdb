/// The 8-lane width the SIMD8 kernels use and the bias + clamp epilogue; the load, store and clamp helpers are
/// in `SIMDHelpers.swift`. Whether this build's vectors are fast is measured on the desktop
/// (`SIMDKernels.hasFastWideVectors`, `Sources/Layers/Planning/VectorProbe.swift`).
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
}
