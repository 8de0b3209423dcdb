import DSP
import Runtime

/// `kws-device infer --model PACK [--json] [--list FILE] CLIP.wav...`: each clip's label and top probability
/// (and with --json its logits), as `kws-native infer` classifies it: WAV decoded into one second of samples
/// (zero-padded or cut), features, network, softmax. Every buffer is allocated before the first clip (the file
/// buffer grows to the largest clip); a clip that fails is reported and the others still run.
enum Infer {
    static func run(_ args: Arguments) throws(DeviceError) -> Int32 {
        let model = try Files.model(try args.requireModel())
        var files = args.operands
        if let list = args.list { files += try Files.lines(list) }
        guard !files.isEmpty else { throw DeviceError("infer: no clips given (CLIP.wav... or --list FILE)", status: 2) }

        let classes = model.labels.count
        var samples = [Float](repeating: 0, count: WAVDecoder.clipSamples)
        var logits = [Float](repeating: 0, count: classes)
        var probabilities = [Float](repeating: 0, count: classes)
        var bytes = [UInt8](repeating: 0, count: 44 + 2 * WAVDecoder.clipSamples)
        var line = Line()
        var failures = 0

        for file in files {
            if let message = classify(file, model, &bytes, &samples, &logits) {
                failures += 1
                if args.json {
                    line.add("{\"file\":"); line.json(file)
                    line.add(",\"model\":"); line.json(model.name)
                    line.add(",\"error\":"); line.json(message)
                    line.add("}")
                    line.flush(1)
                } else {
                    line.add("kws-device: error: "); line.add(message)
                    line.flush(2)
                }
                continue
            }
            logits.withUnsafeBufferPointer { l in
                probabilities.withUnsafeMutableBufferPointer { Softmax.apply(l, into: $0) }
            }
            let top = logits.withUnsafeBufferPointer { Softmax.argmax($0) } ?? 0
            if args.json {
                line.add("{\"file\":"); line.json(file)
                line.add(",\"label\":"); line.json(model.labels[top])
                line.add(",\"class_id\":"); line.add(top)
                line.add(",\"score\":"); line.significant(probabilities[top])
                line.add(",\"logits\":[")
                for c in 0..<classes {
                    if c > 0 { line.add(byte: 44) }
                    line.significant(logits[c])
                }
                line.add("]}")
            } else {
                line.add(file); line.add("  "); line.add(model.labels[top])
                line.add("  p="); line.fixed(probabilities[top], 3)
            }
            line.flush(1)
        }
        return failures == 0 ? 0 : 1
    }

    /// One clip into `logits`; the reason it cannot be classified otherwise.
    static func classify(_ file: String, _ model: PackedModel, _ bytes: inout [UInt8], _ samples: inout [Float],
                         _ logits: inout [Float]) -> String? {
        let count: Int
        do throws(DeviceError) { count = try Files.read(file, into: &bytes) } catch { return error.message }
        do throws(WAVError) {
            try bytes.withUnsafeBufferPointer { (b) throws(WAVError) in
                try samples.withUnsafeMutableBufferPointer { (s) throws(WAVError) in
                    try WAVDecoder.decode(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[0..<count])), into: s)
                }
            }
        } catch {
            var e = error
            e.path = file
            return e.description
        }
        samples.withUnsafeBufferPointer { s in
            logits.withUnsafeMutableBufferPointer { model.classify(s, logits: $0) }
        }
        for v in logits where !v.isFinite {
            return file + ": the network's output is not finite (NaN or infinite logits)"
        }
        return nil
    }
}
