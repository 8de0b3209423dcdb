#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An error reading an HDF5 file; the message names the file and the object.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let object: String
    public let reason: String
    /// The file is well formed as far as it was read, but uses a part of the format the fast reader does not
    /// read (chunked or compressed data, densely stored links, ...): `HDF5File` then asks libhdf5.
    public let isUnsupported: Bool
    public init(file: String, object: String, reason: String, isUnsupported: Bool = false) {
        self.file = file
        self.object = object
        self.reason = reason
        self.isUnsupported = isUnsupported
    }
    public var description: String {
        object.isEmpty ? "\(file): \(reason)" : "\(file): \(object): \(reason)"
    }
}

/// The fast HDF5 reader: groups, numeric datasets and string attributes, as h5py and Keras write them, read
/// straight from the memory-mapped file. `HDF5File` uses it first and asks libhdf5 only for what it refuses.
///
/// A reader of its own rather than libhdf5 for the common case: Debian's libhdf5 pulls in libcurl and its TLS,
/// Kerberos and LDAP libraries (about thirty shared objects), whose loading was most of a cold `kws-native
/// infer`; and, being immutable, a file can be read from any thread without the global lock the serial library
/// needs. It reads the format h5py writes by default (superblock version 0 or 1, version-1 object headers,
/// groups as symbol tables, contiguous or compact datasets) and, for files written with `libver="latest"`,
/// superblock versions 2–3, version-2 object headers and compactly stored links. What it does not read
/// (chunked or compressed datasets, densely stored links or attributes, soft links, other number types,
/// external or virtual storage) is an error with `isUnsupported` set, naming the object, never guessed at.
/// Every read is bounds-checked, so a truncated or corrupt file is an error too.
public final class HDF5FastReader: HDF5Reading, @unchecked Sendable {
    public let path: String
    private let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?
    private var offsetSize = 8
    private var lengthSize = 8
    private var baseAddress = 0
    private var rootAddress = 0

    public init(path: String) throws {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else { throw HDF5Error(file: path, object: "", reason: "no such file") }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw HDF5Error(file: path, object: "", reason: "is a directory, expected an HDF5 file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw HDF5Error(file: path, object: "", reason: "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let size = Int(info.st_size)
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        } else if let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED {
            mapping = p
            bytes = UnsafeRawBufferPointer(start: p, count: size)
        } else {
            throw HDF5Error(file: path, object: "", reason: "cannot map the file (\(String(cString: strerror(errno))))")
        }
        do {
            try readSuperblock()
        } catch let e as Malformed {
            throw HDF5Error(file: path, object: "", reason: "not a readable HDF5 file (\(e.reason))")
        } catch let e as Unsupported {
            throw HDF5Error(file: path, object: "", reason: e.reason, isUnsupported: true)
        }
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }

    private func fail(_ object: String, _ reason: String) -> HDF5Error {
        HDF5Error(file: path, object: object, reason: reason)
    }

    /// Whether a group or dataset exists at `objectPath` (every intermediate link is checked).
    public func exists(_ objectPath: String) -> Bool {
        (try? lookup(objectPath)) == true
    }

    /// Whether `objectPath` exists; throws (`isUnsupported`) when a link on the way is not one this reader follows.
    public func lookup(_ objectPath: String) throws -> Bool {
        do { _ = try resolve(objectPath); return true } catch is Malformed { return false } catch let e as Unsupported {
            throw HDF5Error(file: path, object: objectPath, reason: e.reason, isUnsupported: true)
        }
    }

    /// The member names of a group, sorted.
    public func children(of group: String) throws -> [String] {
        let header = try object(group, "no such group")
        guard let links = try guarded(group, { try links(of: header) }) else { throw fail(group, "not a group") }
        return links.map(\.name).sorted()
    }

    /// The shape of a dataset.
    public func datasetShape(_ path: String) throws -> [Int] {
        try dataset(path).shape
    }

    /// A dataset read as Float32 (converted from the stored integer or floating type), row-major.
    public func floatDataset(_ path: String) throws -> (shape: [Int], values: [Float]) {
        let d = try dataset(path)
        guard case .numeric(let number) = d.type else {
            // A 16-bit float, say, which libhdf5 converts; a string or compound dataset it refuses too.
            if case .other(let what) = d.type {
                throw HDF5Error(file: self.path, object: path, reason: "expected a numeric dataset, found \(what)", isUnsupported: true)
            }
            throw fail(path, "expected a numeric dataset")
        }
        let values = try guarded(path) { () -> [Float] in
            let count = try elements(d.shape)
            guard count > 0 else { return [] }
            guard let raw = try storageBytes(d.layout, count: try elements([count, d.type.size])) else {
                guard count <= 1 << 31 else { throw Malformed(reason: "unwritten dataset too large") }
                return [Float](repeating: 0, count: count)
            }
            return number.floats(raw, count: count)
        }
        return (d.shape, values)
    }

    /// A string attribute as a list: arrays of fixed- or variable-length strings, or a scalar string.
    public func stringListAttribute(_ name: String, of object: String = "/") throws -> [String] {
        let header = try self.object(object, "no such object")
        let attributes = try guarded(object) { try self.attributes(of: header) }
        guard let a = attributes.first(where: { $0.name == name }) else { throw fail(object, "no attribute '\(name)'") }
        let count = a.data.count / max(1, a.elementSize)
        return try guarded(object) {
            switch a.type {
            case .fixedString(let size):
                return (0..<count).map { i in
                    let slice = a.data[(a.data.startIndex + i * size)..<(a.data.startIndex + (i + 1) * size)]
                    let end = slice.firstIndex(of: 0) ?? slice.endIndex
                    return String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
                }
            case .variableString:
                return try (0..<count).map { i in try variableString(a.data, at: i) }
            default:
                throw fail(object, "attribute '\(name)' is not a string")
            }
        }
    }

    /// The names of an object's attributes, sorted.
    public func attributeNames(of object: String = "/") throws -> [String] {
        let header = try self.object(object, "no such object")
        return try guarded(object) { try attributes(of: header) }.map(\.name).sorted()
    }

    // MARK: - the format

    /// Something in the file is not as the format says.
    private struct Malformed: Error { let reason: String }
    /// Something in the file this reader does not read (libhdf5 may).
    private struct Unsupported: Error { let reason: String }

    private enum Number {
        case float(bytes: Int, bigEndian: Bool)
        case integer(bytes: Int, signed: Bool, bigEndian: Bool)

        func floats(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { out, done in
                switch self {
                case .float(4, false):                               // little-endian IEEE, as the host
                    memcpy(out.baseAddress!, raw.baseAddress!, 4 * count)
                case .float(4, true):
                    for i in 0..<count { out[i] = Float(bitPattern: UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .float(8, let big):
                    for i in 0..<count {
                        let bits = raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
                        out[i] = Float(Double(bitPattern: big ? UInt64(bigEndian: bits) : bits))
                    }
                case .integer(let n, let signed, let big):
                    for i in 0..<count {
                        var v: UInt64 = 0
                        for b in 0..<n {
                            let byte = UInt64(raw[i * n + (big ? n - 1 - b : b)])
                            v |= byte << (8 * UInt64(b))
                        }
                        if signed && n < 8 && v & (1 << (8 * UInt64(n) - 1)) != 0 { v |= ~0 << (8 * UInt64(n)) }
                        out[i] = signed ? Float(Int64(bitPattern: v)) : Float(v)
                    }
                default:
                    break
                }
                done = count
            }
        }
    }

    private enum DataType {
        case numeric(Number)
        case fixedString(Int)
        case variableString
        case other(String)

        var size: Int {
            switch self {
            case .numeric(.float(let n, _)), .numeric(.integer(let n, _, _)), .fixedString(let n): n
            default: 0
            }
        }
    }

    private enum Layout {
        case contiguous(address: Int, size: Int)     // address -1: never written (all fill value)
        case compact(Range<Int>)
        case unsupported(String)
    }

    private struct Dataset { let shape: [Int]; let type: DataType; let layout: Layout }
    private struct Attribute { let name: String; let type: DataType; let elementSize: Int; let data: ArraySlice<UInt8> }
    private struct Message { let type: Int; let body: Range<Int> }
    private struct Link { let name: String; let address: Int }

    private static let undefined = -1
    /// The address recorded for a soft link of a symbol table.
    private static let softLink = -2

    /// A little-endian unsigned integer of `size` bytes at `offset`, bounds-checked.
    private func raw(_ offset: Int, _ size: Int) throws -> UInt64 {
        guard offset >= 0, size > 0, size <= 8, offset + size <= bytes.count else {
            throw Malformed(reason: "truncated (read past the end at byte \(offset))")
        }
        var v: UInt64 = 0
        for b in 0..<size { v |= UInt64(bytes[offset + b]) << (8 * UInt64(b)) }
        return v
    }
    private func uint(_ offset: Int, _ size: Int) throws -> Int {
        let v = try raw(offset, size)
        guard v <= UInt64(Int32.max) * 1024 else { throw Malformed(reason: "value out of range at byte \(offset)") }
        return Int(v)
    }
    private func u8(_ o: Int) throws -> Int { try uint(o, 1) }
    private func u16(_ o: Int) throws -> Int { try uint(o, 2) }
    private func u32(_ o: Int) throws -> Int { try uint(o, 4) }
    /// A file address (relative to the base address); all ones, the format's "undefined", → `undefined`.
    private func address(_ o: Int) throws -> Int {
        let v = try raw(o, offsetSize)
        if v == (offsetSize == 8 ? .max : (1 << (8 * UInt64(offsetSize))) - 1) { return HDF5FastReader.undefined }
        guard v <= UInt64(Int32.max) * 1024 else { throw Malformed(reason: "address out of range at byte \(o)") }
        return Int(v) + baseAddress
    }
    private func length(_ o: Int) throws -> Int { try uint(o, lengthSize) }
    private func signature(_ o: Int, _ text: String) throws -> Bool {
        try signature(o, Array(text.utf8))
    }
    private func signature(_ o: Int, _ s: [UInt8]) throws -> Bool {
        guard o >= 0, o + s.count <= bytes.count else { return false }
        return (0..<s.count).allSatisfy { bytes[o + $0] == s[$0] }
    }
    private func slice(_ range: Range<Int>) throws -> ArraySlice<UInt8> {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { throw Malformed(reason: "truncated (data past the end)") }
        return ArraySlice(bytes[range])
    }

    /// Runs a read and turns a format problem into an error naming this file and `object`.
    private func guarded<T>(_ object: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as Malformed { throw fail(object, e.reason) } catch let e as Unsupported {
            throw HDF5Error(file: path, object: object, reason: e.reason, isUnsupported: true)
        }
    }

    private func readSuperblock() throws {
        // The superblock is at 0 or, after a user block, at 512, 1024, 2048, ...
        var at = 0
        while !(try signature(at, [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A])) {
            at = at == 0 ? 512 : at * 2
            guard at < bytes.count else { throw Malformed(reason: "no HDF5 signature") }
        }
        let version = try u8(at + 8)
        switch version {
        case 0, 1:
            offsetSize = try u8(at + 13)
            lengthSize = try u8(at + 14)
            guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else { throw Malformed(reason: "bad superblock sizes") }
            var o = at + 24 + (version == 1 ? 4 : 0)
            baseAddress = try uint(o, offsetSize)
            o += 4 * offsetSize                                   // base, free space, end of file, driver info
            rootAddress = try address(o + offsetSize)             // the root's symbol table entry: name, header
        case 2, 3:
            offsetSize = try u8(at + 9)
            lengthSize = try u8(at + 10)
            guard [2, 4, 8].contains(offsetSize), [2, 4, 8].contains(lengthSize) else { throw Malformed(reason: "bad superblock sizes") }
            baseAddress = try uint(at + 12, offsetSize)
            rootAddress = try address(at + 12 + 3 * offsetSize)   // base, extension, end of file, root header
        default:
            throw Unsupported(reason: "superblock version \(version) is not supported")
        }
        guard rootAddress >= 0 else { throw Malformed(reason: "no root group") }
        _ = try messages(at: rootAddress)
    }

    /// The messages of the object header at `address` (version 1, or version 2 "OHDR"), continuations followed.
    private func messages(at address: Int) throws -> [Message] {
        var out: [Message] = []
        var blocks: [(start: Int, end: Int, v2: Bool)] = []
        var creationOrder = false
        if try signature(address, "OHDR") {
            guard try u8(address + 4) == 2 else { throw Unsupported(reason: "object header version not supported") }
            let flags = try u8(address + 5)
            var o = address + 6
            if flags & 0x20 != 0 { o += 16 }                         // access/modify/change/birth times
            if flags & 0x10 != 0 { o += 4 }                          // attribute phase change values
            let sizeBytes = 1 << (flags & 3)
            let size = try uint(o, sizeBytes)
            o += sizeBytes
            creationOrder = flags & 0x04 != 0
            blocks.append((o, o + size, true))
        } else {
            guard try u8(address) == 1 else { throw Unsupported(reason: "object header version not supported") }
            let size = try u32(address + 8)
            blocks.append((address + 16, address + 16 + size, false))
        }
        var seen = 0
        while seen < blocks.count {
            let (start, end, v2) = blocks[seen]
            seen += 1
            guard end <= bytes.count, seen < 10_000 else { throw Malformed(reason: "truncated object header") }
            var o = start
            while true {
                let headerSize = v2 ? 4 + (creationOrder ? 2 : 0) : 8
                guard o + headerSize <= end else { break }               // the rest is a gap
                let type = v2 ? try u8(o) : try u16(o)
                let size = v2 ? try u16(o + 1) : try u16(o + 2)
                let body = (o + headerSize)..<(o + headerSize + size)
                guard body.upperBound <= end else { throw Malformed(reason: "object header message past its block") }
                if type == 0x10 {                                    // continuation
                    let at = try self.address(body.lowerBound)
                    let length = try self.length(body.lowerBound + offsetSize)
                    if v2 {
                        guard try signature(at, "OCHK") else { throw Malformed(reason: "bad object header continuation") }
                        blocks.append((at + 4, at + length - 4, true))    // signature, messages, checksum
                    } else {
                        blocks.append((at, at + length, false))
                    }
                } else if type != 0 {
                    out.append(Message(type: type, body: body))
                }
                o = body.upperBound
            }
        }
        return out
    }

    /// The links of a group: a symbol table (B-tree and local heap) or link messages; nil if not a group.
    private func links(of header: [Message]) throws -> [Link]? {
        if let table = header.first(where: { $0.type == 0x11 }) {
            let tree = try address(table.body.lowerBound)
            let heap = try address(table.body.lowerBound + offsetSize)
            guard try signature(heap, "HEAP") else { throw Malformed(reason: "bad local heap") }
            let heapData = try address(heap + 8 + 2 * lengthSize)
            var out: [Link] = []
            var budget = 100_000                                  // nodes: a corrupt (cyclic) tree cannot hang
            try symbolTable(tree, heapData: heapData, into: &out, depth: 0, budget: &budget)
            return out
        }
        let links = header.filter { $0.type == 0x06 }
        if let info = header.first(where: { $0.type == 0x02 }) {
            let flags = try u8(info.body.lowerBound + 1)
            let heap = try address(info.body.lowerBound + 2 + (flags & 1 != 0 ? 8 : 0))
            if heap != HDF5FastReader.undefined { throw Unsupported(reason: "densely stored links are not supported") }
            return try links.map(link)
        }
        return links.isEmpty ? nil : try links.map(link)
    }

    private func symbolTable(_ node: Int, heapData: Int, into out: inout [Link], depth: Int, budget: inout Int) throws {
        budget -= 1
        guard depth < 64, budget > 0, try signature(node, "TREE"), try u8(node + 4) == 0 else {
            throw Malformed(reason: "bad group B-tree")
        }
        let level = try u8(node + 5)
        let used = try u16(node + 6)
        var o = node + 8 + 2 * offsetSize + lengthSize               // past left and right siblings and key 0
        for _ in 0..<used {
            let child = try address(o)
            if level > 0 {
                try symbolTable(child, heapData: heapData, into: &out, depth: depth + 1, budget: &budget)
            } else {
                guard try signature(child, "SNOD") else { throw Malformed(reason: "bad symbol table node") }
                let symbols = try u16(child + 6)
                var entry = child + 8
                for _ in 0..<symbols {
                    let name = try cString(heapData + (try uint(entry, offsetSize)))
                    // Cache type 2: a soft link (its target path in the scratch space), which this reader does not follow.
                    let soft = try u32(entry + 2 * offsetSize) == 2
                    out.append(Link(name: name, address: soft ? HDF5FastReader.softLink : try address(entry + offsetSize)))
                    entry += 2 * offsetSize + 24
                }
            }
            o += offsetSize + lengthSize
        }
    }

    /// A link message: only hard links are objects; soft and external links are reported.
    private func link(_ m: Message) throws -> Link {
        var o = m.body.lowerBound
        guard try u8(o) == 1 else { throw Unsupported(reason: "link message version not supported") }
        let flags = try u8(o + 1)
        o += 2
        var kind = 0
        if flags & 0x08 != 0 { kind = try u8(o); o += 1 }
        if flags & 0x04 != 0 { o += 8 }
        if flags & 0x10 != 0 { o += 1 }
        let lengthBytes = 1 << (flags & 3)
        let nameLength = try uint(o, lengthBytes)
        o += lengthBytes
        let name = String(decoding: try slice(o..<(o + nameLength)), as: UTF8.self)
        guard kind == 0 else { throw Unsupported(reason: "link '\(name)' is a soft or external link, not supported") }
        return Link(name: name, address: try address(o + nameLength))
    }

    /// The product of `shape`, refused when it overflows or exceeds what a file here can hold (2⁴⁰).
    private func elements(_ shape: [Int]) throws -> Int {
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= 1 << 40 else { throw Malformed(reason: "shape \(shape) too large") }
            n = p
        }
        return n
    }

    private func cString(_ at: Int) throws -> String {
        var end = at
        while true {
            guard end < bytes.count else { throw Malformed(reason: "truncated name") }
            if bytes[end] == 0 { break }
            end += 1
        }
        return String(decoding: bytes[at..<end], as: UTF8.self)
    }

    /// The object header at the end of `path` (components separated by "/", leading "/" optional).
    private func resolve(_ path: String) throws -> [Message] {
        var header = try messages(at: rootAddress)
        for part in path.split(separator: "/") where part != "." {
            guard let links = try links(of: header), let next = links.first(where: { $0.name == part }) else {
                throw Malformed(reason: "no such object")
            }
            if next.address == HDF5FastReader.softLink { throw Unsupported(reason: "link '\(part)' is a soft link, not supported") }
            header = try messages(at: next.address)
        }
        return header
    }

    private func object(_ path: String, _ missing: String) throws -> [Message] {
        do { return try resolve(path) } catch let e as Malformed {
            throw fail(path, e.reason == "no such object" ? missing : e.reason)
        } catch let e as Unsupported {
            throw HDF5Error(file: self.path, object: path, reason: e.reason, isUnsupported: true)
        }
    }

    private func dataset(_ path: String) throws -> Dataset {
        let header = try object(path, "no such dataset")
        return try guarded(path) {
            guard let space = header.first(where: { $0.type == 0x01 }), let type = header.first(where: { $0.type == 0x03 }),
                  let layout = header.first(where: { $0.type == 0x08 }) else {
                throw Malformed(reason: "not a dataset (a group?)")
            }
            if header.contains(where: { $0.type == 0x0B }) { throw Unsupported(reason: "compressed (filtered) datasets are not supported") }
            return Dataset(shape: try dataspace(space.body), type: try datatype(type.body.lowerBound), layout: try self.layout(layout.body))
        }
    }

    private func dataspace(_ body: Range<Int>) throws -> [Int] {
        let o = body.lowerBound
        let version = try u8(o)
        let rank = try u8(o + 1)
        switch version {
        case 1: return try (0..<rank).map { try length(o + 8 + $0 * lengthSize) }
        case 2:
            if try u8(o + 3) == 2 { return [0] }                     // null dataspace: no elements
            return try (0..<rank).map { try length(o + 4 + $0 * lengthSize) }
        default: throw Unsupported(reason: "dataspace version \(version) not supported")
        }
    }

    private func datatype(_ o: Int) throws -> DataType {
        let classAndVersion = try u8(o)
        let bits = try u8(o + 1) | (try u8(o + 2)) << 8
        let size = try u32(o + 4)
        switch classAndVersion & 0x0F {
        case 0:
            guard (1...8).contains(size) else { return .other("\(size * 8)-bit integer") }
            return .numeric(.integer(bytes: size, signed: bits & 0x08 != 0, bigEndian: bits & 1 != 0))
        case 1:
            guard size == 4 || size == 8 else { return .other("\(size * 8)-bit floating point") }
            return .numeric(.float(bytes: size, bigEndian: bits & 1 != 0))
        case 3: return .fixedString(size)
        case 9:
            return bits & 0x0F == 1 ? .variableString : .other("variable-length sequence")
        case let c: return .other("datatype class \(c)")
        }
    }

    private func layout(_ body: Range<Int>) throws -> Layout {
        let o = body.lowerBound
        let version = try u8(o)
        switch version {
        case 3, 4:
            switch try u8(o + 1) {
            case 0:
                let size = try u16(o + 2)
                return .compact((o + 4)..<(o + 4 + size))
            case 1: return .contiguous(address: try address(o + 2), size: try length(o + 2 + offsetSize))
            case 2: return .unsupported("chunked datasets are not supported")
            default: return .unsupported("virtual datasets are not supported")
            }
        case 1, 2:
            let rank = try u8(o + 1)
            switch try u8(o + 2) {
            case 0:
                let at = o + 8 + rank * 4
                return .compact((at + 4)..<(at + 4 + (try u32(at))))
            case 1: return .contiguous(address: try address(o + 8), size: Int.max)
            default: return .unsupported("chunked datasets are not supported")
            }
        default:
            return .unsupported("data layout version \(version) not supported")
        }
    }

    /// The `count` stored bytes of a dataset; nil when it was never written (all fill value, zero).
    private func storageBytes(_ layout: Layout, count: Int) throws -> UnsafeRawBufferPointer? {
        switch layout {
        case .unsupported(let why):
            throw Unsupported(reason: why)
        case .compact(let range):
            guard range.count >= count, range.upperBound <= bytes.count else { throw Malformed(reason: "compact data too short") }
            return UnsafeRawBufferPointer(rebasing: bytes[range.lowerBound..<(range.lowerBound + count)])
        case .contiguous(let address, let size):
            if address == HDF5FastReader.undefined { return nil }
            guard size >= count else { throw Malformed(reason: "stored data shorter than its shape") }
            guard address >= 0, address + count <= bytes.count else { throw Malformed(reason: "truncated (data past the end of the file)") }
            return UnsafeRawBufferPointer(rebasing: bytes[address..<(address + count)])
        }
    }

    private func attributes(of header: [Message]) throws -> [Attribute] {
        if let info = header.first(where: { $0.type == 0x15 }) {
            let flags = try u8(info.body.lowerBound + 1)
            let heap = try address(info.body.lowerBound + 2 + (flags & 1 != 0 ? 2 : 0))
            if heap != HDF5FastReader.undefined { throw Unsupported(reason: "densely stored attributes are not supported") }
        }
        return try header.filter { $0.type == 0x0C }.map(attribute)
    }

    private func attribute(_ m: Message) throws -> Attribute {
        let o = m.body.lowerBound
        let version = try u8(o)
        guard (1...3).contains(version) else { throw Unsupported(reason: "attribute message version \(version) not supported") }
        if version >= 2, try u8(o + 1) & 0x03 != 0 { throw Unsupported(reason: "shared attribute datatypes are not supported") }
        let nameSize = try u16(o + 2), typeSize = try u16(o + 4), spaceSize = try u16(o + 6)
        let pad = { (n: Int) in version == 1 ? (n + 7) / 8 * 8 : n }
        let nameAt = o + (version == 3 ? 9 : 8)
        let name = try cString(nameAt)
        let typeAt = nameAt + pad(nameSize)
        let spaceAt = typeAt + pad(typeSize)
        let dataAt = spaceAt + pad(spaceSize)
        let shape = try dataspace(spaceAt..<(spaceAt + spaceSize))
        let type = try datatype(typeAt)
        let elementSize: Int
        switch type {
        case .variableString: elementSize = 4 + offsetSize + 4
        default: elementSize = type.size
        }
        let size = try elements(shape + [elementSize])
        guard dataAt + size <= m.body.upperBound else { throw Malformed(reason: "attribute '\(name)' past its message") }
        return Attribute(name: name, type: type, elementSize: elementSize, data: try slice(dataAt..<(dataAt + size)))
    }

    /// Element `i` of variable-length string data: (length, global heap collection, object index) each.
    private func variableString(_ data: ArraySlice<UInt8>, at i: Int) throws -> String {
        let element = data.startIndex + i * (8 + offsetSize)
        func le(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(data[at + $1]) << (8 * $1) } }
        let count = le(element, 4)
        let collection = le(element + 4, offsetSize) + baseAddress
        let index = le(element + 4 + offsetSize, 4)
        if count == 0 { return "" }
        guard try signature(collection, "GCOL") else { throw Malformed(reason: "bad global heap collection") }
        let end = collection + (try length(collection + 8))
        var o = collection + 8 + lengthSize
        while o + 8 + lengthSize <= end {
            let id = try u16(o)
            let size = try length(o + 8)
            if id == 0 { break }                                      // free space: the rest of the collection
            if id == index {
                guard size >= count else { throw Malformed(reason: "global heap object too short") }
                return String(decoding: try slice((o + 8 + lengthSize)..<(o + 8 + lengthSize + count)), as: UTF8.self)
            }
            o += 8 + lengthSize + (size + 7) / 8 * 8
        }
        throw Malformed(reason: "global heap object \(index) not found")
    }
}
