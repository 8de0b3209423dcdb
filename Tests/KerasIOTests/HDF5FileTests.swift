import Foundation
import Testing
@testable import KerasIO

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

/// The format's corners, in files h5py wrote (reference/make_test_files.py): the fast reader is our own, so
/// each is checked against the values h5py was given; what it does not read, libhdf5 does.
@Suite struct HDF5FormatCornerTests {
    let file: HDF5File
    init() throws { file = try HDF5File(path: testResource("hdf5_corners.h5")) }

    @Test func aGroupOfManyMembersIsListedAndEveryMemberRead() throws {
        let names = try file.children(of: "many")
        #expect(names == (0..<150).map { "d" + String(repeating: "0", count: 3 - String($0).count) + String($0) })
        for i in [0, 17, 63, 64, 149] {
            let d = try file.floatDataset("many/" + names[i])
            #expect(d.shape == [2] && d.values == [Float(i), Float(i)])
        }
    }

    @Test func convertsByteOrdersAndIntegerWidths() throws {
        #expect(try file.floatDataset("big_endian").values == [1.5, -3.0, 1e-3])
        let d = try file.floatDataset("big_endian64")
        #expect(d.shape == [2, 1] && d.values == [2.5, -7.0])
        #expect(try file.floatDataset("uint8").values == [0, 7, 255])
        #expect(try file.floatDataset("int16").values == [-32768, -1, 32767])
        #expect(try file.floatDataset("int32_be").values == [-5, 70000])
    }

    @Test func unwrittenEmptyAndCompactDatasets() throws {
        let u = try file.floatDataset("unwritten")
        #expect(u.shape == [2, 3] && u.values == [Float](repeating: 0, count: 6))
        let e = try file.floatDataset("empty")
        #expect(e.shape == [0, 4] && e.values.isEmpty)
        #expect(try file.floatDataset("compact").values == [4, 5, 6])
    }

    @Test func theFastReaderRefusesWhatItDoesNotReadWithAClearError() throws {
        let fast = try HDF5FastReader(path: testResource("hdf5_corners.h5"))
        func refusal(_ body: () throws -> Void) -> HDF5Error? {
            do { try body(); return nil } catch let e as HDF5Error { return e } catch { return nil }
        }
        let chunked = refusal { _ = try fast.floatDataset("chunked") }
        #expect(chunked?.isUnsupported == true && chunked?.reason.contains("compressed") == true)
        let half = refusal { _ = try fast.floatDataset("half") }
        #expect(half?.isUnsupported == true && half?.reason.contains("numeric") == true)
        let soft = refusal { _ = try fast.floatDataset("soft") }
        #expect(soft?.isUnsupported == true && "\(soft!)".contains("soft") && "\(soft!)".contains("hdf5_corners.h5"))
        // A malformed request is not "unsupported": libhdf5 is not asked.
        #expect(refusal { _ = try fast.floatDataset("many") }?.isUnsupported == false)
        #expect(refusal { _ = try fast.floatDataset("absent") }?.isUnsupported == false)
    }

    @Test func hdf5FileReadsTheRestThroughLibHDF5() throws {
        // The values make_test_files.py wrote: gzip-compressed chunks, float16, a soft link to /uint8.
        #expect(!file.usesLibHDF5)
        let chunked = try file.floatDataset("chunked")
        #expect(chunked.shape == [100] && chunked.values == (0..<100).map(Float.init))
        #expect(file.usesLibHDF5)
        #expect(try file.floatDataset("half").values == [1, 2])
        #expect(try file.floatDataset("soft").values == [0, 7, 255])
        #expect(try file.datasetShape("chunked") == [100])
        #expect(file.exists("soft"))
        // What neither reads is still an error naming the file and the object.
        do { _ = try file.floatDataset("many"); Issue.record("read a group as a dataset") } catch {
            #expect("\(error)".contains("hdf5_corners.h5") && "\(error)".contains("many"))
        }
    }

    @Test func readsTheNewestFormat() throws {
        let latest = try HDF5File(path: testResource("hdf5_latest.h5"))
        #expect(try latest.stringAttribute("vlen_str") == "latest {\"b\": 2}")
        #expect(try latest.stringListAttribute("fixed_list") == ["x", "yy"])
        #expect(try latest.children(of: "/") == ["group", "scalar"])
        let w = try latest.floatDataset("group/inner/w")
        #expect(w.shape == [2, 3] && w.values == [0, 1, 2, 3, 4, 5])
        #expect(try latest.stringAttribute("note", of: "group/inner") == "v2 header")
        #expect(try latest.floatDataset("scalar").values == [-1.25])
    }
}

@Suite struct HDF5CorruptionTests {
    /// Every byte of a real file changed in turn, and the file cut at many lengths: reading everything with
    /// the fast reader either works or throws an error naming the file; it never crashes or hangs.
    @Test func corruptAndTruncatedFilesNeverCrash() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: testResource("hdf5_sample.h5"))))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hdf5-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("f.h5").path
        func readAll(_ bytes: [UInt8]) {
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            guard let f = try? HDF5FastReader(path: path) else { return }
            for name in ["matrix", "float64", "ints", "scalar", "group/inner/zeta", "group/inner/alpha"] {
                _ = try? f.floatDataset(name)
            }
            for a in ["vlen_str", "fixed_str", "fixed_list", "vlen_list", "empty_list"] { _ = try? f.stringListAttribute(a) }
            _ = try? f.children(of: "group/inner")
            _ = try? f.attributeNames(of: "/")
        }
        var state: UInt64 = 12345
        // The metadata lives in the first few KiB; flip every byte there with a pseudo-random value.
        for i in 0..<min(original.count, 4096) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var bytes = original
            bytes[i] ^= UInt8(truncatingIfNeeded: state >> 33) | 1
            readAll(bytes)
        }
        for cut in stride(from: 0, to: original.count, by: 97) { readAll(Array(original.prefix(cut))) }
    }
}
