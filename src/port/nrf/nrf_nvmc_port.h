/*
 * The fk_nvmc_port of a Nordic NVMC (nRF51, nRF52840, nRF5340 application
 * core): register access at NRF_NVMC_BASE, 32-bit stores and memory-mapped
 * reads at NRF_FLASH_BASE. The chip comes from the register header named by
 * FK_NRF_REGS (e.g. "nrf52840_regs.h"), set per chip by CMake, so the same
 * source serves every chip and each chip's numbers live in one header.
 *
 * The flash driver (src/flash/nvmc.c) does the rest: CONFIG=WEN/EEN/REN,
 * READY polling, ERASEPAGE on nRF51/52 and erase-by-write on nRF5340
 * (fk_nvmc_cfg.erase_by_write).
 */
#ifndef FOTAKIT_PORT_NRF_NVMC_PORT_H
#define FOTAKIT_PORT_NRF_NVMC_PORT_H

#include "fotakit/nvmc.h"

extern const struct fk_nvmc_port fk_nrf_nvmc_port;

#endif
