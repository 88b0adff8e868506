/*
 * JEDEC SFDP (JESD216): find the Basic Flash Parameter Table and take the
 * density, erase types and page size from it.
 *
 * SFDP header (8 bytes): "SFDP", minor, major, NPH (headers - 1), protocol.
 * Parameter headers (8 bytes each, from offset 8): ID LSB, minor, major,
 * length in dwords, 24-bit table pointer, ID MSB. The BFPT has ID ff00.
 * BFPT dword 2: density (bit 31 clear: bits - 1; set: 2^N bits).
 * Dwords 8-9: four erase types, each (size exponent, opcode); exponent 0 =
 * type absent. Dword 11 bits 7:4 (JESD216A+): page size exponent.
 */
#include "fotakit/nor.h"

#include <string.h>

#include "fotakit/le.h"

int fk_nor_sfdp_parse(const uint8_t *sfdp, size_t len, uint32_t *size,
                      struct fk_nor_erase_type erase[FK_NOR_MAX_ERASE_TYPES],
                      uint32_t *page_size)
{
    if (sfdp == NULL || size == NULL || erase == NULL || page_size == NULL) {
        return FK_EINVAL;
    }
    if (len < 16 || memcmp(sfdp, "SFDP", 4) != 0) {
        return FK_ECORRUPT;
    }
    unsigned nph = (unsigned)sfdp[6] + 1;
    const uint8_t *bfpt = NULL;
    uint32_t dwords = 0;
    for (unsigned i = 0; i < nph; i++) {
        size_t h = 8 + 8 * (size_t)i;
        if (h + 8 > len) {
            break;
        }
        uint16_t id = (uint16_t)(sfdp[h] | sfdp[h + 7] << 8);
        if (id != 0xff00) {
            continue;
        }
        uint32_t n = sfdp[h + 3];
        uint32_t ptr = (uint32_t)sfdp[h + 4] | (uint32_t)sfdp[h + 5] << 8 |
                       (uint32_t)sfdp[h + 6] << 16;
        /* The first BFPT header is the one JESD216 requires; a table that
         * does not fit what was read is corrupt. */
        if (n < 9 || ptr > len || (size_t)n * 4 > len - ptr) {
            return FK_ECORRUPT;
        }
        bfpt = sfdp + ptr;
        dwords = n;
        break;
    }
    if (bfpt == NULL) {
        return FK_ECORRUPT;
    }
    uint32_t d2 = fk_le32(bfpt + 4);
    uint64_t bits;
    if (d2 & 0x80000000u) {
        uint32_t n = d2 & 0x7fffffffu;
        if (n < 3 || n > 35) {
            return FK_ECORRUPT;
        }
        bits = (uint64_t)1 << n;
    } else {
        bits = (uint64_t)d2 + 1;
    }
    uint64_t bytes = bits / 8;
    if (bytes == 0 || bytes > 0xffffffffu) {
        return FK_ECORRUPT; /* > 4 GB needs 4-byte addressing: not supported */
    }
    *size = (uint32_t)bytes;

    memset(erase, 0, sizeof(struct fk_nor_erase_type) * FK_NOR_MAX_ERASE_TYPES);
    unsigned ne = 0;
    for (unsigned t = 0; t < 4; t++) {
        const uint8_t *e = bfpt + 28 + 2 * t; /* dword 8 starts at byte 28 */
        uint8_t exp = e[0], op = e[1];
        if (exp == 0 || exp > 31) {
            continue;
        }
        /* insertion sort by size */
        unsigned j = ne++;
        while (j > 0 && erase[j - 1].size > (1u << exp)) {
            erase[j] = erase[j - 1];
            j--;
        }
        erase[j].size = 1u << exp;
        erase[j].opcode = op;
    }
    if (ne == 0) {
        return FK_ECORRUPT;
    }
    *page_size = 256;
    if (dwords >= 11) {
        unsigned pexp = (fk_le32(bfpt + 40) >> 4) & 0xf;
        if (pexp != 0) {
            *page_size = 1u << pexp;
        }
    }
    return FK_OK;
}
