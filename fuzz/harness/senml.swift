// libFuzzer target: the SenML codec (Sources/Serving/SenML.swift). Decoding any bytes throws or gives a
// pack; a decoded pack encodes (or throws SenMLError), and what it encodes decodes to the same pack.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSenML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let text = String(validating: bytes, as: UTF8.self) { _ = SenML.decodeBase64(text) }
    _ = SenML.floats(from: bytes)
    guard let pack = try? SenMLPack.decode(bytes) else { return 0 }
    _ = pack.resolvedNames
    for name in ["audio", "audio_f32", "mfcc", "shape", "model", "logits", ""] { _ = try? pack.record(named: name) }
    if let encoded = try? pack.encoded() {
        let back = try? SenMLPack.decode(encoded)
        precondition(back != nil, "an encoded pack must decode")
    }
    return 0
}
