import Foundation
import KWS
import KerasIO
import Tensor
import Testing

/// The Swift features against tf.signal's, case by case (fixtures/features.h5, written by
/// reference/make_feature_fixtures.py), within 1e-4 relative.
@Suite struct FeatureFixtureTests {
    let file: HDF5File
    let cases: [String]

    init() throws {
        file = try HDF5File(path: TestPaths.featureFixtures)
        cases = try file.children(of: "/").filter { $0 != "mel_matrix_40" }.sorted()
    }

    func dataset(_ path: String) throws -> [Float] { try file.floatDataset(path).values }

    func expectClose(_ actual: [Float], _ path: String, rtol: Float = 1e-4, atol: Float = 0) throws {
        let expected = try dataset(path)
        let (ratio, index) = worstRelativeError(actual, expected, rtol: rtol, atol: atol)
        #expect(ratio <= 1, "\(path): worst error \(ratio)× tolerance at \(index): \(index >= 0 ? actual[index] : .nan) vs \(index >= 0 ? expected[index] : .nan)")
    }

    @Test func fixtureHasTheExpectedCases() {
        #expect(cases.count >= 6, "cases: \(cases)")
        #expect(cases.contains("silence") && cases.contains("noise_full_scale"))
    }

    @Test func melMatrixMatchesTensorFlow() throws {
        let bank = MelFilterbank(melBins: 40, bins: 321, sampleRate: 16000, lowerHz: 20, upperHz: 4000)
        let (shape, expected) = try file.floatDataset("mel_matrix_40")
        #expect(shape == [321, 40])
        // tf builds this matrix in float32 with Eigen's log, whose last-ulp differences in mel (~2000) are
        // amplified by the division by a band's width: tf's own weights carry ~5e-6 absolute noise near
        // each triangle's feet (its matrix differs by that much from the same formula with numpy's
        // float32 log). So the matrix is held to 1e-4 of its largest weight; the mel energies that use it
        // are held to 1e-4 relative in mfccMatchesTensorFlow.
        let largest = expected.max()!
        let worst = zip(bank.dense, expected).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4 * largest, "mel matrix: worst absolute error \(worst)")
        #expect(bank.dense[0..<40].allSatisfy { $0 == 0 }, "the DC row must be zero")
    }

    @Test func stft64x64MatchesTensorFlow() throws {
        let extractor = try FeatureExtractor(spec: .stft64x64)
        #expect(extractor.outputShape == [64, 64, 1])
        for name in cases {
            let wave = try dataset("\(name)/waveform")
            let stages = extractor.stages(wave)
            try expectClose(stages.magnitude, "\(name)/stft_256")
            try expectClose(stages.output, "\(name)/stft_64x64")
        }
    }

    /// STFT_64_LOG (the spec's log_offset on an stft): log(resized |STFT| + 1e-6), against TensorFlow's. The
    /// absolute tolerance is for near-silent bins, where float32 STFTs differ by ~1e-7 out of ~1e-5.
    @Test func logSTFT64x64MatchesTensorFlow() throws {
        var spec = FeatureSpec.stft64x64
        spec.logOffset = 1e-6
        try spec.validate()
        let extractor = try FeatureExtractor(spec: spec)
        for name in cases {
            try expectClose(extractor(try dataset("\(name)/waveform")), "\(name)/stft_64x64_log", atol: 1e-3)
        }
        spec.logOffset = 0
        #expect(throws: FeatureSpecError.self) { try spec.validate() }
    }

    @Test(arguments: [10, 32]) func mfccMatchesTensorFlow(coefficients: Int) throws {
        let extractor = try FeatureExtractor(spec: .mfcc(coefficients: coefficients))
        #expect(extractor.outputShape == [49, coefficients, 1])
        for name in cases {
            let wave = try dataset("\(name)/waveform")
            let stages = extractor.stages(wave)
            try expectClose(stages.magnitude, "\(name)/stft_640")
            try expectClose(stages.mel!, "\(name)/mel_40")
            // log(m) near 0 (m near 1, common in real speech) cannot be held to a relative tolerance: the
            // mel energies are held to 1e-4 relative above, which bounds |Δ log m| = |Δm| / m by 1e-4 absolute.
            try expectClose(stages.logMel!, "\(name)/log_mel_40", atol: 1e-4)
            try expectClose(stages.output, "\(name)/mfcc_\(coefficients)")
        }
    }

    /// The WAVs behind the spoken cases decode to exactly the waveform tf.audio.decode_wav produced.
    @Test func decoderMatchesTensorFlowDecodeWav() throws {
        var checked = 0
        for name in cases {
            let wav = try file.stringAttribute("wav", of: name)
            guard !wav.isEmpty else { continue }
            let samples = try WAVDecoder.decode(contentsOf: TestPaths.path(wav))
            #expect(samples == (try dataset("\(name)/waveform")), "\(wav)")
            checked += 1
        }
        #expect(checked >= 4)
    }

    @Test func allocationFreeVariantMatchesCallAsFunction() throws {
        let extractor = try FeatureExtractor(spec: .mfcc(coefficients: 32))
        let wave = try dataset("noise_full_scale/waveform")
        var out = [Float](repeating: .nan, count: extractor.outputCount)
        wave.withUnsafeBufferPointer { w in out.withUnsafeMutableBufferPointer { extractor.extract(w, into: $0) } }
        #expect(out == extractor(wave))
    }
}
