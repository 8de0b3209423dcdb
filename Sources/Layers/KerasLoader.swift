import Foundation
import KerasIO
import Tensor

/// Reads a Keras model file — a legacy `.h5` or a Keras 3 `.keras`, through `KerasModelFile`, which gives the
/// model config and each layer's variables by name — and builds the planned Network.
struct KerasLoader {
    let path: String
    let options: LoadOptions
    let source: any KerasModelSource
    let model: KerasModelConfig
    private var parameterCount = 0

    init(path: String, options: LoadOptions) throws {
        self.path = path
        self.options = options
        do {
            source = try KerasModelFile.open(path: path)
        } catch let e as KerasFileError {
            throw KerasLoadError(file: path, layer: e.layer, reason: e.reason)
        }
        model = try KerasModelConfig(json: source.modelConfigJSON, file: path)
    }

    /// A step under construction (the fused plan edits the last one while it can absorb more layers).
    private struct Step {
        var layer: any Layer
        var names: [String]
        var kernel: String
        /// Still linear at its store, so a BatchNormalization or an activation can be folded in.
        var canAbsorb: Bool
    }

    mutating func build() throws -> Network {
        var steps: [Step] = []
        var shape = model.inputShape
        var pendingPad: (top: Int, bottom: Int, left: Int, right: Int, name: String)?

        for spec in model.layers {
            let fuse = options.fuse
            if let pad = pendingPad, !["Conv2D", "DepthwiseConv2D"].contains(spec.className) {
                // The padding could not be folded: it becomes a step of its own after all.
                let z = ZeroPadding2D(kind: "ZeroPadding2D", inputShape: shape, top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right)
                steps.append(Step(layer: z, names: [pad.name], kernel: "copy", canAbsorb: false))
                shape = z.outputShape
                pendingPad = nil
            }
            switch spec.className {
            case "Conv2D", "DepthwiseConv2D":
                try spec.requireChannelsLast()
                guard shape.count == 3 else { throw spec.fail("expects a rank-3 (H, W, C) input, got shape \(shape)") }
                var g = WindowGeometry(inputHeight: shape[0] + (pendingPad.map { $0.top + $0.bottom } ?? 0),
                                       inputWidth: shape[1] + (pendingPad.map { $0.left + $0.right } ?? 0),
                                       kernel: try spec.pair("kernel_size"), strides: try spec.pair("strides", default: (1, 1)),
                                       same: try spec.padding())
                var names = [spec.name]
                if let pad = pendingPad {
                    g.inputHeight = shape[0]; g.inputWidth = shape[1]
                    g.padTop += pad.top; g.padBottom += pad.bottom; g.padLeft += pad.left; g.padRight += pad.right
                    names.insert(pad.name, at: 0)
                    pendingPad = nil
                }
                guard g.isValid else { throw spec.fail("kernel \(g.kernelHeight)×\(g.kernelWidth) does not fit input \(shape)") }
                let activation = try fusedActivation(spec, try spec.string("activation", default: "linear"))
                let useBias = spec.bool("use_bias", default: true)
                let cin = shape[2]
                if spec.className == "Conv2D" {
                    if let groups = spec.config["groups"] as? NSNumber, groups.intValue != 1 { throw spec.fail("grouped convolution is not supported") }
                    let filters = try spec.int("filters")
                    let w = try weights(spec)
                    let kernel = try w.take("kernel", shape: [g.kernelHeight, g.kernelWidth, cin, filters])
                    let bias = useBias ? try w.take("bias", shape: [filters]) : nil
                    let pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideY == 1 && g.strideX == 1
                        && g.padTop + g.padBottom + g.padLeft + g.padRight == 0
                    let layer: any Layer = pointwise
                        ? Dense(kind: "Conv2D 1×1", leadingShape: [g.outputHeight, g.outputWidth], inFeatures: cin, outFeatures: filters,
                                weights: kernel, bias: bias, activation: activation == .softmax ? .linear : activation.fused)
                        : Conv2D(kind: "Conv2D \(g.kernelHeight)×\(g.kernelWidth)/\(g.strideY)", geometry: g, inChannels: cin, outChannels: filters,
                                 kernel: kernel, bias: bias, activation: activation == .softmax ? .linear : activation.fused)
                    try append(&steps, layer, names, (layer as? Conv2D)?.kernelChoice.rawValue ?? "gemm", activation, spec)
                } else {
                    guard try spec.int("depth_multiplier", default: 1) == 1 else { throw spec.fail("depth_multiplier other than 1 is not supported") }
                    let w = try weights(spec)
                    let kernel = try w.take("kernel", or: "depthwise_kernel", shape: [g.kernelHeight, g.kernelWidth, cin, 1])
                    let bias = useBias ? try w.take("bias", shape: [cin]) : nil
                    let layer = DepthwiseConv2D(kind: "DepthwiseConv2D \(g.kernelHeight)×\(g.kernelWidth)/\(g.strideY)", geometry: g, channels: cin,
                                                kernel: kernel, bias: bias, activation: activation == .softmax ? .linear : activation.fused)
                    try append(&steps, layer, names, layer.kernelChoice.rawValue, activation, spec)
                }
                shape = steps.last!.layer.outputShape

            case "Dense":
                guard let inFeatures = shape.last else { throw spec.fail("expects an input with features, got a scalar") }
                let units = try spec.int("units")
                let activation = try fusedActivation(spec, try spec.string("activation", default: "linear"))
                let w = try weights(spec)
                let kernel = try w.take("kernel", shape: [inFeatures, units])
                let bias = spec.bool("use_bias", default: true) ? try w.take("bias", shape: [units]) : nil
                let layer = Dense(kind: "Dense", leadingShape: Array(shape.dropLast()), inFeatures: inFeatures, outFeatures: units,
                                  weights: kernel, bias: bias, activation: activation == .softmax ? .linear : activation.fused)
                try append(&steps, layer, [spec.name], "gemm", activation, spec)
                shape = layer.outputShape

            case "BatchNormalization":
                guard let channels = shape.last else { throw spec.fail("expects an input with channels") }
                if let axis = spec.config["axis"] as? NSNumber, axis.intValue != -1 && axis.intValue != shape.count {
                    throw spec.fail("axis \(axis) is not supported (only the last axis)")
                }
                let w = try weights(spec)
                let ones = [Float](repeating: 1, count: channels), zeros = [Float](repeating: 0, count: channels)
                let gamma = spec.bool("scale", default: true) ? try w.take("gamma", shape: [channels]) : ones
                let beta = spec.bool("center", default: true) ? try w.take("beta", shape: [channels]) : zeros
                let mean = try w.take("moving_mean", shape: [channels])
                let variance = try w.take("moving_variance", shape: [channels])
                let (scale, shift) = BatchNormalization.affine(gamma: gamma, beta: beta, mean: mean, variance: variance,
                                                                epsilon: Float(try spec.double("epsilon", default: 1e-3)))
                appendAffine(&steps, kind: "BatchNormalization", scale: scale, shift: shift, spec, shape)

            case "LayerNormalization":
                // Keras counts the batch axis: axis 1 is our 0; negative axes count from the end.
                let raw: [Int]
                if let n = spec.config["axis"] as? NSNumber { raw = [n.intValue] }
                else if let list = spec.config["axis"] as? [NSNumber], !list.isEmpty { raw = list.map(\.intValue) }
                else { throw spec.fail("config 'axis' is missing or not an integer list") }
                let axes = try raw.map { a -> Int in
                    let d = a < 0 ? shape.count + a : a - 1
                    guard shape.indices.contains(d) else { throw spec.fail("axis \(a) is outside the input's \(shape.count + 1) dimensions") }
                    return d
                }
                if spec.bool("rms_scaling", default: false) { throw spec.fail("rms_scaling is not supported") }
                let scale = spec.bool("scale", default: true), center = spec.bool("center", default: true)
                let w = scale || center ? try weights(spec) : nil      // without γ and β the layer has no weights
                let params = axes.sorted().map { shape[$0] }
                let gamma = scale ? try w?.take("gamma", shape: params) : nil
                let beta = center ? try w?.take("beta", shape: params) : nil
                let layer = LayerNormalization(kind: "LayerNormalization", shape: shape, axes: axes,
                                               epsilon: Float(try spec.double("epsilon", default: 1e-3)), gamma: gamma, beta: beta)
                steps.append(Step(layer: layer, names: [spec.name], kernel: "direct", canAbsorb: false))

            case "Rescaling":
                // y = x · scale + offset, each a number or one value per channel: an affine step, folded
                // into a preceding convolution or dense layer whose store is still linear.
                guard let channels = shape.last else { throw spec.fail("expects an input with channels") }
                func perChannel(_ key: String, default value: Float) throws -> [Float] {
                    switch spec.config[key] {
                    case nil: return [Float](repeating: value, count: channels)
                    case let n as NSNumber: return [Float](repeating: n.floatValue, count: channels)
                    case let list as [NSNumber] where list.count == 1: return [Float](repeating: list[0].floatValue, count: channels)
                    case let list as [NSNumber] where list.count == channels: return list.map(\.floatValue)
                    default: throw spec.fail("'\(key)' must be a number or \(channels) numbers (one per channel)")
                    }
                }
                let scale = try perChannel("scale", default: 1), shift = try perChannel("offset", default: 0)
                appendAffine(&steps, kind: "Rescaling", scale: scale, shift: shift, spec, shape)

            case "ReLU":
                let maxValue = try spec.double("max_value", default: .infinity)
                guard try spec.double("negative_slope", default: 0) == 0, try spec.double("threshold", default: 0) == 0 else {
                    throw spec.fail("ReLU with negative_slope or threshold is not supported")
                }
                let activation: FusedActivation
                switch maxValue {
                case .infinity: activation = .relu
                case 6: activation = .relu6
                default: throw spec.fail("ReLU max_value \(maxValue) is not supported (only none or 6)")
                }
                try appendActivation(&steps, activation, spec, shape)

            case "Activation":
                let a = try fusedActivation(spec, try spec.string("activation"))
                if a == .softmax {
                    steps.append(Step(layer: Softmax(kind: "Softmax", shape: shape), names: [spec.name], kernel: "scalar", canAbsorb: false))
                } else if a == .linear {
                    try appendIdentity(&steps, spec, shape, shape)
                } else {
                    try appendActivation(&steps, a.fused, spec, shape)
                }

            case "ZeroPadding2D":
                guard shape.count == 3 else { throw spec.fail("expects a rank-3 input, got shape \(shape)") }
                try spec.requireChannelsLast()
                let p = try zeroPadding(spec)
                if fuse {
                    pendingPad = (p.0, p.1, p.2, p.3, spec.name)
                } else {
                    let z = ZeroPadding2D(kind: "ZeroPadding2D", inputShape: shape, top: p.0, bottom: p.1, left: p.2, right: p.3)
                    steps.append(Step(layer: z, names: [spec.name], kernel: "copy", canAbsorb: false))
                    shape = z.outputShape
                }

            case "MaxPooling2D", "AveragePooling2D":
                try spec.requireChannelsLast()
                guard shape.count == 3 else { throw spec.fail("expects a rank-3 input, got shape \(shape)") }
                let pool = try spec.pair("pool_size", default: (2, 2))
                let g = WindowGeometry(inputHeight: shape[0], inputWidth: shape[1], kernel: pool,
                                       strides: try spec.pair("strides", default: pool), same: try spec.padding())
                guard g.isValid else { throw spec.fail("pool \(pool) does not fit input \(shape)") }
                let layer = Pooling2D(kind: spec.className, mode: spec.className == "MaxPooling2D" ? .max : .average, geometry: g, channels: shape[2])
                steps.append(Step(layer: layer, names: [spec.name], kernel: "direct", canAbsorb: false))
                shape = layer.outputShape

            case "GlobalAveragePooling2D":
                try spec.requireChannelsLast()
                guard shape.count == 3 else { throw spec.fail("expects a rank-3 input, got shape \(shape)") }
                let layer = GlobalAveragePooling2D(kind: "GlobalAveragePooling2D", inputShape: shape, keepDims: spec.bool("keepdims", default: false))
                steps.append(Step(layer: layer, names: [spec.name], kernel: "direct", canAbsorb: false))
                shape = layer.outputShape

            case "Flatten":
                try appendIdentity(&steps, spec, shape, [shape.reduce(1, *)])
                shape = [shape.reduce(1, *)]

            case "Reshape":
                guard let target = spec.config["target_shape"] as? [NSNumber] else { throw spec.fail("Reshape without target_shape") }
                var t = target.map(\.intValue)
                let known = t.filter { $0 != -1 }.reduce(1, *)
                if let i = t.firstIndex(of: -1), known > 0 { t[i] = shape.reduce(1, *) / known }
                guard t.reduce(1, *) == shape.reduce(1, *) else { throw spec.fail("cannot reshape \(shape) to \(target)") }
                try appendIdentity(&steps, spec, shape, t)
                shape = t

            case "Dropout", "SpatialDropout2D", "GaussianDropout", "GaussianNoise":
                try appendIdentity(&steps, spec, shape, shape)

            default:
                throw spec.fail("unsupported layer type '\(spec.className)'")
            }
        }
        if let pad = pendingPad {
            let z = ZeroPadding2D(kind: "ZeroPadding2D", inputShape: shape, top: pad.top, bottom: pad.bottom, left: pad.left, right: pad.right)
            steps.append(Step(layer: z, names: [pad.name], kernel: "copy", canAbsorb: false))
        }
        chooseKernels(&steps)
        if options.tuneKernels && SIMDKernels.hasFastWideVectors { fusePointwiseDepthwise(&steps) }
        let network = Network(name: model.name, inputShape: model.inputShape,
                              steps: steps.map { ($0.layer, $0.names, $0.kernel) }, parameterCount: parameterCount, sourceFile: path)
        if options.tuneKernels {
            network.refineKernels()
        }
        return network
    }

    /// Timing inputs in [-1, 1) from a linear congruential sequence: `Float.random` draws from the system
    /// generator (a getrandom call each), which took ~70 ms of little's 100 ms load.
    static func timingInput(count: Int) -> [Float] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    // MARK: - fusion

    /// Keras activation names, plus softmax which becomes a step of its own.
    private enum KerasActivation: Equatable {
        case linear, relu, relu6, softmax
        var fused: FusedActivation { self == .relu ? .relu : self == .relu6 ? .relu6 : .linear }
    }

    private func fusedActivation(_ spec: KerasLayerSpec, _ name: String) throws -> KerasActivation {
        switch name {
        case "linear", "": return .linear
        case "relu": return .relu
        case "relu6": return .relu6
        case "softmax": return .softmax
        default: throw spec.fail("activation '\(name)' is not supported (linear, relu, relu6, softmax)")
        }
    }

    /// Appends a compute step; a softmax activation becomes a Softmax step after it.
    private func append(_ steps: inout [Step], _ layer: any Layer, _ names: [String], _ kernel: String,
                        _ activation: KerasActivation, _ spec: KerasLayerSpec) throws {
        if activation == .softmax {
            steps.append(Step(layer: layer, names: [], kernel: kernel, canAbsorb: false))
            steps.append(Step(layer: Softmax(kind: "Softmax", shape: layer.outputShape), names: names, kernel: "scalar", canAbsorb: false))
        } else {
            // Only a linear store can take a folded BatchNormalization or a fused activation.
            steps.append(Step(layer: layer, names: names, kernel: kernel, canAbsorb: activation == .linear && options.fuse))
        }
    }

    private func appendActivation(_ steps: inout [Step], _ activation: FusedActivation, _ spec: KerasLayerSpec, _ shape: [Int]) throws {
        if options.fuse, let last = steps.last, last.canAbsorb, setActivation(activation, on: last.layer) {
            steps[steps.count - 1].names.append(spec.name)
            steps[steps.count - 1].canAbsorb = false
        } else {
            steps.append(Step(layer: Clamp(kind: spec.className, shape: shape, activation: activation), names: [spec.name], kernel: "simd8", canAbsorb: false))
        }
    }

    private func appendIdentity(_ steps: inout [Step], _ spec: KerasLayerSpec, _ input: [Int], _ output: [Int]) throws {
        if options.fuse, !steps.isEmpty, steps[steps.count - 1].layer.outputShape.reduce(1, *) == output.reduce(1, *),
           !steps[steps.count - 1].names.isEmpty {
            // Shape-only layers join the previous block (its output is theirs, reinterpreted).
            steps[steps.count - 1].names.append(spec.name)
            steps.append(Step(layer: Identity(kind: spec.className, inputShape: input, outputShape: output), names: [], kernel: "none", canAbsorb: false))
        } else {
            steps.append(Step(layer: Identity(kind: spec.className, inputShape: input, outputShape: output), names: [spec.name], kernel: "none", canAbsorb: false))
        }
    }

    /// A per-channel affine layer (BatchNormalization, Rescaling): folded into the last step when fusing and
    /// that step's store is still linear, else a step of its own (which can absorb what follows).
    private func appendAffine(_ steps: inout [Step], kind: String, scale: [Float], shift: [Float],
                              _ spec: KerasLayerSpec, _ shape: [Int]) {
        if options.fuse, let last = steps.last, last.canAbsorb, fold(scale: scale, shift: shift, into: last.layer) {
            steps[steps.count - 1].names.append(spec.name)
        } else {
            steps.append(Step(layer: BatchNormalization(kind: kind, shape: shape, scale: scale, shift: shift),
                              names: [spec.name], kernel: "affine", canAbsorb: true))
        }
    }

    private func fold(scale: [Float], shift: [Float], into layer: any Layer) -> Bool {
        switch layer {
        case let l as Conv2D where l.activation == .linear: l.foldAffine(scale: scale, shift: shift)
        case let l as DepthwiseConv2D where l.activation == .linear: l.foldAffine(scale: scale, shift: shift)
        case let l as Dense where l.activation == .linear: l.foldAffine(scale: scale, shift: shift)
        default: return false
        }
        return true
    }

    private func setActivation(_ a: FusedActivation, on layer: any Layer) -> Bool {
        switch layer {
        case let l as Conv2D where l.activation == .linear: l.activation = a
        case let l as DepthwiseConv2D where l.activation == .linear: l.activation = a
        case let l as Dense where l.activation == .linear: l.activation = a
        case let l as BatchNormalization where l.activation == .linear: l.activation = a
        default: return false
        }
        return true
    }

    private func zeroPadding(_ spec: KerasLayerSpec) throws -> (Int, Int, Int, Int) {
        let p = spec.config["padding"]
        if let n = p as? NSNumber { return (n.intValue, n.intValue, n.intValue, n.intValue) }
        if let pairs = p as? [[NSNumber]], pairs.count == 2, pairs[0].count == 2, pairs[1].count == 2 {
            return (pairs[0][0].intValue, pairs[0][1].intValue, pairs[1][0].intValue, pairs[1][1].intValue)
        }
        if let a = p as? [NSNumber], a.count == 2 { return (a[0].intValue, a[0].intValue, a[1].intValue, a[1].intValue) }
        throw spec.fail("ZeroPadding2D padding \(String(describing: p)) not understood")
    }

    // MARK: - weights

    /// A layer's variables keyed by their short name (kernel, bias, gamma, …), checked for shape on use.
    struct LayerWeights {
        let spec: KerasLayerSpec
        let tensors: [String: (path: String, shape: [Int], values: [Float])]

        func take(_ key: String, or alternative: String? = nil, shape: [Int]) throws -> [Float] {
            guard let t = tensors[key] ?? alternative.flatMap({ tensors[$0] }) else {
                throw spec.fail("missing weight '\(key)' (found: \(tensors.keys.sorted().joined(separator: ", ")))")
            }
            guard t.shape == shape else {
                throw spec.fail("weight '\(t.path)' has shape \(t.shape), expected \(shape)")
            }
            return t.values
        }
    }

    private mutating func weights(_ spec: KerasLayerSpec) throws -> LayerWeights {
        let found: [KerasWeight]
        do {
            found = try source.weights(ofLayer: spec.name)
        } catch let e as KerasFileError {
            throw spec.fail(e.reason)
        }
        var tensors: [String: (path: String, shape: [Int], values: [Float])] = [:]
        for w in found {
            tensors[w.name] = (w.path, w.shape, w.values)
            parameterCount += w.values.count
        }
        return LayerWeights(spec: spec, tensors: tensors)
    }

    // MARK: - kernel choice

    /// Times each candidate kernel of every dense, 1×1, convolution and depthwise layer on this machine and
    /// keeps the fastest (fastest of 5 runs of 3 after an untimed first run; a candidate whose two timed
    /// warm-up runs are both 4× slower than the best so far is dropped there). Candidates: OpenBLAS GEMM; the packed-panel
    /// SIMD16 GEMM (≥ 16 outputs); CSR when sparse kernels are allowed and at least `sparseMinZeroFraction`
    /// of the weights are zero; im2col+GEMM / im2col+panel / direct / Winograd F(2×2,3×3) (3×3 stride 1)
    /// for convolutions; rows-simd16 (≥ 16 channels), SIMD8 or plain loops for depthwise. The SIMD kernels
    /// are left out when `SIMDKernels.hasFastWideVectors` is false (a build without AVX, where SIMD8/SIMD16
    /// lanes become scalar calls and measured 10–100× slower).
    /// With `tuneKernels` off, the defaults (`useDefaultKernels`).
    private func chooseKernels(_ steps: inout [Step]) {
        guard options.tuneKernels else { return useDefaultKernels(&steps) }
        for i in steps.indices {
            let layer = steps[i].layer
            var note = ""
            let label: String
            switch layer {
            case let dense as Dense:
                let candidates = dense.candidateKernels(allowSparse: options.allowSparse, minZeroFraction: options.sparseMinZeroFraction)
                let zeros = dense.zeroFraction
                if zeros >= 0.05 { note = "\(Int((zeros * 100).rounded()))% zeros; " }
                label = pickFastest(layer, candidates, scratch: dense.maxScratchCount, apply: dense.useKernel) { timings in
                    // Within 2× of the fastest here: the kernels the in-network pass compares again.
                    let best = timings.map(\.1).min() ?? 0
                    dense.contenders = timings.filter { $0.1 <= 2 * best }.sorted { $0.1 < $1.1 }.map(\.0)
                }
            case let conv as Conv2D:
                label = pickFastest(layer, conv.candidateKernels.filter { $0 == .im2colGEMM || SIMDKernels.hasFastWideVectors },
                                    scratch: conv.maxScratchCount, apply: { conv.kernelChoice = $0 })
            case let dw as DepthwiseConv2D:
                label = pickFastest(layer, dw.candidateKernels, scratch: 0, apply: { dw.kernelChoice = $0 })
            default:
                continue
            }
            if !label.isEmpty { steps[i].kernel = label.replacingOccurrences(of: "(", with: "(" + note, options: [], range: label.range(of: "(")) }
        }
    }

    /// Each 1×1 layer on a 16-wide panel kernel, and each im2col convolution on one (the stems), followed by
    /// a depthwise layer on its output becomes one
    /// `PointwiseDepthwise` step. Its mode (channel-blocked with 16- or 8-lane depthwise rows, or the two
    /// layers separately) is then chosen inside whole inferences by `Network.refineKernels`, like the
    /// dense kernels; until then the pair runs blocked with 16 lanes. A 1×1 layer whose one-layer timing
    /// preferred another kernel is still fused when one of its contenders (within 2× there) writes the
    /// blocked layout: it switches to the fastest such. That first pass times each kernel for a few
    /// microseconds; on a busy machine its winner among near-equal kernels is a coin toss, and leaving the
    /// pair unfused on that toss cost big about 10 % (measured: its two pairs ran separately in one
    /// `bench/run.sh`).
    private func fusePointwiseDepthwise(_ steps: inout [Step]) {
        var i = 0
        while i + 1 < steps.count {
            defer { i += 1 }
            guard let pw = steps[i].layer as? BlockedOutputLayer, let dw = steps[i + 1].layer as? DepthwiseConv2D else { continue }
            if let dense = pw as? Dense, !dense.canWriteBlocked,
               let blocked = dense.contenders.first(where: Dense.Kernel.blockedOutputKernels.contains) {
                dense.useKernel(blocked)
            }
            guard PointwiseDepthwise.applies(pw, dw) else { continue }
            let pair = PointwiseDepthwise(pw, dw)
            pair.mode = .blocked16
            steps[i] = Step(layer: pair, names: steps[i].names + steps[i + 1].names,
                            kernel: pair.mode.rawValue + " (" + steps[i].kernel + " → " + steps[i + 1].kernel + ")", canAbsorb: false)
            steps.remove(at: i + 1)
        }
    }

    /// The untimed plan: the streaming GEMM for dense layers of 1–4 rows, the 6×16 packed-panel GEMM for the
    /// other dense and 1×1 layers and under im2col (direct for the stems), plain row loops for layers of under
    /// 16 outputs (the classifiers' last layers), rows-simd16 or SIMD8 depthwise. In
    /// every tuned plan so far the OpenBLAS GEMM lost to these at this network size, and a plan without it
    /// never loads OpenBLAS (which is opened on first use): a cold one-file `infer` is shorter by the library's
    /// loading. Where a kernel does not apply, or the build has no fast wide vectors, OpenBLAS GEMM and plain
    /// loops stay.
    private func useDefaultKernels(_ steps: inout [Step]) {
        guard SIMDKernels.hasFastWideVectors else { return }
        for i in steps.indices {
            switch steps[i].layer {
            case let dense as Dense:
                dense.useKernel(StreamingGEMM.supports(m: dense.rows, n: dense.outFeatures) ? .stream
                                : PanelGEMM.supports(n: dense.outFeatures) ? .narrowPanel : .loops)
                steps[i].kernel = dense.kernelChoice.rawValue
            case let conv as Conv2D where conv.kernelChoice == .im2colGEMM:
                conv.kernelChoice = .im2colNarrowPanel          // stays im2col+gemm where no panel applies
                steps[i].kernel = conv.kernelChoice.rawValue
            default:
                continue
            }
        }
    }

    /// Runs `layer` with each kernel (set through `apply`), leaves the fastest set, returns a label such as
    /// "panel-simd16 (46.1 µs vs gemm 78.5, csr 423.8)"; empty when there is only one candidate.
    private func pickFastest<K: RawRepresentable>(_ layer: any Layer, _ candidates: [K], scratch scratchCount: Int,
                                                  apply: (K) -> Void, timed: ([(K, Double)]) -> Void = { _ in }) -> String
    where K.RawValue == String {
        guard candidates.count > 1 else { return "" }
        let input = KerasLoader.timingInput(count: layer.inputShape.reduce(1, *))
        var output = [Float](repeating: 0, count: layer.outputShape.reduce(1, *))
        var scratch = [Float](repeating: 0, count: max(1, scratchCount, layer.scratchCount))
        var best = Double.infinity
        var timings: [(K, Double)] = []
        input.withUnsafeBufferPointer { xp in
            output.withUnsafeMutableBufferPointer { yp in
                scratch.withUnsafeMutableBufferPointer { sp in
                    let x = xp.baseAddress!, y = yp.baseAddress!, s = sp.baseAddress!
                    for kernel in candidates {
                        apply(kernel)
                        layer.forward(x, y, scratch: s)   // first touch of freshly packed weights, untimed
                        // Two timed warm-up runs: a candidate is dropped only when both are 4× slower than
                        // the best so far (one run can be slowed that much by the thread being preempted).
                        var once = Double.infinity
                        for _ in 0..<2 {
                            let warm = DispatchTime.now().uptimeNanoseconds
                            layer.forward(x, y, scratch: s)
                            once = min(once, Double(DispatchTime.now().uptimeNanoseconds - warm))
                        }
                        if once > 4 * best { timings.append((kernel, once)); continue }
                        // The fastest of 5 runs of 3: interference only ever adds time.
                        var fastest = Double.infinity
                        for _ in 0..<5 {
                            let start = DispatchTime.now().uptimeNanoseconds
                            for _ in 0..<3 { layer.forward(x, y, scratch: s) }
                            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 3)
                        }
                        best = min(best, fastest)
                        timings.append((kernel, fastest))
                    }
                }
            }
        }
        let winner = timings.min { $0.1 < $1.1 }!
        apply(winner.0)
        timed(timings)
        let others = timings.filter { $0.0.rawValue != winner.0.rawValue }
            .map { "\($0.0.rawValue) " + String(format: "%.1f", $0.1 / 1000) }.joined(separator: ", ")
        return winner.0.rawValue + " (" + String(format: "%.1f µs", winner.1 / 1000) + " vs " + others + ")"
    }
}
