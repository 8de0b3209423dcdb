/// `tf.image.resize(images, size)` with the default bilinear method: half-pixel centres, no antialias
/// (TensorFlow's ResizeBilinear kernel with half_pixel_centers=True), for one single-channel image.
/// Source indices and weights are computed once, in single precision as TensorFlow does.
public struct BilinearResize: Sendable {
    public let inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int

    /// For each output coordinate: lower and upper source index and the weight of the upper one.
    struct Axis: Sendable {
        var lower: [Int], upper: [Int], lerp: [Float]
        init(input: Int, output: Int) {
            let scale = Float(input) / Float(output)
            lower = []; upper = []; lerp = []
            for i in 0..<output {
                let x = (Float(i) + 0.5) * scale - 0.5
                let xf = x.rounded(.down)
                lower.append(max(Int(xf), 0))
                upper.append(min(Int(x.rounded(.up)), input - 1))
                lerp.append(x - xf)
            }
        }
    }
    let rows: Axis, columns: Axis

    public init(inputHeight: Int, inputWidth: Int, outputHeight: Int, outputWidth: Int) {
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        rows = Axis(input: inputHeight, output: outputHeight)
        columns = Axis(input: inputWidth, output: outputWidth)
    }

    public func apply(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count >= inputHeight * inputWidth && output.count >= outputHeight * outputWidth)
        for y in 0..<outputHeight {
            let top = rows.lower[y] * inputWidth, bottom = rows.upper[y] * inputWidth, yl = rows.lerp[y]
            for x in 0..<outputWidth {
                let l = columns.lower[x], r = columns.upper[x], xl = columns.lerp[x]
                let t = input[top + l] + (input[top + r] - input[top + l]) * xl
                let b = input[bottom + l] + (input[bottom + r] - input[bottom + l]) * xl
                output[y * outputWidth + x] = t + (b - t) * yl
            }
        }
    }

    /// Plain reference: the half-pixel bilinear formula per pixel in double precision, clamping at edges.
    public func reference(_ input: [Float]) -> [Float] {
        func sample(_ coord: Double, _ size: Int) -> (Int, Int, Double) {
            let c = min(max(coord, 0), Double(size - 1))
            let lo = Int(c.rounded(.down))
            return (lo, min(lo + 1, size - 1), c - Double(lo))
        }
        var out = [Float](repeating: 0, count: outputHeight * outputWidth)
        let sy = Double(inputHeight) / Double(outputHeight), sx = Double(inputWidth) / Double(outputWidth)
        for y in 0..<outputHeight {
            let (y0, y1, wy) = sample((Double(y) + 0.5) * sy - 0.5, inputHeight)
            for x in 0..<outputWidth {
                let (x0, x1, wx) = sample((Double(x) + 0.5) * sx - 0.5, inputWidth)
                func v(_ r: Int, _ c: Int) -> Double { Double(input[r * inputWidth + c]) }
                let top = v(y0, x0) * (1 - wx) + v(y0, x1) * wx
                let bottom = v(y1, x0) * (1 - wx) + v(y1, x1) * wx
                out[y * outputWidth + x] = Float(top * (1 - wy) + bottom * wy)
            }
        }
        return out
    }
}
