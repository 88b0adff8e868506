/*
 * The internal-flash driver (src/flash/nvmc.c) over the shared Nordic NVMC
 * port (src/port/nrf/nrf_nvmc_port.c) run as firmware on QEMU's `microbit`
 * (nRF51822, Cortex-M0), whose NVMC has the nRF52840's register layout.
 * Results go to UART0, one line per check (src/port/testfw/fw_test.h);
 * scripts/qemu-nvmc-test reads them and dumps the flash afterwards through the
 * QEMU monitor to check what the driver left there.
 *
 * Test pages (the firmware itself sits at the bottom of flash): see
 * nvmc_test_plan.h. `info model_*` lines report where the model departs
 * from the silicon without failing the test.
 */
#include <stdint.h>
#include <string.h>

#include "../nrf/nrf_nvmc_port.h"
#include "../testfw/fw_test.h"
#include "fotakit/err.h"
#include "fotakit/flash.h"
#include "fotakit/nvmc.h"
#include "nrf51_regs.h"
#include "nvmc_test_plan.h"

static void uart_putc(char c)
{
    NRF_REG(NRF_UART_EVENTS_TXDRDY) = 0;
    NRF_REG(NRF_UART_TXD) = (uint8_t)c;
    for (uint32_t i = 0; i < 100000u && NRF_REG(NRF_UART_EVENTS_TXDRDY) == 0; i++) {
    }
}

static struct fk_fwt T = {.putc = uart_putc};

static const struct fk_nvmc_cfg cfg = {
    .size = NRF_FLASH_SIZE,
    .page_size = NRF_FLASH_PAGE_SIZE,
    .name = "flash_primary",
    .desc = "nRF51 NVMC",
};
static struct fk_nvmc nvmc;
static const struct fk_flash_area areas[] = {
    {.id = FK_AREA_ID_PRIMARY, .name = "test_area", .dev = &nvmc.dev, .off = NV_AREA_OFF,
     .size = NV_AREA_SIZE},
};
static const struct fk_flash_map map = {.areas = areas, .count = 1};

static uint32_t words[NV_WORDS];
static uint8_t buf[NRF_FLASH_PAGE_SIZE];

static uint32_t config(void)
{
    return NRF_REG(NRF_NVMC_BASE + NRF_NVMC_CONFIG);
}

static void fill(uint32_t seed, uint32_t off)
{
    for (uint32_t i = 0; i < NV_WORDS; i++) {
        words[i] = nv_pattern(seed, off + 4 * i);
    }
}

static void test_init(void)
{
    struct fk_nvmc bad;
    struct fk_nvmc_cfg c = cfg;
    fk_fwt_rc(&T, "init", fk_nvmc_init(&nvmc, &fk_nrf_nvmc_port, &cfg), FK_OK);
    fk_fwt_eq(&T, "init.erase_size", nvmc.dev.erase_size, NRF_FLASH_PAGE_SIZE);
    fk_fwt_eq(&T, "init.write_size", nvmc.dev.write_size, 4);
    c.page_size = 1000;
    fk_fwt_rc(&T, "init.bad_page", fk_nvmc_init(&bad, &fk_nrf_nvmc_port, &c), FK_EINVAL);
    fk_fwt_rc(&T, "init.no_port", fk_nvmc_init(&bad, NULL, &cfg), FK_EINVAL);
    fk_fwt_eq(&T, "ready", NRF_REG(NRF_NVMC_BASE + NRF_NVMC_READY) & 1u, 1);
}

static void test_erase_program(const struct fk_flash_area *fa)
{
    /* The area starts dirty (the previous run, or the firmware image's
     * padding): erase it whole, then check every byte. */
    fk_fwt_rc(&T, "erase", fk_flash_erase(fa, 0, NV_AREA_SIZE), FK_OK);
    fk_fwt_eq(&T, "erase.config_back_to_ren", config(), NRF_NVMC_CONFIG_REN);
    int blank = 1;
    for (uint32_t o = 0; o < NV_AREA_SIZE && blank; o += sizeof buf) {
        (void)fk_flash_read(fa, o, buf, sizeof buf);
        for (uint32_t i = 0; i < sizeof buf; i++) {
            blank &= buf[i] == 0xff;
        }
    }
    fk_fwt_eq(&T, "erase.blank", (uint32_t)blank, 1);

    fill(NV_SEED_A, NV_AREA_OFF + NV_PROG_OFF);
    fk_fwt_rc(&T, "prog", fk_flash_write(fa, NV_PROG_OFF, words, sizeof words), FK_OK);
    fk_fwt_eq(&T, "prog.config_back_to_ren", config(), NRF_NVMC_CONFIG_REN);
    fk_fwt_rc(&T, "prog.read", fk_flash_read(fa, NV_PROG_OFF, buf, sizeof words), FK_OK);
    fk_fwt_mem(&T, "prog.data", buf, words, sizeof words);
    /* Memory-mapped: the CPU sees the same bytes the driver read. */
    fk_fwt_mem(&T, "prog.mapped", (const void *)(uintptr_t)(NRF_FLASH_BASE + NV_AREA_OFF + NV_PROG_OFF),
               words, sizeof words);

    /* NOR rule: a program can only clear bits. */
    uint32_t a = 0xffff00ffu, b = 0x0f0f0f0fu, got = 0;
    (void)fk_flash_write(fa, NV_AND_OFF, &a, 4);
    (void)fk_flash_write(fa, NV_AND_OFF, &b, 4);
    (void)fk_flash_read(fa, NV_AND_OFF, &got, 4);
    fk_fwt_eq(&T, "prog.and", got, a & b);

    /* Alignment is the driver's to refuse (the silicon would fault). */
    fk_fwt_rc(&T, "prog.unaligned_off", nvmc.dev.ops->prog(&nvmc.dev, NV_AREA_OFF + 2, &a, 4),
              FK_EALIGN);
    fk_fwt_rc(&T, "prog.unaligned_len", nvmc.dev.ops->prog(&nvmc.dev, NV_AREA_OFF, &a, 3),
              FK_EALIGN);
    fk_fwt_rc(&T, "erase.unaligned",
              nvmc.dev.ops->erase(&nvmc.dev, NV_AREA_OFF + 4, NRF_FLASH_PAGE_SIZE), FK_EALIGN);
    fk_fwt_rc(&T, "map.out_of_area", fk_flash_write(fa, NV_AREA_SIZE, &a, 4), FK_ERANGE);
}

static void test_page_erase(const struct fk_flash_area *fa)
{
    /* Erase exactly one page in the middle of three programmed ones. */
    uint32_t mark = 0x12345678u;
    for (uint32_t p = 0; p < 3; p++) {
        (void)fk_flash_write(fa, NV_ERASE_OFF + p * NRF_FLASH_PAGE_SIZE, &mark, 4);
        (void)fk_flash_write(fa, NV_ERASE_OFF + p * NRF_FLASH_PAGE_SIZE + NRF_FLASH_PAGE_SIZE - 4,
                             &mark, 4);
    }
    fk_fwt_rc(&T, "page_erase", fk_flash_erase(fa, NV_ERASE_OFF + NRF_FLASH_PAGE_SIZE,
                                                NRF_FLASH_PAGE_SIZE), FK_OK);
    (void)fk_flash_read(fa, NV_ERASE_OFF + NRF_FLASH_PAGE_SIZE, buf, sizeof buf);
    fk_fwt_fill(&T, "page_erase.blank", buf, 0xff, sizeof buf);
    uint32_t below = 0, above = 0;
    (void)fk_flash_read(fa, NV_ERASE_OFF + NRF_FLASH_PAGE_SIZE - 4, &below, 4);
    (void)fk_flash_read(fa, NV_ERASE_OFF + 2 * NRF_FLASH_PAGE_SIZE, &above, 4);
    fk_fwt_eq(&T, "page_erase.below", below, mark);
    fk_fwt_eq(&T, "page_erase.above", above, mark);
}

static void test_model(const struct fk_flash_area *fa)
{
    /* nRF5340 style erase (CONFIG=EEN, then a 0xFFFFFFFF word into the
     * page): the nRF51 has no such mode; the model shows what it does. */
    struct fk_nvmc n53;
    struct fk_nvmc_cfg c = cfg;
    c.erase_by_write = 1;
    uint32_t mark = 0x0u, got = 0;
    (void)fk_flash_write(fa, NV_MODEL_OFF, &mark, 4);
    fk_fwt_rc(&T, "nrf53_mode.init", fk_nvmc_init(&n53, &fk_nrf_nvmc_port, &c), FK_OK);
    fk_fwt_rc(&T, "nrf53_mode.erase",
              n53.dev.ops->erase(&n53.dev, NV_AREA_OFF + NV_MODEL_OFF, NRF_FLASH_PAGE_SIZE), FK_OK);
    (void)fk_flash_read(fa, NV_MODEL_OFF, &got, 4);
    fk_fwt_info(&T, "model_erase_by_write",
                got == 0xffffffffu ? "a word written with CONFIG=EEN erases the page"
                                   : "a word written with CONFIG=EEN is ignored (nRF51 has no "
                                     "erase-by-write; the nRF5340 path cannot run here)");
    /* A store with CONFIG=REN: the silicon ignores it (or faults). */
    NRF_REG(NRF_FLASH_BASE + NV_AREA_OFF + NV_MODEL_OFF + 4) = 0;
    (void)fk_flash_read(fa, NV_MODEL_OFF + 4, &got, 4);
    fk_fwt_info(&T, "model_write_ren", got == 0xffffffffu ? "store with CONFIG=REN ignored"
                                                          : "store with CONFIG=REN programs");
    /* nWRITE: the nRF51 allows 2 writes per word between erases; the model
     * has no limit. Write a word 3 times (bit by bit) and look. */
    NRF_REG(NRF_NVMC_BASE + NRF_NVMC_CONFIG) = NRF_NVMC_CONFIG_WEN;
    NRF_REG(NRF_FLASH_BASE + NV_AREA_OFF + NV_MODEL_OFF + 8) = 0xfffffffeu;
    NRF_REG(NRF_FLASH_BASE + NV_AREA_OFF + NV_MODEL_OFF + 8) = 0xfffffffcu;
    NRF_REG(NRF_FLASH_BASE + NV_AREA_OFF + NV_MODEL_OFF + 8) = 0xfffffff8u;
    NRF_REG(NRF_NVMC_BASE + NRF_NVMC_CONFIG) = NRF_NVMC_CONFIG_REN;
    (void)fk_flash_read(fa, NV_MODEL_OFF + 8, &got, 4);
    fk_fwt_info(&T, "model_nwrite", got == 0xfffffff8u ? "no nWRITE limit: a third write lands"
                                                       : "third write lost");
}

int main(void)
{
    const struct fk_flash_area *fa = NULL;
    NRF_REG(NRF_UART_ENABLE) = NRF_UART_ENABLE_ENABLED;
    NRF_REG(NRF_UART_TASKS_STARTTX) = 1;
    fk_fwt_info(&T, "target", "microbit nRF51822 NVMC, Cortex-M0");
    test_init();
    fk_fwt_rc(&T, "open", fk_flash_open(&map, FK_AREA_ID_PRIMARY, &fa), FK_OK);
    if (fa != NULL) {
        test_erase_program(fa);
        test_page_erase(fa);
        test_model(fa);
        /* Leave pattern B in the last page for the host to find. */
        fill(NV_SEED_B, NV_AREA_OFF + NV_LAST_OFF);
        fk_fwt_rc(&T, "final.erase", fk_flash_erase(fa, NV_LAST_OFF, NRF_FLASH_PAGE_SIZE), FK_OK);
        fk_fwt_rc(&T, "final.prog", fk_flash_write(fa, NV_LAST_OFF, words, sizeof words), FK_OK);
    }
    (void)fk_fwt_end(&T);
    for (;;) {
        __asm__ volatile("wfi");
    }
}
