/// Writes float samples as a canonical 44-byte-header RIFF/WAVE file, 16-bit PCM, mono.
/// Samples are clipped to [-1, 1) and rounded to the nearest of 65536 levels (x · 32768), so a clip that
/// was decoded from 16-bit PCM comes back bit for bit.
public enum WAV16Encoder {
    public static func encode(_ samples: [Float], sampleRate: Int = 16000) -> [UInt8] {
        let dataBytes = samples.count * 2
        var out = [UInt8]()
        out.reserveCapacity(44 + dataBytes)
        func put32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(s)) & 0xff)) } }
        func put16(_ v: UInt16) { out.append(UInt8(v & 0xff)); out.append(UInt8(v >> 8)) }
        out.append(contentsOf: Array("RIFF".utf8)); put32(UInt32(36 + dataBytes))
        out.append(contentsOf: Array("WAVE".utf8))
        out.append(contentsOf: Array("fmt ".utf8)); put32(16)
        put16(1)                                   // PCM
        put16(1)                                   // mono
        put32(UInt32(sampleRate))
        put32(UInt32(sampleRate * 2))              // byte rate
        put16(2)                                   // block align
        put16(16)                                  // bits per sample
        out.append(contentsOf: Array("data".utf8)); put32(UInt32(dataBytes))
        for x in samples {
            let scaled = (x * 32768).rounded()
            let clipped = Int16(max(-32768, min(32767, scaled.isNaN ? 0 : scaled)))
            put16(UInt16(bitPattern: clipped))
        }
        return out
    }
}
