import Foundation
import KWS
import Layers
import Testing

/// A stream built in the test from bundled clips (data/) with silence between them, and what `listen`
/// hears in it: in-process (file and raw-PCM input) and through the `kws-native listen` binary.
@Suite(.serialized) struct ListenTests {
    /// Settings for the bundled-clip stream: a shorter window than the defaults, so that a single clip in
    /// silence carries the average whatever the eight-class network says about silence.
    static let settings = DetectorSettings(averageWindowMs: 500, threshold: 0.5, suppressionMs: 1500, minimumCount: 3)

    /// The stream: one clip of each label that the little network classifies confidently on its own
    /// (p ≥ 0.9), the first at 1.5 s, each 3 s after the previous one's start, zeros between; and its truth.
    struct BuiltStream {
        var samples: [Float]
        var truth: StreamTruth
    }

    static let built: BuiltStream? = {
        guard let zoo = try? ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false),
              let spotter = try? zoo.spotter("little", options: LoadOptions(tuneKernels: false)),
              let split = try? String(contentsOfFile: TestPaths.path("data/test_split.txt"), encoding: .utf8) else { return nil }
        let lines = split.split(separator: "\n").map(String.init)
        var samples = [Float](repeating: 0, count: 24_000)
        var keywords: [StreamTruth.Keyword] = []
        for label in spotter.labels {
            for rel in lines where rel.hasPrefix(label + "/") {
                guard let clip = try? WAVDecoder.decodeFullLength(WAVDecoder.readBytes(TestPaths.path("data/" + rel))),
                      clip.count <= 16_000 else { continue }
                guard let p = try? spotter.classify(samples: clip) else { continue }
                guard p.labelName == label, p.probability >= 0.9 else { continue }
                let start = samples.count
                samples += clip + [Float](repeating: 0, count: 48_000 - clip.count)
                keywords.append(.init(label: label, startS: Double(start) / 16000, endS: Double(start + clip.count) / 16000))
                break
            }
        }
        return BuiltStream(samples: samples, truth: StreamTruth(kind: .keywords, durationS: Double(samples.count) / 16000, keywords: keywords))
    }()

    static func listener(settings: DetectorSettings = settings) throws -> StreamListener {
        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false)
        return try StreamListener(spotter: try zoo.spotter("little", options: LoadOptions(tuneKernels: false)), settings: settings, hopMs: 40)
    }

    static func detections(_ samples: [Float], chunk: Int = 16_000) throws -> [Detection] {
        let l = try listener()
        var out: [Detection] = []
        samples.withUnsafeBufferPointer { all in
            var i = 0
            while i < all.count {
                let n = min(chunk, all.count - i)
                l.listen(UnsafeBufferPointer(rebasing: all[i..<(i + n)])) { out.append($0) }
                i += n
            }
        }
        return out
    }

    static func pcm16(_ samples: [Float]) -> [UInt8] {
        WAVBuilder.pcm16(samples.map { Int16(max(-32768, min(32767, ($0 * 32768).rounded()))) })
    }

    @Test func findsTheKeywordsOfABuiltStream() throws {
        let stream = try #require(Self.built, "weights/ and data/ must hold the little network and the bundled split")
        #expect(stream.truth.keywords.count >= 6, "clips the little network is sure of: \(stream.truth.keywords.map(\.label))")
        let found = try Self.detections(stream.samples)
        var score = StreamScore()
        score.add(found, truth: stream.truth)
        // All but at most one: with this worktree's synthetic-trained little, "no" followed by silence was
        // heard as "up" once the window slid past the word (7 of 8 found); a clip-level confidence does not
        // guarantee the streaming view.
        #expect(score.found >= score.keywords - 1, "detections \(found.map { "\($0.label)@\($0.timeMs)" }) for \(stream.truth.keywords.map { "\($0.label)@\($0.startS)" })")
        #expect(score.latenciesS.allSatisfy { $0 > -1 && $0 < 2 })
    }

    @Test func chunkSizeDoesNotChangeTheDetections() throws {
        let stream = try #require(Self.built)
        let whole = try Self.detections(stream.samples, chunk: stream.samples.count)
        #expect(try Self.detections(stream.samples, chunk: 777) == whole)
    }

    @Test func rawPCMOnAPipeGivesTheFileDetections() throws {
        let stream = try #require(Self.built)
        let bytes = Self.pcm16(stream.samples)
        // The WAV file path.
        let wav = WAVBuilder(data: bytes).bytes
        let fromFile = try Self.detections(try WAVDecoder.decodeFullLength(wav))
        // The same bytes on a pipe, written in odd-sized pieces by another thread.
        let pipe = Pipe()
        let writer = Thread {
            var i = 0
            while i < bytes.count {
                let n = min(1001, bytes.count - i)
                pipe.fileHandleForWriting.write(Data(bytes[i..<(i + n)]))
                i += n
            }
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let reader = RawPCMReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        let l = try Self.listener()
        var fromPipe: [Detection] = []
        while try reader.next({ l.listen($0) { fromPipe.append($0) } }) {}
        #expect(reader.bytesRead == bytes.count)
        #expect(!fromFile.isEmpty)
        #expect(fromPipe == fromFile)
    }

    @Test func oddByteStreamIsATruncationError() throws {
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data([1, 0, 2, 0, 3]))
        try pipe.fileHandleForWriting.close()
        let reader = RawPCMReader(fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        var samples: [Float] = []
        do {
            while try reader.next({ samples += $0 }) {}
            Issue.record("expected a truncation error")
        } catch {
            #expect(error.message.contains("truncated stream"))
            #expect(error.message.contains("5 bytes"))
        }
        #expect(samples == [1, 2].map { Float($0) / 32768 })
    }

    @Test func stereoAndNon16kWAVAreRefusedAtFullLength() {
        let stereo = WAVBuilder(channels: 2, data: WAVBuilder.pcm16([1, 2, 3, 4])).bytes
        #expect(throws: WAVError.self) { try WAVDecoder.decodeFullLength(stereo) }
        let rate = WAVBuilder(sampleRate: 44100, data: WAVBuilder.pcm16([1, 2])).bytes
        do {
            _ = try WAVDecoder.decodeFullLength(rate)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .wrongSampleRate)
        }
        // Longer than a second: every sample is kept.
        let long = WAVBuilder(data: WAVBuilder.pcm16([Int16](repeating: 5, count: 40_000))).bytes
        #expect((try? WAVDecoder.decodeFullLength(long).count) == 40_000)
    }

    @Test func thresholdSweepReplayEqualsTheDetector() throws {
        let stream = try #require(Self.built)
        let l = try StreamListener(spotter: try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false).spotter("little-listen", options: LoadOptions(tuneKernels: false)),
                                   settings: Self.settings, hopMs: 40, recordsScores: true)
        var live: [Detection] = []
        stream.samples.withUnsafeBufferPointer { l.listen($0) { live.append($0) } }
        let sequence = l.scoreSequence
        #expect(sequence.count == l.results)
        #expect(sequence.detections(Self.settings) == live)
        for threshold: Float in [0.3, 0.5, 0.8, 0.95] {
            for weight: Float in [0, 2] {
                let s = DetectorSettings(averageWindowMs: 500, threshold: threshold, suppressionMs: 1500, minimumCount: 3, unknownWeight: weight)
                let smoothed = sequence.smoothed(s)
                let a = smoothed.detections(threshold: threshold, suppressionMs: 1500).map { [$0.label, "\($0.timeMs)"] }
                let b = sequence.detections(s).map { [$0.label, "\($0.timeMs)"] }
                #expect(a == b, "threshold \(threshold), unknown weight \(weight)")
            }
        }
    }
}

/// Big/Little while listening, live (`CascadeListener`) against its replay on recorded scores
/// (`StreamCascade`, what `listen-eval --big` sweeps): the same detections, the same big-network runs.
@Suite struct CascadeListenerTests {
    /// little-listen and big-listen hear the same MFCC-10 frames (computed once for both); little and big hear
    /// STFT and MFCC (each its own).
    @Test(arguments: [("little-listen", "big-listen"), ("little", "big")])
    func liveEqualsItsReplayInUnevenChunks(networks: (little: String, big: String)) throws {
        let built = try #require(ListenTests.built)
        // The first four keywords (13.5 s): the debug build runs big-listen slowly.
        let stream = (samples: Array(built.samples.prefix(13 * 16_000 + 8_000)), keywords: built.truth.keywords.prefix(4))
        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false)
        func spotter(_ name: String) throws -> KeywordSpotter { try zoo.spotter(name, options: LoadOptions(tuneKernels: false)) }
        let smoothing = DetectorSettings.listenDefault
        let settings = CascadeSettings(wake: 0.3, holdMs: 1000,
                                       big: DetectorSettings(averageWindowMs: 500, threshold: 0.6, suppressionMs: 1500, minimumCount: 3))
        let live = try CascadeListener(little: spotter(networks.little), big: spotter(networks.big), littleSmoothing: smoothing,
                                       settings: settings, hopMs: 40)
        var heard: [Detection] = []
        stream.samples.withUnsafeBufferPointer { all in
            // Chunks shorter and longer than a hop (640 samples), so hops straddle chunks both ways.
            var i = 0, k = 0
            while i < all.count {
                let n = min(k % 2 == 0 ? 300 : 2000, all.count - i)
                live.listen(UnsafeBufferPointer(rebasing: all[i..<(i + n)])) { heard.append($0) }
                i += n
                k += 1
            }
        }
        let little = try StreamListener(spotter: spotter(networks.little), settings: smoothing, hopMs: 40, recordsScores: true)
        let big = try StreamListener(spotter: spotter(networks.big), settings: smoothing, hopMs: 40, recordsScores: true)
        stream.samples.withUnsafeBufferPointer { all in
            little.listen(all) { _ in }
            big.listen(all) { _ in }
        }
        let replay = StreamCascade.replay(little: little.scoreSequence.smoothed(smoothing),
                                          big: big.scoreSequence, settings: settings)
        #expect(replay.detections == heard)
        #expect(replay.bigRuns == live.bigRuns && replay.hops == live.hops && live.hops == little.results)
        // The stream's keywords are heard, and the big network slept through part of the silence between them.
        #expect(Set(heard.map(\.label)).count >= stream.keywords.count / 2)
        #expect(live.bigRuns > 0 && live.bigRuns < live.hops)
    }
}

/// `kws-native listen` as a user runs it: the binary built next to the tests (`swift build --build-tests`).
@Suite(.serialized) struct ListenCommandTests {
    static let binary = TestPaths.path(".build/debug/kws-native")

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary on a thread of its own: Swift Testing runs tests on the cooperative pool (one thread a
    /// core), where a test blocked for a child's lifetime starves every other test's tasks.
    static func run(_ arguments: [String], stdin: Data? = nil) async throws -> Run {
        try await withCheckedThrowingContinuation { done in
            Thread { done.resume(with: Result { try runBlocking(arguments, stdin: stdin) }) }.start()
        }
    }

    private static func runBlocking(_ arguments: [String], stdin: Data?) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: TestPaths.root)
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        let writer = Thread {
            if let stdin { input.fileHandleForWriting.write(stdin) }
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func requireBinary() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build it first: swift build --build-tests (\(Self.binary))")
    }

    @Test func fileAndStdinPrintTheSameDetections() async throws {
        try requireBinary()
        let stream = try #require(ListenTests.built)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let pcm = ListenTests.pcm16(stream.samples)
        let path = dir.path + "/stream.wav"
        try Data(WAVBuilder(data: pcm).bytes).write(to: URL(fileURLWithPath: path))
        let s = ListenTests.settings
        let flags = ["--model", "little", "--json", "--window-ms", "\(s.averageWindowMs)", "--threshold", "\(s.threshold)"]
        let file = try await Self.run(["listen", path] + flags)
        let stdin = try await Self.run(["listen", "-"] + flags, stdin: Data(pcm))
        #expect(file.status == 0, "\(file.stderr)")
        #expect(stdin.status == 0, "\(stdin.stderr)")
        #expect(!file.stdout.isEmpty)
        #expect(file.stdout == stdin.stdout)
        // One JSON object a line with label, time_s and score; the summary on stderr.
        for line in file.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["label"] is String && object?["time_s"] is Double && object?["score"] is Double, "\(line)")
        }
        #expect(file.stderr.contains("real-time factor"))
        #expect(file.stderr.contains(String(format: "%.2f s of audio", Double(stream.samples.count) / 16000)))
    }

    /// `listen-eval` on a directory of two streams (the built keyword stream and ten seconds of silence): its
    /// JSON counts the truth's keywords, --grid covers every unknown weight, and --save-scores writes each
    /// stream's probabilities exactly as a listener records them (float32, hops × labels).
    @Test func listenEvalScoresStreamsAndSavesTheirProbabilities() async throws {
        try requireBinary()
        let stream = try #require(ListenTests.built)
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let streams = dir.path + "/streams", scores = dir.path + "/scores/little"  // listen-eval makes scores/little
        try FileManager.default.createDirectory(atPath: streams, withIntermediateDirectories: true)
        let silence = [Float](repeating: 0, count: 160_000)
        for (name, samples, truth) in [("keywords_00", stream.samples, stream.truth),
                                       ("silence_digital", silence, StreamTruth(kind: .silence, durationS: 10, keywords: []))] {
            try Data(WAVBuilder(data: ListenTests.pcm16(samples)).bytes).write(to: URL(fileURLWithPath: "\(streams)/\(name).wav"))
            try JSONEncoder().encode(truth).write(to: URL(fileURLWithPath: "\(streams)/\(name).json"))
        }
        let r = try await Self.run(["listen-eval", streams, "--model", "little-listen", "--grid", "--json", "--save-scores", scores,
                              "--out", dir.path + "/sweep"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["keywords"] as? Int == stream.truth.keywords.count)
        #expect(o["streams"] as? Int == 2)
        let weights = Set(((o["grid_best"] as? [[String: Any]]) ?? []).compactMap { ($0["unknown_weight"] as? NSNumber)?.floatValue })
        #expect(weights.isSubset(of: [0, 0.5, 1, 1.5, 2]) && weights.count >= 2, "\(weights)")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/sweep.csv") && FileManager.default.fileExists(atPath: dir.path + "/sweep.svg"))
        // The best recall at <= 5 false alarms/h is the sweep's, bounded by its bootstrap interval.
        let best = try #require(o["best_within"] as? [String: Any])
        let recall = try #require((best["recall"] as? NSNumber)?.doubleValue)
        let low = try #require((best["interval_low"] as? NSNumber)?.doubleValue), high = try #require((best["interval_high"] as? NSNumber)?.doubleValue)
        #expect(low <= recall && recall <= high && best["replicates"] as? Int == 1000 && best["max_false_alarms_per_hour"] as? Double == 5)
        let sweepBest = try String(contentsOfFile: dir.path + "/sweep.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .compactMap { line -> (Double, Double)? in
                let f = line.split(separator: ",").map(String.init)
                return f.count > 6 ? (Double(f[5]) ?? -1, Double(f[6]) ?? .infinity) : nil
            }
            .filter { $0.1 <= 5 }.map(\.0).max() ?? 0
        #expect(abs(recall - sweepBest) < 1e-5, "best_within \(recall), the sweep's \(sweepBest)")

        let zoo = try ModelZoo(weightsDirectory: TestPaths.path("weights"), references: false)
        let listener = try StreamListener(spotter: zoo.spotter("little-listen", options: LoadOptions(tuneKernels: false)),
                                          settings: DetectorSettings.listenDefault, hopMs: 40, recordsScores: true)
        silence.withUnsafeBufferPointer { listener.listen($0) { _ in } }
        let saved = try Data(contentsOf: URL(fileURLWithPath: "\(scores)/silence_digital.little-listen.f32"))
        let expected = listener.scoreSequence.scores
        #expect(expected.count == 160_000 / 640 * 10)
        #expect(saved.count == expected.count * 4)
        let floats = saved.withUnsafeBytes { raw in (0..<expected.count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
        #expect(floats == expected)
        #expect(FileManager.default.fileExists(atPath: "\(scores)/keywords_00.little-listen.f32"))
    }

    @Test func badInputIsAClearErrorWithNonZeroStatus() async throws {
        try requireBinary()
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        let stereo = dir.path + "/stereo.wav"
        try Data(WAVBuilder(channels: 2, data: WAVBuilder.pcm16([Int16](repeating: 0, count: 64_000))).bytes).write(to: URL(fileURLWithPath: stereo))
        let s = try await Self.run(["listen", stereo, "--model", "little"])
        #expect(s.status != 0 && s.stderr.contains("2 channels"), "\(s.stderr)")
        let rate = dir.path + "/rate.wav"
        try Data(WAVBuilder(sampleRate: 8000, data: WAVBuilder.pcm16([Int16](repeating: 0, count: 8000))).bytes).write(to: URL(fileURLWithPath: rate))
        let r = try await Self.run(["listen", rate, "--model", "little"])
        #expect(r.status != 0 && r.stderr.contains("8000 Hz"), "\(r.stderr)")
        let odd = try await Self.run(["listen", "-", "--model", "little"], stdin: Data([UInt8](repeating: 0, count: 32_001)))
        #expect(odd.status != 0 && odd.stderr.contains("truncated stream"), "\(odd.stderr)")
        let empty = try await Self.run(["listen", "-", "--model", "little"], stdin: Data())
        #expect(empty.status != 0 && empty.stderr.contains("no audio"), "\(empty.stderr)")
        // One byte: an error after no audio at all; the summary it still prints has its fields in place.
        let byte = try await Self.run(["listen", "-", "--model", "little"], stdin: Data([0]))
        #expect(byte.status != 0 && byte.stderr.contains("truncated stream"), "\(byte.stderr)")
        #expect(byte.stderr.contains("0 detection(s); model little, hop 40 ms") && !byte.stderr.contains("(null)"), "\(byte.stderr)")
        let model = try await Self.run(["listen", "-", "--model", "nosuch"], stdin: Data())
        #expect(model.status != 0 && model.stderr.contains("no network 'nosuch'"), "\(model.stderr)")
        let hop = try await Self.run(["listen", "-", "--model", "little", "--hop-ms", "30"], stdin: Data())
        #expect(hop.status != 0 && hop.stderr.contains("multiple of the frame step"), "\(hop.stderr)")
        for weight in ["-1", "nan"] {
            let w = try await Self.run(["listen", "-", "--unknown-weight=\(weight)"], stdin: Data())
            #expect(w.status != 0 && w.stderr.contains("--unknown-weight must be a number ≥ 0"), "\(w.stderr)")
        }
    }

    @Test func eachModeSmoothsOverItsOwnDefaultWindowUnlessOneIsGiven() async throws {
        try requireBinary()
        let silence = Data(count: 2 * 16_000 * 2)
        let alone = DetectorSettings.listenDefault.averageWindowMs, cascade = CascadeSettings.listenDefault.big.averageWindowMs
        #expect(alone != cascade)
        for (flags, window) in [([String](), alone), (["--big", "big-listen"], cascade),
                                (["--window-ms", "750"], 750), (["--big", "big-listen", "--window-ms", "750"], 750)] {
            let r = try await Self.run(["listen", "-"] + flags, stdin: silence)
            #expect(r.status == 0 && r.stderr.contains("window \(window) ms,"), "\(flags): \(r.stderr)")
        }
    }

    @Test func helpExplainsTheOptionsWithAnExample() async throws {
        try requireBinary()
        let h = try await Self.run(["listen", "--help"])
        for text in ["--hop-ms", "--threshold", "--unknown-weight", "--json", "--window-ms", "--suppression-ms", "arecord -t raw -f S16_LE -r 16000 -c 1 | kws-native listen -", "default: 40"] {
            #expect(h.stdout.contains(text), "\(text)")
        }
    }
}
