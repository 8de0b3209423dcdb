import CDevicePlatform

/// One line of output built as bytes and written at once (`kws_write`). Embedded Swift prints no floating-point
/// values and its `String ==` would link Unicode tables, so numbers are formatted here with integer arithmetic
/// and strings are compared byte by byte (`Text.same`). `clear()` keeps the capacity: a per-clip line
/// allocates nothing once the buffer has grown.
struct Line {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1024) }

    mutating func clear() { bytes.removeAll(keepingCapacity: true) }

    mutating func add(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func add(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func add(byte: UInt8) { bytes.append(byte) }

    /// A decimal integer.
    mutating func add(_ n: Int) {
        var v: UInt64
        if n < 0 { bytes.append(45); v = 0 &- UInt64(bitPattern: Int64(n)) } else { v = UInt64(n) }
        var p: UInt64 = 1
        while v / p >= 10 { p *= 10 }
        while p > 0 { bytes.append(UInt8(48 + (v / p) % 10)); p /= 10 }
    }

    /// The `count` low decimal digits of `v`, with leading zeros.
    private mutating func digits(_ v: UInt64, count: Int) {
        var p: UInt64 = 1
        for _ in 1..<max(count, 1) { p *= 10 }
        for _ in 0..<count { bytes.append(UInt8(48 + (v / p) % 10)); p /= 10 }
    }

    /// `x` padded on the left with blanks to `width` characters (`%9.3f`-style columns).
    mutating func padded(width: Int, _ body: (inout Line) -> Void) {
        let start = bytes.count
        body(&self)
        let written = bytes.count - start
        if written < width {
            bytes.insert(contentsOf: repeatElement(UInt8(32), count: width - written), at: start)
        }
    }

    /// `x` with exactly `decimals` digits after the point (rounded half away from zero), like `%.3f`.
    mutating func fixed(_ x: Float, _ decimals: Int) {
        guard x.isFinite else { nonFinite(x); return }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let v = Double(x)
        guard (v < 0 ? -v : v) * scale < 1e18 else { significant(x); return }
        let scaled = UInt64((v < 0 ? -v : v) * scale + 0.5)
        let unit = UInt64(scale)
        if v < 0 && scaled != 0 { bytes.append(45) }
        add(Int(scaled / unit))
        guard decimals > 0 else { return }
        bytes.append(46)
        digits(scaled % unit, count: decimals)
    }

    /// `x` rounded to `decimals` decimals without trailing zeros ("0.1234", "1.5", "3"): how the desktop's
    /// JSON writes a rounded number.
    mutating func short(_ x: Float, decimals: Int) {
        let start = bytes.count
        fixed(x, decimals)
        guard x.isFinite, decimals > 0 else { return }
        while bytes.count > start, bytes[bytes.count - 1] == 48 { bytes.removeLast() }
        if bytes.count > start, bytes[bytes.count - 1] == 46 { bytes.removeLast() }
        if bytes.count == start + 1 && bytes[start] == 45 { bytes[start] = 48 }   // "-0" → "0"
    }

    /// `x` with `digits` significant digits, in JSON's number syntax ("-1.23456789e-05", "12.3456789", "0"):
    /// enough digits (9) to give a Float back exactly.
    mutating func significant(_ x: Float, digits: Int = 9) {
        guard x.isFinite else { nonFinite(x); return }
        if x == 0 { bytes.append(48); return }
        if x < 0 { bytes.append(45) }
        var v = Double(x < 0 ? -x : x)
        var low = 1.0, high = 1.0
        for _ in 0..<(digits - 1) { low *= 10 }
        high = low * 10
        // v = m × 10^exponent with m in [10^(digits-1), 10^digits).
        var exponent = 0
        while v >= high { v /= 10; exponent += 1 }
        while v < low { v *= 10; exponent -= 1 }
        var m = UInt64(v + 0.5)
        if m >= UInt64(high) { m /= 10; exponent += 1 }
        // Trailing zeros dropped: m = kept × 10^(digits - kept count).
        var kept = digits
        while kept > 1, m % 10 == 0 { m /= 10; kept -= 1 }
        // The decimal point after the first digit: value = d.ddd × 10^e.
        var e = exponent + digits - 1
        if e >= 0 && e < digits - 1 {
            // Plain notation: e + 1 digits before the point (zeros if fewer are kept).
            if kept <= e + 1 {
                self.digits(m, count: kept)
                for _ in kept..<(e + 1) { bytes.append(48) }
            } else {
                var p: UInt64 = 1
                for _ in 0..<(kept - e - 1) { p *= 10 }
                self.digits(m / p, count: e + 1)
                bytes.append(46)
                self.digits(m % p, count: kept - e - 1)
            }
            return
        }
        var p: UInt64 = 1
        for _ in 1..<kept { p *= 10 }
        bytes.append(UInt8(48 + m / p))
        if kept > 1 {
            bytes.append(46)
            self.digits(m % p, count: kept - 1)
        }
        bytes.append(101)   // e
        if e < 0 { bytes.append(45); e = -e }
        if e < 10 { bytes.append(48) }
        add(e)
    }

    private mutating func nonFinite(_ x: Float) {
        if x.isNaN { add("nan") } else { add(x < 0 ? "-inf" : "inf") }
    }

    /// A JSON string: quoted, with `"`, `\` and control characters escaped.
    mutating func json(_ s: String) {
        bytes.append(34)
        for b in s.utf8 {
            switch b {
            case 34: add("\\\"")
            case 92: add("\\\\")
            case 10: add("\\n")
            case 13: add("\\r")
            case 9: add("\\t")
            case 0..<32:
                add("\\u00")
                let hex: StaticString = "0123456789abcdef"
                bytes.append(hex.utf8Start[Int(b >> 4)])
                bytes.append(hex.utf8Start[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(34)
    }

    /// Writes the line and a newline to `fd` (1 standard output, 2 standard error), then clears it.
    mutating func flush(_ fd: Int32 = 1) {
        bytes.append(10)
        bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in kws_write(fd, c.baseAddress, c.count) }
        }
        clear()
    }
}

enum Text {
    /// Byte-wise equality with a literal (String's `==` compares canonical equivalence, which links about
    /// 32 KB of Unicode tables on a device).
    static func same(_ a: String, _ b: StaticString) -> Bool {
        a.utf8.elementsEqual(UnsafeBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount))
    }

    static func hasPrefix(_ a: String, _ b: StaticString) -> Bool {
        let p = UnsafeBufferPointer(start: b.utf8Start, count: b.utf8CodeUnitCount)
        return a.utf8.count >= p.count && a.utf8.prefix(p.count).elementsEqual(p)
    }

    /// A whole message to standard error, as one line.
    static func error(_ message: String) {
        var line = Line()
        line.add("kws-device: error: ")
        line.add(message)
        line.flush(2)
    }
}
