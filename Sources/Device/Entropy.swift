// newlib's arc4random (which Swift's hash seed calls on the Cortex-M4: Runtime's LayerNormalization builds a
// Set<Int>) needs getentropy, which a bare-metal board without a random source does not have. Zeros are
// enough: the seed only spreads hash tables, and a fixed seed makes runs reproducible. Linux has its own.
// (Its proper home is the platform layer, device/cortex-m4/startup.c; here until it moves there.)
#if arch(arm)
@_cdecl("getentropy")
func kwsGetentropy(_ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int32 {
    if let buffer, count > 0 { buffer.initializeMemory(as: UInt8.self, repeating: 0, count: count) }
    return 0
}
#endif
