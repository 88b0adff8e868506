/*
 * Where the NVMC test firmware (nvmc_test.c) works in the nRF51's 256 KB
 * flash, and the word pattern it writes. scripts/qemu-nvmc-test reads the
 * NV_* numbers (`#define NAME 0x...u` lines) and the pattern from here.
 */
#ifndef FOTAKIT_PORT_NVMC_TEST_PLAN_H
#define FOTAKIT_PORT_NVMC_TEST_PLAN_H

#include <stdint.h>

#define NV_AREA_OFF 0x38000u  /* test area: the top 32 KB, far above the firmware */
#define NV_AREA_SIZE 0x8000u
#define NV_PROG_OFF 0x0000u   /* offsets below are within the area */
#define NV_AND_OFF 0x0400u
#define NV_ERASE_OFF 0x1000u  /* three pages; the middle one is erased */
#define NV_MODEL_OFF 0x2000u
#define NV_LAST_OFF 0x7C00u   /* last page: pattern B left for the host */
#define NV_WORDS 64u
#define NV_SEED_A 0xa5a50001u
#define NV_SEED_B 0xa5a50002u

/* Word at flash address `addr` of pattern `seed`. */
static inline uint32_t nv_pattern(uint32_t seed, uint32_t addr)
{
    return (addr * 2654435761u) ^ seed;
}

#endif
