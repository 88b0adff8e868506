/*
 * The nRF52840 register header with every register access routed to a
 * simulated SPIM2, UARTE0 and GPIO (fake_nrf.c), so the Nordic port code
 * (src/port/nrf/nrf_spim.c, nrf_uarte.c) runs on the host. The fake
 * implements what the product specification says these blocks do, as the
 * port's author read it: it catches logic errors in the port (chunking,
 * gathering, RAM bouncing, chip select), not misreadings of the PS.
 */
#ifndef FOTAKIT_TEST_FAKE_NRF_REGS_H
#define FOTAKIT_TEST_FAKE_NRF_REGS_H

#include <stdint.h>

volatile uint32_t *fk_fake_reg(uint32_t addr);
#define NRF_REG(addr) (*fk_fake_reg((uint32_t)(addr)))

#include "../../src/port/nrf52840/nrf52840_regs.h"

#endif
