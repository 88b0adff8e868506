/*
 * The one "erase before program" helper of the flash layer: the bootloader
 * (trailers, counters), the SMP server (slot erase, upload session start)
 * and anything else that prepares flash for programming call it, so the
 * rule it applies is written once (include/fotakit/flash.h): erase unless
 * the caller holds a record that proves the range was erased.
 */
#include "fotakit/flash.h"

bool fk_flash_reads_erased(const struct fk_flash_area *fa, uint32_t off, uint32_t len, int *err)
{
    uint8_t buf[64];
    uint8_t ev = fk_flash_erased_val(fa);
    while (len > 0) {
        uint32_t n = len < sizeof buf ? len : (uint32_t)sizeof buf;
        int rc = fk_flash_read(fa, off, buf, n);
        if (rc != FK_OK) {
            if (err != NULL) {
                *err = rc;
            }
            return false;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] != ev) {
                return false;
            }
        }
        off += n;
        len -= n;
    }
    return true;
}

int fk_flash_prepare(const struct fk_flash_area *fa, uint32_t off, uint32_t len,
                     enum fk_erase_proof proof, uint32_t *erased)
{
    if (erased != NULL) {
        *erased = 0;
    }
    if (fa == NULL || fa->dev == NULL || fa->dev->erase_size == 0) {
        return FK_EINVAL;
    }
    uint32_t es = fa->dev->erase_size;
    if ((fa->off + off) % es != 0 || len % es != 0) {
        return FK_EALIGN;
    }
    if (proof != FK_ERASE_PROVEN) {
        /* reading erased proves nothing (a torn erase reads erased too) */
        int rc = len ? fk_flash_erase(fa, off, len) : FK_OK;
        if (rc == FK_OK && erased != NULL) {
            *erased = len / es;
        }
        return rc;
    }
    for (uint32_t o = off; o - off < len; o += es) {
        int err = FK_OK;
        if (fk_flash_reads_erased(fa, o, es, &err)) {
            continue; /* erased, as the caller's record proves, and untouched since */
        }
        if (err != FK_OK) {
            return err;
        }
        int rc = fk_flash_erase(fa, o, es);
        if (rc != FK_OK) {
            return rc;
        }
        if (erased != NULL) {
            (*erased)++;
        }
    }
    return FK_OK;
}
