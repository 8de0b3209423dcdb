#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZip

/// libzip, opened with dlopen the first time a zip archive (a Keras 3 `.keras` file) is read. The types and
/// constants come from zip.h (the CZip shim); the entry points are resolved here, typed as zip.h declares them.
enum LibZip {
    typealias Archive = OpaquePointer
    typealias Open = @convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<Int32>?) -> Archive?
    typealias Discard = @convention(c) (Archive?) -> Void
    typealias Strerror = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias Count = @convention(c) (Archive?, zip_flags_t) -> zip_int64_t
    typealias Name = @convention(c) (Archive?, zip_uint64_t, zip_flags_t) -> UnsafePointer<CChar>?
    typealias Locate = @convention(c) (Archive?, UnsafePointer<CChar>?, zip_flags_t) -> zip_int64_t
    typealias Stat = @convention(c) (Archive?, zip_uint64_t, zip_flags_t, UnsafeMutablePointer<zip_stat_t>?) -> Int32
    typealias FileOpen = @convention(c) (Archive?, zip_uint64_t, zip_flags_t) -> OpaquePointer?
    typealias Read = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, zip_uint64_t) -> zip_int64_t
    typealias FileClose = @convention(c) (OpaquePointer?) -> Int32
    typealias ErrorInit = @convention(c) (UnsafeMutablePointer<zip_error_t>?, Int32) -> Void
    typealias ErrorString = @convention(c) (UnsafeMutablePointer<zip_error_t>?) -> UnsafePointer<CChar>?
    typealias ErrorFini = @convention(c) (UnsafeMutablePointer<zip_error_t>?) -> Void

    struct Functions: @unchecked Sendable {
        let open: Open, discard: Discard, strerror: Strerror, count: Count, name: Name, locate: Locate, stat: Stat
        let fopen: FileOpen, fread: Read, fclose: FileClose, fileStrerror: Strerror
        let errorInit: ErrorInit, errorString: ErrorString, errorFini: ErrorFini
    }

    /// The entry points, or why libzip cannot be used; resolved once, thread-safely.
    static let loaded: Result<Functions, ZipError> = {
        let (opened, error) = SharedLibrary.open(["libzip.so.4", "libzip.so", "libzip.dylib"])
        guard let lib = opened else {
            return .failure(ZipError(reason: "libzip cannot be opened (\(error)); install Debian's libzip4 (or libzip-dev)"))
        }
        var missing = MissingSymbols()
        let f = Functions(
            open: lib.require("zip_open", Open.self, &missing), discard: lib.require("zip_discard", Discard.self, &missing),
            strerror: lib.require("zip_strerror", Strerror.self, &missing), count: lib.require("zip_get_num_entries", Count.self, &missing),
            name: lib.require("zip_get_name", Name.self, &missing), locate: lib.require("zip_name_locate", Locate.self, &missing),
            stat: lib.require("zip_stat_index", Stat.self, &missing), fopen: lib.require("zip_fopen_index", FileOpen.self, &missing),
            fread: lib.require("zip_fread", Read.self, &missing), fclose: lib.require("zip_fclose", FileClose.self, &missing),
            fileStrerror: lib.require("zip_file_strerror", Strerror.self, &missing),
            errorInit: lib.require("zip_error_init_with_code", ErrorInit.self, &missing),
            errorString: lib.require("zip_error_strerror", ErrorString.self, &missing),
            errorFini: lib.require("zip_error_fini", ErrorFini.self, &missing))
        guard missing.names.isEmpty else {
            return .failure(ZipError(reason: "\(lib.name) lacks \(missing.names.joined(separator: ", ")) (libzip 1.0 or later is needed)"))
        }
        return .success(f)
    }()
}

/// Why a zip archive could not be read (the caller names the file).
struct ZipError: Error { let reason: String }

/// A zip archive opened read-only through libzip, with its consistency checked (ZIP_CHECKCONS); entries are
/// read whole, their CRC checked by libzip at the end.
final class ZipArchive {
    private let zip: LibZip.Functions
    private let archive: LibZip.Archive

    init(path: String) throws {
        let f: LibZip.Functions
        switch LibZip.loaded {
        case .failure(let e): throw e
        case .success(let loaded): f = loaded
        }
        var code: Int32 = 0
        guard let a = f.open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code) else {
            var error = zip_error_t()
            f.errorInit(&error, code)
            defer { f.errorFini(&error) }
            throw ZipError(reason: "not a readable zip archive (" + (f.errorString(&error).map { String(cString: $0) } ?? "libzip error \(code)") + ")")
        }
        zip = f
        archive = a
    }

    deinit { zip.discard(archive) }

    /// The names of the entries, in archive order.
    var entryNames: [String] {
        let n = max(0, zip.count(archive, 0))
        return (0..<UInt64(n)).compactMap { zip.name(archive, $0, 0).map { String(cString: $0) } }
    }

    /// The bytes of entry `name`, nil when there is none; refused beyond `limit` bytes.
    func read(_ name: String, limit: Int) throws -> [UInt8]? {
        let index = zip.locate(archive, name, 0)
        guard index >= 0 else { return nil }
        var info = zip_stat_t()
        guard zip.stat(archive, zip_uint64_t(index), 0, &info) == 0, info.valid & UInt64(ZIP_STAT_SIZE) != 0 else {
            throw ZipError(reason: "entry '\(name)': " + message(zip.strerror(archive)))
        }
        guard info.size <= UInt64(limit) else { throw ZipError(reason: "entry '\(name)' is \(info.size) bytes, more than \(limit)") }
        guard let file = zip.fopen(archive, zip_uint64_t(index), 0) else {
            throw ZipError(reason: "entry '\(name)': " + message(zip.strerror(archive)))
        }
        defer { _ = zip.fclose(file) }
        var bytes = [UInt8](repeating: 0, count: Int(info.size))
        var done = 0
        while true {
            // One byte more than the declared size is asked for at the end, so that the CRC check runs.
            let n = bytes.withUnsafeMutableBytes { buffer -> Int64 in
                var spare: UInt8 = 0
                if done == buffer.count { return zip.fread(file, &spare, 1) }
                return zip.fread(file, buffer.baseAddress! + done, UInt64(buffer.count - done))
            }
            if n < 0 { throw ZipError(reason: "entry '\(name)': " + message(zip.fileStrerror(file))) }
            if n == 0 { break }
            guard done < bytes.count else { throw ZipError(reason: "entry '\(name)' is longer than its stated \(info.size) bytes") }
            done += Int(n)
        }
        guard done == bytes.count else { throw ZipError(reason: "entry '\(name)' is \(done) bytes, its header says \(info.size)") }
        return bytes
    }

    private func message(_ text: UnsafePointer<CChar>?) -> String { text.map { String(cString: $0) } ?? "libzip error" }
}
