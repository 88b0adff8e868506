/*
 * fotakit port for QEMU's mps2-an386 (Cortex-M4): the contract of
 * fotakit/port.h over the CMSDK UART, SysTick, and two flash devices that
 * the real fk_nvmc driver drives through an emulated NVMC (nvmc_emu.c) over
 * the file-backed PSRAM. Addresses: mps2_an386.h.
 */
#include <string.h>

#include "fotakit/nvmc.h"
#include "fotakit/port.h"
#include "fotakit_layout.h"

#include "../cortex-m/cortex_m.h"
#include "mps2_an386.h"
#include "mps2_port.h"
#include "nvmc_emu.h"

const char fk_port_board_name[] = "qemu-mps2-an386";

/* The board file and this port must describe the same devices. */
_Static_assert(FK_LAYOUT_DEV_COUNT == 2, "board.yml: flash_primary and flash_secondary");
_Static_assert(FK_LAYOUT_DEV_FLASH_PRIMARY_SIZE <=
                   MPS2_FLASH_SECONDARY_BASE - MPS2_FLASH_PRIMARY_BASE,
               "flash_primary overlaps flash_secondary in the PSRAM");
_Static_assert(MPS2_FLASH_SECONDARY_BASE + FK_LAYOUT_DEV_FLASH_SECONDARY_SIZE <=
                   MPS2_PSRAM_BASE + MPS2_PSRAM_SIZE,
               "flash_secondary does not fit the 16 MB PSRAM");

__attribute__((section(".noinit"))) struct fk_boot_retained fk_boot_retained;
/* The retained boot mode (fotakit/port.h fk_port_set_boot_mode): in this
 * object's .noinit next to the record, so both programs place it alike.
 * Garbage after power-on; only the magic means "recovery". */
#define MPS2_BOOT_MODE_RECOVERY 0x52435659u /* "YVCR" */
__attribute__((section(".noinit"))) static volatile uint32_t boot_mode_word;

int fk_port_set_boot_mode(uint8_t mode)
{
    if (mode > 1) {
        return FK_ENOTSUP;
    }
    boot_mode_word = mode ? MPS2_BOOT_MODE_RECOVERY : 0;
    return FK_OK;
}

bool fk_port_recovery_requested(void)
{
    bool r = boot_mode_word == MPS2_BOOT_MODE_RECOVERY;
    boot_mode_word = 0; /* once: the reset that ends recovery boots */
    return r;
}

#define UART(r) FK_CM_REG(MPS2_UART0_BASE + (r))

/* One SysTick, asleep: the erase pacing of nvmc_emu.h, on flash_primary
 * only (internal flash erases slowly; uploads, which erase only the
 * secondary, stay fast). A swap step then takes a few ms, so the QEMU
 * power-cut test's SIGKILL lands inside the step it aimed at. */
bool fk_mps2_erase_pacing = true;

static void tick_wait(void)
{
    if (!fk_mps2_erase_pacing) {
        return;
    }
    uint32_t t = fk_cm_ms();
    while (fk_cm_ms() == t) {
        __asm volatile("wfi");
    }
}

static struct fk_nvmc_emu emu[FK_LAYOUT_DEV_COUNT] = {
    [FK_LAYOUT_DEV_FLASH_PRIMARY] = {.base = MPS2_FLASH_PRIMARY_BASE,
                                     .size = FK_LAYOUT_DEV_FLASH_PRIMARY_SIZE,
                                     .page = FK_LAYOUT_DEV_FLASH_PRIMARY_ERASE_SIZE,
                                     .erase_pace = tick_wait},
    [FK_LAYOUT_DEV_FLASH_SECONDARY] = {.base = MPS2_FLASH_SECONDARY_BASE,
                                       .size = FK_LAYOUT_DEV_FLASH_SECONDARY_SIZE,
                                       .page = FK_LAYOUT_DEV_FLASH_SECONDARY_ERASE_SIZE},
};
static struct fk_nvmc_port emu_port[FK_LAYOUT_DEV_COUNT];
static struct fk_nvmc nvmc[FK_LAYOUT_DEV_COUNT];

static const struct fk_nvmc_cfg nvmc_cfg[FK_LAYOUT_DEV_COUNT] = {
    [FK_LAYOUT_DEV_FLASH_PRIMARY] = {.size = FK_LAYOUT_DEV_FLASH_PRIMARY_SIZE,
                                     .page_size = FK_LAYOUT_DEV_FLASH_PRIMARY_ERASE_SIZE,
                                     .write_size = FK_LAYOUT_DEV_FLASH_PRIMARY_WRITE_SIZE,
                                     .name = FK_LAYOUT_DEV_FLASH_PRIMARY_NAME,
                                     .desc = "emulated NVMC at 0x21000000"},
    [FK_LAYOUT_DEV_FLASH_SECONDARY] = {.size = FK_LAYOUT_DEV_FLASH_SECONDARY_SIZE,
                                       .page_size = FK_LAYOUT_DEV_FLASH_SECONDARY_ERASE_SIZE,
                                       .write_size = FK_LAYOUT_DEV_FLASH_SECONDARY_WRITE_SIZE,
                                       .name = FK_LAYOUT_DEV_FLASH_SECONDARY_NAME,
                                       .desc = "emulated NVMC at 0x21800000"},
};

int fk_port_init(void)
{
    UART(CMSDK_UART_BAUDDIV) = MPS2_SYSCLK_HZ / 115200u;
    UART(CMSDK_UART_CTRL) =
        CMSDK_UART_CTRL_TXEN | CMSDK_UART_CTRL_RXEN | CMSDK_UART_CTRL_RXINTEN;
    FK_CM_REG(FK_CM_NVIC_ISER(MPS2_UART0_RX_IRQ / 32u)) = 1u << (MPS2_UART0_RX_IRQ % 32u);
    fk_cm_systick_start(MPS2_SYSCLK_HZ);
    for (unsigned d = 0; d < FK_LAYOUT_DEV_COUNT; d++) {
        fk_nvmc_emu_port(&emu[d], &emu_port[d]);
        /* A bad configuration leaves the device not ready with `why` set;
         * the bootloader explains it. */
        (void)fk_nvmc_init(&nvmc[d], &emu_port[d], &nvmc_cfg[d]);
    }
    return FK_OK;
}

struct fk_flash_dev *fk_port_flash(unsigned dev)
{
    return dev < FK_LAYOUT_DEV_COUNT ? &nvmc[dev].dev : NULL;
}

uintptr_t fk_port_flash_xip(unsigned dev)
{
    return dev < FK_LAYOUT_DEV_COUNT ? emu[dev].base : FK_PORT_NO_XIP;
}

int fk_port_uart_getc(void)
{
    if (!(UART(CMSDK_UART_STATE) & CMSDK_UART_STATE_RXFULL)) {
        return -1;
    }
    return (int)(UART(CMSDK_UART_DATA) & 0xFFu);
}

void fk_port_uart_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        /* QEMU holds TXFULL while its chardev cannot take more. */
        while (UART(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) {
        }
        UART(CMSDK_UART_DATA) = p[i];
    }
}

/* The only enabled line is UART0 RX: clear its level and return; the byte
 * stays in DATA for fk_port_uart_getc(). */
void IRQ_Handler(void);
void IRQ_Handler(void)
{
    UART(CMSDK_UART_INTCLEAR) = CMSDK_UART_INT_RX;
}

void fk_port_idle(void)
{
    /* With PRIMASK set a pending interrupt still ends WFI (its handler runs
     * after cpsie), so a byte that arrives between the RXFULL test and the
     * WFI cannot be slept through. The 1 ms SysTick bounds the sleep. */
    __asm volatile("cpsid i" ::: "memory");
    if (!(UART(CMSDK_UART_STATE) & CMSDK_UART_STATE_RXFULL)) {
        __asm volatile("wfi");
    }
    __asm volatile("cpsie i" ::: "memory");
}

uint32_t fk_port_ms(void)
{
    return fk_cm_ms();
}

void fk_port_watchdog_kick(void)
{
    /* No watchdog is started on this board (QEMU's CMSDK watchdog at
     * 0x40008000 stays off). */
}

_Noreturn void fk_port_reset(void)
{
    /* The CMSDK UART has no transmit FIFO beyond TXFULL: once it is clear
     * the last byte has left for QEMU's chardev. */
    while (UART(CMSDK_UART_STATE) & CMSDK_UART_STATE_TXFULL) {
    }
    fk_cm_sysreset();
}

int fk_port_protect(void)
{
    /* The bootloader runs from QEMU's -kernel copy at 0x0, which the guest
     * cannot make persistent; its layout partition is reserved, not used.
     * Nothing to lock. */
    return FK_ENOTSUP;
}

_Noreturn void fk_port_jump(uintptr_t vtor)
{
    fk_cm_jump(vtor);
}
