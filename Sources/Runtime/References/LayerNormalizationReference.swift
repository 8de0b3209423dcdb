import Tensor

/// The plain computation the layer is checked against: groups enumerated explicitly, Float in, Double sums.
public enum LayerNormalizationReference {
    public static func run(input: [Float], shape: [Int], axes: [Int], epsilon: Float, gamma: [Float]?, beta: [Float]?) -> [Float] {
        let strides = shape.indices.map { shape[($0 + 1)...].reduce(1, *) }
        let kept = shape.indices.filter { !axes.contains($0) }
        let normed = shape.indices.filter { axes.contains($0) }
        func coordinates(_ dims: [Int], _ flat: Int) -> [Int] {
            var rest = flat, c = [Int](repeating: 0, count: dims.count)
            for (i, d) in dims.enumerated().reversed() { c[i] = rest % shape[d]; rest /= shape[d] }
            return c
        }
        let groups = kept.map { shape[$0] }.reduce(1, *), size = normed.map { shape[$0] }.reduce(1, *)
        var out = [Float](repeating: 0, count: input.count)
        for g in 0..<groups {
            let gc = coordinates(kept, g)
            let offset = zip(kept, gc).reduce(0) { $0 + strides[$1.0] * $1.1 }
            let members = (0..<size).map { p in zip(normed, coordinates(normed, p)).reduce(offset) { $0 + strides[$1.0] * $1.1 } }
            let mean = members.reduce(0.0) { $0 + Double(input[$1]) } / Double(size)
            let variance = members.reduce(0.0) { $0 + (Double(input[$1]) - mean) * (Double(input[$1]) - mean) } / Double(size)
            for (p, e) in members.enumerated() {
                out[e] = Float((Double(input[e]) - mean) / (variance + Double(epsilon)).squareRoot() * Double(gamma?[p] ?? 1) + Double(beta?[p] ?? 0))
            }
        }
        return out
    }
}
