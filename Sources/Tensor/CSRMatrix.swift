/// A sparse matrix in compressed sparse row form (row starts, column indices, values).
public struct CSRMatrix: Sendable {
    public let rows: Int
    public let cols: Int
    public let rowStart: [Int32]     // rows + 1 entries
    public let columnIndex: [Int32]
    public let values: [Float]

    /// From a dense row-major rows × cols matrix, keeping entries that are not exactly zero.
    public init(dense: [Float], rows: Int, cols: Int) {
        precondition(dense.count == rows * cols, "CSRMatrix: \(dense.count) values for \(rows)×\(cols)")
        var starts: [Int32] = [0], index: [Int32] = [], vals: [Float] = []
        for r in 0..<rows {
            for c in 0..<cols where dense[r * cols + c] != 0 {
                index.append(Int32(c))
                vals.append(dense[r * cols + c])
            }
            starts.append(Int32(vals.count))
        }
        self.rows = rows
        self.cols = cols
        rowStart = starts
        columnIndex = index
        values = vals
    }

    public var nonZeroCount: Int { values.count }
    public var density: Double { rows * cols == 0 ? 0 : Double(values.count) / Double(rows * cols) }

    /// The matrix back as dense row-major values.
    public func dense() -> [Float] {
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for j in Int(rowStart[r])..<Int(rowStart[r + 1]) { out[r * cols + Int(columnIndex[j])] = values[j] }
        }
        return out
    }

    /// Y (count × rows) = X (count × cols) · Aᵀ, i.e. every row of X multiplied by this matrix:
    /// y[p][r] = Σ_j A[r][j] · x[p][j]. With A = Wᵀ this is a dense layer or a 1×1 convolution, x·W.
    public func multiplyRows(
        _ x: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>
    ) {
        rowStart.withUnsafeBufferPointer { starts in
            columnIndex.withUnsafeBufferPointer { index in
                values.withUnsafeBufferPointer { vals in
                    for p in 0..<count {
                        let xr = x + p * cols, yr = y + p * rows
                        for r in 0..<rows {
                            var s0: Float = 0, s1: Float = 0
                            var j = Int(starts[r])
                            let end = Int(starts[r + 1])
                            while j + 1 < end {
                                s0 += vals[j] * xr[Int(index[j])]
                                s1 += vals[j + 1] * xr[Int(index[j + 1])]
                                j += 2
                            }
                            if j < end { s0 += vals[j] * xr[Int(index[j])] }
                            yr[r] = s0 + s1
                        }
                    }
                }
            }
        }
    }
}
