/*
 * The swap engine: a revertible swap in swap-offset slot use (the new image
 * one unit into the secondary, the secondary one unit larger than what is
 * swapped), with each data sector of each slot erased at most once and each
 * byte programmed at most once per erase. See docs/boot.md for the argument.
 *
 * Upgrade (TEST/PERM), k units, P = primary units, S = secondary units:
 *   for i = 0..k-1:  P[i] -> S[i]  (marker 2i),  S[i+1] -> P[i]  (marker 2i+1)
 * afterwards the old image sits at S offset 0 and the new one in P.
 * Revert (REVERT): the same chain run backwards:
 *   for i = k-1..0:  P[i] -> S[i+1],  S[i] -> P[i]
 * The hole walks along the chain; the spare unit is S[0] (upgrade) or S[k]
 * (revert). A marker is written only after its move is complete and synced,
 * so a marker that reads non-erased (even torn) proves its move done, and a
 * move's source is only ever overwritten after the move's marker.
 */
#include <string.h>

#include "boot_priv.h"

static void tick(struct fk_swap *s)
{
    if (s->cfg->watchdog != NULL) {
        s->cfg->watchdog(s->cfg->ctx);
    }
}

static void progress(struct fk_swap *s)
{
    if (s->cfg->progress != NULL) {
        s->cfg->progress(s->cfg->ctx, s->done, 2 * s->units);
    }
}

static bool all_ev(const uint8_t *b, uint32_t n, uint8_t ev)
{
    for (uint32_t i = 0; i < n; i++) {
        if (b[i] != ev) {
            return false;
        }
    }
    return true;
}

int fk_erase_if_needed(struct fk_swap *s, const struct fk_flash_area *fa, uint32_t off,
                       uint32_t len, bool trailer)
{
    int err = FK_OK;
    if (fk_region_erased(fa, off, len, &err)) {
        return FK_OK;
    }
    if (err != FK_OK) {
        return err;
    }
    tick(s);
    int rc = fk_flash_erase(fa, off, len);
    if (rc == FK_OK && trailer) {
        s->st->trailer_erases++;
    }
    return rc;
}

enum move_need { NEED_NOTHING = 0, NEED_PROG = 1, NEED_ERASE = 2 };

/* What it takes to make dst[doff..+unit) equal src[soff..+unit): nothing,
 * programs into erased chunks, or an erase first. Stops reading at the first
 * chunk that needs an erase. */
static int classify(struct fk_swap *s, const struct fk_flash_area *src, uint32_t soff,
                    const struct fk_flash_area *dst, uint32_t doff, enum move_need *need)
{
    uint8_t a[FK_BOOT_CHUNK], b[FK_BOOT_CHUNK];
    uint8_t ev = fk_flash_erased_val(dst);
    *need = NEED_NOTHING;
    for (uint32_t o = 0; o < s->g.unit; o += FK_BOOT_CHUNK) {
        int rc = fk_flash_read(dst, doff + o, b, FK_BOOT_CHUNK);
        if (rc == FK_OK) {
            rc = fk_flash_read(src, soff + o, a, FK_BOOT_CHUNK);
        }
        if (rc != FK_OK) {
            return rc;
        }
        if (memcmp(a, b, FK_BOOT_CHUNK) == 0) {
            continue;
        }
        if (all_ev(b, FK_BOOT_CHUNK, ev)) {
            *need = NEED_PROG;
            continue;
        }
        *need = NEED_ERASE;
        return FK_OK;
    }
    return FK_OK;
}

/* Copy one unit; afterwards dst equals src and dst's device is idle. */
static int move_unit(struct fk_swap *s, const struct fk_flash_area *src, uint32_t soff,
                     const struct fk_flash_area *dst, uint32_t doff)
{
    enum move_need need;
    bool to_pri = dst == s->pri;
    int rc = classify(s, src, soff, dst, doff, &need);
    if (rc != FK_OK) {
        return rc;
    }
    if (need == NEED_NOTHING) {
        s->st->skipped_units++;
        return FK_OK;
    }
    tick(s);
    if (need == NEED_ERASE) {
        rc = fk_flash_erase(dst, doff, s->g.unit);
        if (rc != FK_OK) {
            return rc;
        }
        if (to_pri) {
            s->st->data_erases_pri++;
        } else {
            s->st->data_erases_sec++;
        }
    }
    uint8_t a[FK_BOOT_CHUNK], b[FK_BOOT_CHUNK];
    uint8_t ev = fk_flash_erased_val(dst);
    for (uint32_t o = 0; o < s->g.unit; o += FK_BOOT_CHUNK) {
        rc = fk_flash_read(src, soff + o, a, FK_BOOT_CHUNK);
        if (rc != FK_OK) {
            return rc;
        }
        if (all_ev(a, FK_BOOT_CHUNK, ev)) {
            continue; /* erased data needs no program */
        }
        if (need == NEED_PROG) {
            /* No erase: only chunks still erased get programmed; chunks that
             * already match (an interrupted earlier copy) are left alone. */
            rc = fk_flash_read(dst, doff + o, b, FK_BOOT_CHUNK);
            if (rc != FK_OK) {
                return rc;
            }
            if (memcmp(a, b, FK_BOOT_CHUNK) == 0) {
                continue;
            }
        }
        rc = fk_flash_write(dst, doff + o, a, FK_BOOT_CHUNK);
        if (rc != FK_OK) {
            return rc;
        }
        if (to_pri) {
            s->st->data_progs_pri++;
            s->st->data_bytes_pri += FK_BOOT_CHUNK;
        } else {
            s->st->data_progs_sec++;
            s->st->data_bytes_sec += FK_BOOT_CHUNK;
        }
    }
    /* A NOR program still running at a cut is torn: finish before the marker. */
    return fk_flash_sync(dst);
}

/* Source and destination of move j (= 2*step + phase). */
static void move_of(const struct fk_swap *s, uint8_t type, uint32_t j, const struct fk_flash_area **src,
                    uint32_t *soff, const struct fk_flash_area **dst, uint32_t *doff)
{
    uint32_t u = s->g.unit, step = j / 2, phase = j % 2;
    if (type != FK_SWAP_REVERT) {
        uint32_t i = step;
        if (phase == 0) { /* old P[i] -> S[i] */
            *src = s->pri, *soff = i * u, *dst = s->sec, *doff = i * u;
        } else { /* new S[i+1] -> P[i] */
            *src = s->sec, *soff = (i + 1) * u, *dst = s->pri, *doff = i * u;
        }
    } else {
        uint32_t i = s->units - 1 - step;
        if (phase == 0) { /* P[i] -> S[i+1] */
            *src = s->pri, *soff = i * u, *dst = s->sec, *doff = (i + 1) * u;
        } else { /* old S[i] -> P[i] */
            *src = s->sec, *soff = i * u, *dst = s->pri, *doff = i * u;
        }
    }
}

static uint32_t marker_off(const struct fk_swap *s, uint32_t j)
{
    return s->pri->size - FK_BOOT_OFF_REC - 8u * (j + 1);
}

static int write_marker(struct fk_swap *s, uint32_t j)
{
    uint8_t buf[FK_BOOT_MAX_ALIGN];
    memset(buf, fk_flash_erased_val(s->pri), sizeof buf);
    buf[0] = FK_BOOT_FLAG_SET;
    int rc = fk_flash_write(s->pri, marker_off(s, j), buf, fk_flash_align(s->pri));
    if (rc == FK_OK) {
        s->st->status_progs++;
        rc = fk_flash_sync(s->pri);
    }
    return rc;
}

/* First marker that reads erased (markers are written in order). */
static int first_open_marker(struct fk_swap *s, uint32_t *j)
{
    uint32_t n = 2 * s->units, align = fk_flash_align(s->pri);
    uint8_t ev = fk_flash_erased_val(s->pri);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b[FK_BOOT_MAX_ALIGN];
        int rc = fk_flash_read(s->pri, marker_off(s, i), b, align);
        if (rc != FK_OK) {
            return rc;
        }
        if (all_ev(b, align, ev)) {
            *j = i;
            return FK_OK;
        }
    }
    *j = n;
    return FK_OK;
}

static int run_moves(struct fk_swap *s, uint8_t type, uint32_t from)
{
    for (uint32_t j = from; j < 2 * s->units; j++) {
        const struct fk_flash_area *src, *dst;
        uint32_t soff, doff;
        move_of(s, type, j, &src, &soff, &dst, &doff);
        int rc = move_unit(s, src, soff, dst, doff);
        if (rc == FK_OK) {
            rc = write_marker(s, j);
        }
        if (rc != FK_OK) {
            return rc;
        }
        s->done = j + 1;
        progress(s);
    }
    return FK_OK;
}

static int units_of(const struct fk_swap *s, uint32_t swap_size, uint32_t *k)
{
    uint32_t u = s->g.unit;
    uint32_t n = swap_size / u + (swap_size % u != 0);
    if (n == 0 || n > s->g.max_units) {
        return FK_EBOOT_TOOBIG;
    }
    *k = n;
    return FK_OK;
}

static int erase_sec_trailer(struct fk_swap *s)
{
    uint32_t len = s->g.sec_trailer_units * s->g.unit;
    int rc = fk_erase_if_needed(s, s->sec, s->sec->size - len, len, true);
    if (rc == FK_OK) {
        rc = fk_flash_sync(s->sec);
    }
    return rc;
}

static int finish(struct fk_swap *s, uint8_t type, uint32_t from)
{
    int rc = erase_sec_trailer(s);
    if (rc == FK_OK) {
        rc = run_moves(s, type, from);
    }
    if (rc == FK_OK) {
        /* copy_done is the commit: after it the primary trailer reads as
         * MCUboot leaves it (magic, swap_info, copy_done, image_ok). */
        rc = fk_trailer_write_flag(s->pri, FK_BOOT_OFF_COPY_DONE, FK_BOOT_FLAG_SET);
        if (rc == FK_OK) {
            s->st->status_progs++;
            rc = fk_flash_sync(s->pri);
        }
    }
    return rc;
}

int fk_swap_free_begin_slot(const struct fk_flash_area *sec)
{
    for (unsigned i = 0; i < FK_BOOT_BEGIN_SLOTS; i++) {
        uint32_t off = sec->size - FK_BOOT_OFF_REC - FK_BOOT_REC_LEN * i;
        if (fk_region_erased(sec, off, FK_BOOT_REC_LEN, NULL)) {
            return (int)i;
        }
    }
    return -1;
}

bool fk_swap_read_begin(const struct fk_flash_area *sec, struct fk_swap_rec *r, int *err)
{
    bool found = false;
    for (unsigned i = 0; i < FK_BOOT_BEGIN_SLOTS; i++) {
        uint8_t b[FK_BOOT_REC_LEN];
        struct fk_swap_rec t;
        int rc = fk_flash_read(sec, sec->size - FK_BOOT_OFF_REC - FK_BOOT_REC_LEN * i, b, sizeof b);
        if (rc != FK_OK) {
            if (err != NULL) {
                *err = rc;
            }
            return false;
        }
        if (fk_rec_decode(b, FK_REC_TAG_BEGIN, &t)) {
            *r = t; /* later slots were written later */
            found = true;
        }
    }
    return found;
}

bool fk_swap_read_start(const struct fk_flash_area *pri, struct fk_swap_rec *r, int *err)
{
    uint8_t b[FK_BOOT_REC_LEN];
    int rc = fk_flash_read(pri, pri->size - FK_BOOT_OFF_REC, b, sizeof b);
    if (rc != FK_OK) {
        if (err != NULL) {
            *err = rc;
        }
        return false;
    }
    return fk_rec_decode(b, FK_REC_TAG_START, r);
}

int fk_swap_start(struct fk_swap *s, const struct fk_swap_rec *rec, bool fresh)
{
    int rc = units_of(s, rec->swap_size, &s->units);
    if (rc != FK_OK) {
        return rc;
    }
    s->st->units = s->units;
    uint8_t b[FK_BOOT_REC_LEN];
    if (fresh) {
        /* 1. Begin record in the secondary: ties the primary's coming start
         * record (same id) to this swap, so stale start records surfacing
         * from a torn primary-trailer erase are recognised as stale. */
        int slot = fk_swap_free_begin_slot(s->sec);
        if (slot < 0) {
            return FK_ENOSPC;
        }
        fk_rec_encode(b, FK_REC_TAG_BEGIN, rec);
        rc = fk_flash_write(s->sec, s->sec->size - FK_BOOT_OFF_REC - FK_BOOT_REC_LEN * (uint32_t)slot,
                            b, FK_BOOT_REC_LEN);
        if (rc == FK_OK) {
            s->st->status_progs++;
            rc = fk_flash_sync(s->sec);
        }
        if (rc != FK_OK) {
            return rc;
        }
    }
    /* Overlap: the first move's destination is the spare unit of the
     * secondary; if it needs an erase, start it now (the NOR chip erases on
     * its own) and erase the primary trailer meanwhile. Nothing has moved
     * yet, so the spare holds nothing needed. */
    {
        const struct fk_flash_area *src, *dst;
        uint32_t soff, doff;
        enum move_need need;
        move_of(s, rec->type, 0, &src, &soff, &dst, &doff);
        rc = classify(s, src, soff, dst, doff, &need);
        if (rc != FK_OK) {
            return rc;
        }
        if (need == NEED_ERASE) {
            rc = fk_flash_erase(dst, doff, s->g.unit);
            if (rc != FK_OK) {
                return rc;
            }
            if (dst == s->pri) {
                s->st->data_erases_pri++;
            } else {
                s->st->data_erases_sec++;
            }
        }
    }
    /* 2. Primary trailer: erase, start record, MCUboot fields, magic last. */
    uint32_t tlen = s->g.pri_trailer_units * s->g.unit;
    rc = fk_erase_if_needed(s, s->pri, s->pri->size - tlen, tlen, true);
    if (rc == FK_OK) {
        fk_rec_encode(b, FK_REC_TAG_START, rec);
        rc = fk_flash_write(s->pri, s->pri->size - FK_BOOT_OFF_REC, b, FK_BOOT_REC_LEN);
        s->st->status_progs++;
    }
    if (rc == FK_OK && rec->type != FK_SWAP_TEST) {
        /* PERM and REVERT leave a confirmed image (MCUboot copies image_ok). */
        rc = fk_trailer_write_flag(s->pri, FK_BOOT_OFF_IMAGE_OK, FK_BOOT_FLAG_SET);
        s->st->status_progs++;
    }
    if (rc == FK_OK) {
        rc = fk_trailer_write_swap_size(s->pri, rec->swap_size);
        s->st->status_progs++;
    }
    if (rc == FK_OK) {
        rc = fk_trailer_write_flag(s->pri, FK_BOOT_OFF_SWAP_INFO, rec->type);
        s->st->status_progs++;
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(s->pri);
    }
    if (rc == FK_OK) {
        rc = fk_trailer_write_magic(s->pri);
        s->st->status_progs++;
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(s->pri);
    }
    if (rc != FK_OK) {
        return rc;
    }
    /* 3. Secondary trailer erase (the request is now in the primary), moves,
     * copy_done. */
    return finish(s, rec->type, 0);
}

int fk_swap_resume(struct fk_swap *s, const struct fk_swap_rec *rec)
{
    int rc = units_of(s, rec->swap_size, &s->units);
    if (rc != FK_OK) {
        return rc;
    }
    s->st->units = s->units;
    uint32_t j;
    rc = first_open_marker(s, &j);
    if (rc != FK_OK) {
        return rc;
    }
    s->done = j;
    return finish(s, rec->type, j);
}

int fk_swap_commit_retry(struct fk_swap *s, const struct fk_swap_rec *rec, bool *first)
{
    int rc = units_of(s, rec->swap_size, &s->units);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t align = fk_flash_align(s->pri);
    uint8_t b[FK_BOOT_MAX_ALIGN];
    rc = fk_flash_read(s->pri, marker_off(s, 2 * s->units), b, align);
    if (rc != FK_OK) {
        return rc;
    }
    *first = all_ev(b, align, fk_flash_erased_val(s->pri));
    return *first ? write_marker(s, 2 * s->units) : FK_OK;
}

int fk_overwrite_run(struct fk_swap *s, uint32_t src_off, uint32_t units)
{
    s->units = units;
    s->st->units = units;
    for (uint32_t i = 0; i < units; i++) {
        int rc = move_unit(s, s->sec, src_off + i * s->g.unit, s->pri, i * s->g.unit);
        if (rc != FK_OK) {
            return rc;
        }
        s->done = 2 * (i + 1);
        progress(s);
    }
    /* The primary now holds the new image: a clean (erased) primary trailer
     * reads as confirmed; then drop the request. A cut before the request is
     * gone repeats the copy, which finds every unit in place. */
    uint32_t tlen = s->g.pri_trailer_units * s->g.unit;
    int rc = fk_erase_if_needed(s, s->pri, s->pri->size - tlen, tlen, true);
    if (rc == FK_OK) {
        rc = erase_sec_trailer(s);
    }
    return rc;
}
