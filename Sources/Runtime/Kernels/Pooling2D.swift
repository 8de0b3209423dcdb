/// MaxPooling2D and AveragePooling2D ('valid' or 'same'; 'same' averages over the window's in-image
/// part only, as TensorFlow does).
public final class Pooling2D: Layer {
    public enum Mode: String, Sendable { case max, average }
    public let kind: String
    public let mode: Mode
    public let geometry: WindowGeometry
    public let channels: Int

    public init(kind: String, mode: Mode, geometry: WindowGeometry, channels: Int) {
        self.kind = kind
        self.mode = mode
        self.geometry = geometry
        self.channels = channels
    }

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, channels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, channels] }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let g = geometry, C = channels
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                let y0 = oy * g.strideY - g.padTop, x0 = ox * g.strideX - g.padLeft
                let ys = max(0, y0)..<min(g.inputHeight, y0 + g.kernelHeight)
                let xs = max(0, x0)..<min(g.inputWidth, x0 + g.kernelWidth)
                let out = output + (oy * g.outputWidth + ox) * C
                for c in 0..<C {
                    var acc: Float = mode == .max ? -.infinity : 0
                    for y in ys {
                        for x in xs {
                            let v = input[(y * g.inputWidth + x) * C + c]
                            acc = mode == .max ? max(acc, v) : acc + v
                        }
                    }
                    out[c] = mode == .max ? acc : acc / Float(max(ys.count * xs.count, 1))
                }
            }
        }
    }
}

/// GlobalAveragePooling2D: the mean over height and width of each channel (keepdims only changes the shape).
public final class GlobalAveragePooling2D: Layer {
    public let kind: String
    public let inputShape: [Int]
    public let keepDims: Bool

    public init(kind: String = "global_average_pooling2d", inputShape: [Int], keepDims: Bool) {
        self.kind = kind
        self.inputShape = inputShape
        self.keepDims = keepDims
    }

    public var outputShape: [Int] { keepDims ? [1, 1, inputShape[2]] : [inputShape[2]] }
    public var macs: Int { inputShape.reduce(1, *) }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let pixels = inputShape[0] * inputShape[1], C = inputShape[2]
        output.update(repeating: 0, count: C)
        for p in 0..<pixels {
            let row = input + p * C
            for c in 0..<C { output[c] += row[c] }
        }
        let inv = 1 / Float(pixels)
        for c in 0..<C { output[c] *= inv }
    }
}
