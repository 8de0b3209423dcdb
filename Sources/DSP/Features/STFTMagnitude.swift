import Tensor

/// |STFT| as `tf.abs(tf.signal.stft(x, frame_length, frame_step, fft_length))`: periodic Hann window,
/// no end padding, frames × (fft/2 + 1) row-major. One real FFT per frame: DSP's `RealFFT` unless another
/// `FrameTransform` is given (the desktop gives FFTW's).
public struct STFTMagnitude: Sendable {
    public let frameLength: Int
    public let frameStep: Int
    public let fftLength: Int
    public let window: [Float]
    public let transform: FrameTransform

    /// With DSP's own FFT: `fftLength` must be one `RealFFT` supports (`FeatureSpec.validate` checks it).
    public init(frameLength: Int, frameStep: Int, fftLength: Int) {
        self.init(frameLength: frameLength, frameStep: frameStep, transform: .own(length: fftLength))
    }

    /// With `transform` as the FFT, of length `transform.length`.
    public init(frameLength: Int, frameStep: Int, transform: FrameTransform) {
        self.frameLength = frameLength
        self.frameStep = frameStep
        self.fftLength = transform.length
        self.window = Self.periodicHann(frameLength)
        self.transform = transform
    }

    public var bins: Int { fftLength / 2 + 1 }
    public func frames(samples: Int) -> Int { samples >= frameLength ? 1 + (samples - frameLength) / frameStep : 0 }

    /// tf.signal.hann_window(n, periodic=True): 0.5 − 0.5·cos(2πk/n).
    public static func periodicHann(_ n: Int) -> [Float] {
        (0..<n).map { k in Float(0.5 - 0.5 * LibM.cos(2 * Double.pi * Double(k) / Double(n))) }
    }

    /// Scratch an extractor owns: one windowed frame, its spectrum and the FFT's work buffer, each 64-byte
    /// aligned (FFTW needs its planning arrays' alignment).
    public final class Scratch {
        let frame: UnsafeMutablePointer<Float>
        let spectrum: UnsafeMutablePointer<Float>
        let work: UnsafeMutablePointer<Float>
        init(length: Int, workCount: Int) {
            func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
                let p = UnsafeMutableRawPointer.allocate(byteCount: 4 * max(count, 1), alignment: 64)
                return p.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
            }
            frame = buffer(length)
            spectrum = buffer(length + 2)
            work = buffer(workCount)
        }
        deinit { frame.deallocate(); spectrum.deallocate(); work.deallocate() }
    }

    public func makeScratch() -> Scratch { Scratch(length: fftLength, workCount: transform.workCount) }

    /// Writes frames(samples) × bins magnitudes into `output`. Samples past the end of `signal` count as
    /// zero, so a `signal` shorter than `samples` behaves as if zero-padded.
    public func compute(_ signal: UnsafeBufferPointer<Float>, samples: Int,
                        into output: UnsafeMutableBufferPointer<Float>, scratch: Scratch) {
        let frameCount = frames(samples: samples)
        precondition(output.count >= frameCount * bins, "STFT output buffer too small")
        let frame = scratch.frame, parts = scratch.spectrum, work = scratch.work
        // The spectrum as interleaved floats (re, im, re, …), and plain loops without a branch in the body,
        // so that windowing and the magnitudes vectorise (a scalar square root a bin was a third of the
        // extraction before).
        let length = frameLength, size = fftLength, bins = self.bins, execute = transform.execute
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
                (frame + present).update(repeating: 0, count: size - present)
                execute(frame, parts, work)
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
                    re += x * LibM.cos(phase)
                    im += x * LibM.sin(phase)
                }
                out[f * bins + k] = Float((re * re + im * im).squareRoot())
            }
        }
        return out
    }
}
