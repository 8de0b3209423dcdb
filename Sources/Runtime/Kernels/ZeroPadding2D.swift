/// ZeroPadding2D as a step of its own (the fused plan folds it into the following convolution instead).
public final class ZeroPadding2D: Layer {
    public let kind: String
    public let inputShape: [Int]
    public let top: Int, bottom: Int, left: Int, right: Int

    public init(kind: String = "zero_padding2d", inputShape: [Int], top: Int, bottom: Int, left: Int, right: Int) {
        self.kind = kind
        self.inputShape = inputShape
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    public var outputShape: [Int] { [inputShape[0] + top + bottom, inputShape[1] + left + right, inputShape[2]] }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let (h, w, c) = (inputShape[0], inputShape[1], inputShape[2])
        let ow = outputShape[1]
        output.update(repeating: 0, count: outputShape.reduce(1, *))
        for y in 0..<h {
            (output + ((y + top) * ow + left) * c).update(from: input + y * w * c, count: w * c)
        }
    }
}
