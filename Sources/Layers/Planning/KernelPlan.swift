import Foundation

/// Stage 3's result as data: one kernel per op of a model's rewritten graph, with what is needed to check
/// that it fits (the op's kind and shapes, the kernel's instruction set and the CPU flags it needs, the
/// layouts it reads and writes). Written by `kws-native plan`, read back by `--plan FILE`; `Planner.check`
/// refuses a plan that does not fit the model or this CPU.
public struct KernelPlan: Codable, Sendable, Equatable {
    public static let currentFormat = 1

    public var format: Int
    /// The Keras model's name (`model_config`).
    public var model: String
    /// Chosen by timing (`KernelTuner`) rather than by the default rule.
    public var tuned: Bool
    public var ops: [Op]

    public struct Op: Codable, Sendable, Equatable {
        public var index: Int
        /// The Keras layers the op stands for (empty for an internal op).
        public var layers: [String]
        public var kind: String
        public var inputShape: [Int]
        public var outputShape: [Int]
        public var kernel: String
        public var isa: ISA
        public var needs: [String]
        public var inputLayout: Layout
        public var outputLayout: Layout

        /// How error messages name the op: its index and its last Keras layer, or its kind.
        var label: String { "op \(index) (\(layers.last ?? kind))" }
    }

    public init(model: String, tuned: Bool, ops: [Op]) {
        format = KernelPlan.currentFormat
        self.model = model
        self.tuned = tuned
        self.ops = ops
    }

    private enum CodingKeys: String, CodingKey { case format, model, tuned, ops }

    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try! encoder.encode(self)
    }

    /// Decodes a plan (`json()`'s format); `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> KernelPlan {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let plan: KernelPlan
        do {
            plan = try decoder.decode(KernelPlan.self, from: data)
        } catch {
            throw PlanError(source: source, op: nil, reason: "not a kernel plan: \(error)")
        }
        guard plan.format == currentFormat else {
            throw PlanError(source: source, op: nil, reason: "plan format \(plan.format), this build reads format \(currentFormat)")
        }
        return plan
    }

    public static func load(path: String) throws -> KernelPlan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanError(source: path, op: nil, reason: "cannot read the file")
        }
        return try decode(data, source: path)
    }
}

/// A plan that cannot run: names the plan, the op and why.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public let source: String
    public let op: String?
    public let reason: String
    public var description: String {
        op.map { "\(source): \($0): \(reason)" } ?? "\(source): \(reason)"
    }
}
