import Foundation
import KWS
import Testing

/// Builds WAV files byte by byte, so that every error path can be produced on purpose.
struct WAVBuilder {
    var formatTag: UInt16 = 1
    var channels: UInt16 = 1
    var sampleRate: UInt32 = 16000
    var bits: UInt16 = 16
    var blockAlign: UInt16? = nil
    var data: [UInt8] = []
    var dataSizeOverride: UInt32? = nil
    var extraChunkBeforeFormat = false

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }

    static func pcm16(_ samples: [Int16]) -> [UInt8] { samples.flatMap { le16(UInt16(bitPattern: $0)) } }

    var bytes: [UInt8] {
        let align = blockAlign ?? channels * bits / 8
        var fmt = Self.le16(formatTag) + Self.le16(channels) + Self.le32(sampleRate)
        fmt += Self.le32(sampleRate * UInt32(align)) + Self.le16(align) + Self.le16(bits)
        var body = Array("WAVE".utf8)
        if extraChunkBeforeFormat { body += Array("LIST".utf8) + Self.le32(3) + [1, 2, 3, 0] }  // odd size, padded
        body += Array("fmt ".utf8) + Self.le32(UInt32(fmt.count)) + fmt
        body += Array("data".utf8) + Self.le32(dataSizeOverride ?? UInt32(data.count)) + data
        return Array("RIFF".utf8) + Self.le32(UInt32(body.count)) + body
    }
}

@Suite struct WAVDecoderTests {
    func kind(of bytes: [UInt8]) -> WAVError.Kind? {
        do {
            _ = try WAVDecoder.decode(bytes)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func pcm16IsScaledBy32768AndPadded() throws {
        let samples = try WAVDecoder.decode(WAVBuilder(data: WAVBuilder.pcm16([0, 16384, -32768, 32767])).bytes)
        #expect(samples.count == 16000)
        #expect(Array(samples[0..<4]) == [0, 0.5, -1, Float(32767) / 32768])
        #expect(samples[4...].allSatisfy { $0 == 0 })
    }

    @Test func longClipIsCut() throws {
        let data = WAVBuilder.pcm16((0..<20000).map { Int16($0 % 1000) })
        let samples = try WAVDecoder.decode(WAVBuilder(data: data).bytes)
        #expect(samples.count == 16000)
        #expect(samples[15999] == Float(15999 % 1000) / 32768)
    }

    @Test func otherSampleFormats() throws {
        let u8 = try WAVDecoder.decode(WAVBuilder(bits: 8, data: [128, 192, 0, 255]).bytes)
        #expect(Array(u8[0..<4]) == [0, 0.5, -1, Float(127) / 128])
        // 24-bit little endian: 0x400000 = 0.5, 0x800000 = −1
        let s24 = try WAVDecoder.decode(WAVBuilder(bits: 24, data: [0, 0, 0x40, 0, 0, 0x80, 0xff, 0xff, 0xff]).bytes)
        #expect(Array(s24[0..<3]) == [0.5, -1, -1 / 8_388_608])
        let s32 = try WAVDecoder.decode(WAVBuilder(bits: 32, data: WAVBuilder.le32(0xC000_0000)).bytes)
        #expect(s32[0] == -0.5)
        let f32 = try WAVDecoder.decode(WAVBuilder(formatTag: 3, bits: 32, data: WAVBuilder.le32(Float(0.25).bitPattern)).bytes)
        #expect(f32[0] == 0.25)
    }

    @Test func unknownChunksAreSkipped() throws {
        let samples = try WAVDecoder.decode(WAVBuilder(data: WAVBuilder.pcm16([100]), extraChunkBeforeFormat: true).bytes)
        #expect(samples[0] == Float(100) / 32768)
    }

    @Test func errorPathsSayWhatIsWrong() {
        let good = WAVBuilder(data: WAVBuilder.pcm16([1, 2, 3, 4]))
        #expect(kind(of: []) == .empty)
        #expect(kind(of: Array("hello, not a wav file at all".utf8)) == .notRIFF)
        var avi = good.bytes
        avi.replaceSubrange(8..<12, with: Array("AVI ".utf8))
        #expect(kind(of: avi) == .notWAVE)
        #expect(kind(of: Array(good.bytes[0..<10])) == .truncated)
        #expect(kind(of: Array(good.bytes[0..<30])) == .truncated)   // inside the fmt chunk
        #expect(kind(of: Array(good.bytes[0..<36])) == .missingData) // header ends before 'data'
        #expect(kind(of: Array(good.bytes[0..<16])) == .truncated)   // ends inside the 'fmt ' chunk header
        var stereo = good
        stereo.channels = 2
        #expect(kind(of: stereo.bytes) == .notMono)
        var rate = good
        rate.sampleRate = 44100
        #expect(kind(of: rate.bytes) == .wrongSampleRate)
        var lying = good
        lying.dataSizeOverride = 1_000_000
        #expect(kind(of: lying.bytes) == .badChunkSize)
        var odd = good
        odd.data = [1, 2, 3]
        #expect(kind(of: odd.bytes) == .badChunkSize)
        var compressed = good
        compressed.formatTag = 2  // ADPCM
        #expect(kind(of: compressed.bytes) == .unsupportedFormat)
        var bits12 = good
        bits12.bits = 12
        #expect(kind(of: bits12.bytes) == .unsupportedBitDepth)
        var float64 = good
        float64.formatTag = 3
        float64.bits = 64
        #expect(kind(of: float64.bytes) == .unsupportedBitDepth)
        var align = good
        align.blockAlign = 3
        #expect(kind(of: align.bytes) == .badBlockAlign)
    }

    @Test func messagesNameTheFileAndTheExpectation() throws {
        let dir = TemporaryDirectory()
        defer { dir.cleanup() }
        var stereo = WAVBuilder(data: WAVBuilder.pcm16([1, 2]))
        stereo.channels = 2
        let path = dir.path + "/stereo.wav"
        _ = FileManager.default.createFile(atPath: path, contents: Data(stereo.bytes))
        do {
            _ = try WAVDecoder.decode(contentsOf: path)
            Issue.record("stereo must be rejected")
        } catch {
            #expect(error.description.contains(path))
            #expect(error.description.contains("2 channels"))
            #expect(error.description.contains("mono"))
        }
        do {
            _ = try WAVDecoder.decode(contentsOf: dir.path + "/missing.wav")
            Issue.record("a missing file must be rejected")
        } catch {
            #expect(error.kind == .unreadable)
            #expect(error.description.contains("missing.wav"))
        }
        let empty = dir.path + "/empty.wav"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: WAVError.self) { try WAVDecoder.decode(contentsOf: empty) }
    }

    /// `decode(_:into:)` writes exactly what `decode` returns, for every sample format and for short, exact
    /// and long clips, into buffers of other lengths too (padded or cut to the buffer).
    @Test func intoBufferEqualsDecodeOnGoodFiles() throws {
        let builders = [
            WAVBuilder(data: WAVBuilder.pcm16([0, 16384, -32768, 32767])),
            WAVBuilder(data: WAVBuilder.pcm16((0..<20000).map { Int16(truncatingIfNeeded: $0 * 37) })),
            WAVBuilder(data: WAVBuilder.pcm16((0..<16000).map { Int16(truncatingIfNeeded: $0 * 11 - 7000) })),
            WAVBuilder(bits: 8, data: [128, 192, 0, 255, 7]),
            WAVBuilder(bits: 24, data: [0, 0, 0x40, 0, 0, 0x80, 0xff, 0xff, 0xff]),
            WAVBuilder(bits: 32, data: WAVBuilder.le32(0xC000_0000) + WAVBuilder.le32(0x1234_5678)),
            WAVBuilder(formatTag: 3, bits: 32, data: WAVBuilder.le32(Float(0.25).bitPattern) + WAVBuilder.le32(Float(-0.75).bitPattern)),
            WAVBuilder(data: WAVBuilder.pcm16([100, -100]), extraChunkBeforeFormat: true),
            // (an empty 'data' chunk is an error: HostileWAVTests.emptyDataChunkIsAnError)
        ]
        for builder in builders {
            let bytes = builder.bytes
            let expected = try WAVDecoder.decode(bytes)
            var out = [Float](repeating: .nan, count: WAVDecoder.clipSamples)
            try out.withUnsafeMutableBufferPointer { (o) throws(WAVError) in try WAVDecoder.decode(bytes, into: o) }
            #expect(out == expected)
            // A shorter buffer gets the first samples, a longer one zeros after the clip.
            let samples = try WAVDecoder.parse(bytes).samples
            for length in [3, 16003] {
                var other = [Float](repeating: .nan, count: length)
                try other.withUnsafeMutableBufferPointer { (o) throws(WAVError) in try WAVDecoder.decode(bytes, into: o) }
                #expect(other == WAVDecoder.padOrCut(samples, to: length))
            }
        }
    }

    /// On bad files `decode(_:into:)` throws the same error (kind and message) as `decode`.
    @Test func intoBufferThrowsTheSameErrors() {
        let good = WAVBuilder(data: WAVBuilder.pcm16([1, 2, 3, 4]))
        var bad: [[UInt8]] = [[], Array("hello, not a wav file at all".utf8), Array(good.bytes[0..<10]),
                              Array(good.bytes[0..<30]), Array(good.bytes[0..<36]), Array(good.bytes[0..<16])]
        var avi = good.bytes
        avi.replaceSubrange(8..<12, with: Array("AVI ".utf8))
        bad.append(avi)
        var variants: [WAVBuilder] = []
        var b = good; b.channels = 2; variants.append(b)
        b = good; b.sampleRate = 44100; variants.append(b)
        b = good; b.dataSizeOverride = 1_000_000; variants.append(b)
        b = good; b.data = [1, 2, 3]; variants.append(b)
        b = good; b.formatTag = 2; variants.append(b)
        b = good; b.bits = 12; variants.append(b)
        b = good; b.formatTag = 3; b.bits = 64; variants.append(b)
        b = good; b.blockAlign = 3; variants.append(b)
        bad += variants.map(\.bytes)
        for bytes in bad {
            var expected: WAVError?
            do { _ = try WAVDecoder.decode(bytes) } catch { expected = error }
            var got: WAVError?
            var out = [Float](repeating: 0, count: WAVDecoder.clipSamples)
            do {
                try out.withUnsafeMutableBufferPointer { (o) throws(WAVError) in try WAVDecoder.decode(bytes, into: o) }
            } catch { got = error }
            #expect(expected != nil)
            #expect(got == expected)
        }
    }
}
