import Foundation
import CFFTW
import DSP
import Testing

/// The own real FFT against a naive DFT in double precision and against FFTW's r2c, on random and impulse
/// inputs, for the two feature lengths and other 2,3,5-smooth ones. Error is the largest |Δ| over all bins,
/// relative to the largest magnitude of the reference spectrum.
@Suite struct RealFFTTests {
    static let lengths = [16, 60, 256, 480, 640, 2, 4, 6, 10, 30, 96, 1000]

    /// Uniform in [−1, 1), seeded.
    static func noise(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state) >> 11) / Float(1 << 52)
        }
    }

    static func inputs(_ n: Int) -> [(String, [Float])] {
        var impulse = [Float](repeating: 0, count: n); impulse[0] = 1
        var shifted = [Float](repeating: 0, count: n); shifted[n / 3] = 1
        let ramp = (0..<n).map { Float($0) / Float(n) }
        return [("noise", noise(n, seed: UInt64(n))), ("noise2", noise(n, seed: 7)), ("impulse", impulse),
                ("shifted impulse", shifted), ("ramp", ramp)]
    }

    static func own(_ x: [Float]) -> [Float] {
        let fft = RealFFT(length: x.count)
        var out = [Float](repeating: .nan, count: fft.outputCount)
        var scratch = [Float](repeating: .nan, count: fft.scratchCount)
        x.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                scratch.withUnsafeMutableBufferPointer { fft.forward(i.baseAddress!, into: o.baseAddress!, scratch: $0.baseAddress!) }
            }
        }
        return out
    }

    static func naive(_ x: [Float]) -> [Double] {
        let n = x.count
        var out: [Double] = []
        for k in 0...(n / 2) {
            var re = 0.0, im = 0.0
            for j in 0..<n {
                let phase = -2 * Double.pi * Double(k * j % n) / Double(n)
                re += Double(x[j]) * cos(phase)
                im += Double(x[j]) * sin(phase)
            }
            out += [re, im]
        }
        return out
    }

    static func fftw(_ x: [Float]) -> [Float] {
        let n = x.count
        let input = fftwf_alloc_real(n)!, output = fftwf_alloc_complex(n / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(output) }
        let plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, UInt32(FFTW_ESTIMATE))!
        defer { fftwf_destroy_plan(plan) }
        for i in 0..<n { input[i] = x[i] }
        fftwf_execute(plan)
        let parts = UnsafeRawPointer(output).assumingMemoryBound(to: Float.self)
        return (0..<(n + 2)).map { parts[$0] }
    }

    /// max |a − b| / max |b| over complex bins.
    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        var worst = 0.0, largest = 0.0
        for k in 0..<(b.count / 2) {
            let dr = Double(a[2 * k]) - b[2 * k], di = Double(a[2 * k + 1]) - b[2 * k + 1]
            worst = max(worst, (dr * dr + di * di).squareRoot())
            largest = max(largest, (b[2 * k] * b[2 * k] + b[2 * k + 1] * b[2 * k + 1]).squareRoot())
        }
        return largest > 0 ? worst / largest : worst
    }

    @Test(arguments: lengths) func matchesNaiveDFT(length: Int) {
        var worst = 0.0
        for (name, x) in Self.inputs(length) {
            let error = Self.relativeError(Self.own(x), Self.naive(x))
            #expect(error <= 1e-5, "N = \(length), \(name): relative error \(error)")
            worst = max(worst, error)
        }
        print("RealFFT N = \(length): worst error vs naive double DFT \(worst)")
    }

    @Test(arguments: lengths.filter { $0 >= 16 }) func matchesFFTW(length: Int) {
        var worst = 0.0
        for (name, x) in Self.inputs(length) {
            let error = Self.relativeError(Self.own(x), Self.fftw(x).map(Double.init))
            #expect(error <= 1e-5, "N = \(length), \(name): relative error vs FFTW \(error)")
            worst = max(worst, error)
        }
        print("RealFFT N = \(length): worst error vs FFTW \(worst)")
    }

    @Test func supportedLengths() {
        #expect(RealFFT.supports(length: 256) && RealFFT.supports(length: 640) && RealFFT.supports(length: 480))
        #expect(!RealFFT.supports(length: 255) && !RealFFT.supports(length: 14) && !RealFFT.supports(length: 0))
        #expect(!RealFFT.supports(length: 2 * 4093))
    }

    /// The two buffers are all `forward` writes: the input is left as it was.
    @Test func inputIsUntouched() {
        let x = Self.noise(640, seed: 1)
        let copy = x
        _ = Self.own(x)
        #expect(x == copy)
    }
}
