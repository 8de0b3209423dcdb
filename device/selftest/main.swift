// The device platform layer's self-test, in Embedded Swift: prints, reads the file named on the command line
// (whole and as a stream), allocates, calls libm and does SIMD8<Float> arithmetic. Exits 0 when every check
// passes, 1 otherwise.
//
//   kws-device [FILE] [--exit N] [--trap]
//     --exit N   stop with status N after the checks (to see a status reach the host)
//     --trap     end with a Swift runtime trap (a failed precondition)
import CDevicePlatform

@_silgen_name("expf") func c_expf(_ x: Float) -> Float
@_silgen_name("logf") func c_logf(_ x: Float) -> Float
@_silgen_name("exp") func c_exp(_ x: Double) -> Double
@_silgen_name("log") func c_log(_ x: Double) -> Double
@_silgen_name("cos") func c_cos(_ x: Double) -> Double
@_silgen_name("sin") func c_sin(_ x: Double) -> Double
@_silgen_name("pow") func c_pow(_ x: Double, _ y: Double) -> Double

var failures = 0

func check(_ ok: Bool, _ what: String) {
    if !ok {
        failures += 1
        let line = "selftest: FAILED: \(what)\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { kws_write(2, $0, b.count) }
        }
    }
}

/// x with `digits` decimals (Embedded Swift prints no floating-point values of its own).
func decimal(_ x: Double, _ digits: Int = 6) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let negative = x < 0
    let scaled = Int64((negative ? -x : x) * scale + 0.5)
    let whole = scaled / Int64(scale)
    var fraction = String(scaled % Int64(scale))
    while fraction.utf8.count < digits { fraction = "0" + fraction }
    return "\(negative ? "-" : "")\(whole).\(fraction)"
}

func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool {
    let d = a - b
    return (d < 0 ? -d : d) <= tolerance * (b < 0 ? -b : b) + 1e-12
}

/// Byte-wise equality: String's == compares canonical equivalence, which links about 32 KB of Unicode tables.
func same(_ a: String, _ b: StaticString) -> Bool {
    let bb = UnsafeBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount)
    return a.utf8.elementsEqual(bb)
}

func argument(_ i: Int) -> String? {
    guard let p = kws_argv(Int32(i)) else { return nil }
    return String(cString: p)
}

/// FNV-1a, 32 bits.
func fnv1a(_ bytes: UnsafeRawBufferPointer, _ h: inout UInt32) {
    for b in bytes {
        h ^= UInt32(b)
        h = h &* 16_777_619
    }
}

func hex(_ v: UInt32) -> String {
    var s = String(v, radix: 16)
    while s.utf8.count < 8 { s = "0" + s }
    return "0x" + s
}

final class Box {
    var values: [Float]
    init(_ n: Int) { values = [Float](repeating: 0, count: n) }
}

let start = kws_cycles()
print("kws-device selftest")

// ---- the command line ----
var file: String? = nil
var exitStatus: Int32? = nil
var trap = false
let argc = Int(kws_argc())
var listed = "argc \(argc):"
var i = 0
while i < argc {
    let a = argument(i) ?? "?"
    listed += " [\(a)]"
    if i > 0 {
        if same(a, "--exit"), let n = argument(i + 1) {
            var v: Int32 = 0
            for c in n.utf8 where c >= 48 && c <= 57 { v = v * 10 + Int32(c - 48) }
            exitStatus = v
            listed += " [\(n)]"
            i += 1
        } else if same(a, "--trap") {
            trap = true
        } else {
            file = a
        }
    }
    i += 1
}
print(listed)
check(argc >= 1, "argc >= 1")

// ---- a file, whole and streamed ----
if let path = file, same(path, "-") {
    // Standard input, streamed.
    var h: UInt32 = 2_166_136_261
    var total = 0
    let fd = kws_open("-")
    check(fd >= 0, "kws_open(-)")
    var chunk = [UInt8](repeating: 0, count: 1000)
    while fd >= 0 {
        let n = chunk.withUnsafeMutableBytes { kws_read(fd, $0.baseAddress, 1000) }
        if n <= 0 { check(n == 0, "kws_read(stdin)"); break }
        chunk.withUnsafeBytes { fnv1a(UnsafeRawBufferPointer(rebasing: $0[0..<n]), &h) }
        total += n
    }
    print("standard input: \(total) bytes, fnv1a \(hex(h))")
} else if let path = file {
    let size = path.withCString { kws_file_size($0) }
    check(size >= 0, "kws_file_size(\(path))")
    if size >= 0 {
        var whole = [UInt8](repeating: 0, count: Int(size))
        let got = whole.withUnsafeMutableBytes { b in path.withCString { kws_file_read($0, b.baseAddress, size) } }
        check(got == size, "kws_file_read read the whole file")
        var h1: UInt32 = 2_166_136_261
        whole.withUnsafeBytes { fnv1a($0, &h1) }

        var h2: UInt32 = 2_166_136_261
        var streamed = 0
        var reads = 0
        let fd = path.withCString { kws_open($0) }
        check(fd >= 0, "kws_open")
        if fd >= 0 {
            var chunk = [UInt8](repeating: 0, count: 1000)
            while true {
                let n = chunk.withUnsafeMutableBytes { kws_read(fd, $0.baseAddress, 1000) }
                if n <= 0 { check(n == 0, "kws_read"); break }
                chunk.withUnsafeBytes { fnv1a(UnsafeRawBufferPointer(rebasing: $0[0..<n]), &h2) }
                streamed += n
                reads += 1
            }
            kws_close(fd)
        }
        check(streamed == Int(size) && h1 == h2, "the streamed file equals the whole file")
        // The first line, printed as text.
        var firstLine = [UInt8]()
        for b in whole.prefix(72) { if b == 10 || b == 13 { break }; firstLine.append(b >= 32 && b < 127 ? b : 63) }
        let same = streamed == Int(size) && h1 == h2
        print("file \(path): \(size) bytes, fnv1a \(hex(h1)), streamed in \(reads) reads: \(same ? "same" : "DIFFERENT")")
        print("  first line: " + String(decoding: firstLine, as: UTF8.self))
    }
    check(kws_file_size("/nonexistent/kws-device") == -1, "kws_file_size of a missing file is -1")
} else {
    print("no file given (kws-device FILE reads one)")
}

// ---- allocation ----
let box = Box(16_384)
for k in 0..<box.values.count { box.values[k] = Float(k % 7) }
var total: Float = 0
for v in box.values { total += v }
check(total == 49_146, "sum over a heap array")
var words: [String] = []
for k in 0..<50 { words.append("w" + String(k)) }
check(same(words[49], "w49"), "an array of strings")
print("alloc: 16384 floats (sum \(Int(total))), 50 strings")

// ---- libm ----
// Arguments the compiler cannot fold (argc >= 1 at run time), so that libm itself is called.
let one = argc > 0 ? 1.0 : 3.0
let e = c_expf(Float(one)), l = c_logf(Float(10 * one))
check(close(Double(e), 2.718281828, 1e-6), "expf(1)")
check(close(Double(l), 2.302585093, 1e-6), "logf(10)")
check(close(c_exp(2 * one), 7.389056098930650), "exp(2)")
check(close(c_log(2 * one), 0.693147180559945), "log(2)")
check(close(c_cos(one), 0.540302305868140), "cos(1)")
check(close(c_sin(one), 0.841470984807897), "sin(1)")
check(close(c_pow(2 * one, 0.5 * one), 1.414213562373095), "pow(2, 0.5)")
print("libm: expf(1) \(decimal(Double(e))), logf(10) \(decimal(Double(l))), cos(1) \(decimal(c_cos(one))), pow(2, 0.5) \(decimal(c_pow(2 * one, 0.5 * one)))")

// ---- SIMD8<Float> ----
var acc = SIMD8<Float>(repeating: 0)
let ramp = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
for k in 0..<128 {
    let x = ramp + Float(k)
    acc = acc.addingProduct(x, SIMD8<Float>(repeating: 0.5))
}
let dot = acc.sum()
check(dot == 0.5 * Float(128 * 28 + 8 * 127 * 128 / 2), "SIMD8 fused multiply-add and sum")
let clamped = simd_clamp(ramp - 3, lo: 0, hi: 2)
check(clamped == SIMD8<Float>(0, 0, 0, 0, 1, 2, 2, 2), "SIMD8 clamp")
print("simd8: dot \(Int(dot)), clamp ok")

func simd_clamp(_ v: SIMD8<Float>, lo: Float, hi: Float) -> SIMD8<Float> {
    v.replacing(with: lo, where: v .< lo).replacing(with: hi, where: v .> hi)
}

// ---- memory and time ----
let end = kws_cycles()
let elapsed = end &- start
let rate = kws_cycles_per_second()
print("heap peak \(kws_heap_peak()) bytes, stack peak \(kws_stack_peak()) bytes (0 = unknown here); \(elapsed) ticks at \(rate) per second")

if trap {
    print("selftest: trapping now")
    precondition(argc < 0, "a deliberate trap")
}
print(failures == 0 ? "selftest: OK" : "selftest: \(failures) check(s) FAILED")
if let status = exitStatus { kws_exit(status) }
kws_exit(failures == 0 ? 0 : 1)
