import ArgumentParser
import Foundation
import KWS
import Layers

struct Pack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a network as a packed model for a device (or for --model FILE.kwspack here).",
        discussion: """
            A packed model is one self-contained little-endian file: the feature recipe, the labels, the \
            detector's settings for a listening network, and the network's steps after the rewrites, each with \
            the kernel chosen for TARGET and its weights (docs/DEVICES.md, Sources/Runtime/Pack/PackFormat.swift). \
            The device program (scripts/build-device.sh) runs it; so does every command here given \
            --model FILE.kwspack.

            Targets: aarch64-linux (NEON: the vector kernels), cortex-m4 (an FPU and no vectors: the scalar \
            kernels), x86-64-avx2, x86-64-avx512, scalar.

            Exit status: 0 written; 1 the model did not load or the file could not be written; 64 bad \
            command line.

            Examples:
              kws-native pack --model little-listen --target cortex-m4 --out little-listen.kwspack
              kws-native pack --model little-listen --target cortex-m4 --out model.c --c-array
              kws-native infer data/yes/*.wav --model little-listen.kwspack
            """
    )

    @Option(help: "Network from the manifest: little, big, coop1…coop5, little-listen, big-listen.") var model: String
    @Option(help: "CPU class to choose the kernels for: \(CPUFeatures.targetNames.joined(separator: ", ")).") var target: String
    @Option(help: "The file to write (a .kwspack, or C source with --c-array).") var out: String
    @Flag(name: .customLong("c-array"), help: "Write C source defining the pack as a byte array (kws_pack, kws_pack_size), to link into firmware.")
    var cArray = false
    @Option(help: "Directory holding manifest.json and the Keras .h5 files.") var weights = "weights"
    @Flag(help: "Print a JSON summary (model, target, bytes, steps with their kernels).") var json = false

    func validate() throws {
        guard CPUFeatures.target(target) != nil else {
            throw ValidationError("--target \(target) is not one of \(CPUFeatures.targetNames.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let description: PackedModelDescription
        do {
            description = try ModelZoo(weightsDirectory: weights, references: false).pack(model, target: target)
        } catch {
            throw fail("\(error)")
        }
        let bytes = PackFile.encode(description)
        let data = cArray ? Data(PackSource.c(bytes, model: model, target: target).utf8) : Data(bytes)
        do {
            try data.write(to: URL(fileURLWithPath: out))
        } catch {
            throw fail("cannot write \(out): \(error.localizedDescription)")
        }
        if json {
            print(try jsonLine(Summary(model: model, target: target, file: out, bytes: bytes.count,
                                       parameters: description.steps.reduce(0) { $0 + $1.op.parameterCount },
                                       steps: description.steps.map { Summary.Step(kind: $0.kind, kernel: $0.kernel) })))
        } else {
            for (i, step) in description.steps.enumerated() {
                print(String(i).padding(toLength: 4, withPad: " ", startingAt: 0),
                      step.kind.padding(toLength: 24, withPad: " ", startingAt: 0), step.kernel)
            }
            writeStandardError("wrote \(out): \(model) for \(target), \(bytes.count) bytes, \(description.steps.count) steps\n")
        }
    }
}

extension Pack {
    struct Summary: Encodable {
        struct Step: Encodable { var kind: String, kernel: String }
        var model: String, target: String, file: String
        var bytes: Int, parameters: Int
        var steps: [Step]
    }
}

/// A pack as C source, to compile into a firmware image.
enum PackSource {
    static func c(_ bytes: [UInt8], model: String, target: String) -> String {
        var s = "/* kws-native pack --model \(model) --target \(target): a packed model (docs/DEVICES.md). */\n"
        s += "const unsigned long kws_pack_size = \(bytes.count);\n"
        s += "__attribute__((aligned(8))) const unsigned char kws_pack[\(bytes.count)] = {\n"
        for start in stride(from: 0, to: bytes.count, by: 16) {
            s += "  " + bytes[start..<min(start + 16, bytes.count)].map { "0x" + String($0, radix: 16) }.joined(separator: ",") + ",\n"
        }
        return s + "};\n"
    }
}
