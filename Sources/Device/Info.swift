import DSP
import Runtime

/// `kws-device info --model PACK`: what the pack holds and what it costs on this device.
enum Info {
    static func run(_ args: Arguments) throws(DeviceError) -> Int32 {
        let path = try args.requireModel()
        let bytes = try Files.read(path)
        let model: PackedModel
        let description: PackedModelDescription
        do throws(PackError) {
            description = try bytes.withUnsafeBufferPointer { (b) throws(PackError) in try PackFile.decode(UnsafeRawBufferPointer(b)) }
            model = try PackedModel(description)
        } catch {
            throw DeviceError(path + ": " + error.message)
        }
        var line = Line()
        line.add("model "); line.add(model.name); line.add(" (packed for "); line.add(model.target)
        line.add("), "); line.add(bytes.count); line.add(" bytes")
        line.flush()

        line.add("labels ("); line.add(model.labels.count); line.add("):")
        for l in model.labels { line.add(" "); line.add(l) }
        line.flush()

        let f = model.features
        line.add("features: "); line.add(f.kind.rawValue)
        line.add(", frame "); line.add(f.frameLength); line.add(", step "); line.add(f.frameStep)
        line.add(", fft "); line.add(f.fftLength)
        if let r = f.resize, r.count == 2 { line.add(", resized to "); line.add(r[0]); line.add("x"); line.add(r[1]) }
        if let m = f.melBins { line.add(", "); line.add(m); line.add(" mel bins") }
        if let c = f.coefficients { line.add(", "); line.add(c); line.add(" coefficients") }
        line.add(", "); line.add(f.samples); line.add(" samples at "); line.add(f.sampleRate); line.add(" Hz")
        line.add("; network input "); shape(model.inputShape, &line)
        line.flush()

        if let d = model.detector {
            let s = d.settings
            line.add("detector: hop "); line.add(d.hopMs); line.add(" ms, window "); line.add(s.averageWindowMs)
            line.add(" ms, threshold "); line.fixed(s.threshold, 3); line.add(", suppression "); line.add(s.suppressionMs)
            line.add(" ms, minimum count "); line.add(s.minimumCount); line.add(", unknown weight "); line.fixed(s.unknownWeight, 2)
        } else {
            line.add("detector: none in the pack (listen uses kws-native listen's defaults)")
        }
        line.flush()

        line.add("steps ("); line.add(model.steps.count); line.add("):")
        line.flush()
        var weights = 0
        for (i, step) in description.steps.enumerated() {
            let n = step.op.parameterCount
            weights += n
            let layer = model.chain.layers[i]
            line.padded(width: 4) { $0.add(i) }
            line.add("  "); line.add(step.kind)
            line.add("  ["); line.add(step.kernel); line.add("]  -> "); shape(layer.outputShape, &line)
            line.add(", "); line.add(n); line.add(" weights, "); line.add(layer.macs); line.add(" MACs")
            line.flush()
        }
        line.add("weights: "); line.add(weights); line.add(" floats, "); line.add(4 * weights); line.add(" bytes")
        line.flush()
        line.add("multiply-accumulates per inference: "); line.add(model.macs)
        line.flush()
        let work = model.chain.workingFloats, feats = model.extractor.outputCount
        line.add("working memory: network activations and scratch "); line.add(work); line.add(" floats ("); line.add(4 * work)
        line.add(" bytes), features "); line.add(feats); line.add(" floats ("); line.add(4 * feats); line.add(" bytes)")
        line.flush()
        return 0
    }

    static func shape(_ dims: [Int], _ line: inout Line) {
        line.add("[")
        for (i, d) in dims.enumerated() {
            if i > 0 { line.add(", ") }
            line.add(d)
        }
        line.add("]")
    }
}
