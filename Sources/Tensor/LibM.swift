// The C library's math functions, declared by their C names so that the same source builds on the desktop
// (glibc's libm) and on a device (newlib's, or the aarch64 static glibc), where neither Foundation nor Glibc
// can be imported. Each takes and returns plain floating-point values, for which Swift's calling convention
// and C's agree on x86-64, aarch64 and armv7em (hard float).

@usableFromInline @_silgen_name("expf") func _libm_expf(_ x: Float) -> Float
@usableFromInline @_silgen_name("logf") func _libm_logf(_ x: Float) -> Float
@usableFromInline @_silgen_name("log") func _libm_log(_ x: Double) -> Double
@usableFromInline @_silgen_name("exp") func _libm_exp(_ x: Double) -> Double
@usableFromInline @_silgen_name("cos") func _libm_cos(_ x: Double) -> Double
@usableFromInline @_silgen_name("sin") func _libm_sin(_ x: Double) -> Double
@usableFromInline @_silgen_name("pow") func _libm_pow(_ x: Double, _ y: Double) -> Double

/// libm, for code that must build for the device too.
public enum LibM {
    @inlinable public static func exp(_ x: Float) -> Float { _libm_expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { _libm_logf(x) }
    @inlinable public static func exp(_ x: Double) -> Double { _libm_exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { _libm_log(x) }
    @inlinable public static func cos(_ x: Double) -> Double { _libm_cos(x) }
    @inlinable public static func sin(_ x: Double) -> Double { _libm_sin(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { _libm_pow(x, y) }
}
