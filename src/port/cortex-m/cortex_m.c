/*
 * Generic Cortex-M: SysTick millisecond tick, the jump to an image, and
 * SYSRESETREQ (cortex_m.h). Used by every port.
 */
#include "cortex_m.h"
#include "fotakit/port.h"

static volatile uint32_t fk_cm_ticks;
static uint32_t fk_cm_reload;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    fk_cm_ticks++;
}

void fk_cm_systick_start(uint32_t cpu_hz)
{
    fk_cm_reload = cpu_hz / 1000u;
    FK_CM_REG(FK_CM_SYST_CSR) = 0;
    FK_CM_REG(FK_CM_SYST_RVR) = (fk_cm_reload - 1u) & 0x00FFFFFFu;
    FK_CM_REG(FK_CM_SYST_CVR) = 0;
    FK_CM_REG(FK_CM_SYST_CSR) =
        FK_CM_SYST_CSR_ENABLE | FK_CM_SYST_CSR_TICKINT | FK_CM_SYST_CSR_CLKSOURCE;
}

uint32_t fk_cm_ms(void)
{
    return fk_cm_ticks;
}

uint32_t fk_cm_systick_reload(void)
{
    return fk_cm_reload;
}

_Noreturn void fk_cm_jump(uintptr_t vtor)
{
    const volatile uint32_t *vt = (const volatile uint32_t *)vtor;
    uint32_t sp = vt[0];
    uint32_t pc = vt[1];

    __asm volatile("cpsid i" ::: "memory");
    /* SysTick off, its pending bit and PendSV's cleared. */
    FK_CM_REG(FK_CM_SYST_CSR) = 0;
    FK_CM_REG(FK_CM_SYST_RVR) = 0;
    FK_CM_REG(FK_CM_SYST_CVR) = 0;
    FK_CM_REG(FK_CM_ICSR) = FK_CM_ICSR_PENDSTCLR | FK_CM_ICSR_PENDSVCLR;
    /* Every implemented NVIC line disabled and its pending bit cleared:
     * the image starts as if from reset. */
    uint32_t banks = (FK_CM_REG(FK_CM_ICTR) & 0xFu) + 1u;
    for (uint32_t n = 0; n < banks; n++) {
        FK_CM_REG(FK_CM_NVIC_ICER(n)) = 0xFFFFFFFFu;
        FK_CM_REG(FK_CM_NVIC_ICPR(n)) = 0xFFFFFFFFu;
    }
    FK_CM_REG(FK_CM_VTOR) = (uint32_t)vtor;
    __asm volatile("dsb\n\tisb" ::: "memory");
    /* MSP from the image's word 0, interrupts back on (as after reset),
     * branch to its reset handler (word 1, Thumb bit set). Nothing after
     * the msr uses the old stack. */
    __asm volatile("msr msp, %0\n\t"
                   "cpsie i\n\t"
                   "bx %1\n\t" ::"r"(sp),
                   "r"(pc)
                   : "memory");
    __builtin_unreachable();
}

_Noreturn void fk_cm_sysreset(void)
{
    __asm volatile("dsb" ::: "memory");
    FK_CM_REG(FK_CM_AIRCR) = FK_CM_AIRCR_VECTKEY |
                             (FK_CM_REG(FK_CM_AIRCR) & FK_CM_AIRCR_PRIGROUP_MASK) |
                             FK_CM_AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;) {
    }
}

/* fotakit/port.h: a port without a receive interrupt just polls. */
__attribute__((weak)) void fk_port_idle(void)
{
}

/* fotakit/port.h: no button or retained flag on this board: recovery starts
 * only when no valid image exists. */
__attribute__((weak)) bool fk_port_recovery_requested(void)
{
    return false;
}

/* fotakit/port.h: no retained boot-mode flag on this board. */
__attribute__((weak)) int fk_port_set_boot_mode(uint8_t mode)
{
    (void)mode;
    return FK_ENOTSUP;
}
