/*
 * Generic Cortex-M startup for fotakit firmware: vector table,
 * Reset_Handler (copy .data, zero .bss, call main), weak default handlers.
 * No C library start-up code (-nostartfiles), so nothing initialises a heap
 * or stdio. .noinit (the retained boot record) is deliberately left alone.
 *
 * FK_CM_IRQ_COUNT (compile definition, per chip): external interrupt lines
 * in the vector table.
 */
#include <stdint.h>

#ifndef FK_CM_IRQ_COUNT
#define FK_CM_IRQ_COUNT 48
#endif

/* Linker script symbols (sections.ld, or the link-check firmware's cortex-m4.ld). */
extern uint32_t _sidata[]; /* load address of .data */
extern uint32_t _sdata[], _edata[];
extern uint32_t _sbss[], _ebss[];
extern uint32_t _estack[];

int main(void);
void Reset_Handler(void);

/* Any exception or interrupt without its own handler parks the core here, so
 * a debugger sees where it stopped. */
void Default_Handler(void);
void Default_Handler(void)
{
    for (;;) {
    }
}

#define FK_WEAK_HANDLER(n) void n(void) __attribute__((weak, alias("Default_Handler")))
FK_WEAK_HANDLER(NMI_Handler);
FK_WEAK_HANDLER(HardFault_Handler);
FK_WEAK_HANDLER(MemManage_Handler);
FK_WEAK_HANDLER(BusFault_Handler);
FK_WEAK_HANDLER(UsageFault_Handler);
FK_WEAK_HANDLER(SVC_Handler);
FK_WEAK_HANDLER(DebugMon_Handler);
FK_WEAK_HANDLER(PendSV_Handler);
FK_WEAK_HANDLER(SysTick_Handler);
/* Every external interrupt line: one handler a port may define (it reads
 * IPSR to tell which line fired). */
FK_WEAK_HANDLER(IRQ_Handler);

typedef void (*fk_vector)(void);

/* Word 0 is the initial stack pointer, word 1 the reset vector. KEEP()t by
 * the linker script and placed first in the program's flash. */
__attribute__((section(".isr_vector"), used))
const fk_vector fk_vectors[16 + FK_CM_IRQ_COUNT] = {
    [0] = (fk_vector)(uintptr_t)_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... 16 + FK_CM_IRQ_COUNT - 1] = IRQ_Handler,
};

void Reset_Handler(void)
{
    /* Word loops rather than memcpy/memset, which may themselves rely on
     * .data; the linker script aligns these boundaries to 4. */
    const uint32_t *src = _sidata;
    for (uint32_t *dst = _sdata; dst < _edata;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = _sbss; dst < _ebss;) {
        *dst++ = 0;
    }
    (void)main();
    for (;;) {
    }
}
