import Tensor

/// The DCT of `tf.signal.mfccs_from_log_mel_spectrograms`: an unnormalised DCT-II
/// (2·Σ x[n]·cos(πk(2n+1)/2N)) times 1/√(2N), i.e. √(2/N)·Σ x[n]·cos(…) for every k — so c0 is √2 times
/// the orthonormal DCT's c0 and the other coefficients equal the orthonormal ones. Keeps `coefficients`.
public struct MFCCTransform: Sendable {
    public let melBins: Int
    public let coefficients: Int
    /// melBins × coefficients, row-major: row i holds mel bin i's weight in every coefficient.
    let matrix: [Float]

    public init(melBins: Int, coefficients: Int) {
        self.melBins = melBins
        self.coefficients = coefficients
        let n = Double(melBins), scale = (2 / n).squareRoot()
        matrix = (0..<melBins).flatMap { i in
            (0..<coefficients).map { k in Float(scale * LibM.cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * n))) }
        }
    }

    /// Each frame's coefficients as vectors accumulated over the mel bins (coefficient k's sum still runs
    /// over the bins in order, multiply then add, so the result is the same as a dot product per
    /// coefficient). A dot product per coefficient is a chain of dependent float adds the compiler may not
    /// reorder: it ran one add per add latency, a third of the MFCC-32 extraction (`perf`).
    public func apply(_ logMel: UnsafeBufferPointer<Float>, frames: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(logMel.count >= frames * melBins && out.count >= frames * coefficients)
        guard frames > 0 else { return }
        let x = logMel.baseAddress!, y = out.baseAddress!
        let bins = melBins, count = coefficients
        typealias V = SIMD8<Float>
        matrix.withUnsafeBufferPointer { dp in
            let d = dp.baseAddress!
            // Eight coefficients of two frames at a time, in registers over all bins (two independent chains);
            // a last odd frame and the coefficients past a multiple of eight (MFCC-10's last two) one by one.
            var f = 0
            while f < frames {
                let pair = f + 1 < frames
                let row0 = x + f * bins, row1 = pair ? row0 + bins : row0
                var k = 0
                while k + 8 <= count {
                    var a0 = V(), a1 = V()
                    for i in 0..<bins {
                        let w: V = load(d + i * count + k)
                        a0 += V(repeating: row0[i]) * w
                        a1 += V(repeating: row1[i]) * w
                    }
                    store(a0, y + f * count + k)
                    if pair { store(a1, y + (f + 1) * count + k) }
                    k += 8
                }
                for frame in f..<(pair ? f + 2 : f + 1) {
                    let row = x + frame * bins
                    for kk in k..<count {
                        var sum: Float = 0
                        for i in 0..<bins { sum += row[i] * d[i * count + kk] }
                        y[frame * count + kk] = sum
                    }
                }
                f += pair ? 2 : 1
            }
        }
    }

    /// Plain reference: the orthonormal DCT-II in double precision with c0 scaled by √2 (tf's convention
    /// stated independently of the matrix above).
    public func reference(_ logMel: [Float], frames: Int) -> [Float] {
        let n = Double(melBins)
        var out = [Float](repeating: 0, count: frames * coefficients)
        for f in 0..<frames {
            for k in 0..<coefficients {
                var sum = 0.0
                for i in 0..<melBins {
                    sum += Double(logMel[f * melBins + i]) * LibM.cos(Double.pi * Double(k) * (Double(i) + 0.5) / n)
                }
                let orthonormal = sum * (k == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot())
                out[f * coefficients + k] = Float(k == 0 ? orthonormal * 2.0.squareRoot() : orthonormal)
            }
        }
        return out
    }
}
