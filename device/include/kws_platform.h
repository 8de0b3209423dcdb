/*
 * kws_platform.h: the device program's whole view of its platform.
 *
 * One header, two implementations:
 *   device/platform/linux.c        Linux (libc), e.g. aarch64 static under qemu-aarch64-static
 *   device/platform/semihosting.c  bare metal with ARM semihosting (+ device/cortex-m4/startup.c)
 *
 * Swift imports it as the Clang module `CDevicePlatform` (device/include/module.modulemap):
 *   swiftc ... -I device/include        then   import CDevicePlatform
 *
 * The program's entry point is the C symbol `main`, defined in Swift (a main.swift with top-level code,
 * or `@_cdecl("main") func main() -> Int32`). Arguments are read with kws_argc()/kws_argv(), on both
 * platforms, whatever main's signature. Returning from main exits with its status (flushing stdout).
 *
 * Besides these functions the platform provides what Embedded Swift needs from a C library:
 * posix_memalign, free, memset, memcpy, memmove, putchar, and libm (expf, logf, exp, log, cos, sin, pow).
 */
#ifndef KWS_PLATFORM_H
#define KWS_PLATFORM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Command line. kws_argv(0) is the program name; NULL for i outside 0 ..< kws_argc(). */
int kws_argc(void);
const char *kws_argv(int i);

/* Whole files. kws_file_size: the size in bytes, -1 if it cannot be opened.
 * kws_file_read: reads the whole file into buf (at most cap bytes); returns the bytes read,
 * -1 on error or if the file is larger than cap. */
long kws_file_size(const char *path);
long kws_file_read(const char *path, void *buf, long cap);

/* Streams. kws_open: a descriptor for reading, -1 on error; "-" is standard input.
 * kws_read: up to n bytes; the count read, 0 at the end, -1 on error (short reads are possible:
 * call again until it returns 0). kws_close: closes a descriptor from kws_open (0, stdin, is left open). */
int kws_open(const char *path);
long kws_read(int fd, void *buf, long n);
void kws_close(int fd);

/* Output. fd 1 = standard output (the same buffer as putchar, so Swift's print and kws_write keep their
 * order), fd 2 = standard error (flushes standard output first). */
void kws_write(int fd, const char *bytes, long n);

/* Ends the program with status (0 = success); flushes standard output first. Never returns. */
void kws_exit(int status) __attribute__((noreturn));

/* The heap's high-water mark in bytes (what malloc took from the system, _sbrk's peak on bare metal);
 * 0 where unknown (Linux). */
unsigned long kws_heap_peak(void);

/* The deepest the main stack went, in bytes (the start-up paints the stack; measured when called);
 * 0 where unknown (Linux). */
unsigned long kws_stack_peak(void);

/* A monotonic counter and its rate: CPU cycles on the Cortex-M4 (SysTick at the core clock),
 * nanoseconds on Linux. Differences of kws_cycles() / kws_cycles_per_second() are seconds. */
unsigned long long kws_cycles(void);
unsigned long long kws_cycles_per_second(void);

#ifdef __cplusplus
}
#endif

#endif /* KWS_PLATFORM_H */
