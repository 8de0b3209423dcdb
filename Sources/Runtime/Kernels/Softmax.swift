import Tensor

/// Activation('softmax') over the last axis (max-subtracted).
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
            let x = input + r * n, y = output + r * n
            var m = -Float.infinity
            for i in 0..<n { m = max(m, x[i]) }
            var sum: Float = 0
            for i in 0..<n { y[i] = LibM.exp(x[i] - m); sum += y[i] }
            let inv = 1 / sum
            for i in 0..<n { y[i] *= inv }
        }
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
