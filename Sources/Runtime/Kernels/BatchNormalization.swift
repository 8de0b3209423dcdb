import Tensor

/// Inference BatchNormalization as a per-channel affine map, y = x·scale + shift, with
/// scale = γ / √(σ² + ε), shift = β − μ·scale. Used alone when nothing precedes it to fold into.
public final class BatchNormalization: Layer {
    public let kind: String
    public let shape: [Int]
    public let scale: [Float], shift: [Float]
    public var activation: FusedActivation = .linear

    public static func affine(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float)
        -> (scale: [Float], shift: [Float]) {
        let scale = (0..<gamma.count).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
        let shift = (0..<gamma.count).map { beta[$0] - mean[$0] * scale[$0] }
        return (scale, shift)
    }

    public init(kind: String = "batch_normalization", shape: [Int], scale: [Float], shift: [Float]) {
        precondition(scale.count == shape.last! && shift.count == shape.last!)
        self.kind = kind
        self.shape = shape
        self.scale = scale
        self.shift = shift
    }

    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }
    public var macs: Int { shape.reduce(1, *) }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let C = shape.last!, rows = shape.reduce(1, *) / C
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { t in
                for r in 0..<rows {
                    for c in 0..<C {
                        output[r * C + c] = activation.apply(input[r * C + c] * s[c] + t[c])
                    }
                }
            }
        }
    }
}

/// ReLU / ReLU6 (and linear/relu/relu6 Activation) as a step of its own: a clamp.
public final class Clamp: Layer {
    public let kind: String
    public let shape: [Int]
    public let activation: FusedActivation

    public init(kind: String, shape: [Int], activation: FusedActivation) {
        self.kind = kind
        self.shape = shape
        self.activation = activation
    }

    public var inputShape: [Int] { shape }
    public var outputShape: [Int] { shape }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let n = shape.reduce(1, *)
        output.update(from: input, count: n)
        SIMDKernels.biasClamp(output, rows: 1, cols: n, bias: nil, lower: activation.lower, upper: activation.upper)
    }
}
