import Tensor

/// Softmax over the last axis, as a layer (Activation('softmax') inside a network) and as the one function
/// that turns a network's logits into probabilities everywhere else (`Scores`, the stream detector, the
/// device): exp(x − max) / Σ exp(x − max).
public final class Softmax: Layer {
    public let kind: String
    public let shape: [Int]

    public init(kind: String = "softmax", shape: [Int]) {
        self.kind = kind
        self.shape = shape
    }

    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let n = shape.last!, rows = shape.reduce(1, *) / max(n, 1)
        for r in 0..<rows {
            Softmax.apply(UnsafeBufferPointer(start: input + r * n, count: n), into: UnsafeMutableBufferPointer(start: output + r * n, count: n))
        }
    }

    /// exp(x − max) / Σ exp(x − max), numerically stable; writes `logits.count` values into `output`.
    public static func apply(_ logits: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        guard let top = logits.max() else { return }
        var sum: Float = 0
        for i in 0..<logits.count {
            let e = LibM.exp(logits[i] - top)
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
        values.withUnsafeBufferPointer { argmax($0) }
    }

    public static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int? {
        guard !values.isEmpty else { return nil }
        var best = 0
        for i in 1..<values.count where values[i] > values[best] { best = i }
        return best
    }
}

/// Flatten, Reshape, Dropout (inference) and Activation('linear'): the data is unchanged, only the shape.
public final class Identity: Layer {
    public let kind: String
    public let inputShape: [Int], outputShape: [Int]

    public init(kind: String, inputShape: [Int], outputShape: [Int]) {
        self.kind = kind
        self.inputShape = inputShape
        self.outputShape = outputShape
    }

    public var isIdentity: Bool { true }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        output.update(from: input, count: inputShape.reduce(1, *))
    }
}
