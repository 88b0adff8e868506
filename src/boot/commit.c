/*
 * Deferred commits of a multi-image boot (fotakit/boot.h: cfg->defer_commit,
 * fk_boot_commit, fk_boot_swap_unfinished; docs/boot.md "Two images").
 * A swap is committed by one write in its primary trailer: copy_done, or
 * for a torn copy_done the commit-retry marker (swap.c). Until that write
 * the swap is "unfinished" and the next boot finishes it as an interrupted
 * swap: its image boots as the new (test) image, it is never reverted.
 */
#include <string.h>

#include "boot_priv.h"

/* The swap's view of cfg->map; false when it has no swap to look at. */
static bool open_swap(const struct fk_boot_config *cfg, struct fk_swap *s, struct fk_boot_stats *st,
                      struct fk_trailer *tp, struct fk_swap_rec *start, bool *have_start, int *err)
{
    memset(s, 0, sizeof *s);
    memset(st, 0, sizeof *st);
    s->cfg = cfg;
    s->st = st;
    *have_start = false;
    *err = FK_OK;
    if (cfg == NULL || cfg->map == NULL || cfg->strategy != FK_BOOT_STRATEGY_SWAP) {
        return false;
    }
    *err = fk_flash_open(cfg->map, FK_AREA_ID_PRIMARY, &s->pri);
    if (*err == FK_OK && fk_flash_open(cfg->map, FK_AREA_ID_SECONDARY, &s->sec) != FK_OK) {
        s->sec = NULL; /* only the begin records are read there */
    }
    if (*err == FK_OK) {
        *err = fk_boot_geometry(cfg->map, &s->g);
    }
    if (*err == FK_OK) {
        *err = fk_trailer_read(s->pri, tp);
    }
    if (*err == FK_OK) {
        *have_start = fk_swap_read_start(s->pri, start, err);
    }
    return *err == FK_OK;
}

int fk_boot_commit(const struct fk_boot_config *cfg)
{
    struct fk_swap s;
    struct fk_boot_stats st;
    struct fk_trailer tp;
    struct fk_swap_rec start;
    bool have_start;
    int err;
    if (!open_swap(cfg, &s, &st, &tp, &start, &have_start, &err)) {
        return err;
    }
    if (!have_start || tp.magic != FK_MAGIC_GOOD || tp.copy_done == FK_FLAG_SET) {
        return FK_OK; /* nothing of ours to commit */
    }
    if (tp.copy_done == FK_FLAG_UNSET) {
        return fk_swap_commit(&s, &start);
    }
    /* torn copy_done: the retry marker is the commit */
    struct fk_boot_config c = *cfg;
    c.defer_commit = false;
    s.cfg = &c;
    bool first;
    return fk_swap_commit_retry(&s, &start, &first);
}

bool fk_boot_swap_unfinished(const struct fk_boot_config *cfg)
{
    struct fk_swap s;
    struct fk_boot_stats st;
    struct fk_trailer tp;
    struct fk_swap_rec start, begin;
    bool have_start;
    int err;
    if (!open_swap(cfg, &s, &st, &tp, &start, &have_start, &err)) {
        return err != FK_OK;
    }
    bool ours = have_start && tp.magic == FK_MAGIC_GOOD;
    if (ours && tp.copy_done == FK_FLAG_UNSET) {
        return true; /* moves in progress, or done and not committed */
    }
    /* A begin record not matching a committed start record: a swap that
     * has begun (fk_boot_go step 1 takes it over). */
    if (s.sec != NULL && fk_swap_read_begin(s.sec, &begin, NULL) && !(ours && begin.id == start.id)) {
        return true;
    }
    if (ours && tp.copy_done == FK_FLAG_BAD) {
        /* torn copy_done: unfinished until its retry marker is written */
        struct fk_boot_config c = *cfg;
        c.defer_commit = true; /* look, write nothing */
        s.cfg = &c;
        bool first = false;
        return fk_swap_commit_retry(&s, &start, &first) != FK_OK || first;
    }
    return false;
}
