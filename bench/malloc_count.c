/* A malloc-counting hook for bench/run.sh: preloaded (LD_PRELOAD) into kws-bench, it counts every call
 * of malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign and valloc, forwards each to the
 * real allocator (dlsym RTLD_NEXT), and exports the running total as kwsbench_malloc_calls(), which
 * kws-bench reads before and after N steady-state inferences. free is not counted.
 *
 *   cc -O2 -shared -fPIC -o malloc_count.so bench/malloc_count.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static _Atomic uint64_t calls;

uint64_t kwsbench_malloc_calls(void) { return calls; }

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);

/* dlsym itself may call calloc before real_calloc is known: serve that from a small static arena. */
static unsigned char bootstrap[8192];
static size_t bootstrap_used;
static int resolving;

static void *bootstrap_alloc(size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (bootstrap_used + size > sizeof bootstrap) return NULL;
    void *p = bootstrap + bootstrap_used;
    bootstrap_used += size;
    return p;
}

static void resolve(void) {
    if (real_malloc || resolving) return;
    resolving = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    real_valloc = dlsym(RTLD_NEXT, "valloc");
    resolving = 0;
}

static int from_bootstrap(const void *p) {
    return (const unsigned char *)p >= bootstrap && (const unsigned char *)p < bootstrap + sizeof bootstrap;
}

void *malloc(size_t size) {
    resolve();
    if (!real_malloc) return bootstrap_alloc(size);
    calls++;
    return real_malloc(size);
}

void *calloc(size_t n, size_t size) {
    resolve();
    if (!real_calloc) {
        void *p = bootstrap_alloc(n * size);
        if (p) memset(p, 0, n * size);
        return p;
    }
    calls++;
    return real_calloc(n, size);
}

void *realloc(void *p, size_t size) {
    resolve();
    calls++;
    if (from_bootstrap(p)) {
        void *q = real_malloc(size);
        size_t room = (size_t)(bootstrap + sizeof bootstrap - (unsigned char *)p);
        if (q) memcpy(q, p, size < room ? size : room);
        return q;
    }
    return real_realloc(p, size);
}

void free(void *p) {
    static void (*real_free)(void *);
    if (!p || from_bootstrap(p)) return;
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
    real_free(p);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    resolve();
    calls++;
    return real_posix_memalign(out, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    resolve();
    calls++;
    return real_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    resolve();
    calls++;
    return real_memalign(alignment, size);
}

void *valloc(size_t size) {
    resolve();
    calls++;
    return real_valloc(size);
}
