import Dispatch
import Tensor

/// The optional tuning pass of stage 3: times every kernel that can run each op, on this machine, and
/// picks the fastest chain. Each op's candidates are the runnable rows of its table (the sparse ones only
/// when `allowSparse` and at least `sparseMinZeroFraction` of its weights are zero); each candidate is
/// built, run once untimed (first touch of its packed weights), then twice as a warm-up: a candidate whose
/// two warm-ups are both 4× slower than the best so far is dropped there (one run can be slowed that much by
/// the thread being preempted); otherwise its time is the fastest of 5 runs of 3 (interference only ever
/// adds time). The chain is then chosen as a whole: a kernel writing a blocked layout must be followed by
/// one reading it, so the cheapest sequence of kernels with matching layouts wins (a shortest path over the
/// ops, ties to the earlier row of the table).
public struct KernelTuner {
    public var allowSparse: Bool
    public var sparseMinZeroFraction: Double
    public var cpu: CPUFeatures

    public init(allowSparse: Bool = true, sparseMinZeroFraction: Double = 0.3, cpu: CPUFeatures = .current) {
        self.allowSparse = allowSparse
        self.sparseMinZeroFraction = sparseMinZeroFraction
        self.cpu = cpu
    }

    /// One op's timed candidates (µs; nil: dropped after its warm-up).
    public struct Timing: Sendable {
        public let op: Int
        public let microseconds: [(kernel: String, us: Double?)]
    }

    func candidates(_ op: any Operation) -> [AnyKernel] {
        let zeros = (op as? any SparseWeights)?.zeroFraction ?? 0
        return Planner.runnable(op, on: cpu).filter { !$0.sparse || (allowSparse && zeros >= sparseMinZeroFraction) }
    }

    /// The fastest chain of kernels for `graph`, and what was measured.
    func tune(_ graph: Graph) throws -> (kernels: [AnyKernel], timings: [Timing]) {
        var options: [[AnyKernel]] = [], costs: [[Double]] = [], timings: [Timing] = []
        var inputNonNegative = false   // the op's input comes out of a ReLU (through shape-only ops)
        for (i, node) in graph.nodes.enumerated() {
            let c = candidates(node.op)
            guard !c.isEmpty else { return (try Planner.defaultKernels(graph, cpu: cpu), timings) }   // names the op
            let us = c.count > 1 ? time(node.op, c, rectified: inputNonNegative) : [0]
            inputNonNegative = Self.outputIsNonNegative(node.op, inputNonNegative: inputNonNegative)
            if c.count > 1 { timings.append(Timing(op: i, microseconds: zip(c, us).map { ($0.name, $1.isFinite ? $1 : nil) })) }
            options.append(c)
            costs.append(us)
        }
        // Shortest path: best[i][j] = cheapest chain ending with options[i][j]; layouts must match.
        var best: [[Double]] = [], from: [[Int]] = []
        for i in options.indices {
            var row: [Double] = [], back: [Int] = []
            for (j, k) in options[i].enumerated() {
                var cost = Double.infinity, arg = -1
                if i == 0 {
                    if k.input == .nhwc { cost = 0 }
                } else {
                    for (p, prev) in options[i - 1].enumerated() where prev.output == k.input && best[i - 1][p] < cost {
                        cost = best[i - 1][p]; arg = p
                    }
                }
                row.append(cost + costs[i][j]); back.append(arg)
            }
            best.append(row); from.append(back)
        }
        guard let last = best.last else { return ([], timings) }
        var j = -1, cost = Double.infinity
        for (c, k) in options[options.count - 1].enumerated() where k.output == .nhwc && last[c] < cost { j = c; cost = last[c] }
        guard j >= 0 else { return (try Planner.defaultKernels(graph, cpu: cpu), timings) }
        var chosen: [AnyKernel] = []
        for i in options.indices.reversed() {
            chosen.append(options[i][j])
            j = from[i][j]
        }
        return (chosen.reversed(), timings)
    }

    /// Whether `op`'s output is never negative: a ReLU at its store, or an op that only moves, pads, pools or
    /// clamps from below at 0 an input that is not negative either.
    static func outputIsNonNegative(_ op: any Operation, inputNonNegative: Bool) -> Bool {
        if let a = op as? any ActivationFusable { return a.activation.lower >= 0 }
        if let c = op as? ClampOp { return c.activation.lower >= 0 }
        if op is ReshapeOp || op is ZeroPadOp || op is Pool2DOp || op is GlobalAveragePoolOp { return inputNonNegative }
        return false
    }

    /// µs per run of each candidate on `op` (infinity: dropped after its warm-up). With `rectified` the
    /// timing input is what a ReLU makes of it (about half zeros), as the op sees in the network, so that a
    /// kernel skipping zero inputs is timed on the inputs it will meet.
    func time(_ op: any Operation, _ kernels: [AnyKernel], rectified: Bool = false) -> [Double] {
        let channels = op.inputShape.last ?? 1
        let inputCount = op.inputShape.dropLast().reduce(1, *) * ((channels + 15) / 16 * 16)   // room for a blocked input
        var input = KernelTuner.timingInput(count: max(inputCount, op.inputShape.reduce(1, *)))
        if rectified { input = input.map { max($0, 0) } }
        let layers = kernels.map { $0.make(op) }
        let output = AlignedFloats(zeros: max(1, layers.map(\.outputStorageCount).max() ?? 1))
        let scratch = AlignedFloats(zeros: max(1, layers.map(\.scratchCount).max() ?? 1))
        var best = Double.infinity
        var result: [Double] = []
        input.withUnsafeBufferPointer { xp in
            let x = xp.baseAddress!, y = output.pointer, s = scratch.pointer
            for layer in layers {
                layer.forward(x, y, scratch: s)
                var once = Double.infinity
                for _ in 0..<2 {
                    let warm = DispatchTime.now().uptimeNanoseconds
                    layer.forward(x, y, scratch: s)
                    once = min(once, Double(DispatchTime.now().uptimeNanoseconds - warm))
                }
                if once > 4 * best { result.append(.infinity); continue }
                var fastest = Double.infinity
                for _ in 0..<5 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    for _ in 0..<3 { layer.forward(x, y, scratch: s) }
                    fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 3)
                }
                best = min(best, fastest)
                result.append(fastest / 1000)
            }
        }
        return result
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
}
