/*
 * Little-endian field access. Every format fotakit reads or writes byte by
 * byte is little endian: MCUboot image headers and TLVs, the boot trailer's
 * swap_size and fotakit's records, the counter store, SFDP tables, the SMP
 * upload record. Header-only; device-safe (no libc).
 */
#ifndef FOTAKIT_LE_H
#define FOTAKIT_LE_H

#include <stdint.h>

static inline uint16_t fk_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t fk_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void fk_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void fk_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif
