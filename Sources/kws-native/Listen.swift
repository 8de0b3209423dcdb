import ArgumentParser
import Foundation
import KWS
import Layers

/// The smoother's and the hop's options, shared by `listen` and `listen-eval`.
struct ListenOptions: ParsableArguments {
    @Option(help: "Network from the manifest (default: little-listen when the manifest has it, else little).")
    var model: String?

    @Option(name: .customLong("hop-ms"), help: """
        Milliseconds between two classifications of the last second; a multiple of the network's frame \
        step (little: 8 ms; big and both listening networks: 20 ms; 40 ms suits all).
        """)
    var hopMs = DetectorSettings.listenDefaultHopMs

    @Option(help: "Detection threshold: the smallest keyword score that fires, in (0, 1] (the score: the averaged keyword probability minus --unknown-weight × the averaged _unknown_ probability; RecognizeCommands: 200/255 = 0.784 with weight 0).")
    var threshold: Float = DetectorSettings.listenDefault.threshold

    @Option(name: .customLong("unknown-weight"), help: """
        How much of the averaged _unknown_ probability counts against a keyword's score, ≥ 0 (0: RecognizeCommands' \
        score; no effect on a network without _unknown_). Default: \(DetectorSettings.listenDefault.unknownWeight) for \
        one network, \(CascadeSettings.listenDefault.big.unknownWeight) for both networks of --big.
        """)
    var unknownWeight: Float?

    @Option(name: .customLong("window-ms"), help: """
        Averaging window of the smoother, in milliseconds. Default: \(DetectorSettings.listenDefault.averageWindowMs) \
        for one network, \(CascadeSettings.listenDefault.big.averageWindowMs) for both networks of --big.
        """)
    var windowMs: Int?

    @Option(name: .customLong("suppression-ms"), help: "After a detection, no other for this many milliseconds.")
    var suppressionMs = DetectorSettings.listenDefault.suppressionMs

    @Option(name: .customLong("min-count"), help: "Results the window must hold before anything fires.")
    var minCount = DetectorSettings.listenDefault.minimumCount

    @Option(help: "Directory holding manifest.json and the Keras .h5 files.")
    var weights = "weights"

    func validate() throws {
        guard hopMs > 0 else { throw ValidationError("--hop-ms must be positive") }
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1]") }
        if let unknownWeight, !(unknownWeight >= 0 && unknownWeight.isFinite) {
            throw ValidationError("--unknown-weight must be a number ≥ 0")
        }
        guard (windowMs ?? 1) > 0, suppressionMs >= 0, minCount >= 1 else {
            throw ValidationError("--window-ms must be positive, --suppression-ms ≥ 0 and --min-count ≥ 1")
        }
    }

    /// The detector of one network listening alone.
    var settings: DetectorSettings { detector(defaults: DetectorSettings.listenDefault) }

    /// The smoothing of both networks of Big/Little (`--big`), whose default window and unknown weight are the
    /// cascade's; the big network's threshold is set apart.
    var cascadeSmoothing: DetectorSettings { detector(defaults: CascadeSettings.listenDefault.big) }

    /// The options given, the mode's `defaults` for the window and unknown weight when they are not.
    private func detector(defaults: DetectorSettings) -> DetectorSettings {
        DetectorSettings(averageWindowMs: windowMs ?? defaults.averageWindowMs, threshold: threshold, suppressionMs: suppressionMs,
                         minimumCount: minCount, unknownWeight: unknownWeight ?? defaults.unknownWeight)
    }

    /// The network to listen with: `name`, else `--model`, else little-listen when the manifest has it, else
    /// little.
    func network(named given: String? = nil) throws -> KeywordSpotter {
        do {
            let zoo = try ModelZoo(weightsDirectory: weights, references: false)
            let name = given ?? model ?? (zoo.networkNames.contains("little-listen") ? "little-listen" : "little")
            // The default kernels, not the ones timed fastest at load: timing can pick another kernel from one
            // run to the next, whose last-bit differences move a detection that sits on the threshold, and
            // the same audio must give the same detections (file or stdin, run after run).
            return try zoo.spotter(name, options: LoadOptions(tuneKernels: false))
        } catch {
            throw fail("\(error)")
        }
    }

    /// A listener on `network(named:)`.
    func spotter(recordsScores: Bool = false, name given: String? = nil) throws -> StreamListener {
        let spotter = try network(named: given)
        do {
            return try StreamListener(spotter: spotter, settings: settings, hopMs: hopMs, recordsScores: recordsScores)
        } catch {
            throw fail("\(error)")
        }
    }

    /// Hop and detector settings, for people (without the threshold for Big/Little's smoothing, whose
    /// threshold is the big network's, described with it).
    func describe(_ s: DetectorSettings, threshold: Bool = true) -> String {
        String(format: "hop %d ms, window %d ms, unknown weight %.2f, %@suppression %d ms, minimum count %d",
               hopMs, s.averageWindowMs, s.unknownWeight, threshold ? String(format: "threshold %.3f, ", s.threshold) : "",
               s.suppressionMs, s.minimumCount)
    }
}

/// One detection as `listen --json` prints it.
struct DetectionLine: Encodable {
    var label: String
    var time_s: Double
    var score: Float
    init(_ d: Detection) {
        label = d.label
        time_s = d.timeSeconds
        score = (d.score * 10000).rounded() / 10000
    }
}

/// `kws-native listen [FILE.wav | -]`: keywords in a continuous stream, printed as they are heard.
struct Listen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Spot keywords in a continuous stream (a WAV of any length, or raw PCM on stdin), as they are heard.",
        discussion: """
            Every --hop-ms the last second is classified (features of the frames heard since the last hop \
            plus one network run); the probabilities are averaged over --window-ms, and a keyword is \
            reported when the averaged top class is a keyword (a label not starting with _) whose score \
            (its averaged probability minus --unknown-weight × the averaged _unknown_ probability: other \
            words are what a listening network mistakes for keywords) is at least --threshold, at most \
            once per --suppression-ms. Each detection is printed (and flushed) as it happens: stream \
            time, label and score, or \
            with --json one object a line with label, time_s and score. At the end a summary goes to stderr: \
            audio seconds, processing seconds and the real-time factor; on stdin it also warns on stderr \
            whenever processing falls behind real time.

            Input: a 16 kHz mono WAV file (any length), or - for raw 16 kHz mono signed 16-bit \
            little-endian PCM on stdin. Example, from a microphone:
              arecord -t raw -f S16_LE -r 16000 -c 1 | kws-native listen -
            or from a file:
              kws-native listen recording.wav --json

            With --big NAME (e.g. big-listen) it listens as Big/Little: the listening network runs every hop \
            and wakes the big one while its averaged top class is a keyword scoring at least --wake; only \
            the big network's averaged scores (with --big-threshold) report keywords.

            Defaults (window, unknown weight, threshold, suppression, minimum count, wake) were chosen on \
            validation streams; \
            see docs/LISTENING.md. With --truth TRUTH.json (written by reference/make_streams.py) the \
            detections are also scored: recall, false alarms or detections per hour, latency.
            """)

    @Argument(help: "A 16 kHz mono WAV file, or - for raw 16 kHz mono s16le PCM on stdin.")
    var input = "-"

    @OptionGroup var options: ListenOptions

    @Flag(help: "One JSON object per detection (label, time_s, score), one a line.")
    var json = false

    @Option(help: "Score the detections against this truth file (reference/make_streams.py's NAME.json).")
    var truth: String?

    @Option(help: """
        Big/Little while listening: ask this network too (e.g. big-listen) while the listening network's \
        averaged top class is a keyword scoring at least --wake; only this network's averaged scores \
        (with --big-threshold) report keywords.
        """)
    var big: String?

    @Option(help: "With --big: the listening network's averaged keyword score that wakes the big network.")
    var wake = CascadeSettings.listenDefault.wake

    @Option(name: .customLong("big-threshold"), help: "With --big: the big network's detection threshold.")
    var bigThreshold = CascadeSettings.listenDefault.big.threshold

    func validate() throws {
        guard wake > 0, wake <= 1, bigThreshold > 0, bigThreshold <= 1 else {
            throw ValidationError("--wake and --big-threshold must be in (0, 1]")
        }
    }

    /// One network, or with --big the cascade of the listening network and the big one.
    func listener() throws -> any KeywordListening {
        guard let big else { return try options.spotter() }
        let little = try options.network(), bigNetwork = try options.network(named: big)
        var bigSettings = options.cascadeSmoothing
        bigSettings.threshold = bigThreshold
        do {
            return try CascadeListener(little: little, big: bigNetwork, littleSmoothing: options.cascadeSmoothing,
                                       settings: CascadeSettings(wake: wake, holdMs: CascadeSettings.listenDefault.holdMs, big: bigSettings),
                                       hopMs: options.hopMs)
        } catch {
            throw fail("\(error)")
        }
    }

    func run() async throws {
        let truthFile: StreamTruth?
        do { truthFile = try truth.map { try StreamTruth.load(path: $0) } } catch { throw fail("\(error)") }
        let listener = try listener()
        var detections: [Detection] = []
        let report: (Detection) -> Void = { d in
            detections.append(d)
            // Written straight to the file descriptor (unbuffered), so a pipe sees each detection as it fires.
            if json, let line = try? jsonLine(DetectionLine(d)) {
                emit(line)
            } else {
                emit(String(format: "%9.3f s  %@  %.3f", d.timeSeconds, d.label, d.score))
            }
        }
        let clock = Stopwatch.now()
        var busyNs: UInt64 = 0
        var audioSamples = 0
        if input == "-" {
            let reader = RawPCMReader(fileDescriptor: 0)
            let watch = RealTimeWatch(sampleRate: listener.sampleRate)
            do {
                while try reader.next({ chunk in
                    let t0 = Stopwatch.now()
                    listener.listen(chunk, onDetection: report)
                    let spent = Stopwatch.now() - t0
                    busyNs += spent
                    audioSamples += chunk.count
                    watch.add(samples: chunk.count, busyNs: spent)
                }) {}
            } catch {
                summary(listener, audioSamples: audioSamples, busyNs: busyNs, wallNs: Stopwatch.now() - clock, detections: detections.count)
                throw fail("\(error)")
            }
            // An empty stream is a failure upstream (the recorder did not start), as an empty WAV is an error.
            guard audioSamples > 0 else {
                throw fail("standard input: no audio (the stream ended before its first sample; expected raw 16 kHz mono signed 16-bit little-endian PCM)")
            }
        } else {
            let samples: [Float]
            do {
                samples = try WAVDecoder.decodeFullLength(try WAVDecoder.readBytes(input))
            } catch {
                var e = error
                e.path = input
                throw fail("\(e)")
            }
            let t0 = Stopwatch.now()
            samples.withUnsafeBufferPointer { listener.listen($0, onDetection: report) }
            busyNs = Stopwatch.now() - t0
            audioSamples = samples.count
        }
        summary(listener, audioSamples: audioSamples, busyNs: busyNs, wallNs: Stopwatch.now() - clock, detections: detections.count)
        if let t = truthFile {
            var score = StreamScore()
            score.add(detections, truth: t)
            emit(ListenEval.describe(score))
        }
    }

    private func summary(_ listener: any KeywordListening, audioSamples: Int, busyNs: UInt64, wallNs: UInt64, detections: Int) {
        let audio = Double(audioSamples) / Double(listener.sampleRate)
        let busy = Double(busyNs) / 1e9
        // Typed, not a literal in a ternary: as a CVarArg each branch keeps its own type, and an Int 0 read by
        // %.4f shifts every later argument (an empty stream printed "model (null)").
        let factor: Double = audio > 0 ? busy / audio : 0
        let line = String(format: "listen: %.2f s of audio, %.3f s processing (%.2f s wall), real-time factor %.4f; %d detection(s); model %@, %@\n",
                          audio, busy, Double(wallNs) / 1e9, factor, detections,
                          listener.description, big == nil ? options.describe(options.settings) : options.describe(options.cascadeSmoothing, threshold: false))
        writeStandardError(line)
    }
}

/// Watches a live stream's processing against its audio time: warns on stderr when the processing of the
/// last second of audio took longer than a second (the listener falls behind the microphone), at most once
/// every ten seconds of audio.
final class RealTimeWatch {
    let sampleRate: Int
    private var samplesInSecond = 0
    private var busyInSecond: UInt64 = 0
    private var samplesSinceWarning = Int.max / 2
    private var totalSamples = 0

    init(sampleRate: Int) { self.sampleRate = sampleRate }

    func add(samples: Int, busyNs: UInt64) {
        samplesInSecond += samples
        busyInSecond += busyNs
        totalSamples += samples
        samplesSinceWarning += samples
        guard samplesInSecond >= sampleRate else { return }
        let audioNs = UInt64(samplesInSecond) * 1_000_000_000 / UInt64(sampleRate)
        if busyInSecond > audioNs, samplesSinceWarning >= 10 * sampleRate {
            samplesSinceWarning = 0
            let msg = String(format: "warning: falling behind real time at %.1f s: %.2f s of audio took %.2f s to process\n",
                             Double(totalSamples) / Double(sampleRate), Double(audioNs) / 1e9, Double(busyInSecond) / 1e9)
            writeStandardError(msg)
        }
        samplesInSecond = 0
        busyInSecond = 0
    }
}
