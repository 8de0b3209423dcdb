import Tensor

/// Keras LayerNormalization: each group of elements that differ only along the normalised `axes` is
/// standardised, y = (x − mean) / √(variance + ε) · γ + β, with mean and (biased) variance over the group,
/// γ and β per element of the normalised axes (shape: those axes' sizes; absent: 1 and 0). With axis 1 of
/// an (time, coefficients, 1) input this is per-utterance cepstral mean and variance normalisation.
/// Statistics are accumulated in Double, mean first, then the variance around it (two passes, as stable as
/// Keras's float32 moments or better). Scratch holds two floats a group; no allocation in `forward`.
public final class LayerNormalization: Layer {
    public let kind: String
    public let shape: [Int]
    /// The normalised axes, 0-based over `shape` (the batch axis removed), ascending.
    public let axes: [Int]
    public let epsilon: Float
    private let gamma: [Float]?, beta: [Float]?
    /// Elements, groups, elements per group.
    private let count: Int, groups: Int, groupSize: Int
    /// Normalised over the leading axis only: the row-wise path, which needs no lookup tables.
    private let overLeadingAxis: Bool
    /// For each element: its group, and its position among the normalised axes (γ/β index); empty when
    /// `overLeadingAxis`.
    private let groupOf: [Int32], paramOf: [Int32]

    public init(kind: String = "LayerNormalization", shape: [Int], axes: [Int], epsilon: Float,
                gamma: [Float]?, beta: [Float]?) {
        precondition(!axes.isEmpty && axes.allSatisfy { shape.indices.contains($0) }, "LayerNormalization: bad axes")
        self.kind = kind
        self.shape = shape
        // Sorted, each axis once (no Set: hashing needs a random seed, which a bare-metal device lacks).
        var unique: [Int] = []
        for a in axes.sorted() where unique.last != a { unique.append(a) }
        self.axes = unique
        self.epsilon = epsilon
        let normalised = self.axes.map { shape[$0] }.reduce(1, *)
        precondition(gamma.map { $0.count == normalised } ?? true && beta.map { $0.count == normalised } ?? true,
                     "LayerNormalization: γ/β need \(normalised) values")
        self.gamma = gamma
        self.beta = beta
        count = shape.reduce(1, *)
        groupSize = normalised
        groups = count / max(normalised, 1)
        overLeadingAxis = self.axes == [0]
        guard !overLeadingAxis else {
            groupOf = []
            paramOf = []
            return
        }
        var groupOf = [Int32](repeating: 0, count: count), paramOf = [Int32](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        for e in 0..<count {
            var g = 0, p = 0
            for d in shape.indices {
                if self.axes.contains(d) { p = p * shape[d] + index[d] } else { g = g * shape[d] + index[d] }
            }
            groupOf[e] = Int32(g)
            paramOf[e] = Int32(p)
            var d = shape.count - 1          // row-major increment
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        self.groupOf = groupOf
        self.paramOf = paramOf
    }

    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }
    public var scratchCount: Int { 4 * groups }       // two Doubles a group

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        if overLeadingAxis {
            forwardOverLeadingAxis(input, output, scratch: scratch)
            return
        }
        let n = Double(groupSize)
        UnsafeMutableRawPointer(scratch).withMemoryRebound(to: Double.self, capacity: 2 * groups) { stats in
            let mean = stats, variance = stats + groups
            mean.update(repeating: 0, count: 2 * groups)
            groupOf.withUnsafeBufferPointer { group in
                for e in 0..<count { mean[Int(group[e])] += Double(input[e]) }
                for g in 0..<groups { mean[g] /= n }
                for e in 0..<count {
                    let d = Double(input[e]) - mean[Int(group[e])]
                    variance[Int(group[e])] += d * d
                }
                for g in 0..<groups { variance[g] = 1 / (variance[g] / n + Double(epsilon)).squareRoot() }
                paramOf.withUnsafeBufferPointer { param in
                    for e in 0..<count {
                        let g = Int(group[e]), p = Int(param[e])
                        var y = (Double(input[e]) - mean[g]) * variance[g]
                        if let gamma { y *= Double(gamma[p]) }
                        if let beta { y += Double(beta[p]) }
                        output[e] = Float(y)
                    }
                }
            }
        }
    }
}

extension LayerNormalization {
    /// Normalised over the leading axis only (axis 1 in Keras: per-utterance normalisation over time): the
    /// groups are the columns of a (T, R) matrix, so each pass runs over whole contiguous rows and
    /// vectorises, where the general path looks up every element's group (little's 64 × 64 input: about
    /// 15 µs that way). Same arithmetic: Double sums, mean first, then the variance around it.
    @inline(__always)
    func forwardOverLeadingAxis(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let t = shape[0], r = groups
        UnsafeMutableRawPointer(scratch).withMemoryRebound(to: Double.self, capacity: 2 * r) { stats in
            let mean = stats, scale = stats + r
            mean.update(repeating: 0, count: 2 * r)
            for i in 0..<t {
                let row = input + i * r
                for j in 0..<r { mean[j] += Double(row[j]) }
            }
            for j in 0..<r { mean[j] /= Double(t) }
            for i in 0..<t {
                let row = input + i * r
                for j in 0..<r {
                    let d = Double(row[j]) - mean[j]
                    scale[j] += d * d
                }
            }
            for j in 0..<r { scale[j] = 1 / (scale[j] / Double(t) + Double(epsilon)).squareRoot() }
            for i in 0..<t {
                let row = input + i * r, out = output + i * r
                let g = gamma.map { Double($0[i]) } ?? 1, b = beta.map { Double($0[i]) } ?? 0
                for j in 0..<r { out[j] = Float((Double(row[j]) - mean[j]) * scale[j] * g + b) }
            }
        }
    }
}
