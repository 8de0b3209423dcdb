/*
 * The platform layer over ARM semihosting (bare metal, Cortex-M: `bkpt 0xAB`), for QEMU or a debugger.
 * The board's start-up (device/cortex-m4/startup.c) supplies the vector table, _sbrk, posix_memalign,
 * kws_heap_peak and kws_cycles; this file supplies the I/O: the command line (SYS_GET_CMDLINE), files
 * (SYS_OPEN, SYS_FLEN, SYS_READ, SYS_CLOSE), console output (SYS_WRITE on ":tt", buffered per line),
 * putchar for Embedded Swift's print, and exit (SYS_EXIT_EXTENDED, so that the status reaches the host).
 *
 * On a real board without a debugger, replace this file: putchar/kws_write to a UART, files from flash.
 */
#include "kws_platform.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Semihosting operation numbers (ARM "Semihosting for AArch32 and AArch64", v2.0). */
enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITEC = 0x03,
    SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_FLEN = 0x0C,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_Stopped_ApplicationExit 0x20026u
#define SH_MODE_RB 1u /* fopen "rb" */
#define SH_MODE_W 4u  /* fopen "w": ":tt" opened so is standard output */
#define SH_MODE_A 8u  /* fopen "a": ":tt" opened so is standard error */

static inline intptr_t semihost(uintptr_t op, const void *arg) {
    register uintptr_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (intptr_t)r0;
}

/* ---- command line ---- */

#define KWS_CMDLINE_MAX 1024
#define KWS_ARGV_MAX 64
static char cmdline[KWS_CMDLINE_MAX];
static char *argv_table[KWS_ARGV_MAX + 1];
static int argc_value = -1;
static int mem_report; /* set by a leading --kws-mem-report (consumed here, see kws_exit) */

static void parse_cmdline(void) {
    if (argc_value >= 0) return;
    argc_value = 0;
    uintptr_t block[2] = {(uintptr_t)cmdline, sizeof cmdline - 1};
    if (semihost(SYS_GET_CMDLINE, block) != 0) {
        cmdline[0] = '\0';
    } else {
        size_t n = block[1] < sizeof cmdline - 1 ? block[1] : sizeof cmdline - 1;
        cmdline[n] = '\0';
    }
    /* QEMU joins the arg= values with single spaces: split on blanks (an argument cannot hold a space). */
    char *p = cmdline;
    while (*p && argc_value < KWS_ARGV_MAX) {
        while (*p == ' ' || *p == '\t') *p++ = '\0';
        if (!*p) break;
        argv_table[argc_value++] = p;
        while (*p && *p != ' ' && *p != '\t') p++;
    }
    argv_table[argc_value] = NULL;
    if (argc_value >= 2 && strcmp(argv_table[1], "--kws-mem-report") == 0) {
        mem_report = 1;
        for (int i = 1; i < argc_value; i++) argv_table[i] = argv_table[i + 1];
        argc_value--;
    }
}

int kws_argc(void) {
    parse_cmdline();
    return argc_value;
}

const char *kws_argv(int i) {
    parse_cmdline();
    if (i < 0 || i >= argc_value) return NULL;
    return argv_table[i];
}

/* For the start-up code's call of main(argc, argv). */
char **kws_semihosting_argv(void) {
    parse_cmdline();
    return argv_table;
}

/* ---- files and streams ---- */

static int sh_open(const char *path, uintptr_t mode) {
    uintptr_t block[3] = {(uintptr_t)path, mode, strlen(path)};
    return (int)semihost(SYS_OPEN, block);
}

static void sh_close(int handle) {
    uintptr_t block[1] = {(uintptr_t)handle};
    semihost(SYS_CLOSE, block);
}

static long sh_flen(int handle) {
    uintptr_t block[1] = {(uintptr_t)handle};
    return (long)semihost(SYS_FLEN, block);
}

/* SYS_READ returns the number of bytes NOT read. */
static long sh_read(int handle, void *buf, long n) {
    uintptr_t block[3] = {(uintptr_t)handle, (uintptr_t)buf, (uintptr_t)n};
    intptr_t left = semihost(SYS_READ, block);
    if (left < 0 || left > n) return -1;
    return n - (long)left;
}

long kws_file_size(const char *path) {
    int h = sh_open(path, SH_MODE_RB);
    if (h < 0) return -1;
    long size = sh_flen(h);
    sh_close(h);
    return size;
}

long kws_file_read(const char *path, void *buf, long cap) {
    int h = sh_open(path, SH_MODE_RB);
    if (h < 0) return -1;
    long size = sh_flen(h);
    long total = -1;
    if (size >= 0 && size <= cap) {
        total = 0;
        while (total < size) {
            long got = sh_read(h, (char *)buf + total, size - total);
            if (got <= 0) { total = got < 0 ? -1 : total; break; }
            total += got;
        }
        if (total >= 0 && total != size) total = -1;
    }
    sh_close(h);
    return total;
}

int kws_open(const char *path) {
    if (path[0] == '-' && path[1] == '\0') return sh_open(":tt", 0); /* "r": the host's standard input */
    return sh_open(path, SH_MODE_RB);
}

long kws_read(int fd, void *buf, long n) {
    if (n <= 0) return 0;
    return sh_read(fd, buf, n);
}

void kws_close(int fd) {
    if (fd >= 0) sh_close(fd);
}

/* ---- output ---- */

static int out_handle = -2, err_handle = -2; /* -2: not opened yet; -1: unavailable */
static char out_buf[256];
static size_t out_len;

static void sh_write_all(int *handle, uintptr_t mode, const char *bytes, size_t n) {
    if (*handle == -2) *handle = sh_open(":tt", mode);
    if (*handle >= 0) {
        uintptr_t block[3] = {(uintptr_t)*handle, (uintptr_t)bytes, n};
        semihost(SYS_WRITE, block);
        return;
    }
    for (size_t i = 0; i < n; i++) semihost(SYS_WRITEC, &bytes[i]);
}

static void flush_stdout(void) {
    if (out_len == 0) return;
    sh_write_all(&out_handle, SH_MODE_W, out_buf, out_len);
    out_len = 0;
}

int putchar(int c) {
    out_buf[out_len++] = (char)c;
    if (c == '\n' || out_len == sizeof out_buf) flush_stdout();
    return c & 0xff;
}

void kws_write(int fd, const char *bytes, long n) {
    if (n <= 0) return;
    if (fd == 1) {
        for (long i = 0; i < n; i++) putchar((unsigned char)bytes[i]);
        return;
    }
    flush_stdout();
    sh_write_all(&err_handle, SH_MODE_A, bytes, (size_t)n);
}

/* ---- exit ---- */

static void write_err(const char *s) { kws_write(2, s, (long)strlen(s)); }

static void write_err_number(unsigned long v) {
    char digits[24];
    int i = sizeof digits;
    digits[--i] = '\0';
    do { digits[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    write_err(&digits[i]);
}

void _exit(int status) {
    flush_stdout();
    if (mem_report) {
        write_err("kws-device: heap peak ");
        write_err_number(kws_heap_peak());
        write_err(" bytes, stack peak ");
        write_err_number(kws_stack_peak());
        write_err(" bytes\n");
    }
    uintptr_t block[2] = {ADP_Stopped_ApplicationExit, (uintptr_t)(unsigned)status};
    semihost(SYS_EXIT_EXTENDED, block);
    /* A host without the extended call: plain SYS_EXIT, where only "success or not" survives. */
    semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_Stopped_ApplicationExit : 0x20023u));
    for (;;) __asm__ volatile("wfi");
}

void exit(int status) __attribute__((noreturn));
void exit(int status) { _exit(status); }

void kws_exit(int status) { _exit(status); }

void abort(void) {
    write_err("kws-device: abort\n");
    _exit(134);
}
