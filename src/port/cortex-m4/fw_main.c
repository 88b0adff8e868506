/*
 * fotakit-fw: a minimal Cortex-M4 firmware that calls the device entry points
 * of every device library this build has, so that the link (--gc-sections)
 * keeps exactly what a real bootloader + SMP-serving application would, and
 * scripts/firmware-check can prove none of it needs a heap, OS calls or stdio.
 *
 * It is a link check, not a product: the ports below are a few register
 * accesses on an nRF52840 (NVMC at 0x4001E000, legacy SPI0 at 0x40003000,
 * UARTE-less UART0 at 0x40002000, GPIO P0 at 0x50000000), enough to be
 * plausible and to keep the compiler from proving anything away.
 *
 * FK_FW_HAVE_<C> is defined by CMakeLists.txt when target fotakit_<c> exists.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fotakit/err.h"
#include "fotakit/flash.h"

#if FK_FW_HAVE_FLASH
#include "fotakit/nor.h"
#include "fotakit/nvmc.h"
#include "fotakit/spi.h"
#endif
#if FK_FW_HAVE_IMAGE
#include "fotakit/image.h"
#endif
#if FK_FW_HAVE_BOOT
#include "fotakit/boot.h"
#endif
#if FK_FW_HAVE_SMP
#include "fotakit/smp.h"
#endif

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- error sink: a debugger reads it; keeps results observable ---------- */
volatile int fk_fw_last_err;
char fk_fw_why[160];

/* The error's name and sentence, where a debugger (or a console) sees them. */
const char *volatile fk_fw_err_name;
const char *volatile fk_fw_err_str;

static void fw_report(int rc)
{
    fk_fw_last_err = rc;
    fk_fw_err_name = fk_err_name(rc);
    fk_fw_err_str = fk_err_str(rc);
}

#if FK_FW_HAVE_FLASH
/* A few polls per microsecond at 64 MHz; precision does not matter here. */
static void fw_delay_us(void *ctx, uint32_t us)
{
    (void)ctx;
    for (volatile uint32_t i = 0; i < us * 16u; i++) {
    }
}

/* ---- internal flash: nRF52840 NVMC ------------------------------------- */
#define NVMC_BASE 0x4001E000u

static int nvmc_reg_write(void *ctx, uint32_t reg, uint32_t val)
{
    (void)ctx;
    REG(NVMC_BASE + reg) = val;
    return FK_OK;
}

static uint32_t nvmc_reg_read(void *ctx, uint32_t reg)
{
    (void)ctx;
    return REG(NVMC_BASE + reg);
}

static int nvmc_word_write(void *ctx, uint32_t addr, uint32_t val)
{
    (void)ctx;
    REG(addr) = val; /* flash is mapped at 0 */
    return FK_OK;
}

static int nvmc_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    (void)ctx;
    memcpy(buf, (const void *)(uintptr_t)addr, len);
    return FK_OK;
}

static const struct fk_nvmc_port nvmc_port = {
    .reg_write = nvmc_reg_write,
    .reg_read = nvmc_reg_read,
    .word_write = nvmc_word_write,
    .read = nvmc_read,
};

static const struct fk_nvmc_cfg nvmc_cfg = {
    .size = 0x100000u,
    .page_size = 0x1000u,
    .name = "flash_primary",
    .desc = "internal NVMC",
};

/* ---- external flash: JEDEC SPI NOR on legacy SPI0, CS on P0.17 ---------- */
#define SPI0_BASE 0x40003000u
#define SPI_EVENTS_READY (SPI0_BASE + 0x108u)
#define SPI_RXD (SPI0_BASE + 0x518u)
#define SPI_TXD (SPI0_BASE + 0x51Cu)
#define GPIO_OUTSET 0x50000508u
#define GPIO_OUTCLR 0x5000050Cu
#define NOR_CS_PIN 17u

static uint8_t spi_byte(uint8_t out)
{
    REG(SPI_EVENTS_READY) = 0;
    REG(SPI_TXD) = out;
    while (REG(SPI_EVENTS_READY) == 0) {
    }
    return (uint8_t)REG(SPI_RXD);
}

static int spi_transceive(void *ctx, const struct fk_spi_xfer *xfers, size_t n)
{
    (void)ctx;
    REG(GPIO_OUTCLR) = 1u << NOR_CS_PIN;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *tx = xfers[i].tx;
        uint8_t *rx = xfers[i].rx;
        for (size_t k = 0; k < xfers[i].len; k++) {
            uint8_t in = spi_byte(tx ? tx[k] : 0xffu);
            if (rx) {
                rx[k] = in;
            }
        }
    }
    REG(GPIO_OUTSET) = 1u << NOR_CS_PIN;
    return FK_OK;
}

static const struct fk_spi_bus spi_bus = {
    .transceive = spi_transceive,
    .delay_us = fw_delay_us,
};

/* MX25R1635F; geometry from SFDP. */
static const struct fk_nor_cfg nor_cfg = {
    .jedec_id = {0xc2, 0x28, 0x15},
    .check_id = 1,
    .use_fast_read = 1,
    .name = "external_flash",
    .desc = "spi-nor on spi0",
};

static struct fk_nvmc nvmc;
static struct fk_nor nor;

/* The nRF52840 DK layout of the shared examples: MCUboot in internal flash,
 * primary slot after it, secondary slot on the NOR chip. */
static const struct fk_flash_area areas[] = {
    {.id = FK_AREA_ID_BOOTLOADER, .name = "mcuboot", .dev = &nvmc.dev, .off = 0x0, .size = 0xc000},
    {.id = FK_AREA_ID_PRIMARY, .name = "mcuboot_primary", .dev = &nvmc.dev, .off = 0xc000, .size = 0xe8000},
    {.id = FK_AREA_ID_SECONDARY, .name = "mcuboot_secondary", .dev = &nor.dev, .off = 0x0, .size = 0xe8000},
};
static const struct fk_flash_map map = {.areas = areas, .count = sizeof areas / sizeof areas[0]};
#endif /* FK_FW_HAVE_FLASH */

#if FK_FW_HAVE_IMAGE
/* Placeholder trusted key: a real build embeds the output of
 * `fotakit image getpub -e lang-c` here. */
static const uint8_t root_pub_der[91] = {0x30, 0x59};
static const struct fk_image_key root_keys[] = {
    {.type = FK_KEY_ECDSA_P256, .der = root_pub_der, .der_len = sizeof root_pub_der},
};
static const struct fk_image_keyring keyring = {.keys = root_keys, .count = 1};
#endif

#if FK_FW_HAVE_SMP
/* ---- SMP over the serial console (UART0, polled) ------------------------ */
#define UART0_BASE 0x40002000u
#define UART_EVENTS_RXDRDY (UART0_BASE + 0x108u)
#define UART_EVENTS_TXDRDY (UART0_BASE + 0x11Cu)
#define UART_RXD (UART0_BASE + 0x518u)
#define UART_TXD (UART0_BASE + 0x51Cu)

static int uart_put(void *arg, const uint8_t *line, size_t n)
{
    (void)arg;
    for (size_t i = 0; i < n; i++) {
        REG(UART_EVENTS_TXDRDY) = 0;
        REG(UART_TXD) = line[i];
        while (REG(UART_EVENTS_TXDRDY) == 0) {
        }
    }
    return FK_OK;
}

static void fw_reset(void *ctx)
{
    (void)ctx;
    REG(0xE000ED0Cu) = 0x05FA0004u; /* AIRCR: SYSRESETREQ */
}

static struct fk_smp_server smp;
static uint8_t smp_rx[1024 + 4];
static uint8_t smp_tx[1024];

static void smp_serve(const struct fk_smp_config *cfg)
{
    struct fk_smp_serial_dec dec;
    int rc = fk_smp_init(&smp, cfg);
    if (rc != FK_OK) {
        fk_fw_last_err = rc;
        return;
    }
    fk_smp_serial_dec_init(&dec, smp_rx, sizeof smp_rx);
    for (;;) {
        uint8_t c;
        size_t used;
        const uint8_t *pkt;
        while (REG(UART_EVENTS_RXDRDY) == 0) {
        }
        REG(UART_EVENTS_RXDRDY) = 0;
        c = (uint8_t)REG(UART_RXD);
        int n = fk_smp_serial_dec_feed(&dec, &c, 1, &used, &pkt);
        if (n <= 0) {
            continue;
        }
        size_t rsp_len = 0;
        rc = fk_smp_handle(&smp, pkt, (size_t)n, smp_tx, sizeof smp_tx, &rsp_len);
        if (rc == FK_OK && rsp_len > 0) {
            rc = fk_smp_serial_encode_cb(smp_tx, rsp_len, uart_put, NULL);
        }
        fw_report(rc);
        fk_smp_sent(&smp);
    }
}
#endif /* FK_FW_HAVE_SMP */

int main(void)
{
    int rc = FK_OK;

#if FK_FW_HAVE_FLASH
    rc = fk_nvmc_init(&nvmc, &nvmc_port, &nvmc_cfg);
    if (rc == FK_OK) {
        rc = fk_nor_init(&nor, &spi_bus, &nor_cfg);
    }
    const struct fk_flash_area *fa = NULL;
    int orc = fk_flash_open(&map, FK_AREA_ID_SECONDARY, &fa);
    if (orc != FK_OK) {
        /* The explained error a developer would print on a console. */
        fk_flash_explain(&map, FK_AREA_ID_SECONDARY, orc, fk_fw_why, sizeof fk_fw_why);
    } else {
        uint8_t hdr[32];
        rc = fk_flash_read(fa, 0, hdr, sizeof hdr);
    }
    fk_fw_last_err = rc;
#endif

#if FK_FW_HAVE_IMAGE && FK_FW_HAVE_FLASH
    if (fa != NULL) {
        struct fk_image_info info;
        fk_fw_last_err = fk_image_verify(fa, 0, &keyring, &info);
    }
#endif

#if FK_FW_HAVE_BOOT && FK_FW_HAVE_IMAGE && FK_FW_HAVE_FLASH
    /* Bootloader role: decide, swap if pending, validate. */
    {
        static struct fk_boot_rsp rsp;
        const struct fk_boot_config boot_cfg = {
            .map = &map,
            .keys = &keyring,
            .strategy = FK_BOOT_STRATEGY_SWAP,
        };
        rc = fk_boot_go(&boot_cfg, &rsp);
        if (rc != FK_OK) {
            memcpy(fk_fw_why, rsp.why,
                   sizeof fk_fw_why < sizeof rsp.why ? sizeof fk_fw_why : sizeof rsp.why);
        }
        /* Application role: confirm the running image. */
        fk_fw_last_err = fk_boot_confirm(&map);
    }
#endif

#if FK_FW_HAVE_SMP && FK_FW_HAVE_FLASH
    {
        static const struct fk_smp_config smp_cfg = {
            .map = &map,
#if FK_FW_HAVE_IMAGE
            .keys = &keyring,
#endif
            .machine = "cortex-m4",
            .platform = "nrf52840dk",
            .reset = fw_reset,
        };
        smp_serve(&smp_cfg);
    }
#endif

    fw_report(rc);
    return rc;
}
