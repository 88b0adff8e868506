/*
 * The fotakit port contract (fotakit/port.h) for the Nordic chips: nRF52840
 * and nRF5340 application core, on their development kits. Registers come
 * from the chip header (FK_NRF_REGS), the DK wiring from the board header
 * (FK_NRF_BOARD), the flash geometry from the generated fotakit_layout.h of
 * the seed layout, so bootloader, application and layout cannot disagree.
 *
 * Devices: layout device FLASH_PRIMARY is the internal flash (fk_nvmc over
 * the NVMC, executes in place at NRF_FLASH_BASE); EXTERNAL_FLASH is the
 * JEDEC SPI NOR chip (fk_nor over SPIM with a GPIO chip select).
 *
 * Never run on silicon (docs/firmware.md): built and linked only.
 */
#include <stdint.h>

#include "../cortex-m/cortex_m.h"
#include "fotakit/nor.h"
#include "fotakit/nvmc.h"
#include "fotakit/port.h"
#include "fotakit_layout.h"
#include "nrf_gpio.h"
#include "nrf_nvmc_port.h"
#include "nrf_port.h"
#include "nrf_spim.h"
#include "nrf_uarte.h"

#include FK_NRF_BOARD /* e.g. "../nrf52840/board.h", set per chip */

/* The board file and the chip must agree (checked at build time). */
_Static_assert(FK_LAYOUT_DEV_COUNT == 2, "board file: flash_primary and external_flash");
_Static_assert(FK_LAYOUT_DEV_FLASH_PRIMARY_KIND == FK_LAYOUT_KIND_INTERNAL,
               "flash_primary must be the internal flash");
_Static_assert(FK_LAYOUT_DEV_FLASH_PRIMARY_SIZE <= NRF_FLASH_SIZE,
               "flash_primary is larger than the chip's flash");
_Static_assert(FK_LAYOUT_DEV_FLASH_PRIMARY_ERASE_SIZE == NRF_FLASH_PAGE_SIZE,
               "flash_primary erase size is not the NVMC page");
_Static_assert(FK_LAYOUT_DEV_EXTERNAL_FLASH_KIND == FK_LAYOUT_KIND_SPI_NOR,
               "external_flash must be a SPI NOR chip (this port drives it over SPIM)");

const char fk_port_board_name[] = NRF_BOARD_NAME;

__attribute__((section(".noinit"))) struct fk_boot_retained fk_boot_retained;

static struct fk_nvmc nvmc;
static struct fk_nor nor;
static struct fk_spi_bus spi;

static const struct fk_nvmc_cfg nvmc_cfg = {
    .size = FK_LAYOUT_DEV_FLASH_PRIMARY_SIZE,
    .page_size = FK_LAYOUT_DEV_FLASH_PRIMARY_ERASE_SIZE,
    .write_size = FK_LAYOUT_DEV_FLASH_PRIMARY_WRITE_SIZE,
    .erase_by_write = NRF_NVMC_ERASE_BY_WRITE,
    .name = FK_LAYOUT_DEV_FLASH_PRIMARY_NAME,
    .desc = NRF_CHIP_NAME " NVMC",
};

static const struct fk_nor_cfg nor_cfg = {
    .jedec_id = {(FK_LAYOUT_DEV_EXTERNAL_FLASH_JEDEC_ID >> 16) & 0xFFu,
                 (FK_LAYOUT_DEV_EXTERNAL_FLASH_JEDEC_ID >> 8) & 0xFFu,
                 FK_LAYOUT_DEV_EXTERNAL_FLASH_JEDEC_ID & 0xFFu},
    .check_id = 1,
    .size = FK_LAYOUT_DEV_EXTERNAL_FLASH_SIZE,
    .erase_size = FK_LAYOUT_DEV_EXTERNAL_FLASH_ERASE_SIZE,
    .page_size = FK_LAYOUT_DEV_EXTERNAL_FLASH_PAGE_SIZE,
    .write_size = FK_LAYOUT_DEV_EXTERNAL_FLASH_WRITE_SIZE,
    .use_fast_read = 1,
    .no_sfdp = 1,
    .name = FK_LAYOUT_DEV_EXTERNAL_FLASH_NAME,
    .desc = "spi-nor on " FK_LAYOUT_DEV_EXTERNAL_FLASH_BUS,
    .hint = "is the chip on the board's flash pins (board.h) and its JEDEC ID the board "
            "file's?",
};

static const struct fk_nrf_uarte_pins uart_pins = {
    .txd = NRF_BOARD_UART_TXD, .rxd = NRF_BOARD_UART_RXD,
    .rts = NRF_BOARD_UART_RTS, .cts = NRF_BOARD_UART_CTS};
static const struct fk_nrf_spim_pins nor_pins = {
    .sck = NRF_BOARD_NOR_SCK, .mosi = NRF_BOARD_NOR_MOSI,
    .miso = NRF_BOARD_NOR_MISO, .csn = NRF_BOARD_NOR_CSN};

int fk_port_init(void)
{
    /* The crystal oscillator for an accurate UART clock; bounded wait (the
     * internal oscillator keeps running if the crystal never starts). */
    NRF_REG(NRF_CLOCK_EVENTS_HFCLKSTARTED) = 0;
    NRF_REG(NRF_CLOCK_TASKS_HFCLKSTART) = 1;
    for (uint32_t i = 0; i < 1000000u && !NRF_REG(NRF_CLOCK_EVENTS_HFCLKSTARTED); i++) {
    }
    fk_cm_systick_start(NRF_CPU_HZ);
    fk_nrf_uarte_init(&uart_pins);
    /* The DK's flash has WP# and HOLD# on its IO2/IO3 pins: hold them high
     * for single-bit SPI. */
    fk_nrf_gpio_output(NRF_BOARD_NOR_WP, 1, 0);
    fk_nrf_gpio_output(NRF_BOARD_NOR_HOLD, 1, 0);
    fk_nrf_spim_init(&spi, &nor_pins, FK_LAYOUT_DEV_EXTERNAL_FLASH_SPI_HZ);
    /* A failed probe leaves the device FK_DEV_FAILED with `why` filled in:
     * the bootloader explains it; not an init failure. */
    (void)fk_nvmc_init(&nvmc, &fk_nrf_nvmc_port, &nvmc_cfg);
    (void)fk_nor_init(&nor, &spi, &nor_cfg);
    return FK_OK;
}

struct fk_flash_dev *fk_port_flash(unsigned dev)
{
    switch (dev) {
    case FK_LAYOUT_DEV_FLASH_PRIMARY:
        return &nvmc.dev;
    case FK_LAYOUT_DEV_EXTERNAL_FLASH:
        return &nor.dev;
    default:
        return NULL;
    }
}

uintptr_t fk_port_flash_xip(unsigned dev)
{
    return dev == FK_LAYOUT_DEV_FLASH_PRIMARY ? NRF_FLASH_BASE : FK_PORT_NO_XIP;
}

int fk_port_uart_getc(void)
{
    return fk_nrf_uarte_getc();
}

void fk_port_uart_write(const void *buf, size_t len)
{
    fk_nrf_uarte_write(buf, len);
}

uint32_t fk_port_ms(void)
{
    return fk_cm_ms();
}

void fk_port_watchdog_kick(void)
{
    /* This firmware starts no watchdog, but one started by an earlier image
     * survives a soft reset: reload every enabled request register. */
    if (NRF_REG(NRF_WDT_RUNSTATUS) & 1u) {
        uint32_t en = NRF_REG(NRF_WDT_RREN);
        for (uint32_t n = 0; n < NRF_WDT_RR_COUNT; n++) {
            if (en & (1u << n)) {
                NRF_REG(NRF_WDT_RR(n)) = NRF_WDT_RR_RELOAD;
            }
        }
    }
}

_Noreturn void fk_port_reset(void)
{
    /* fk_nrf_uarte_write() returns after ENDTX: the last byte has left. */
    fk_cm_sysreset();
}

int fk_port_protect(void)
{
    return fk_nrf_protect_boot(FK_LAYOUT_AREA_MCUBOOT_OFFSET, FK_LAYOUT_AREA_MCUBOOT_SIZE);
}

_Noreturn void fk_port_jump(uintptr_t vtor)
{
    fk_cm_jump(vtor);
}
