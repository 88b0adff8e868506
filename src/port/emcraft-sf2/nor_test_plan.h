/*
 * Where the NOR test firmware (nor_test.c) puts what, and the byte pattern it
 * writes. scripts/qemu-nor-test reads the NT_* numbers from this file (simple
 * `#define NAME 0x...` lines) and computes the same pattern to prepare and
 * check the m25p80 backing file, so firmware and host cannot disagree.
 */
#ifndef FOTAKIT_PORT_NOR_TEST_PLAN_H
#define FOTAKIT_PORT_NOR_TEST_PLAN_H

#include <stdint.h>

#define NT_CHIP_SIZE 0x1000000u /* s25sl12801: 16 MiB */
#define NT_SECTOR 0x10000u      /* 64 KB, erased by 0xD8 */
#define NT_PRE_OFF 0x100000u    /* host-written pattern(NT_SEED_PRE) */
#define NT_PRE_SIZE 0x10000u
#define NT_PP_SECTOR 0x020000u  /* page-program tests */
#define NT_SE_SECTOR 0x030000u  /* sector-erase test; 0x040000 above it */
#define NT_SLOT_OFF 0x200000u   /* a slot the size of the seed (nrf5340) layout's secondary */
#define NT_SLOT_SIZE 0x0F0000u  /* (0xE8000), rounded up to whole 64 KB sectors */
#define NT_TOP_SECTOR 0xFF0000u /* block-protect tests (BP0: top sector) */
#define NT_SEED_PRE 0x5eed0001u
#define NT_SEED_PP 0x5eed0002u
#define NT_SEED_SLOT 0x5eed0003u

/* Byte at chip address `addr` of pattern `seed`: a multiplicative hash, so
 * that a byte written to the wrong address is caught. */
static inline uint8_t nt_pattern(uint32_t seed, uint32_t addr)
{
    return (uint8_t)(((addr * 2654435761u) ^ seed) >> 13);
}

#endif
