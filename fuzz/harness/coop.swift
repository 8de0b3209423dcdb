// libFuzzer target: the cooperative messages (Sources/Serving/MQTT/CoopMessages.swift) as a worker and
// the client read them off the broker: decode, and re-encode what decoded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCoop(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let request = try? CoopMFCCRequest.decode(bytes) {
        precondition(request.features.count == ElementCount.of(request.shape))
        let again = try? CoopMFCCRequest.decode(try request.encoded())
        precondition(again?.features == request.features)
    }
    if let reply = try? CoopLogitsReply.decode(bytes) {
        precondition(reply.logits.allSatisfy(\.isFinite))
        precondition((try? CoopLogitsReply.decode(try reply.encoded())) == reply)
    }
    return 0
}
