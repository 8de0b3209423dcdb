import KerasIO

/// The one place the Keras reader touches a storage format: KerasIO's `KerasModelFile`, which reads a
/// legacy Keras `.h5` or a Keras 3 `.keras` (told apart by their first bytes) and gives the model's config
/// and each layer's variables.
protocol KerasSource {
    var path: String { get }
    /// The `model_config` JSON.
    func modelConfig() throws -> String
    /// The variables of layer `name`, keyed by their short name (kernel, bias, gamma, …); empty when the
    /// layer has none.
    func weights(ofLayer name: String) throws -> [String: KerasWeight]
}

/// A Keras model file through KerasIO, with its errors as `KerasLoadError`s.
struct KerasFileSource: KerasSource {
    let path: String
    let file: any KerasModelSource

    init(path: String) throws {
        self.path = path
        do {
            file = try KerasModelFile.open(path: path)
        } catch let e as KerasFileError {
            throw KerasLoadError(file: path, layer: e.layer, reason: e.reason)
        }
    }

    func modelConfig() throws -> String { file.modelConfigJSON }

    func weights(ofLayer name: String) throws -> [String: KerasWeight] {
        do {
            return Dictionary(try file.weights(ofLayer: name).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        } catch let e as KerasFileError {
            throw KerasLoadError(file: path, layer: name, reason: e.reason)
        }
    }
}
