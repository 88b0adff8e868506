/*
 * Default security-counter store: records {magic, seq, value, crc} appended
 * in one of two erase sectors of the counters area; when the current sector
 * is full the other one is erased and the next record goes there. The
 * latest valid record (highest seq) always survives: the only erase touches
 * the sector that does not hold it, and a torn record fails its CRC.
 */
#include <string.h>

#include "boot_priv.h"

#ifdef FK_BOOT_NO_COUNTER_STORE
/* CMake FOTAKIT_BOOT_COUNTER_STORE=OFF (device builds only; about 0.5 KB
 * less): no default store. Only for maps without a counters area: the
 * firmware build refuses the option when its layout has one, and these
 * return FK_ENOTSUP rather than a value, so a store is never faked. */
int fk_boot_counter_read(const struct fk_flash_area *fa, uint32_t *val)
{
    (void)fa;
    (void)val;
    return FK_ENOTSUP;
}

int fk_boot_counter_write(const struct fk_flash_area *fa, uint32_t val)
{
    (void)fa;
    (void)val;
    return FK_ENOTSUP;
}
#else

#define CNT_MAGIC 0x544e4b46u /* "FKNT" */
#define CNT_REC 16u

struct cnt_scan {
    bool found;
    uint32_t seq, val;
    uint32_t sector;    /* sector of the latest record */
    uint32_t next_slot; /* first slot after the last non-erased one in that sector */
};

static int stride(const struct fk_flash_area *fa)
{
    uint32_t a = fk_flash_align(fa);
    return (int)(a > CNT_REC ? a : CNT_REC);
}

static int scan(const struct fk_flash_area *fa, uint32_t es, struct cnt_scan *out)
{
    memset(out, 0, sizeof *out);
    uint32_t st = (uint32_t)stride(fa), per = es / st;
    uint8_t ev = fk_flash_erased_val(fa);
    for (uint32_t sec = 0; sec < 2; sec++) {
        uint32_t last_used = 0; /* slots used + 1 of the last non-erased */
        bool sec_has_best = false;
        for (uint32_t i = 0; i < per; i++) {
            uint8_t b[CNT_REC];
            int rc = fk_flash_read(fa, sec * es + i * st, b, CNT_REC);
            if (rc != FK_OK) {
                return rc;
            }
            bool erased = true;
            for (unsigned x = 0; x < CNT_REC; x++) {
                erased &= b[x] == ev;
            }
            if (erased) {
                continue;
            }
            last_used = i + 1;
            if (fk_le32(b) != CNT_MAGIC || fk_le32(b + 12) != fk_boot_crc32(0, b, 12)) {
                continue;
            }
            uint32_t seq = fk_le32(b + 4);
            if (!out->found || (int32_t)(seq - out->seq) > 0) {
                out->found = true;
                out->seq = seq;
                out->val = fk_le32(b + 8);
                out->sector = sec;
                sec_has_best = true;
            }
        }
        if (sec_has_best) {
            out->next_slot = last_used;
        }
    }
    return FK_OK;
}

static int geometry(const struct fk_flash_area *fa, uint32_t *es)
{
    if (fa == NULL || fa->dev == NULL || fa->dev->erase_size == 0) {
        return FK_EINVAL;
    }
    *es = fa->dev->erase_size;
    if (fa->size < 2 * *es || *es < CNT_REC) {
        return FK_ENOSPC;
    }
    return FK_OK;
}

/* Geometry check + scan for the newest valid record: what read and write both start with. */
static int locate(const struct fk_flash_area *fa, uint32_t *es, struct cnt_scan *sc)
{
    int rc = geometry(fa, es);
    return rc == FK_OK ? scan(fa, *es, sc) : rc;
}

int fk_boot_counter_read(const struct fk_flash_area *fa, uint32_t *val)
{
    uint32_t es;
    struct cnt_scan sc;
    int rc = locate(fa, &es, &sc);
    if (rc != FK_OK) {
        return rc;
    }
    if (!sc.found) {
        return FK_ENOENT;
    }
    *val = sc.val;
    return FK_OK;
}

int fk_boot_counter_write(const struct fk_flash_area *fa, uint32_t val)
{
    uint32_t es;
    struct cnt_scan sc;
    int rc = locate(fa, &es, &sc);
    if (rc != FK_OK) {
        return rc;
    }
    if (sc.found && val <= sc.val) {
        return FK_OK; /* never decreases */
    }
    uint32_t st = (uint32_t)stride(fa), per = es / st;
    uint32_t sector = sc.found ? sc.sector : 0, slot = sc.found ? sc.next_slot : 0;
    if (!sc.found) {
        /* Nothing valid anywhere: start clean in sector 0 (erased even when
         * it reads erased; the record written after it proves it). */
        rc = fk_flash_prepare(fa, 0, es, FK_ERASE_UNPROVEN, NULL);
    } else if (slot >= per) {
        sector ^= 1u;
        slot = 0;
        rc = fk_flash_erase(fa, sector * es, es);
    }
    if (rc != FK_OK) {
        return rc;
    }
    uint8_t b[CNT_REC + 16];
    memset(b, fk_flash_erased_val(fa), sizeof b);
    fk_put_le32(b, CNT_MAGIC);
    fk_put_le32(b + 4, sc.found ? sc.seq + 1 : 1);
    fk_put_le32(b + 8, val);
    fk_put_le32(b + 12, fk_boot_crc32(0, b, 12));
    if (st > sizeof b) {
        return FK_EALIGN;
    }
    rc = fk_flash_write(fa, sector * es + slot * st, b, st);
    if (rc == FK_OK) {
        rc = fk_flash_sync(fa);
    }
    return rc;
}
#endif /* FK_BOOT_NO_COUNTER_STORE */
