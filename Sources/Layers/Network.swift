import Foundation
import Tensor

/// How `Network.load` builds the plan.
public struct LoadOptions: Sendable {
    /// Fold BatchNormalization into the preceding convolution/dense layer, fuse activations into the
    /// kernels' stores, fold ZeroPadding2D into the following convolution and merge shape-only layers.
    /// With `false`, every Keras layer is a step of its own (for layer-by-layer verification).
    public var fuse: Bool
    /// Let the loader pick the CSR kernel for a dense / 1×1 layer whose weights are at least
    /// `sparseMinZeroFraction` zeros, when it measures faster than the GEMM at load time.
    public var allowSparse: Bool
    public var sparseMinZeroFraction: Double
    /// Time the candidate kernels of each dense / 1×1 layer at load time and keep the fastest (OpenBLAS
    /// GEMM, packed-panel SIMD16 GEMM, CSR). Off: OpenBLAS GEMM everywhere (deterministic plans).
    public var tuneKernels: Bool

    public init(fuse: Bool = true, allowSparse: Bool = true, sparseMinZeroFraction: Double = 0.3, tuneKernels: Bool = true) {
        self.fuse = fuse
        self.allowSparse = allowSparse
        self.sparseMinZeroFraction = sparseMinZeroFraction
        self.tuneKernels = tuneKernels
    }
}

/// One step of the plan as the outside sees it: the Keras layers it covers (its output equals the
/// output of the last of them), what it computes and with which kernel.
public struct Block: Sendable {
    public let kerasLayers: [String]
    public let kind: String
    public internal(set) var kernel: String
    public let outputShape: [Int]
    /// The Keras layer whose output this block reproduces (nil: an internal step, e.g. before a softmax).
    public var comparedLayer: String? { kerasLayers.last }
}

/// A chain of planned layers with all buffers allocated at load time: two ping-pong activation buffers
/// and one scratch buffer. `predict` allocates nothing. Not thread-safe: one Network per thread.
public final class Network {
    public let name: String
    public let inputShape: [Int]
    public let outputCount: Int
    public let parameterCount: Int
    public let macs: Int
    public private(set) var blocks: [Block]
    public let sourceFile: String

    private let layers: [any Layer]
    /// For each step, where it reads and writes: 0 = the caller's input, 1 = buffer A, 2 = buffer B.
    private let plan: [(source: Int, destination: Int)]
    /// 64-byte aligned (`AlignedFloats`), so a layer whose channel count is a multiple of 16 loads whole
    /// cache lines.
    private let storage: [AlignedFloats]
    private let bufferA: UnsafeMutablePointer<Float>
    private let bufferB: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>
    private let bufferCount: Int, scratchSize: Int
    private let inputCount: Int
    private let finalBuffer: Int

    init(name: String, inputShape: [Int], steps: [(layer: any Layer, names: [String], kernel: String)],
         parameterCount: Int, sourceFile: String) {
        self.name = name
        self.inputShape = inputShape
        self.sourceFile = sourceFile
        self.parameterCount = parameterCount
        layers = steps.map(\.layer)
        blocks = steps.map { Block(kerasLayers: $0.names, kind: $0.layer.kind, kernel: $0.kernel, outputShape: $0.layer.outputShape) }
        inputCount = inputShape.reduce(1, *)
        outputCount = steps.last?.layer.outputShape.reduce(1, *) ?? inputCount
        macs = layers.reduce(0) { $0 + $1.macs }
        var plan: [(Int, Int)] = []
        var current = 0
        for layer in layers {
            if layer.isIdentity {
                plan.append((current, current))
            } else {
                let next = current == 1 ? 2 : 1
                plan.append((current, next))
                current = next
            }
        }
        self.plan = plan
        finalBuffer = current
        bufferCount = max(1, layers.map { $0.outputShape.reduce(1, *) }.max() ?? 1)
        scratchSize = max(1, layers.map { max($0.scratchCount, ($0 as? Dense)?.maxScratchCount ?? 0) }.max() ?? 1)
        storage = [AlignedFloats(zeros: bufferCount), AlignedFloats(zeros: bufferCount), AlignedFloats(zeros: scratchSize)]
        bufferA = storage[0].pointer
        bufferB = storage[1].pointer
        scratch = storage[2].pointer
    }

    /// Loads a Keras `.h5` (Sequential, or a Functional chain) and plans it.
    public static func load(kerasFile path: String, options: LoadOptions = .init()) throws -> Network {
        var loader = try KerasLoader(path: path, options: options)
        return try loader.build()
    }

    @inline(__always)
    private func buffer(_ id: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        id == 0 ? input : UnsafePointer(id == 1 ? bufferA : bufferB)
    }

    /// Runs one input (inputShape, NHWC) into `output` (outputCount values). Allocation-free.
    public func predict(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == inputCount && output.count == outputCount,
                     "\(name): predict expects \(inputCount) inputs and \(outputCount) outputs")
        let x = input.baseAddress!
        for i in 0..<layers.count {
            let (s, d) = plan[i]
            if s == d { continue }
            layers[i].forward(buffer(s, input: x), d == 1 ? bufferA : bufferB, scratch: scratch)
        }
        output.baseAddress!.update(from: buffer(finalBuffer, input: x), count: outputCount)
    }

    public func predict(_ input: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: outputCount)
        input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { predict(i, into: $0) } }
        return out
    }

    /// Median microseconds each step takes on `input` over `runs` inferences (for profiling; allocates
    /// only the result). Identity steps report 0.
    public func timeBlocks(_ input: [Float], runs: Int = 100) -> [Double] {
        precondition(input.count == inputCount, "\(name): expected \(inputCount) inputs, got \(input.count)")
        var samples = [[Double]](repeating: [], count: layers.count)
        input.withUnsafeBufferPointer { ip in
            let x = ip.baseAddress!
            for _ in 0..<max(runs, 1) {
                for i in 0..<layers.count {
                    let (s, d) = plan[i]
                    guard s != d else { samples[i].append(0); continue }
                    let start = DispatchTime.now().uptimeNanoseconds
                    layers[i].forward(buffer(s, input: x), d == 1 ? bufferA : bufferB, scratch: scratch)
                    samples[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
                }
            }
        }
        return samples.map { $0.sorted()[$0.count / 2] }
    }

    /// One dense / 1×1 step's candidate kernels, timed inside whole inferences.
    public struct KernelComparison: Sendable {
        public let block: Int
        public let chosen: String
        /// Median µs of the step with each candidate kernel, in candidate order.
        public let microseconds: [(kernel: String, us: Double)]
    }

    /// Times every candidate kernel of every Dense step (1×1 convolutions included) that has more than one,
    /// and every mode of every fused 1×1 → depthwise step (`PointwiseDepthwise.Mode`), interleaved in one
    /// process: in round r each such step runs its candidate (r + j) mod count, and the whole network runs
    /// `runsPerRound` times with every step timed (as `timeBlocks`); medians per step and candidate over all
    /// rounds. The loader's choices are restored afterwards. Switching kernels repacks weights (allocates):
    /// for benchmarks, not for serving.
    public func compareDenseKernels(_ input: [Float], rounds: Int = 12, runsPerRound: Int = 20,
                                    allowSparse: Bool = true, minZeroFraction: Double = 0.3) -> [KernelComparison] {
        compareSteps(input, rounds: rounds, runsPerRound: runsPerRound, tunableSteps {
            $0.candidateKernels(allowSparse: allowSparse, minZeroFraction: minZeroFraction)
        })
    }

    /// A step with candidates to compare: how to switch it, and what it runs now.
    struct TunableStep {
        let index: Int
        let candidates: [String]
        let chosen: String
        let apply: (String) -> Void
    }

    /// The Dense steps with more than one candidate (from `candidates`) and the fused 1×1 → depthwise steps.
    func tunableSteps(_ candidates: (Dense) -> [Dense.Kernel]) -> [TunableStep] {
        layers.indices.compactMap { i in
            guard plan[i].source != plan[i].destination else { return nil }
            if let d = layers[i] as? Dense {
                let c = candidates(d)
                guard c.count > 1 else { return nil }
                return TunableStep(index: i, candidates: c.map(\.rawValue), chosen: d.kernelChoice.rawValue) {
                    d.useKernel(Dense.Kernel(rawValue: $0)!)
                }
            }
            if let pair = layers[i] as? PointwiseDepthwise {
                // The modes, and the two layers separately with the 1×1 layer's fastest contender that cannot
                // write the blocked layout (for little's pruned layers the sparse kernel), as "separate/<kernel>".
                var candidates = PointwiseDepthwise.Mode.allCases.map(\.rawValue)
                var chosen = pair.mode.rawValue
                if let dense = pair.pointwise as? Dense, let blocked = pair.blockedKernel {
                    if let other = dense.contenders.first(where: { !Dense.Kernel.blockedOutputKernels.contains($0) }) {
                        candidates.append(PointwiseDepthwise.separatePrefix + other.rawValue)
                    }
                    if dense.kernelChoice != blocked { chosen = PointwiseDepthwise.separatePrefix + dense.kernelChoice.rawValue }
                    return TunableStep(index: i, candidates: candidates, chosen: chosen) { c in
                        if c.hasPrefix(PointwiseDepthwise.separatePrefix) {
                            dense.useKernel(Dense.Kernel(rawValue: String(c.dropFirst(PointwiseDepthwise.separatePrefix.count)))!)
                            pair.mode = .separate
                        } else {
                            if dense.kernelChoice != blocked { dense.useKernel(blocked) }
                            pair.mode = PointwiseDepthwise.Mode(rawValue: c)!
                        }
                    }
                }
                return TunableStep(index: i, candidates: candidates, chosen: chosen) {
                    pair.mode = PointwiseDepthwise.Mode(rawValue: $0)!
                }
            }
            return nil
        }
    }

    func compareSteps(_ input: [Float], rounds: Int, runsPerRound: Int, _ tuned: [TunableStep]) -> [KernelComparison] {
        precondition(input.count == inputCount, "\(name): expected \(inputCount) inputs, got \(input.count)")
        guard !tuned.isEmpty else { return [] }
        let most = tuned.map(\.candidates.count).max()!
        let roundCount = max(rounds, most) + (most - max(rounds, most) % most) % most
        var samples = tuned.map { [[Double]](repeating: [], count: $0.candidates.count) }
        input.withUnsafeBufferPointer { ip in
            let x = ip.baseAddress!
            for r in 0..<roundCount {
                for (t, entry) in tuned.enumerated() { entry.apply(entry.candidates[(r + t) % entry.candidates.count]) }
                for run in 0..<(runsPerRound + 1) {
                    var slot = 0
                    for i in 0..<layers.count {
                        let (s, d) = plan[i]
                        guard s != d else { continue }
                        let start = DispatchTime.now().uptimeNanoseconds
                        layers[i].forward(buffer(s, input: x), d == 1 ? bufferA : bufferB, scratch: scratch)
                        let us = Double(DispatchTime.now().uptimeNanoseconds - start) / 1000
                        if slot < tuned.count && tuned[slot].index == i {
                            if run > 0 { samples[slot][(r + slot) % tuned[slot].candidates.count].append(us) }  // run 0 warms up
                            slot += 1
                        }
                    }
                }
            }
        }
        for entry in tuned { entry.apply(entry.chosen) }
        return tuned.enumerated().map { t, entry in
            KernelComparison(block: entry.index, chosen: entry.chosen,
                             microseconds: zip(entry.candidates, samples[t]).map { ($0, $1.sorted()[$1.count / 2]) })
        }
    }

    /// The loader's second pass: the Dense steps' contenders (the kernels within 2× of the fastest in its
    /// one-layer timing) and the fused 1×1 → depthwise steps' modes, timed inside whole inferences
    /// (`compareSteps`, 16 rounds of 4: at least four rounds for each of a fused pair's four candidates); each
    /// step keeps the fastest there. The first pass times one layer
    /// at a time with its weights and input hot in cache; inside the network the large weights come from L3
    /// (where the prefetching streaming kernel wins) and the small layers' choice is less noisy. The label
    /// says what was measured, e.g. "stream-prefetch-simd16x32 (in network 52.9 µs vs …)".
    func refineKernels() {
        let input = KerasLoader.timingInput(count: inputCount)
        let tuned = tunableSteps { $0.contenders }
        for c in compareSteps(input, rounds: 16, runsPerRound: 4, tuned) {
            guard let best = c.microseconds.min(by: { $0.us < $1.us }), let step = tuned.first(where: { $0.index == c.block }) else { continue }
            step.apply(best.kernel)
            var note = ""
            if let dense = layers[c.block] as? Dense, dense.zeroFraction >= 0.05 { note = "\(Int((dense.zeroFraction * 100).rounded()))% zeros; " }
            if let pair = layers[c.block] as? PointwiseDepthwise {
                note = pair.pointwise.kernelName + " → " + pair.depthwise.kernelChoice.rawValue + "; "
            }
            let others = c.microseconds.filter { $0.kernel != best.kernel }
                .map { "\($0.kernel) " + String(format: "%.1f", $0.us) }.joined(separator: ", ")
            blocks[c.block].kernel = best.kernel + " (" + note + "in network " + String(format: "%.1f µs", best.us) + " vs " + others + ")"
        }
    }

    /// Runs one input and returns every block's output (for verification; this one allocates).
    public func predictRecordingBlocks(_ input: [Float]) -> [[Float]] {
        precondition(input.count == inputCount, "\(name): expected \(inputCount) inputs, got \(input.count)")
        var outputs: [[Float]] = []
        input.withUnsafeBufferPointer { ip in
            let x = ip.baseAddress!
            for i in 0..<layers.count {
                let (s, d) = plan[i]
                if s != d { layers[i].forward(buffer(s, input: x), d == 1 ? bufferA : bufferB, scratch: scratch) }
                let n = layers[i].outputShape.reduce(1, *)
                outputs.append(Array(UnsafeBufferPointer(start: buffer(d, input: x), count: n)))
            }
        }
        return outputs
    }
}
