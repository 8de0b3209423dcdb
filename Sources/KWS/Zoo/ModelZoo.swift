import Foundation
import Layers

/// The networks named in `weights/manifest.json`, each loadable with its feature extractor.
public struct ModelZoo: Sendable {
    public let weightsDirectory: String
    public let manifest: Manifest

    /// - Parameter references: decode the manifest's per-clip Keras reference results too (see `Manifest.load`);
    ///   commands that only run networks pass `false`.
    public init(weightsDirectory: String = "weights", references: Bool = true) throws {
        self.weightsDirectory = weightsDirectory
        manifest = try Manifest.load(path: (weightsDirectory as NSString).appendingPathComponent("manifest.json"),
                                     references: references)
        guard !manifest.labels.isEmpty else { throw ZooError("\(weightsDirectory)/manifest.json: no labels") }
    }

    public var labels: [String] { manifest.labels }
    public var networkNames: [String] { manifest.networks.map(\.name) }

    public func entry(_ name: String) throws -> Manifest.Network {
        guard let e = manifest.network(name) else {
            throw ZooError("no network '\(name)' in \(weightsDirectory)/manifest.json (it has: \(networkNames.joined(separator: ", ")))")
        }
        return e
    }

    /// Loads the network `name` from its Keras file and pairs it with its feature extractor.
    /// Each call loads a fresh, independent spotter (spotters are not thread-safe). `options` are the
    /// loader's (e.g. `tuneKernels: false` for one-shot commands, where timing kernels costs more than it saves).
    /// A name ending in `.kwspack` is a packed model's file (`kws-native pack`), run as packed.
    public func spotter(_ name: String, options: LoadOptions = .init()) throws -> KeywordSpotter {
        if ModelZoo.isPack(name) { return try ModelZoo.packedSpotter(path: name) }
        let e = try entry(name)
        let path = (weightsDirectory as NSString).appendingPathComponent(e.file)
        let network = try Network.load(kerasFile: path, options: options)
        guard network.inputShape == e.inputShape else {
            throw ZooError("\(path): the network takes \(network.inputShape), the manifest says \(e.inputShape)")
        }
        // The manifest's parameter count identifies the file: another network's .h5 copied in its place
        // (same input shape, other weights) is refused here rather than served under the wrong name.
        if let params = e.params, params != network.parameterCount {
            throw ZooError("\(path): the file holds \(network.parameterCount) parameters, the manifest says \(params) for '\(name)' (a different network's file?)")
        }
        return try KeywordSpotter(name: name, network: network, spec: e.features, labels: e.labels ?? labels)
    }
}
