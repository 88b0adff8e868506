/*
 * Multi-image boot: the dependency check across images and the per-image
 * boot loop (fotakit/boot_multi.h). Kept apart from boot_go.c, whose only
 * part in it is cfg->hold_upgrade.
 */
#include <string.h>

#include "fotakit/boot_multi.h"
#include "fotakit/le.h"

#define FK_DEPS_MAX 4u /* DEPENDENCY TLVs read per image */

int fk_image_deps_read(const struct fk_flash_area *fa, uint32_t off, struct fk_image_dep *deps,
                       unsigned max, unsigned *count)
{
    *count = 0;
    struct fk_image_header hdr;
    int rc = fk_image_read_header(fa, off, &hdr);
    if (rc != FK_OK) {
        return rc;
    }
    struct fk_image_tlv_iter it;
    rc = fk_image_tlv_begin(&it, fa, off, &hdr);
    if (rc != FK_OK) {
        return rc;
    }
    struct fk_image_tlv t;
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (t.type != FK_TLV_DEPENDENCY || !t.prot) {
            continue; /* an unprotected DEPENDENCY never counts (the verifier refuses it) */
        }
        if (t.len != FK_DEP_TLV_LEN) {
            return FK_EIMG_TLV_LEN;
        }
        uint8_t v[FK_DEP_TLV_LEN];
        rc = fk_flash_read(fa, off + t.off, v, sizeof v);
        if (rc != FK_OK) {
            return rc;
        }
        if (*count < max) {
            struct fk_image_dep *d = &deps[*count];
            d->image_id = v[0];
            d->min.major = v[4];
            d->min.minor = v[5];
            d->min.revision = fk_le16(v + 6);
            d->min.build = fk_le32(v + 8);
        }
        (*count)++;
    }
    return rc < 0 ? rc : FK_OK;
}

/* Where image i's after-boot image is: the secondary's (offset as the swap
 * finds it) when a swap into the primary is due, else the primary's. */
struct after {
    const struct fk_flash_area *fa;
    uint32_t off;
    bool secondary;
    bool valid; /* a header was read */
    struct fk_image_version ver;
};

static int after_image(const struct fk_flash_map *map, struct after *a, bool *upgrade)
{
    memset(a, 0, sizeof *a);
    *upgrade = false;
    int type = fk_boot_swap_type(map);
    if (type < 0) {
        return type;
    }
    *upgrade = type == FK_SWAP_TEST || type == FK_SWAP_PERM;
    uint8_t id = FK_AREA_ID_PRIMARY;
    if (*upgrade || type == FK_SWAP_REVERT) {
        id = FK_AREA_ID_SECONDARY;
        if (fk_boot_secondary_find(map, &a->off) != FK_OK) {
            /* nothing to swap in: fk_boot_go finds it invalid; judge the primary */
            id = FK_AREA_ID_PRIMARY;
            a->off = 0;
            *upgrade = false;
        }
    }
    a->secondary = id == FK_AREA_ID_SECONDARY;
    if (fk_flash_open(map, id, &a->fa) != FK_OK) {
        return FK_OK; /* no image there: nothing it could depend on or need */
    }
    struct fk_image_header h;
    if (fk_image_read_header(a->fa, a->off, &h) == FK_OK) {
        a->valid = true;
        a->ver = h.ver;
    }
    return FK_OK;
}

int fk_boot_deps_check(const struct fk_flash_map *const *maps, unsigned n, unsigned *pending,
                       struct fk_boot_dep_fail *fail)
{
    struct after a[FK_IMAGE_MAX];
    unsigned pend = 0;
    if (pending != NULL) {
        *pending = 0;
    }
    if (maps == NULL || n == 0 || n > FK_IMAGE_MAX || fail == NULL) {
        return FK_EINVAL;
    }
    memset(fail, 0, sizeof *fail);
    for (unsigned i = 0; i < n; i++) {
        bool up;
        int rc = after_image(maps[i], &a[i], &up);
        if (rc != FK_OK) {
            return rc;
        }
        pend |= (up ? 1u : 0u) << i;
    }
    if (pending != NULL) {
        *pending = pend;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!a[i].valid) {
            continue;
        }
        /* FK_DEPS_MAX per image (two images need at most one each; more
         * are refused rather than skipped) */
        struct fk_image_dep d[FK_DEPS_MAX];
        unsigned count;
        int rc = fk_image_deps_read(a[i].fa, a[i].off, d, FK_DEPS_MAX, &count);
        if (rc == FK_OK && count > FK_DEPS_MAX) {
            rc = FK_ERANGE;
        }
        for (unsigned k = 0; rc == FK_OK && k < count; k++) {
            bool have = d[k].image_id < n && a[d[k].image_id].valid;
            if (!have || fk_image_ver_cmp(&a[d[k].image_id].ver, &d[k].min) < 0) {
                fail->image = (uint8_t)i;
                fail->from_secondary = a[i].secondary;
                fail->dep = d[k];
                fail->have = have;
                if (have) {
                    fail->got = a[d[k].image_id].ver;
                }
                return FK_EBOOT_DEPENDENCY;
            }
        }
        if (rc != FK_OK) {
            fail->image = (uint8_t)i;
            fail->from_secondary = a[i].secondary;
            fail->err = rc;
            return FK_EBOOT_DEPENDENCY;
        }
    }
    return FK_OK;
}

int fk_boot_go_multi(const struct fk_boot_config *const *cfg, unsigned n, struct fk_boot_rsp *rsp,
                     struct fk_boot_dep_fail *fail, bool *held)
{
    struct fk_boot_dep_fail f;
    const struct fk_flash_map *maps[FK_IMAGE_MAX];
    if (held != NULL) {
        *held = false;
    }
    if (cfg == NULL || rsp == NULL || n == 0 || n > FK_IMAGE_MAX) {
        return FK_EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (cfg[i] == NULL || cfg[i]->map == NULL) {
            return FK_EINVAL;
        }
        maps[i] = cfg[i]->map;
    }
    /* Pass 0 boots every image; when it held upgrades and some image
     * finished a swap a power cut had interrupted, the check is made again
     * on the finished state (pass 1) and the held images boot again: a
     * half-swapped image is judged by neither of its halves. */
    /* Commits are deferred to the end and written in image order (n > 1):
     * the application has not run until all are written. A cut among them
     * leaves images 0..c-1 committed and a later one unfinished; the
     * committed ones have not run, so their revert is held while any later
     * image is unfinished. (An image that did run and is due a revert at
     * the start of a boot is reverted in that boot, before any later
     * image's swap, so it cannot be found due beside a later unfinished
     * one.) */
    unsigned unfinished = 0;
    for (unsigned i = 0; n > 1 && i < n; i++) {
        unfinished |= (fk_boot_swap_unfinished(cfg[i]) ? 1u : 0u) << i;
    }
    int rc0 = FK_OK;
    bool hold = false;
    for (int pass = 0; pass < 2; pass++) {
        unsigned pending = 0;
        int drc = fk_boot_deps_check(maps, n, &pending, &f);
        /* Hold only when something would be upgraded; a trailer that cannot
         * be read is left to fk_boot_go, which explains it per image. */
        hold = drc == FK_EBOOT_DEPENDENCY && pending != 0;
        bool resumed = false;
        for (unsigned i = 0; i < n; i++) {
            if (pass == 1 && rsp[i].reason != FK_BOOT_R_HELD) {
                continue;
            }
            struct fk_boot_config c = *cfg[i];
            c.hold_upgrade = c.hold_upgrade || hold;
            c.defer_commit = n > 1;
            c.hold_revert = (unfinished >> (i + 1)) != 0;
            int rc = fk_boot_go(&c, &rsp[i]);
            resumed = resumed || rsp[i].resumed;
            if (i == 0) {
                rc0 = rc;
            }
        }
        if (pass == 1 || !hold || !resumed) {
            break;
        }
    }
    /* Every swap of this boot is done: commit them, in image order. A
     * commit that fails stops the boot (the run could not be recorded). */
    int crc = FK_OK;
    for (unsigned i = 0; i < n; i++) {
        int rc = rsp[i].commit_due ? fk_boot_commit(cfg[i]) : FK_OK;
        if (rc != FK_OK) {
            rsp[i].err = rc;
            crc = crc != FK_OK ? crc : rc;
        }
    }
    if (crc != FK_OK && rc0 == FK_OK) {
        rc0 = crc;
    }
    if (fail != NULL) {
        *fail = f;
    }
    if (held != NULL) {
        *held = hold;
    }
    return rc0;
}
