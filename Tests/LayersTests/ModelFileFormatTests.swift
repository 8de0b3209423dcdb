import Foundation
import KerasIO
import Layers
import Testing

/// The little network in three files: the committed legacy `.h5`, its chunked+gzip copy (read through
/// libhdf5) and the Keras 3 `.keras` that Keras saved from it (reference/make_io_fixtures.py). All three load,
/// give the same logits bit for bit, and match Keras' outputs in fixtures/little.h5 layer by layer.
@Suite struct ModelFileFormatTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let formats = ["weights/little.h5", "fixtures/little-gzip.h5", "fixtures/little.keras"]

    /// The default plan (not the tuner's, whose choice may differ from one load to the next under load, and
    /// with it the last bits): the formats must give the same network, kernel for kernel.
    func logits(_ relative: String, _ inputs: [Float], count: Int) throws -> [[Float]] {
        let net = try Network.load(kerasFile: Self.root.appendingPathComponent(relative).path, options: LoadOptions(tuneKernels: false))
        let per = inputs.count / count
        return (0..<count).map { s in net.predict(Array(inputs[(s * per)..<((s + 1) * per)])) }
    }

    @Test func everyFormatGivesTheSameLogits() throws {
        let fixture = try HDF5File(path: Self.root.appendingPathComponent("fixtures/little.h5").path)
        let (shape, inputs) = try fixture.floatDataset("input")
        let reference = try logits(Self.formats[0], inputs, count: shape[0])
        #expect(reference.count == shape[0] && reference.allSatisfy { $0.count == 8 })
        for format in Self.formats.dropFirst() {
            let ours = try logits(format, inputs, count: shape[0])
            #expect(ours.map { $0.map(\.bitPattern) } == reference.map { $0.map(\.bitPattern) }, "\(format)")
        }
    }

    @Test(arguments: formats)
    func everyFormatMatchesKerasLayerByLayer(_ relative: String) throws {
        let net = try Network.load(kerasFile: Self.root.appendingPathComponent(relative).path)
        let fixture = try HDF5File(path: Self.root.appendingPathComponent("fixtures/little.h5").path)
        let rows = try NetworkVerifier().verify(net, fixture: fixture)
        #expect(rows.count > 3 && rows.last?.layer == "output")
        for r in rows { #expect(r.passed, "\(relative) \(r.layer): worst rel \(r.worstRelError)") }
    }

    @Test func aKerasFileWithoutAConfigIsAClearLoadError() {
        do {
            _ = try Network.load(kerasFile: resource("models/no_config.keras"))
            Issue.record("loaded a zip without config.json")
        } catch {
            #expect("\(error)".contains("no_config.keras") && "\(error)".contains("config.json"))
        }
    }
}
