/// The real FFT an STFT runs on each frame: `execute(input, output, work)` writes the N/2 + 1 complex values
/// of the forward transform of input[0..<length] to output (interleaved re, im: length + 2 floats), using
/// `work` (`workCount` floats). All three buffers are the caller's and 64-byte aligned.
///
/// `.own(length:)`, DSP's `RealFFT`, is what every build uses by default and the only one on a device; the
/// desktop injects FFTW's r2c through this (KWS, `FFTWPlanCache.frameTransform`), which is several times
/// faster there, without a second copy of the STFT.
public struct FrameTransform: Sendable {
    public let length: Int
    public let workCount: Int
    public let execute: @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void

    public init(length: Int, workCount: Int,
                execute: @escaping @Sendable (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        self.length = length
        self.workCount = workCount
        self.execute = execute
    }

    /// DSP's own mixed-radix FFT (`RealFFT.supports(length:)` must hold).
    public static func own(length: Int) -> FrameTransform {
        let fft = RealFFT(length: length)
        return FrameTransform(length: length, workCount: fft.scratchCount) { input, output, work in
            fft.forward(input, into: output, scratch: work)
        }
    }
}
