import CFFTW
import DSP
import Foundation

/// A single-precision real-to-complex FFTW plan of one length, shared by every extractor of that length.
///
/// FFTW's planner is not thread-safe, so plans are only created inside `FFTWPlanCache` under its lock.
/// Executing a plan with the new-array function `fftwf_execute_dft_r2c` is thread-safe, provided the
/// arrays have the alignment of the planning arrays: callers allocate them with `fftwf_alloc_*`.
public final class RealFFTPlan: @unchecked Sendable {
    public let length: Int
    let plan: fftwf_plan

    fileprivate init(length: Int) {
        self.length = length
        let input = fftwf_alloc_real(length)!
        let output = fftwf_alloc_complex(length / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(output) }
        // FFTW_ESTIMATE: no trial runs, so start-up stays short and results do not depend on timing.
        plan = fftwf_plan_dft_r2c_1d(Int32(length), input, output, UInt32(FFTW_ESTIMATE))!
    }

    /// out[k] = Σ in[n]·e^(−2πikn/N), k = 0…N/2. Both pointers must come from `fftwf_alloc_*`.
    @inline(__always)
    func execute(_ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<fftwf_complex>) {
        fftwf_execute_dft_r2c(plan, input, output)
    }
}

/// One plan per FFT length for the whole process, created under a lock (FFTW's planner is not thread-safe).
///
/// The desktop's STFT runs on FFTW (`FeatureTables.shared` gives `frameTransform`): on the building machine its
/// r2c is about 5× DSP's own `RealFFT`, which devices use (docs/ARCHITECTURE.md, "Features").
public enum FFTWPlanCache {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var plans: [Int: RealFFTPlan] = [:]

    public static func plan(length: Int) -> RealFFTPlan {
        lock.lock()
        defer { lock.unlock() }
        if let p = plans[length] { return p }
        let p = RealFFTPlan(length: length)
        plans[length] = p
        return p
    }

    /// FFTW's r2c of `length` as the STFT's frame transform. The STFT's scratch buffers are 64-byte aligned,
    /// as `fftwf_alloc_*`'s planning arrays are, so the new-array execute is valid on them.
    public static func frameTransform(length: Int) -> FrameTransform {
        let p = plan(length: length)
        return FrameTransform(length: length, workCount: 0) { input, output, _ in
            p.execute(UnsafeMutablePointer(mutating: input),
                      UnsafeMutableRawPointer(output).assumingMemoryBound(to: fftwf_complex.self))
        }
    }
}
