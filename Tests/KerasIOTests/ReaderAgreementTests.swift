import Foundation
import Testing
@testable import KerasIO

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Every HDF5 file in the repository (weights/, fixtures/, Tests/Resources/), relative to its root.
func repositoryHDF5Files() -> [String] {
    var out: [String] = []
    for dir in ["weights", "fixtures", "Tests/Resources", "Tests/Resources/models"] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(dir).path)) ?? []
        out += names.filter { $0.hasSuffix(".h5") }.sorted().map { "\(dir)/\($0)" }
    }
    return out
}

/// The fast reader against libhdf5 on every HDF5 file in the repository: the same groups, the same attributes
/// and every dataset bit for bit. libhdf5 walks the file (it is the independent reference); where the fast
/// reader refuses something, it must say so as unsupported, and only the files made to need libhdf5 may.
@Suite struct ReaderAgreementTests {
    static let files = repositoryHDF5Files()
    /// What the fast reader may refuse: the corner cases made for it, and the chunked+gzip copy of a network.
    static let madeForLibHDF5: [String: Set<String>] = [
        "Tests/Resources/hdf5_corners.h5": ["/chunked", "/half", "/soft"],
        "fixtures/little-gzip.h5": ["*"],
    ]

    @Test func theRepositoryHasItsHDF5Files() {
        #expect(Self.files.contains("weights/little.h5") && Self.files.contains("fixtures/little.h5"))
        #expect(Self.files.contains("fixtures/little-gzip.h5") && Self.files.count >= 30)
    }

    @Test(arguments: files)
    func bothReadersAgree(_ relative: String) throws {
        let path = repositoryRoot.appendingPathComponent(relative).path
        let library = try LibHDF5File(path: path)
        let allowed = Self.madeForLibHDF5[relative] ?? []
        let fast: HDF5FastReader?
        do {
            fast = try HDF5FastReader(path: path)
        } catch let e as HDF5Error where e.isUnsupported && allowed.contains("*") {
            fast = nil
        }
        var refused: [String] = []
        /// The fast reader's answer, or nil when it refuses it as unsupported (recorded).
        func fastly<T>(_ object: String, _ body: (HDF5FastReader) throws -> T) throws -> T? {
            guard let fast else { refused.append(object); return nil }
            do { return try body(fast) } catch let e as HDF5Error where e.isUnsupported {
                refused.append(object)
                return nil
            }
        }
        var datasets = 0, values = 0
        var queue = ["/"]
        while let object = queue.popLast() {
            let attributes = try library.attributeNames(of: object)
            if let names = try fastly(object, { try $0.attributeNames(of: object) }) { #expect(names == attributes, "\(relative) \(object)") }
            for a in attributes {
                let reference = try? library.stringListAttribute(a, of: object)
                let ours = try fastly(object) { f -> [String]? in
                    do { return try f.stringListAttribute(a, of: object) } catch let e as HDF5Error where e.isUnsupported { throw e } catch { return nil }
                }
                if let ours { #expect(ours == reference, "\(relative) \(object) attribute \(a)") }
            }
            if let children = try? library.children(of: object) {
                if let ours = try fastly(object, { try $0.children(of: object) }) { #expect(ours == children, "\(relative) \(object)") }
                queue += children.map { object == "/" ? "/" + $0 : object + "/" + $0 }
                continue
            }
            guard let reference = try? library.floatDataset(object) else { continue }   // e.g. a string dataset
            datasets += 1
            values += reference.values.count
            if let ours = try fastly(object, { try $0.floatDataset(object) }) {
                #expect(ours.shape == reference.shape, "\(relative) \(object)")
                #expect(ours.values.map(\.bitPattern) == reference.values.map(\.bitPattern), "\(relative) \(object) differs")
            }
        }
        #expect(datasets > 0, "\(relative): no dataset read")
        if allowed.contains("*") {
            #expect(!refused.isEmpty, "\(relative) was made to need libhdf5, but the fast reader read all of it")
        } else {
            #expect(Set(refused) == allowed, "\(relative): the fast reader refused \(refused)")
        }
    }

    @Test func theChunkedGzipCopyHoldsTheSameWeightsAsTheOriginal() throws {
        let original = try HDF5File(path: repositoryRoot.appendingPathComponent("weights/little.h5").path)
        let copy = try HDF5File(path: repositoryRoot.appendingPathComponent("fixtures/little-gzip.h5").path)
        #expect(try copy.stringAttribute("model_config") == original.stringAttribute("model_config"))
        var compared = 0
        for layer in try original.children(of: "model_weights") {
            let group = "model_weights/\(layer)"
            let names = (try? original.stringListAttribute("weight_names", of: group)) ?? []
            #expect(((try? copy.stringListAttribute("weight_names", of: group)) ?? []) == names)
            for n in names {
                let a = try original.floatDataset("\(group)/\(n)"), b = try copy.floatDataset("\(group)/\(n)")
                #expect(a.shape == b.shape && a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(group)/\(n)")
                compared += 1
            }
        }
        #expect(compared >= 20)
        #expect(copy.usesLibHDF5 && !original.usesLibHDF5)
    }

    @Test func aMissingLibHDF5IsAClearError() {
        guard case .failure(let missing) = LibHDF5.load(["libhdf5-not-installed.so.0"]) else {
            Issue.record("opened a library that does not exist")
            return
        }
        #expect(missing.reason.contains("libhdf5 cannot be opened") && missing.reason.contains("libhdf5-dev"))
        // A library that is not libhdf5 is refused too.
        guard case .failure(let wrong) = LibHDF5.load(["libz.so.1"]) else {
            Issue.record("took zlib for libhdf5")
            return
        }
        #expect(wrong.reason.contains("libz.so.1"))
    }

    @Test func libHDF5ErrorsNameTheFileAndTheObject() throws {
        let path = repositoryRoot.appendingPathComponent("Tests/Resources/hdf5_sample.h5").path
        let library = try LibHDF5File(path: path)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try library.floatDataset("group/nope") }.contains("group/nope"))
        #expect(message { _ = try library.floatDataset("group") }.contains("not a dataset"))
        #expect(message { _ = try library.stringAttribute("number") }.contains("not a string"))
        #expect(message { _ = try library.stringAttribute("absent") }.contains("absent"))
        #expect(message { _ = try library.children(of: "matrix") }.contains("not a group"))
        #expect(!library.exists("group/missing/zeta") && library.exists("group/inner/zeta"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("libhdf5-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text.h5")
        try Data("this is not HDF5".utf8).write(to: text)
        #expect(message { _ = try LibHDF5File(path: text.path) }.contains("text.h5"))
    }

    /// The chunked+gzip copy cut short: libhdf5 reads it, and every failure is an error naming the file.
    @Test func aTruncatedFileForLibHDF5IsAnErrorNotACrash() throws {
        let whole = try Data(contentsOf: repositoryRoot.appendingPathComponent("fixtures/little-gzip.h5"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("libhdf5-cut-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for fraction in [0.05, 0.3, 0.6, 0.95] {
            let cut = dir.appendingPathComponent("cut\(fraction).h5")
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: cut)
            do {
                let f = try HDF5File(path: cut.path)
                for layer in try f.children(of: "model_weights") {
                    for n in (try? f.stringListAttribute("weight_names", of: "model_weights/\(layer)")) ?? [] {
                        _ = try f.floatDataset("model_weights/\(layer)/\(n)")
                    }
                }
                Issue.record("read all of a file cut to \(fraction)")
            } catch {
                #expect("\(error)".contains("cut\(fraction).h5"), "\(error)")
            }
        }
    }
}
