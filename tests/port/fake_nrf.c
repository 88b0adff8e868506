/*
 * Simulated nRF52840 SPIM2 + GPIO + UARTE0 for the Nordic port code, and a
 * byte-level JEDEC NOR chip on the SPIM. Every register access of the port
 * goes through fk_fake_reg(), which first lets the simulation react to what
 * was written since the last access (a task triggered, a pin set or
 * cleared), then returns the register's slot. EasyDMA pointers are 32-bit
 * CPU addresses: the test links without PIE, so the port's static buffers
 * are below 4 GB, and places its RAM buffers in a window mapped at
 * NRF_RAM_BASE.
 */
#include "fake_nrf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_nrf_regs.h"

struct fake_state fake;

#define BLOCK 0x1000u
static uint32_t spim_regs[BLOCK / 4], uarte_regs[BLOCK / 4], gpio_regs[BLOCK / 4],
    other_regs[BLOCK / 4];

static uint32_t *slot(uint32_t addr)
{
    if (addr - NRF_SPIM_BASE < BLOCK) {
        return &spim_regs[(addr - NRF_SPIM_BASE) / 4];
    }
    if (addr - NRF_UARTE_BASE < BLOCK) {
        return &uarte_regs[(addr - NRF_UARTE_BASE) / 4];
    }
    if (addr - NRF_GPIO_PORT_BASE(0) < BLOCK) {
        return &gpio_regs[(addr - NRF_GPIO_PORT_BASE(0)) / 4];
    }
    if (addr - NRF_CLOCK_BASE < BLOCK) {
        return &other_regs[(addr - NRF_CLOCK_BASE) / 4];
    }
    fprintf(stderr, "fake_nrf: access to unmodelled register 0x%08x\n", (unsigned)addr);
    abort();
}

#define R(base, off) (*slot((base) + (off)))

/* ---- the NOR chip ---------------------------------------------------------- */
static int cs_is_low;
static uint32_t idx, addr, wel;
static uint8_t op;

static void chip_deselect(void)
{
    if (cs_is_low && (op == 0x02 || op == 0x20) && idx >= 4) {
        wel = 0; /* a program or erase clears WEL when it completes */
    }
    cs_is_low = 0;
}

static uint8_t chip_byte(uint8_t out)
{
    uint8_t in = 0xff;
    uint32_t i = idx++;
    if (i == 0) {
        op = out;
        addr = 0;
        if (op == 0x06) {
            wel = 1;
        } else if (op == 0x04) {
            wel = 0;
        }
        return in;
    }
    switch (op) {
    case 0x9F: { /* RDID */
        static const uint8_t id[3] = {0xc2, 0x28, 0x15};
        in = i <= 3 ? id[i - 1] : 0xff;
        break;
    }
    case 0x05: /* RDSR */
        in = (uint8_t)(wel << 1);
        break;
    case 0x03: /* READ */
    case 0x0B: /* FAST_READ: one dummy byte */
    case 0x02: /* PP */
    case 0x20: /* SE 4 KB */
        if (i <= 3) {
            addr = (addr << 8) | out;
            if (i == 3 && op == 0x20 && wel) {
                memset(fake.flash + (addr % FAKE_FLASH_SIZE & ~0xFFFu), 0xff, 0x1000);
            }
            break;
        }
        if (op == 0x0B && i == 4) {
            break;
        }
        if (op == 0x02) {
            /* A page program wraps inside its 256-byte page. */
            uint32_t col = (addr + (i - 4)) & 0xFFu;
            uint32_t a = ((addr & ~0xFFu) | col) % FAKE_FLASH_SIZE;
            if (wel) {
                fake.flash[a] &= out;
            }
        } else {
            in = fake.flash[(addr + i - (op == 0x0B ? 5 : 4)) % FAKE_FLASH_SIZE];
        }
        break;
    default: /* RES, DP, reset...: nothing to model */
        break;
    }
    return in;
}

/* ---- the simulation step ---------------------------------------------------- */
/* EasyDMA reaches Data RAM only. Here "RAM" is the test's window at
 * NRF_RAM_BASE and the program's writable data (where the port's static
 * buffers live; RAM on the chip); code and read-only data (below
 * __data_start in the non-PIE link) stand for flash. */
extern char __data_start[], end[];

static int dma_reaches(uint32_t p, uint32_t n)
{
    uintptr_t a = p;
    return n == 0 || (a >= NRF_RAM_BASE && a + n <= NRF_RAM_BASE + NRF_RAM_SIZE) ||
           (a >= (uintptr_t)__data_start && a + n <= (uintptr_t)end);
}

static void step(void)
{
    uint32_t mask = 1u << fake.cs_pin;
    if (R(NRF_GPIO_PORT_BASE(0), 0x50C) & mask) { /* OUTCLR */
        if (!cs_is_low) {
            fake.cs_low++;
            idx = 0;
        }
        cs_is_low = 1;
    }
    if (R(NRF_GPIO_PORT_BASE(0), 0x508) & mask) { /* OUTSET */
        chip_deselect();
    }
    R(NRF_GPIO_PORT_BASE(0), 0x50C) = 0;
    R(NRF_GPIO_PORT_BASE(0), 0x508) = 0;

    if (R(NRF_SPIM_BASE, NRF_SPIM_TASKS_START)) {
        R(NRF_SPIM_BASE, NRF_SPIM_TASKS_START) = 0;
        uint32_t txn = R(NRF_SPIM_BASE, NRF_SPIM_TXD_MAXCNT);
        uint32_t rxn = R(NRF_SPIM_BASE, NRF_SPIM_RXD_MAXCNT);
        uint32_t txp = R(NRF_SPIM_BASE, NRF_SPIM_TXD_PTR);
        uint32_t rxp = R(NRF_SPIM_BASE, NRF_SPIM_RXD_PTR);
        const uint8_t *tx = (const uint8_t *)(uintptr_t)txp;
        uint8_t *rx = (uint8_t *)(uintptr_t)rxp;
        uint32_t n = txn > rxn ? txn : rxn;
        if (R(NRF_SPIM_BASE, NRF_SPIM_ENABLE) != NRF_SPIM_ENABLE_ENABLED) {
            return; /* a disabled SPIM never ends */
        }
        if (!cs_is_low) {
            fake.cs_violation++;
        }
        if (!dma_reaches(txp, txn) || !dma_reaches(rxp, rxn)) {
            fake.dma_not_ram++; /* the chip would fault (EasyDMA ERROR) */
            R(NRF_SPIM_BASE, NRF_SPIM_EVENTS_END) = 1;
            return;
        }
        for (uint32_t k = 0; k < n; k++) {
            uint8_t out = k < txn ? tx[k] : (uint8_t)R(NRF_SPIM_BASE, NRF_SPIM_ORC);
            uint8_t in = cs_is_low ? chip_byte(out) : 0xff;
            if (k < rxn) {
                rx[k] = in;
            }
        }
        if (fake.dma < FAKE_MAX_DMA) {
            fake.dma_len[fake.dma] = n;
        }
        fake.dma++;
        R(NRF_SPIM_BASE, NRF_SPIM_EVENTS_END) = 1;
    }

    if (R(NRF_UARTE_BASE, NRF_UARTE_TASKS_STARTTX)) {
        R(NRF_UARTE_BASE, NRF_UARTE_TASKS_STARTTX) = 0;
        const uint8_t *p = (const uint8_t *)(uintptr_t)R(NRF_UARTE_BASE, NRF_UARTE_TXD_PTR);
        uint32_t n = R(NRF_UARTE_BASE, NRF_UARTE_TXD_MAXCNT);
        if (!dma_reaches(R(NRF_UARTE_BASE, NRF_UARTE_TXD_PTR), n)) {
            fake.dma_not_ram++;
            n = 0;
        }
        if (fake.wire_out_len + n <= sizeof fake.wire_out) {
            memcpy(fake.wire_out + fake.wire_out_len, p, n);
            fake.wire_out_len += n;
        }
        fake.uart_tx_dma++;
        R(NRF_UARTE_BASE, NRF_UARTE_EVENTS_ENDTX) = 1;
    }
    static int rx_armed;
    if (R(NRF_UARTE_BASE, NRF_UARTE_TASKS_STARTRX)) {
        R(NRF_UARTE_BASE, NRF_UARTE_TASKS_STARTRX) = 0;
        rx_armed = 1;
    }
    if (rx_armed && !R(NRF_UARTE_BASE, NRF_UARTE_EVENTS_ENDRX) &&
        fake.wire_in_pos < fake.wire_in_len &&
        R(NRF_UARTE_BASE, NRF_UARTE_RXD_MAXCNT) == 1) {
        uint8_t *p = (uint8_t *)(uintptr_t)R(NRF_UARTE_BASE, NRF_UARTE_RXD_PTR);
        *p = fake.wire_in[fake.wire_in_pos++];
        rx_armed = 0;
        R(NRF_UARTE_BASE, NRF_UARTE_EVENTS_ENDRX) = 1;
    }
}

volatile uint32_t *fk_fake_reg(uint32_t addr)
{
    step();
    return slot(addr);
}

uint32_t fake_peek(uint32_t addr)
{
    return *slot(addr);
}

void fake_reset(uint8_t cs_pin)
{
    memset(spim_regs, 0, sizeof spim_regs);
    memset(uarte_regs, 0, sizeof uarte_regs);
    memset(gpio_regs, 0, sizeof gpio_regs);
    memset(other_regs, 0, sizeof other_regs);
    memset(&fake, 0, sizeof fake);
    memset(fake.flash, 0xff, sizeof fake.flash);
    fake.cs_pin = cs_pin;
    cs_is_low = 0;
    idx = addr = wel = 0;
    op = 0;
}
