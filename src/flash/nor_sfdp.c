/*
 * JEDEC SFDP (JESD216): find the Basic Flash Parameter Table (and the 4-byte
 * Address Instruction Table) and take from them what the driver needs.
 *
 * SFDP header (8 bytes): "SFDP", minor, major, NPH (headers - 1), protocol.
 * Parameter headers (8 bytes each, from offset 8): ID LSB, minor, major,
 * length in dwords, 24-bit table pointer, ID MSB. The BFPT has ID ff00, the
 * 4BAIT ff84; other IDs (vendor tables) are skipped.
 * BFPT dword 1 bits 18:17: address bytes (00 3 only, 01 3 or 4, 10 4 only).
 * BFPT dword 2: density (bit 31 clear: bits - 1; set: 2^N bits).
 * Dwords 8-9: four erase types, each (size exponent, opcode); exponent 0 =
 * type absent. Dword 11 bits 7:4 (JESD216A+): page size exponent.
 * Dword 16 (JESD216B+): bits 31:24 how to enter 4-byte addressing (bit 24:
 * B7h; bit 25: WREN then B7h; bit 29: dedicated 4-byte opcodes; bit 30:
 * always 4-byte), bits 13:8 soft reset (bit 12: 66h then 99h).
 * 4BAIT dword 1: bit 0 READ 13h, bit 1 FAST_READ 0Ch, bit 6 PP 12h, bits
 * 12:9 erase type 1..4 has a 4-byte opcode; dword 2: those opcodes.
 */
#include "fotakit/nor.h"

#include <string.h>

#include "fotakit/le.h"

/* The table a parameter header points to, if it lies inside what was read. */
static const uint8_t *table(const uint8_t *sfdp, size_t len, size_t h, uint32_t *dwords)
{
    uint32_t n = sfdp[h + 3];
    uint32_t ptr = (uint32_t)sfdp[h + 4] | (uint32_t)sfdp[h + 5] << 8 | (uint32_t)sfdp[h + 6] << 16;
    if (ptr > len || (size_t)n * 4 > len - ptr) {
        return NULL;
    }
    *dwords = n;
    return sfdp + ptr;
}

int fk_nor_bfpt_parse(const uint8_t *bfpt, uint32_t dwords, struct fk_nor_sfdp *out)
{
    if (bfpt == NULL || out == NULL) {
        return FK_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (dwords < 9) {
        return FK_ECORRUPT;
    }
    out->bfpt_dwords = (uint8_t)(dwords > 255 ? 255 : dwords);
    uint32_t d1 = fk_le32(bfpt);
    out->addr_bytes = (uint8_t)((d1 >> 17) & 3);
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
    /* fk_flash_dev sizes are 32-bit: 4 GiB (32 Gbit) and up do not fit
     * (no serial NOR is that large; 4-byte addressing reaches 4 GiB). */
    if (bytes == 0 || bytes > 0xffffffffu) {
        return FK_ECORRUPT;
    }
    out->size = (uint32_t)bytes;

    unsigned ne = 0;
    for (unsigned t = 0; t < 4; t++) {
        const uint8_t *e = bfpt + 28 + 2 * t; /* dword 8 starts at byte 28 */
        uint8_t exp = e[0], op = e[1];
        if (exp == 0 || exp > 31) {
            continue;
        }
        /* insertion sort by size; `type` remembers the BFPT slot (0..3) */
        unsigned j = ne++;
        while (j > 0 && out->erase[j - 1].size > (1u << exp)) {
            out->erase[j] = out->erase[j - 1];
            out->erase_type[j] = out->erase_type[j - 1];
            j--;
        }
        out->erase[j].size = 1u << exp;
        out->erase[j].opcode = op;
        out->erase_type[j] = (uint8_t)t;
    }
    if (ne == 0) {
        return FK_ECORRUPT;
    }
    out->page_size = 256;
    if (dwords >= 11) {
        unsigned pexp = (fk_le32(bfpt + 40) >> 4) & 0xf;
        if (pexp != 0) {
            out->page_size = 1u << pexp;
        }
    }
    if (dwords >= 16) {
        uint32_t d16 = fk_le32(bfpt + 60);
        out->soft_reset_66_99 = (d16 >> 12) & 1;
        out->enter4 = (uint8_t)(d16 >> 24);
    }
    return FK_OK;
}

int fk_nor_sfdp_parse_ex(const uint8_t *sfdp, size_t len, struct fk_nor_sfdp *out)
{
    if (sfdp == NULL || out == NULL) {
        return FK_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (len < 16 || memcmp(sfdp, "SFDP", 4) != 0) {
        return FK_ECORRUPT;
    }
    unsigned nph = (unsigned)sfdp[6] + 1;
    const uint8_t *bfpt = NULL, *bait = NULL;
    uint32_t dwords = 0, bait_dwords = 0;
    for (unsigned i = 0; i < nph; i++) {
        size_t h = 8 + 8 * (size_t)i;
        if (h + 8 > len) {
            break;
        }
        uint16_t id = (uint16_t)(sfdp[h] | sfdp[h + 7] << 8);
        if (id == 0xff00 && bfpt == NULL) {
            /* The first BFPT header is the one JESD216 requires; one that
             * does not fit what was read is corrupt. */
            bfpt = table(sfdp, len, h, &dwords);
            if (bfpt == NULL) {
                return FK_ECORRUPT;
            }
        } else if (id == 0xff84 && bait == NULL) {
            bait = table(sfdp, len, h, &bait_dwords); /* optional: NULL if outside */
        }
    }
    if (bfpt == NULL) {
        return FK_ECORRUPT;
    }
    int rc = fk_nor_bfpt_parse(bfpt, dwords, out);
    if (rc != FK_OK) {
        return rc;
    }
    out->nph = (uint8_t)nph;
    out->major = sfdp[5];
    out->minor = sfdp[4];
    if (bait != NULL && bait_dwords >= 2) {
        uint32_t b1 = fk_le32(bait), b2 = fk_le32(bait + 4);
        out->has_4bait = 1;
        out->op4_read = (b1 & 1u) ? 0x13 : 0;
        out->op4_fast_read = (b1 & 2u) ? 0x0c : 0;
        out->op4_pp = (b1 & 0x40u) ? 0x12 : 0;
        for (unsigned k = 0; k < FK_NOR_MAX_ERASE_TYPES; k++) {
            if (out->erase[k].size == 0) {
                continue;
            }
            unsigned t = out->erase_type[k];
            if (b1 & (1u << (9 + t))) {
                out->op4_erase[k] = (uint8_t)(b2 >> (8 * t));
            }
        }
    }
    return FK_OK;
}

int fk_nor_sfdp_parse(const uint8_t *sfdp, size_t len, uint32_t *size,
                      struct fk_nor_erase_type erase[FK_NOR_MAX_ERASE_TYPES],
                      uint32_t *page_size)
{
    if (sfdp == NULL || size == NULL || erase == NULL || page_size == NULL) {
        return FK_EINVAL;
    }
    struct fk_nor_sfdp p;
    int rc = fk_nor_sfdp_parse_ex(sfdp, len, &p);
    if (rc != FK_OK) {
        return rc;
    }
    *size = p.size;
    memcpy(erase, p.erase, sizeof p.erase);
    *page_size = p.page_size;
    return FK_OK;
}
