#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A C library opened with `dlopen` on first use instead of linked (as Tensor does with OpenBLAS), so that a
/// process which never needs it does not load it and its dependencies at start-up.
struct SharedLibrary: @unchecked Sendable {
    let name: String
    private let handle: UnsafeMutableRawPointer

    /// The first of `names` that opens; nil when none does (`lastError` then says why the last one did not).
    static func open(_ names: [String]) -> (library: SharedLibrary?, lastError: String) {
        var lastError = "no candidate names"
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) { return (SharedLibrary(name: name, handle: handle), "") }
            lastError = dlerror().map { String(cString: $0) } ?? "cannot open \(name)"
        }
        return (nil, lastError)
    }

    /// The function `symbol`, typed as `type` (which must match its C declaration); nil when it is missing.
    func function<F>(_ symbol: String, as type: F.Type) -> F? {
        guard let pointer = dlsym(handle, symbol) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    /// The address of the global variable `symbol`.
    func variable(_ symbol: String) -> UnsafeMutableRawPointer? { dlsym(handle, symbol) }
}

/// A missing entry point of a library that did open: the names of what was not found.
struct MissingSymbols: Error { var names: [String] = [] }

extension SharedLibrary {
    /// `function(symbol, as:)`, recording the name in `missing` when absent (so one error can list them all).
    func require<F>(_ symbol: String, _ type: F.Type, _ missing: inout MissingSymbols) -> F {
        if let f = function(symbol, as: type) { return f }
        missing.names.append(symbol)
        return unsafeBitCast(SharedLibrary.absent, to: type)
    }

    /// Stands in for an absent function; never called, as a library with missing symbols is not used.
    private static let absent: @convention(c) () -> Void = { fatalError("called a missing C function") }
}
