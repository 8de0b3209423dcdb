import DSP
import Tensor

/// A packed model ready to run: its features (`DSP.FeatureExtractor`), its network (the layers its steps name,
/// in a `LayerChain`) and, for a listening network, its detector's settings. The same on the device and on
/// the desktop (`kws-native infer --model FILE.kwspack`).
public final class PackedModel {
    public let name: String
    public let target: String
    public let labels: [String]
    public let features: FeatureSpec
    public let detector: PackedDetector?
    public let inputShape: [Int]
    /// What each step computes and with which kernel.
    public let steps: [(kind: String, kernel: String)]
    public let chain: LayerChain
    /// Floats of weights in the pack's steps.
    public let parameterCount: Int
    public let extractor: FeatureExtractor
    private let featureBuffer: AlignedFloats

    /// Reads and builds a pack (`PackFile.decode`, then every step checked and built).
    public convenience init(bytes: UnsafeRawBufferPointer) throws(PackError) {
        try self.init(try PackFile.decode(bytes))
    }

    public init(_ d: PackedModelDescription) throws(PackError) {
        name = d.name
        target = d.target
        labels = d.labels
        features = d.features
        detector = d.detector
        inputShape = d.inputShape
        do { extractor = FeatureExtractor(tables: try FeatureTables(spec: d.features)) } catch { throw PackError("features: " + error.message) }
        guard extractor.outputCount == d.inputShape.reduce(1, *) else {
            throw PackError("the features give \(extractor.outputCount) values, the network's input is \(d.inputShape)")
        }
        var layers: [any Layer] = []
        var steps: [(kind: String, kernel: String)] = []
        var shape = d.inputShape, blocked = false
        for (i, step) in d.steps.enumerated() {
            let built: BuiltLayer
            do { built = try step.op.makeLayer(kernel: step.kernel, kind: step.kind) } catch {
                throw PackError("step \(i) (\(step.kind), \(step.kernel)): " + error.message)
            }
            guard built.layer.inputShape.reduce(1, *) == shape.reduce(1, *) else {
                throw PackError("step \(i) (\(step.kind)) reads \(built.layer.inputShape), the step before gives \(shape)")
            }
            guard built.readsBlocked == blocked else {
                throw PackError("step \(i) (\(step.kind), \(step.kernel)) reads the "
                                + (built.readsBlocked ? "channel-blocked" : "plain") + " layout, the step before writes the other")
            }
            shape = built.layer.outputShape
            blocked = built.writesBlocked
            layers.append(built.layer)
            steps.append((kind: step.kind, kernel: step.kernel))
        }
        guard !blocked, shape.reduce(1, *) == d.labels.count else {
            throw PackError("the network ends in \(shape)" + (blocked ? " (channel-blocked)" : "") + " for \(d.labels.count) labels")
        }
        self.steps = steps
        parameterCount = d.steps.reduce(0) { $0 + $1.op.parameterCount }
        chain = LayerChain(inputCount: d.inputShape.reduce(1, *), layers: layers)
        featureBuffer = AlignedFloats(zeros: extractor.outputCount)
    }

    /// Multiply-accumulates per inference.
    public var macs: Int { chain.layers.reduce(0) { $0 + $1.macs } }

    /// Features of one clip (`features.samples` samples at 16 kHz; shorter is zero-padded, longer cut), then
    /// the network: `labels.count` logits. Allocation-free.
    public func classify(_ samples: UnsafeBufferPointer<Float>, logits: UnsafeMutableBufferPointer<Float>) {
        extractor.extract(samples, into: UnsafeMutableBufferPointer(start: featureBuffer.pointer, count: extractor.outputCount))
        chain.predict(featureBuffer.pointer, into: logits.baseAddress!)
    }

    /// The network alone, on features already computed (`inputShape`). Allocation-free.
    public func predict(features: UnsafePointer<Float>, logits: UnsafeMutableBufferPointer<Float>) {
        chain.predict(features, into: logits.baseAddress!)
    }
}

/// A step's layer and the layouts it reads and writes.
struct BuiltLayer {
    var layer: any Layer
    var readsBlocked = false
    var writesBlocked = false
}

extension PackedOp {
    /// The layer `kernel` names for this op, after checking the fields against each other and the kernel
    /// against the op (the checks the layers' initialisers would otherwise trap on).
    func makeLayer(kernel: String, kind: String) throws(PackError) -> BuiltLayer {
        func need(_ ok: Bool, _ why: String) throws(PackError) { if !ok { throw PackError(why) } }
        func single(_ expected: String) throws(PackError) {
            try need(kernel == expected, "unknown kernel for this op (expected \(expected))")
        }
        let toBlocked = "-toblocked"
        let blocked = kernel.hasSuffix(toBlocked)
        let base = blocked ? String(kernel.dropLast(toBlocked.count)) : kernel
        switch self {
        case let .conv2d(g, cin, cout, w, bias, act):
            try need(cin >= 1 && cout >= 1 && w.count == g.kernelHeight * g.kernelWidth * cin * cout, "kernel of \(w.count) weights for \(g.kernelHeight)×\(g.kernelWidth)×\(cin)×\(cout)")
            try need(bias == nil || bias!.count == cout, "bias of \(bias?.count ?? 0) for \(cout) channels")
            guard let choice = Conv2D.Kernel(rawValue: base) else { throw PackError("unknown convolution kernel") }
            try need(choice.applies(g, inChannels: cin, outChannels: cout), "the kernel does not apply to this convolution")
            let layer = Conv2D(kind: kind, geometry: g, inChannels: cin, outChannels: cout, kernel: w, bias: bias, activation: act, choice: choice)
            if blocked {
                try need(layer.canWriteBlocked, "the kernel cannot write the channel-blocked layout")
                return BuiltLayer(layer: BlockedOutput(layer), writesBlocked: true)
            }
            return BuiltLayer(layer: layer)
        case let .depthwise(g, c, w, bias, act):
            try need(c >= 1 && w.count == g.kernelHeight * g.kernelWidth * c && bias.count == c, "weights do not match \(c) channels")
            for f in BlockedInputDepthwise.kernelNames where f.name == kernel {
                try need(BlockedInputDepthwise.applies(channels: c), "the channel-blocked depthwise kernels need 16 channels or more")
                let inner = DepthwiseConv2D(kind: kind, geometry: g, channels: c, kernel: w, bias: bias, activation: act, choice: .plainLoops)
                return BuiltLayer(layer: BlockedInputDepthwise(inner, lanes: f.lanes), readsBlocked: true)
            }
            guard let choice = DepthwiseConv2D.Kernel(rawValue: kernel) else { throw PackError("unknown depthwise kernel") }
            try need(choice.applies(channels: c), "the kernel needs more than \(c) channels")
            return BuiltLayer(layer: DepthwiseConv2D(kind: kind, geometry: g, channels: c, kernel: w, bias: bias, activation: act, choice: choice))
        case let .dense(leading, k, n, w, bias, act):
            try need(k >= 1 && n >= 1 && w.count == k * n, "\(w.count) weights for \(k)×\(n)")
            try need(bias == nil || bias!.count == n, "bias of \(bias?.count ?? 0) for \(n) outputs")
            guard let choice = Dense.Kernel(rawValue: base) else { throw PackError("unknown dense kernel") }
            let rows = leading.reduce(1, *)
            try need(choice.applies(rows: rows, k: k, n: n, weightsAreFinite: w.allSatisfy { $0.isFinite }), "the kernel does not apply to this layer")
            let layer = Dense(kind: kind, leadingShape: leading, inFeatures: k, outFeatures: n, weights: w, bias: bias, activation: act, kernel: choice)
            if blocked {
                try need(layer.canWriteBlocked, "the kernel cannot write the channel-blocked layout")
                return BuiltLayer(layer: BlockedOutput(layer), writesBlocked: true)
            }
            return BuiltLayer(layer: layer)
        case let .pool(mode, g, c):
            try single(mode == .max ? "f32-maxpool-scalar" : "f32-avgpool-scalar")
            try need(c >= 1, "no channels")
            return BuiltLayer(layer: Pooling2D(kind: kind, mode: mode, geometry: g, channels: c))
        case let .globalAveragePool(input, keepDims):
            try single("f32-gavgpool-scalar")
            try need(input.count == 3, "expects an H × W × C input")
            return BuiltLayer(layer: GlobalAveragePooling2D(kind: kind, inputShape: input, keepDims: keepDims))
        case let .clamp(shape, act):
            try single("f32-clamp-scalar")
            return BuiltLayer(layer: Clamp(kind: kind, shape: shape, activation: act))
        case let .affine(shape, scale, shift, act):
            try single("f32-affine-scalar")
            try need(!shape.isEmpty && scale.count == shape.last! && shift.count == shape.last!, "scale and shift do not match the channels")
            let layer = BatchNormalization(kind: kind, shape: shape, scale: scale, shift: shift)
            layer.activation = act
            return BuiltLayer(layer: layer)
        case let .reshape(input, output):
            try single("f32-reshape-inplace")
            try need(input.reduce(1, *) == output.reduce(1, *), "\(input) and \(output) differ in size")
            return BuiltLayer(layer: Identity(kind: kind, inputShape: input, outputShape: output))
        case let .zeroPad(input, top, bottom, left, right):
            try single("f32-zeropad-scalar")
            try need(input.count == 3, "expects an H × W × C input")
            try need((input[0] + top + bottom) * (input[1] + left + right) * input[2] <= PackFile.maxElements, "padding too large")
            return BuiltLayer(layer: ZeroPadding2D(kind: kind, inputShape: input, top: top, bottom: bottom, left: left, right: right))
        case let .layerNorm(shape, axes, epsilon, gamma, beta):
            try single("f32-layernorm-scalar")
            try need(!axes.isEmpty && axes.allSatisfy { $0 < shape.count }, "axes \(axes) outside rank \(shape.count)")
            var params = 1
            for a in axes { params *= shape[a] }
            try need((gamma?.count ?? params) == params && (beta?.count ?? params) == params, "gamma or beta does not match the axes")
            return BuiltLayer(layer: LayerNormalization(kind: kind, shape: shape, axes: axes, epsilon: epsilon, gamma: gamma, beta: beta))
        case let .softmax(shape):
            try single("f32-softmax-scalar")
            try need(!shape.isEmpty, "a scalar")
            return BuiltLayer(layer: Softmax(kind: kind, shape: shape))
        }
    }
}
