/*
 * Copying one unit (an erase unit of both slots) from one flash area to
 * another, as the swap engine (swap.c) and the overwrite copy (overwrite.c)
 * do it: nothing when the destination already holds the data, else an
 * erase and programs. A destination that only reads erased (in whole or in
 * the chunks still to write) is erased all the same: an erase cut short by
 * a reset can leave cells that read 0xff yet do not hold what is programmed
 * there, and nothing the bootloader wrote proves that the unit's last
 * erase completed (docs/boot.md "Weakly erased cells"). Each byte is
 * programmed at most once per erase. A move between the slots of an encrypted image
 * runs its cipher over every source chunk as it is read (fk_move_xform),
 * so the secondary is only ever programmed with ciphertext.
 */
#include <string.h>

#include "boot_priv.h"

void fk_swap_tick(struct fk_swap *s)
{
    if (s->cfg->watchdog != NULL) {
        s->cfg->watchdog(s->cfg->ctx);
    }
}

void fk_swap_progress(struct fk_swap *s)
{
    if (s->cfg->progress != NULL) {
        s->cfg->progress(s->cfg->ctx, s->done, 2 * s->units + (s->sched != FK_SCHED_SERIAL));
    }
}

bool fk_buf_erased(const uint8_t *b, uint32_t n, uint8_t ev)
{
    for (uint32_t i = 0; i < n; i++) {
        if (b[i] != ev) {
            return false;
        }
    }
    return true;
}

/* What it takes to make dst equal the source (flash, or `buf` when not
 * NULL): nothing, or an erase and programs. Stops reading at the first
 * chunk that differs. */
int fk_move_classify(struct fk_swap *s, const struct fk_mv *m, const uint8_t *buf, enum fk_move_need *need)
{
    uint8_t a[FK_BOOT_CHUNK], b[FK_BOOT_CHUNK];
    *need = FK_NEED_NOTHING;
    for (uint32_t o = 0; o < s->g.unit; o += FK_BOOT_CHUNK) {
        int rc = fk_flash_read(m->dst, m->doff + o, b, FK_BOOT_CHUNK);
        const uint8_t *src = a;
        if (rc == FK_OK && buf == NULL) {
            rc = fk_flash_read(m->src, m->soff + o, a, FK_BOOT_CHUNK);
            fk_move_xform(s, m, o, a, FK_BOOT_CHUNK);
        } else {
            src = buf + o;
        }
        if (rc != FK_OK) {
            return rc;
        }
        if (memcmp(src, b, FK_BOOT_CHUNK) != 0) {
            *need = FK_NEED_ERASE; /* even when the chunk reads erased (see the top) */
            return FK_OK;
        }
    }
    return FK_OK;
}

void fk_move_count_erase(struct fk_swap *s, const struct fk_flash_area *dst)
{
    if (dst == s->pri) {
        s->st->data_erases_pri++;
    } else {
        s->st->data_erases_sec++;
    }
}

/* Program chunk `o` of a move (data from `buf` when not NULL) into the
 * erased destination. */
static int prog_chunk(struct fk_swap *s, const struct fk_mv *m, uint32_t o, const uint8_t *buf)
{
    uint8_t a[FK_BOOT_CHUNK];
    const uint8_t *data = buf != NULL ? buf + o : a;
    int rc;
    if (buf == NULL) {
        rc = fk_flash_read(m->src, m->soff + o, a, FK_BOOT_CHUNK);
        if (rc != FK_OK) {
            return rc;
        }
        fk_move_xform(s, m, o, a, FK_BOOT_CHUNK);
    }
    if (fk_buf_erased(data, FK_BOOT_CHUNK, fk_flash_erased_val(m->dst))) {
        return FK_OK; /* erased data needs no program */
    }
    rc = fk_flash_write(m->dst, m->doff + o, data, FK_BOOT_CHUNK);
    if (rc != FK_OK) {
        return rc;
    }
    if (m->dst == s->pri) {
        s->st->data_progs_pri++;
        s->st->data_bytes_pri += FK_BOOT_CHUNK;
    } else {
        s->st->data_progs_sec++;
        s->st->data_bytes_sec += FK_BOOT_CHUNK;
    }
    return FK_OK;
}

/* Erase m's destination unit, unless it is the unit the swap start just
 * erased (s->erased_*: valid for the next move only, and used once, so a
 * read-back retry of that move erases again). */
static int erase_dst(struct fk_swap *s, const struct fk_mv *m)
{
    if (s->erased_fa == m->dst && s->erased_off == m->doff) {
        s->erased_fa = NULL;
        return FK_OK;
    }
    int rc = fk_flash_erase(m->dst, m->doff, s->g.unit);
    if (rc == FK_OK) {
        fk_move_count_erase(s, m->dst);
    }
    return rc;
}

/* Erase and program one unit, then wait for it. */
static int write_unit(struct fk_swap *s, const struct fk_mv *m, const uint8_t *buf)
{
    fk_swap_tick(s);
    int rc = erase_dst(s, m);
    if (rc != FK_OK) {
        return rc;
    }
    for (uint32_t o = 0; o < s->g.unit && rc == FK_OK; o += FK_BOOT_CHUNK) {
        rc = prog_chunk(s, m, o, buf);
    }
    /* A NOR program still running at a cut is torn: finish before the marker. */
    return rc == FK_OK ? fk_flash_sync(m->dst) : rc;
}

/*
 * Read the programmed unit back and compare it with its source before its
 * marker may be written (a program can fail silently: a worn or weak cell,
 * a glitch). On a mismatch the unit is erased and written again, up to
 * FK_BOOT_VERIFY_TRIES writes in all; the source is still intact (a move's
 * source is only overwritten after its marker). FK_EBOOT_VERIFY when it
 * never reads back right.
 */
static int verify_unit(struct fk_swap *s, const struct fk_mv *m, const uint8_t *buf)
{
    for (unsigned tries = 1;; tries++) {
        enum fk_move_need need;
        int rc = fk_move_classify(s, m, buf, &need);
        if (rc != FK_OK || need == FK_NEED_NOTHING) {
            return rc;
        }
        if (tries >= FK_BOOT_VERIFY_TRIES) {
            return FK_EBOOT_VERIFY;
        }
        s->st->verify_retries++;
        rc = write_unit(s, m, buf);
        if (rc != FK_OK) {
            return rc;
        }
    }
}

/* Copy one unit; afterwards dst equals src (read back) and dst's device is idle. */
static int move_unit(struct fk_swap *s, const struct fk_mv *m)
{
    enum fk_move_need need;
    int rc = fk_move_classify(s, m, NULL, &need);
    if (rc != FK_OK) {
        return rc;
    }
    if (need == FK_NEED_NOTHING) {
        s->st->skipped_units++;
        return FK_OK;
    }
    rc = write_unit(s, m, NULL);
    return rc == FK_OK ? verify_unit(s, m, NULL) : rc;
}

/*
 * Two independent moves side by side: `n` into the secondary (an external
 * chip that erases and programs on its own), `i` into the primary (internal
 * flash, the CPU waits). i's source is read into the work buffer first, so
 * the external chip is free to be busy with n's erase and page programs
 * while the CPU erases and programs internal flash. Both finish (synced)
 * before their markers are written.
 */
static int move_pair(struct fk_swap *s, const struct fk_mv *n, const struct fk_mv *i)
{
    uint8_t *buf = s->cfg->buf;
    enum fk_move_need nn, ni;
    int rc = fk_flash_read(i->src, i->soff, buf, s->g.unit);
    fk_move_xform(s, i, 0, buf, s->g.unit);
    if (rc == FK_OK) {
        rc = fk_move_classify(s, i, buf, &ni);
    }
    if (rc == FK_OK) {
        rc = fk_move_classify(s, n, NULL, &nn);
    }
    if (rc != FK_OK) {
        return rc;
    }
    fk_swap_tick(s);
    if (nn == FK_NEED_ERASE) {
        rc = erase_dst(s, n); /* returns while the chip erases */
        if (rc != FK_OK) {
            return rc;
        }
    }
    if (ni == FK_NEED_ERASE) {
        rc = erase_dst(s, i);
        if (rc != FK_OK) {
            return rc;
        }
    }
    for (uint32_t o = 0; o < s->g.unit && rc == FK_OK; o += FK_BOOT_CHUNK) {
        if (nn != FK_NEED_NOTHING) {
            rc = prog_chunk(s, n, o, NULL); /* a page program, left running */
        }
        if (rc == FK_OK && ni != FK_NEED_NOTHING) {
            rc = prog_chunk(s, i, o, buf);
        }
    }
    s->st->skipped_units += (nn == FK_NEED_NOTHING) + (ni == FK_NEED_NOTHING);
    if (rc == FK_OK) {
        rc = fk_flash_sync(n->dst);
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(i->dst);
    }
    /* read both back (i's source is still in the buffer) */
    if (rc == FK_OK && nn != FK_NEED_NOTHING) {
        rc = verify_unit(s, n, NULL);
    }
    if (rc == FK_OK && ni != FK_NEED_NOTHING) {
        rc = verify_unit(s, i, buf);
    }
    return rc;
}

/* The swap start's erase (s->erased_*) vouches for the first move only:
 * whatever that move did (skipped, programmed, failed), a later move into
 * the same unit erases it. */
int fk_move_unit(struct fk_swap *s, const struct fk_mv *m)
{
    int rc = move_unit(s, m);
    s->erased_fa = NULL;
    return rc;
}

int fk_move_pair(struct fk_swap *s, const struct fk_mv *n, const struct fk_mv *i)
{
    int rc = move_pair(s, n, i);
    s->erased_fa = NULL;
    return rc;
}
