/// A shape and contiguous Float32 storage, row-major (NHWC for images). Copy-on-write: `reshaped` and
/// passing a tensor around share the storage; only a mutation copies.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "Tensor: shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { values.count }

    /// The same storage under another shape with the same element count (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, values: values)
    }

    /// Element `index` of a row-major multi-index.
    public subscript(_ index: Int...) -> Float {
        get { values[offset(index)] }
        set { values[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "Tensor: index rank \(index.count) for shape \(shape)")
        var o = 0
        for (i, d) in zip(index, shape) { o = o * d + i }
        return o
    }
}
