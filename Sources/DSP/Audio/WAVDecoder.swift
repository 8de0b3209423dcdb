/// Decodes RIFF/WAVE files into float samples in [-1, 1), mono, 16 kHz, zero-padded or cut to one second,
/// like the course's `tf.audio.decode_wav` + pad/cut. No resampling and no down-mixing: anything else is an
/// error that says what was found.
///
/// Decoding works on bytes in memory (`[UInt8]`, or `UnsafeRawBufferPointer` for a device's buffer); reading
/// a file (`decode(contentsOf:)`, `readBytes`) is a desktop extension in KWS.
public enum WAVDecoder {
    public static let sampleRate = 16000
    public static let clipSamples = 16000

    /// The raw content of a WAV file: its format and all its samples as floats (not padded or cut).
    public struct Audio: Sendable {
        public var sampleRate: Int
        public var channels: Int
        public var bitsPerSample: Int
        public var isFloat: Bool
        public var samples: [Float]
    }

    /// Decodes 16 kHz mono audio and zero-pads or cuts it to `clipSamples`.
    public static func decode(_ bytes: [UInt8]) throws(WAVError) -> [Float] {
        let audio = try parse(bytes)
        try checkClipFormat(channels: audio.channels, sampleRate: audio.sampleRate)
        return padOrCut(audio.samples, to: clipSamples)
    }

    /// `decode(_:into:)` on bytes the caller holds (a file mapped or received on a device): no copy.
    public static func decode(_ bytes: UnsafeRawBufferPointer, into samples: UnsafeMutableBufferPointer<Float>) throws(WAVError) {
        try decode(bytes.bindMemory(to: UInt8.self), into: samples)
    }

    /// Allocation-free `decode`: the same checks and errors, but the samples go straight into `samples`,
    /// zero-padded or cut to its length (normally `clipSamples`). On error `samples` may be partly written.
    public static func decode(_ bytes: [UInt8], into samples: UnsafeMutableBufferPointer<Float>) throws(WAVError) {
        try bytes.withUnsafeBufferPointer { (b) throws(WAVError) in try decode(b, into: samples) }
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into samples: UnsafeMutableBufferPointer<Float>) throws(WAVError) {
        let layout = try locateSamples(bytes)
        try checkClipFormat(channels: layout.channels, sampleRate: layout.sampleRate)
        let n = min(layout.sampleCount, samples.count)
        convert(bytes, layout, count: n, into: samples.baseAddress!)
        if n < samples.count { (samples.baseAddress! + n).update(repeating: 0, count: samples.count - n) }
    }

    /// Decodes 16 kHz mono audio of any length, every sample (no padding, no cut): for streams.
    public static func decodeFullLength(_ bytes: [UInt8]) throws(WAVError) -> [Float] {
        try bytes.withUnsafeBufferPointer { (b) throws(WAVError) in
            let layout = try locateSamples(b)
            try checkClipFormat(channels: layout.channels, sampleRate: layout.sampleRate)
            var samples = [Float](repeating: 0, count: layout.sampleCount)
            samples.withUnsafeMutableBufferPointer { convert(b, layout, count: layout.sampleCount, into: $0.baseAddress!) }
            return samples
        }
    }

    /// Converts raw signed 16-bit little-endian PCM (`bytes.count / 2` samples) to floats in [-1, 1), as
    /// 16-bit WAV samples are converted; writes into `out`, which must hold that many.
    public static func convertS16LE(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Float>) {
        let n = bytes.count / 2
        for i in 0..<n {
            out[i] = Float(Int16(bitPattern: UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8)) / 32768
        }
    }

    private static func checkClipFormat(channels: Int, sampleRate rate: Int) throws(WAVError) {
        guard channels == 1 else {
            throw WAVError(.notMono, "\(channels) channels")
        }
        guard rate == sampleRate else {
            throw WAVError(.wrongSampleRate, "sample rate \(rate) Hz; resample it to 16000 Hz first")
        }
    }

    public static func padOrCut(_ samples: [Float], to count: Int) -> [Float] {
        if samples.count >= count { return Array(samples[0..<count]) }
        return samples + [Float](repeating: 0, count: count - samples.count)
    }

    /// Parses the RIFF structure and converts every sample to Float (interleaved if several channels).
    public static func parse(_ bytes: [UInt8]) throws(WAVError) -> Audio {
        try bytes.withUnsafeBufferPointer { (b) throws(WAVError) in try parse(b) }
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(WAVError) -> Audio {
        let layout = try locateSamples(bytes)
        var samples = [Float](repeating: 0, count: layout.sampleCount)
        samples.withUnsafeMutableBufferPointer { convert(bytes, layout, count: layout.sampleCount, into: $0.baseAddress!) }
        return Audio(sampleRate: layout.sampleRate, channels: layout.channels, bitsPerSample: layout.width * 8,
                     isFloat: layout.isFloat, samples: samples)
    }

    /// Where a WAV file's samples are and how they are stored, once the header has been checked.
    struct SampleLayout {
        var sampleRate: Int
        var channels: Int
        var isFloat: Bool
        /// Bytes per sample: 1, 2, 3 or 4.
        var width: Int
        /// Byte offset of the first sample in the file.
        var start: Int
        /// Samples in the 'data' chunk (all channels, interleaved).
        var sampleCount: Int
    }

    /// Walks the RIFF chunks and checks the format; allocates nothing unless it throws.
    static func locateSamples(_ bytes: UnsafeBufferPointer<UInt8>) throws(WAVError) -> SampleLayout {
        guard !bytes.isEmpty else { throw WAVError(.empty, "the file is empty") }
        guard bytes.count >= 12 else {
            throw WAVError(.truncated, "only \(bytes.count) bytes; a WAV header needs at least 44")
        }
        guard fourCC(bytes, 0) == fourCC("RIFF") else {
            throw WAVError(.notRIFF, "not a RIFF file (starts with \(printable(bytes, 0, 4)))")
        }
        guard fourCC(bytes, 8) == fourCC("WAVE") else {
            throw WAVError(.notWAVE, "a RIFF file of form \(printable(bytes, 8, 4)), not WAVE")
        }
        var format: (tag: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = fourCC(bytes, offset)
            let size = Int(le32(bytes, offset + 4))
            let body = offset + 8
            if id == fourCC("fmt ") {
                guard size >= 16, body + size <= bytes.count else {
                    throw WAVError(size < 16 ? .badChunkSize : .truncated,
                                   "'fmt ' chunk of \(size) bytes at offset \(offset), file has \(bytes.count) bytes; it needs 16 or more, inside the file")
                }
                var tag = Int(le16(bytes, body))
                let bits = Int(le16(bytes, body + 14))
                if tag == 0xFFFE {  // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the real tag
                    guard size >= 40 else {
                        throw WAVError(.badChunkSize, "extensible 'fmt ' chunk of \(size) bytes; it needs 40")
                    }
                    tag = Int(le16(bytes, body + 24))
                }
                format = (tag, Int(le16(bytes, body + 2)), Int(le32(bytes, body + 4)), Int(le16(bytes, body + 12)), bits)
            } else if id == fourCC("data") {
                guard let f = format else {
                    throw WAVError(.missingFormat, "'data' chunk before any 'fmt ' chunk")
                }
                guard body + size <= bytes.count else {
                    throw WAVError(.badChunkSize, "'data' chunk claims \(size) bytes but only \(bytes.count - body) follow (truncated file or a size that lies)")
                }
                let layout = try checkFormat(from: body, count: size, format: f)
                if layout.isFloat { try checkFinite(bytes, layout) }
                return layout
            }
            offset = body + size + (size & 1)  // chunks are padded to even sizes
        }
        if offset < bytes.count {
            throw WAVError(.truncated, "the file ends inside a chunk header at offset \(offset) (\(bytes.count) bytes)")
        }
        if format == nil {
            throw WAVError(.missingFormat, "no 'fmt ' chunk found (truncated header?)")
        }
        throw WAVError(.missingData, "no 'data' chunk found (truncated file?)")
    }

    private static func checkFormat(from start: Int, count: Int,
                                    format f: (tag: Int, channels: Int, rate: Int, blockAlign: Int, bits: Int)) throws(WAVError) -> SampleLayout {
        guard f.tag == 1 || f.tag == 3 else {
            throw WAVError(.unsupportedFormat, "format tag \(f.tag) (compressed audio)")
        }
        guard f.channels >= 1 else { throw WAVError(.notMono, "\(f.channels) channels in the 'fmt ' chunk") }
        let isFloat = f.tag == 3
        let validBits = isFloat ? f.bits == 32 : (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32)
        guard validBits else {
            throw WAVError(.unsupportedBitDepth, "\(isFloat ? "float" : "integer") samples of \(f.bits) bits")
        }
        let width = f.bits / 8
        guard f.blockAlign == width * f.channels else {
            throw WAVError(.badBlockAlign, "block align \(f.blockAlign), but \(f.channels) channel(s) of \(f.bits) bits need \(width * f.channels)")
        }
        guard count % f.blockAlign == 0 else {
            throw WAVError(.badChunkSize, "'data' chunk of \(count) bytes is not a whole number of \(f.blockAlign)-byte frames")
        }
        guard f.rate > 0 else { throw WAVError(.wrongSampleRate, "sample rate 0 Hz") }
        guard count > 0 else { throw WAVError(.noSamples, "the 'data' chunk holds no samples (0 bytes)") }
        return SampleLayout(sampleRate: f.rate, channels: f.channels, isFloat: isFloat, width: width, start: start,
                            sampleCount: count / width)
    }

    /// Float samples must be finite: an all-ones exponent (NaN or ±infinity) is refused with its position.
    private static func checkFinite(_ bytes: UnsafeBufferPointer<UInt8>, _ layout: SampleLayout) throws(WAVError) {
        var first = -1, bad = 0
        for i in 0..<layout.sampleCount {
            let o = layout.start + 4 * i
            // bits 23…30 of the little-endian float: the exponent.
            if bytes[o + 3] & 0x7F == 0x7F && bytes[o + 2] & 0x80 == 0x80 {
                if first < 0 { first = i }
                bad += 1
            }
        }
        if bad > 0 {
            throw WAVError(.nonFiniteSamples, "\(bad) float sample(s) are NaN or infinite (the first is sample \(first))")
        }
    }

    /// Converts the first `count` samples of `layout` to Float; one loop per sample format.
    private static func convert(_ bytes: UnsafeBufferPointer<UInt8>, _ layout: SampleLayout, count n: Int,
                                into out: UnsafeMutablePointer<Float>) {
        precondition(n <= layout.sampleCount && layout.start + n * layout.width <= bytes.count)
        let p = bytes.baseAddress! + layout.start
        switch (layout.isFloat, layout.width) {
        case (true, _):
            for i in 0..<n { out[i] = Float(bitPattern: load32(p + 4 * i)) }
        case (false, 1):
            for i in 0..<n { out[i] = (Float(p[i]) - 128) / 128 }
        case (false, 2):
            for i in 0..<n { out[i] = Float(Int16(bitPattern: UInt16(p[2 * i]) | UInt16(p[2 * i + 1]) << 8)) / 32768 }
        case (false, 3):
            for i in 0..<n {
                let q = p + 3 * i
                let v = Int32(bitPattern: UInt32(q[0]) << 8 | UInt32(q[1]) << 16 | UInt32(q[2]) << 24) >> 8
                out[i] = Float(v) / 8_388_608
            }
        default:
            // Float(v) / 2^31 rounds once, as Float(Double(v) / 2^31) does (scaling by 2^−31 is exact): no double
            // arithmetic, which a Cortex-M4 does in software.
            for i in 0..<n { out[i] = Float(Int32(bitPattern: load32(p + 4 * i))) / 2_147_483_648 }
        }
    }

    private static func load32(_ q: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(q[0]) | UInt32(q[1]) << 8 | UInt32(q[2]) << 16 | UInt32(q[3]) << 24
    }

    private static func le16(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private static func le32(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    /// The chunk id at `i` as a little-endian number (0 past the end), compared without building strings.
    private static func fourCC(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        i + 4 <= b.count ? le32(b, i) : 0
    }
    private static func fourCC(_ id: StaticString) -> UInt32 {
        let p = id.utf8Start
        return UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
    }
    /// The bytes as 'text' when all are printable ASCII, else as hex ("00 ff 1a").
    private static func printable(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ n: Int) -> String {
        let s = b[i..<min(i + n, b.count)]
        var text: [UInt8] = []
        if s.allSatisfy({ $0 >= 32 && $0 < 127 }) {
            text = [UInt8(ascii: "'")] + Array(s) + [UInt8(ascii: "'")]
        } else {
            let digits: StaticString = "0123456789abcdef"
            for (k, c) in s.enumerated() {
                if k > 0 { text.append(UInt8(ascii: " ")) }
                text += [digits.utf8Start[Int(c >> 4)], digits.utf8Start[Int(c & 15)]]
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
