import Tensor

/// A forward real FFT of one even length N whose half M = N/2 has no prime factor but 2, 3 and 5:
///
///     out[k] = Σ_n x[n]·e^(−2πikn/N),  k = 0 … N/2   (N/2 + 1 complex values, interleaved re, im)
///
/// How: the N real samples are read as M complex ones, z[n] = x[2n] + i·x[2n+1] (no copy); a complex FFT of
/// length M (Stockham autosort, mixed radix 4/2/3/5, so no bit-reversal pass) gives Z; one split pass turns
/// Z into the spectrum of x. Everything that depends only on N (factorisation, twiddles) is computed once
/// here, in double precision and stored as Float; `forward` uses single precision only (a Cortex-M4 has no
/// double-precision FPU) and allocates nothing. A plan is immutable, so threads may share one, each with its
/// own scratch.
public struct RealFFT: Sendable {
    /// N, real samples in.
    public let length: Int
    /// M = N/2, the length of the complex FFT.
    let half: Int
    /// Radices of the complex FFT's stages, first to last (their product is M).
    let radices: [Int]
    /// Per stage, at `twiddleOffsets[s]`: for each k in 0..<Ns (Ns = product of the earlier radices) the
    /// R − 1 twiddles e^(−2πi·r·k/(Ns·R)), r = 1…R−1, as interleaved (re, im).
    let twiddles: [Float]
    let twiddleOffsets: [Int]
    /// e^(−2πik/N) for k = 0…M/2, interleaved (re, im): the split pass's twiddles.
    let splitTwiddles: [Float]

    /// Complex values out: N/2 + 1, i.e. `outputCount` = N + 2 floats.
    public var outputCount: Int { length + 2 }
    /// Floats of scratch `forward` needs besides the output.
    public var scratchCount: Int { length }

    /// True when `length` is even and its half factors into 2, 3 and 5 only (16, 60, 256, 480, 640, …).
    public static func supports(length: Int) -> Bool {
        guard length >= 2, length % 2 == 0 else { return false }
        var m = length / 2
        for p in [2, 3, 5] { while m % p == 0 { m /= p } }
        return m == 1
    }

    public init(length: Int) {
        precondition(Self.supports(length: length), "RealFFT: length must be even with N/2 2,3,5-smooth")
        self.length = length
        half = length / 2
        radices = Self.factorise(half)
        var table: [Float] = [], offsets: [Int] = []
        var ns = 1
        for r in radices {
            offsets.append(table.count)
            for k in 0..<ns {
                for j in 1..<r {
                    let angle = -2 * Double.pi * Double(j * k) / Double(ns * r)
                    table.append(Float(LibM.cos(angle)))
                    table.append(Float(LibM.sin(angle)))
                }
            }
            ns *= r
        }
        twiddles = table
        twiddleOffsets = offsets
        var split: [Float] = []
        for k in 0...(half / 2) {
            let angle = -2 * Double.pi * Double(k) / Double(length)
            split.append(Float(LibM.cos(angle)))
            split.append(Float(LibM.sin(angle)))
        }
        splitTwiddles = split
    }

    /// Radix 4 while it divides, then 2, 3, 5: 128 = 4·4·4·2, 320 = 4·4·4·5.
    static func factorise(_ m: Int) -> [Int] {
        var m = m, out: [Int] = []
        for p in [4, 2, 3, 5] {
            while m % p == 0 { out.append(p); m /= p }
        }
        return out
    }

    /// The spectrum of `input[0..<length]` into `output[0..<outputCount]` (re, im interleaved).
    /// `scratch` holds `scratchCount` floats; none of the three may overlap.
    public func forward(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>) {
        let stages = radices.count
        if stages == 0 {  // N = 2: Z = z[0]
            output[0] = input[0]; output[1] = input[1]
        }
        twiddles.withUnsafeBufferPointer { tw in
            var source = input
            for s in 0..<stages {
                // Ping-pong so that the last stage lands in `output`.
                let destination = (stages - 1 - s) % 2 == 0 ? output : scratch
                Self.stage(radix: radices[s], strideIn: half / radices[s], ns: Self.product(radices, upTo: s),
                           twiddles: tw.baseAddress! + twiddleOffsets[s], from: source, to: destination)
                source = UnsafePointer(destination)
            }
        }
        splitTwiddles.withUnsafeBufferPointer { split(output, twiddles: $0.baseAddress!) }
    }

    @inline(__always)
    static func product(_ radices: [Int], upTo end: Int) -> Int {
        var p = 1
        for i in 0..<end { p *= radices[i] }
        return p
    }

    // MARK: - The complex FFT: one Stockham stage

    /// One radix-R pass: for every butterfly j = q·Ns + k (k < Ns) it reads R inputs at stride M/R,
    /// multiplies input r by e^(−2πi·r·k/(Ns·R)), takes their R-point DFT and writes output r at
    /// q·Ns·R + k + r·Ns. After the passes of all radices the result is in natural order.
    static func stage(radix: Int, strideIn l: Int, ns: Int, twiddles w: UnsafePointer<Float>,
                      from x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>) {
        let groups = l / ns
        switch radix {
        case 4: radix4(l, ns, groups, w, x, y)
        case 2: radix2(l, ns, groups, w, x, y)
        case 3: radix3(l, ns, groups, w, x, y)
        default: radix5(l, ns, groups, w, x, y)
        }
    }

    static func radix2(_ l: Int, _ ns: Int, _ groups: Int, _ w: UnsafePointer<Float>,
                       _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for k in 0..<ns {
            let w1 = Complex(w, k)
            for q in 0..<groups {
                let j = q * ns + k, o = q * ns * 2 + k
                let a0 = Complex(x, j), a1 = Complex(x, j + l) * w1
                (a0 + a1).store(y, o)
                (a0 - a1).store(y, o + ns)
            }
        }
    }

    static func radix4(_ l: Int, _ ns: Int, _ groups: Int, _ w: UnsafePointer<Float>,
                       _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        for k in 0..<ns {
            let w1 = Complex(w, 3 * k), w2 = Complex(w, 3 * k + 1), w3 = Complex(w, 3 * k + 2)
            for q in 0..<groups {
                let j = q * ns + k, o = q * ns * 4 + k
                let a0 = Complex(x, j), a1 = Complex(x, j + l) * w1
                let a2 = Complex(x, j + 2 * l) * w2, a3 = Complex(x, j + 3 * l) * w3
                let t0 = a0 + a2, t1 = a0 - a2, t2 = a1 + a3, t3 = (a1 - a3).timesMinusI
                (t0 + t2).store(y, o)
                (t1 + t3).store(y, o + ns)
                (t0 - t2).store(y, o + 2 * ns)
                (t1 - t3).store(y, o + 3 * ns)
            }
        }
    }

    static func radix3(_ l: Int, _ ns: Int, _ groups: Int, _ w: UnsafePointer<Float>,
                       _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let s60: Float = 0.866_025_403_784_438_6  // sin(2π/3)
        for k in 0..<ns {
            let w1 = Complex(w, 2 * k), w2 = Complex(w, 2 * k + 1)
            for q in 0..<groups {
                let j = q * ns + k, o = q * ns * 3 + k
                let a0 = Complex(x, j), a1 = Complex(x, j + l) * w1, a2 = Complex(x, j + 2 * l) * w2
                let sum = a1 + a2, m = a0 - sum.scaled(0.5), d = (a1 - a2).timesMinusI.scaled(s60)
                (a0 + sum).store(y, o)
                (m + d).store(y, o + ns)
                (m - d).store(y, o + 2 * ns)
            }
        }
    }

    static func radix5(_ l: Int, _ ns: Int, _ groups: Int, _ w: UnsafePointer<Float>,
                       _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        // cos and sin of 2π/5 and 4π/5.
        let c1: Float = 0.309_016_994_374_947_4, c2: Float = -0.809_016_994_374_947_4
        let s1: Float = 0.951_056_516_295_153_5, s2: Float = 0.587_785_252_292_473_1
        for k in 0..<ns {
            let w1 = Complex(w, 4 * k), w2 = Complex(w, 4 * k + 1), w3 = Complex(w, 4 * k + 2), w4 = Complex(w, 4 * k + 3)
            for q in 0..<groups {
                let j = q * ns + k, o = q * ns * 5 + k
                let a0 = Complex(x, j), a1 = Complex(x, j + l) * w1, a2 = Complex(x, j + 2 * l) * w2
                let a3 = Complex(x, j + 3 * l) * w3, a4 = Complex(x, j + 4 * l) * w4
                let b1 = a1 + a4, b2 = a2 + a3
                let d1 = (a1 - a4).timesMinusI, d2 = (a2 - a3).timesMinusI
                let m1 = a0 + b1.scaled(c1) + b2.scaled(c2), m2 = a0 + b1.scaled(c2) + b2.scaled(c1)
                let n1 = d1.scaled(s1) + d2.scaled(s2), n2 = d1.scaled(s2) - d2.scaled(s1)
                (a0 + b1 + b2).store(y, o)
                (m1 + n1).store(y, o + ns)
                (m2 + n2).store(y, o + 2 * ns)
                (m2 - n2).store(y, o + 3 * ns)
                (m1 - n1).store(y, o + 4 * ns)
            }
        }
    }

    // MARK: - From Z = FFT_M(z) to the real spectrum

    /// In place on `z` (M complex values, room for M + 1): with E = (Z[k] + conj Z[M−k]) / 2 and
    /// O = (Z[k] − conj Z[M−k]) / 2i, X[k] = E + e^(−2πik/N)·O and X[M−k] = conj(E − e^(−2πik/N)·O).
    /// k and M − k are done together, so each pair is read before it is overwritten.
    func split(_ z: UnsafeMutablePointer<Float>, twiddles w: UnsafePointer<Float>) {
        let m = half
        let re0 = z[0], im0 = z[1]
        z[0] = re0 + im0; z[1] = 0
        z[2 * m] = re0 - im0; z[2 * m + 1] = 0
        guard m >= 2 else { return }
        for k in 1...(m / 2) {
            let a = Complex(z, k), b = Complex(z, m - k).conjugate
            let even = (a + b).scaled(0.5)
            let odd = (a - b).timesMinusI.scaled(0.5)  // (a − b) / 2i
            let t = odd * Complex(w, k)
            (even + t).store(z, k)
            (even - t).conjugate.store(z, m - k)
        }
    }
}

/// A single-precision complex value, read from and written to interleaved (re, im) float arrays.
struct Complex {
    var re: Float, im: Float

    @inline(__always) init(re: Float, im: Float) { self.re = re; self.im = im }
    /// Complex element `i` of an interleaved array.
    @inline(__always) init(_ p: UnsafePointer<Float>, _ i: Int) { re = p[2 * i]; im = p[2 * i + 1] }
    @inline(__always) init(_ p: UnsafeMutablePointer<Float>, _ i: Int) { re = p[2 * i]; im = p[2 * i + 1] }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ i: Int) { p[2 * i] = re; p[2 * i + 1] = im }

    @inline(__always) static func + (a: Complex, b: Complex) -> Complex { Complex(re: a.re + b.re, im: a.im + b.im) }
    @inline(__always) static func - (a: Complex, b: Complex) -> Complex { Complex(re: a.re - b.re, im: a.im - b.im) }
    @inline(__always) static func * (a: Complex, b: Complex) -> Complex {
        Complex(re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re)
    }
    @inline(__always) func scaled(_ s: Float) -> Complex { Complex(re: re * s, im: im * s) }
    /// −i·z: the quarter turn of the forward transform's radix-4 (and 3, 5) butterflies.
    @inline(__always) var timesMinusI: Complex { Complex(re: im, im: -re) }
    @inline(__always) var conjugate: Complex { Complex(re: re, im: -im) }
}
