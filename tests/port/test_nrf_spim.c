/*
 * The Nordic SPIM and UARTE port code (src/port/nrf/) on the host, over the
 * simulated nRF52840 blocks of fake_nrf.c, with the real JEDEC NOR driver on
 * top: chip select per transaction, small transactions gathered into one
 * EasyDMA transfer, bytes to send from outside RAM bounced through RAM,
 * receive buffers outside RAM refused, MAXCNT chunking, frequency and pin
 * setup; UARTE chunked sends and one-byte receives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "../../src/port/nrf/nrf_spim.h"
#include "../../src/port/nrf/nrf_uarte.h"
#include "fake_nrf.h"
#include "fake_nrf_regs.h"
#include "fotakit/err.h"
#include "fotakit/nor.h"

#define CS 17
static const struct fk_nrf_spim_pins pins = {.sck = 19, .mosi = 20, .miso = 21, .csn = CS};
static uint8_t *ram; /* the test's buffers in Data RAM (a window mapped at NRF_RAM_BASE) */

/* 600 bytes the driver must send from outside RAM (rodata, like a flash slot). */
static const uint8_t pattern[600] = {
#define P4(i) (uint8_t)((i) * 37 + 5), (uint8_t)((i) * 37 + 42), (uint8_t)((i) * 37 + 79), \
              (uint8_t)((i) * 37 + 116)
#define P20(i) P4(i), P4(i + 1), P4(i + 2), P4(i + 3), P4(i + 4)
#define P100(i) P20(i), P20(i + 5), P20(i + 10), P20(i + 15), P20(i + 20)
    P100(0), P100(25), P100(50), P100(75), P100(100), P100(125)};

static int setup(void **state)
{
    (void)state;
    fake_reset(CS);
    return 0;
}

/* After every test: EasyDMA was only ever pointed at RAM. */
static int teardown(void **state)
{
    (void)state;
    assert_int_equal(fake.dma_not_ram, 0);
    return 0;
}

static const struct fk_nor_cfg cfg = {
    .jedec_id = {0xc2, 0x28, 0x15},
    .check_id = 1,
    .size = FAKE_FLASH_SIZE,
    .erase_size = 0x1000,
    .page_size = 256,
    .no_sfdp = 1,
    .no_block_erase = 1,
};

static void test_setup_registers(void **state)
{
    (void)state;
    struct fk_spi_bus bus;
    fk_nrf_spim_init(&bus, &pins, 8000000);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_ENABLE), NRF_SPIM_ENABLE_ENABLED);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_FREQUENCY), NRF_SPIM_FREQUENCY_M8);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_PSEL_SCK), 19);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_PSEL_MOSI), 20);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_PSEL_MISO), 21);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_ORC), 0xFF);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_CONFIG), 0);
    assert_int_equal(fake_peek(NRF_GPIO_PIN_CNF(0, CS)), NRF_GPIO_PIN_CNF_DIR_OUTPUT);
    /* Above SPIM2's 8 MHz: capped; 3 MHz: the next lower step. */
    fk_nrf_spim_init(&bus, &pins, 32000000);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_FREQUENCY), NRF_SPIM_FREQUENCY_M8);
    fk_nrf_spim_init(&bus, &pins, 3000000);
    assert_int_equal(fake_peek(NRF_SPIM_BASE + NRF_SPIM_FREQUENCY), NRF_SPIM_FREQUENCY_M2);
}

static void test_nor_over_spim(void **state)
{
    (void)state;
    struct fk_spi_bus bus;
    static struct fk_nor nor;
    fk_nrf_spim_init(&bus, &pins, 8000000);
    assert_int_equal(fk_nor_init(&nor, &bus, &cfg), FK_OK);
    assert_memory_equal(nor.id, ((uint8_t[]){0xc2, 0x28, 0x15}), 3);
    /* Every probe command is short: one gathered DMA transfer per CS#. */
    assert_int_equal(fake.dma, fake.cs_low);

    /* 600 bytes from rodata across three pages: bounced through RAM, the
     * driver splits at page ends (the chip wraps inside a page). */
    fake.dma = fake.cs_low = 0;
    assert_int_equal(nor.dev.ops->prog(&nor.dev, 0x1F0, pattern, sizeof pattern), FK_OK);
    assert_int_equal(nor.dev.ops->sync(&nor.dev), FK_OK);
    assert_memory_equal(fake.flash + 0x1F0, pattern, sizeof pattern);
    assert_int_equal(fake.flash[0x1EF], 0xff);
    assert_int_equal(fake.flash[0x1F0 + sizeof pattern], 0xff);
    assert_int_equal(fake.cs_violation, 0);

    /* Read back into RAM across the driver's 4 KB read chunk. */
    memset(fake.flash + 0x1000, 0x5a, 0x1000);
    memset(ram, 0, 5000);
    assert_int_equal(nor.dev.ops->read(&nor.dev, 0x1F0, ram, 5000), FK_OK);
    assert_memory_equal(ram, pattern, sizeof pattern);
    assert_int_equal(ram[0x1000 - 0x1F0 - 1], 0xff);
    assert_memory_equal(ram + 0x1000 - 0x1F0, fake.flash + 0x1000, 5000 - (0x1000 - 0x1F0));

    /* Sector erase. */
    assert_int_equal(nor.dev.ops->erase(&nor.dev, 0x0, 0x1000), FK_OK);
    assert_int_equal(nor.dev.ops->sync(&nor.dev), FK_OK);
    for (unsigned i = 0; i < 0x1000; i++) {
        assert_int_equal(fake.flash[i], 0xff);
    }
    assert_int_equal(fake.flash[0x1000], 0x5a);
    assert_int_equal(fake.cs_violation, 0);
}

static void test_rx_outside_ram_refused(void **state)
{
    (void)state;
    struct fk_spi_bus bus;
    static struct fk_nor nor;
    static uint8_t not_ram[200]; /* host .bss: outside the RAM window */
    fk_nrf_spim_init(&bus, &pins, 8000000);
    assert_int_equal(fk_nor_init(&nor, &bus, &cfg), FK_OK);
    fake.dma = 0;
    assert_int_equal(nor.dev.ops->read(&nor.dev, 0, not_ram, sizeof not_ram), FK_EINVAL);
    /* The 4-byte READ header went out, no transfer into the bad buffer. */
    assert_int_equal(fake.dma, 1);
    assert_int_equal(fake.dma_len[0], 4);
    /* Up to 64 bytes are gathered through the port's own buffer: fine. */
    memset(fake.flash, 0x3c, 32);
    assert_int_equal(nor.dev.ops->read(&nor.dev, 0, not_ram, 32), FK_OK);
    assert_int_equal(not_ram[31], 0x3c);
}

static void test_maxcnt_chunks(void **state)
{
    (void)state;
    struct fk_spi_bus bus;
    fk_nrf_spim_init(&bus, &pins, 8000000);
    uint8_t hdr[4] = {0x03, 0, 0, 0};
    struct fk_spi_xfer x[2] = {{.tx = hdr, .len = 4}, {.rx = ram, .len = 70000}};
    memset(fake.flash, 0xa5, sizeof fake.flash);
    assert_int_equal(bus.transceive(bus.ctx, x, 2), FK_OK);
    /* Header, then 65535 + 4465: EasyDMA's MAXCNT is 16 bits. */
    assert_int_equal(fake.dma, 3);
    assert_int_equal(fake.dma_len[0], 4);
    assert_int_equal(fake.dma_len[1], 65535);
    assert_int_equal(fake.dma_len[2], 70000 - 65535);
    assert_int_equal(fake.cs_low, 1);
    assert_int_equal(ram[0], 0xa5);
    assert_int_equal(ram[69999], 0xa5);
}

static void test_uarte(void **state)
{
    (void)state;
    const struct fk_nrf_uarte_pins up = {.txd = 6, .rxd = 8, .rts = 5, .cts = 7};
    fk_nrf_uarte_init(&up);
    assert_int_equal(fake_peek(NRF_UARTE_BASE + NRF_UARTE_ENABLE), NRF_UARTE_ENABLE_ENABLED);
    assert_int_equal(fake_peek(NRF_UARTE_BASE + NRF_UARTE_BAUDRATE), NRF_UARTE_BAUDRATE_115200);
    assert_int_equal(fake_peek(NRF_UARTE_BASE + NRF_UARTE_CONFIG), NRF_UARTE_CONFIG_HWFC);
    assert_int_equal(fake_peek(NRF_UARTE_BASE + NRF_UARTE_PSEL_TXD), 6);
    assert_int_equal(fake_peek(NRF_UARTE_BASE + NRF_UARTE_PSEL_CTS), 7);
    /* 150 bytes from rodata: three EasyDMA chunks through RAM. */
    fk_nrf_uarte_write(pattern, 150);
    assert_int_equal(fake.uart_tx_dma, 3);
    assert_int_equal(fake.wire_out_len, 150);
    assert_memory_equal(fake.wire_out, pattern, 150);
    /* Receive: -1 when idle, then the bytes in order. */
    assert_int_equal(fk_nrf_uarte_getc(), -1);
    memcpy(fake.wire_in, "SMP", 3);
    fake.wire_in_len = 3;
    assert_int_equal(fk_nrf_uarte_getc(), 'S');
    assert_int_equal(fk_nrf_uarte_getc(), 'M');
    assert_int_equal(fk_nrf_uarte_getc(), 'P');
    assert_int_equal(fk_nrf_uarte_getc(), -1);
}

int main(void)
{
    /* Data RAM at its chip address, so 32-bit EasyDMA pointers reach it. */
    void *p = mmap((void *)(uintptr_t)NRF_RAM_BASE, NRF_RAM_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != (void *)(uintptr_t)NRF_RAM_BASE) {
        print_error("cannot map the test's RAM window at 0x%08x\n", (unsigned)NRF_RAM_BASE);
        return 1;
    }
    ram = p;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_setup_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nor_over_spim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_outside_ram_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maxcnt_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uarte, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
