import Foundation
import Layers

extension ModelZoo {
    /// The packed model of network `name` for `target` (a `CPUFeatures.target` name): its steps planned for
    /// that CPU class, with the manifest's labels and feature recipe, and for a listening network (one with
    /// `_silence_`/`_unknown_` classes) the `listen` defaults as its detector.
    public func pack(_ name: String, target: String) throws -> PackedModelDescription {
        guard let cpu = CPUFeatures.target(target) else {
            throw ZooError("unknown target '\(target)' (known: \(CPUFeatures.targetNames.joined(separator: ", ")))")
        }
        let e = try entry(name)
        let path = (weightsDirectory as NSString).appendingPathComponent(e.file)
        let network = try Packer.network(kerasFile: path, target: cpu)
        guard network.inputShape == e.inputShape else {
            throw ZooError("\(path): the network takes \(network.inputShape), the manifest says \(e.inputShape)")
        }
        let labels = e.labels ?? self.labels
        let listening = labels.contains { $0.hasPrefix("_") }
        return PackedModelDescription(
            name: name, target: target, labels: labels, features: e.features,
            detector: listening ? PackedDetector(hopMs: DetectorSettings.listenDefaultHopMs, settings: .listenDefault) : nil,
            inputShape: network.inputShape, steps: network.steps)
    }

    /// Whether `model` names a packed model file rather than a network of the manifest.
    public static func isPack(_ model: String) -> Bool { model.hasSuffix(PackFile.fileExtension) }

    /// A spotter running the packed model in the file at `path` as a device does: its layers and its own
    /// feature extractor (DSP's FFT).
    public static func packedSpotter(path: String) throws -> KeywordSpotter {
        guard let data = FileManager.default.contents(atPath: path) else { throw ZooError("\(path): cannot read the file") }
        let packed: PackedModel
        do {
            packed = try data.withUnsafeBytes { (b: UnsafeRawBufferPointer) throws(PackError) in try PackedModel(bytes: b) }
        } catch {
            throw ZooError("\(path): \(error)")
        }
        return try KeywordSpotter(name: packed.name, network: Network(packed: packed, sourceFile: path), spec: packed.features,
                                  labels: packed.labels, extractor: packed.extractor)
    }
}
