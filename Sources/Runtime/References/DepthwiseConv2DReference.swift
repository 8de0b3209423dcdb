/// The plain depthwise convolution (depth multiplier 1): NHWC input, kernel (kh, kw, C), double accumulation.
public enum DepthwiseConv2DReference {
    public static func run(input: [Float], geometry g: WindowGeometry, channels: Int,
                           kernel: [Float], bias: [Float]?, activation: FusedActivation) -> [Float] {
        let oh = g.outputHeight, ow = g.outputWidth
        var out = [Float](repeating: 0, count: oh * ow * channels)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for c in 0..<channels {
                    var sum = Double(bias?[c] ?? 0)
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideY + ky - g.padTop
                        guard iy >= 0 && iy < g.inputHeight else { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideX + kx - g.padLeft
                            guard ix >= 0 && ix < g.inputWidth else { continue }
                            sum += Double(input[(iy * g.inputWidth + ix) * channels + c])
                                * Double(kernel[(ky * g.kernelWidth + kx) * channels + c])
                        }
                    }
                    out[(oy * ow + ox) * channels + c] = activation.apply(Float(sum))
                }
            }
        }
        return out
    }
}
