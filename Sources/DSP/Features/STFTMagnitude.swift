import CFFTW
import Foundation

/// |STFT| as `tf.abs(tf.signal.stft(x, frame_length, frame_step, fft_length))`: periodic Hann window,
/// no end padding, frames × (fft/2 + 1) row-major. Tuned kernel: FFTW r2c per frame.
public struct STFTMagnitude: Sendable {
    public let frameLength: Int
    public let frameStep: Int
    public let fftLength: Int
    public let window: [Float]
    let plan: RealFFTPlan

    public init(frameLength: Int, frameStep: Int, fftLength: Int) {
        self.frameLength = frameLength
        self.frameStep = frameStep
        self.fftLength = fftLength
        self.window = Self.periodicHann(frameLength)
        self.plan = FFTWPlanCache.plan(length: fftLength)
    }

    public var bins: Int { fftLength / 2 + 1 }
    public func frames(samples: Int) -> Int { samples >= frameLength ? 1 + (samples - frameLength) / frameStep : 0 }

    /// tf.signal.hann_window(n, periodic=True): 0.5 − 0.5·cos(2πk/n).
    public static func periodicHann(_ n: Int) -> [Float] {
        (0..<n).map { k in Float(0.5 - 0.5 * cos(2 * Double.pi * Double(k) / Double(n))) }
    }

    /// Scratch an extractor owns: one windowed frame and its spectrum, FFTW-aligned.
    public final class Scratch {
        let frame: UnsafeMutablePointer<Float>
        let spectrum: UnsafeMutablePointer<fftwf_complex>
        init(fftLength: Int) {
            frame = fftwf_alloc_real(fftLength)!
            spectrum = fftwf_alloc_complex(fftLength / 2 + 1)!
            frame.initialize(repeating: 0, count: fftLength)
        }
        deinit { fftwf_free(frame); fftwf_free(spectrum) }
    }

    public func makeScratch() -> Scratch { Scratch(fftLength: fftLength) }

    /// Writes frames(samples) × bins magnitudes into `output`. Samples past the end of `signal` count as
    /// zero, so a `signal` shorter than `samples` behaves as if zero-padded.
    public func compute(_ signal: UnsafeBufferPointer<Float>, samples: Int,
                        into output: UnsafeMutableBufferPointer<Float>, scratch: Scratch) {
        let frameCount = frames(samples: samples)
        precondition(output.count >= frameCount * bins, "STFT output buffer too small")
        let frame = scratch.frame, spectrum = scratch.spectrum
        // The spectrum as interleaved floats (re, im, re, …), and plain loops without a branch in the body,
        // so that windowing and the magnitudes vectorise (a scalar square root a bin was a third of the
        // extraction before).
        let parts = UnsafeRawPointer(spectrum).assumingMemoryBound(to: Float.self)
        let length = frameLength, fft = fftLength, bins = self.bins
        guard frameCount > 0 else { return }
        let out = output.baseAddress!
        window.withUnsafeBufferPointer { wp in
            let w = wp.baseAddress!
            for f in 0..<frameCount {
                let start = f * frameStep
                let present = min(length, max(0, signal.count - start))
                if present > 0 {
                    let x = signal.baseAddress! + start
                    for n in 0..<present { frame[n] = x[n] * w[n] }
                }
                (frame + present).update(repeating: 0, count: fft - present)
                plan.execute(frame, spectrum)
                let row = out + f * bins
                for k in 0..<bins {
                    let re = parts[2 * k], im = parts[2 * k + 1]
                    row[k] = (re * re + im * im).squareRoot()
                }
            }
        }
    }

    /// Plain reference kernel: a direct DFT in double precision, O(frames·bins·fft). For tests only.
    public func reference(_ signal: [Float], samples: Int) -> [Float] {
        let frameCount = frames(samples: samples)
        var out = [Float](repeating: 0, count: frameCount * bins)
        for f in 0..<frameCount {
            for k in 0..<bins {
                var re = 0.0, im = 0.0
                for n in 0..<frameLength {
                    let i = f * frameStep + n
                    let x = i < signal.count ? Double(signal[i]) * Double(window[n]) : 0
                    let phase = -2 * Double.pi * Double(k * n % fftLength) / Double(fftLength)
                    re += x * cos(phase)
                    im += x * sin(phase)
                }
                out[f * bins + k] = Float((re * re + im * im).squareRoot())
            }
        }
        return out
    }
}
