// libFuzzer target: the packed-model reader and builder (Sources/Runtime/Pack). Every input must build a
// PackedModel or throw PackError, never trap. Inputs are tried as they are (the header check) and with their
// header's length and CRC-32 rewritten to match, so that mutations reach the steps' parser and the layer
// checks behind it; a model that builds is run once on silence (its kernels must stay in bounds).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    check(bytes)
    if bytes.count >= PackFile.headerSize {
        let length = UInt32(bytes.count), crc = CRC32.of(bytes[PackFile.headerSize...])
        for i in 0..<4 {
            bytes[8 + i] = UInt8(truncatingIfNeeded: length >> UInt32(8 * i))
            bytes[12 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * i))
        }
        check(bytes)
    }
    return 0
}

private func check(_ bytes: [UInt8]) {
    guard let model = try? bytes.withUnsafeBytes({ (b) throws(PackError) in try PackedModel(bytes: b) }) else { return }
    // Keep the run bounded: a mutated pack may declare a large network.
    guard model.macs < 50_000_000 else { return }
    let samples = [Float](repeating: 0, count: model.features.samples)
    var logits = [Float](repeating: 0, count: model.labels.count)
    samples.withUnsafeBufferPointer { s in logits.withUnsafeMutableBufferPointer { model.classify(s, logits: $0) } }
}
