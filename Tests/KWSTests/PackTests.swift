import Foundation
import KWS
import KerasIO
import Layers
import Testing

/// Packed models (`kws-native pack`, `Runtime.PackFile`/`PackedModel`): a pack planned for a device target,
/// written, read back and run here, answers as Keras does on the fixture clips (the same independent
/// reference `SpotterTests` uses), and a damaged pack is refused with a reason, never a trap.
@Suite(.enabled(if: FileManager.default.fileExists(atPath: TestPaths.path("weights/manifest.json"))))
struct PackTests {
    static let zoo = Result { try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false) }

    static func packBytes(_ name: String, _ target: String) throws -> [UInt8] {
        PackFile.encode(try zoo.get().pack(name, target: target))
    }

    static func model(_ bytes: [UInt8]) throws(PackError) -> PackedModel {
        var result: Result<PackedModel, PackError>!
        bytes.withUnsafeBytes { b in result = Result { () throws(PackError) in try PackedModel(bytes: b) } }
        return try result.get()
    }

    @Test(arguments: [("little", "cortex-m4"), ("little-listen", "cortex-m4"), ("big", "cortex-m4"),
                      ("little", "aarch64-linux"), ("little-listen", "aarch64-linux"), ("big", "aarch64-linux"),
                      ("big-listen", "aarch64-linux"), ("coop3", "aarch64-linux")])
    func packedModelAnswersAsKeras(name: String, target: String) throws {
        let fixture = TestPaths.path("fixtures/\(name).h5")
        guard FileManager.default.fileExists(atPath: fixture) else { return }
        let model = try Self.model(try Self.packBytes(name, target))
        #expect(model.name == name && model.target == target)
        #expect(model.labels == (try Self.zoo.get().entry(name).labels ?? Self.zoo.get().labels))
        if target == "cortex-m4" {
            // No vectors, no OpenBLAS on the device: only scalar kernels.
            #expect(model.steps.allSatisfy { $0.kernel.contains("scalar") || $0.kernel.contains("reshape") }, "\(model.steps)")
        }
        #expect((model.detector != nil) == name.hasSuffix("-listen"))
        let file = try HDF5File(path: fixture)
        let clips = try JSONDecoder().decode([String].self, from: Data(try file.stringAttribute("clips").utf8))
        let (_, outputs) = try file.floatDataset("output")
        let classes = model.labels.count
        var logits = [Float](repeating: 0, count: classes)
        for (i, clip) in clips.enumerated() {
            let samples = try WAVDecoder.decode(contentsOf: TestPaths.path(clip))
            samples.withUnsafeBufferPointer { s in logits.withUnsafeMutableBufferPointer { model.classify(s, logits: $0) } }
            let keras = Array(outputs[i * classes..<(i + 1) * classes])
            #expect(worstRelativeError(logits, keras, rtol: 1e-3).ratio <= 1, "\(name)/\(target) \(clip): \(logits) vs \(keras)")
            #expect(Softmax.argmax(logits) == Softmax.argmax(keras))
        }
    }

    @Test func decodeGivesBackWhatWasEncoded() throws {
        let d = try Self.zoo.get().pack("little-listen", target: "cortex-m4")
        let bytes = PackFile.encode(d)
        let back = try bytes.withUnsafeBytes { b in try PackFile.decode(b) }
        #expect(back.name == d.name && back.target == d.target && back.labels == d.labels)
        #expect(back.features == d.features && back.inputShape == d.inputShape)
        #expect(back.detector?.hopMs == d.detector?.hopMs && back.detector?.settings == d.detector?.settings)
        #expect(back.steps.map(\.kernel) == d.steps.map(\.kernel) && back.steps.map(\.kind) == d.steps.map(\.kind))
        #expect(back.steps.map(\.op.parameterCount) == d.steps.map(\.op.parameterCount))
        #expect(PackFile.encode(back) == bytes)
    }

    @Test func damagedPacksAreRefusedWithAReason() throws {
        let bytes = try Self.packBytes("little-listen", "cortex-m4")
        func refusal(_ b: [UInt8]) -> String? {
            do { _ = try Self.model(b); return nil } catch { return error.message }
        }
        #expect(refusal(bytes) == nil)
        #expect(refusal([])?.contains("not a packed model") == true)
        #expect(refusal(Array("PK\u{3}\u{4}not a pack at all".utf8))?.contains("KWSP") == true)
        for cut in [16, 100, bytes.count / 2, bytes.count - 1] {
            #expect(refusal(Array(bytes[..<cut]))?.contains("truncated") == true, "cut at \(cut)")
        }
        var flipped = bytes
        flipped[bytes.count / 3] ^= 0x10
        #expect(refusal(flipped)?.contains("corrupt pack: CRC-32") == true)
        var version = bytes
        version[4] = 9
        #expect(refusal(version)?.contains("version 9") == true)
    }

    /// Packs whose CRC is right but whose contents are not: each is refused by the check that guards it.
    @Test func inconsistentPacksAreRefusedByTheirChecks() throws {
        var d = try Self.zoo.get().pack("little-listen", target: "cortex-m4")
        func refusal(_ d: PackedModelDescription) -> String? {
            do { _ = try Self.model(PackFile.encode(d)); return nil } catch { return error.message }
        }
        var unknownKernel = d
        unknownKernel.steps[1].kernel = "f32-dwconv-no-such-kernel"
        #expect(refusal(unknownKernel)?.contains("step 1") == true)
        var wrongLabels = d
        wrongLabels.labels.removeLast()
        #expect(refusal(wrongLabels)?.contains("labels") == true)
        var missingStep = d
        missingStep.steps.remove(at: 0)
        #expect(refusal(missingStep) != nil)
        if case let .conv2d(g, cin, cout, kernel, bias, act) = d.steps[0].op {
            d.steps[0].op = .conv2d(g, inChannels: cin, outChannels: cout, kernel: Array(kernel.dropLast()), bias: bias, activation: act)
            #expect(refusal(d)?.contains("step 0") == true)
        } else {
            Issue.record("little-listen's first step is not a convolution")
        }
    }
}
