import Testing
import Tensor
@testable import Layers

/// The in-network pass's candidates for a fused 1×1 → depthwise step: its modes, and the two layers
/// separately with the 1×1 layer's fastest contender that has no blocked output (for the pruned little
/// network, the sparse kernel). Every candidate must compute the same thing, switching among them must
/// restore the blocked kernel for the blocked modes, and comparing them must leave the plan as it was.
struct TuningTests {
    @Test func fusedPairOffersTheSeparateSparseKernelAndEveryCandidateAgrees() {
        let (h, w, cin, c) = (9, 8, 24, 40)
        var rng = SeededRandom(77)
        // About 60 % zeros, so that the sparse kernels apply.
        let pwWeights = rng.floats(cin * c).map { abs($0) < 0.6 ? 0 : $0 }, pwBias = rng.floats(c)
        let g = WindowGeometry(inputHeight: h, inputWidth: w, kernel: (3, 3), strides: (1, 1), same: true)
        let dwKernel = rng.floats(9 * c), dwBias = rng.floats(c)
        let input = rng.floats(h * w * cin)
        let middle = DenseReference.run(input: input, rows: h * w, inFeatures: cin, outFeatures: c,
                                        weights: pwWeights, bias: pwBias, activation: .relu)
        let expected = DepthwiseConv2DReference.run(input: middle, geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu)

        let pw = Dense(leadingShape: [h, w], inFeatures: cin, outFeatures: c, weights: pwWeights, bias: pwBias, activation: .relu)
        pw.useKernel(.narrowPanel)
        pw.contenders = [.sparsePixelsOneSet, .narrowPanel, .gemm]       // fastest first, as the loader sets them
        let dw = DepthwiseConv2D(geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu)
        let pair = PointwiseDepthwise(pw, dw)
        pair.mode = .blocked16
        let net = Network(name: "pair", inputShape: [h, w, cin], steps: [(pair, ["pw", "dw"], "blocked-simd16")],
                          parameterCount: 0, sourceFile: "")

        let steps = net.tunableSteps { $0.contenders }
        #expect(steps.count == 1)
        let separateSparse = PointwiseDepthwise.separatePrefix + Dense.Kernel.sparsePixelsOneSet.rawValue
        #expect(steps[0].candidates == PointwiseDepthwise.Mode.allCases.map(\.rawValue) + [separateSparse])
        #expect(steps[0].chosen == PointwiseDepthwise.Mode.blocked16.rawValue)
        for candidate in steps[0].candidates + [PointwiseDepthwise.Mode.blocked8.rawValue] {
            steps[0].apply(candidate)
            if candidate == separateSparse {
                #expect(pw.kernelChoice == .sparsePixelsOneSet && pair.mode == .separate)
            } else {
                #expect(pw.kernelChoice == .narrowPanel && pair.mode.rawValue == candidate)
            }
            #expect(worstRelativeError(net.predict(input), expected) < 1e-4, "\(candidate)")
        }
        // After the pass chose the separate sparse kernel, the step is listed with that choice.
        steps[0].apply(separateSparse)
        #expect(net.tunableSteps { $0.contenders }[0].chosen == separateSparse)
        steps[0].apply(PointwiseDepthwise.Mode.blocked16.rawValue)
        let before = net.predict(input)
        _ = net.compareDenseKernels(input, rounds: 2, runsPerRound: 1)
        #expect(pw.kernelChoice == .narrowPanel && pair.mode == .blocked16 && net.predict(input) == before)
    }
}
