import CDevicePlatform
import DSP
import Runtime

/// `kws-device listen --model PACK [--json] [FILE.wav | -]`: keywords in a stream, as `kws-native listen`
/// finds them — the same loop as the desktop's `StreamListener.listen`: streaming features every hop, the
/// network, the softmax, then the detector with the window's end time (`endSample × 1000 / sampleRate` ms).
/// The hop and the detector's settings are the pack's (a pack without a detector: `kws-native listen`'s
/// defaults, 40 ms and `DetectorSettings.listenDefault`). Allocation-free per hop.
enum Listen {
    static let defaultHopMs = 40

    static func run(_ args: Arguments) throws(DeviceError) -> Int32 {
        guard args.operands.count <= 1 else { throw DeviceError("listen: one input (FILE.wav or -)", status: 2) }
        let input = args.operands.first ?? "-"
        let model = try Files.model(try args.requireModel())
        let hopMs = model.detector?.hopMs ?? defaultHopMs
        let settings = model.detector?.settings ?? DetectorSettings.listenDefault
        let rate = model.features.sampleRate
        guard hopMs > 0, (hopMs * rate) % 1000 == 0 else {
            throw DeviceError("the pack's hop of \(hopMs) ms is not a whole number of samples at \(rate) Hz")
        }
        let stream: StreamingFeatures
        do throws(FeatureSpecError) {
            stream = try StreamingFeatures(tables: model.extractor.tables, hopSamples: hopMs * rate / 1000)
        } catch {
            throw DeviceError(model.name + ": " + error.message)
        }
        let listener = Listener(model: model, stream: stream, settings: settings, hopMs: hopMs, json: args.json)

        if Text.same(input, "-") {
            try listener.standardInput()
        } else {
            let bytes = try Files.read(input)
            let samples: [Float]
            do throws(WAVError) {
                samples = try WAVDecoder.decodeFullLength(bytes)
            } catch {
                var e = error
                e.path = input
                throw DeviceError(e.description)
            }
            samples.withUnsafeBufferPointer { listener.listen($0) }
        }

        // The summary, on standard error as the desktop prints it (without its timings).
        var line = Line()
        line.add("listen: ")
        line.fixed(Float(listener.samples) / Float(rate), 2)
        line.add(" s of audio; "); line.add(listener.detections); line.add(" detection(s); model ")
        line.add(model.name)
        line.add(model.detector == nil ? " (no detector in the pack: listen's defaults)" : " (the pack's detector)")
        line.add(", hop "); line.add(hopMs)
        line.add(" ms, window "); line.add(settings.averageWindowMs)
        line.add(" ms, unknown weight "); line.fixed(settings.unknownWeight, 2)
        line.add(", threshold "); line.fixed(settings.threshold, 3)
        line.add(", suppression "); line.add(settings.suppressionMs)
        line.add(" ms, minimum count "); line.add(settings.minimumCount)
        line.flush(2)
        return 0
    }
}

/// The stream loop and its buffers.
final class Listener {
    let model: PackedModel
    let stream: StreamingFeatures
    let detector: KeywordDetector
    let json: Bool
    let rate: Int
    var logits: [Float]
    var probabilities: [Float]
    var line = Line()
    var samples = 0
    var detections = 0

    init(model: PackedModel, stream: StreamingFeatures, settings: DetectorSettings, hopMs: Int, json: Bool) {
        self.model = model
        self.stream = stream
        self.json = json
        rate = model.features.sampleRate
        detector = KeywordDetector(labels: model.labels, settings: settings, hopMs: hopMs)
        logits = [Float](repeating: 0, count: model.labels.count)
        probabilities = [Float](repeating: 0, count: model.labels.count)
    }

    /// Features → network → softmax → detector, for every hop the samples complete.
    func listen(_ chunk: UnsafeBufferPointer<Float>) {
        samples += chunk.count
        stream.append(chunk) { window, endSample in
            logits.withUnsafeMutableBufferPointer { l in
                model.predict(features: window.baseAddress!, logits: l)
                probabilities.withUnsafeMutableBufferPointer { p in
                    Softmax.apply(UnsafeBufferPointer(l), into: p)
                }
            }
            let timeMs = endSample * 1000 / rate
            let found = probabilities.withUnsafeBufferPointer { detector.process($0, timeMs: timeMs) }
            // The label by its index in the model's labels: the String inside the returned Optional<Detection>
            // came back with damaged discriminator bits on aarch64 Embedded Swift (a crash reading it).
            if let d = found { report(classIndex: d.classIndex, timeMs: d.timeMs, score: d.score) }
        }
    }

    /// One detection a line, written at once: `%9.3f s  LABEL  %.3f`, or the desktop's JSON object (sorted
    /// keys; time in seconds, score rounded to 4 decimals).
    func report(classIndex: Int, timeMs: Int, score: Float) {
        detections += 1
        let label = model.labels[classIndex]
        if json {
            line.add("{\"label\":"); line.json(label)
            line.add(",\"score\":"); line.short(score, decimals: 4)
            line.add(",\"time_s\":"); line.short(Float(timeMs) / 1000, decimals: 3)
            line.add("}")
        } else {
            line.padded(width: 9) { $0.fixed(Float(timeMs) / 1000, 3) }
            line.add(" s  "); line.add(label); line.add("  "); line.fixed(score, 3)
        }
        line.flush(1)
    }

    /// Raw signed 16-bit little-endian mono PCM from standard input, in chunks of up to 40 ms
    /// (`DSP.RawPCMReader`, as the desktop's `listen -`).
    func standardInput() throws(DeviceError) {
        let fd = kws_open("-")
        guard fd >= 0 else { throw DeviceError("cannot open standard input") }
        let reader = RawPCMReader(chunkBytes: 1280) { buffer, count in Int(kws_read(fd, buffer, count)) }
        do {
            while try reader.next({ listen($0) }) {}
        } catch {
            throw DeviceError(error.message)
        }
        let total = reader.bytesRead
        guard total > 0 else {
            throw DeviceError("standard input: no audio (the stream ended before its first sample; expected raw 16 kHz mono signed 16-bit little-endian PCM)")
        }
    }
}
