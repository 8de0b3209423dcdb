import CFFTW
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
}
