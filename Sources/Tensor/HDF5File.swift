import CHDF5
import Foundation

/// An error reading an HDF5 file; the message names the file and the object.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let object: String
    public let reason: String
    public init(file: String, object: String, reason: String) {
        self.file = file
        self.object = object
        self.reason = reason
    }
    public var description: String {
        object.isEmpty ? "\(file): \(reason)" : "\(file): \(object): \(reason)"
    }
}

/// The serial HDF5 library is not thread-safe: every call into it goes through this one lock.
private let hdf5Lock = NSRecursiveLock()

/// Runs `body` holding the HDF5 lock, with HDF5's automatic error printing turned off (the error stack
/// and its printing setting are per thread in Debian's build, so this is done on every entry; it is cheap).
private func withHDF5<T>(_ body: () throws -> T) rethrows -> T {
    hdf5Lock.lock()
    defer { hdf5Lock.unlock() }
    _ = H5Eset_auto2(0 /* H5E_DEFAULT */, nil, nil)
    return try body()
}

/// A read-only HDF5 file: float datasets, groups, and string attributes (as h5py and Keras write them).
public final class HDF5File: @unchecked Sendable {
    public let path: String
    private let fileID: hid_t

    public init(path: String) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error(file: path, object: "", reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw HDF5Error(file: path, object: "", reason: "is a directory, expected an HDF5 file")
        }
        let id: hid_t = withHDF5 {
            guard H5Fis_hdf5(path) > 0 else { return -1 }
            return H5Fopen(path, kws_h5f_acc_rdonly(), kws_h5p_default())
        }
        guard id >= 0 else {
            throw HDF5Error(file: path, object: "", reason: "not a readable HDF5 file (truncated or another format)")
        }
        fileID = id
    }

    deinit {
        withHDF5 { _ = H5Fclose(fileID) }
    }

    private func fail(_ object: String, _ reason: String) -> HDF5Error {
        HDF5Error(file: path, object: object, reason: reason)
    }

    /// Whether a group or dataset exists at `objectPath` (every intermediate link is checked).
    public func exists(_ objectPath: String) -> Bool {
        withHDF5 {
            let parts = objectPath.split(separator: "/").map(String.init)
            if parts.isEmpty { return true }
            var prefix = ""
            for part in parts {
                prefix += "/" + part
                guard H5Lexists(fileID, prefix, kws_h5p_default()) > 0 else { return false }
                guard H5Oexists_by_name(fileID, prefix, kws_h5p_default()) > 0 else { return false }
            }
            return true
        }
    }

    /// The member names of a group, sorted.
    public func children(of group: String) throws -> [String] {
        try withHDF5 {
            guard exists(group) else { throw fail(group, "no such group") }
            let gid = H5Gopen2(fileID, group, kws_h5p_default())
            guard gid >= 0 else { throw fail(group, "not a group") }
            defer { H5Gclose(gid) }
            var info = H5G_info_t()
            guard H5Gget_info(gid, &info) >= 0 else { throw fail(group, "cannot read group info") }
            var names: [String] = []
            for i in 0..<info.nlinks {
                let n = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, kws_h5p_default())
                guard n >= 0 else { throw fail(group, "cannot read member \(i)") }
                var buffer = [CChar](repeating: 0, count: Int(n) + 1)
                _ = H5Lget_name_by_idx(gid, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, Int(n) + 1, kws_h5p_default())
                names.append(String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names.sorted()
        }
    }

    /// The shape of a dataset.
    public func datasetShape(_ path: String) throws -> [Int] {
        try withHDF5 {
            let did = try openDataset(path)
            defer { H5Dclose(did) }
            return try shape(of: did, path)
        }
    }

    /// A dataset read as Float32 (HDF5 converts from the stored numeric type), row-major.
    public func floatDataset(_ path: String) throws -> (shape: [Int], values: [Float]) {
        try withHDF5 {
            let did = try openDataset(path)
            defer { H5Dclose(did) }
            let type = H5Dget_type(did)
            defer { H5Tclose(type) }
            let typeClass = H5Tget_class(type)
            guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
                throw fail(path, "expected a numeric dataset")
            }
            let dims = try shape(of: did, path)
            let count = dims.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            if count > 0 {
                let status = values.withUnsafeMutableBytes {
                    H5Dread(did, kws_h5t_native_float(), kws_h5s_all(), kws_h5s_all(), kws_h5p_default(), $0.baseAddress)
                }
                guard status >= 0 else { throw fail(path, "cannot read the data (truncated file?)") }
            }
            return (dims, values)
        }
    }

    /// A scalar string attribute (variable- or fixed-length); a one-element string array is accepted too.
    public func stringAttribute(_ name: String, of object: String = "/") throws -> String {
        let list = try stringListAttribute(name, of: object)
        guard list.count == 1 else {
            throw fail(object, "attribute '\(name)' holds \(list.count) strings, expected one")
        }
        return list[0]
    }

    /// A string attribute as a list: arrays of fixed- or variable-length strings, or a scalar string.
    public func stringListAttribute(_ name: String, of object: String = "/") throws -> [String] {
        try withHDF5 {
            guard exists(object) else { throw fail(object, "no such object") }
            guard H5Aexists_by_name(fileID, object, name, kws_h5p_default()) > 0 else {
                throw fail(object, "no attribute '\(name)'")
            }
            let aid = H5Aopen_by_name(fileID, object, name, kws_h5p_default(), kws_h5p_default())
            guard aid >= 0 else { throw fail(object, "cannot open attribute '\(name)'") }
            defer { H5Aclose(aid) }
            let fileType = H5Aget_type(aid)
            defer { H5Tclose(fileType) }
            guard H5Tget_class(fileType) == H5T_STRING else {
                throw fail(object, "attribute '\(name)' is not a string")
            }
            let space = H5Aget_space(aid)
            defer { H5Sclose(space) }
            let count = Int(H5Sget_simple_extent_npoints(space))
            guard count >= 0 else { throw fail(object, "attribute '\(name)': bad dataspace") }
            if count == 0 { return [] }

            let memType = H5Tcopy(kws_h5t_c_s1())
            defer { H5Tclose(memType) }
            _ = H5Tset_cset(memType, H5Tget_cset(fileType))

            if H5Tis_variable_str(fileType) > 0 {
                _ = H5Tset_size(memType, kws_h5t_variable())
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
                let status = pointers.withUnsafeMutableBytes { H5Aread(aid, memType, $0.baseAddress) }
                guard status >= 0 else { throw fail(object, "cannot read attribute '\(name)'") }
                let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
                _ = pointers.withUnsafeMutableBytes {
                    H5Dvlen_reclaim(memType, space, kws_h5p_default(), $0.baseAddress)
                }
                return strings
            } else {
                let size = H5Tget_size(fileType)
                _ = H5Tset_size(memType, size)
                _ = H5Tset_strpad(memType, H5T_STR_NULLPAD)
                var bytes = [UInt8](repeating: 0, count: count * size)
                let status = bytes.withUnsafeMutableBytes { H5Aread(aid, memType, $0.baseAddress) }
                guard status >= 0 else { throw fail(object, "cannot read attribute '\(name)'") }
                return (0..<count).map { i in
                    let slice = bytes[(i * size)..<((i + 1) * size)]
                    let end = slice.firstIndex(of: 0) ?? slice.endIndex
                    return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
                }
            }
        }
    }

    /// A string attribute holding JSON (Keras' `model_config`, the fixtures' `layer_names`), parsed.
    public func jsonAttribute(_ name: String, of object: String = "/") throws -> Any {
        let text = try stringAttribute(name, of: object)
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw fail(object, "attribute '\(name)' is not valid JSON")
        }
    }

    /// The names of an object's attributes, sorted.
    public func attributeNames(of object: String = "/") throws -> [String] {
        try withHDF5 {
            guard exists(object) else { throw fail(object, "no such object") }
            let oid = H5Oopen(fileID, object, kws_h5p_default())
            guard oid >= 0 else { throw fail(object, "cannot open") }
            defer { H5Oclose(oid) }
            let n = H5Aget_num_attrs(oid)
            var names: [String] = []
            for i in 0..<max(0, Int(n)) {
                let aid = H5Aopen_by_idx(oid, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), kws_h5p_default(), kws_h5p_default())
                guard aid >= 0 else { continue }
                defer { H5Aclose(aid) }
                let len = H5Aget_name(aid, 0, nil)
                var buffer = [CChar](repeating: 0, count: Int(len) + 1)
                _ = H5Aget_name(aid, Int(len) + 1, &buffer)
                names.append(String(decoding: buffer.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names.sorted()
        }
    }

    // MARK: - helpers (called with the lock held)

    private func openDataset(_ path: String) throws -> hid_t {
        guard exists(path) else { throw fail(path, "no such dataset") }
        let oid = H5Oopen(fileID, path, kws_h5p_default())
        guard oid >= 0 else { throw fail(path, "cannot open") }
        let kind = H5Iget_type(oid)
        H5Oclose(oid)
        guard kind == H5I_DATASET else { throw fail(path, "not a dataset (a group?)") }
        let did = H5Dopen2(fileID, path, kws_h5p_default())
        guard did >= 0 else { throw fail(path, "cannot open dataset") }
        return did
    }

    private func shape(of did: hid_t, _ path: String) throws -> [Int] {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw fail(path, "cannot read the dataspace") }
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw fail(path, "cannot read the rank") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { _ = H5Sget_simple_extent_dims(space, &dims, nil) }
        return dims.map { Int($0) }
    }
}
