import KWS

/// What a `POST /predict` body asks the big network to classify.
public enum ClipInput: Sendable, Equatable {
    /// 16 kHz samples, padded or cut to one second.
    case samples([Float])
    /// Precomputed features for the network (MFCC payloads).
    case features([Float])
}

/// Turns a request body into a `ClipInput`, or an `APIError` saying exactly what is wrong with it.
/// Pure and synchronous, so it is tested directly and runs on the inference pool, not the event loop.
public struct PredictRequestDecoder: Sendable {
    /// Longest clip accepted, in samples (the networks take one second; longer audio is refused, not cut).
    public var maxSamples: Int
    /// Floats a precomputed-feature (`mfcc`) payload must have.
    public var featureCount: Int
    public var sampleRate: Int

    public init(maxSamples: Int = 16000, featureCount: Int, sampleRate: Int = 16000) {
        self.maxSamples = maxSamples
        self.featureCount = featureCount
        self.sampleRate = sampleRate
    }

    public func decode(_ body: [UInt8]) throws(APIError) -> ClipInput {
        let pack: SenMLPack
        do {
            pack = try SenMLPack.decode(body)
        } catch let error as SenMLError {
            switch error {
            case .notJSON: throw APIError(400, "not_json", error.description)
            case .badBase64: throw APIError(400, "bad_base64", error.description)
            default: throw APIError(400, "not_senml", error.description)
            }
        } catch {
            throw APIError(400, "not_senml", "\(error)")
        }
        var found: [(PayloadKind, SenMLRecord)] = []
        for kind in PayloadKind.allCases {
            do {
                if let record = try pack.record(named: kind.recordName) { found.append((kind, record)) }
            } catch {
                throw APIError(422, "duplicate_record", "more than one record named '\(kind.recordName)'; send exactly one clip")
            }
        }
        let names = PayloadKind.allCases.map { "'\($0.recordName)'" }.joined(separator: ", ")
        guard let (kind, record) = found.first else {
            throw APIError(422, "missing_record", "no audio record: expected one record named \(names) with its bytes in 'vd'")
        }
        guard found.count == 1 else {
            throw APIError(422, "duplicate_record", "records \(found.map { "'\($0.0.recordName)'" }.joined(separator: " and ")) both present; send exactly one clip")
        }
        guard let bytes = record.dataValue else {
            throw APIError(422, "missing_data", "record '\(kind.recordName)' has no 'vd' (base64 bytes)")
        }
        switch kind {
        case .wav16: return .samples(try decodeWAV(bytes))
        case .float32: return .samples(try decodeFloat32(bytes))
        case .mfcc: return .features(try decodeFeatures(bytes))
        }
    }

    private func decodeWAV(_ bytes: [UInt8]) throws(APIError) -> [Float] {
        let audio: WAVDecoder.Audio
        do {
            audio = try WAVDecoder.parse(bytes)
        } catch {
            throw APIError(422, "bad_wav", "record 'audio': \(error.description)")
        }
        guard audio.channels == 1 else {
            throw APIError(422, "not_mono", "record 'audio': \(audio.channels) channels; expected mono")
        }
        guard audio.sampleRate == sampleRate else {
            throw APIError(422, "wrong_sample_rate", "record 'audio': sample rate \(audio.sampleRate) Hz; expected \(sampleRate) Hz")
        }
        return try checkedClip(audio.samples, record: "audio")
    }

    private func decodeFloat32(_ bytes: [UInt8]) throws(APIError) -> [Float] {
        guard let samples = SenML.floats(from: bytes) else {
            throw APIError(422, "bad_float32", "record 'audio_f32': \(bytes.count) bytes is not a whole number of float32 samples")
        }
        return try checkedClip(samples, record: "audio_f32")
    }

    private func checkedClip(_ samples: [Float], record: String) throws(APIError) -> [Float] {
        guard !samples.isEmpty else { throw APIError(422, "empty_audio", "record '\(record)': no samples") }
        guard samples.count <= maxSamples else {
            throw APIError(422, "audio_too_long", "record '\(record)': \(samples.count) samples (\(Double(samples.count) / Double(sampleRate)) s); at most \(maxSamples) (\(Double(maxSamples) / Double(sampleRate)) s)")
        }
        guard samples.allSatisfy(\.isFinite) else {
            throw APIError(422, "bad_samples", "record '\(record)': NaN or infinite samples")
        }
        return WAVDecoder.padOrCut(samples, to: maxSamples)
    }

    private func decodeFeatures(_ bytes: [UInt8]) throws(APIError) -> [Float] {
        guard let features = SenML.floats(from: bytes), features.count == featureCount else {
            throw APIError(422, "bad_features", "record 'mfcc': \(bytes.count) bytes; expected \(featureCount) float32 (\(featureCount * 4) bytes)")
        }
        guard features.allSatisfy(\.isFinite) else {
            throw APIError(422, "bad_features", "record 'mfcc': NaN or infinite values")
        }
        return features
    }
}
