import DSP
import Foundation
import KerasIO
import Testing

/// The feature pipeline on DSP's own FFT (what a device runs; the desktop's `FeatureExtractor(spec:)` runs on
/// FFTW) against tf.signal's features in fixtures/features.h5, within 1e-4 relative as KWSTests holds FFTW's.
@Suite struct OwnFFTFeatureTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/DSPTests/… → package root
        return url.path
    }()

    let file: HDF5File
    let cases: [String]

    init() throws {
        file = try HDF5File(path: Self.root + "/fixtures/features.h5")
        cases = try file.children(of: "/").filter { $0 != "mel_matrix_40" }.sorted()
    }

    /// Worst |a − b| / (rtol·(|b| + 1 % of max|b|) + atol), as KWSTests' worstRelativeError: ≤ 1 passes.
    func expectClose(_ actual: [Float], _ path: String, rtol: Float = 1e-4, atol: Float = 0) throws {
        let expected = try file.floatDataset(path).values
        #expect(actual.count == expected.count, "\(path): \(actual.count) values, expected \(expected.count)")
        let scale = expected.map { abs($0) }.max() ?? 0
        var worst: Float = 0
        for i in 0..<min(actual.count, expected.count) {
            let tolerance = rtol * (abs(expected[i]) + scale * 1e-2) + atol + Float.leastNormalMagnitude
            let ratio = abs(actual[i] - expected[i]) / tolerance
            if !(ratio <= worst) { worst = ratio }
        }
        #expect(worst <= 1, "\(path): worst error \(worst)× tolerance")
    }

    @Test func stft64x64MatchesTensorFlow() throws {
        let extractor = FeatureExtractor(tables: try FeatureTables(spec: .stft64x64))
        #expect(cases.count >= 6)
        for name in cases {
            let stages = extractor.stages(try file.floatDataset("\(name)/waveform").values)
            try expectClose(stages.magnitude, "\(name)/stft_256")
            try expectClose(stages.output, "\(name)/stft_64x64")
        }
    }

    @Test(arguments: [10, 32]) func mfccMatchesTensorFlow(coefficients: Int) throws {
        let extractor = FeatureExtractor(tables: try FeatureTables(spec: .mfcc(coefficients: coefficients)))
        #expect(extractor.outputShape == [49, coefficients, 1])
        for name in cases {
            let stages = extractor.stages(try file.floatDataset("\(name)/waveform").values)
            try expectClose(stages.magnitude, "\(name)/stft_640")
            try expectClose(stages.mel!, "\(name)/mel_40")
            try expectClose(stages.logMel!, "\(name)/log_mel_40", atol: 1e-4)
            try expectClose(stages.output, "\(name)/mfcc_\(coefficients)")
        }
    }

    /// A stream on the own FFT gives the clip path's features at every hop (the last second, zeros before).
    @Test(arguments: [FeatureSpec.stft64x64, .mfcc(coefficients: 10)]) func streamingMatchesClips(spec: FeatureSpec) throws {
        let tables = try FeatureTables(spec: spec)
        let stream = try StreamingFeatures(tables: tables, hopSamples: 3200)
        let extractor = FeatureExtractor(tables: tables)
        let signal = try file.floatDataset("\(cases[0])/waveform").values + (try file.floatDataset("\(cases[1])/waveform").values)
        var windows = 0
        signal.withUnsafeBufferPointer { s in
            stream.append(s) { features, end in
                let start = end - spec.samples
                var clip = [Float](repeating: 0, count: spec.samples)
                for i in max(start, 0)..<end { clip[i - start] = signal[i] }
                let expected = extractor(clip)
                var worst: Float = 0
                for i in 0..<features.count { worst = max(worst, abs(features[i] - expected[i])) }
                #expect(worst <= 1e-4 * max(1, expected.map { abs($0) }.max()!), "window ending at \(end): \(worst)")
                windows += 1
            }
        }
        #expect(windows == signal.count / 3200)
    }

    @Test func fftLengthsTheFFTCannotDoAreRejected() {
        var spec = FeatureSpec.stft64x64
        spec.fftLength = 2 * 131
        #expect(throws: FeatureSpecError.self) { try FeatureTables(spec: spec) }
        spec.fftLength = 257
        #expect(throws: FeatureSpecError.self) { try spec.validate() }
    }
}
