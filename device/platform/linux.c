/*
 * The platform layer on Linux (glibc; built static for aarch64 and run under qemu-aarch64-static).
 * Standard output goes through stdio's stdout, the buffer Embedded Swift's print (putchar) also uses.
 * posix_memalign, free, memset, memcpy, putchar and libm are glibc's own.
 */
#include "kws_platform.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int saved_argc;
static char **saved_argv;

/* glibc calls the init_array functions with (argc, argv, envp), static binaries included, so the command
 * line is known before main, whatever main's signature in Swift. */
__attribute__((constructor)) static void kws_save_args(int argc, char **argv, char **envp) {
    (void)envp;
    saved_argc = argc;
    saved_argv = argv;
}

int kws_argc(void) { return saved_argc; }

const char *kws_argv(int i) {
    if (i < 0 || i >= saved_argc) return NULL;
    return saved_argv[i];
}

long kws_file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
    return (long)st.st_size;
}

long kws_file_read(const char *path, void *buf, long cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    long total = 0;
    for (;;) {
        char extra;
        long room = cap - total;
        /* Once full, one more byte tells whether the file is larger than cap. */
        ssize_t got = room > 0 ? read(fd, (char *)buf + total, (size_t)room) : read(fd, &extra, 1);
        if (got < 0) { close(fd); return -1; }
        if (got == 0) break;
        if (room <= 0) { close(fd); return -1; }
        total += got;
    }
    close(fd);
    return total;
}

int kws_open(const char *path) {
    if (path[0] == '-' && path[1] == '\0') return 0;
    return open(path, O_RDONLY);
}

long kws_read(int fd, void *buf, long n) {
    if (n <= 0) return 0;
    ssize_t got = read(fd, buf, (size_t)n);
    return got < 0 ? -1 : (long)got;
}

void kws_close(int fd) {
    if (fd > 0) close(fd);
}

void kws_write(int fd, const char *bytes, long n) {
    if (n <= 0) return;
    if (fd == 1) {
        fwrite(bytes, 1, (size_t)n, stdout);
        return;
    }
    fflush(stdout);
    while (n > 0) {
        ssize_t put = write(fd, bytes, (size_t)n);
        if (put <= 0) return;
        bytes += put;
        n -= put;
    }
}

void kws_exit(int status) { exit(status); }

unsigned long kws_heap_peak(void) { return 0; }

unsigned long kws_stack_peak(void) { return 0; }

unsigned long long kws_cycles(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

unsigned long long kws_cycles_per_second(void) { return 1000000000ull; }
