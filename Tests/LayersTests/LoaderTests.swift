import Foundation
import Testing
import Layers
import KerasIO
import Tensor

/// The loader on small Keras models exported by reference/make_test_models.py, checked layer by layer
/// against the Keras outputs stored beside them, fused and unfused.
@Suite struct LoaderTests {
    static let models = ["tiny_dscnn", "tiny_mobilenet", "tiny_sparse", "tiny_cmvn", "tiny_rescale"]

    func load(_ name: String, fuse: Bool = true, sparse: Bool = true, tune: Bool = true) throws -> Network {
        try Network.load(kerasFile: resource("models/\(name).h5"), options: LoadOptions(fuse: fuse, allowSparse: sparse, tuneKernels: tune))
    }

    @Test(arguments: models)
    func everyBlockMatchesKeras(_ name: String) throws {
        let fixture = try HDF5File(path: resource("models/\(name)_fixture.h5"))
        for fuse in [true, false] {
          for tune in [false, true] {   // the default plan and the tuned one
            let net = try load(name, fuse: fuse, tune: tune)
            let rows = try NetworkVerifier().verify(net, fixture: fixture)
            for r in rows {
                #expect(r.passed, "\(name) fuse=\(fuse) tune=\(tune) \(r.layer) [\(r.kernel)]: worst rel \(r.worstRelError), abs \(r.worstAbsError)")
            }
            // Every Keras layer is compared when unfused; fused, at least the final output.
            let kerasLayers = try JSONSerialization.jsonObject(with: Data(try fixture.stringAttribute("layer_names").utf8)) as! [String]
            if !fuse { #expect(Set(rows.map(\.layer)).isSuperset(of: kerasLayers)) }
            #expect(rows.last?.layer == "output")
          }
        }
    }

    @Test func fusingFoldsBatchNormActivationsAndPadding() throws {
        let fused = try load("tiny_mobilenet"), unfused = try load("tiny_mobilenet", fuse: false)
        #expect(fused.blocks.count < unfused.blocks.count)
        let covers = fused.blocks.map(\.kerasLayers)
        #expect(covers.contains(["conv1", "conv1_bn", "conv1_relu"]))
        #expect(covers.contains(["pad", "dw", "dw_bn", "dw_relu"]))
        #expect(covers.contains(["pw", "pw_bn", "pw_relu"]))
        // Unfused, every block stands for one Keras layer; only the softmax head joins the block before it.
        #expect(!unfused.blocks.contains { $0.kerasLayers.count > 1 && !$0.kerasLayers.contains(unfused.softmaxHead ?? "-") })
        #expect(fused.name == "tiny_mobilenet" && fused.inputShape == [11, 8, 1] && fused.outputCount == 6)
        #expect(fused.macs > 0 && fused.macs < unfused.macs + 1)
    }

    /// Rescaling after a convolution folds into it (with the BatchNormalization and ReLU after it); after
    /// a ReLU, or with fusing off, it is an affine step of its own.
    @Test func rescalingFoldsIntoALinearConvolutionOnly() throws {
        let fused = try load("tiny_rescale"), unfused = try load("tiny_rescale", fuse: false)
        let covers = fused.blocks.map(\.kerasLayers)
        #expect(covers.contains(["conv2d", "rescaling_1", "batch_normalization", "re_lu"]))
        #expect(covers.contains(["rescaling"]) && covers.contains(["rescaling_2"]))
        #expect(unfused.blocks.filter { $0.kind.hasPrefix("Rescaling") }.count == 3)
    }

    @Test func modelFactsMatchKeras() throws {
        let net = try load("tiny_dscnn")
        // Keras' count_params() for tiny_dscnn (BN's four vectors included): see make_test_models.py.
        let file = try HDF5File(path: resource("models/tiny_dscnn.h5"))
        var expected = 0
        for layer in try file.children(of: "model_weights") {
            for w in (try? file.stringListAttribute("weight_names", of: "model_weights/\(layer)")) ?? [] {
                expected += try file.datasetShape("model_weights/\(layer)/\(w)").reduce(1, *)
            }
        }
        #expect(net.parameterCount == expected && expected > 0)
        #expect(net.inputShape == [13, 9, 1] && net.outputCount == 4)
        // The model ends in a softmax: the network leaves it out and yields logits (KWS applies the one softmax).
        #expect(net.softmaxHead != nil)
        #expect(!net.blocks.contains { $0.kind == "Softmax" })
    }

    @Test func predictIntoBuffersEqualsArrayPredict() throws {
        let net = try load("tiny_sparse")
        var rng = SeededRandom(5)
        let x = rng.floats(net.inputShape.reduce(1, *))
        var out = [Float](repeating: 0, count: net.outputCount)
        x.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { net.predict(i, into: $0) } }
        #expect(out == net.predict(x))
        // Running twice gives the same answer (no state leaks between inferences through the buffers).
        #expect(net.predict(x) == net.predict(x))
    }

    @Test func sparseAndDenseKernelsAgree() throws {
        let sparse = try load("tiny_sparse", fuse: true, sparse: true)
        let dense = try load("tiny_sparse", fuse: true, sparse: false)
        #expect(dense.blocks.allSatisfy { !$0.kernel.hasPrefix("f32-spmm") })
        var rng = SeededRandom(11)
        let x = rng.floats(sparse.inputShape.reduce(1, *))
        #expect(worstRelativeError(sparse.predict(x), dense.predict(x)) < 1e-4)
    }

    /// The tuner lists each op's candidates once, with a time or as dropped, and the kernel it chose for
    /// the op is one of them.
    @Test(arguments: models)
    func tunerTimesEachCandidateOnce(_ name: String) throws {
        let net = try load(name)
        #expect(net.plan.tuned)
        for t in net.tuning {
            let names = t.microseconds.map(\.kernel)
            #expect(names.count >= 2 && Set(names).count == names.count)
            #expect(t.microseconds.allSatisfy { $0.us.map { $0.isFinite && $0 >= 0 } ?? true })
            #expect(names.contains(net.blocks[t.op].kernel))
        }
    }

    @Test(arguments: models)
    func tunedAndUntunedPlansAgree(_ name: String) throws {
        let plain = try Network.load(kerasFile: resource("models/\(name).h5"), options: LoadOptions(tuneKernels: false))
        let tuned = try load(name)
        // The untimed plan is dense and deterministic: never a sparse kernel, the same on every load.
        #expect(plain.blocks.allSatisfy { !$0.kernel.hasPrefix("f32-spmm") } && !plain.plan.tuned && plain.tuning.isEmpty)
        #expect(try Network.load(kerasFile: resource("models/\(name).h5"), options: LoadOptions(tuneKernels: false)).plan == plain.plan)
        var rng = SeededRandom(17)
        for _ in 0..<3 {
            let x = rng.floats(plain.inputShape.reduce(1, *), in: -3...3)
            #expect(worstRelativeError(tuned.predict(x), plain.predict(x)) < 1e-4)
        }
    }

    func loadError(_ path: String) -> String {
        do { _ = try Network.load(kerasFile: path); return "" } catch { return "\(error)" }
    }

    @Test func unsupportedLayerIsNamed() {
        let m = loadError(resource("models/unsupported_layer.h5"))
        #expect(m.contains("unsupported_layer.h5") && m.contains("LeakyReLU"))
    }

    @Test func nonChainModelIsRejected() {
        let m = loadError(resource("models/not_a_chain.h5"))
        #expect(m.contains("not_a_chain.h5") && m.contains("not a chain"))
    }

    @Test func missingAndMisshapenWeightsAreNamed() {
        let missing = loadError(resource("models/missing_weight.h5"))
        #expect(missing.contains("missing_weight.h5") && missing.contains("'pw'") && missing.contains("kernel"))
        let wrong = loadError(resource("models/wrong_shape.h5"))
        #expect(wrong.contains("wrong_shape.h5") && wrong.contains("[1, 1, 8, 16]") && wrong.contains("[1, 1, 8, 17]"))
    }

    @Test func missingTruncatedAndForeignFilesFailCleanly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loader-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(loadError(dir.appendingPathComponent("absent.h5").path).contains("absent.h5"))

        let text = dir.appendingPathComponent("notes.h5")
        try Data("hello".utf8).write(to: text)
        #expect(loadError(text.path).contains("notes.h5"))

        let fixture = resource("models/tiny_dscnn_fixture.h5")   // HDF5, but not a Keras model
        #expect(loadError(fixture).contains("model_config"))

        let whole = try Data(contentsOf: URL(fileURLWithPath: resource("models/tiny_dscnn.h5")))
        for fraction in [0.1, 0.5, 0.9] {
            let cut = dir.appendingPathComponent("cut\(fraction).h5")
            try whole.prefix(Int(Double(whole.count) * fraction)).write(to: cut)
            let m = loadError(cut.path)
            #expect(m.contains("cut\(fraction).h5"), "truncated to \(fraction): \(m)")
        }
    }
}

/// The seven real networks, when their weights and fixtures are present: `KWS_WEIGHTS` / `KWS_FIXTURES`
/// (e.g. /tmp/kws-dev/weights), else the repository's weights/ and fixtures/.
@Suite struct SevenNetworksTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let weights = ProcessInfo.processInfo.environment["KWS_WEIGHTS"] ?? root.appendingPathComponent("weights").path
    static let fixtures = ProcessInfo.processInfo.environment["KWS_FIXTURES"] ?? root.appendingPathComponent("fixtures").path
    static let networks = ["little", "big", "coop1", "coop2", "coop3", "coop4", "coop5"].filter {
        FileManager.default.fileExists(atPath: "\(weights)/\($0).h5") && FileManager.default.fileExists(atPath: "\(fixtures)/\($0).h5")
    }

    @Test(.enabled(if: !networks.isEmpty, "no weights/fixtures for the seven networks yet"), arguments: networks)
    func networkMatchesKerasBlockByBlock(_ name: String) throws {
        for tune in [false, true] {
            let net = try Network.load(kerasFile: "\(Self.weights)/\(name).h5", options: LoadOptions(tuneKernels: tune))
            let rows = try NetworkVerifier().verify(net, fixture: try HDF5File(path: "\(Self.fixtures)/\(name).h5"))
            for r in rows { #expect(r.passed, "\(name) tune=\(tune) \(r.layer) [\(r.kernel)]: worst rel \(r.worstRelError)") }
        }
    }
}
