/* The simulated nRF52840 blocks behind fake_nrf_regs.h (see there). */
#ifndef FOTAKIT_TEST_FAKE_NRF_H
#define FOTAKIT_TEST_FAKE_NRF_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_FLASH_SIZE 0x10000u /* a 64 KB NOR chip: c2 28 15, 4 KB sectors, 256-byte pages */
#define FAKE_MAX_DMA 64

struct fake_state {
    uint8_t cs_pin;          /* the GPIO the chip's CS# is on */
    uint32_t cs_low;         /* CS# falling edges */
    uint32_t cs_violation;   /* SPIM transfers while CS# was high */
    uint32_t dma;            /* SPIM EasyDMA transfers */
    uint32_t dma_not_ram;    /* EasyDMA pointers outside RAM (the chip cannot) */
    uint32_t dma_len[FAKE_MAX_DMA]; /* bytes clocked by each (first FAKE_MAX_DMA) */
    uint8_t flash[FAKE_FLASH_SIZE];
    uint8_t wire_out[512];   /* what UARTE0 sent */
    size_t wire_out_len;
    uint32_t uart_tx_dma;
    uint8_t wire_in[64];     /* bytes waiting to be received by UARTE0 */
    size_t wire_in_len, wire_in_pos;
};
extern struct fake_state fake;

/* Registers to reset values, chip erased, counters zero. */
void fake_reset(uint8_t cs_pin);
/* A register's value without the simulation stepping. */
uint32_t fake_peek(uint32_t addr);

#endif
