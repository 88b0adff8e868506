/*
 * The overwrite-only update: the new image is copied unit by unit from the
 * secondary over the primary (no revert), then the request is dropped.
 * Power-fail safe without progress markers: a cut repeats the copy, which
 * finds every unit already in place (fk_move_unit skips it).
 */
#include "boot_priv.h"

/* The secondary's trailer units, prepared for programming, then synced. */
static int erase_sec_trailer(struct fk_swap *s)
{
    uint32_t len = s->g.sec_trailer_units * s->g.unit;
    int rc = fk_swap_erase_trailer(s, s->sec, s->sec->size - len, len);
    if (rc == FK_OK) {
        rc = fk_flash_sync(s->sec);
    }
    return rc;
}

int fk_overwrite_run(struct fk_swap *s, uint32_t src_off, uint32_t units)
{
    s->units = units;
    s->st->units = units;
    for (uint32_t i = 0; i < units; i++) {
        struct fk_mv m = {s->sec, s->pri, src_off + i * s->g.unit, i * s->g.unit, &s->enc[1],
                          i * s->g.unit};
        int rc = fk_move_unit(s, &m);
        if (rc != FK_OK) {
            return rc;
        }
        s->done = 2 * (i + 1);
        fk_swap_progress(s);
    }
    /* The hand-over (cfg->copied) comes before the request is dropped, so
     * a cut during it repeats the copy and the hand-over at the next boot. */
    if (s->cfg->copied != NULL) {
        int hrc = s->cfg->copied(s->cfg->ctx, s->pri, units * s->g.unit);
        if (hrc != FK_OK) {
            return hrc;
        }
    }
    /* The primary now holds the new image: a clean (erased) primary trailer
     * reads as confirmed; then drop the request. A cut before the request is
     * gone repeats the copy, which finds every unit in place. */
    uint32_t tlen = s->g.pri_trailer_units * s->g.unit;
    int rc = fk_swap_erase_trailer(s, s->pri, s->pri->size - tlen, tlen);
    if (rc == FK_OK) {
        rc = erase_sec_trailer(s);
    }
    return rc;
}
