/*
 * The image group's view of the bootloader it runs under (cfg.bootloader, a
 * row of fotakit/mcuboot_mode.h): which slot runs, where uploads go and how
 * large they may be, where each slot's image header is, what `image list`
 * reports and which trailer fields test / confirm write.
 *
 * `image list` follows Zephyr's img_mgmt (subsys/mgmt/mcumgr/grp/img_mgmt/
 * src/img_mgmt_state.c): img_mgmt_state_read() asks
 * img_mgmt_get_next_boot_slot() for (next boot slot, type) and derives the
 * flags from that pair; the pair comes from MCUboot's swap type in the swap
 * and overwrite modes, from the image versions in direct-xip, and from the
 * versions plus both slots' trailers in direct-xip with revert.
 */
#include <string.h>

#include "smp_priv.h"

const struct fk_bl_mode *fk_smp_bl(const struct fk_smp_server *s)
{
    const struct fk_bl_mode *m = fk_bl_mode(s->img ? s->cfg->bootloader_1 : s->cfg->bootloader);
    return m != NULL ? m : fk_bl_mode(FK_BL_FOTAKIT);
}

const struct fk_flash_map *fk_smp_map(const struct fk_smp_server *s)
{
    return s->img ? &s->img1_map : s->cfg->map;
}

unsigned fk_smp_images(const struct fk_smp_server *s)
{
    unsigned n = s->cfg->image_count;
    return n < 1 ? 1u : n > FK_IMAGE_COUNT ? (unsigned)FK_IMAGE_COUNT : n;
}

int fk_smp_active_slot(const struct fk_smp_server *s)
{
    return s->img == 0 && fk_smp_bl(s)->kind == FK_BL_KIND_EQUAL && s->cfg->active_slot == 1
               ? 1
               : 0;
}

bool fk_smp_recovery(const struct fk_smp_server *s)
{
    return (s->cfg->flags & FK_SMP_F_RECOVERY) != 0;
}

int fk_smp_upload_slot(const struct fk_smp_server *s)
{
    /* serial recovery writes the primary directly, as MCUboot's does */
    return fk_smp_recovery(s) ? 0 : 1 - fk_smp_active_slot(s);
}

uint8_t fk_smp_slot_area(int slot)
{
    return slot == 0 ? FK_AREA_ID_PRIMARY : FK_AREA_ID_SECONDARY;
}

int fk_smp_space(const struct fk_smp_server *s, struct fk_bl_space *sp, char *why, size_t n)
{
    return fk_bl_space(fk_smp_bl(s)->id, fk_smp_map(s), s->cfg->max_img_sectors, sp, why, n);
}

uint32_t fk_smp_slot_image_off(struct fk_smp_server *s, int slot)
{
    const struct fk_bl_mode *m = fk_smp_bl(s);
    /* the slot the application uploads to (in recovery too: slot 0 is then
     * written at 0, slot 1 still holds what the application put there) */
    if (slot == fk_smp_active_slot(s) || m->upload_sectors == 0) {
        return 0;
    }
    if (m->flags & FK_BL_F_FOTAKIT) {
        /* fotakit: an upload one sector in, the previous image at 0 after a
         * swap (fk_boot_secondary_find) */
        uint32_t off;
        return fk_boot_secondary_find(fk_smp_map(s), &off) == FK_OK
                   ? off
                   : fk_boot_secondary_image_off(fk_smp_map(s));
    }
    /* swap-offset: Zephyr's boot_get_image_start_offset() reads the
     * secondary one sector in, except while a revert is due (the previous
     * image then sits at 0: design.md "Swap using offset") */
    if (fk_bl_swap_type(m->id, fk_smp_map(s)) == FK_SWAP_REVERT) {
        return 0;
    }
    struct fk_bl_space sp;
    return fk_smp_space(s, &sp, NULL, 0) == FK_OK ? sp.upload_off : 0;
}

/* ---- next boot (Zephyr's img_mgmt_get_next_boot_slot) -------------------- */

enum { NB_NORMAL = 0, NB_TEST = 1, NB_REVERT = 2 };

/* Direct-xip revert slot states (Zephyr's read_directxip_state). */
enum { DX_UNSET = 0, DX_ONCE = 1, DX_REVERT = 2, DX_FOREVER = 3 };

static int dx_state(struct fk_smp_server *s, int slot)
{
    struct fk_boot_slot_state st;
    if (fk_boot_read_slot_state(fk_smp_map(s), fk_smp_slot_area(slot), &st) != FK_OK) {
        return -1;
    }
    if (!st.magic_good) {
        return DX_UNSET;
    }
    return st.image_ok == FK_BOOT_FLAG_SET ? DX_FOREVER
           : st.copy_done == FK_BOOT_FLAG_SET ? DX_REVERT
                                              : DX_ONCE;
}

static int next_boot(struct fk_smp_server *s, int *type)
{
    const struct fk_bl_mode *m = fk_smp_bl(s);
    int act = fk_smp_active_slot(s), other = 1 - act;
    *type = NB_NORMAL;
    if (m->kind != FK_BL_KIND_EQUAL) {
        switch (fk_bl_swap_type(m->id, fk_smp_map(s))) {
        case FK_SWAP_TEST:
            *type = NB_TEST;
            return other;
        case FK_SWAP_PERM:
            return other;
        case FK_SWAP_REVERT:
            *type = NB_REVERT;
            return other;
        default: /* NONE, or an unreadable trailer */
            return act;
        }
    }
    struct fk_smp_slot_info a, o;
    fk_smp_read_slot(s, act, &a);
    fk_smp_read_slot(s, other, &o);
    bool newer = a.valid && o.valid && fk_image_ver_cmp(&a.info.hdr.ver, &o.info.hdr.ver) < 0;
    if (!(m->flags & FK_BL_F_REVERT)) {
        /* design.md "Equal slots (direct-xip)": the newest version boots */
        return newer ? other : act;
    }
    int sa = dx_state(s, act), so = dx_state(s, other);
    if (!a.valid || !o.valid || sa < 0 || so < 0) {
        return act; /* no other image, or states unreadable: the running one boots */
    }
    if (sa == DX_REVERT) {
        *type = NB_REVERT; /* running a test image not confirmed */
        return other;
    }
    if (so == DX_UNSET) {
        if (sa == DX_ONCE) {
            *type = NB_TEST;
        }
        return act;
    }
    if (newer && so == DX_FOREVER) {
        return other;
    }
    if (newer && so == DX_ONCE) {
        *type = NB_TEST;
        return other;
    }
    return act;
}

unsigned fk_smp_slot_flags(struct fk_smp_server *s, int slot)
{
    int type;
    int next = next_boot(s, &type);
    int act = fk_smp_active_slot(s);
    /* img_mgmt_state_read(): the running slot is active, and confirmed
     * unless a revert is due; the other slot is pending (test), pending +
     * permanent (normal boot into it) or confirmed (the revert target) */
    if (slot == act) {
        /* in recovery nothing runs: no slot is active */
        return (fk_smp_recovery(s) ? 0 : FK_SMP_F_ACTIVE) |
               (type != NB_REVERT ? FK_SMP_F_CONFIRMED : 0);
    }
    if (next == act) {
        return 0;
    }
    return type == NB_NORMAL ? FK_SMP_F_PENDING | FK_SMP_F_PERMANENT
           : type == NB_REVERT ? FK_SMP_F_CONFIRMED
                               : FK_SMP_F_PENDING;
}

unsigned fk_smp_slot_in_use(struct fk_smp_server *s, int slot)
{
    /* Zephyr's img_mgmt_slot_in_use(): in direct-xip / RAM load without
     * revert only the running slot is; otherwise also a slot pending for
     * the next boot or holding what a revert restores */
    const struct fk_bl_mode *m = fk_smp_bl(s);
    if (fk_smp_recovery(s) && slot == fk_smp_upload_slot(s)) {
        return 0; /* recovery replaces the primary whatever it holds */
    }
    if (slot == fk_smp_active_slot(s)) {
        return FK_SMP_F_ACTIVE;
    }
    if (m->kind == FK_BL_KIND_EQUAL && !(m->flags & FK_BL_F_REVERT)) {
        return 0;
    }
    return fk_smp_slot_flags(s, slot) & (FK_SMP_F_PENDING | FK_SMP_F_CONFIRMED);
}

int fk_smp_mark(struct fk_smp_server *s, int slot, enum fk_bl_op op)
{
    const struct fk_bl_mode *m = fk_smp_bl(s);
    const struct fk_bl_step *st = fk_bl_step(m->id, op);
    int act = fk_smp_active_slot(s);
    int target = st->target == FK_BL_T_ACTIVE ? act
                 : st->target == FK_BL_T_OTHER ? 1 - act
                 : st->target == FK_BL_T_SECONDARY ? 1
                                                   : slot;
    return fk_bl_mark(m->id, fk_smp_map(s), op, fk_smp_slot_area(target));
}
