/// Stage 1 → 2: each Keras layer class and the function that turns one such layer (with the shape that
/// reaches it) into graph nodes. Adding a layer kind is one op file under `Ops/` and one row here.
enum KerasLayerKinds {
    typealias Lowering = @Sendable (KerasLayer, [Int]) throws -> [GraphNode]

    static let table: [String: Lowering] = [
        "Conv2D": Conv2DOp.fromKeras,
        "DepthwiseConv2D": DepthwiseOp.fromKeras,
        "Dense": DenseOp.fromKeras,
        "BatchNormalization": AffineOp.fromBatchNormalization,
        "Rescaling": AffineOp.fromRescaling,
        "LayerNormalization": LayerNormOp.fromKeras,
        "ReLU": ClampOp.fromReLU,
        "Activation": ClampOp.fromActivation,
        "ZeroPadding2D": ZeroPadOp.fromKeras,
        "MaxPooling2D": Pool2DOp.fromKeras,
        "AveragePooling2D": Pool2DOp.fromKeras,
        "GlobalAveragePooling2D": GlobalAveragePoolOp.fromKeras,
        "Flatten": ReshapeOp.flatten,
        "Reshape": ReshapeOp.reshape,
        "Dropout": ReshapeOp.inferenceIdentity,
        "SpatialDropout2D": ReshapeOp.inferenceIdentity,
        "GaussianDropout": ReshapeOp.inferenceIdentity,
        "GaussianNoise": ReshapeOp.inferenceIdentity,
    ]

    /// The model's layers as a chain of nodes, one or two per Keras layer (a layer with a softmax
    /// activation is two: the layer, then the softmax).
    static func graph(_ model: KerasModel) throws -> Graph {
        var nodes: [GraphNode] = []
        var shape = model.inputShape
        for layer in model.layers {
            guard let lower = table[layer.spec.className] else { throw layer.spec.fail("unsupported layer type '\(layer.spec.className)'") }
            let made = try lower(layer, shape)
            nodes += made
            shape = made.last?.op.outputShape ?? shape
        }
        return Graph(modelName: model.name, inputShape: model.inputShape, nodes: nodes,
                     parameterCount: model.parameterCount, sourceFile: model.file)
    }
}
