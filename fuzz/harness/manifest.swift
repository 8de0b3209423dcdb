import Foundation

// libFuzzer target: the manifest (Sources/KWS/Zoo/Manifest.swift, FeatureSpec.swift): decode and validate
// any JSON; a manifest that validates has feature specs whose sizes are in range.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let manifest = try? JSONDecoder().decode(Manifest.self, from: bytes) else { return 0 }
    guard (try? manifest.validate(path: "fuzz.json")) != nil else { return 0 }
    for n in manifest.networks {
        let s = n.features
        precondition(FeatureSpec.Limits.fftLength.contains(s.fftLength) && s.frames >= 1 && s.bins >= 1)
        precondition(ElementCount.of(s.outputShape) != nil && ElementCount.of(n.inputShape) != nil)
        _ = manifest.network(n.name)
    }
    return 0
}
