import Tensor

/// DepthwiseConv2D, depth multiplier 1: direct, SIMD over channels (8 lanes, scalar tail), taps that fall
/// in the padding skipped, bias (folded BN) and activation clamp applied at the store.
public final class DepthwiseConv2D: Layer {
    public let kind: String
    public let geometry: WindowGeometry
    public let channels: Int
    public private(set) var kernel: [Float]      // (kh, kw, C)
    public private(set) var bias: [Float]
    public var activation: FusedActivation

    public init(kind: String = "depthwise_conv2d", geometry: WindowGeometry, channels: Int,
                kernel: [Float], bias: [Float]?, activation: FusedActivation = .linear) {
        precondition(kernel.count == geometry.kernelHeight * geometry.kernelWidth * channels)
        self.kind = kind
        self.geometry = geometry
        self.channels = channels
        self.kernel = kernel
        self.bias = bias ?? [Float](repeating: 0, count: channels)
        self.activation = activation
    }

    public var inputShape: [Int] { [geometry.inputHeight, geometry.inputWidth, channels] }
    public var outputShape: [Int] { [geometry.outputHeight, geometry.outputWidth, channels] }
    public var macs: Int { geometry.outputHeight * geometry.outputWidth * geometry.kernelHeight * geometry.kernelWidth * channels }

    public func foldAffine(scale: [Float], shift: [Float]) {
        for t in 0..<(kernel.count / channels) {
            for c in 0..<channels { kernel[t * channels + c] *= scale[c] }
        }
        bias = (0..<channels).map { bias[$0] * scale[$0] + shift[$0] }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        typealias V = SIMDKernels.Vector
        let g = geometry, C = channels, W = SIMDKernels.width
        let vectorEnd = C - C % W
        let lo = V(repeating: activation.lower), hi = V(repeating: activation.upper)
        let lower = activation.lower, upper = activation.upper
        kernel.withUnsafeBufferPointer { kp in
            bias.withUnsafeBufferPointer { bp in
                let k = kp.baseAddress!, b = bp.baseAddress!
                for oy in 0..<g.outputHeight {
                    let y0 = oy * g.strideY - g.padTop
                    let kyStart = max(0, -y0), kyEnd = min(g.kernelHeight, g.inputHeight - y0)
                    for ox in 0..<g.outputWidth {
                        let x0 = ox * g.strideX - g.padLeft
                        let kxStart = max(0, -x0), kxEnd = min(g.kernelWidth, g.inputWidth - x0)
                        let out = output + (oy * g.outputWidth + ox) * C
                        var c = 0
                        while c < vectorEnd {
                            var acc = SIMDKernels.load(b + c)
                            for ky in kyStart..<max(kyStart, kyEnd) {
                                let row = input + ((y0 + ky) * g.inputWidth + x0) * C + c
                                let krow = k + ky * g.kernelWidth * C + c
                                for kx in kxStart..<max(kxStart, kxEnd) {
                                    acc.addProduct(SIMDKernels.load(row + kx * C), SIMDKernels.load(krow + kx * C))
                                }
                            }
                            SIMDKernels.store(acc.clamped(lowerBound: lo, upperBound: hi), out + c)
                            c += W
                        }
                        while c < C {
                            var acc = b[c]
                            for ky in kyStart..<max(kyStart, kyEnd) {
                                for kx in kxStart..<max(kxStart, kxEnd) {
                                    acc += input[((y0 + ky) * g.inputWidth + x0 + kx) * C + c] * k[(ky * g.kernelWidth + kx) * C + c]
                                }
                            }
                            out[c] = min(max(acc, lower), upper)
                            c += 1
                        }
                    }
                }
            }
        }
    }
}
