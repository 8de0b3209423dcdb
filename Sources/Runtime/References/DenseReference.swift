/// The plain dense layer the GEMM and CSR paths are checked against.
public enum DenseReference {
    public static func run(input: [Float], rows: Int, inFeatures: Int, outFeatures: Int,
                           weights: [Float], bias: [Float]?, activation: FusedActivation) -> [Float] {
        var out = [Float](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = Double(bias?[o] ?? 0)
                for i in 0..<inFeatures { sum += Double(input[r * inFeatures + i]) * Double(weights[i * outFeatures + o]) }
                out[r * outFeatures + o] = activation.apply(Float(sum))
            }
        }
        return out
    }
}
