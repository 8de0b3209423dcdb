/*
 * Start-up for a Cortex-M4F on QEMU's mps2-an386 board (ARM MPS2 with the AN386 FPGA image).
 * With device/cortex-m4/mps2-an386.ld: the vector table, the reset handler (FPU on, stack painted,
 * .data copied, .bss zeroed, constructors run, SysTick started, main(argc, argv), exit with its status),
 * fault handlers that report and exit non-zero (an Embedded Swift trap is a `udf`: a HardFault here),
 * the heap (_sbrk between .bss and the stack, with a high-water mark; posix_memalign over newlib's
 * memalign) and the cycle counter (SysTick).
 *
 * Console, files and exit are in device/platform/semihosting.c.
 */
#include "kws_platform.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KWS_CPU_HZ 25000000u /* mps2-an386: SYSCLK 25 MHz drives the core and SysTick */

/* From the linker script. */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern char __heap_start[], __heap_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern void (*__preinit_array_start[])(void), (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

extern int main(int argc, char **argv);
char **kws_semihosting_argv(void);

/* ---- registers ---- */

#define REG32(addr) (*(volatile uint32_t *)(addr))
#define SCB_ICSR REG32(0xE000ED04u)
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_SHCSR REG32(0xE000ED24u)
#define SCB_CFSR REG32(0xE000ED28u)
#define SCB_HFSR REG32(0xE000ED2Cu)
#define SCB_BFAR REG32(0xE000ED38u)
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)

#define STACK_PAINT 0x5AC75AC7u

/* ---- reset ---- */

void Reset_Handler(void) __attribute__((naked, noreturn));
void kws_reset_c(void) __attribute__((noreturn, used));

/* The FPU is switched on before any C code runs (hard-float code may touch s0–s31 anywhere). */
void Reset_Handler(void) {
    __asm__ volatile(
        "ldr r0, =0xE000ED88\n"   /* CPACR */
        "ldr r1, [r0]\n"
        "orr r1, r1, #(0xF << 20)\n" /* CP10, CP11: full access */
        "str r1, [r0]\n"
        "dsb\n"
        "isb\n"
        "ldr r0, =__stack_top\n"
        "mov sp, r0\n"
        "b kws_reset_c\n");
}

void kws_reset_c(void) {
    /* Paint the stack below the current frame (for kws_stack_peak); 256 bytes kept clear for this frame. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_bottom; p < sp - 64; p++) *p = STACK_PAINT;

    for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
    for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;

    /* Usage, bus and memory-management faults get handlers of their own (else they escalate to HardFault). */
    SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);

    /* SysTick: the core clock, 24 bits, an interrupt per wrap for the high bits (kws_cycles). */
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x7u;

    for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; f++) (*f)();
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();

    int status = main(kws_argc(), kws_semihosting_argv());
    kws_exit(status);
}

/* ---- faults ---- */

static void hex32(char *out, uint32_t v) {
    for (int i = 7; i >= 0; i--, v >>= 4) out[i] = "0123456789abcdef"[v & 0xF];
}

/* Called with the exception frame (r0–r3, r12, lr, pc, xpsr) and the fault number. */
void kws_fault_c(uint32_t *frame, uint32_t ipsr) __attribute__((noreturn, used));
void kws_fault_c(uint32_t *frame, uint32_t ipsr) {
    static const char *const names[] = {"?", "?", "NMI", "HardFault", "MemManage fault", "BusFault",
                                        "UsageFault"};
    const char *name = ipsr < 7 ? names[ipsr] : "unexpected interrupt";
    char line[96] = "kws-device: ";
    strcat(line, name);
    strcat(line, " at pc 0x");
    size_t n = strlen(line);
    hex32(line + n, frame[6]);
    memcpy(line + n + 8, ", cfsr 0x", 9);
    hex32(line + n + 17, SCB_CFSR);
    line[n + 25] = '\n';
    kws_write(2, line, (long)(n + 26));
    if (ipsr == 6 && (SCB_CFSR & (1u << 16))) {
        static const char msg[] = "kws-device: (an undefined instruction: a Swift trap -- fatalError, precondition, "
                                  "overflow, bounds or out of memory)\n";
        kws_write(2, msg, sizeof msg - 1);
    }
    kws_exit(134);
}

void Fault_Handler(void) __attribute__((naked));
void Fault_Handler(void) {
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "mrs r1, ipsr\n"
        "b kws_fault_c\n");
}

/* ---- SysTick and the cycle counter ---- */

static volatile uint32_t systick_wraps;
uint32_t kws_systick_wraps(void) { return systick_wraps; }

void SysTick_Handler(void) { systick_wraps++; }

unsigned long long kws_cycles(void) {
    uint32_t hi, v, pending;
    do {
        hi = systick_wraps;
        v = SYST_CVR;
        pending = SCB_ICSR & (1u << 26); /* PENDSTSET: wrapped, handler not run yet (interrupts masked) */
    } while (hi != systick_wraps);
    if (pending && v > 0x00800000u) hi++; /* the wrap came before the read of CVR */
    return ((unsigned long long)hi << 24) + (0x00FFFFFFu - v);
}

unsigned long long kws_cycles_per_second(void) { return KWS_CPU_HZ; }

unsigned long kws_stack_peak(void) {
    const uint32_t *p = __stack_bottom;
    while (p < __stack_top && *p == STACK_PAINT) p++;
    return (unsigned long)((const char *)__stack_top - (const char *)p);
}

/* ---- stack protector (Swift and C code built with stack protectors call these) ---- */

uintptr_t __stack_chk_guard = 0x4B575321u;

void __stack_chk_fail(void) __attribute__((noreturn));
void __stack_chk_fail(void) {
    static const char msg[] = "kws-device: stack smashing detected\n";
    kws_write(2, msg, sizeof msg - 1);
    kws_exit(134);
}

/* ---- heap ---- */

static char *heap_brk = __heap_start;
static unsigned long heap_peak;

void *_sbrk(ptrdiff_t increment) {
    char *old = heap_brk;
    if (increment > 0 && increment > __heap_end - heap_brk) {
        static const char msg[] = "kws-device: out of heap (_sbrk)\n";
        kws_write(2, msg, sizeof msg - 1);
        errno = ENOMEM;
        return (void *)-1;
    }
    heap_brk += increment;
    unsigned long used = (unsigned long)(heap_brk - __heap_start);
    if (used > heap_peak) heap_peak = used;
    return old;
}

unsigned long kws_heap_peak(void) { return heap_peak; }

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

/* ---- the vector table ---- */

void Default_Handler(void) __attribute__((alias("Fault_Handler")));

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) const vector_t kws_vectors[16 + 32] = {
    (vector_t)__stack_top, /* initial SP */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
    /* 32 external interrupts (AN386): unused, reported as unexpected */
    [16 ... 47] = Default_Handler,
};
