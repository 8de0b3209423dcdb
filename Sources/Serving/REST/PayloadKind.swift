/// What the little client puts in the SenML request to the big server, and under which record name.
///
/// | kind      | record      | `vd` bytes                                                          |
/// |-----------|-------------|---------------------------------------------------------------------|
/// | `wav16`   | `audio`     | a RIFF/WAVE file, 16-bit PCM, mono, 16 kHz (44-byte header + 32000) |
/// | `float32` | `audio_f32` | little-endian float32 PCM in [-1, 1), 16 kHz (64000 bytes)          |
/// | `mfcc`    | `mfcc`      | the big network's MFCC, 49×10 little-endian float32, row-major      |
///
/// The request is one compact record: `[{"bn":"kws-native:","n":"audio","vd":"<base64>"}]`.
public enum PayloadKind: String, CaseIterable, Sendable, Codable {
    case wav16, float32, mfcc

    /// The SenML record name that carries this payload.
    public var recordName: String {
        switch self {
        case .wav16: return "audio"
        case .float32: return "audio_f32"
        case .mfcc: return "mfcc"
        }
    }

    /// The base name every request carries (RFC 8428 §4.5.1); the server accepts any base name.
    public static let requestBaseName = "kws-native:"

    /// The exact request body for this payload's bytes, compact JSON, as it goes on the wire.
    public static func requestBody(kind: PayloadKind, bytes: [UInt8]) throws(SenMLError) -> [UInt8] {
        try SenMLPack(records: [SenMLRecord(baseName: requestBaseName, name: kind.recordName, dataValue: bytes)]).encoded()
    }
}
