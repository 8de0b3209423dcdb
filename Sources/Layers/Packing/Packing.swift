import Runtime

/// Each op kind's fields as a pack holds them (`Runtime.PackedOp`); the inverse is `PackedOp.makeLayer`.
protocol Packable: Operation {
    var packed: PackedOp { get }
}

extension Conv2DOp: Packable {
    var packed: PackedOp {
        .conv2d(geometry, inChannels: inChannels, outChannels: outChannels, kernel: kernel, bias: bias, activation: activation)
    }
}

extension DepthwiseOp: Packable {
    var packed: PackedOp { .depthwise(geometry, channels: channels, kernel: kernel, bias: bias, activation: activation) }
}

extension DenseOp: Packable {
    var packed: PackedOp {
        .dense(leadingShape: leadingShape, inFeatures: inFeatures, outFeatures: outFeatures, weights: weights, bias: bias,
               activation: activation)
    }
}

extension Pool2DOp: Packable {
    var packed: PackedOp { .pool(mode, geometry, channels: channels) }
}

extension GlobalAveragePoolOp: Packable {
    var packed: PackedOp { .globalAveragePool(inputShape: inputShape, keepDims: keepDims) }
}

extension ClampOp: Packable {
    var packed: PackedOp { .clamp(shape: shape, activation: activation) }
}

extension AffineOp: Packable {
    var packed: PackedOp { .affine(shape: shape, scale: scale, shift: shift, activation: activation) }
}

extension ReshapeOp: Packable {
    var packed: PackedOp { .reshape(inputShape: inputShape, outputShape: outputShape) }
}

extension ZeroPadOp: Packable {
    var packed: PackedOp { .zeroPad(inputShape: inputShape, top: top, bottom: bottom, left: left, right: right) }
}

extension LayerNormOp: Packable {
    var packed: PackedOp { .layerNorm(shape: shape, axes: axes, epsilon: epsilon, gamma: gamma, beta: beta) }
}

extension SoftmaxOp: Packable {
    var packed: PackedOp { .softmax(shape: shape) }
}

/// A pack's network part from a Keras file: read, rewrite (fused) and plan as `Network.load` does, for the
/// CPU class of `target` (its default plan: the kernels are chosen by what the target has, not timed here),
/// then each op with its kernel as a `PackedStep`.
public enum Packer {
    public struct Network {
        public var modelName: String
        public var inputShape: [Int]
        public var steps: [PackedStep]
        public var parameterCount: Int
    }

    public static func network(kerasFile path: String, target: CPUFeatures) throws -> Network {
        let graph = try Layers.Network.graph(KerasReader.read(path: path), fuse: true)
        let kernels = try Planner.defaultKernels(graph, cpu: target)
        var steps: [PackedStep] = []
        for (node, kernel) in zip(graph.nodes, kernels) {
            guard let op = node.op as? any Packable else {
                throw PackError("\(path): op \(node.op.description) (\(node.kerasLayers.joined(separator: ", "))) has no packed form")
            }
            steps.append(PackedStep(op: op.packed, kernel: kernel.name, kind: node.op.description))
        }
        return Network(modelName: graph.modelName, inputShape: graph.inputShape, steps: steps, parameterCount: graph.parameterCount)
    }
}

extension Network {
    /// A network over a packed model's layers (`Runtime.PackedModel`), so that the desktop's commands run a
    /// pack as they run a Keras file. Its plan lists the pack's steps and kernels; a step stands for the
    /// Keras layers it was rewritten from, which a pack does not name (the step's kind stands in).
    public convenience init(packed: PackedModel, sourceFile: String) {
        let layers = packed.chain.layers
        var ops: [KernelPlan.Op] = []
        for (i, (layer, step)) in zip(layers, packed.steps).enumerated() {
            let name = step.kernel
            let isa: ISA = name.contains("avx512") ? .avx512 : name.contains("avx2") ? .avx2 : name.contains("openblas") ? .openblas : .scalar
            ops.append(KernelPlan.Op(index: i, layers: [step.kind], kind: step.kind, inputShape: layer.inputShape,
                                     outputShape: layer.outputShape, kernel: name, isa: isa, needs: isa.needs[0],
                                     inputLayout: name.hasSuffix("-fromblocked") ? .blocked16 : .nhwc,
                                     outputLayout: name.hasSuffix("-toblocked") ? .blocked16 : .nhwc))
        }
        self.init(name: packed.name, inputShape: packed.inputShape, layers: layers,
                  plan: KernelPlan(model: packed.name, tuned: false, ops: ops), parameterCount: packed.parameterCount, sourceFile: sourceFile)
    }
}
