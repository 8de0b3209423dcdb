import Layers

/// `depthwise H W C STRIDE ROUNDS`: every depthwise kernel on one synthetic 3×3 'valid' layer, interleaved
/// round by round so that a noisy machine slows all of them alike; median µs a call per kernel. The blocked
/// row kernels read the channel-blocked layout a 16-wide panel GEMM writes (`Layout.blocked16`).
func timeDepthwise(height: Int, width: Int, channels: Int, stride: Int, rounds: Int) -> [String: Double] {
    let g = WindowGeometry(inputHeight: height, inputWidth: width, kernel: (3, 3), strides: (stride, stride), same: false)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random() -> Float {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int(state >> 40) % 2001 - 1000) / 1000
    }
    let layer = DepthwiseConv2D(geometry: g, channels: channels, kernel: (0..<(9 * channels)).map { _ in random() },
                                bias: (0..<channels).map { _ in random() }, activation: .relu6)
    let blocks = (channels + 15) / 16
    let input = UnsafeMutablePointer<Float>.allocate(capacity: max(height * width * channels, blocks * height * width * 16))
    let output = UnsafeMutablePointer<Float>.allocate(capacity: g.outputHeight * g.outputWidth * channels)
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 16)
    defer { input.deallocate(); output.deallocate(); scratch.deallocate() }
    for i in 0..<max(height * width * channels, blocks * height * width * 16) { input[i] = random() }
    var candidates: [(String, () -> Void)] = DepthwiseConv2D.Kernel.allCases.filter { $0.applies(channels: channels) }.map { kernel in
        (kernel.rawValue, { layer.kernelChoice = kernel; layer.forward(input, output, scratch: scratch) })
    }
    for lanes in [16, 8] {
        candidates.append((lanes == 16 ? "f32-dwconv-rowx16-avx512-fromblocked" : "f32-dwconv-rowx8-avx2-fromblocked", { layer.forwardBlocked(input, output, lanes: lanes) }))
    }
    var samples = [[Double]](repeating: [], count: candidates.count)
    for _ in 0..<rounds {
        for (i, candidate) in candidates.enumerated() {
            candidate.1()   // warms every candidate alike (and sets the kernel of the NHWC ones)
            let start = monotonicNanos()
            for _ in 0..<20 { candidate.1() }
            samples[i].append(Double(monotonicNanos() &- start) / 20_000)
        }
    }
    return Dictionary(uniqueKeysWithValues: zip(candidates.map(\.0), samples.map { $0.sorted()[$0.count / 2] }))
}
