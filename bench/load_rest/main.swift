// load-rest: throughput and latency of the big REST server at several concurrency levels, against the
// ideal of (cores ÷ big-network latency). A benchmark, not a test: run it in release on a quiet machine.
//
//   swift run -c release load-rest [--server URL] [--concurrency 1,8,64] [--requests 400] [--payload wav16]
//                                  [--weights weights] [--data data] [--json]
//
// Without --server it starts the big server in this process on a free loopback port (then client and
// server share the cores, which the report says). Each request is a real clip's SenML body.
import Foundation
import KWS
import Logging
import Serving

struct Options {
    var server: String?
    var concurrency = [1, 8, 64]
    var requests = 400
    var payload = PayloadKind.wav16
    var weights = "weights"
    var data = "data"
    var json = false

    init(_ args: [String]) throws {
        var it = args.dropFirst().makeIterator()
        func value(_ flag: String) throws -> String {
            guard let v = it.next() else { throw Failure("\(flag) needs a value") }
            return v
        }
        while let a = it.next() {
            switch a {
            case "--server": server = try value(a)
            case "--concurrency":
                concurrency = try value(a).split(separator: ",").map { s in
                    guard let c = Int(s), c > 0 else { throw Failure("--concurrency: '\(s)' is not a positive integer") }
                    return c
                }
            case "--requests":
                guard let n = Int(try value(a)), n > 0 else { throw Failure("--requests must be a positive integer") }
                requests = n
            case "--payload":
                let v = try value(a)
                guard let p = PayloadKind(rawValue: v) else { throw Failure("--payload: '\(v)' is not wav16, float32 or mfcc") }
                payload = p
            case "--weights": weights = try value(a)
            case "--data": data = try value(a)
            case "--json": json = true
            case "-h", "--help":
                print("usage: load-rest [--server URL] [--concurrency 1,8,64] [--requests N] [--payload wav16|float32|mfcc] [--weights DIR] [--data DIR] [--json]")
                exit(0)
            default: throw Failure("unknown argument '\(a)' (see --help)")
            }
        }
    }
}

struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

struct Level: Encodable {
    let concurrency: Int
    let requests: Int
    let ok: Int
    let failed: Int
    let seconds: Double
    let throughput_rps: Double
    let latency: LatencySummary
    let ratio_to_ideal: Double
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }

func main() async throws {
    let options = try Options(CommandLine.arguments)
    let zoo = try ModelZoo(weightsDirectory: options.weights)
    let splitPath = options.data + "/test_split.txt"
    let dataset = try Dataset(directory: options.data,
                              splitFile: FileManager.default.fileExists(atPath: splitPath) ? splitPath : nil, labels: zoo.labels)
    let bigSpec = try zoo.entry("big").features
    let builder = try RequestPayloadBuilder(kind: options.payload, bigFeatureSpec: bigSpec)
    let clips = Array(dataset.clips.prefix(64))
    let samples = try clips.map { try WAVDecoder.decode(contentsOf: $0.path) }
    let bodies = try samples.map { try builder.body(samples: $0) }

    // Big-network latency, one thread, as the server runs it (features + network; mfcc: network only).
    let big = try SpotterClassifier(zoo: zoo, name: "big")
    let extractor = try FeatureExtractor(spec: bigSpec)
    let features = samples.map { extractor($0) }
    var times: [Double] = []
    let clock = ContinuousClock()
    for round in 0..<5 {
        for (i, s) in samples.enumerated() {
            let t = clock.now
            if options.payload == .mfcc { _ = try big.classify(features: features[i]) } else { _ = try big.classify(samples: s) }
            if round > 0 { times.append((clock.now - t).inMilliseconds) }
        }
    }
    let bigMs = median(times)
    // Request decoding on the server (SenML JSON + base64 + WAV), one thread.
    let decoder = PredictRequestDecoder(featureCount: extractor.outputCount)
    var decodeTimes: [Double] = []
    for b in bodies + bodies {
        let t = clock.now
        _ = try decoder.decode(b)
        decodeTimes.append((clock.now - t).inMilliseconds)
    }
    let decodeMs = median(decodeTimes)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let ideal = Double(cores) / (bigMs / 1000)

    var running: RunningBigServer?
    let url: String
    if let server = options.server {
        url = server
    } else {
        var quiet = Logger(label: "load-rest")
        quiet.logLevel = .warning
        let server = try BigServer(configuration: BigServerConfiguration(port: 0), logger: quiet) { _ in
            try SpotterClassifier(zoo: zoo, name: "big")
        }
        running = try await server.start()
        url = running!.url
    }
    let client = BigClient(server: url, timeout: .seconds(30))
    // Warm up the connections and the server's pool.
    for b in bodies.prefix(8) { _ = await client.predict(body: b) }

    var levels: [Level] = []
    for c in options.concurrency {
        let perWorker = max(1, options.requests / c)
        let start = clock.now
        let results = await withTaskGroup(of: [(Double, Bool)].self) { group in
            for w in 0..<c {
                group.addTask {
                    var out: [(Double, Bool)] = []
                    let clock = ContinuousClock()
                    for k in 0..<perWorker {
                        let body = bodies[(w * perWorker + k) % bodies.count]
                        let t = clock.now
                        let outcome = await client.predict(body: body)
                        if case .answer = outcome { out.append(((clock.now - t).inMilliseconds, true)) } else { out.append((0, false)) }
                    }
                    return out
                }
            }
            return await group.reduce(into: [(Double, Bool)]()) { $0 += $1 }
        }
        let seconds = (clock.now - start).inMilliseconds / 1000
        let ok = results.filter(\.1)
        let rps = Double(ok.count) / seconds
        levels.append(Level(concurrency: c, requests: results.count, ok: ok.count, failed: results.count - ok.count,
                            seconds: seconds, throughput_rps: rps, latency: LatencySummary(milliseconds: ok.map(\.0)),
                            ratio_to_ideal: rps / ideal))
    }
    await running?.stop()

    if options.json {
        struct Out: Encodable {
            let server: String; let in_process: Bool; let payload: String; let cores: Int
            let big_latency_ms: Double; let request_decode_ms: Double; let ideal_rps: Double; let request_bytes: Int; let levels: [Level]
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try enc.encode(Out(server: url, in_process: running != nil, payload: options.payload.rawValue, cores: cores,
                                                  big_latency_ms: bigMs, request_decode_ms: decodeMs, ideal_rps: ideal, request_bytes: bodies[0].count, levels: levels)), as: UTF8.self))
        return
    }
    print("load-rest: \(url)\(running != nil ? " (in-process: client and server share the \(cores) cores)" : ""), payload \(options.payload.rawValue), \(bodies[0].count) B/request")
    print(String(format: "big network, one thread: %.3f ms median → ideal %d cores ÷ latency = %.0f requests/s", bigMs, cores, ideal))
    print(String(format: "request decoding on the server (SenML + base64 + payload), one thread: %.3f ms median", decodeMs))
    print("concurrency  requests  failed  throughput (req/s)  p50 (ms)  p99 (ms)  ratio to ideal")
    for l in levels {
        print(String(format: "%11d  %8d  %6d  %18.1f  %8.2f  %8.2f  %14.2f", l.concurrency, l.requests, l.failed, l.throughput_rps,
                     l.latency.p50, l.latency.p99, l.ratio_to_ideal))
    }
}

do {
    try await main()
} catch {
    FileHandle.standardError.write(Data("load-rest: \(error)\n".utf8))
    exit(1)
}
