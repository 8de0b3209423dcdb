import Foundation
import KWS
import Testing

/// The tuned kernels against their plain reference kernels on random inputs (independent of tf).
@Suite struct FeatureKernelTests {
    func noise(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_000) / 2_000_000
        }
    }

    @Test(arguments: [(256, 128, 256), (640, 320, 640), (200, 100, 256)])
    func fftwSTFTMatchesDirectDFT(frame: Int, step: Int, fft: Int) {
        let stft = STFTMagnitude(frameLength: frame, frameStep: step, fftLength: fft)
        let signal = noise(4000, seed: UInt64(frame))
        var out = [Float](repeating: 0, count: stft.frames(samples: 4000) * stft.bins)
        let scratch = stft.makeScratch()
        signal.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { stft.compute(s, samples: 4000, into: $0, scratch: scratch) } }
        let (ratio, index) = worstRelativeError(out, stft.reference(signal, samples: 4000))
        #expect(ratio <= 1, "worst \(ratio)× tolerance at \(index)")
    }

    @Test func periodicHannWindow() {
        let w = STFTMagnitude.periodicHann(8)
        #expect(w[0] == 0)
        #expect(abs(w[4] - 1) < 1e-7)
        #expect(abs(w[2] - 0.5) < 1e-7 && abs(w[6] - 0.5) < 1e-7)
    }

    @Test func shortSignalIsZeroPadded() throws {
        let extractor = try FeatureExtractor(spec: .mfcc(coefficients: 10))
        let short = noise(7000, seed: 3)
        #expect(extractor(short) == extractor(short + [Float](repeating: 0, count: 9000)))
    }

    @Test(arguments: [(124, 129, 64, 64), (10, 7, 23, 5), (5, 5, 5, 5)])
    func bilinearResizeMatchesReference(h: Int, w: Int, oh: Int, ow: Int) {
        let resize = BilinearResize(inputHeight: h, inputWidth: w, outputHeight: oh, outputWidth: ow)
        let image = noise(h * w, seed: 9)
        var out = [Float](repeating: 0, count: oh * ow)
        image.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { resize.apply(i, into: $0) } }
        let (ratio, _) = worstRelativeError(out, resize.reference(image))
        #expect(ratio <= 1)
        if (h, w) == (oh, ow) { #expect(out == image, "same size must be the identity") }
    }

    @Test func sparseMelMatchesDenseProduct() {
        let bank = MelFilterbank(melBins: 40, bins: 321, sampleRate: 16000, lowerHz: 20, upperHz: 4000)
        let spectrum = noise(49 * 321, seed: 5).map { abs($0) }
        var out = [Float](repeating: 0, count: 49 * 40)
        spectrum.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { bank.apply(s, frames: 49, into: $0) } }
        #expect(worstRelativeError(out, bank.reference(spectrum, frames: 49)).ratio <= 1)
    }

    @Test func dctMatchesOrthonormalWithScaledC0() {
        let dct = MFCCTransform(melBins: 40, coefficients: 32)
        let logMel = noise(49 * 40, seed: 6)
        var out = [Float](repeating: 0, count: 49 * 32)
        logMel.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { dct.apply(s, frames: 49, into: $0) } }
        #expect(worstRelativeError(out, dct.reference(logMel, frames: 49)).ratio <= 1)
        // A constant input has only c0: √(2/N)·N·value.
        let constant = [Float](repeating: 1, count: 40)
        var c = [Float](repeating: 0, count: 32)
        constant.withUnsafeBufferPointer { s in c.withUnsafeMutableBufferPointer { dct.apply(s, frames: 1, into: $0) } }
        #expect(abs(c[0] - (2.0 / 40).squareRoot() * 40) < 1e-5)
        #expect(c[1...].allSatisfy { abs($0) < 1e-5 })
    }

    @Test func badSpecIsRejectedWithAReason() {
        var spec = FeatureSpec.mfcc(coefficients: 50)
        #expect(throws: FeatureSpecError.self) { try FeatureExtractor(spec: spec) }
        spec = .stft64x64
        spec.fftLength = 100
        do {
            _ = try FeatureExtractor(spec: spec)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("fft_length"))
        }
    }
}
