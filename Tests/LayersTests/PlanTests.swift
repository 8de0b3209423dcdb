import Foundation
import KerasIO
import Testing
import Tensor
@testable import Layers

/// A plan as data: it survives JSON, runs exactly as written, and is refused, naming the op and why, when it
/// does not fit the model or the CPU.
@Suite struct PlanTests {
    func path(_ name: String) -> String { resource("models/\(name).h5") }

    func error(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test(arguments: LoaderTests.models)
    func jsonRoundTripRunsTheSamePlan(_ name: String) throws {
        for tune in [false, true] {
            let net = try Network.load(kerasFile: path(name), options: LoadOptions(tuneKernels: tune))
            let json = net.plan.json()
            let decoded = try KernelPlan.decode(json, source: "test")
            #expect(decoded == net.plan)
            let text = String(decoding: json, as: UTF8.self)
            #expect(text.contains("\"output_shape\"") && text.contains("\"needs\"") && text.contains("\"model\" : \"\(net.name)\""))
            let again = try Network.load(kerasFile: path(name), options: LoadOptions(plan: decoded))
            #expect(again.plan.ops.map(\.kernel) == net.plan.ops.map(\.kernel))
            var rng = SeededRandom(3)
            let x = rng.floats(net.inputShape.reduce(1, *))
            #expect(again.predict(x) == net.predict(x))
        }
    }

    @Test func planForAnotherModelIsRefused() throws {
        let plan = try Network.load(kerasFile: path("tiny_dscnn"), options: LoadOptions(tuneKernels: false)).plan
        let m = error { _ = try Network.load(kerasFile: path("tiny_mobilenet"), options: LoadOptions(plan: plan, planSource: "dscnn.json")) }
        #expect(m.contains("dscnn.json") && m.contains("tiny_dscnn") && m.contains("tiny_mobilenet"))
    }

    @Test func unknownKernelIsRefusedNamingTheOp() throws {
        var plan = try Network.load(kerasFile: path("tiny_dscnn"), options: LoadOptions(tuneKernels: false)).plan
        let i = plan.ops.firstIndex { $0.kind == "dense" }!
        plan.ops[i].kernel = "f32-gemm-99x99-avx9000"
        let m = error { _ = try Network.load(kerasFile: path("tiny_dscnn"), options: LoadOptions(plan: plan, planSource: "p.json")) }
        #expect(m.contains("p.json") && m.contains("op \(i)") && m.contains("unknown dense kernel 'f32-gemm-99x99-avx9000'"))
        #expect(m.contains("f32-gemm-6x16-avx512"))   // lists the kernels it knows
    }

    @Test func kernelThatDoesNotApplyIsRefused() throws {
        var plan = try Network.load(kerasFile: path("tiny_dscnn"), options: LoadOptions(tuneKernels: false)).plan
        // The classifier has fewer than 16 outputs: no 16-wide panel fits.
        let i = plan.ops.lastIndex { $0.kind == "dense" && $0.outputShape.last! < 16 }!
        plan.ops[i].kernel = Dense.Kernel.narrowPanel.rawValue
        let m = error { _ = try Network.load(kerasFile: path("tiny_dscnn"), options: LoadOptions(plan: plan, planSource: "p.json")) }
        #expect(m.contains("op \(i)") && m.contains("does not apply"))
    }

    @Test func kernelTheCPULacksIsRefused() throws {
        let graph = try Network.graph(KerasReader.read(path: path("tiny_mobilenet")), fuse: true)
        let plan = try Network.build(graph, options: LoadOptions(tuneKernels: false)).plan
        guard let i = plan.ops.firstIndex(where: { $0.isa == .avx512 }) else { return }   // a build without fast vectors plans none
        let noAVX512 = CPUFeatures(flags: ["avx2", "fma"], fastVectors: true)
        let m = error { _ = try Planner.check(plan, source: "p.json", against: graph, cpu: noAVX512) }
        #expect(m.contains("p.json") && m.contains("op \(i)") && m.contains("lacks avx512f"))
        let slowBuild = CPUFeatures(flags: ["avx2", "fma", "avx512f"], fastVectors: false)
        #expect(error { _ = try Planner.check(plan, source: "p.json", against: graph, cpu: slowBuild) }.contains("lane by lane"))
        // With neither, the default plan falls to kernels that run: scalar ones and OpenBLAS.
        let bare = try Planner.defaultKernels(graph, cpu: CPUFeatures(flags: [], fastVectors: false))
        #expect(bare.allSatisfy { $0.isa == .scalar || $0.isa == .openblas })
    }

    @Test func blockedOutputMustFeedABlockedInput() throws {
        let graph = try Network.graph(KerasReader.read(path: path("tiny_mobilenet")), fuse: true)
        var plan = try Network.build(graph, options: LoadOptions(tuneKernels: false)).plan
        guard CPUFeatures.current.fastVectors,
              let i = plan.ops.indices.first(where: { plan.ops[$0].kind == "dense" && $0 + 1 < plan.ops.count && plan.ops[$0 + 1].kind == "dwconv"
                                                      && plan.ops[$0].outputShape.last! >= 16 }) else { return }
        plan.ops[i].kernel = Dense.Kernel.narrowPanel.rawValue + "-toblocked"
        let m = error { _ = try Planner.check(plan, source: "p.json", against: graph, cpu: .current) }
        #expect(m.contains("op \(i + 1)") && m.contains("reads nhwc") && m.contains("blocked16"))
    }

    @Test func malformedPlansAreRefused() {
        #expect(error { _ = try KernelPlan.decode(Data("{}".utf8), source: "e.json") }.contains("e.json: not a kernel plan"))
        #expect(error { _ = try KernelPlan.load(path: "/nonexistent/plan.json") }.contains("cannot read"))
        var plan = KernelPlan(model: "m", tuned: false, ops: [])
        plan.format = 99
        #expect(error { _ = try KernelPlan.decode(plan.json(), source: "f.json") }.contains("format 99"))
    }

    /// A model exported with a softmax head: the network leaves it out (logits), once.
    @Test func softmaxHeadIsLeftOut() throws {
        let net = try Network.load(kerasFile: path("tiny_dscnn"), options: LoadOptions(tuneKernels: false))
        #expect(net.softmaxHead != nil && !net.plan.ops.contains { $0.kind == "softmax" })
        let fixture = try HDF5File(path: resource("models/tiny_dscnn_fixture.h5"))
        let (shape, inputs) = try fixture.floatDataset("input"), (_, outputs) = try fixture.floatDataset("output")
        let per = net.inputShape.reduce(1, *)
        let logits = net.predict(Array(inputs[0..<per]))
        let probabilities = NetworkVerifier.softmax(logits, last: net.outputCount)
        #expect(shape.first! >= 1 && worstRelativeError(probabilities, Array(outputs[0..<net.outputCount])) < 1e-4)
        #expect(abs(logits.reduce(0, +) - 1) > 1e-3)   // not already probabilities
    }
}
