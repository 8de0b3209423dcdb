// Software prefetch for the Swift kernels (Swift has no prefetch intrinsic). A static inline function:
// clang emits it into the calling Swift module, where LLVM inlines it to one prefetcht0.
static inline void kws_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
