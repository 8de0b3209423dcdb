// libFuzzer target: the WAV decoder (Sources/KWS/Audio). Every input must decode or throw WAVError;
// a decoded clip is exactly one second of finite samples.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let samples = try? WAVDecoder.decode(bytes) {
        precondition(samples.count == WAVDecoder.clipSamples && samples.allSatisfy(\.isFinite))
    }
    var buffer = [Float](repeating: 0, count: 1000)
    _ = try? buffer.withUnsafeMutableBufferPointer { (b) throws(WAVError) in try WAVDecoder.decode(bytes, into: b) }
    if let audio = try? WAVDecoder.parse(bytes) { precondition(audio.samples.allSatisfy(\.isFinite)) }
    return 0
}
