/// Why a WAV file could not be decoded. Every case says what was found and what is expected.
public struct WAVError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case empty, notRIFF, notWAVE, truncated, missingFormat, missingData, badChunkSize
        case unsupportedFormat, unsupportedBitDepth, notMono, wrongSampleRate, badBlockAlign, unreadable
        /// A 'data' chunk of zero bytes: there is no clip to classify.
        case noSamples
        /// A float sample that is NaN or infinite: not audio, and it would make every output NaN.
        case nonFiniteSamples
    }
    public let kind: Kind
    public let message: String
    /// The file the bytes came from, when known.
    public var path: String?

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    /// Field by field, the strings byte by byte (a String `==` would link Unicode normalisation on a device).
    public static func == (a: WAVError, b: WAVError) -> Bool {
        guard a.kind == b.kind, a.message.utf8.elementsEqual(b.message.utf8) else { return false }
        switch (a.path, b.path) {
        case (nil, nil): return true
        case let (x?, y?): return x.utf8.elementsEqual(y.utf8)
        default: return false
        }
    }

    public var description: String {
        let expected = "expected RIFF/WAVE PCM (8/16/24/32-bit integer or 32-bit float), mono, 16000 Hz"
        return "\(path.map { "\($0): " } ?? "")\(message) (\(expected))"
    }
}
