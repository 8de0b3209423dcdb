import Foundation

/// A read-only HDF5 file: the fast reader for what it covers (every file the project ships), libhdf5 for the
/// rest — chunked or compressed datasets, densely stored links or attributes, soft links, other number types.
///
/// libhdf5 is opened (dlopen, `LibHDF5`) the first time the fast reader refuses something as unsupported,
/// so a process that reads only the common layout never loads it; when it is not installed, the error says
/// what the fast reader could not read and which package brings libhdf5. A file that is malformed (truncated,
/// not HDF5) is reported by the fast reader as it is, without asking libhdf5.
public final class HDF5File: HDF5Reading, @unchecked Sendable {
    public let path: String
    private let fast: HDF5FastReader?
    /// Why the fast reader refused the whole file (nil when it opened it).
    private let refusal: String?
    private let lock = NSLock()
    private var library: LibHDF5File?

    public init(path: String) throws {
        self.path = path
        do {
            fast = try HDF5FastReader(path: path)
            refusal = nil
        } catch let e as HDF5Error where e.isUnsupported {
            fast = nil
            refusal = e.reason
            _ = try libhdf5(because: e.reason)
        }
    }

    /// Whether some read of this file went to libhdf5 (the files the project ships never need it).
    public var usesLibHDF5: Bool {
        lock.lock()
        defer { lock.unlock() }
        return library != nil
    }

    private func libhdf5(because reason: String) throws -> LibHDF5File {
        lock.lock()
        defer { lock.unlock() }
        if let library { return library }
        let opened = try LibHDF5File(path: path, fastReaderRefused: reason)
        library = opened
        return opened
    }

    /// `body` on the fast reader; on libhdf5 when the fast reader refuses (the file, or this read) as unsupported.
    private func read<T>(_ body: (any HDF5Reading) throws -> T) throws -> T {
        guard let fast else { return try body(try libhdf5(because: refusal ?? "")) }
        do {
            return try body(fast)
        } catch let e as HDF5Error where e.isUnsupported {
            return try body(try libhdf5(because: e.reason))
        }
    }

    public func exists(_ objectPath: String) -> Bool {
        guard let fast else { return (try? read { $0.exists(objectPath) }) ?? false }
        do {
            return try fast.lookup(objectPath)
        } catch let e as HDF5Error where e.isUnsupported {
            return (try? libhdf5(because: e.reason).exists(objectPath)) ?? false
        } catch {
            return false
        }
    }

    public func children(of group: String) throws -> [String] { try read { try $0.children(of: group) } }
    public func datasetShape(_ path: String) throws -> [Int] { try read { try $0.datasetShape(path) } }
    public func floatDataset(_ path: String) throws -> (shape: [Int], values: [Float]) { try read { try $0.floatDataset(path) } }
    public func stringListAttribute(_ name: String, of object: String = "/") throws -> [String] {
        try read { try $0.stringListAttribute(name, of: object) }
    }
    public func attributeNames(of object: String = "/") throws -> [String] { try read { try $0.attributeNames(of: object) } }
}
