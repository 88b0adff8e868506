/*
 * A model of a stock MCUboot in one of its upgrade modes, so the virtual
 * device can run the application side (fotakit's SMP server) under it
 * (`fotakit device run --bootloader mcuboot:<mode>`). Host only; it is NOT
 * MCUboot: no power-fail safety, no swap-status records, whole regions
 * exchanged at once. What it models is what the application side depends
 * on: where MCUboot reads the new image, how it reads the trailers, which
 * slot it boots and what the trailers say afterwards. Each rule names the
 * section of MCUboot's design document (docs/design.md) it follows, or the
 * MCUboot source file where the document is silent. Trailer arithmetic and
 * the swap-type decision are the one table's (fotakit/mcuboot_mode.h).
 */
#include "device_priv.h"

#include "fotakit/boot.h"
#include "fotakit/mcuboot_mode.h"

#include <stdlib.h>
#include <string.h>

struct model {
    int reason; /* enum fk_boot_reason: what the model did */
    struct fk_device *d;
    const struct fk_bl_mode *m;
    const struct fk_flash_area *pa, *sa;
    struct fk_bl_space sp;
};

static const struct fk_flash_area *slot_fa(const struct model *x, int slot)
{
    return slot == 0 ? x->pa : x->sa;
}

/* Integrity and signature, with the device's trusted keys (design.md
 * "Integrity check"). */
static bool valid(const struct model *x, int slot, uint32_t off, struct fk_image_info *info)
{
    memset(info, 0, sizeof *info);
    return fk_image_verify(slot_fa(x, slot), off, &x->d->ring, info) == FK_OK;
}

static bool has_header(const struct model *x, int slot, uint32_t off, struct fk_image_header *h)
{
    return fk_image_read_header(slot_fa(x, slot), off, h) == FK_OK;
}

static int erase_all(const struct fk_flash_area *fa)
{
    return fk_flash_erase(fa, 0, fa->size);
}

/* The trailer region of a slot: everything from the first sector the
 * trailer touches to the end. */
static uint32_t trailer_start(const struct model *x, const struct fk_flash_area *fa)
{
    uint32_t t = fk_bl_trailer_size(x->m->id, x->sp.align, x->sp.max_sectors);
    uint32_t es = fa->dev->erase_size;
    return t >= fa->size ? 0 : (fa->size - t) / es * es;
}

static int write_flag(const struct fk_flash_area *fa, uint32_t off, uint8_t v)
{
    uint8_t buf[8];
    uint32_t a = fk_flash_align(fa);
    memset(buf, fk_flash_erased_val(fa), sizeof buf);
    buf[0] = v;
    return fk_flash_write(fa, off, buf, a);
}

/* Primary trailer after a swap (design.md "Image swapping", step 3: test:
 * magic + copy_done; permanent: + image_ok; revert: copy_done + image_ok),
 * the secondary's trailer erased so the user can write it again. */
static int finish_trailers(const struct model *x, int type)
{
    uint32_t S = x->pa->size;
    int rc = fk_flash_erase(x->pa, trailer_start(x, x->pa), S - trailer_start(x, x->pa));
    if (!rc) {
        rc = fk_flash_erase(x->sa, trailer_start(x, x->sa), x->sa->size - trailer_start(x, x->sa));
    }
    if (!rc) {
        rc = fk_flash_write(x->pa, fk_bl_field_off(x->m->id, S, 1, 0, FK_BL_FIELD_MAGIC),
                            fk_boot_magic, FK_BOOT_MAGIC_LEN);
    }
    if (!rc) {
        rc = write_flag(x->pa, fk_bl_field_off(x->m->id, S, 1, 0, FK_BL_FIELD_COPY_DONE), 1);
    }
    if (!rc && type != FK_SWAP_TEST) {
        rc = write_flag(x->pa, fk_bl_field_off(x->m->id, S, 1, 0, FK_BL_FIELD_IMAGE_OK), 1);
    }
    return rc ? rc : fk_flash_sync(x->pa);
}

/* Exchange the image regions: the primary's [0, n) and the secondary's
 * [from, from + n); the primary's old content lands at `to` in the
 * secondary. Swap using scratch / move / offset all end with the new image
 * at the primary's start and the old one in the secondary (design.md
 * "Swap using scratch", "Swap using move", "Swap using offset": the N-th
 * primary sector goes to the N-th secondary sector; the offset revert goes
 * the other way, one sector up). */
static int exchange(const struct model *x, uint32_t from, uint32_t to, uint32_t n)
{
    uint8_t *a = malloc(n), *b = malloc(n);
    int rc = a && b ? FK_OK : FK_ENOMEM;
    if (!rc) {
        rc = fk_flash_read(x->pa, 0, a, n);
    }
    if (!rc) {
        rc = fk_flash_read(x->sa, from, b, n);
    }
    if (!rc) {
        rc = fk_flash_erase(x->pa, 0, n);
    }
    if (!rc) {
        rc = fk_flash_write(x->pa, 0, b, n);
    }
    if (!rc) {
        rc = erase_all(x->sa);
    }
    if (!rc) {
        rc = fk_flash_write(x->sa, to, a, n);
    }
    free(a);
    free(b);
    return rc;
}

/* Bytes a swap moves: the swap size, "the total size that needs to be
 * swapped (based on the slot with largest image + TLVs)" (design.md "Image
 * trailer", field 3), rounded up to whole sectors and kept below both
 * trailers. The secondary's image is at sec_img; `shift` is how far into
 * the secondary the exchanged region starts there (one sector for
 * swap-offset, either way). */
static uint32_t swap_len(const struct model *x, uint32_t sec_img, uint32_t shift)
{
    uint32_t tp = trailer_start(x, x->pa), ts = trailer_start(x, x->sa);
    uint32_t room = tp < ts - shift ? tp : ts - shift;
    struct fk_image_info a, b;
    uint32_t big = 0;
    if (fk_image_inspect(x->pa, 0, &a) == FK_OK) {
        big = a.end_off;
    }
    if (fk_image_inspect(x->sa, sec_img, &b) == FK_OK && b.end_off > big) {
        big = b.end_off;
    }
    uint32_t es = x->sp.sector;
    big = (big + es - 1) / es * es;
    return big && big < room ? big : room;
}

static void say(struct fk_device *d, char *why, size_t n, const char *s)
{
    snprintf(why, n, "%s", s);
    fk_dev_log(d, "mcuboot model: %s", s);
}

/* Swap and overwrite modes: design.md "High-level operation". */
static int boot_swapping(struct model *x, char *why, size_t wn, int *slot_out, uint32_t *off_out)
{
    struct fk_image_info info;
    int type = fk_bl_swap_type(x->m->id, &x->d->map);
    if (type < 0) {
        type = FK_SWAP_NONE;
    }
    uint32_t up = x->sp.upload_off;
    if (type == FK_SWAP_TEST || type == FK_SWAP_PERM) {
        /* step 2.1: is the requested image valid? No: erase it and mark
         * the primary OK (design.md "Image trailers", note after State V) */
        if (!valid(x, 1, up, &info)) {
            int rc = erase_all(x->sa);
            if (!rc) {
                rc = write_flag(x->pa, fk_bl_field_off(x->m->id, x->pa->size, 1, 0,
                                                       FK_BL_FIELD_IMAGE_OK), 1);
            }
            x->reason = FK_BOOT_R_SEC_INVALID;
            say(x->d, why, wn, "requested image in the secondary is not valid: erased it; "
                               "booting the primary (design.md: Image trailers, State V note)");
            (void)rc;
        } else if (x->m->kind == FK_BL_KIND_OVERWRITE) {
            /* overwrite-only (design.md "Image slots": overwrite the
             * primary); MCUboot copies the whole secondary, trailer
             * included, then erases the secondary (loader.c boot_copy_image) */
            uint32_t n = x->pa->size < x->sa->size ? x->pa->size : x->sa->size;
            uint8_t *b = malloc(n);
            int rc = b ? fk_flash_read(x->sa, 0, b, n) : FK_ENOMEM;
            if (!rc) {
                rc = erase_all(x->pa);
            }
            if (!rc) {
                rc = fk_flash_write(x->pa, 0, b, n);
            }
            if (!rc) {
                rc = erase_all(x->sa);
            }
            free(b);
            if (rc) {
                say(x->d, why, wn, "overwrite failed");
                return rc;
            }
            x->reason = FK_BOOT_R_OVERWRITTEN;
            say(x->d, why, wn, type == FK_SWAP_TEST
                                   ? "overwrote the primary with the secondary image (a test "
                                     "request is permanent in overwrite-only)"
                                   : "overwrote the primary with the secondary image");
        } else {
            int rc = exchange(x, up, 0, swap_len(x, up, up));
            if (!rc) {
                rc = finish_trailers(x, type);
            }
            if (rc) {
                say(x->d, why, wn, "swap failed");
                return rc;
            }
            x->reason = type == FK_SWAP_TEST ? FK_BOOT_R_UPGRADED_TEST : FK_BOOT_R_UPGRADED_PERM;
            say(x->d, why, wn, type == FK_SWAP_TEST
                                   ? "test swap: the secondary image now runs from the primary; "
                                     "reverted at the next reset unless confirmed (design.md: "
                                     "Image swapping)"
                                   : "permanent swap (design.md: Image swapping)");
        }
    } else if (type == FK_SWAP_REVERT && x->m->kind == FK_BL_KIND_SWAP) {
        /* State IV (or State I in swap-offset): swap back (design.md "Boot
         * swap types": BOOT_SWAP_TYPE_REVERT); the previous image sits at
         * the secondary's start */
        uint32_t to = up;
        int rc = exchange(x, 0, to, swap_len(x, 0, to));
        if (!rc) {
            rc = finish_trailers(x, FK_SWAP_REVERT);
        }
        if (rc) {
            say(x->d, why, wn, "revert failed");
            return rc;
        }
        x->reason = FK_BOOT_R_REVERTED;
        say(x->d, why, wn, "revert: the unconfirmed test image went back to the secondary "
                           "(design.md: Boot swap types)");
    } else {
        say(x->d, why, wn, "no swap requested (design.md: Image trailers, State V)");
    }
    *slot_out = 0;
    *off_out = 0;
    return valid(x, 0, 0, &info) ? FK_OK : FK_EBOOT_NOIMAGE;
}

/* direct-xip / RAM load: design.md "Equal slots (direct-xip)", "RAM
 * loading" and "Revert mechanism in direct-xip and ram-load mode". */
static int boot_equal(struct model *x, char *why, size_t wn, int *slot_out, uint32_t *off_out)
{
    bool revert = (x->m->flags & FK_BL_F_REVERT) != 0;
    for (int tries = 0; tries < 3; tries++) {
        /* 1. the slot with the newest version (a tie keeps the primary) */
        struct fk_image_header h0, h1;
        bool g0 = has_header(x, 0, 0, &h0), g1 = has_header(x, 1, 0, &h1);
        if (!g0 && !g1) {
            say(x->d, why, wn, "no image in either slot");
            return FK_EBOOT_NOIMAGE;
        }
        int slot = !g0 ? 1 : !g1 ? 0 : fk_image_ver_cmp(&h1.ver, &h0.ver) > 0 ? 1 : 0;
        const struct fk_flash_area *fa = slot_fa(x, slot);
        if (revert) {
            /* 2. selected before and not confirmed, or no magic: erase it */
            struct fk_boot_slot_state st;
            int rc = fk_boot_read_slot_state(&x->d->map, fa->id, &st);
            if (rc) {
                return rc;
            }
            if (!st.magic_good || (st.copy_done == FK_BOOT_FLAG_SET && st.image_ok != FK_BOOT_FLAG_SET)) {
                fk_dev_log(x->d, "mcuboot model: slot %d %s: erased (design.md: Revert mechanism "
                                 "in direct-xip and ram-load mode)",
                           slot, st.magic_good ? "ran once and was not confirmed" : "has no trailer magic");
                erase_all(fa);
                continue;
            }
            if (st.copy_done != FK_BOOT_FLAG_SET) {
                /* not selected before: mark it selected (copy_done) */
                write_flag(fa, fk_bl_field_off(x->m->id, fa->size, 1, 0, FK_BL_FIELD_COPY_DONE), 1);
                fk_flash_sync(fa);
            }
        }
        /* 3. validate; an invalid image is erased and the other tried */
        struct fk_image_info info;
        if (!valid(x, slot, 0, &info)) {
            fk_dev_log(x->d, "mcuboot model: slot %d fails validation: erased", slot);
            erase_all(fa);
            continue;
        }
        char s[200];
        snprintf(s, sizeof s, "%s: booting slot %d, v%u.%u.%u (the newest valid image; %s)",
                 x->m->title, slot, info.hdr.ver.major, info.hdr.ver.minor, info.hdr.ver.revision,
                 x->m->section);
        say(x->d, why, wn, s);
        *slot_out = slot;
        *off_out = 0;
        return FK_OK;
    }
    say(x->d, why, wn, "nothing bootable left");
    return FK_EBOOT_NOIMAGE;
}

int fk_dev_mcuboot_boot(struct fk_device *d, enum fk_bl mode, int *slot, uint32_t *off,
                        int *reason, char *why, size_t wn)
{
    struct model x = {.reason = FK_BOOT_R_NONE, .d = d, .m = fk_bl_mode(mode)};
    char w[256];
    int rc = fk_flash_open(&d->map, FK_AREA_ID_PRIMARY, &x.pa);
    if (!rc) {
        rc = fk_flash_open(&d->map, FK_AREA_ID_SECONDARY, &x.sa);
    }
    if (!rc) {
        rc = fk_bl_space(mode, &d->map, d->cfg.max_img_sectors, &x.sp, w, sizeof w);
        if (rc) {
            say(d, why, wn, w);
        }
    }
    if (rc) {
        return rc;
    }
    rc = x.m->kind == FK_BL_KIND_EQUAL ? boot_equal(&x, why, wn, slot, off)
                                       : boot_swapping(&x, why, wn, slot, off);
    *reason = rc == FK_OK ? x.reason : FK_BOOT_R_NO_IMAGE;
    return rc;
}
