import Foundation
import KerasIO
import Tensor

/// How one block of a network compares with Keras on a fixture.
public struct LayerComparison: Codable, Sendable {
    public let network: String
    /// The Keras layer whose fixture output is compared ("output" for the model's final output).
    public let layer: String
    /// Every Keras layer the block covers (folded BN, fused activation, merged padding/reshape).
    public let covers: [String]
    public let kernel: String
    public let shape: [Int]
    public let maxAbsReference: Float
    public let worstAbsError: Float
    /// max over elements of |ours − keras| / max(|keras|, floor), floor = floorFraction · maxAbsReference.
    public let worstRelError: Float
    public let passed: Bool
}

/// Compares a network's blocks with the layer outputs in a fixture file (`input`, `output`, `layers/<name>`).
///
/// The rule: an element passes when |ours − keras| ≤ tolerance · max(|keras|, floor), where floor is
/// `floorFraction` × the largest |keras| value of that layer (over all fixture inputs). So values near
/// the layer's scale are held to the relative tolerance, and values near zero to an absolute
/// tolerance of tolerance × floor.
public struct NetworkVerifier {
    public var tolerance: Float = 1e-4
    public var floorFraction: Float = 1e-2

    public init(tolerance: Float = 1e-4, floorFraction: Float = 1e-2) {
        self.tolerance = tolerance
        self.floorFraction = floorFraction
    }

    public func verify(_ network: Network, fixture: HDF5File) throws -> [LayerComparison] {
        let (inputShape, inputs) = try fixture.floatDataset("input")
        guard inputShape.count == network.inputShape.count + 1, Array(inputShape.dropFirst()) == network.inputShape else {
            throw HDF5Error(file: fixture.path, object: "input",
                            reason: "shape \(inputShape), expected (N, \(network.inputShape.map(String.init).joined(separator: ", ")))")
        }
        let n = inputShape[0], per = network.inputShape.reduce(1, *)
        var recorded: [[[Float]]] = []   // [sample][block][values]
        var finals: [[Float]] = []
        for s in 0..<n {
            let x = Array(inputs[(s * per)..<((s + 1) * per)])
            recorded.append(network.predictRecordingBlocks(x))
            finals.append(network.predict(x))
        }
        var results: [LayerComparison] = []
        for (b, block) in network.blocks.enumerated() {
            guard let layer = block.comparedLayer else { continue }
            let path = "layers/\(layer)"
            let (refShape, reference) = try fixture.floatDataset(path)
            let count = block.outputShape.reduce(1, *)
            guard refShape.first == n, reference.count == n * count else {
                throw HDF5Error(file: fixture.path, object: path, reason: "shape \(refShape), expected \(n) × \(block.outputShape)")
            }
            var ours = recorded.flatMap { $0[b] }
            if let head = network.softmaxHead, let h = block.kerasLayers.firstIndex(of: head) {
                // The block computes the logits; Keras's layer before the softmax head has them as they are.
                if h > 0, fixture.exists("layers/\(block.kerasLayers[h - 1])") {
                    let before = block.kerasLayers[h - 1]
                    let (_, logits) = try fixture.floatDataset("layers/\(before)")
                    if logits.count == ours.count {
                        results.append(compare(network.name, before, block.kerasLayers, block.kernel, block.outputShape, ours, logits))
                    }
                }
                ours = Self.softmax(ours, last: block.outputShape.last ?? 1)
            }
            results.append(compare(network.name, layer, block.kerasLayers, block.kernel, block.outputShape, ours, reference))
        }
        let (outShape, outRef) = try fixture.floatDataset("output")
        guard outRef.count == n * network.outputCount else {
            throw HDF5Error(file: fixture.path, object: "output", reason: "shape \(outShape), expected \(n) × \(network.outputCount)")
        }
        // The network yields logits; Keras's output is their softmax when the model ends in one.
        let outputs = network.softmaxHead == nil ? finals.flatMap { $0 } : Self.softmax(finals.flatMap { $0 }, last: outShape.last ?? 1)
        results.append(compare(network.name, "output", [], "predict", [network.outputCount], outputs, outRef))
        return results
    }

    /// Softmax over groups of `last` values (the Softmax kernel the network leaves out of its head).
    static func softmax(_ values: [Float], last: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        let layer = Softmax(shape: [values.count / max(last, 1), last])
        values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                var none: Float = 0
                layer.forward(x.baseAddress!, y.baseAddress!, scratch: &none)
            }
        }
        return out
    }

    func compare(_ network: String, _ layer: String, _ covers: [String], _ kernel: String, _ shape: [Int],
                 _ ours: [Float], _ reference: [Float]) -> LayerComparison {
        let maxAbs = reference.reduce(Float(0)) { max($0, abs($1)) }
        let floor = max(floorFraction * maxAbs, .leastNormalMagnitude)
        var worstAbs: Float = 0, worstRel: Float = 0
        for (a, b) in zip(ours, reference) {
            let d = abs(a - b)
            worstAbs = max(worstAbs, d.isNaN ? .infinity : d)
            worstRel = max(worstRel, d.isNaN ? .infinity : d / max(abs(b), floor))
        }
        let passed = ours.count == reference.count && worstRel <= tolerance
        return LayerComparison(network: network, layer: layer, covers: covers, kernel: kernel, shape: shape,
                               maxAbsReference: maxAbs, worstAbsError: worstAbs, worstRelError: worstRel, passed: passed)
    }
}
