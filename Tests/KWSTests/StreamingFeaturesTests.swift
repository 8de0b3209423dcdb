import Foundation
import KWS
import Testing

/// Streaming features against the clip extractor on the same one-second window.
@Suite struct StreamingFeaturesTests {
    /// Speech-like test signal: a few tones with a varying envelope plus noise, deterministic.
    static func signal(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let noise = Float(Int64(bitPattern: state >> 11) % 2_000_000) / 2_000_000 - 0.5
            let t = Float(i) / 16000
            let tone = sin(2 * .pi * 440 * t) * 0.3 + sin(2 * .pi * 1234 * t) * 0.2 * sin(2 * .pi * 3 * t)
            return tone + 0.1 * noise
        }
    }

    /// The clip extractor's features of the second ending at `end` (zeros before the stream's start).
    static func clipWindow(_ s: [Float], end: Int, extractor: FeatureExtractor) -> [Float] {
        let n = extractor.spec.samples
        let window = (end - n..<end).map { $0 >= 0 ? s[$0] : 0 }
        return extractor(window)
    }

    @Test(arguments: [("stft", 640), ("stft", 128), ("stftlog", 640), ("mfcc", 640), ("mfcc", 320)])
    func everyWindowEqualsTheClipPath(kind: String, hop: Int) throws {
        var logSTFT = FeatureSpec.stft64x64
        logSTFT.logOffset = 1e-6
        let spec: FeatureSpec = kind == "stft" ? .stft64x64 : kind == "stftlog" ? logSTFT : .mfcc(coefficients: 10)
        let stream = try StreamingFeatures(spec: spec, hopSamples: hop)
        let extractor = try FeatureExtractor(spec: spec)
        let s = Self.signal(40_000, seed: 7)
        var windows: [(end: Int, features: [Float])] = []
        // Chunks of uneven sizes, smaller and larger than a frame and a hop.
        var i = 0, chunk = 1
        s.withUnsafeBufferPointer { all in
            while i < all.count {
                let n = min(chunk, all.count - i)
                stream.append(UnsafeBufferPointer(rebasing: all[i..<(i + n)])) { f, end in windows.append((end, Array(f))) }
                i += n
                chunk = (chunk * 7 + 3) % 1500 + 1
            }
        }
        #expect(windows.count == 40_000 / hop)
        #expect(windows.map(\.end) == (1...(40_000 / hop)).map { $0 * hop })
        // Check windows at the start (partly before the stream), in the middle and at the end.
        for w in windows where w.end <= 1280 || w.end % 6400 == 0 || w.end == windows.last?.end {
            let (ratio, index) = worstRelativeError(w.features, Self.clipWindow(s, end: w.end, extractor: extractor), rtol: 1e-5)
            #expect(ratio <= 1, "\(kind) hop \(hop) window ending at \(w.end): worst \(ratio)× tolerance at \(index)")
        }
    }

    @Test func resetStartsAFreshStream() throws {
        let stream = try StreamingFeatures(spec: .stft64x64, hopSamples: 640)
        let s = Self.signal(3200, seed: 1)
        func run() -> [[Float]] {
            var out: [[Float]] = []
            s.withUnsafeBufferPointer { stream.append($0) { f, _ in out.append(Array(f)) } }
            return out
        }
        let first = run()
        stream.reset()
        #expect(stream.samplesConsumed == 0)
        #expect(run() == first)
    }

    @Test func hopThatBreaksTheFrameGridIsRejected() {
        #expect(throws: FeatureSpecError.self) { try StreamingFeatures(spec: .stft64x64, hopSamples: 320) }
        #expect(throws: FeatureSpecError.self) { try StreamingFeatures(spec: .mfcc(coefficients: 10), hopSamples: 128) }
        do {
            _ = try StreamingFeatures(spec: .mfcc(coefficients: 10), hopSamples: 500)
        } catch {
            #expect(error.message.contains("multiple of the frame step, 320 samples (20 ms)"))
        }
    }
}
