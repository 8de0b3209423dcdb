import Foundation
import Testing
@testable import Tensor

/// Tests/Resources, found from this file's path (the test targets declare no resources).
func testResource(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Resources").appendingPathComponent(name).path
}

@Suite struct HDF5FileTests {
    let file: HDF5File
    init() throws { file = try HDF5File(path: testResource("hdf5_sample.h5")) }

    @Test func readsFloatDatasetsWithShape() throws {
        let m = try file.floatDataset("matrix")
        #expect(m.shape == [3, 4])
        #expect(m.values == (0..<12).map { Float($0) / 4 })
        let d = try file.floatDataset("/float64")
        #expect(d.shape == [2] && d.values == [1.5, -2.25])
        let i = try file.floatDataset("ints")
        #expect(i.shape == [2, 2] && i.values == [1, -2, 3, 4])
        let s = try file.floatDataset("scalar")
        #expect(s.shape == [] && s.values == [7])
        #expect(try file.datasetShape("group/inner/zeta") == [2, 1, 3])
    }

    @Test func listsChildrenSorted() throws {
        #expect(try file.children(of: "/") == ["float64", "group", "ints", "matrix", "scalar"])
        #expect(try file.children(of: "group/inner") == ["alpha", "mid", "zeta"])
    }

    @Test func existsChecksEveryLevel() {
        #expect(file.exists("/group/inner/zeta"))
        #expect(file.exists("group/inner"))
        #expect(!file.exists("group/missing/zeta"))
        #expect(!file.exists("nothing"))
    }

    @Test func readsEveryStringAttributeFlavour() throws {
        #expect(try file.stringAttribute("vlen_str") == "héllo {\"a\": [1, 2]}")
        #expect(try file.stringAttribute("fixed_str") == "fixed-bytes")
        #expect(try file.stringListAttribute("fixed_list") == ["conv", "bn_1", "dense_long_name"])
        #expect(try file.stringListAttribute("vlen_list") == ["alpha", "beta/gamma:0", "ü"])
        #expect(try file.stringListAttribute("empty_list") == [])
        #expect(try file.stringAttribute("note", of: "/group/inner") == "inner group")
        #expect(try file.attributeNames(of: "group/inner") == ["note"])
    }

    @Test func parsesJSONAttributesAndRejectsOthers() throws {
        #expect(throws: HDF5Error.self) { _ = try file.jsonAttribute("vlen_str") }
        let fixture = try HDF5File(path: testResource("models/tiny_mobilenet_fixture.h5"))
        let names = try fixture.jsonAttribute("layer_names") as? [String]
        #expect(names?.first == "conv1" && names?.last == "probs")
    }

    @Test func errorsNameTheFileAndTheObject() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        let missing = message { _ = try file.floatDataset("group/nope") }
        #expect(missing.contains("hdf5_sample.h5") && missing.contains("group/nope"))
        #expect(message { _ = try file.floatDataset("group") }.contains("not a dataset"))
        #expect(message { _ = try file.stringAttribute("number") }.contains("not a string"))
        #expect(message { _ = try file.stringAttribute("vlen_list") }.contains("expected one"))
        #expect(message { _ = try file.stringAttribute("absent") }.contains("absent"))
        #expect(message { _ = try file.children(of: "matrix") }.contains("matrix"))
    }

    @Test func rejectsMissingNonHDF5AndTruncatedFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        #expect(throws: HDF5Error.self) { try HDF5File(path: dir.appendingPathComponent("none.h5").path) }
        let text = dir.appendingPathComponent("text.h5")
        try Data("this is not HDF5".utf8).write(to: text)
        do { _ = try HDF5File(path: text.path); Issue.record("opened a text file") } catch {
            #expect("\(error)".contains("text.h5"))
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: testResource("hdf5_sample.h5")))
        let truncated = dir.appendingPathComponent("truncated.h5")
        try whole.prefix(whole.count / 3).write(to: truncated)
        // Either opening or reading must fail with an error, never crash.
        do {
            let f = try HDF5File(path: truncated.path)
            _ = try f.floatDataset("group/inner/zeta")
            _ = try f.floatDataset("matrix")
            Issue.record("read a truncated file without error")
        } catch {
            #expect("\(error)".contains("truncated.h5"))
        }
    }
}
