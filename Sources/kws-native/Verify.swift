import ArgumentParser
import Foundation
import KWS
import Layers
import KerasIO

/// `kws-native verify`: every network in the weights directory against its Keras fixture, block by block.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every network layer by layer against Keras' outputs; exit 1 on any mismatch.",
        discussion: """
            For each network (weights/manifest.json, or every .h5 in the weights directory) loads the Keras \
            file, runs the inputs of fixtures/<network>.h5 and compares each block's output with the Keras \
            layer it ends at (and the final output). With --unfused every Keras layer is its own block. Each \
            network is checked with its default plan and its tuned plan (kernels timed on this machine), or \
            with --plan FILE only, which checks the network the plan was made for (unless --model names \
            others). An element passes when
              |ours - keras| <= tolerance * max(|keras|, floor)
            where floor = floor-fraction * (the largest |keras| in that layer).

            Exit status: 0 every network matches; 1 a mismatch, or a network or fixture did not load; \
            64 bad command line.

            Examples:
              kws-native verify
              kws-native verify --model big --json
            """
    )

    @Option(help: "Directory with the Keras .h5 files (and manifest.json).") var weights = "weights"
    @Option(help: "Directory with the fixture .h5 files.") var fixtures = "fixtures"
    @Option(help: "Only these networks (comma-separated).") var model: String?
    @Flag(help: "Compare after every single Keras layer (no BN folding or activation fusion).") var unfused = false
    @Flag(help: "Never choose the sparse kernel.") var noSparse = false
    @Option(help: "Relative tolerance.") var tolerance: Float = 1e-4
    @Option(help: "Floor for the relative error, as a fraction of the layer's largest |value|.") var floorFraction: Float = 1e-2
    @Flag(help: "Print one JSON object instead of the table.") var json = false
    @OptionGroup var plan: PlanOption

    /// One plan's results over every network.
    struct PlanReport: Encodable {
        let plan: String
        let ok: Bool
        let networks: [String]
        let errors: [String]
        let layers: [LayerComparison]
    }

    func run() async throws {
        let given = try plan.file.map { ($0, try plan.loadOptions()) }
        // A plan names the model it was made for: without --model, that network alone is checked.
        var networks = try networkFiles()
        if model == nil, let planned = given?.1.plan?.model {
            networks = networks.filter { $0.name == planned }
            if networks.isEmpty { networks = [(name: planned, file: "\(planned).h5")] }
        }
        let names = networks.map(\.name)
        let verifier = NetworkVerifier(tolerance: tolerance, floorFraction: floorFraction)
        let modes: [(String, LoadOptions)] = given.map { [($0.0, $0.1)] }
            ?? [("default", LoadOptions(tuneKernels: false)), ("tuned", LoadOptions(tuneKernels: true))]
        var reports: [PlanReport] = []
        for (label, base) in modes {
            var options = base
            options.fuse = !unfused
            options.allowSparse = !noSparse
            var rows: [LayerComparison] = []
            var failures: [String] = []
            for (name, file) in networks {
                do {
                    let net = try Network.load(kerasFile: "\(weights)/\(file)", options: options)
                    let fixture = try HDF5File(path: "\(fixtures)/\(name).h5")
                    rows += try verifier.verify(net, fixture: fixture)
                } catch {
                    failures.append("\(name): \(error)")
                }
            }
            let ok = failures.isEmpty && !rows.contains { !$0.passed } && !names.isEmpty
            reports.append(PlanReport(plan: label, ok: ok, networks: names, errors: failures, layers: rows))
        }
        let ok = reports.allSatisfy(\.ok)
        if json {
            struct Report: Encodable {
                let ok: Bool; let tolerance: Float; let floorFraction: Float; let fused: Bool
                let plans: [PlanReport]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let report = Report(ok: ok, tolerance: tolerance, floorFraction: floorFraction, fused: !unfused, plans: reports)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for r in reports {
                print("plan: \(r.plan)")
                printTable(r.layers)
                for f in r.errors { print("ERROR \(f)") }
                let nets = Set(r.layers.filter { row in !r.layers.contains { $0.network == row.network && !$0.passed } }.map(\.network)).count
                let mismatches = r.layers.filter { !$0.passed }.count
                print("\(r.ok ? "PASS" : "FAIL") (\(r.plan) plan): \(nets)/\(names.count) networks match, \(r.layers.count) comparisons, "
                      + "\(mismatches) beyond \(tolerance) relative (floor \(floorFraction) × layer max), \(r.errors.count) errors"
                      + (unfused ? " [unfused]" : " [fused]"))
                print("")
            }
        }
        if !ok { throw ExitCode(1) }
    }

    /// (name, file in the weights directory): from --model, else weights/manifest.json (read by KWS's
    /// `Manifest`, the one manifest parser; a manifest that does not parse is an error, not a fallback),
    /// else every .h5 in the directory.
    private func networkFiles() throws -> [(name: String, file: String)] {
        if let model { return model.split(separator: ",").map { (String($0), "\($0).h5") } }
        let manifest = URL(fileURLWithPath: weights).appendingPathComponent("manifest.json").path
        if FileManager.default.fileExists(atPath: manifest) {
            do {
                return try Manifest.load(path: manifest, references: false).networks.map { ($0.name, $0.file) }
            } catch {
                writeStandardError("verify: \(error)\n")
                throw ExitCode(1)
            }
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: weights)) ?? []
        let found = files.filter { $0.hasSuffix(".h5") }.sorted().map { (String($0.dropLast(3)), $0) }
        if found.isEmpty {
            writeStandardError("verify: no networks: \(weights) has no manifest.json and no .h5 files\n")
            throw ExitCode(1)
        }
        return found
    }

    private func printTable(_ rows: [LayerComparison]) {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func e(_ x: Float) -> String { String(format: "%.2e", Double(x)) }
        let blockWidth = min(60, max(20, rows.map { $0.covers.joined(separator: "+").count }.max() ?? 20))
        print(pad("network", 8), pad("compared at (Keras layer)", 28), pad("block covers", blockWidth), pad("kernel", 40),
              pad("shape", 12), pad("max|keras|", 10), pad("worst abs", 10), pad("worst rel", 10), "ok")
        for r in rows {
            var covers = r.covers.count > 1 ? r.covers.joined(separator: "+") : ""
            if covers.count > blockWidth { covers = String(covers.prefix(blockWidth - 1)) + "…" }
            print(pad(r.network, 8), pad(r.layer, 28), pad(covers, blockWidth), pad(r.kernel, 40),
                  pad(r.shape.map(String.init).joined(separator: "×"), 12),
                  pad(e(r.maxAbsReference), 10), pad(e(r.worstAbsError), 10), pad(e(r.worstRelError), 10), r.passed ? "ok" : "MISMATCH")
        }
    }
}
