import Foundation

/// Probabilities from logits, and the statistics the policies read from them. Networks output logits.
public enum Softmax {
    /// exp(x − max) / Σ exp(x − max), numerically stable; writes `logits.count` values into `output`.
    public static func apply(_ logits: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        guard let top = logits.max() else { return }
        var sum: Float = 0
        for i in 0..<logits.count {
            let e = exp(logits[i] - top)
            output[i] = e
            sum += e
        }
        for i in 0..<logits.count { output[i] /= sum }
    }

    public static func probabilities(_ logits: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: logits.count)
        logits.withUnsafeBufferPointer { l in out.withUnsafeMutableBufferPointer { apply(l, into: $0) } }
        return out
    }

    /// Index of the largest value (the first one on equality); nil for an empty vector.
    public static func argmax(_ values: [Float]) -> Int? {
        guard !values.isEmpty else { return nil }
        var best = 0
        for i in 1..<values.count where values[i] > values[best] { best = i }
        return best
    }
}
