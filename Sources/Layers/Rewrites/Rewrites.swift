/// Stage 2: rewrites of the graph, each a small named pass that changes what is computed by as little as
/// floating point allows (folding a BatchNormalization into weights rounds differently, within the
/// verification's tolerance). `Rewrites.fused` is the order the loader runs them in.
protocol RewritePass: Sendable {
    var name: String { get }
    func run(_ graph: inout Graph)
}

enum Rewrites {
    /// With fusion (the default): padding into convolutions, 1×1 convolutions as dense products, affine maps
    /// and activations into the stores before them, shape-only layers merged into the node before them, and
    /// a softmax head removed.
    static let fused: [any RewritePass] = [FoldZeroPadding(), PointwiseConvToDense(), FoldAffine(), FoldActivation(),
                                           MergeShapeOnly(), DropSoftmaxHead()]
    /// Without fusion every Keras layer stays a node of its own (for layer-by-layer verification); 1×1
    /// convolutions still run as dense products, and the network still yields logits.
    static let unfused: [any RewritePass] = [PointwiseConvToDense(), DropSoftmaxHead()]

    static func run(_ passes: [any RewritePass], on graph: inout Graph) {
        for pass in passes { pass.run(&graph) }
    }
}

extension Graph {
    /// Walks the chain once: where `merge(previous, node)` gives an op, that op replaces the two nodes and
    /// stands for both nodes' Keras layers (and may merge again with the node after it).
    mutating func mergePairs(_ merge: (GraphNode, GraphNode) -> (any Operation)?) {
        var out: [GraphNode] = []
        for node in nodes {
            if let last = out.last, let op = merge(last, node) {
                out[out.count - 1] = GraphNode(op: op, kerasLayers: last.kerasLayers + node.kerasLayers)
            } else {
                out.append(node)
            }
        }
        nodes = out
    }
}

/// A ZeroPadding2D directly before a convolution or depthwise convolution becomes part of its window
/// geometry (explicit padding added to the 'same' padding).
struct FoldZeroPadding: RewritePass {
    let name = "fold-zero-padding"
    func run(_ graph: inout Graph) {
        graph.mergePairs { last, node in
            guard let pad = last.op as? ZeroPadOp else { return nil }
            func padded(_ g: WindowGeometry) -> WindowGeometry {
                var g = g
                g.inputHeight = pad.inputShape[0]; g.inputWidth = pad.inputShape[1]
                g.padTop += pad.top; g.padBottom += pad.bottom; g.padLeft += pad.left; g.padRight += pad.right
                return g
            }
            if var conv = node.op as? Conv2DOp { conv.geometry = padded(conv.geometry); return conv }
            if var dw = node.op as? DepthwiseOp { dw.geometry = padded(dw.geometry); return dw }
            return nil
        }
    }
}

/// A 1×1, stride-1, unpadded Conv2D is a dense product over the pixels ("Conv2D 1×1").
struct PointwiseConvToDense: RewritePass {
    let name = "pointwise-conv-to-dense"
    func run(_ graph: inout Graph) {
        for i in graph.nodes.indices {
            guard let conv = graph.nodes[i].op as? Conv2DOp, conv.isPointwise else { continue }
            graph.nodes[i].op = DenseOp(leadingShape: [conv.geometry.outputHeight, conv.geometry.outputWidth],
                                        inFeatures: conv.inChannels, outFeatures: conv.outChannels,
                                        weights: conv.kernel, bias: conv.bias, activation: conv.activation, description: "Conv2D 1×1")
        }
    }
}

/// A per-channel affine op (BatchNormalization, Rescaling) after an op whose store is still linear folds
/// into that op's weights and bias.
struct FoldAffine: RewritePass {
    let name = "fold-affine"
    func run(_ graph: inout Graph) {
        graph.mergePairs { last, node in
            guard let affine = node.op as? AffineOp, affine.activation == .linear, !last.kerasLayers.isEmpty,
                  var target = last.op as? any AffineFoldable, target.activation == .linear else { return nil }
            target.foldAffine(scale: affine.scale, shift: affine.shift)
            return target
        }
    }
}

/// A ReLU / ReLU6 after an op whose store is still linear is applied at that store.
struct FoldActivation: RewritePass {
    let name = "fold-activation"
    func run(_ graph: inout Graph) {
        graph.mergePairs { last, node in
            guard let clamp = node.op as? ClampOp, !last.kerasLayers.isEmpty,
                  var target = last.op as? any ActivationFusable, target.activation == .linear else { return nil }
            target.activation = clamp.activation
            return target
        }
    }
}

/// A shape-only layer (Flatten, Reshape, Dropout, linear Activation) right after a node that stands for
/// Keras layers, with as many elements, joins that node: its output is theirs, reinterpreted, and verification
/// compares it there. The shape-only node stays, as an internal one.
struct MergeShapeOnly: RewritePass {
    let name = "merge-shape-only"
    func run(_ graph: inout Graph) {
        for i in graph.nodes.indices.dropFirst() where graph.nodes[i].op.isShapeOnly {
            let previous = graph.nodes[i - 1]
            guard !previous.kerasLayers.isEmpty,
                  previous.op.outputShape.reduce(1, *) == graph.nodes[i].op.outputShape.reduce(1, *) else { continue }
            graph.nodes[i - 1].kerasLayers += graph.nodes[i].kerasLayers
            graph.nodes[i].kerasLayers = []
        }
    }
}

/// A softmax that ends the model (possibly followed by shape-only layers) is removed: the network yields
/// logits, and the one softmax is applied by whoever needs probabilities. The Keras layers it stood for join
/// the node that computes the logits (the one before it, past shape-only nodes that stand for no layer);
/// `Graph.softmaxHead` names the softmax layer.
struct DropSoftmaxHead: RewritePass {
    let name = "drop-softmax-head"
    func run(_ graph: inout Graph) {
        guard let i = graph.nodes.lastIndex(where: { !$0.op.isShapeOnly }), i > 0, graph.nodes[i].op is SoftmaxOp else { return }
        var j = i - 1
        while j > 0 && graph.nodes[j].op.isShapeOnly && graph.nodes[j].kerasLayers.isEmpty { j -= 1 }
        let names = graph.nodes[i...].flatMap(\.kerasLayers)
        let tail = graph.nodes[(i + 1)...].map { node -> GraphNode in
            var n = node
            n.kerasLayers = []
            return n
        }
        graph.softmaxHead = graph.nodes[i].kerasLayers.first
        graph.nodes.removeSubrange(i...)
        graph.nodes[j].kerasLayers += names
        graph.nodes += tail
    }
}
