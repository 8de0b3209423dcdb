#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// libhdf5 (1.10 or later: 64-bit identifiers), opened with dlopen the first time a file needs it. Only the C
/// entry points used here are resolved, typed by hand from hdf5.h (hid_t int64, herr_t/htri_t int, hsize_t
/// uint64). The serial library is not thread-safe: every call goes through `LibHDF5.lock`.
enum LibHDF5 {
    typealias HID = Int64
    typealias Open = @convention(c) () -> Int32
    typealias Version = @convention(c) (UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<UInt32>?) -> Int32
    typealias SetAuto = @convention(c) (HID, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
    typealias Print = @convention(c) (HID, UnsafeMutablePointer<FILE>?) -> Int32
    typealias FileOpen = @convention(c) (UnsafePointer<CChar>?, UInt32, HID) -> HID
    typealias ByName = @convention(c) (HID, UnsafePointer<CChar>?, HID) -> HID
    typealias Close = @convention(c) (HID) -> Int32
    typealias GetID = @convention(c) (HID) -> HID
    typealias Kind = @convention(c) (HID) -> Int32
    typealias NameByIndex = @convention(c) (HID, UnsafePointer<CChar>?, Int32, Int32, UInt64, UnsafeMutablePointer<CChar>?, Int, HID) -> Int
    typealias Dims = @convention(c) (HID, UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<UInt64>?) -> Int32
    typealias Points = @convention(c) (HID) -> Int64
    typealias Read = @convention(c) (HID, HID, HID, HID, HID, UnsafeMutableRawPointer?) -> Int32
    typealias AttrRead = @convention(c) (HID, HID, UnsafeMutableRawPointer?) -> Int32
    typealias Exists = @convention(c) (HID, UnsafePointer<CChar>?) -> Int32
    typealias Size = @convention(c) (HID) -> Int
    typealias SetSize = @convention(c) (HID, Int) -> Int32
    typealias SetCset = @convention(c) (HID, Int32) -> Int32
    typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    struct Functions: @unchecked Sendable {
        let library: String
        let setAuto: SetAuto, printErrors: Print
        let fopen: FileOpen, fclose: Close
        let oopen: ByName, oclose: Close, itype: Kind
        let linkName: NameByIndex, attrName: NameByIndex
        let dspace: GetID, dtype: GetID, dread: Read
        let aexists: Exists, aopen: ByName, aspace: GetID, atype: GetID, aread: AttrRead, aclose: Close
        let sclass: Kind, sndims: Kind, sdims: Dims, spoints: Points, sclose: Close
        let tclass: Kind, tsize: Size, tvariable: Kind, tcset: Kind, tcopy: GetID, tsetSize: SetSize, tsetCset: SetCset, tclose: Close
        let free: Free
        /// H5T_NATIVE_FLOAT and H5T_C_S1, read from the library's globals after H5open.
        let nativeFloat: HID, cString: HID
    }

    /// Library file names tried in order: Debian's serial build first. `KWS_LIBHDF5` names another.
    static var candidates: [String] {
        if let own = ProcessInfo.processInfo.environment["KWS_LIBHDF5"], !own.isEmpty { return [own] }
        return ["libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5_serial.so", "libhdf5.so", "libhdf5.dylib"]
    }

    /// The entry points, or why libhdf5 cannot be used; resolved once, thread-safely.
    static let loaded: Result<Functions, HDF5LibraryMissing> = load(candidates)

    static let lock = NSLock()

    struct HDF5LibraryMissing: Error { let reason: String }

    static func load(_ names: [String]) -> Result<Functions, HDF5LibraryMissing> {
        let (opened, error) = SharedLibrary.open(names)
        guard let lib = opened else {
            return .failure(HDF5LibraryMissing(reason: "libhdf5 cannot be opened (\(error)); install Debian's libhdf5-dev "
                + "(or libhdf5-103-1), or name the library in KWS_LIBHDF5"))
        }
        var missing = MissingSymbols()
        let open = lib.require("H5open", Open.self, &missing)
        let version = lib.require("H5get_libversion", Version.self, &missing)
        guard missing.names.isEmpty else { return .failure(HDF5LibraryMissing(reason: "\(lib.name) is not libhdf5 (no H5open)")) }
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        guard open() >= 0, version(&major, &minor, &release) >= 0, (major, minor) >= (1, 10) else {
            return .failure(HDF5LibraryMissing(reason: "\(lib.name) is libhdf5 \(major).\(minor).\(release); 1.10 or later is needed"))
        }
        guard let float = lib.variable("H5T_NATIVE_FLOAT_g"), let s1 = lib.variable("H5T_C_S1_g") else {
            return .failure(HDF5LibraryMissing(reason: "\(lib.name) lacks H5T_NATIVE_FLOAT_g or H5T_C_S1_g"))
        }
        let f = Functions(
            library: lib.name,
            setAuto: lib.require("H5Eset_auto2", SetAuto.self, &missing), printErrors: lib.require("H5Eprint2", Print.self, &missing),
            fopen: lib.require("H5Fopen", FileOpen.self, &missing), fclose: lib.require("H5Fclose", Close.self, &missing),
            oopen: lib.require("H5Oopen", ByName.self, &missing), oclose: lib.require("H5Oclose", Close.self, &missing),
            itype: lib.require("H5Iget_type", Kind.self, &missing),
            linkName: lib.require("H5Lget_name_by_idx", NameByIndex.self, &missing),
            attrName: lib.require("H5Aget_name_by_idx", NameByIndex.self, &missing),
            dspace: lib.require("H5Dget_space", GetID.self, &missing), dtype: lib.require("H5Dget_type", GetID.self, &missing),
            dread: lib.require("H5Dread", Read.self, &missing),
            aexists: lib.require("H5Aexists", Exists.self, &missing), aopen: lib.require("H5Aopen", ByName.self, &missing),
            aspace: lib.require("H5Aget_space", GetID.self, &missing), atype: lib.require("H5Aget_type", GetID.self, &missing),
            aread: lib.require("H5Aread", AttrRead.self, &missing), aclose: lib.require("H5Aclose", Close.self, &missing),
            sclass: lib.require("H5Sget_simple_extent_type", Kind.self, &missing),
            sndims: lib.require("H5Sget_simple_extent_ndims", Kind.self, &missing),
            sdims: lib.require("H5Sget_simple_extent_dims", Dims.self, &missing),
            spoints: lib.require("H5Sget_simple_extent_npoints", Points.self, &missing),
            sclose: lib.require("H5Sclose", Close.self, &missing),
            tclass: lib.require("H5Tget_class", Kind.self, &missing), tsize: lib.require("H5Tget_size", Size.self, &missing),
            tvariable: lib.require("H5Tis_variable_str", Kind.self, &missing), tcset: lib.require("H5Tget_cset", Kind.self, &missing),
            tcopy: lib.require("H5Tcopy", GetID.self, &missing), tsetSize: lib.require("H5Tset_size", SetSize.self, &missing),
            tsetCset: lib.require("H5Tset_cset", SetCset.self, &missing), tclose: lib.require("H5Tclose", Close.self, &missing),
            free: lib.require("H5free_memory", Free.self, &missing),
            nativeFloat: float.load(as: HID.self), cString: s1.load(as: HID.self))
        guard missing.names.isEmpty else {
            return .failure(HDF5LibraryMissing(reason: "\(lib.name) lacks \(missing.names.joined(separator: ", ")) (libhdf5 1.10 or later is needed)"))
        }
        return .success(f)
    }
}

/// An HDF5 file read through libhdf5: what `HDF5File` uses for the parts of the format the fast reader does not
/// cover. Same answers as `HDF5FastReader` where both read a file (the tests compare them on every file here).
public final class LibHDF5File: HDF5Reading, @unchecked Sendable {
    public let path: String
    private let lib: LibHDF5.Functions
    private let file: LibHDF5.HID

    // hdf5.h constants: H5P_DEFAULT, H5S_ALL, H5E_DEFAULT are 0; H5I_GROUP 2, H5I_DATASET 5; H5T_INTEGER 0,
    // H5T_FLOAT 1, H5T_STRING 3; H5S_NULL 2; H5_INDEX_NAME and H5_ITER_INC 0; H5T_VARIABLE is (size_t)-1.
    private static let group: Int32 = 2, dataset: Int32 = 5
    private static let integer: Int32 = 0, float: Int32 = 1, string: Int32 = 3, nullSpace: Int32 = 2

    /// Opens `path` read-only; `fastReaderRefused` (why the fast reader could not read it) goes into the error
    /// when libhdf5 itself is missing.
    public init(path: String, fastReaderRefused: String = "") throws {
        self.path = path
        switch LibHDF5.loaded {
        case .failure(let missing):
            let why = fastReaderRefused.isEmpty ? "" : "the built-in reader does not read this file (\(fastReaderRefused)), and "
            throw HDF5Error(file: path, object: "", reason: why + missing.reason)
        case .success(let f):
            lib = f
        }
        LibHDF5.lock.lock()
        defer { LibHDF5.lock.unlock() }
        _ = lib.setAuto(0, nil, nil)                        // per thread in a thread-safe build
        let id = lib.fopen(path, 0, 0)                      // H5F_ACC_RDONLY, H5P_DEFAULT
        guard id >= 0 else { throw HDF5Error(file: path, object: "", reason: "libhdf5 cannot open it (\(Self.lastError(lib)))") }
        file = id
    }

    deinit {
        LibHDF5.lock.lock()
        _ = lib.fclose(file)
        LibHDF5.lock.unlock()
    }

    private func fail(_ object: String, _ reason: String) -> HDF5Error { HDF5Error(file: path, object: object, reason: reason) }

    /// The innermost message of libhdf5's error stack ("minor: ..."), for the error this reader throws.
    private func lastError() -> String { Self.lastError(lib) }

    private static func lastError(_ lib: LibHDF5.Functions) -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return "libhdf5 error" }
        _ = lib.printErrors(0, stream)
        fclose(stream)
        defer { free(buffer) }
        let text = buffer.map { String(cString: $0) } ?? ""
        let minors = text.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "minor: ") else { return nil }
            return String(line[r.upperBound...])
        }
        return minors.last ?? "libhdf5 error"
    }

    /// Runs `body` on the object at `objectPath` (opened and closed around it), under the library lock.
    private func withObject<T>(_ objectPath: String, _ missing: String, _ body: (LibHDF5.HID, Int32) throws -> T) throws -> T {
        LibHDF5.lock.lock()
        defer { LibHDF5.lock.unlock() }
        _ = lib.setAuto(0, nil, nil)                        // no error stack on standard error, on this thread too
        let name = objectPath.isEmpty ? "/" : objectPath
        let id = lib.oopen(file, name, 0)
        guard id >= 0 else { throw fail(objectPath, missing) }
        defer { _ = lib.oclose(id) }
        return try body(id, lib.itype(id))
    }

    public func exists(_ objectPath: String) -> Bool {
        (try? withObject(objectPath, "no such object") { _, _ in true }) ?? false
    }

    /// Names by index (links of a group, attributes of an object) until the index runs out.
    private func names(_ id: LibHDF5.HID, _ byIndex: LibHDF5.NameByIndex) -> [String] {
        var out: [String] = []
        var i: UInt64 = 0
        while i < 1_000_000 {
            let length = byIndex(id, ".", 0, 0, i, nil, 0, 0)
            guard length >= 0 else { break }
            var name = [CChar](repeating: 0, count: length + 1)
            _ = byIndex(id, ".", 0, 0, i, &name, length + 1, 0)
            out.append(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            i += 1
        }
        return out.sorted()
    }

    public func children(of group: String) throws -> [String] {
        try withObject(group, "no such group") { id, kind in
            guard kind == Self.group else { throw fail(group, "not a group") }
            return names(id, lib.linkName)
        }
    }

    /// The shape of the dataspace `space` ([0] for a null one, [] for a scalar).
    private func shape(_ space: LibHDF5.HID, _ object: String) throws -> [Int] {
        if lib.sclass(space) == Self.nullSpace { return [0] }
        let rank = lib.sndims(space)
        guard rank >= 0 else { throw fail(object, "libhdf5 cannot read the dataspace (\(lastError()))") }
        var dims = [UInt64](repeating: 0, count: Int(rank))
        guard lib.sdims(space, &dims, nil) >= 0 else { throw fail(object, "libhdf5 cannot read the dataspace (\(lastError()))") }
        return try dims.map { d in
            guard d <= 1 << 40 else { throw fail(object, "dimension \(d) too large") }
            return Int(d)
        }
    }

    private func withDataset<T>(_ path: String, _ body: (LibHDF5.HID, [Int]) throws -> T) throws -> T {
        try withObject(path, "no such dataset") { id, kind in
            guard kind == Self.dataset else { throw fail(path, "not a dataset (a group?)") }
            let space = lib.dspace(id)
            guard space >= 0 else { throw fail(path, "libhdf5 cannot read the dataspace (\(lastError()))") }
            defer { _ = lib.sclose(space) }
            return try body(id, try shape(space, path))
        }
    }

    public func datasetShape(_ path: String) throws -> [Int] { try withDataset(path) { $1 } }

    public func floatDataset(_ path: String) throws -> (shape: [Int], values: [Float]) {
        try withDataset(path) { id, shape in
            let type = lib.dtype(id)
            guard type >= 0 else { throw fail(path, "libhdf5 cannot read the datatype (\(lastError()))") }
            let kind = lib.tclass(type)
            _ = lib.tclose(type)
            guard kind == Self.integer || kind == Self.float else { throw fail(path, "expected a numeric dataset") }
            var count = 1
            for d in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, p <= 1 << 31 else { throw fail(path, "shape \(shape) too large") }
                count = p
            }
            guard count > 0 else { return (shape, []) }
            var values = [Float](repeating: 0, count: count)
            let status = values.withUnsafeMutableBytes { lib.dread(id, lib.nativeFloat, 0, 0, 0, $0.baseAddress) }
            guard status >= 0 else { throw fail(path, "libhdf5 cannot read the data (\(lastError()))") }
            return (shape, values)
        }
    }

    public func stringListAttribute(_ name: String, of object: String = "/") throws -> [String] {
        try withObject(object, "no such object") { id, _ in
            guard lib.aexists(id, name) > 0 else { throw fail(object, "no attribute '\(name)'") }
            let attr = lib.aopen(id, name, 0)
            guard attr >= 0 else { throw fail(object, "libhdf5 cannot open attribute '\(name)' (\(lastError()))") }
            defer { _ = lib.aclose(attr) }
            let type = lib.atype(attr), space = lib.aspace(attr)
            defer { _ = lib.tclose(type); _ = lib.sclose(space) }
            guard type >= 0, space >= 0 else { throw fail(object, "libhdf5 cannot read attribute '\(name)' (\(lastError()))") }
            guard lib.tclass(type) == Self.string else { throw fail(object, "attribute '\(name)' is not a string") }
            let points = lib.sclass(space) == Self.nullSpace ? 0 : Int(lib.spoints(space))
            guard points >= 0, points <= 1 << 24 else { throw fail(object, "attribute '\(name)' has \(points) elements") }
            if points == 0 { return [] }
            if lib.tvariable(type) > 0 {
                // Variable-length: read as C strings in the stored character set; libhdf5 allocates each one.
                let memory = lib.tcopy(lib.cString)
                defer { _ = lib.tclose(memory) }
                _ = lib.tsetSize(memory, -1)
                _ = lib.tsetCset(memory, lib.tcset(type))
                var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: points)
                guard pointers.withUnsafeMutableBytes({ lib.aread(attr, memory, $0.baseAddress) }) >= 0 else {
                    throw fail(object, "libhdf5 cannot read attribute '\(name)' (\(lastError()))")
                }
                defer { for p in pointers { _ = lib.free(p) } }
                return pointers.map { $0.map { String(cString: $0) } ?? "" }
            }
            let size = lib.tsize(type)
            guard size > 0, size <= 1 << 24 else { throw fail(object, "attribute '\(name)' has strings of \(size) bytes") }
            var bytes = [UInt8](repeating: 0, count: size * points)
            guard bytes.withUnsafeMutableBytes({ lib.aread(attr, type, $0.baseAddress) }) >= 0 else {
                throw fail(object, "libhdf5 cannot read attribute '\(name)' (\(lastError()))")
            }
            return (0..<points).map { i in
                let slice = bytes[(i * size)..<((i + 1) * size)]
                let end = slice.firstIndex(of: 0) ?? slice.endIndex
                return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
            }
        }
    }

    public func attributeNames(of object: String = "/") throws -> [String] {
        try withObject(object, "no such object") { id, _ in names(id, lib.attrName) }
    }
}
