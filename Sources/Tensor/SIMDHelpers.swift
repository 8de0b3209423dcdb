/// The vector helpers every kernel is written against, for the two vector widths the kernels use (16 lanes:
/// one zmm register with AVX-512, two ymm with AVX2; 8 lanes: one ymm). Written per width rather than over
/// `SIMD`: generic code over the protocol runs its lane-by-lane default implementations unless it is
/// specialised, and these must always be single instructions.

/// An unaligned load of 16 floats.
@inlinable @inline(__always)
public func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

/// An unaligned load of 8 floats.
@inlinable @inline(__always)
public func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

/// An unaligned store of 16 floats.
@inlinable @inline(__always)
public func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

/// An unaligned store of 8 floats.
@inlinable @inline(__always)
public func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self) }

/// Lane-wise min(max(v, lo), hi). Written with masked replace: the standard library's `clamped` and
/// `pointwiseMin/Max` keep NaN semantics lane by lane and measured ~2.5× slower in the depthwise kernel.
@inlinable @inline(__always)
public func clamp(_ v: SIMD16<Float>, _ lo: SIMD16<Float>, _ hi: SIMD16<Float>) -> SIMD16<Float> {
    var r = v
    r.replace(with: lo, where: r .< lo)
    r.replace(with: hi, where: r .> hi)
    return r
}

/// Lane-wise min(max(v, lo), hi) (see the 16-lane one).
@inlinable @inline(__always)
public func clamp(_ v: SIMD8<Float>, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>) -> SIMD8<Float> {
    var r = v
    r.replace(with: lo, where: r .< lo)
    r.replace(with: hi, where: r .> hi)
    return r
}
