/// Stage 3: one kernel per op, from the op kind's table (`Operation.kernels`). The default plan is a rule,
/// the same on every run: each op takes the first row of its table that applies to it, runs on this CPU, and
/// reads and writes plain NHWC, and is not a sparse kernel. A given plan (`KernelPlan`) is checked row by row
/// against the graph and the CPU; a tuned one comes from `KernelTuner`.
enum Planner {
    /// The kernels that can run `op` here, in table order.
    static func runnable(_ op: any Operation, on cpu: CPUFeatures) -> [AnyKernel] {
        op.kernelTable.filter { $0.applies(op) && cpu.missing($0.isa) == nil }
    }

    static func defaultKernels(_ graph: Graph, cpu: CPUFeatures) throws -> [AnyKernel] {
        try graph.nodes.enumerated().map { i, node in
            guard let k = runnable(node.op, on: cpu).first(where: { $0.input == .nhwc && $0.output == .nhwc && !$0.sparse }) else {
                throw PlanError(source: graph.sourceFile, op: "op \(i) (\(node.kerasLayers.last ?? node.op.kind))",
                                reason: "no \(node.op.kind) kernel runs here (table: \(node.op.kernelTable.map(\.name).joined(separator: ", ")))")
            }
            return k
        }
    }

    /// The kernels `plan` names, after checking that it was made for this graph and runs here.
    static func check(_ plan: KernelPlan, source: String, against graph: Graph, cpu: CPUFeatures) throws -> [AnyKernel] {
        func fail(_ op: KernelPlan.Op?, _ reason: String) -> PlanError { PlanError(source: source, op: op?.label, reason: reason) }
        guard plan.model == graph.modelName else {
            throw fail(nil, "made for model '\(plan.model)', this is '\(graph.modelName)' (\(graph.sourceFile))")
        }
        guard plan.ops.count == graph.nodes.count else {
            throw fail(nil, "has \(plan.ops.count) ops, the model's graph has \(graph.nodes.count)")
        }
        var layout = Layout.nhwc
        var kernels: [AnyKernel] = []
        for (i, (entry, node)) in zip(plan.ops, graph.nodes).enumerated() {
            let op = node.op
            guard entry.index == i, entry.kind == op.kind, entry.inputShape == op.inputShape, entry.outputShape == op.outputShape,
                  entry.layers == node.kerasLayers else {
                throw fail(entry, "is \(entry.kind) \(entry.inputShape) → \(entry.outputShape) over \(entry.layers) in the plan, "
                           + "\(op.kind) \(op.inputShape) → \(op.outputShape) over \(node.kerasLayers) in the model")
            }
            guard let kernel = op.kernelTable.first(where: { $0.name == entry.kernel }) else {
                throw fail(entry, "unknown \(op.kind) kernel '\(entry.kernel)' (known: \(op.kernelTable.map(\.name).joined(separator: ", ")))")
            }
            guard kernel.applies(op) else { throw fail(entry, "kernel '\(kernel.name)' does not apply to \(op.description) \(op.inputShape) → \(op.outputShape)") }
            if let missing = cpu.missing(kernel.isa) { throw fail(entry, "kernel '\(kernel.name)' cannot run here: \(missing)") }
            guard kernel.input == layout else {
                throw fail(entry, "kernel '\(kernel.name)' reads \(kernel.input.rawValue), the op before writes \(layout.rawValue)")
            }
            layout = kernel.output
            kernels.append(kernel)
        }
        guard layout == .nhwc else { throw fail(plan.ops.last, "the last op writes \(layout.rawValue), the network's output must be nhwc") }
        return kernels
    }

    static func plan(_ graph: Graph, _ kernels: [AnyKernel], tuned: Bool) -> KernelPlan {
        KernelPlan(model: graph.modelName, tuned: tuned, ops: zip(graph.nodes, kernels).enumerated().map { i, pair in
            let (node, k) = pair
            return KernelPlan.Op(index: i, layers: node.kerasLayers, kind: node.op.kind, inputShape: node.op.inputShape,
                                 outputShape: node.op.outputShape, kernel: k.name, isa: k.isa, needs: k.isa.needs[0],
                                 inputLayout: k.input, outputLayout: k.output)
        })
    }
}
