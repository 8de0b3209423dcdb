import ArgumentParser
import Foundation
import KWS

/// `kws-native listen-eval DIR`: `listen` over every stream reference/make_streams.py built in DIR, scored
/// against the truth files; a threshold sweep (CSV + SVG of recall against false alarms per hour); with
/// --grid, the window and suppression grid that docs/LISTENING.md chose the defaults from.
struct ListenEval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen-eval",
        abstract: "Score `listen` on evaluation streams (reference/make_streams.py): recall, false alarms/h, latency, RTF; threshold sweep.",
        discussion: """
            DIR holds NAME.wav + NAME.json pairs (the JSON is the truth: kind, duration_s, keywords). Recall: \
            a detection of the right label within 2 s after a keyword starts. False alarms per hour: on the \
            keyword-free streams (noise, silence, unknown words). Read speech (LibriSpeech, which contains \
            words such as "no", "up", "go") is reported separately as detections per hour. Latency: \
            detection time minus the keyword clip's end. The real-time factor is processing time (features, \
            network, smoother; not the WAV decoding) over audio time, in this one thread.

            The network runs once per stream; the sweep replays the smoother on the recorded probabilities. \
            Choose thresholds and defaults with --grid on VALIDATION streams only; on test streams report. \
            Example:
              python3 reference/make_streams.py --split val --out streams/val
              kws-native listen-eval streams/val --grid --out listen-val
            """)

    @Argument(help: "Directory of NAME.wav + NAME.json streams.")
    var directory: String

    @OptionGroup var options: ListenOptions

    @Option(help: "Output prefix of the threshold sweep: writes PREFIX.csv and PREFIX.svg.")
    var out = "listen-sweep"

    @Flag(help: "Also sweep the unknown weight, the averaging window and the suppression time (for choosing defaults on validation).")
    var grid = false

    @Option(name: .customLong("max-fa-per-hour"), help: "--grid: the false-alarm rate the best setting must stay within.")
    var maxFAPerHour = 5.0

    @Option(help: """
        Also score Big/Little while listening: this network (e.g. big-listen) is asked about the windows while \
        the listening network's smoothed top class is a keyword scoring at least a wake level, and only its \
        detector reports keywords. Prints, per wake level, its best threshold at ≤ --max-fa-per-hour and how \
        often it ran, beside the big network alone.
        """)
    var big: String?

    @Option(help: "With --big: the wake level scored as the setting (beside the per-wake sweep).")
    var wake = CascadeSettings.listenDefault.wake

    @Option(name: .customLong("big-threshold"), help: "With --big: the big network's threshold scored as the setting.")
    var bigThreshold = CascadeSettings.listenDefault.big.threshold

    @Option(name: .customLong("save-scores"), help: ArgumentHelp("Also write each stream's per-hop probabilities to this directory (made if missing), for analysis: NAME.MODEL.f32 (little-endian float32, hops × labels, hop i ends at (i + 1) × hop ms).", valueName: "dir"))
    var saveScores: String?

    @Option(help: ArgumentHelp("Draws of the bootstrap that bounds the best recall at ≤ --max-fa-per-hour (keyword speakers, other-word speakers and noise/silence streams drawn again; 0: none).", valueName: "n"))
    var bootstrap = 1000

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be ≥ 0") }
    }

    /// One stream's recorded scores and truth (and the --big network's scores).
    struct Stream {
        var name: String
        var truth: StreamTruth
        var scores: ScoreSequence
        var bigScores: ScoreSequence?
    }

    /// What a point of a sweep is judged by.
    protocol SweepPoint {
        var recall: Double { get }
        var false_alarms_per_hour: Double { get }
    }

    /// The best big threshold of the cascade at one wake level.
    struct CascadePoint: Encodable, SweepPoint {
        var wake: Float
        var hold_ms: Int
        var big_threshold: Float
        var recall: Double
        var false_alarms_per_hour: Double
        /// Hops at which the big network ran, as a fraction of all hops (all streams).
        var big_run_fraction: Double
        /// The same on the keyword-free streams only (what an idle device spends).
        var big_run_fraction_keyword_free: Double
    }

    static let wakeLevels: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    static let cascadeHoldMs = 1000

    /// One point of a sweep.
    struct Point: Encodable, SweepPoint {
        var threshold: Float
        var average_window_ms: Int
        var suppression_ms: Int
        var minimum_count: Int
        var unknown_weight: Float
        var recall: Double
        var false_alarms_per_hour: Double
        var speech_detections_per_hour: Double
        var mean_latency_s: Double
        var p90_latency_s: Double
        var extra_detections: Int
    }

    static let thresholds: [Float] = (5...99).map { Float($0) / 100 } + (991...999).map { Float($0) / 1000 }

    func run() async throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw fail("\(directory): cannot list the directory: \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw fail("\(directory): no NAME.json truth files (build them with reference/make_streams.py)") }
        let listener = try options.spotter(recordsScores: true)
        let bigListener = try big.map { try options.spotter(recordsScores: true, name: $0) }
        if let bigListener, bigListener.hopMs != listener.hopMs || bigListener.labels != listener.labels {
            throw fail("--big \(bigListener.spotter.name) must have the labels of \(listener.spotter.name)")
        }
        if let saveScores {  // made (or refused) now, not after the first stream's work
            do {
                try FileManager.default.createDirectory(atPath: saveScores, withIntermediateDirectories: true)
            } catch {
                throw fail("--save-scores \(saveScores): cannot create the directory: \(error.localizedDescription)")
            }
        }
        var streams: [Stream] = []
        var busyNs: UInt64 = 0
        var audioSeconds = 0.0
        var score = StreamScore()
        var byKind: [StreamTruth.Kind: StreamScore] = [:]
        for name in names {
            let base = (directory as NSString).appendingPathComponent(String(name.dropLast(5)))
            let samples: [Float]
            let truth: StreamTruth
            do {
                truth = try StreamTruth.load(path: base + ".json")
                samples = try WAVDecoder.decodeFullLength(try WAVDecoder.readBytes(base + ".wav"))
            } catch {
                throw fail("\(base): \(error)")
            }
            listener.reset()
            var detections: [Detection] = []
            let t0 = Stopwatch.now()
            samples.withUnsafeBufferPointer { listener.listen($0) { detections.append($0) } }
            busyNs += Stopwatch.now() - t0
            audioSeconds += Double(samples.count) / Double(listener.spotter.spec.sampleRate)
            score.add(detections, truth: truth)
            byKind[truth.kind, default: StreamScore()].add(detections, truth: truth)
            var bigScores: ScoreSequence?
            if let bigListener {
                bigListener.reset()
                samples.withUnsafeBufferPointer { bigListener.listen($0) { _ in } }
                bigScores = bigListener.scoreSequence
            }
            let scores = listener.scoreSequence
            streams.append(Stream(name: name, truth: truth, scores: scores, bigScores: bigScores))
            if let saveScores {
                let stem = (saveScores as NSString).appendingPathComponent(String(name.dropLast(5)))
                try Self.save(scores, to: "\(stem).\(listener.spotter.name).f32")
                if let bigScores, let bigListener { try Self.save(bigScores, to: "\(stem).\(bigListener.spotter.name).f32") }
            }
        }
        let rtf = Double(busyNs) / 1e9 / max(audioSeconds, 1e-9)

        let settings = options.settings
        let replayed = Self.replay(streams, settings)
        let sweep = Self.sweep(streams, settings, replayed: replayed)
        var gridBest: [Point] = []
        if grid {
            for unknownWeight in Self.unknownWeights {
                for window in [500, 750, 1000, 1500] {
                    for suppression in [1000, 1500, 2000] {
                        let s = DetectorSettings(averageWindowMs: window, threshold: settings.threshold, suppressionMs: suppression,
                                                 minimumCount: settings.minimumCount, unknownWeight: unknownWeight)
                        if let best = Self.best(Self.sweep(streams, s), withinFAPerHour: maxFAPerHour) {
                            gridBest.append(best)
                        }
                    }
                }
            }
        }
        let bestAtLimit = bootstrap > 0 ? Self.interval(streams, replayed: replayed, limit: maxFAPerHour, replicates: bootstrap) : nil
        var cascade: [CascadePoint] = []
        var bigAlone: Point?
        var cascadeAtSetting: CascadePoint?
        if bigListener != nil {
            let smoothing = options.cascadeSmoothing
            cascadeAtSetting = Self.cascadePoints(streams, settings: smoothing, wake: wake, thresholds: [bigThreshold]).first
            cascade = Self.cascadeBest(streams, settings: smoothing, maxFAPerHour: maxFAPerHour)
            let bigStreams = streams.map { Stream(name: $0.name, truth: $0.truth, scores: $0.bigScores!) }
            bigAlone = Self.best(Self.sweep(bigStreams, smoothing), withinFAPerHour: maxFAPerHour)
        }
        try Self.csv(sweep).write(toFile: out + ".csv", atomically: true, encoding: .utf8)
        let split = streams.first?.truth.split ?? "unknown"
        try Self.plot(sweep, title: "listen, \(listener.spotter.name): recall vs false alarms/h over thresholds (\(split) streams)",
                      target: maxFAPerHour).write(toFile: out + ".svg", atomically: true, encoding: .utf8)

        if json {
            struct Out: Encodable {
                var directory: String, split: String, model: String, streams: Int, audio_s: Double, processing_s: Double
                var real_time_factor: Double, settings: DetectorSettings, hop_ms: Int
                var keywords: Int, found: Int, recall: Double, keyword_free_s: Double, false_alarms: Int
                var false_alarms_per_hour: Double, speech_s: Double, speech_detections: Int, speech_detections_per_hour: Double
                var mean_latency_s: Double, p90_latency_s: Double, extra_detections: Int
                var false_alarms_by_kind: [String: Int], grid_best: [Point], csv: String, svg: String
                var big: String?, cascade: [CascadePoint]?, big_alone: Point?, cascade_at_setting: CascadePoint?
                var best_within: BestWithin?
            }
            struct BestWithin: Encodable {
                var max_false_alarms_per_hour: Double, recall: Double, interval_low: Double, interval_high: Double, replicates: Int
            }
            let o = Out(directory: directory, split: split, model: listener.spotter.name, streams: streams.count, audio_s: audioSeconds,
                        processing_s: Double(busyNs) / 1e9, real_time_factor: rtf, settings: settings, hop_ms: options.hopMs,
                        keywords: score.keywords, found: score.found, recall: score.recall, keyword_free_s: score.keywordFreeSeconds,
                        false_alarms: score.falseAlarms, false_alarms_per_hour: score.falseAlarmsPerHour, speech_s: score.speechSeconds,
                        speech_detections: score.speechDetections, speech_detections_per_hour: score.speechDetectionsPerHour,
                        mean_latency_s: score.meanLatencyS, p90_latency_s: score.p90LatencyS, extra_detections: score.extraDetections,
                        false_alarms_by_kind: Dictionary(uniqueKeysWithValues: byKind.filter { $0.key != .keywords && $0.key != .speech }.map { ($0.key.rawValue, $0.value.falseAlarms) }),
                        grid_best: gridBest, csv: out + ".csv", svg: out + ".svg",
                        big: bigListener?.spotter.name, cascade: bigListener == nil ? nil : cascade, big_alone: bigAlone,
                        cascade_at_setting: cascadeAtSetting,
                        best_within: bestAtLimit.map { BestWithin(max_false_alarms_per_hour: maxFAPerHour, recall: $0.recall, interval_low: $0.low,
                                                                 interval_high: $0.high, replicates: $0.replicates) })
            print(try jsonLine(o))
            return
        }
        print("listen-eval — \(directory) (\(split) streams): \(streams.count) streams, \(String(format: "%.2f", audioSeconds / 3600)) h of audio, model \(listener.spotter.name)")
        print("  settings: \(options.describe(settings))")
        print("  " + Self.describe(score))
        for kind in StreamTruth.Kind.allCases where kind != .keywords && kind != .speech {
            guard let k = byKind[kind] else { continue }
            print(String(format: "    %@: %d false alarm(s) in %.2f h (%.2f /h)", kind.rawValue, k.falseAlarms, k.keywordFreeSeconds / 3600, k.falseAlarmsPerHour))
        }
        print(String(format: "  real-time factor %.4f (%.1f s of processing for %.1f s of audio, one thread)", rtf, Double(busyNs) / 1e9, audioSeconds))
        if let b = bestAtLimit {
            print(String(format: "  best recall at ≤ %g false alarms/h over the thresholds: %.2f %%, 95 %% interval %.1f–%.1f %% (%d bootstrap draws of keyword speakers, other-word speakers and noise/silence streams)",
                         maxFAPerHour, b.recall * 100, b.low * 100, b.high * 100, b.replicates))
        }
        if grid {
            print("  grid (minimum count \(settings.minimumCount)): per unknown weight, window and suppression, the threshold with the highest recall at ≤ \(maxFAPerHour) false alarms/h")
            for p in gridBest {
                print(String(format: "    unknown weight %.1f, window %5d ms, suppression %5d ms: threshold %.3f → recall %.2f %%, %.2f false alarms/h, speech %.1f /h, latency mean %.2f s",
                             p.unknown_weight, p.average_window_ms, p.suppression_ms, p.threshold, p.recall * 100, p.false_alarms_per_hour, p.speech_detections_per_hour, p.mean_latency_s))
            }
            if split == "test" { print("  note: these are TEST streams: report, do not choose defaults here") }
        }
        if let bigListener {
            let bigName = bigListener.spotter.name
            if let c = cascadeAtSetting {
                print(String(format: "  Big/Little while listening at wake %.2f, %@ threshold %.3f: recall %.2f %%, %.2f false alarms/h; %@ ran on %.1f %% of hops (%.1f %% of keyword-free audio)",
                             c.wake, bigName, c.big_threshold, c.recall * 100, c.false_alarms_per_hour, bigName,
                             c.big_run_fraction * 100, c.big_run_fraction_keyword_free * 100))
            }
            print("  Big/Little while listening (unknown weight \(options.cascadeSmoothing.unknownWeight) for both networks): \(bigName) asked while \(listener.spotter.name)'s smoothed keyword score ≥ wake (held \(Self.cascadeHoldMs) ms); best big threshold at ≤ \(maxFAPerHour) false alarms/h:")
            for c in cascade {
                print(String(format: "    wake %.2f: threshold %.3f → recall %.2f %%, %.2f false alarms/h; %@ ran on %.1f %% of hops (%.1f %% of keyword-free audio)",
                             c.wake, c.big_threshold, c.recall * 100, c.false_alarms_per_hour, bigName, c.big_run_fraction * 100,
                             c.big_run_fraction_keyword_free * 100))
            }
            if let b = bigAlone {
                print(String(format: "    %@ alone: threshold %.3f → recall %.2f %%, %.2f false alarms/h", bigName, b.threshold, b.recall * 100, b.false_alarms_per_hour))
            }
            if split == "test" { print("  note: these are TEST streams: the per-wake best is reported, not a choice; choose on validation streams") }
        }
        print("  wrote \(out).csv and \(out).svg")
    }

    /// Writes a score sequence as raw little-endian float32 (hops × labels).
    static func save(_ sequence: ScoreSequence, to path: String) throws {
        let data = sequence.scores.withUnsafeBufferPointer { Data(buffer: $0) }
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw fail("\(path): cannot write the scores: \(error.localizedDescription)")
        }
    }

    /// Recall, false alarms, read-speech detections and latency, in one line.
    static func describe(_ s: StreamScore) -> String {
        String(format: "recall %.2f %% (%d of %d keywords, right label within 2 s of the start; %d other detection(s) on keyword streams); false alarms %.2f /h (%d in %.2f h of noise, silence and unknown words); read speech %.1f detections/h (%d in %.2f h, reported apart); latency from the keyword clip's end mean %.3f s, p90 %.3f s",
               s.recall * 100, s.found, s.keywords, s.extraDetections, s.falseAlarmsPerHour, s.falseAlarms, s.keywordFreeSeconds / 3600,
               s.speechDetectionsPerHour, s.speechDetections, s.speechSeconds / 3600, s.meanLatencyS, s.p90LatencyS)
    }

    /// The unknown weights of the grid (docs/LISTENING.md).
    static let unknownWeights: [Float] = [0, 0.5, 1, 1.5, 2]

    /// Every threshold of `thresholds` with the window, suppression, minimum count and unknown weight of
    /// `settings`.
    static func sweep(_ streams: [Stream], _ settings: DetectorSettings) -> [Point] {
        sweep(streams, settings, replayed: replay(streams, settings))
    }

    /// `sweep` of detections already replayed (`replay(streams, settings)`).
    static func sweep(_ streams: [Stream], _ settings: DetectorSettings, replayed: [[[Detection]]]) -> [Point] {
        zip(thresholds, replayed).map { threshold, detections in
            var s = StreamScore()
            for (stream, d) in zip(streams, detections) { s.add(d, truth: stream.truth) }
            return Point(threshold: threshold, average_window_ms: settings.averageWindowMs, suppression_ms: settings.suppressionMs,
                         minimum_count: settings.minimumCount, unknown_weight: settings.unknownWeight, recall: s.recall, false_alarms_per_hour: s.falseAlarmsPerHour, speech_detections_per_hour: s.speechDetectionsPerHour,
                         mean_latency_s: s.meanLatencyS, p90_latency_s: s.p90LatencyS, extra_detections: s.extraDetections)
        }
    }

    /// The detections of every stream at every threshold of `thresholds` (outer: threshold, inner: stream).
    static func replay(_ streams: [Stream], _ settings: DetectorSettings) -> [[[Detection]]] {
        let smoothed = streams.map { $0.scores.smoothed(settings) }
        return thresholds.map { threshold in
            smoothed.map { $0.detections(threshold: threshold, suppressionMs: settings.suppressionMs) }
        }
    }

    /// The best recall at ≤ `limit` false alarms/h over the thresholds of `replayed` (`replay`), with its
    /// bootstrap interval.
    static func interval(_ streams: [Stream], replayed: [[[Detection]]], limit: Double, replicates: Int) -> CurveBootstrap.Interval {
        let bootstrap = CurveBootstrap(truths: streams.map(\.truth))
        return bootstrap.interval(replayed.map(bootstrap.outcome), limit: limit, replicates: replicates)
    }

    /// Per wake level, the big threshold with the highest recall at ≤ `maxFAPerHour` (the big smoother uses
    /// `settings`' window, suppression, minimum count and unknown weight; the little one its window, minimum
    /// count and unknown weight).
    static func cascadeBest(_ streams: [Stream], settings: DetectorSettings, maxFAPerHour: Double) -> [CascadePoint] {
        wakeLevels.compactMap { wake in
            best(cascadePoints(streams, settings: settings, wake: wake, thresholds: thresholds), withinFAPerHour: maxFAPerHour)
        }
    }

    /// The point with the highest recall at no more than `limit` false alarms an hour (fewer false alarms
    /// break a tie): how every setting is chosen on validation streams.
    static func best<P: SweepPoint>(_ points: [P], withinFAPerHour limit: Double) -> P? {
        points.filter { $0.false_alarms_per_hour <= limit }
            .max { ($0.recall, -$0.false_alarms_per_hour) < ($1.recall, -$1.false_alarms_per_hour) }
    }

    /// The cascade at one wake level for each big threshold.
    static func cascadePoints(_ streams: [Stream], settings: DetectorSettings, wake: Float, thresholds: [Float]) -> [CascadePoint] {
        let smoothed = streams.map {
            $0.scores.smoothed(settings)
        }
        var points: [CascadePoint] = []
        for threshold in thresholds {
            var big = settings
            big.threshold = threshold
            let cascade = CascadeSettings(wake: wake, holdMs: cascadeHoldMs, big: big)
            var score = StreamScore()
            var runs = 0, hops = 0, freeRuns = 0, freeHops = 0
            for (stream, little) in zip(streams, smoothed) {
                let o = StreamCascade.replay(little: little, big: stream.bigScores!, settings: cascade)
                score.add(o.detections, truth: stream.truth)
                runs += o.bigRuns
                hops += o.hops
                if stream.truth.isKeywordFree {
                    freeRuns += o.bigRuns
                    freeHops += o.hops
                }
            }
            points.append(CascadePoint(wake: wake, hold_ms: cascadeHoldMs, big_threshold: threshold, recall: score.recall,
                                       false_alarms_per_hour: score.falseAlarmsPerHour,
                                       big_run_fraction: Double(runs) / Double(max(hops, 1)),
                                       big_run_fraction_keyword_free: Double(freeRuns) / Double(max(freeHops, 1))))
        }
        return points
    }

    static func csv(_ points: [Point]) -> String {
        var lines = ["threshold,average_window_ms,suppression_ms,minimum_count,unknown_weight,recall,false_alarms_per_hour,speech_detections_per_hour,mean_latency_s,p90_latency_s,extra_detections"]
        for p in points {
            lines.append(String(format: "%.3f,%d,%d,%d,%.2f,%.6f,%.4f,%.4f,%.4f,%.4f,%d", p.threshold, p.average_window_ms, p.suppression_ms,
                                p.minimum_count, p.unknown_weight, p.recall, p.false_alarms_per_hour, p.speech_detections_per_hour, p.mean_latency_s, p.p90_latency_s, p.extra_detections))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The best recall at each false-alarm rate over the thresholds (x capped at 10× the target so the
    /// low-false-alarm end stays readable), with the target as a vertical line.
    static func plot(_ points: [Point], title: String, target: Double) -> String {
        // The best recall at each false-alarm rate or fewer (over the thresholds): a step line that never
        // falls, rather than the thresholds' points in order, which zig-zag where two thresholds give the same
        // false-alarm rate and different recall.
        var line: [(x: Double, y: Double)] = []
        for p in points.sorted(by: { ($0.false_alarms_per_hour, $0.recall) < ($1.false_alarms_per_hour, $1.recall) }) {
            let best = max(p.recall, line.last?.y ?? 0)
            if let last = line.last {
                if last.x == p.false_alarms_per_hour { line[line.count - 1].y = best; continue }
                if best > last.y { line.append((x: p.false_alarms_per_hour, y: last.y)) }
            }
            line.append((x: p.false_alarms_per_hour, y: best))
        }
        var plot = LinePlot(title: title, xLabel: "false alarms per hour (noise, silence, unknown words)", yLabel: "recall",
                            series: [.init(name: "best threshold", color: "#1f77b4", points: line)])
        plot.verticalLines = [.init(x: target, label: String(format: "%.1f /h", target))]
        plot.minimumXMax = target * 2
        plot.xMaxCap = target * 10
        return plot.svg()
    }
}
