import Foundation
import KWS
import Layers

// kws-bench: the Swift side of bench/run.sh. It reads one command per line on standard input and answers
// each with one JSON line, so that the Python driver can alternate Swift and TFLite blocks in one run:
//
//   load NAME WAV            load the network NAME from the zoo, with WAV as its fixed clip
//   network NAME RUNS WARMUP    timed network.predict on the clip's features → samples_us, logits
//   features NAME RUNS WARMUP   timed feature extraction on the clip's samples → samples_us
//   e2e NAME RUNS WARMUP        timed wav bytes → decode → features → network → label → samples_us, label
//   blocks NAME RUNS            median µs per planned block (Network.timeBlocks) with kind and kernel
//   kernels NAME ROUNDS RUNS    per op with more than one runnable kernel: the µs the tuner measured for
//                               each when it loaded the network (`Network.tuning`), and its choice (ROUNDS
//                               and RUNS are accepted and unused)
//   depthwise H W C STRIDE ROUNDS   one 3×3 'valid' depthwise layer (random weights, ReLU6): median µs of every
//                               kernel (NHWC input) and of the blocked row kernels (channel-blocked input, as
//                               inside a fused 1×1 → depthwise pair), interleaved, ROUNDS rounds of 20 calls
//   allocs NAME RUNS            heap allocations per call in steady state (needs malloc_count.so preloaded)
//   loadtime NAME               median ms of Network.load with kernel tuning (the default) and without
//   bandwidth                   best GB/s reading 4 MB and 16 MB buffers (L3: where big weights stream from)
//   peak                        best GFLOP/s of an FMA loop (SIMD16, 12 chains)
//   quit
//
//   kws-bench [--weights DIR]     (single-threaded: OpenBLAS is set to one thread when a network loads)
//   kws-bench [--weights DIR] --cold NAME WAV    one cold classification, phase by phase (ColdPath.swift)

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

var weightsDirectory = "weights"
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    switch flag {
    case "--weights": weightsDirectory = arguments.popFirst() ?? weightsDirectory
    case "--cold":
        guard let name = arguments.popFirst(), let wav = arguments.popFirst() else {
            FileHandle.standardError.write(Data("usage: kws-bench [--weights DIR] --cold NAME WAV\n".utf8))
            exit(2)
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let phases = try ColdPath.run(weights: weightsDirectory, name: name, wav: wav)
            print(String(decoding: try encoder.encode(phases), as: UTF8.self))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("kws-bench: \(error)\n".utf8))
            exit(1)
        }
    default:
        FileHandle.standardError.write(Data("usage: kws-bench [--weights DIR] [--cold NAME WAV] (commands on standard input)\n".utf8))
        exit(2)
    }
}

let zoo: ModelZoo
do { zoo = try ModelZoo(weightsDirectory: weightsDirectory) } catch {
    FileHandle.standardError.write(Data("kws-bench: \(error)\n".utf8))
    exit(1)
}

struct Samples: Encodable { var samples_us: [Double]; var logits: [Float]? = nil; var label: Int? = nil }
struct Loaded: Encodable {
    var network: String; var macs: Int; var params: Int; var load_ms: Double; var blocks: Int
    var sparse_blocks: Int; var input_shape: [Int]
}
struct BlockTime: Encodable { var layers: [String]; var kind: String; var kernel: String; var us: Double }
struct KernelTimes: Encodable { var layers: [String]; var kind: String; var chosen: String; var us: [String: Double] }
struct Allocations: Encodable { var network: Double?; var features: Double?; var end_to_end: Double?; var counter: Bool }
struct Peak: Encodable { var gflops: Double; var loop: String; var checksum: Float }
struct LoadTime: Encodable { var tuned_ms: Double; var untuned_ms: Double; var file: String }
struct Bandwidth: Encodable { var gbps: Double; var how: String; var checksum: Float }
struct Failure: Encodable { var error: String }

/// The loaded networks and the command interpreter (one instance, used from the main thread only).
final class BenchServer {
    let zoo: ModelZoo
    var loaded: [String: Workloads] = [:]
    let encoder = JSONEncoder()

    init(zoo: ModelZoo) {
        self.zoo = zoo
        encoder.outputFormatting = [.sortedKeys]
    }

    /// One JSON line on standard output, written unbuffered so the driver sees it at once.
    func reply(_ value: some Encodable) {
        var data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            data = Data("{\"error\":\"cannot encode the reply: \(error)\"}".utf8)
        }
        data.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(data)
    }

    func workloads(_ name: String) throws -> Workloads {
        guard let w = loaded[name] else { throw BenchError(description: "network '\(name)' is not loaded (send: load \(name) WAV)") }
        return w
    }

    func number(_ words: [Substring], _ index: Int, default value: Int) throws -> Int {
        guard index < words.count else { return value }
        guard let n = Int(words[index]), n >= 0 else { throw BenchError(description: "'\(words[index])' is not a count") }
        return n
    }

    func handle(_ words: [Substring]) throws -> Bool {
        let name = words.count > 1 ? String(words[1]) : ""
        switch words.first {
        case "load":
            guard words.count == 3 else { throw BenchError(description: "usage: load NAME WAV") }
            let start = monotonicNanos()
            let spotter = try zoo.spotter(name)
            let ms = Double(monotonicNanos() &- start) / 1e6
            let w = try Workloads(spotter: spotter, wavBytes: try WAVDecoder.readBytes(String(words[2])))
            loaded[name] = w
            let net = spotter.network
            reply(Loaded(network: name, macs: net.macs, params: net.parameterCount, load_ms: ms, blocks: net.blocks.count,
                         sparse_blocks: net.blocks.filter { $0.kernel.hasPrefix("f32-spmm") }.count,
                         input_shape: net.inputShape))
        case "network":
            let w = try workloads(name)
            let samples = timeCalls(runs: try number(words, 2, default: 1000), warmup: try number(words, 3, default: 50)) { w.runNetwork() }
            reply(Samples(samples_us: samples, logits: w.networkLogits))
        case "features":
            let w = try workloads(name)
            reply(Samples(samples_us: timeCalls(runs: try number(words, 2, default: 1000), warmup: try number(words, 3, default: 50)) { w.runFeatures() }))
        case "e2e":
            let w = try workloads(name)
            let samples = timeCalls(runs: try number(words, 2, default: 500), warmup: try number(words, 3, default: 20)) { w.runEndToEnd() }
            reply(Samples(samples_us: samples, label: w.runEndToEnd()))
        case "blocks":
            let w = try workloads(name)
            let net = w.spotter.network
            let times = net.timeBlocks(w.features, runs: try number(words, 2, default: 200))
            reply(zip(net.blocks, times).map { BlockTime(layers: $0.kerasLayers, kind: $0.kind, kernel: $0.kernel, us: $1) })
        case "kernels":
            let w = try workloads(name)
            let net = w.spotter.network
            reply(net.tuning.map { t in
                KernelTimes(layers: net.blocks[t.op].kerasLayers, kind: net.blocks[t.op].kind, chosen: net.blocks[t.op].kernel,
                            us: Dictionary(uniqueKeysWithValues: t.microseconds.compactMap { m in m.us.map { (m.kernel, $0) } }))
            })
        case "depthwise":
            guard words.count == 6, let h = Int(words[1]), let w = Int(words[2]), let c = Int(words[3]), let stride = Int(words[4]),
                  let rounds = Int(words[5]), h >= 3, w >= 3, c >= 16, stride >= 1, rounds >= 1 else {
                throw BenchError(description: "usage: depthwise H W C STRIDE ROUNDS (H, W ≥ 3, C ≥ 16)")
            }
            reply(timeDepthwise(height: h, width: w, channels: c, stride: stride, rounds: rounds))
        case "allocs":
            let w = try workloads(name)
            let runs = max(1, try number(words, 2, default: 200))
            guard let counter = MallocCounter() else { reply(Allocations(counter: false)); return true }
            reply(Allocations(network: counter.allocationsPerCall(runs: runs) { w.runNetwork() },
                              features: counter.allocationsPerCall(runs: runs) { w.runFeatures() },
                              end_to_end: counter.allocationsPerCall(runs: runs) { w.runEndToEnd() }, counter: true))
        case "loadtime":
            let path = (zoo.weightsDirectory as NSString).appendingPathComponent(try zoo.entry(name).file)
            func medianMillis(_ options: LoadOptions) throws -> Double {
                var ms: [Double] = []
                for _ in 0..<3 {
                    let start = monotonicNanos()
                    _ = try Network.load(kerasFile: path, options: options)
                    ms.append(Double(monotonicNanos() &- start) / 1e6)
                }
                return ms.sorted()[1]
            }
            reply(LoadTime(tuned_ms: try medianMillis(LoadOptions()), untuned_ms: try medianMillis(LoadOptions(tuneKernels: false)), file: path))
        case "bandwidth":
            let small = measureReadGBps(megabytes: 4, trials: 30), large = measureReadGBps(megabytes: 16, trials: 30)
            reply(Bandwidth(gbps: max(small.gbps, large.gbps),
                            how: "sums of a 4 MB and a 16 MB float buffer (both beyond L2) with 4 SIMD16 accumulators, best of 30 each: "
                                + "4 MB \(Int(small.gbps)) GB/s, 16 MB \(Int(large.gbps)) GB/s; varies by ±15 % between runs here",
                            checksum: small.checksum + large.checksum))
        case "peak":
            let p = measurePeakGFLOPS()
            reply(Peak(gflops: p.gflops, loop: "12 independent SIMD16<Float> FMA chains in Swift (vfmadd231ps zmm), best of 40 × 500k iterations", checksum: p.checksum))
        case "quit":
            return false
        default:
            throw BenchError(description: "unknown command '\(words.first ?? "")' (load, network, features, e2e, blocks, kernels, depthwise, allocs, loadtime, bandwidth, peak, quit)")
        }
        return true
    }
}

let server = BenchServer(zoo: zoo)
while let line = readLine() {
    let words = line.split(separator: " ")
    if words.isEmpty { continue }
    do {
        if try !server.handle(words) { break }
    } catch {
        server.reply(Failure(error: "\(error)"))
    }
}
