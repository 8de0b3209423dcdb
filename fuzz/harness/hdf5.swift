import Foundation

// libFuzzer target: the fast HDF5 reader (Sources/KerasIO/HDF5FastReader.swift) on a file of the input's bytes:
// open, walk every group, read every dataset's shape and floats and every attribute.
private let path = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
    + "/kws-fuzz-hdf5-\(getpid()).h5"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHDF5(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
    guard let file = try? HDF5FastReader(path: path) else { return 0 }
    var queue = ["/"], visited = 0
    while let object = queue.popLast(), visited < 64 {
        visited += 1
        for name in (try? file.attributeNames(of: object)) ?? [] {
            _ = try? file.stringAttribute(name, of: object)
            _ = try? file.stringListAttribute(name, of: object)
            _ = try? file.jsonAttribute(name, of: object)
        }
        if let children = try? file.children(of: object) {
            queue += children.prefix(16).map { object == "/" ? "/" + $0 : object + "/" + $0 }
        } else if (try? file.datasetShape(object)) != nil {
            _ = try? file.floatDataset(object)
        }
    }
    return 0
}
