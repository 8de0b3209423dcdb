/// The plain convolution every tuned kernel is checked against: NHWC input (one image), HWIO kernel,
/// optional bias, activation clamp. Double accumulation.
public enum Conv2DReference {
    public static func run(
        input: [Float], geometry g: WindowGeometry, inChannels: Int, outChannels: Int,
        kernel: [Float], bias: [Float]?, activation: FusedActivation
    ) -> [Float] {
        let oh = g.outputHeight, ow = g.outputWidth
        var out = [Float](repeating: 0, count: oh * ow * outChannels)
        for oy in 0..<oh {
            for ox in 0..<ow {
                for o in 0..<outChannels {
                    var sum = Double(bias?[o] ?? 0)
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideY + ky - g.padTop
                        guard iy >= 0 && iy < g.inputHeight else { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideX + kx - g.padLeft
                            guard ix >= 0 && ix < g.inputWidth else { continue }
                            for i in 0..<inChannels {
                                let w = kernel[((ky * g.kernelWidth + kx) * inChannels + i) * outChannels + o]
                                sum += Double(input[(iy * g.inputWidth + ix) * inChannels + i]) * Double(w)
                            }
                        }
                    }
                    out[(oy * ow + ox) * outChannels + o] = activation.apply(Float(sum))
                }
            }
        }
        return out
    }
}
