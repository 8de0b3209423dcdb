import Tensor

/// `tf.signal.linear_to_mel_weight_matrix(mel_bins, bins, sample_rate, lower_hz, upper_hz)`:
/// mel = 1127·ln(1 + f/700); triangles spaced evenly in mel between lower and upper; the DC bin's row is zero.
/// Stored sparsely (each band's non-zero run of bins) for the tuned kernel; `dense` is the full matrix.
public struct MelFilterbank: Sendable {
    public let bins: Int
    public let melBins: Int
    /// bins × melBins, row-major: the matrix exactly as tf returns it.
    public let dense: [Float]
    /// Per band: first bin and weights of its contiguous non-zero run.
    let bandStart: [Int]
    let bandWeights: [[Float]]

    public static func hertzToMel(_ hz: Double) -> Double { 1127 * LibM.log(1 + hz / 700) }

    public init(melBins: Int, bins: Int, sampleRate: Int, lowerHz: Double, upperHz: Double) {
        self.bins = bins
        self.melBins = melBins
        let nyquist = Double(sampleRate) / 2
        let lowMel = Self.hertzToMel(lowerHz), highMel = Self.hertzToMel(upperHz)
        // Band edges: melBins + 2 points evenly spaced in mel; band m uses edges m, m+1, m+2.
        let edges = (0..<(melBins + 2)).map { lowMel + (highMel - lowMel) * Double($0) / Double(melBins + 1) }
        var w = [Float](repeating: 0, count: bins * melBins)
        for k in 1..<bins {  // bin 0 (DC) stays zero
            let mel = Self.hertzToMel(nyquist * Double(k) / Double(bins - 1))
            for m in 0..<melBins {
                let lower = (mel - edges[m]) / (edges[m + 1] - edges[m])
                let upper = (edges[m + 2] - mel) / (edges[m + 2] - edges[m + 1])
                w[k * melBins + m] = Float(max(0, min(lower, upper)))
            }
        }
        dense = w
        var starts: [Int] = [], weights: [[Float]] = []
        for m in 0..<melBins {
            let nonzero = (0..<bins).filter { w[$0 * melBins + m] != 0 }
            let first = nonzero.first ?? 0, last = nonzero.last ?? -1
            starts.append(first)
            weights.append(first <= last ? (first...last).map { w[$0 * melBins + m] } : [])
        }
        bandStart = starts
        bandWeights = weights
    }

    /// mel[f, m] = Σ_k spectrum[f, k]·W[k, m] for `frames` rows, using only each band's non-zero run.
    public func apply(_ spectrum: UnsafeBufferPointer<Float>, frames: Int, into mel: UnsafeMutableBufferPointer<Float>) {
        precondition(spectrum.count >= frames * bins && mel.count >= frames * melBins)
        guard frames > 0 else { return }
        let x = spectrum.baseAddress!, y = mel.baseAddress!
        let bins = self.bins, melBins = self.melBins
        // Four frames at a time: each band's sum is a chain of dependent adds (kept in bin order), and four
        // frames give four independent chains to overlap.
        var f = 0
        while f + 4 <= frames {
            for m in 0..<melBins {
                bandWeights[m].withUnsafeBufferPointer { w in
                    let r0 = x + f * bins + bandStart[m], r1 = r0 + bins, r2 = r1 + bins, r3 = r2 + bins
                    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                    for j in 0..<w.count {
                        let wj = w[j]
                        s0 += r0[j] * wj; s1 += r1[j] * wj; s2 += r2[j] * wj; s3 += r3[j] * wj
                    }
                    let o = y + f * melBins + m
                    o[0] = s0; o[melBins] = s1; o[2 * melBins] = s2; o[3 * melBins] = s3
                }
            }
            f += 4
        }
        while f < frames {
            for m in 0..<melBins {
                bandWeights[m].withUnsafeBufferPointer { w in
                    let r = x + f * bins + bandStart[m]
                    var sum: Float = 0
                    for j in 0..<w.count { sum += r[j] * w[j] }
                    y[f * melBins + m] = sum
                }
            }
            f += 1
        }
    }

    /// Plain reference: the dense product in double precision.
    public func reference(_ spectrum: [Float], frames: Int) -> [Float] {
        var out = [Float](repeating: 0, count: frames * melBins)
        for f in 0..<frames {
            for m in 0..<melBins {
                var sum = 0.0
                for k in 0..<bins { sum += Double(spectrum[f * bins + k]) * Double(dense[k * melBins + m]) }
                out[f * melBins + m] = Float(sum)
            }
        }
        return out
    }
}
