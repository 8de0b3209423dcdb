import Foundation

/// What a reader of HDF5 files offers: groups, numeric datasets as Float32 and string attributes. The fast
/// reader (`HDF5FastReader`) and libhdf5 (`LibHDF5File`) both do, and `HDF5File` puts the one before the other.
public protocol HDF5Reading: AnyObject {
    var path: String { get }
    /// Whether a group or dataset exists at `objectPath` (every intermediate link is checked).
    func exists(_ objectPath: String) -> Bool
    /// The member names of a group, sorted.
    func children(of group: String) throws -> [String]
    /// The shape of a dataset.
    func datasetShape(_ path: String) throws -> [Int]
    /// A dataset read as Float32 (converted from the stored integer or floating type), row-major.
    func floatDataset(_ path: String) throws -> (shape: [Int], values: [Float])
    /// A string attribute as a list: arrays of fixed- or variable-length strings, or a scalar string.
    func stringListAttribute(_ name: String, of object: String) throws -> [String]
    /// The names of an object's attributes, sorted.
    func attributeNames(of object: String) throws -> [String]
}

extension HDF5Reading {
    /// A scalar string attribute (variable- or fixed-length); a one-element string array is accepted too.
    public func stringAttribute(_ name: String, of object: String = "/") throws -> String {
        let list = try stringListAttribute(name, of: object)
        guard list.count == 1 else {
            throw HDF5Error(file: path, object: object, reason: "attribute '\(name)' holds \(list.count) strings, expected one")
        }
        return list[0]
    }

    /// A string attribute holding JSON (Keras' `model_config`, the fixtures' `layer_names`), parsed.
    public func jsonAttribute(_ name: String, of object: String = "/") throws -> Any {
        let text = try stringAttribute(name, of: object)
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw HDF5Error(file: path, object: object, reason: "attribute '\(name)' is not valid JSON")
        }
    }
}
