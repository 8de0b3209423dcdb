import ArgumentParser
import Foundation
import KWS
import Layers

/// `--plan FILE`, shared by the commands that run a network.
struct PlanOption: ParsableArguments {
    @Option(name: .customLong("plan"),
            help: "Run exactly this kernel plan (JSON written by `kws-native plan`); refused if it does not fit the model or this CPU.")
    var file: String?

    /// The loader's options: the plan in `file` when given, else tuned or not as `tune` says.
    func loadOptions(tune: Bool = true) throws -> LoadOptions {
        guard let file else { return LoadOptions(tuneKernels: tune) }
        return LoadOptions(plan: try KernelPlan.load(path: file), planSource: file)
    }
}

struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the kernels chosen for each op of a network, as JSON.",
        discussion: """
            Without --tune the default plan (the first kernel of each op's table that applies and runs on \
            this CPU: the same on every run); with --tune the fastest chain measured here. The file can be \
            given to infer, eval, profile, serve, coop-worker and verify with --plan FILE, which then run \
            exactly it, or refuse it (naming the op and why) if it does not fit the model or this CPU.

            Exit status: 0 written; 1 the model did not load or the file could not be written; 64 bad \
            command line.

            Examples:
              kws-native plan --model big --tune --out big-plan.json
              kws-native infer data/yes/*.wav --model big --plan big-plan.json
            """
    )

    @Option(help: "Network from the manifest: little, big, coop1…coop5.") var model: String
    @Option(help: "Directory holding manifest.json and the Keras .h5 files.") var weights = "weights"
    @Flag(help: "Time the kernels on this machine and keep the fastest chain.") var tune = false
    @Option(help: "Write the plan to this file (default: standard output).") var out: String?
    @Flag(help: "Print the plan as JSON (the default when --out is not given); with --out, also to standard output.") var json = false

    func run() async throws {
        let spotter: KeywordSpotter
        do {
            spotter = try ModelZoo(weightsDirectory: weights, references: false).spotter(model, options: LoadOptions(tuneKernels: tune))
        } catch {
            throw fail("\(error)")
        }
        let data = spotter.network.plan.json() + Data("\n".utf8)
        if let out {
            do {
                try data.write(to: URL(fileURLWithPath: out))
            } catch {
                throw fail("cannot write \(out): \(error)")
            }
            if !json {
                for op in spotter.network.plan.ops {
                    print(String(op.index).padding(toLength: 4, withPad: " ", startingAt: 0),
                          op.kind.padding(toLength: 10, withPad: " ", startingAt: 0),
                          op.kernel.padding(toLength: 40, withPad: " ", startingAt: 0),
                          op.layers.joined(separator: "+"))
                }
                writeStandardError("wrote \(out): \(spotter.network.plan.ops.count) ops of \(model)\(tune ? " (tuned)" : "")\n")
                return
            }
        }
        FileHandle.standardOutput.write(data)
    }
}
