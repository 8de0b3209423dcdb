import Foundation
import Layers
import Tensor

/// Tests/Resources/<name>, found from this file's path (the test targets declare no resources).
func resource(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources").appendingPathComponent(name).path
}

/// A small deterministic generator (Tensor's SplitMix64) so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
    var base: SplitMix64
    init(_ seed: UInt64) { base = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { base.next() }
    mutating func floats(_ n: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<n).map { _ in Float.random(in: range, using: &self) }
    }
}

/// Largest |a − b| / max(|b|, floor), floor = 1e-2 · max|b|: the rule verify uses. Float32 kernels against
/// double-accumulating references land around 1e-6…1e-5 by it; an indexing bug gives O(1).
func worstRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    let scale = b.reduce(Float(0)) { max($0, abs($1)) }
    let floor = max(scale * 1e-2, 1e-30)
    return zip(a, b).reduce(Float(0)) { max($0, abs($1.0 - $1.1) / max(abs($1.1), floor)) }
}

/// Runs a single layer on an input array (allocating; for tests). A layer writing a blocked layout returns
/// its whole storage (`Layer.outputStorageCount`).
func run(_ layer: any Layer, _ input: [Float]) -> [Float] {
    var out = [Float](repeating: .nan, count: layer.outputStorageCount)
    var scratch = [Float](repeating: .nan, count: max(layer.scratchCount, 1))
    input.withUnsafeBufferPointer { i in
        out.withUnsafeMutableBufferPointer { o in
            scratch.withUnsafeMutableBufferPointer { s in layer.forward(i.baseAddress!, o.baseAddress!, scratch: s.baseAddress!) }
        }
    }
    return out
}
