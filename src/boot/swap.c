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
 *
 * The chain is strictly sequential, so on its own nothing overlaps. With a
 * work buffer and the slots on two chips, the chain is cut in two halves
 * that run side by side (see entry()): one half moves a unit into the NOR
 * chip (which erases/programs on its own) while the other moves a unit into
 * internal flash. The unit where the halves meet is parked in a free unit
 * first: one extra unit copy buys the overlap.
 */
#include <string.h>

#include "boot_priv.h"

int fk_swap_erase_trailer(struct fk_swap *s, const struct fk_flash_area *fa, uint32_t off,
                          uint32_t len)
{
    uint32_t n = 0;
    fk_swap_tick(s);
    int rc = fk_flash_prepare(fa, off, len, FK_ERASE_UNPROVEN, &n);
    if (n > 0) {
        s->st->trailer_erases++;
    }
    return rc;
}

/* Move j of the single chain (see the top of this file). */
static void chain_move(const struct fk_swap *s, uint32_t j, struct fk_mv *m)
{
    uint32_t u = s->g.unit, step = j / 2, phase = j % 2;
    bool up = s->type != FK_SWAP_REVERT;
    uint32_t i = up ? step : s->units - 1 - step;
    /* Phase 0 moves unit i of the primary's image, phase 1 unit i of the
     * secondary's: its bytes [i * u, (i + 1) * u) (enc_swap.c). */
    const struct fk_swap_enc *e = &s->enc[phase];
    if (phase == 0) { /* upgrade: old P[i] -> S[i]; revert: P[i] -> S[i+1] */
        *m = (struct fk_mv){s->pri, s->sec, i * u, (i + !up) * u, e, i * u};
    } else { /* upgrade: new S[i+1] -> P[i]; revert: old S[i] -> P[i] */
        *m = (struct fk_mv){s->sec, s->pri, (i + up) * u, i * u, e, i * u};
    }
}

static uint32_t n_entries(const struct fk_swap *s)
{
    return 2 * s->units + (s->sched != FK_SCHED_SERIAL);
}

/*
 * Entry g of the schedule. SERIAL: chain move g. Two chains: entry 0 parks
 * the unit where the halves meet (the source of chain move 2m-1, which
 * chain move 2m overwrites) in Z; then round t = 0, 1, ... runs chain move
 * t of the first half (A, moves 0..2m-1, its last one reading from Z) and
 * chain move 2m+t-1 of the second half (B). In every round A and B write to
 * different slots. *paired: entry g+1 is in the same round.
 */
static void entry(const struct fk_swap *s, uint32_t g, struct fk_mv *m, bool *paired)
{
    *paired = false;
    if (s->sched == FK_SCHED_SERIAL) {
        chain_move(s, g, m);
        return;
    }
    uint32_t la = 2 * s->half, lb = 2 * (s->units - s->half);
    if (g == 0) {
        struct fk_mv last;
        chain_move(s, la - 1, &last);
        *m = (struct fk_mv){last.src, s->zfa, last.soff, s->zoff, last.enc, last.ioff};
        return;
    }
    uint32_t idx = 1;
    for (uint32_t t = 0; t < la || t <= lb; t++) {
        bool has_a = t < la, has_b = t >= 1 && t - 1 < lb;
        if (has_a) {
            if (idx++ == g) {
                chain_move(s, t, m);
                if (t == la - 1) {
                    m->src = s->zfa;
                    m->soff = s->zoff;
                }
                *paired = has_b;
                return;
            }
        }
        if (has_b && idx++ == g) {
            chain_move(s, la + t - 1, m);
            return;
        }
    }
}

static bool can_overlap(const struct fk_swap *s)
{
    return s->cfg->buf != NULL && s->cfg->buf_size >= s->g.unit && s->pri->dev != s->sec->dev;
}

uint8_t fk_swap_pick_sched(const struct fk_swap *s, uint32_t swap_size)
{
    uint32_t u = s->g.unit, k = swap_size / u + (swap_size % u != 0);
    if (!can_overlap(s) || k < 2) {
        return FK_SCHED_SERIAL;
    }
    if (k + 1 < s->g.sec_units - s->g.sec_trailer_units) {
        return FK_SCHED_TWO_ZS;
    }
    if (k < s->g.pri_units - s->g.pri_trailer_units) {
        return FK_SCHED_TWO_ZP;
    }
    return FK_SCHED_SERIAL;
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
    uint32_t n = n_entries(s), align = fk_flash_align(s->pri);
    uint8_t ev = fk_flash_erased_val(s->pri);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b[FK_BOOT_MAX_ALIGN];
        int rc = fk_flash_read(s->pri, marker_off(s, i), b, align);
        if (rc != FK_OK) {
            return rc;
        }
        if (fk_buf_erased(b, align, ev)) {
            *j = i;
            return FK_OK;
        }
    }
    *j = n;
    return FK_OK;
}

static int run_moves(struct fk_swap *s, uint32_t from)
{
    uint32_t n = n_entries(s);
    bool overlap = can_overlap(s);
    for (uint32_t g = from; g < n;) {
        struct fk_mv m, m2;
        bool paired, unused;
        entry(s, g, &m, &paired);
        int rc;
        uint32_t adv = 1;
        if (paired && overlap) {
            entry(s, g + 1, &m2, &unused);
            rc = m.dst == s->sec ? fk_move_pair(s, &m, &m2) : fk_move_pair(s, &m2, &m);
            adv = 2;
        } else {
            rc = fk_move_unit(s, &m);
        }
        /* markers in schedule order: the completed moves are always a prefix */
        for (uint32_t x = 0; x < adv && rc == FK_OK; x++) {
            rc = write_marker(s, g + x);
        }
        if (rc != FK_OK) {
            return rc;
        }
        g += adv;
        s->done = g;
        fk_swap_progress(s);
    }
    return FK_OK;
}

/* Units, schedule and parking unit of a swap, from its record. */
static int plan(struct fk_swap *s, const struct fk_swap_rec *rec)
{
    uint32_t u = s->g.unit;
    uint32_t n = rec->swap_size / u + (rec->swap_size % u != 0);
    if (n == 0 || n > s->g.max_units) {
        return FK_EBOOT_TOOBIG;
    }
    s->units = n;
    s->st->units = n;
    s->rec = *rec;
    s->type = rec->type;
    s->sched = rec->sched;
    s->half = (n + 1) / 2;
    if (s->sched == FK_SCHED_TWO_ZS) {
        if (n < 2 || n + 1 >= s->g.sec_units - s->g.sec_trailer_units) {
            return FK_ECORRUPT;
        }
        s->zfa = s->sec;
        s->zoff = (n + 1) * u;
    } else if (s->sched == FK_SCHED_TWO_ZP) {
        if (n < 2 || n >= s->g.pri_units - s->g.pri_trailer_units) {
            return FK_ECORRUPT;
        }
        s->zfa = s->pri;
        s->zoff = n * u;
    }
    /* markers for every entry + the commit-retry marker must fit the trailer */
    if (FK_BOOT_OFF_REC + 8u * (n_entries(s) + 1) > s->g.pri_trailer_units * u) {
        return FK_EBOOT_TOOBIG;
    }
    return FK_OK;
}

/*
 * Before any move: the secondary trailer holds nothing but this swap's
 * record in begin slot 0 (the "canary"). Erasing it removes the request
 * (the primary's start record carries it now) and any stale records; the
 * canary, read back, proves the secondary's chip answers: a chip that has
 * died and reads all-ones cannot show it, and copying from such a chip
 * would put erased data into the primary. Idempotent.
 * The erase is skipped only when marker 0 is written (`from` > 0): then
 * this function completed in an earlier boot (erase, canary) before any
 * move, so the canary found proves that erase. Before marker 0 a record in
 * slot 0 may be the begin record written into a slot that merely read
 * erased, so the trailer is erased again.
 */
static int ensure_canary(struct fk_swap *s, uint32_t from)
{
    uint32_t len = s->g.sec_trailer_units * s->g.unit, base = s->sec->size - len;
    uint32_t coff = s->sec->size - FK_BOOT_OFF_REC;
    struct fk_swap_rec got;
    uint8_t b[FK_BOOT_REC_LEN];
    int err = FK_OK;
    int rc = fk_flash_read(s->sec, coff, b, sizeof b);
    if (rc != FK_OK) {
        return rc;
    }
    if (from > 0 && fk_rec_decode(b, FK_REC_TAG_BEGIN, &got) && got.id == s->rec.id &&
        fk_flash_reads_erased(s->sec, base, coff - base, &err) &&
        fk_flash_reads_erased(s->sec, coff + FK_BOOT_REC_LEN, s->sec->size - coff - FK_BOOT_REC_LEN, &err)) {
        return FK_OK;
    }
    if (err != FK_OK) {
        return err;
    }
    fk_swap_tick(s);
    rc = fk_flash_erase(s->sec, base, len);
    if (rc == FK_OK) {
        s->st->trailer_erases++;
        fk_rec_encode(b, FK_REC_TAG_BEGIN, &s->rec);
        rc = fk_flash_write(s->sec, coff, b, sizeof b);
        s->st->status_progs++;
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(s->sec);
    }
    if (rc == FK_OK) {
        rc = fk_flash_read(s->sec, coff, b, sizeof b);
    }
    if (rc == FK_OK && (!fk_rec_decode(b, FK_REC_TAG_BEGIN, &got) || got.id != s->rec.id)) {
        rc = FK_EIO; /* written but not read back: the chip is not really there */
    }
    return rc;
}

/* copy_done is the commit: after it the primary trailer reads as MCUboot
 * leaves it (magic, swap_info, copy_done, image_ok). */
static int write_copy_done(struct fk_swap *s)
{
    int rc = fk_trailer_write_flag(s->pri, FK_BOOT_OFF_COPY_DONE, FK_BOOT_FLAG_SET);
    if (rc == FK_OK) {
        s->st->status_progs++;
        rc = fk_flash_sync(s->pri);
    }
    return rc;
}

static int finish(struct fk_swap *s, uint32_t from)
{
    int rc = ensure_canary(s, from);
    if (rc == FK_OK) {
        rc = run_moves(s, from);
    }
    if (rc == FK_OK && !s->cfg->defer_commit) {
        rc = write_copy_done(s);
    }
    return rc;
}

/* A slot that reads erased is taken as erased here because a record proves
 * the trailer's last erase completed: the magic set-pending wrote after
 * erasing it (an upgrade starts only with that magic), or the canary a
 * finished swap wrote after erasing it (a revert). */
int fk_swap_free_begin_slot(const struct fk_flash_area *sec)
{
    for (unsigned i = 0; i < FK_BOOT_BEGIN_SLOTS; i++) {
        uint32_t off = sec->size - FK_BOOT_OFF_REC - FK_BOOT_REC_LEN * i;
        if (fk_flash_reads_erased(sec, off, FK_BOOT_REC_LEN, NULL)) {
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
        /* ids only grow (each swap takes max + 1), so the newest record
         * is the one with the highest id, wherever a torn erase left it */
        if (fk_rec_decode(b, FK_REC_TAG_BEGIN, &t) && (!found || (int32_t)(t.id - r->id) > 0)) {
            *r = t;
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
    int rc = plan(s, rec);
    if (rc != FK_OK) {
        return rc;
    }
    /* Both images are whole and in place: recover their keys now (an
     * encrypted image whose key cannot be recovered is not swapped: it
     * would leave the primary in clear). */
    rc = fk_swap_enc_load(s, rec->type == FK_SWAP_REVERT ? 0 : s->g.sec_image_off, true);
    if (rc != FK_OK) {
        return rc;
    }
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
        struct fk_mv m;
        bool paired;
        enum fk_move_need need;
        entry(s, 0, &m, &paired);
        rc = fk_move_classify(s, &m, NULL, &need);
        if (rc != FK_OK) {
            return rc;
        }
        if (need == FK_NEED_ERASE) {
            rc = fk_flash_erase(m.dst, m.doff, s->g.unit);
            if (rc != FK_OK) {
                return rc;
            }
            fk_move_count_erase(s, m.dst);
            s->erased_fa = m.dst; /* move 0 programs it without a second erase */
            s->erased_off = m.doff;
        }
    }
    /* 2. Primary trailer: erase (always: an earlier attempt's erase may
     * have been cut, leaving cells that read erased but do not hold what is
     * programmed; the start record, written after this erase, is what
     * proves it for the rest of the swap), start record, MCUboot fields,
     * magic last. */
    uint32_t tlen = s->g.pri_trailer_units * s->g.unit;
    rc = fk_swap_erase_trailer(s, s->pri, s->pri->size - tlen, tlen);
    if (rc == FK_OK) {
        rc = fk_swap_enc_write(s); /* before the magic: a resumable swap has its keys */
    }
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
    /* 3. Secondary trailer erase + canary (the request is now in the
     * primary), moves, copy_done. */
    return finish(s, 0);
}

int fk_swap_resume(struct fk_swap *s, const struct fk_swap_rec *rec)
{
    int rc = plan(s, rec);
    if (rc != FK_OK) {
        return rc;
    }
    rc = fk_swap_enc_read(s, rec->id);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t j = 0;
    rc = first_open_marker(s, &j);
    if (rc != FK_OK) {
        return rc;
    }
    s->done = j;
    return finish(s, j);
}

/* The commit-retry marker: 8 bytes with 57 bits to program, so a torn
 * write almost never reads as a whole one. */
static const uint8_t retry_mark[8] = {FK_BOOT_FLAG_SET, 0, 0, 0, 0, 0, 0, 0};

int fk_swap_commit_retry(struct fk_swap *s, const struct fk_swap_rec *rec, bool *first)
{
    int rc = plan(s, rec);
    if (rc != FK_OK) {
        return rc;
    }
    /* The marker sits after the last entry's. One that is neither erased
     * nor whole was torn (the power went while it was written, so the new
     * image never ran): its bytes cannot be programmed again, so the
     * attempt moves to the next 8-byte slot below, as long as that stays
     * clear of the key records at the trailer's start (the first slot is
     * always there: plan() and the key records leave room for it). */
    uint32_t lo = s->pri->size - s->g.pri_trailer_units * s->g.unit + 2u * FK_SWAP_ENC_REC_LEN;
    *first = false;
    for (uint32_t j = n_entries(s); j == n_entries(s) || marker_off(s, j) >= lo; j++) {
        uint8_t b[sizeof retry_mark];
        rc = fk_flash_read(s->pri, marker_off(s, j), b, sizeof b);
        if (rc != FK_OK) {
            return rc;
        }
        if (fk_buf_erased(b, sizeof b, fk_flash_erased_val(s->pri))) {
            *first = true;
            if (s->cfg->defer_commit) {
                return FK_OK; /* fk_boot_commit() writes it */
            }
            rc = fk_flash_write(s->pri, marker_off(s, j), retry_mark, sizeof retry_mark);
            if (rc == FK_OK) {
                s->st->status_progs++;
                rc = fk_flash_sync(s->pri);
            }
            return rc;
        }
        if (memcmp(b, retry_mark, sizeof b) == 0) {
            return FK_OK; /* written whole: the new image had its run */
        }
    }
    return FK_OK; /* no room left: count it as run */
}

int fk_swap_commit(struct fk_swap *s, const struct fk_swap_rec *rec)
{
    int rc = plan(s, rec);
    uint32_t j = 0;
    if (rc == FK_OK) {
        rc = first_open_marker(s, &j);
    }
    if (rc == FK_OK && j != n_entries(s)) {
        rc = FK_ECORRUPT; /* a move not proven done: never commit it */
    }
    return rc == FK_OK ? write_copy_done(s) : rc;
}
