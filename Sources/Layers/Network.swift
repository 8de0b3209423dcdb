import Foundation
@_exported import Runtime
import Tensor

/// How `Network.load` plans a model.
public struct LoadOptions: Sendable {
    /// Run the fusing rewrites (`Rewrites.fused`): BatchNormalization and activations into the stores before
    /// them, ZeroPadding2D into the convolution after it, shape-only layers merged. With `false`, every Keras
    /// layer is an op of its own (for layer-by-layer verification).
    public var fuse: Bool
    /// Let the tuner time the sparse kernels of a dense / 1×1 op whose weights are at least
    /// `sparseMinZeroFraction` zeros.
    public var allowSparse: Bool
    public var sparseMinZeroFraction: Double
    /// Time the kernels at load time and keep the fastest chain (`KernelTuner`). Off: the default plan, the
    /// same on every run (`Planner.defaultKernels`).
    public var tuneKernels: Bool
    /// Run exactly this plan (checked against the model and this CPU); `tuneKernels` is then ignored.
    public var plan: KernelPlan?
    /// Where `plan` came from, for error messages.
    public var planSource: String

    public init(fuse: Bool = true, allowSparse: Bool = true, sparseMinZeroFraction: Double = 0.3, tuneKernels: Bool = true,
                plan: KernelPlan? = nil, planSource: String = "plan") {
        self.fuse = fuse
        self.allowSparse = allowSparse
        self.sparseMinZeroFraction = sparseMinZeroFraction
        self.tuneKernels = tuneKernels
        self.plan = plan
        self.planSource = planSource
    }
}

/// One step of the network as the outside sees it: the Keras layers it covers (its output equals the
/// output of the last of them), what it computes and with which kernel.
public struct Block: Sendable {
    public let kerasLayers: [String]
    public let kind: String
    public let kernel: String
    public let outputShape: [Int]
    public let outputLayout: Layout
    /// The Keras layer whose output this block reproduces (nil: an internal step, or one whose output is
    /// laid out for the next kernel rather than as Keras has it).
    public var comparedLayer: String? { outputLayout == .nhwc ? kerasLayers.last : nil }
}

/// Stage 4: runs a plan. A chain of layers (one kernel each) with all buffers allocated at load time: two
/// ping-pong activation buffers and one scratch buffer. `predict` allocates nothing. Not thread-safe: one
/// Network per thread. It yields logits: a model's softmax head is not run (`softmaxHead`).
public final class Network {
    public let name: String
    public let inputShape: [Int]
    public let outputCount: Int
    public let parameterCount: Int
    public let macs: Int
    public let blocks: [Block]
    public let sourceFile: String
    /// The kernels it runs, as data (`kws-native plan` writes it).
    public let plan: KernelPlan
    /// The Keras layer of the model's softmax head, which the network leaves out (nil: the model had none).
    public let softmaxHead: String?
    /// What the tuner measured when it chose the plan (empty for a default or given plan).
    public let tuning: [KernelTuner.Timing]

    /// The layers and their buffers: the run loop shared with packed models (`Runtime.LayerChain`).
    public let chain: LayerChain
    private var layers: [any Layer] { chain.layers }
    private var inputCount: Int { chain.inputCount }

    /// A network of `layers`, one per op of `plan`, in order.
    init(name: String, inputShape: [Int], layers: [any Layer], plan: KernelPlan, parameterCount: Int, sourceFile: String,
         softmaxHead: String? = nil, tuning: [KernelTuner.Timing] = []) {
        precondition(layers.count == plan.ops.count, "Network: one layer per planned op")
        self.name = name
        self.inputShape = inputShape
        self.sourceFile = sourceFile
        self.parameterCount = parameterCount
        self.plan = plan
        self.softmaxHead = softmaxHead
        self.tuning = tuning
        blocks = zip(layers, plan.ops).map {
            Block(kerasLayers: $1.layers, kind: $0.kind, kernel: $1.kernel, outputShape: $0.outputShape, outputLayout: $1.outputLayout)
        }
        chain = LayerChain(inputCount: inputShape.reduce(1, *), layers: layers)
        outputCount = chain.outputCount
        macs = layers.reduce(0) { $0 + $1.macs }
    }

    /// Loads a Keras `.h5` (Sequential, or a Functional chain): read (`KerasReader`), rewrite (`Rewrites`),
    /// plan (`Planner`, `KernelTuner`, or `options.plan`), and build the layers the plan names.
    public static func load(kerasFile path: String, options: LoadOptions = .init()) throws -> Network {
        try load(KerasReader.read(path: path), options: options)
    }

    /// Stages 1 and 2: the model's graph after the rewrites.
    static func graph(_ model: KerasModel, fuse: Bool) throws -> Graph {
        var graph = try KerasLayerKinds.graph(model)
        Rewrites.run(fuse ? Rewrites.fused : Rewrites.unfused, on: &graph)
        return graph
    }

    static func load(_ model: KerasModel, options: LoadOptions) throws -> Network {
        try build(try graph(model, fuse: options.fuse), options: options)
    }

    /// Stages 3 and 4: plans `graph` and builds the layers the plan names.
    static func build(_ graph: Graph, options: LoadOptions, cpu: CPUFeatures = .current) throws -> Network {
        var kernels: [AnyKernel]
        var tuning: [KernelTuner.Timing] = []
        if let plan = options.plan {
            kernels = try Planner.check(plan, source: options.planSource, against: graph, cpu: cpu)
        } else if options.tuneKernels {
            (kernels, tuning) = try KernelTuner(allowSparse: options.allowSparse, sparseMinZeroFraction: options.sparseMinZeroFraction, cpu: cpu)
                .tune(graph)
        } else {
            kernels = try Planner.defaultKernels(graph, cpu: cpu)
        }
        let plan = Planner.plan(graph, kernels, tuned: options.plan?.tuned ?? options.tuneKernels)
        return Network(name: graph.modelName, inputShape: graph.inputShape,
                       layers: zip(graph.nodes, kernels).map { $1.make($0.op) }, plan: plan,
                       parameterCount: graph.parameterCount, sourceFile: graph.sourceFile, softmaxHead: graph.softmaxHead, tuning: tuning)
    }

    /// Runs every step on `x`, timing each when `timed`, and tells `after` the step, where its output is and
    /// the nanoseconds it took (0 untimed or for a shape-only step).
    @inline(__always)
    private func run(_ x: UnsafePointer<Float>, timed: Bool, after: (Int, UnsafePointer<Float>, UInt64) -> Void) {
        for i in 0..<layers.count {
            let start = timed ? DispatchTime.now().uptimeNanoseconds : 0
            let y = chain.runStep(i, input: x)
            let ns = timed && !layers[i].isIdentity ? DispatchTime.now().uptimeNanoseconds - start : 0
            after(i, y, ns)
        }
    }

    /// Runs one input (inputShape, NHWC) into `output` (outputCount logits). Allocation-free.
    public func predict(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count == inputCount && output.count == outputCount,
                     "\(name): predict expects \(inputCount) inputs and \(outputCount) outputs")
        chain.predict(input.baseAddress!, into: output.baseAddress!)
    }

    public func predict(_ input: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: outputCount)
        input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { predict(i, into: $0) } }
        return out
    }

    /// Median microseconds each step takes on `input` over `runs` inferences (for profiling; allocates
    /// only the result). Shape-only steps report 0.
    public func timeBlocks(_ input: [Float], runs: Int = 100) -> [Double] {
        precondition(input.count == inputCount, "\(name): expected \(inputCount) inputs, got \(input.count)")
        var samples = [[Double]](repeating: [], count: layers.count)
        input.withUnsafeBufferPointer { ip in
            for _ in 0..<max(runs, 1) {
                run(ip.baseAddress!, timed: true) { i, _, ns in samples[i].append(Double(ns) / 1000) }
            }
        }
        return samples.map { $0.sorted()[$0.count / 2] }
    }

    /// Runs one input and returns every block's output (for verification; this one allocates).
    public func predictRecordingBlocks(_ input: [Float]) -> [[Float]] {
        precondition(input.count == inputCount, "\(name): expected \(inputCount) inputs, got \(input.count)")
        var outputs: [[Float]] = []
        input.withUnsafeBufferPointer { ip in
            run(ip.baseAddress!, timed: false) { i, y, _ in
                outputs.append(Array(UnsafeBufferPointer(start: y, count: layers[i].outputShape.reduce(1, *))))
            }
        }
        return outputs
    }
}
