/*
 * fk_boot_go(): decide what to boot, perform or finish a swap, validate, and
 * say why in one log line. Device code: no heap, no stdio.
 *
 * Order of questions (docs/boot.md):
 *  1. Is a swap in progress? (secondary begin record and/or primary start
 *     record with copy_done unset) -> finish it, whatever else the trailers say.
 *  2. Else MCUboot's swap-type table on both trailers -> TEST/PERM: verify
 *     the secondary fully, check downgrade/security counter, swap;
 *     REVERT: verify the old image, swap back; NONE: nothing.
 *  3. Verify the primary (unless configured off), update the security
 *     counter for a confirmed image, describe it in *rsp.
 */
#include <string.h>

#include "boot_priv.h"

struct go {
    const struct fk_boot_config *cfg;
    struct fk_boot_rsp *rsp;
    const struct fk_flash_area *pri, *sec;
    const struct fk_flash_area *cnt; /* default counter store, or NULL */
    int cnt_err;                     /* the map has a counter store that cannot be used */
    bool geo_ok;
    struct fk_boot_geometry g;
    struct fk_sb sb; /* builds rsp->why */
};

static void say(struct go *c, const char *s)
{
#ifdef FK_TERSE
    (void)c; /* terse build: emit() writes the line; the words are not kept */
    (void)s;
#else
    fk_sb_puts(&c->sb, s);
#endif
}

static void emit(struct go *c)
{
#ifdef FK_TERSE
    /* Terse build (CMake FOTAKIT_TERSE, about 1.6 KB less): the decision as
     * "<reason name>[ resumed][ <secondary error name>][ v<version>]". */
    struct fk_boot_rsp *r = c->rsp;
    fk_sb_init(&c->sb, r->why, sizeof r->why);
    fk_sb_puts(&c->sb, fk_boot_reason_name(r->reason));
    if (r->resumed) {
        fk_sb_puts(&c->sb, " resumed");
    }
    if (r->secondary_err != FK_OK) {
        fk_sb_putc(&c->sb, ' ');
        fk_sb_puts(&c->sb, fk_err_name(r->secondary_err));
    }
    if (r->hdr.magic != 0) {
        fk_sb_putc(&c->sb, ' ');
        fk_bsb_ver(&c->sb, &r->hdr.ver);
    }
#endif
    if (c->cfg->log != NULL) {
        c->cfg->log(c->cfg->ctx, c->rsp->why);
    }
}

static int validate(struct go *c, const struct fk_flash_area *fa, uint32_t off,
                    struct fk_image_info *info)
{
    memset(info, 0, sizeof *info);
    if (c->cfg->watchdog != NULL) {
        c->cfg->watchdog(c->cfg->ctx);
    }
    if (c->cfg->validate != NULL) {
        return c->cfg->validate(c->cfg->ctx, fa, off, info);
    }
    if (c->cfg->keys == NULL) {
        return FK_EINVAL;
    }
    /* An encrypted image is ciphertext in the secondary (decrypted while
     * hashing) and plaintext in the primary (its header keeps the flag, as
     * MCUboot leaves it): the swap decrypts on the way in (enc_swap.c). */
    struct fk_image_keyring k = *c->cfg->keys;
    k.enc_plaintext = fa == c->pri;
    return fk_image_verify(fa, off, &k, info);
}

/* Bytes from the header to the end of the TLVs, from the header and the TLV
 * info only (no hashing). */
static int image_end(const struct fk_flash_area *fa, uint32_t off, uint32_t *end)
{
    struct fk_image_header h;
    int rc = fk_image_read_header(fa, off, &h);
    if (rc != FK_OK) {
        return rc;
    }
    uint64_t t = (uint64_t)h.hdr_size + h.img_size + h.protect_tlv_size;
    uint8_t info[4];
    if (t + 4 > fa->size - off) {
        return FK_ERANGE;
    }
    rc = fk_flash_read(fa, off + (uint32_t)t, info, sizeof info);
    if (rc != FK_OK) {
        return rc;
    }
    uint16_t magic = (uint16_t)(info[0] | info[1] << 8), tot = (uint16_t)(info[2] | info[3] << 8);
    if (magic != FK_IMAGE_TLV_INFO_MAGIC || t + tot > fa->size - off) {
        return FK_ECORRUPT;
    }
    *end = (uint32_t)(t + tot);
    return FK_OK;
}

static bool counter_enabled(struct go *c)
{
    return c->cfg->counter_read != NULL || c->cnt != NULL || c->cnt_err != FK_OK;
}

/* Fail closed: any error but "never stored" (FK_ENOENT = 0) is returned, and
 * the callers refuse the image whose counter cannot be checked. */
static int counter_get(struct go *c, uint32_t *v)
{
    if (c->cnt_err != FK_OK) {
        return c->cnt_err;
    }
    int rc = c->cfg->counter_read != NULL ? c->cfg->counter_read(c->cfg->ctx, v)
                                          : fk_boot_counter_read(c->cnt, v);
    if (rc == FK_ENOENT) {
        *v = 0;
        rc = FK_OK;
    }
    return rc;
}

static int counter_set(struct go *c, uint32_t v)
{
    if (c->cfg->counter_write != NULL) {
        return c->cfg->counter_write(c->cfg->ctx, v);
    }
    if (c->cnt != NULL) {
        return fk_boot_counter_write(c->cnt, v);
    }
    return FK_OK;
}

/* Make an invalid pending secondary image harmless: erase the unit holding
 * its header and the trailer units (the request). The primary is untouched. */
static int invalidate_secondary(struct go *c, uint32_t off)
{
    uint32_t u = c->g.unit, tl = c->g.sec_trailer_units * u;
    uint32_t hdr_unit = off - off % u;
    int rc = fk_flash_erase(c->sec, hdr_unit, u);
    if (rc == FK_OK) {
        rc = fk_flash_erase(c->sec, c->sec->size - tl, tl);
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(c->sec);
    }
    return rc;
}

static void swap_init(struct go *c, struct fk_swap *s)
{
    memset(s, 0, sizeof *s);
    s->cfg = c->cfg;
    s->pri = c->pri;
    s->sec = c->sec;
    s->g = c->g;
    s->st = &c->rsp->stats;
}

/* Id of a new swap: above every record either trailer still holds. */
static uint32_t next_id(struct go *c, bool have_start, const struct fk_swap_rec *start)
{
    uint32_t id = have_start ? start->id : 0;
    struct fk_swap_rec b;
    if (fk_swap_read_begin(c->sec, &b, NULL) && (int32_t)(b.id - id) > 0) {
        id = b.id;
    }
    return id + 1;
}

static enum fk_boot_reason reason_of(uint8_t type)
{
    return type == FK_SWAP_REVERT ? FK_BOOT_R_REVERTED
           : type == FK_SWAP_PERM ? FK_BOOT_R_UPGRADED_PERM
                                  : FK_BOOT_R_UPGRADED_TEST;
}

static void say_type(struct go *c, uint8_t type)
{
    say(c, type == FK_SWAP_REVERT ? "revert" : type == FK_SWAP_PERM ? "permanent upgrade" : "test upgrade");
}

/* Re-open the secondary after a failure (port re-init between attempts). */
static int secondary_retry(struct go *c)
{
    uint8_t n = c->cfg->retries ? c->cfg->retries : 3;
    int rc = FK_ENODEV;
    for (uint8_t i = 0; i < n; i++) {
        if (c->cfg->reinit != NULL) {
            c->cfg->reinit(c->cfg->ctx, FK_AREA_ID_SECONDARY);
        }
        rc = fk_flash_open(c->cfg->map, FK_AREA_ID_SECONDARY, &c->sec);
        if (rc == FK_OK) {
            struct fk_trailer t;
            rc = fk_trailer_read(c->sec, &t);
        }
        if (rc == FK_OK) {
            return FK_OK;
        }
    }
    return rc;
}

static int stuck(struct go *c, int err)
{
    c->rsp->reason = FK_BOOT_R_STUCK;
    c->rsp->secondary_err = err;
    fk_sb_init(&c->sb, c->rsp->why, sizeof c->rsp->why);
    say(c, "swap in progress but the secondary slot is unusable (");
    fk_bsb_err(&c->sb, err);
    say(c, "); staying in the bootloader rather than start a half-swapped image");
    emit(c);
    return FK_EBOOT_STUCK;
}

/* The swap did not start: an encrypted image's key cannot be recovered
 * (fk_swap_enc_load; nothing written). */
static bool enc_refused(int rc)
{
    return rc == FK_EIMG_ENC_KEY || rc == FK_EIMG_ENCRYPTED || rc == FK_EIMG_ENC_UNSUP ||
           rc == FK_EIMG_KEY || rc == FK_EIMG_TLV_LEN;
}

/* Run a swap step function with retries on secondary failures. `restart`:
 * nothing moved yet, start over; else resume from the primary's markers. */
static int do_swap(struct go *c, const struct fk_swap_rec *rec, bool fresh, bool resume)
{
    struct fk_swap s;
    int rc;
    uint8_t tries = c->cfg->retries ? c->cfg->retries : 3;
    for (uint8_t attempt = 0;; attempt++) {
        swap_init(c, &s);
        rc = resume ? fk_swap_resume(&s, rec) : fk_swap_start(&s, rec, fresh);
        if (rc == FK_OK || rc == FK_EBOOT_TOOBIG || rc == FK_ENOSPC || enc_refused(rc) ||
            attempt >= tries) {
            break;
        }
        /* A failing device mid-swap: re-open and continue from the markers
         * (the start record is in place once the magic is). */
        if (secondary_retry(c) != FK_OK) {
            break;
        }
        struct fk_swap_rec st;
        struct fk_trailer tp;
        if (fk_trailer_read(c->pri, &tp) == FK_OK && tp.magic == FK_MAGIC_GOOD &&
            fk_swap_read_start(c->pri, &st, NULL) && st.id == rec->id) {
            resume = true;
        } else {
            fresh = false;
            resume = false;
        }
    }
    return rc;
}

/* Verify and describe the primary; security counter; log line. */
static int boot_primary(struct go *c)
{
    struct fk_boot_rsp *rsp = c->rsp;
    struct fk_image_info info;
    int rc;
    rsp->area = c->pri;
    rsp->area_id = FK_AREA_ID_PRIMARY;
    rsp->off = 0;
    if (!c->cfg->skip_primary_verify) {
        rc = validate(c, c->pri, 0, &info);
    } else {
        memset(&info, 0, sizeof info);
        rc = fk_image_read_header(c->pri, 0, &info.hdr);
    }
    if (rc == FK_OK && counter_enabled(c) && !c->cfg->skip_primary_verify) {
        uint32_t stored;
        int crc = counter_get(c, &stored);
        uint32_t mine = info.has_sec_cnt ? info.sec_cnt : 0;
        if (crc != FK_OK) {
            say(c, "; security counter unreadable (");
            fk_bsb_err(&c->sb, crc);
            say(c, ")");
            rc = FK_EBOOT_COUNTER;
            rsp->reason = FK_BOOT_R_COUNTER;
        } else if (mine < stored) {
            rc = FK_EBOOT_DOWNGRADE;
        } else if (mine > stored) {
            /* Raise the counter only for a confirmed image: a test image may
             * still be reverted to the older one. */
            struct fk_trailer tp;
            if (fk_trailer_read(c->pri, &tp) == FK_OK &&
                (tp.magic != FK_MAGIC_GOOD || tp.image_ok == FK_FLAG_SET)) {
                int wrc = counter_set(c, mine);
                if (wrc != FK_OK) {
                    /* the image is valid and not older: it boots, but the
                     * protection stays at the old value; say so */
                    rsp->counter_err = wrc;
                    say(c, "; security counter NOT raised to ");
                    fk_sb_dec(&c->sb, mine);
                    say(c, " (");
                    fk_bsb_err(&c->sb, wrc);
                    say(c, "), still ");
                    fk_sb_dec(&c->sb, stored);
                }
            }
        }
    }
    if (rc != FK_OK) {
        say(c, "; primary image not bootable (");
        fk_bsb_err(&c->sb, rc);
        say(c, "): staying in the bootloader");
        if (rsp->reason == FK_BOOT_R_NONE) {
            rsp->reason = FK_BOOT_R_NO_IMAGE;
        }
        emit(c);
        return FK_EBOOT_NOIMAGE;
    }
    rsp->hdr = info.hdr;
    say(c, "; booting primary ");
    fk_bsb_ver(&c->sb, &info.hdr.ver);
    if (c->cfg->skip_primary_verify) {
        say(c, " (not verified: configured off)");
    }
    emit(c);
    return FK_OK;
}

static void say_sec_err(struct go *c, const char *what, int err)
{
    say(c, what);
    fk_bsb_err(&c->sb, err);
}

/* TEST / PERM with nothing in progress. */
static int upgrade(struct go *c, uint8_t type, const struct fk_trailer *tp, bool have_start,
                   const struct fk_swap_rec *start)
{
    struct fk_boot_rsp *rsp = c->rsp;
    struct fk_image_info si;
    uint32_t off = c->g.sec_image_off;
    if (c->cfg->strategy == FK_BOOT_STRATEGY_OVERWRITE) {
        struct fk_image_header h;
        if (fk_image_read_header(c->sec, off, &h) != FK_OK &&
            fk_image_read_header(c->sec, 0, &h) == FK_OK) {
            off = 0; /* MCUboot overwrite-only apps upload at 0 */
        }
    }
    int rc = validate(c, c->sec, off, &si);
    enum fk_boot_reason bad = FK_BOOT_R_SEC_INVALID;
    if (rc == FK_OK && si.end_off > c->g.max_image) {
        rc = FK_EBOOT_TOOBIG;
    }
    struct fk_image_header ph;
    bool pri_hdr = fk_image_read_header(c->pri, 0, &ph) == FK_OK;
    if (rc == FK_OK && c->cfg->downgrade_prevention && pri_hdr && fk_image_ver_cmp(&si.hdr.ver, &ph.ver) < 0) {
        rc = FK_EBOOT_DOWNGRADE;
        bad = FK_BOOT_R_SEC_DOWNGRADE;
    }
    if (rc == FK_OK && counter_enabled(c)) {
        uint32_t stored;
        int crc = counter_get(c, &stored);
        if (crc != FK_OK) {
            /* fail closed, and keep the pending image: it is not at fault */
            rsp->reason = FK_BOOT_R_COUNTER;
            rsp->secondary_err = crc;
            say_type(c, type);
            say(c, " not started: the security counter cannot be read (");
            fk_bsb_err(&c->sb, crc);
            say(c, ")");
            return boot_primary(c);
        }
        if ((si.has_sec_cnt ? si.sec_cnt : 0) < stored) {
            rc = FK_EBOOT_DOWNGRADE;
            bad = FK_BOOT_R_SEC_DOWNGRADE;
        }
    }
    if (rc != FK_OK) {
        rsp->reason = bad;
        rsp->secondary_err = rc;
        say_type(c, type);
        say(c, " refused: secondary image at ");
        fk_bsb_hex(&c->sb, off);
        say_sec_err(c, bad == FK_BOOT_R_SEC_DOWNGRADE ? " is a downgrade (" : " is invalid (", rc);
        struct fk_image_header h0;
        if (off != 0 && bad == FK_BOOT_R_SEC_INVALID && fk_image_read_header(c->sec, off, &h0) != FK_OK &&
            fk_image_read_header(c->sec, 0, &h0) == FK_OK) {
            say(c, "; an image sits at offset 0 but uploads belong one sector in");
        }
        int erc = invalidate_secondary(c, off);
        say(c, erc == FK_OK ? "), erased it" : "), erase failed");
        return boot_primary(c);
    }
    struct fk_swap s;
    swap_init(c, &s);
    if (c->cfg->strategy == FK_BOOT_STRATEGY_OVERWRITE) {
        uint32_t units = si.end_off / c->g.unit + (si.end_off % c->g.unit != 0);
        rc = fk_swap_enc_load(&s, off, false); /* verified above with the same key */
        if (rc == FK_OK) {
            rc = fk_overwrite_run(&s, off, units);
        }
        if (rc != FK_OK) {
            return rc;
        }
        rsp->reason = FK_BOOT_R_OVERWRITTEN;
        rsp->swap_type = FK_SWAP_PERM;
        say(c, "overwrite-only upgrade to ");
        fk_bsb_ver(&c->sb, &si.hdr.ver);
        say(c, ": copied ");
        fk_sb_dec(&c->sb, units);
        say(c, " sectors from the secondary");
        return boot_primary(c);
    }
    uint32_t old_end = 0;
    if (pri_hdr && image_end(c->pri, 0, &old_end) != FK_OK) {
        old_end = 0;
    }
    /* An old image larger than a swap can move is cut to the swap region:
     * a later revert then finds it invalid and refuses (logged). */
    if (old_end > c->g.max_image) {
        old_end = c->g.max_image;
    }
    struct fk_swap_rec rec = {
        .id = next_id(c, have_start, start),
        .swap_size = si.end_off > old_end ? si.end_off : old_end,
        .type = type,
    };
    rec.sched = fk_swap_pick_sched(&s, rec.swap_size);
    (void)tp;
    rc = do_swap(c, &rec, true, false);
    if (rc == FK_ENOSPC || enc_refused(rc)) {
        rsp->reason = FK_BOOT_R_SEC_INVALID;
        rsp->secondary_err = rc;
        say_type(c, type);
        say(c, rc == FK_ENOSPC ? " not started: the secondary trailer has no free begin record slot"
                               : " not started: the running image is encrypted with a key this bootloader cannot recover (it would reach the secondary in clear)");
        return boot_primary(c);
    }
    if (rc != FK_OK) {
        return stuck(c, rc);
    }
    rsp->commit_due = c->cfg->defer_commit;
    rsp->reason = reason_of(type);
    rsp->swap_type = type;
    say_type(c, type);
    say(c, " to ");
    fk_bsb_ver(&c->sb, &si.hdr.ver);
    say(c, ": swapped ");
    fk_sb_dec(&c->sb, rec.swap_size);
    say(c, " bytes (");
    fk_sb_dec(&c->sb, c->rsp->stats.units);
    say(c, type == FK_SWAP_TEST ? " sectors), reverts at next reset unless confirmed"
                                : " sectors), permanent");
    return boot_primary(c);
}

static int revert(struct go *c, bool have_start, const struct fk_swap_rec *start)
{
    struct fk_image_info si;
    int rc = validate(c, c->sec, 0, &si);
    if (rc != FK_OK) {
        c->rsp->reason = FK_BOOT_R_REVERT_IMPOSSIBLE;
        c->rsp->secondary_err = rc;
        say_sec_err(c, "revert due (test image not confirmed) but the previous image in the secondary is invalid (", rc);
        say(c, "), keeping the running one");
        return boot_primary(c);
    }
    uint32_t new_end = 0;
    if (image_end(c->pri, 0, &new_end) != FK_OK || new_end > c->g.max_image) {
        new_end = 0;
    }
    struct fk_swap_rec rec = {
        .id = next_id(c, have_start, start),
        .swap_size = si.end_off > new_end ? si.end_off : new_end,
        .type = FK_SWAP_REVERT,
    };
    struct fk_swap s;
    swap_init(c, &s);
    rec.sched = fk_swap_pick_sched(&s, rec.swap_size);
    rc = do_swap(c, &rec, true, false);
    if (enc_refused(rc)) {
        c->rsp->reason = FK_BOOT_R_REVERT_IMPOSSIBLE;
        c->rsp->secondary_err = rc;
        say_sec_err(c, "revert due but the running image's key cannot be recovered (", rc);
        say(c, "): it would reach the secondary in clear; keeping it");
        return boot_primary(c);
    }
    if (rc != FK_OK) {
        return stuck(c, rc);
    }
    c->rsp->commit_due = c->cfg->defer_commit;
    c->rsp->reason = FK_BOOT_R_REVERTED;
    c->rsp->swap_type = FK_SWAP_REVERT;
    say(c, "revert: test image not confirmed, swapped back to ");
    fk_bsb_ver(&c->sb, &si.hdr.ver);
    return boot_primary(c);
}

static int go(struct go *c)
{
    const struct fk_boot_config *cfg = c->cfg;
    struct fk_boot_rsp *rsp = c->rsp;
    int rc = fk_flash_open(cfg->map, FK_AREA_ID_PRIMARY, &c->pri);
    if (rc != FK_OK) {
        rsp->reason = FK_BOOT_R_NO_IMAGE;
        say(c, "primary slot unusable: ");
        char ex[FK_BOOT_WHY_LEN];
        say(c, fk_flash_explain(cfg->map, FK_AREA_ID_PRIMARY, rc, ex, sizeof ex));
        emit(c);
        return rc;
    }
    const struct fk_flash_area *cnt = NULL;
    if (cfg->counter_read == NULL) {
        /* A map with a counter store turns the check on; a store that cannot
         * be opened (device not ready) or used is an unreadable store, which
         * fails closed, not a reason to skip the check. */
        int orc = fk_flash_open(cfg->map, FK_AREA_ID_COUNTERS, &cnt);
        if (orc == FK_OK && cnt->dev->erase_size != 0 && cnt->size >= 2 * cnt->dev->erase_size) {
            c->cnt = cnt;
        } else if (cnt != NULL) {
            c->cnt_err = orc != FK_OK ? orc : FK_EBOOT_GEOMETRY;
        }
    }
    int grc = fk_boot_geometry(cfg->map, &c->g);
    c->geo_ok = grc == FK_OK;
    int src = fk_flash_open(cfg->map, FK_AREA_ID_SECONDARY, &c->sec);
    if (src == FK_OK && !c->geo_ok) {
        src = FK_EBOOT_GEOMETRY;
    }

    struct fk_trailer tp, ts;
    rc = fk_trailer_read(c->pri, &tp);
    if (rc != FK_OK) {
        return rc; /* power cut or primary unreadable: nothing safe to do */
    }
    struct fk_swap_rec start, begin;
    int err = FK_OK;
    bool have_start = fk_swap_read_start(c->pri, &start, &err);
    if (err != FK_OK) {
        return err;
    }
    bool p_inprog = cfg->strategy == FK_BOOT_STRATEGY_SWAP && have_start &&
                    tp.magic == FK_MAGIC_GOOD && tp.copy_done == FK_FLAG_UNSET;
    bool have_begin = false;
    if (src == FK_OK) {
        src = fk_trailer_read(c->sec, &ts);
    }
    if (src == FK_OK && cfg->strategy == FK_BOOT_STRATEGY_SWAP) {
        have_begin = fk_swap_read_begin(c->sec, &begin, &src);
    }

    /* 1. A swap in progress is finished before anything else. */
    if (p_inprog || have_begin) {
        if (src != FK_OK) {
            int r2 = c->geo_ok ? secondary_retry(c) : src;
            if (r2 != FK_OK) {
                return stuck(c, r2);
            }
            src = fk_trailer_read(c->sec, &ts);
            if (src != FK_OK) {
                return stuck(c, src);
            }
            have_begin = fk_swap_read_begin(c->sec, &begin, NULL);
        }
        struct fk_swap_rec rec;
        bool resume;
        if (p_inprog && (!have_begin || (int32_t)(start.id - begin.id) >= 0)) {
            /* The start record is this swap's: its begin record matches, or
             * was erased (a torn erase may leave an older, lower-id one). A
             * start record older than the begin record is stale (a torn
             * erase of the primary trailer at the start of the newer swap).
             * Data may have moved: continue from the markers (without the
             * canary the secondary must first prove it answers). */
            rec = start;
            resume = true;
        } else if (!p_inprog && have_begin && have_start && begin.id == start.id &&
                   tp.magic == FK_MAGIC_GOOD && tp.copy_done != FK_FLAG_UNSET) {
            /* swap complete: the secondary trailer holds only its canary */
            goto no_swap_in_progress;
        } else {
            /* Begin record without a matching, complete start record:
             * nothing has moved yet; start over from the primary trailer. */
            rec = begin;
            resume = false;
        }
        rsp->resumed = true;
        rc = do_swap(c, &rec, false, resume);
        if (rc != FK_OK) {
            return stuck(c, rc);
        }
        rsp->commit_due = cfg->defer_commit;
        rsp->reason = reason_of(rec.type);
        rsp->swap_type = rec.type;
        say(c, "finished an interrupted ");
        say_type(c, rec.type);
        say(c, " (");
        fk_sb_dec(&c->sb, rsp->stats.units);
        say(c, " sectors)");
        return boot_primary(c);
    }

no_swap_in_progress:
    /* 2. Nothing in progress. */
    if (src != FK_OK) {
        rsp->reason = FK_BOOT_R_SEC_DEAD;
        rsp->secondary_err = src;
        char ex[FK_BOOT_WHY_LEN];
        say(c, "secondary unusable, no swap in progress: ");
        say(c, fk_flash_explain(cfg->map, FK_AREA_ID_SECONDARY, src, ex, sizeof ex));
        return boot_primary(c);
    }
    /* copy_done is fotakit's commit write, made after every move: when our
     * start record is present, a torn copy_done (neither 0x01 nor erased)
     * still means the swap completed. */
    enum fk_boot_flag_state cd = tp.copy_done;
    if (cd == FK_FLAG_BAD && have_start && tp.magic == FK_MAGIC_GOOD &&
        cfg->strategy == FK_BOOT_STRATEGY_SWAP && c->geo_ok) {
        struct fk_swap s;
        bool first = false;
        swap_init(c, &s);
        rc = fk_swap_commit_retry(&s, &start, &first);
        if (rc == FK_OK && first) {
            rsp->commit_due = cfg->defer_commit;
            rsp->reason = reason_of(start.type);
            rsp->swap_type = start.type;
            rsp->resumed = true;
            say(c, "finished an interrupted ");
            say_type(c, start.type);
            say(c, " (its copy_done write was cut)");
            return boot_primary(c);
        }
        cd = FK_FLAG_SET;
    }
    int type = fk_boot_swap_type_decide(tp.magic, ts.magic, tp.image_ok, ts.image_ok, cd);
    if (cfg->strategy == FK_BOOT_STRATEGY_OVERWRITE && type == FK_SWAP_REVERT) {
        type = FK_SWAP_NONE; /* overwrite-only has nothing to revert to */
    }
    switch (type) {
    case FK_SWAP_TEST:
    case FK_SWAP_PERM:
        if (cfg->hold_upgrade) {
            rsp->reason = FK_BOOT_R_HELD;
            say(c, "update held: an image dependency is not met (slots left as they are)");
            return boot_primary(c);
        }
        return upgrade(c, (uint8_t)type, &tp, have_start, &start);
    case FK_SWAP_REVERT:
        if (cfg->hold_revert) {
            /* multi-image: committed by a boot cut before a later image's
             * commit; it has not run yet (boot_multi.h) */
            rsp->reason = FK_BOOT_R_UPGRADED_TEST;
            rsp->resumed = true;
            say(c, "test image not run yet (a later image's commit was cut): booting it, revert waits");
            return boot_primary(c);
        }
        return revert(c, have_start, &start);
    default:
        say(c, "no update pending");
        if (ts.magic == FK_MAGIC_BAD) {
            say(c, " (secondary trailer magic corrupt: ignored, as MCUboot does)");
        }
        return boot_primary(c);
    }
}

int fk_boot_go(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp)
{
    if (rsp == NULL) {
        return FK_EINVAL;
    }
    memset(rsp, 0, sizeof *rsp);
    rsp->swap_type = FK_SWAP_NONE;
    rsp->area_id = FK_AREA_ID_PRIMARY;
    if (cfg == NULL || cfg->map == NULL) {
        rsp->err = FK_EINVAL;
        return FK_EINVAL;
    }
    struct go c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.rsp = rsp;
    fk_sb_init(&c.sb, rsp->why, sizeof rsp->why);
    int rc = go(&c);
    rsp->err = rc;
    return rc;
}

int fk_boot_run(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp)
{
    int rc = fk_boot_go(cfg, rsp);
    if (rc == FK_OK && cfg->jump != NULL) {
        cfg->jump(cfg->ctx, rsp);
    }
    return rc;
}
