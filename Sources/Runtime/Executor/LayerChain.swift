import Tensor

/// Runs a chain of layers, one kernel each, with every buffer allocated once: two ping-pong activation
/// buffers sized for the largest output and one scratch buffer for the largest need. The one run loop of the
/// project: the desktop's `Network` (a Keras file, planned) and a packed model (`PackedModel`) both run
/// through it. `predict` allocates nothing. Not thread-safe: one chain per thread.
public final class LayerChain {
    public let layers: [any Layer]
    public let inputCount: Int
    public let outputCount: Int
    /// For each step, where it reads and writes: 0 = the caller's input, 1 = buffer A, 2 = buffer B. A
    /// shape-only step (`Layer.isIdentity`) reads and "writes" the same buffer.
    public let route: [(source: Int, destination: Int)]
    /// 64-byte aligned (`AlignedFloats`), so a layer whose channel count is a multiple of 16 loads whole
    /// cache lines.
    private let storage: [AlignedFloats]
    private let bufferA: UnsafeMutablePointer<Float>
    private let bufferB: UnsafeMutablePointer<Float>
    private let scratch: UnsafeMutablePointer<Float>
    private let finalBuffer: Int

    public init(inputCount: Int, layers: [any Layer]) {
        self.layers = layers
        self.inputCount = inputCount
        outputCount = layers.last?.outputShape.reduce(1, *) ?? inputCount
        var route: [(source: Int, destination: Int)] = []
        var current = 0
        for layer in layers {
            if layer.isIdentity {
                route.append((current, current))
            } else {
                let next = current == 1 ? 2 : 1
                route.append((current, next))
                current = next
            }
        }
        self.route = route
        finalBuffer = current
        var bufferCount = 1, scratchCount = 1
        for layer in layers {
            bufferCount = max(bufferCount, layer.outputStorageCount)
            scratchCount = max(scratchCount, layer.scratchCount)
        }
        storage = [AlignedFloats(zeros: bufferCount), AlignedFloats(zeros: bufferCount), AlignedFloats(zeros: scratchCount)]
        bufferA = storage[0].pointer
        bufferB = storage[1].pointer
        scratch = storage[2].pointer
    }

    /// Floats of activation and scratch memory the chain holds (two activation buffers and the scratch).
    public var workingFloats: Int { storage.reduce(0) { $0 + $1.count } }

    @inline(__always)
    public func buffer(_ id: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        id == 0 ? input : UnsafePointer(id == 1 ? bufferA : bufferB)
    }

    /// Runs step `i` (reading its source, writing its destination); a shape-only step does nothing.
    /// Returns where the step's output is.
    @inline(__always)
    public func runStep(_ i: Int, input x: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let (s, d) = route[i]
        if s != d { layers[i].forward(buffer(s, input: x), d == 1 ? bufferA : bufferB, scratch: scratch) }
        return buffer(d, input: x)
    }

    /// Runs one input (inputCount floats) into `output` (outputCount floats). Allocation-free.
    public func predict(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        for i in 0..<layers.count { _ = runStep(i, input: input) }
        output.update(from: buffer(finalBuffer, input: input), count: outputCount)
    }
}
