import Testing
import Tensor
@testable import Layers

/// The tuner on a 1×1 → depthwise chain: whatever it picks chains layouts (a blocked output feeds a blocked
/// input), and every chain of kernels the tables allow computes what the two reference layers compute.
struct TuningTests {
    static let (h, w, cin, c) = (9, 8, 24, 40)

    func graph() -> (Graph, input: [Float], expected: [Float]) {
        let (h, w, cin, c) = Self.shape
        var rng = SeededRandom(77)
        // About 60 % zeros, so that the sparse kernels are candidates.
        let pwWeights = rng.floats(cin * c).map { abs($0) < 0.6 ? 0 : $0 }, pwBias = rng.floats(c)
        let g = WindowGeometry(inputHeight: h, inputWidth: w, kernel: (3, 3), strides: (1, 1), same: true)
        let dwKernel = rng.floats(9 * c), dwBias = rng.floats(c)
        let input = rng.floats(h * w * cin)
        let middle = DenseReference.run(input: input, rows: h * w, inFeatures: cin, outFeatures: c,
                                        weights: pwWeights, bias: pwBias, activation: .relu)
        let expected = DepthwiseConv2DReference.run(input: middle, geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu)
        let pw = DenseOp(leadingShape: [h, w], inFeatures: cin, outFeatures: c, weights: pwWeights, bias: pwBias, activation: .relu,
                         description: "Conv2D 1×1")
        let dw = DepthwiseOp(geometry: g, channels: c, kernel: dwKernel, bias: dwBias, activation: .relu)
        let graph = Graph(modelName: "pair", inputShape: [h, w, cin],
                          nodes: [GraphNode(op: pw, kerasLayers: ["pw"]), GraphNode(op: dw, kerasLayers: ["dw"])],
                          parameterCount: 0, sourceFile: "pair")
        return (graph, input, expected)
    }
    static var shape: (Int, Int, Int, Int) { (h, w, cin, c) }

    @Test func tunedChainMatchesLayoutsAndReferences() throws {
        let (graph, input, expected) = graph()
        let net = try Network.build(graph, options: LoadOptions(tuneKernels: true))
        #expect(net.plan.tuned && net.plan.ops.count == 2)
        #expect(net.plan.ops[0].outputLayout == net.plan.ops[1].inputLayout && net.plan.ops[1].outputLayout == .nhwc)
        #expect(worstRelativeError(net.predict(input), expected) < 1e-4)
        // The plan it chose is accepted as given, and runs the same.
        let again = try Network.build(graph, options: LoadOptions(plan: net.plan))
        #expect(again.plan.ops.map(\.kernel) == net.plan.ops.map(\.kernel) && again.predict(input) == net.predict(input))
    }

    @Test func everyAllowedChainAgreesWithTheReferences() throws {
        let (graph, input, expected) = graph()
        let tuner = KernelTuner()
        let first = tuner.candidates(graph.nodes[0].op), second = tuner.candidates(graph.nodes[1].op)
        #expect(first.contains { $0.output == .blocked16 } == CPUFeatures.current.fastVectors)
        #expect(first.contains { $0.sparse })
        var chains = 0
        for a in first {
            for b in second where b.input == a.output {
                var plan = try Network.build(graph, options: LoadOptions(tuneKernels: false)).plan
                plan.ops[0].kernel = a.name; plan.ops[0].outputLayout = a.output
                plan.ops[1].kernel = b.name; plan.ops[1].inputLayout = b.input
                let net = try Network.build(graph, options: LoadOptions(plan: plan))
                #expect(worstRelativeError(net.predict(input), expected) < 1e-4, "\(a.name) → \(b.name)")
                chains += 1
            }
        }
        #expect(chains >= first.count)
    }
}
