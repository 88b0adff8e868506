/*
 * The one table of bootloader modes (fotakit/mcuboot_mode.h). Device code.
 *
 * Each rule names its source: "design.md: <section>" is MCUboot's design
 * document (docs/design.md); where that document is silent the MCUboot or
 * Zephyr file the fact was read from is named instead. Nothing is copied.
 */
#include <string.h>

#include "boot_priv.h"
#include "fotakit/mcuboot_mode.h"

/* design.md "Image trailer": every field below the magic takes one
 * BOOT_MAX_ALIGN (8) unit; the magic takes 16. */
#define MAGIC_ALIGN 16u

#define W(...) {__VA_ARGS__}
/* Stock swap / overwrite modes: MCUboot's boot_set_next() (bootutil_public.c),
 * non-direct-xip variant: magic, then image_ok if permanent, then swap_info;
 * confirm = image_ok in the running (primary) slot. design.md "Image
 * trailers" States II/III read exactly these fields. */
#define STOCK_TEST {FK_BL_T_SECONDARY, W(FK_BLW_MAGIC, FK_BLW_SWAP_INFO_TEST)}
#define STOCK_PERM {FK_BL_T_SECONDARY, W(FK_BLW_MAGIC, FK_BLW_IMAGE_OK, FK_BLW_SWAP_INFO_PERM)}
#define STOCK_CONFIRM {FK_BL_T_ACTIVE, W(FK_BLW_IMAGE_OK)}
/* fotakit's own: fk_boot_set_pending() writes image_ok, swap_info, magic
 * last (a cut never turns a permanent request into a test: docs/boot.md). */
#define OWN_TEST {FK_BL_T_SECONDARY, W(FK_BLW_SWAP_INFO_TEST, FK_BLW_MAGIC)}
#define OWN_PERM {FK_BL_T_SECONDARY, W(FK_BLW_IMAGE_OK, FK_BLW_SWAP_INFO_PERM, FK_BLW_MAGIC)}
/* direct-xip / RAM load without revert: design.md "Equal slots
 * (direct-xip)" / "RAM loading": the newest version boots; no trailer is
 * read, so nothing is written. */
#define NOTHING {FK_BL_T_NONE, W(FK_BLW_END)}

static const struct fk_bl_mode table[FK_BL_COUNT] = {
    [FK_BL_FOTAKIT] = {
        .id = FK_BL_FOTAKIT, .name = "fotakit", .title = "fotakit swap (swap-offset slot use)",
        .kind = FK_BL_KIND_SWAP, .flags = FK_BL_F_FOTAKIT | FK_BL_F_REVERT,
        .mcuboot_mode = FK_MCUBOOT_MODE_SWAP_USING_OFFSET, .status_states = 0, .info_fields = 4,
        .upload_sectors = 1, .spare = 2,
        .section = "docs/boot.md (MCUboot design.md: Swap using offset)",
        .space_rule = "min(primary - trailer units, secondary - 1 spare unit - trailer units) "
                      "(fk_boot_geometry, docs/boot.md)",
        .test = OWN_TEST, .perm = OWN_PERM, .confirm = STOCK_CONFIRM,
    },
    [FK_BL_FOTAKIT_OVERWRITE] = {
        .id = FK_BL_FOTAKIT_OVERWRITE, .name = "fotakit-overwrite",
        .title = "fotakit overwrite-only", .kind = FK_BL_KIND_OVERWRITE,
        .flags = FK_BL_F_FOTAKIT, .mcuboot_mode = FK_MCUBOOT_MODE_UPGRADE_ONLY,
        .status_states = 0, .info_fields = 4, .upload_sectors = 1, .spare = 2,
        .section = "docs/boot.md", .space_rule = "as fotakit swap (fk_boot_geometry)",
        .test = OWN_TEST, .perm = OWN_PERM, .confirm = STOCK_CONFIRM,
    },
    [FK_BL_MCUBOOT_OVERWRITE_ONLY] = {
        .id = FK_BL_MCUBOOT_OVERWRITE_ONLY, .name = "overwrite-only", .title = "overwrite-only",
        .kind = FK_BL_KIND_OVERWRITE, .flags = 0, .mcuboot_mode = FK_MCUBOOT_MODE_UPGRADE_ONLY,
        .status_states = 3, .info_fields = 4, .upload_sectors = 0, .spare = 0,
        .boot_kconfig = "CONFIG_BOOT_UPGRADE_ONLY",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_OVERWRITE_ONLY",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_OVERWRITE_ONLY",
        .section = "design.md: Image slots",
        .space_rule = "the smaller slot up to its swap_info field: size - 40 "
                      "(bootutil_misc.c bootutil_max_image_size)",
        .test = STOCK_TEST, .perm = STOCK_PERM, .confirm = STOCK_CONFIRM,
    },
    [FK_BL_MCUBOOT_SWAP_SCRATCH] = {
        .id = FK_BL_MCUBOOT_SWAP_SCRATCH, .name = "swap-scratch", .title = "swap using scratch",
        .kind = FK_BL_KIND_SWAP, .flags = FK_BL_F_REVERT | FK_BL_F_SCRATCH,
        .mcuboot_mode = FK_MCUBOOT_MODE_SWAP_USING_SCRATCH, .status_states = 3,
        .info_fields = 4, .upload_sectors = 0, .spare = 0,
        .boot_kconfig = "CONFIG_BOOT_SWAP_USING_SCRATCH",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_SCRATCH",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_SWAP_SCRATCH",
        .section = "design.md: Swap using scratch",
        .space_rule = "slot size - trailer size (design.md: Swap using scratch), minus the "
                      "padding that lets the scratch trailer fit beside the last sector's "
                      "image data (swap_scratch.c app_max_size_adjust_to_trailer)",
        .test = STOCK_TEST, .perm = STOCK_PERM, .confirm = STOCK_CONFIRM,
    },
    [FK_BL_MCUBOOT_SWAP_MOVE] = {
        .id = FK_BL_MCUBOOT_SWAP_MOVE, .name = "swap-move", .title = "swap using move",
        .kind = FK_BL_KIND_SWAP, .flags = FK_BL_F_REVERT | FK_BL_F_SAME_SECTORS,
        .mcuboot_mode = FK_MCUBOOT_MODE_SWAP_USING_MOVE, .status_states = 3, .info_fields = 4,
        .upload_sectors = 0, .spare = 1,
        .boot_kconfig = "CONFIG_BOOT_SWAP_USING_MOVE",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_USING_MOVE",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_SWAP_USING_MOVE",
        .section = "design.md: Swap using move (without using scratch)",
        .space_rule = "(N-1) * sector - trailer rounded up to sectors, N = primary sectors; "
                      "and the secondary minus its trailer sectors "
                      "(design.md: Swap using move)",
        .test = STOCK_TEST, .perm = STOCK_PERM, .confirm = STOCK_CONFIRM,
    },
    [FK_BL_MCUBOOT_SWAP_OFFSET] = {
        .id = FK_BL_MCUBOOT_SWAP_OFFSET, .name = "swap-offset", .title = "swap using offset",
        .kind = FK_BL_KIND_SWAP,
        .flags = FK_BL_F_REVERT | FK_BL_F_STATE_I | FK_BL_F_SAME_SECTORS,
        .mcuboot_mode = FK_MCUBOOT_MODE_SWAP_USING_OFFSET, .status_states = 2,
        .info_fields = 5, .upload_sectors = 1, .spare = 2,
        .boot_kconfig = "CONFIG_BOOT_SWAP_USING_OFFSET",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_USING_OFFSET",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_SWAP_USING_OFFSET",
        .section = "design.md: Swap using offset (without using scratch)",
        .space_rule = "N * sector - trailer rounded up to sectors, N = primary sectors; and "
                      "the secondary minus its first sector and its trailer sectors "
                      "(design.md: Swap using offset)",
        .test = STOCK_TEST, .perm = STOCK_PERM, .confirm = STOCK_CONFIRM,
    },
    [FK_BL_MCUBOOT_DIRECT_XIP] = {
        .id = FK_BL_MCUBOOT_DIRECT_XIP, .name = "direct-xip", .title = "direct-xip",
        .kind = FK_BL_KIND_EQUAL, .flags = FK_BL_F_NO_DOWNGRADE,
        .mcuboot_mode = FK_MCUBOOT_MODE_DIRECT_XIP,
        .status_states = 3, .info_fields = 4, .upload_sectors = 0, .spare = 0,
        .boot_kconfig = "CONFIG_BOOT_DIRECT_XIP",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_DIRECT_XIP",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_DIRECT_XIP",
        .section = "design.md: Equal slots (direct-xip)",
        .space_rule = "each slot up to its swap_info field: size - 40 "
                      "(bootutil_misc.c bootutil_max_image_size)",
        .test = NOTHING, .perm = NOTHING, .confirm = NOTHING,
    },
    [FK_BL_MCUBOOT_DIRECT_XIP_REVERT] = {
        .id = FK_BL_MCUBOOT_DIRECT_XIP_REVERT, .name = "direct-xip-revert",
        .title = "direct-xip with revert", .kind = FK_BL_KIND_EQUAL,
        .flags = FK_BL_F_REVERT | FK_BL_F_NO_DOWNGRADE,
        .mcuboot_mode = FK_MCUBOOT_MODE_DIRECT_XIP_WITH_REVERT, .status_states = 3,
        .info_fields = 4, .upload_sectors = 0, .spare = 0,
        .boot_kconfig = "CONFIG_BOOT_DIRECT_XIP", .boot_kconfig2 = "CONFIG_BOOT_DIRECT_XIP_REVERT",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_DIRECT_XIP_WITH_REVERT",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_DIRECT_XIP_WITH_REVERT",
        .section = "design.md: Revert mechanism in direct-xip and ram-load mode",
        .space_rule = "each slot up to its swap_info field: size - 40 "
                      "(bootutil_misc.c bootutil_max_image_size)",
        /* boot_set_next(), direct-xip revert variant (bootutil_public.c):
         * the magic makes the slot bootable once; a permanent mark and a
         * confirm also set copy_done ("selected") and image_ok. */
        .test = {FK_BL_T_OTHER, W(FK_BLW_MAGIC)},
        .perm = {FK_BL_T_OTHER, W(FK_BLW_MAGIC, FK_BLW_COPY_DONE, FK_BLW_IMAGE_OK)},
        .confirm = {FK_BL_T_ACTIVE, W(FK_BLW_MAGIC, FK_BLW_COPY_DONE, FK_BLW_IMAGE_OK)},
    },
    [FK_BL_MCUBOOT_RAM_LOAD] = {
        .id = FK_BL_MCUBOOT_RAM_LOAD, .name = "ram-load", .title = "RAM load",
        .kind = FK_BL_KIND_EQUAL, .flags = 0, .mcuboot_mode = FK_MCUBOOT_MODE_RAM_LOAD,
        .status_states = 3, .info_fields = 4, .upload_sectors = 0, .spare = 0,
        .boot_kconfig = "CONFIG_BOOT_RAM_LOAD",
        .app_kconfig = "CONFIG_MCUBOOT_BOOTLOADER_MODE_RAM_LOAD",
        .sysbuild_kconfig = "SB_CONFIG_MCUBOOT_MODE_RAM_LOAD",
        .section = "design.md: RAM loading",
        .space_rule = "each slot up to its swap_info field: size - 40 "
                      "(bootutil_misc.c bootutil_max_image_size)",
        .test = NOTHING, .perm = NOTHING, .confirm = NOTHING,
    },
};

const struct fk_bl_mode *fk_bl_mode(enum fk_bl b)
{
    return (unsigned)b < FK_BL_COUNT ? &table[b] : NULL;
}

static const struct {
    const char *alias;
    enum fk_bl b;
} aliases[] = {
    {"swap", FK_BL_FOTAKIT},
    {"swap-without-scratch", FK_BL_MCUBOOT_SWAP_MOVE},
    {"swap-using-move", FK_BL_MCUBOOT_SWAP_MOVE},
    {"swap-using-scratch", FK_BL_MCUBOOT_SWAP_SCRATCH},
    {"swap-using-offset", FK_BL_MCUBOOT_SWAP_OFFSET},
    {"upgrade-only", FK_BL_MCUBOOT_OVERWRITE_ONLY},
    {"overwrite", FK_BL_MCUBOOT_OVERWRITE_ONLY},
    {"direct-xip-with-revert", FK_BL_MCUBOOT_DIRECT_XIP_REVERT},
};

int fk_bl_parse(const char *s, enum fk_bl *out)
{
    if (s == NULL || out == NULL) {
        return FK_EINVAL;
    }
    bool stock = strncmp(s, "mcuboot:", 8) == 0;
    const char *n = stock ? s + 8 : s;
    for (unsigned i = 0; i < FK_BL_COUNT; i++) {
        bool own = (table[i].flags & FK_BL_F_FOTAKIT) != 0;
        if (strcmp(n, table[i].name) == 0 && !(stock && own)) {
            *out = table[i].id;
            return FK_OK;
        }
    }
    for (unsigned i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        bool own = (table[aliases[i].b].flags & FK_BL_F_FOTAKIT) != 0;
        if (strcmp(n, aliases[i].alias) == 0 && !(stock && own)) {
            *out = aliases[i].b;
            return FK_OK;
        }
    }
    return FK_EINVAL;
}

enum fk_bl fk_bl_from_mcuboot_mode(int m)
{
    for (unsigned i = 0; i < FK_BL_COUNT; i++) {
        if (!(table[i].flags & FK_BL_F_FOTAKIT) && table[i].mcuboot_mode == m) {
            return table[i].id;
        }
    }
    return FK_BL_COUNT;
}

const struct fk_bl_step *fk_bl_step(enum fk_bl b, enum fk_bl_op op)
{
    const struct fk_bl_mode *m = fk_bl_mode(b);
    if (m == NULL) {
        return NULL;
    }
    return op == FK_BL_OP_TEST ? &m->test : op == FK_BL_OP_PERM ? &m->perm : &m->confirm;
}

/* ---- trailer arithmetic ------------------------------------------------- */

static uint32_t info_bytes(const struct fk_bl_mode *m)
{
    /* design.md "Image trailer": swap_size, [unprotected TLV sizes,]
     * swap_info, copy_done, image_ok: one BOOT_MAX_ALIGN each; magic 16. */
    return m->info_fields * FK_BOOT_MAX_ALIGN + MAGIC_ALIGN;
}

uint32_t fk_bl_trailer_size(enum fk_bl b, uint32_t align, uint32_t max_sectors)
{
    const struct fk_bl_mode *m = fk_bl_mode(b);
    if (m == NULL) {
        return 0;
    }
    if (max_sectors == 0) {
        max_sectors = FK_BL_IMGTOOL_MAX_SECTORS;
    }
    /* design.md "Swap status": BOOT_MAX_IMG_SECTORS * min-write-size * s,
     * s = 3 (scratch, move) or 2 (offset). */
    return max_sectors * m->status_states * align + info_bytes(m);
}

uint32_t fk_bl_field_off(enum fk_bl b, uint32_t slot_size, uint32_t align, uint32_t max_sectors,
                         enum fk_bl_field f)
{
    const struct fk_bl_mode *m = fk_bl_mode(b);
    if (m == NULL) {
        return 0;
    }
    /* design.md "Image trailer", read from the end of the slot: magic (16),
     * image_ok, copy_done, swap_info, [unprotected TLV sizes: swap-offset],
     * swap_size, [encryption keys: not modeled], swap status. */
    switch (f) {
    case FK_BL_FIELD_MAGIC:
        return slot_size - MAGIC_ALIGN;
    case FK_BL_FIELD_IMAGE_OK:
        return slot_size - MAGIC_ALIGN - FK_BOOT_MAX_ALIGN;
    case FK_BL_FIELD_COPY_DONE:
        return slot_size - MAGIC_ALIGN - 2 * FK_BOOT_MAX_ALIGN;
    case FK_BL_FIELD_SWAP_INFO:
        return slot_size - MAGIC_ALIGN - 3 * FK_BOOT_MAX_ALIGN;
    case FK_BL_FIELD_TLV_SIZES:
        return slot_size - MAGIC_ALIGN - 4 * FK_BOOT_MAX_ALIGN;
    case FK_BL_FIELD_SWAP_SIZE:
        return slot_size - info_bytes(m);
    case FK_BL_FIELD_STATUS:
    default:
        return slot_size - fk_bl_trailer_size(b, align, max_sectors);
    }
}

/* ---- space ---------------------------------------------------------------- */

static const struct fk_flash_area *area(const struct fk_flash_map *map, uint8_t id)
{
    const struct fk_flash_area *fa = NULL;
    (void)fk_flash_open(map, id, &fa); /* fa is set whenever the area exists, ready or not */
    return fa != NULL && fa->dev != NULL ? fa : NULL;
}

static uint32_t wsize(const struct fk_flash_area *fa)
{
    return fa->dev->write_size ? fa->dev->write_size : 1u;
}

/* One sentence into why: parts are strings, or numbers in hex (h) / decimal (d). */
struct why {
    struct fk_sb sb;
};

static void why_init(struct why *w, char *buf, size_t n)
{
    static char dummy[1];
    if (buf == NULL || n == 0) {
        fk_sb_init(&w->sb, dummy, 0);
    } else {
        fk_sb_init(&w->sb, buf, n);
    }
}

static void wh(struct why *w, uint32_t v)
{
    fk_sb_puts(&w->sb, "0x");
    fk_sb_hex(&w->sb, v, 0);
}

static int own_space(const struct fk_flash_map *map, struct fk_bl_space *o, struct why *w)
{
    struct fk_boot_geometry g;
    int rc = fk_boot_geometry(map, &g);
    if (rc != FK_OK) {
        fk_sb_puts(&w->sb, "fotakit's bootloader cannot swap these slots (fk_boot_geometry: ");
        fk_sb_puts(&w->sb, fk_err_name(rc));
        fk_sb_puts(&w->sb, "; fotakit layout check says which rule)");
        return rc == FK_ENOENT ? FK_ENOENT : FK_EINVAL;
    }
    o->sector = g.unit;
    o->pri_sectors = g.pri_units;
    o->sec_sectors = g.sec_units;
    o->trailer_bytes = g.trailer_bytes;
    o->trailer_sector_bytes = g.pri_trailer_units * g.unit;
    o->reserved_bytes = o->trailer_sector_bytes;
    o->upload_off = g.sec_image_off;
    o->max_image = g.max_image;
    o->limited_by = g.pri_units - g.pri_trailer_units <= g.sec_units - g.sec_trailer_units - 1
                        ? FK_AREA_ID_PRIMARY
                        : FK_AREA_ID_SECONDARY;
    return FK_OK;
}

static uint32_t round_up(uint32_t v, uint32_t to)
{
    return (v + to - 1) / to * to;
}

/* The smaller of two candidate limits, remembering which slot binds. */
static void limit(struct fk_bl_space *o, int64_t pri, int64_t sec)
{
    int64_t v = pri <= sec ? pri : sec;
    o->limited_by = pri <= sec ? FK_AREA_ID_PRIMARY : FK_AREA_ID_SECONDARY;
    o->max_image = v > 0 ? (uint32_t)v : 0;
}

int fk_bl_space(enum fk_bl b, const struct fk_flash_map *map, uint32_t max_sectors,
                struct fk_bl_space *o, char *whybuf, size_t whylen)
{
    struct why w;
    why_init(&w, whybuf, whylen);
    const struct fk_bl_mode *m = fk_bl_mode(b);
    if (m == NULL || map == NULL || o == NULL) {
        fk_sb_puts(&w.sb, "no such bootloader mode");
        return FK_EINVAL;
    }
    memset(o, 0, sizeof *o);
    const struct fk_flash_area *p = area(map, FK_AREA_ID_PRIMARY);
    const struct fk_flash_area *s = area(map, FK_AREA_ID_SECONDARY);
    if (p == NULL || s == NULL) {
        fk_sb_puts(&w.sb, p == NULL ? "the map has no primary slot (mcuboot_primary)"
                                    : "the map has no secondary slot (mcuboot_secondary)");
        return FK_ENOENT;
    }
    uint32_t ep = p->dev->erase_size, es = s->dev->erase_size;
    uint32_t wp = wsize(p), ws = wsize(s);
    o->align = wp > ws ? wp : ws;
    o->sector = ep > es ? ep : es;
    if (m->flags & FK_BL_F_FOTAKIT) {
        return own_space(map, o, &w);
    }
    /* design.md "Image trailer": each field is padded to BOOT_MAX_ALIGN (8);
     * a larger write size needs another magic (not modeled). */
    if (o->align > FK_BOOT_MAX_ALIGN || FK_BOOT_MAX_ALIGN % o->align) {
        fk_sb_puts(&w.sb, "write size ");
        fk_sb_dec(&w.sb, o->align);
        fk_sb_puts(&w.sb, " does not divide 8 (BOOT_MAX_ALIGN, design.md: Image trailer); "
                          "trailer fields could not be written one by one");
        return FK_EALIGN;
    }
    if (ep == 0 || es == 0 || p->size % ep || s->size % es) {
        fk_sb_puts(&w.sb, ep == 0 || p->size % (ep ? ep : 1) ? "mcuboot_primary" : "mcuboot_secondary");
        fk_sb_puts(&w.sb, " is not made of whole erase sectors");
        return FK_EINVAL;
    }
    /* design.md "Swap using move" / "Swap using offset": "All slot's sectors
     * should be of the same size"; "Image swapping" step 1 (scratch): a
     * larger sector must hold a whole number of the smaller ones. */
    if ((m->flags & FK_BL_F_SAME_SECTORS) && ep != es) {
        fk_sb_puts(&w.sb, m->title);
        fk_sb_puts(&w.sb, " needs one sector size in both slots (");
        fk_sb_puts(&w.sb, m->section);
        fk_sb_puts(&w.sb, "); primary ");
        wh(&w, ep);
        fk_sb_puts(&w.sb, ", secondary ");
        wh(&w, es);
        return FK_EINVAL;
    }
    if (o->sector % ep || o->sector % es) {
        fk_sb_puts(&w.sb, "erase sizes ");
        wh(&w, ep);
        fk_sb_puts(&w.sb, " and ");
        wh(&w, es);
        fk_sb_puts(&w.sb, ": the larger is not a multiple of the smaller "
                          "(design.md: Image swapping, step 1)");
        return FK_EINVAL;
    }
    o->pri_sectors = p->size / ep;
    o->sec_sectors = s->size / es;
    uint32_t most = o->pri_sectors > o->sec_sectors ? o->pri_sectors : o->sec_sectors;
    /* 0 = CONFIG_BOOT_MAX_IMG_SECTORS_AUTO (MCUboot's Zephyr Kconfig): the
     * slot's own sector count. */
    o->max_sectors = max_sectors ? max_sectors : most;
    o->status_bytes = o->max_sectors * m->status_states * o->align;
    o->trailer_bytes = o->status_bytes + info_bytes(m);
    o->upload_off = m->upload_sectors * es;
    if (m->kind != FK_BL_KIND_EQUAL && most > o->max_sectors) {
        /* design.md "Swap status": the status area holds BOOT_MAX_IMG_SECTORS
         * indices, "at least as great as the total sector count in an image
         * slot"; MCUboot refuses a slot with more sectors. */
        fk_sb_puts(&w.sb, most == o->pri_sectors ? "mcuboot_primary" : "mcuboot_secondary");
        fk_sb_puts(&w.sb, " has ");
        fk_sb_dec(&w.sb, most);
        fk_sb_puts(&w.sb, " sectors; MCUboot built with BOOT_MAX_IMG_SECTORS=");
        fk_sb_dec(&w.sb, o->max_sectors);
        fk_sb_puts(&w.sb, " handles at most that many (design.md: Swap status): raise "
                          "CONFIG_BOOT_MAX_IMG_SECTORS or use larger sectors");
        return FK_ENOSPC;
    }
    uint32_t swap_info_back = MAGIC_ALIGN + 3 * FK_BOOT_MAX_ALIGN; /* 40 */
    switch (m->id) {
    case FK_BL_MCUBOOT_OVERWRITE_ONLY:
        /* bootutil_max_image_size(): up to swap_info; the image must fit
         * in both slots (it is copied into the primary). */
        limit(o, (int64_t)p->size - swap_info_back, (int64_t)s->size - swap_info_back);
        o->reserved_bytes = swap_info_back;
        break;
    case FK_BL_MCUBOOT_DIRECT_XIP:
    case FK_BL_MCUBOOT_DIRECT_XIP_REVERT:
    case FK_BL_MCUBOOT_RAM_LOAD:
        /* either slot holds an image; each up to its swap_info field */
        limit(o, (int64_t)p->size - swap_info_back, (int64_t)s->size - swap_info_back);
        o->reserved_bytes = swap_info_back;
        break;
    case FK_BL_MCUBOOT_SWAP_SCRATCH: {
        const struct fk_flash_area *sc = area(map, FK_AREA_ID_SCRATCH);
        /* design.md "Swap using scratch": a scratch area "enough to store at
         * least the largest sector that is going to be swapped". */
        if (sc == NULL) {
            fk_sb_puts(&w.sb, "swap using scratch needs a scratch partition (mcuboot_scratch) "
                              "of at least one sector (design.md: Swap using scratch)");
            return FK_ENOENT;
        }
        if (sc->size < o->sector) {
            fk_sb_puts(&w.sb, "mcuboot_scratch (");
            wh(&w, sc->size);
            fk_sb_puts(&w.sb, ") is smaller than the slots' largest sector ");
            wh(&w, o->sector);
            fk_sb_puts(&w.sb, " (design.md: Swap using scratch)");
            return FK_ENOSPC;
        }
        /* design.md: "maximum-image-size = image-slot-size -
         * image-trailer-size" (slots assumed equal: the smaller counts). */
        uint32_t slot = p->size < s->size ? p->size : s->size;
        if (o->trailer_bytes >= slot) {
            break; /* max_image stays 0: refused below */
        }
        uint32_t toff = slot - o->trailer_bytes;
        /* swap_scratch.c: when the last sector goes through scratch, the
         * scratch's own trailer (one status entry + info) must fit beside
         * the image data of the sector where the trailer starts. */
        uint32_t in_first = (toff / o->sector + 1) * o->sector - toff;
        uint32_t scratch_tr = m->status_states * o->align + info_bytes(m);
        uint32_t pad = scratch_tr > in_first ? scratch_tr - in_first : 0;
        o->max_image = toff - pad;
        o->reserved_bytes = o->trailer_bytes + pad;
        o->limited_by = p->size <= s->size ? FK_AREA_ID_PRIMARY : FK_AREA_ID_SECONDARY;
        break;
    }
    case FK_BL_MCUBOOT_SWAP_MOVE:
    case FK_BL_MCUBOOT_SWAP_OFFSET: {
        /* design.md "Swap using move": (N-1) * sector - trailer sectors;
         * "Swap using offset": N * sector - trailer sectors, the secondary
         * giving up its first sector. The slot with the spare sector binds
         * unless the other is smaller (swap_move.c / swap_offset.c). */
        o->trailer_sector_bytes = round_up(o->trailer_bytes, o->sector);
        o->reserved_bytes = o->trailer_sector_bytes;
        int64_t pri = (int64_t)o->pri_sectors * o->sector - o->trailer_sector_bytes;
        int64_t sec = (int64_t)o->sec_sectors * o->sector - o->trailer_sector_bytes;
        if (m->spare == 1) {
            pri -= o->sector;
        } else {
            sec -= o->sector;
        }
        limit(o, pri, sec);
        break;
    }
    default:
        break;
    }
    if (o->max_image == 0) {
        fk_sb_puts(&w.sb, "the slots leave no room for an image once ");
        fk_sb_puts(&w.sb, m->title);
        fk_sb_puts(&w.sb, " keeps its trailer (");
        fk_sb_dec(&w.sb, o->trailer_bytes);
        fk_sb_puts(&w.sb, " bytes) and spare sector");
        return FK_EINVAL;
    }
    return FK_OK;
}

/* ---- marks and swap type ------------------------------------------------- */

static int write_one(const struct fk_flash_area *fa, const struct fk_trailer *t, uint8_t wr)
{
    switch (wr) {
    case FK_BLW_MAGIC:
        return t->magic == FK_MAGIC_UNSET ? fk_trailer_write_magic(fa) : FK_OK;
    case FK_BLW_IMAGE_OK:
        return t->image_ok == FK_FLAG_UNSET
                   ? fk_trailer_write_flag(fa, FK_BOOT_OFF_IMAGE_OK, FK_BOOT_FLAG_SET)
                   : FK_OK;
    case FK_BLW_COPY_DONE:
        return t->copy_done == FK_FLAG_UNSET
                   ? fk_trailer_write_flag(fa, FK_BOOT_OFF_COPY_DONE, FK_BOOT_FLAG_SET)
                   : FK_OK;
    case FK_BLW_SWAP_INFO_TEST:
    case FK_BLW_SWAP_INFO_PERM:
        /* swap_info = image number << 4 | swap type (design.md "Image
         * trailer", field 4); image 0 */
        return t->swap_info_raw == fk_flash_erased_val(fa)
                   ? fk_trailer_write_flag(fa, FK_BOOT_OFF_SWAP_INFO,
                                           wr == FK_BLW_SWAP_INFO_TEST ? FK_SWAP_TEST
                                                                       : FK_SWAP_PERM)
                   : FK_OK;
    default:
        return FK_OK;
    }
}

int fk_bl_mark(enum fk_bl b, const struct fk_flash_map *map, enum fk_bl_op op, uint8_t area_id)
{
    const struct fk_bl_mode *m = fk_bl_mode(b);
    const struct fk_bl_step *st = fk_bl_step(b, op);
    if (m == NULL || st == NULL || map == NULL) {
        return FK_EINVAL;
    }
    if (m->flags & FK_BL_F_FOTAKIT) {
        return op == FK_BL_OP_CONFIRM ? fk_boot_confirm(map)
                                      : fk_boot_set_pending(map, op == FK_BL_OP_PERM);
    }
    if (st->target == FK_BL_T_NONE) {
        return FK_OK;
    }
    const struct fk_flash_area *fa;
    struct fk_trailer t;
    int rc = fk_trailer_open_read(map, area_id, &fa, &t);
    if (rc != FK_OK) {
        return rc;
    }
    /* boot_set_next(): a corrupt magic is refused; a slot already marked
     * (magic good) is "already scheduled" in the swap modes; a confirm of a
     * slot without magic has nothing to confirm unless the step itself
     * writes the magic (direct-xip revert). */
    if (t.magic == FK_MAGIC_BAD) {
        return FK_EBOOT_TRAILER;
    }
    if (op != FK_BL_OP_CONFIRM && m->kind != FK_BL_KIND_EQUAL && t.magic == FK_MAGIC_GOOD) {
        return FK_OK;
    }
    if (t.magic != FK_MAGIC_GOOD && st->writes[0] != FK_BLW_MAGIC) {
        return FK_OK;
    }
    for (unsigned i = 0; i < FK_BL_WRITES_MAX && st->writes[i] != FK_BLW_END && rc == FK_OK; i++) {
        rc = write_one(fa, &t, st->writes[i]);
    }
    if (rc == FK_OK) {
        rc = fk_flash_sync(fa);
    }
    return rc;
}

int fk_bl_swap_type(enum fk_bl b, const struct fk_flash_map *map)
{
    const struct fk_bl_mode *m = fk_bl_mode(b);
    if (m == NULL) {
        return FK_EINVAL;
    }
    if (m->flags & FK_BL_F_FOTAKIT) {
        return fk_boot_swap_type(map);
    }
    struct fk_trailer tp, ts;
    int rc = fk_trailers_read(map, &tp, &ts);
    if (rc != FK_OK) {
        return rc;
    }
    /* design.md "Image trailers", State I (swap using offset only): the
     * secondary holds the previous image after a test swap. */
    if ((m->flags & FK_BL_F_STATE_I) && ts.magic == FK_MAGIC_GOOD &&
        ts.image_ok == FK_FLAG_UNSET && ts.copy_done == FK_FLAG_SET) {
        return FK_SWAP_REVERT;
    }
    /* States II-V, shared with fotakit's own table (trailer.c). */
    return fk_boot_swap_type_decide(tp.magic, ts.magic, tp.image_ok, ts.image_ok, tp.copy_done);
}
