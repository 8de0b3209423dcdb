import Tensor

/// The one place the Keras reader touches a storage format: the model's `model_config` JSON and each
/// layer's variables, from a Keras `.h5` through `HDF5File`. (Another container, such as Keras 3's `.keras`
/// zip, is another conformer of `KerasSource`.)
protocol KerasSource {
    var path: String { get }
    /// The `model_config` JSON.
    func modelConfig() throws -> String
    /// The variables of layer `name`, keyed by their short name (kernel, bias, gamma, …); empty when the
    /// layer has none.
    func weights(ofLayer name: String) throws -> [String: KerasWeight]
}

/// One stored variable of a layer.
public struct KerasWeight: Sendable {
    public let path: String
    public let shape: [Int]
    public let values: [Float]
}

/// A Keras 3 (or 2) `.h5`: `model_config` as a root attribute, variables at `model_weights/<layer>/…`, found
/// through the layer group's `weight_names`.
struct KerasH5Source: KerasSource {
    let path: String
    let file: HDF5File

    init(path: String) throws {
        self.path = path
        do {
            file = try HDF5File(path: path)
        } catch let e as HDF5Error {
            throw KerasLoadError(file: path, layer: "", reason: e.reason)
        }
    }

    func modelConfig() throws -> String {
        do {
            return try file.stringAttribute("model_config")
        } catch {
            throw KerasLoadError(file: path, layer: "", reason: "no readable 'model_config' attribute: not a Keras .h5 model file (\(error))")
        }
    }

    func weights(ofLayer name: String) throws -> [String: KerasWeight] {
        let group = "model_weights/\(name)"
        guard file.exists(group) else { return [:] }
        let names = (try? file.stringListAttribute("weight_names", of: group)) ?? []
        var tensors: [String: KerasWeight] = [:]
        for n in names {
            let path = "\(group)/\(n)"
            let key = String((n.split(separator: "/").last ?? "").replacingOccurrences(of: ":0", with: ""))
            do {
                let (shape, values) = try file.floatDataset(path)
                tensors[key] = KerasWeight(path: path, shape: shape, values: values)
            } catch let e as HDF5Error {
                throw KerasLoadError(file: self.path, layer: name, reason: "weight dataset '\(path)': \(e.reason)")
            }
        }
        return tensors
    }
}
