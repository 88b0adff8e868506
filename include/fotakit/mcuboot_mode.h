/*
 * fotakit mcuboot_mode: the one table of bootloader modes the application
 * side can run under: fotakit's own bootloader (both strategies) and each
 * stock MCUboot upgrade mode. Device code (src/boot/mcuboot_mode.c, library
 * fotakit_boot): no heap, no stdio.
 *
 * One row per mode says what the application side must do for that
 * bootloader: where an upload goes, which trailer fields `image test` /
 * `confirm` write and in what order, which slot they write, how big the
 * trailer is and the largest image that fits. The SMP server, the virtual
 * device's MCUboot model, `fotakit layout check` and `fotakit doctor` all
 * read this table; nothing else holds a copy of these rules.
 *
 * Sources. Every rule names where it comes from: a section of MCUboot's
 * design document (docs/design.md in mcu-tools/mcuboot, "design.md: Image
 * trailer"), or, where the document is silent, the MCUboot or Zephyr source
 * file the fact was read from (MCUboot commit 2d4bacc3, the one the imgtool
 * vectors in ../shared were made with). No MCUboot code is copied.
 *
 * Limits (all modes): BOOT_MAX_ALIGN 8 (the standard magic); write sizes
 * above 8 are refused (FK_EALIGN); encrypted images (the two key fields of
 * the trailer) are not modeled; one image (image 0) only.
 */
#ifndef FOTAKIT_MCUBOOT_MODE_H
#define FOTAKIT_MCUBOOT_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/flash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MCUboot's enum mcuboot_mode: the number SMP bootloader info reports as
 * "mode" (boot/bootutil/include/bootutil/boot_status.h). */
enum fk_mcuboot_mode {
    FK_MCUBOOT_MODE_SINGLE_SLOT = 0,
    FK_MCUBOOT_MODE_SWAP_USING_SCRATCH = 1,
    FK_MCUBOOT_MODE_UPGRADE_ONLY = 2,
    FK_MCUBOOT_MODE_SWAP_USING_MOVE = 3,
    FK_MCUBOOT_MODE_DIRECT_XIP = 4,
    FK_MCUBOOT_MODE_DIRECT_XIP_WITH_REVERT = 5,
    FK_MCUBOOT_MODE_RAM_LOAD = 6,
    FK_MCUBOOT_MODE_FIRMWARE_LOADER = 7,
    FK_MCUBOOT_MODE_SINGLE_SLOT_RAM_LOAD = 8,
    FK_MCUBOOT_MODE_SWAP_USING_OFFSET = 9,
};

/* The bootloader the application runs under: one row of the table. */
enum fk_bl {
    FK_BL_FOTAKIT = 0,               /* fotakit's own, revertible swap (default) */
    FK_BL_FOTAKIT_OVERWRITE = 1,     /* fotakit's own, overwrite-only strategy */
    FK_BL_MCUBOOT_OVERWRITE_ONLY = 2,
    FK_BL_MCUBOOT_SWAP_SCRATCH = 3,
    FK_BL_MCUBOOT_SWAP_MOVE = 4,
    FK_BL_MCUBOOT_SWAP_OFFSET = 5,
    FK_BL_MCUBOOT_DIRECT_XIP = 6,
    FK_BL_MCUBOOT_DIRECT_XIP_REVERT = 7,
    FK_BL_MCUBOOT_RAM_LOAD = 8,
    FK_BL_COUNT
};

/* How the bootloader chooses what to run. */
enum fk_bl_kind {
    FK_BL_KIND_SWAP = 0,      /* runs the primary; swaps the secondary in; reverts a test */
    FK_BL_KIND_OVERWRITE = 1, /* runs the primary; copies the secondary over it; no revert */
    FK_BL_KIND_EQUAL = 2,     /* either slot runs: the newest version (direct-xip, RAM load) */
};

/* Row flags */
#define FK_BL_F_FOTAKIT 0x01u  /* fotakit's own bootloader: geometry = fk_boot_geometry() */
#define FK_BL_F_REVERT 0x02u   /* a test image runs once and is reverted unless confirmed */
#define FK_BL_F_SCRATCH 0x04u  /* needs the mcuboot_scratch partition (FK_AREA_ID_SCRATCH) */
#define FK_BL_F_STATE_I 0x08u  /* swap table has swap-offset's State I (secondary copy_done) */
#define FK_BL_F_SAME_SECTORS 0x10u /* both slots must use one sector size */
#define FK_BL_F_NO_DOWNGRADE 0x20u /* the mode never boots an older version (Zephyr's
                                    * Kconfig.mcuboot: direct-xip rows select
                                    * MCUBOOT_BOOTLOADER_NO_DOWNGRADE) */

/* Trailer writes, in the order a step performs them. Each is written only
 * while that field is still erased (MCUboot's boot_set_next() reads the
 * state first); FK_BLW_END ends a list. */
enum fk_bl_write {
    FK_BLW_END = 0,
    FK_BLW_MAGIC = 1,          /* 16-byte magic at size - 16 */
    FK_BLW_IMAGE_OK = 2,       /* 0x01 at size - 24 */
    FK_BLW_COPY_DONE = 3,      /* 0x01 at size - 32 */
    FK_BLW_SWAP_INFO_TEST = 4, /* 0x02 (BOOT_SWAP_TYPE_TEST, image 0) at size - 40 */
    FK_BLW_SWAP_INFO_PERM = 5, /* 0x03 (BOOT_SWAP_TYPE_PERM, image 0) at size - 40 */
};
#define FK_BL_WRITES_MAX 4

/* Which slot a mark step writes. */
enum fk_bl_target {
    FK_BL_T_NONE = 0,      /* nothing is written (the bootloader reads no trailer for it) */
    FK_BL_T_SECONDARY = 1, /* the secondary slot (FK_AREA_ID_SECONDARY) */
    FK_BL_T_OTHER = 2,     /* the slot that is not running (direct-xip: the one it will boot) */
    FK_BL_T_ACTIVE = 3,    /* the running slot (primary in swap/overwrite modes) */
};

/* One step: target slot and writes. */
struct fk_bl_step {
    uint8_t target;                   /* enum fk_bl_target */
    uint8_t writes[FK_BL_WRITES_MAX]; /* enum fk_bl_write, FK_BLW_END-terminated */
};

/* One row of the table. Strings are static; NULL where a field does not apply. */
struct fk_bl_mode {
    enum fk_bl id;
    const char *name;    /* config / CLI name ("swap-move"); `mcuboot:` + name for stock rows */
    const char *title;   /* "swap using move" */
    uint8_t kind;        /* enum fk_bl_kind */
    uint8_t flags;       /* FK_BL_F_* */
    uint8_t mcuboot_mode;/* enum fk_mcuboot_mode: bootloader info "mode" */
    /* Swap-status records per sector (design.md "Swap status": 3 for
     * scratch and move, 2 for offset). MCUboot sizes the status area with 3
     * in overwrite-only, direct-xip and RAM load too (bootutil_area.h), but
     * those modes never write it and their largest image ignores it. */
    uint8_t status_states;
    /* BOOT_MAX_ALIGN fields between status and magic: swap_size, swap_info,
     * copy_done, image_ok, + the unprotected-TLV sizes in swap-offset
     * (design.md "Image trailer"). */
    uint8_t info_fields;
    uint8_t upload_sectors; /* an upload starts this many sectors into the slot it goes to */
    uint8_t spare;          /* the slot holding the swap's spare sector: 0 none, 1 primary, 2 secondary */
    const char *boot_kconfig;     /* MCUboot's build ("CONFIG_BOOT_SWAP_USING_MOVE"); fotakit rows: NULL */
    const char *boot_kconfig2;    /* a second MCUboot symbol the mode needs ("CONFIG_BOOT_DIRECT_XIP_REVERT") */
    const char *app_kconfig;      /* Zephyr / NCS application ("CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_USING_MOVE") */
    const char *sysbuild_kconfig; /* sysbuild ("SB_CONFIG_MCUBOOT_MODE_SWAP_USING_MOVE") */
    const char *section;          /* where the mode is described (design.md section or docs/boot.md) */
    const char *space_rule;       /* the largest-image rule in words, with its source */
    struct fk_bl_step test;       /* `image test <hash>` of the uploaded image */
    struct fk_bl_step perm;       /* `image test --confirm <hash>`: permanent */
    struct fk_bl_step confirm;    /* `image confirm` of the running image */
};

/* The row for b; NULL if b is out of range. */
const struct fk_bl_mode *fk_bl_mode(enum fk_bl b);
/* Name -> mode: "fotakit", "fotakit-overwrite", and each stock row's name
 * with or without "mcuboot:" ("mcuboot:swap-move", "swap-move"), plus the
 * aliases MCUboot and Zephyr use ("swap-without-scratch", "upgrade-only",
 * "overwrite", "swap-scratch", "direct-xip-with-revert", "ram-load").
 * FK_OK, or FK_EINVAL for an unknown name (*out untouched). */
int fk_bl_parse(const char *s, enum fk_bl *out);
/* The row whose bootloader info "mode" is m among stock MCUboot rows
 * (FK_BL_COUNT if none). */
enum fk_bl fk_bl_from_mcuboot_mode(int m);

/* Trailer fields, as offsets from the start of a slot (MCUboot's
 * boot_*_off(); design.md "Image trailer"). */
enum fk_bl_field {
    FK_BL_FIELD_MAGIC = 0,
    FK_BL_FIELD_IMAGE_OK,
    FK_BL_FIELD_COPY_DONE,
    FK_BL_FIELD_SWAP_INFO,
    FK_BL_FIELD_TLV_SIZES, /* swap-offset only; other modes: the swap_size offset */
    FK_BL_FIELD_SWAP_SIZE,
    FK_BL_FIELD_STATUS,    /* start of the swap status = start of the whole trailer */
};
/* BOOT_MAX_IMG_SECTORS MCUboot is assumed built with when the caller passes
 * 0: CONFIG_BOOT_MAX_IMG_SECTORS_AUTO (Zephyr's default) sizes it to the
 * slot's sector count; imgtool's default is 128. */
#define FK_BL_IMGTOOL_MAX_SECTORS 128u

/* MCUboot's boot_trailer_sz(align) for row b: status (max_sectors *
 * status_states * align) + info_fields * 8 + 16 (magic). max_sectors 0
 * means 128 here. fotakit rows: 48, the MCUboot fields only (fotakit's own
 * records below them are sized by fk_boot_geometry(): docs/boot.md). */
uint32_t fk_bl_trailer_size(enum fk_bl b, uint32_t align, uint32_t max_sectors);
/* Offset of field f from the start of a slot of slot_size bytes (for
 * FK_BL_FIELD_STATUS: slot_size - fk_bl_trailer_size()). */
uint32_t fk_bl_field_off(enum fk_bl b, uint32_t slot_size, uint32_t align, uint32_t max_sectors,
                         enum fk_bl_field f);

/* Space a mode leaves for images on one layout. */
struct fk_bl_space {
    uint32_t sector;        /* erase sector MCUboot swaps by: the larger of the slots' erase sizes */
    uint32_t align;         /* BOOT_WRITE_SZ: the larger of the slots' write sizes (1..8) */
    uint32_t pri_sectors, sec_sectors;
    uint32_t max_sectors;   /* BOOT_MAX_IMG_SECTORS used (the argument, or the slot's count) */
    uint32_t status_bytes;  /* swap status area */
    uint32_t trailer_bytes; /* whole trailer (fotakit rows: fotakit's primary trailer bytes) */
    uint32_t trailer_sector_bytes; /* trailer rounded up to whole sectors (move, offset, fotakit) */
    uint32_t reserved_bytes; /* end of a slot no image may use: trailer sectors (move, offset,
                              * fotakit), trailer + scratch padding (scratch), 40 B from
                              * swap_info on (overwrite-only, direct-xip, RAM load) */
    uint32_t upload_off;    /* offset in the target slot where an upload starts */
    uint32_t max_image;     /* largest image (header + payload + TLVs) in bytes */
    uint8_t limited_by;     /* FK_AREA_ID_PRIMARY / SECONDARY / SCRATCH: the slot that binds */
};

/* Space for mode b on map (FK_AREA_ID_PRIMARY, FK_AREA_ID_SECONDARY and,
 * for swap using scratch, FK_AREA_ID_SCRATCH; only the areas' geometry is
 * read, never flash). max_sectors: MCUboot's BOOT_MAX_IMG_SECTORS, 0 = auto.
 * Errors, each with one sentence in why (may be NULL):
 *   FK_ENOENT   a slot (or the scratch partition) is missing;
 *   FK_EALIGN   a write size above 8 (BOOT_MAX_ALIGN);
 *   FK_EINVAL   sector sizes the mode cannot use, or slots too small;
 *   FK_ENOSPC   more sectors than BOOT_MAX_IMG_SECTORS, or a scratch
 *               smaller than a sector.
 * *out is zeroed first and keeps what was computed before the error. */
int fk_bl_space(enum fk_bl b, const struct fk_flash_map *map, uint32_t max_sectors,
                struct fk_bl_space *out, char *why, size_t whylen);

/* What a mark step does. */
enum fk_bl_op { FK_BL_OP_TEST = 0, FK_BL_OP_PERM = 1, FK_BL_OP_CONFIRM = 2 };
const struct fk_bl_step *fk_bl_step(enum fk_bl b, enum fk_bl_op op);

/* Perform step op of mode b on the slot it targets: area_id is that slot
 * (the caller resolves OTHER / ACTIVE from the running slot). fotakit rows
 * call fk_boot_set_pending() / fk_boot_confirm(). Stock rows follow
 * MCUboot's boot_set_next() (bootutil_public.c): if the slot's magic is
 * good, a test/perm of a non-running slot changes nothing (already
 * scheduled); a corrupt magic is FK_EBOOT_TRAILER; otherwise each listed
 * field still erased is written, in order. FK_OK also when the step writes
 * nothing. */
int fk_bl_mark(enum fk_bl b, const struct fk_flash_map *map, enum fk_bl_op op, uint8_t area_id);

/* The swap type MCUboot in mode b decides from the two trailers
 * (design.md "Image trailers": States I-V, State I only for swap-offset):
 * FK_SWAP_NONE / TEST / PERM / REVERT, or a negative flash error. */
int fk_bl_swap_type(enum fk_bl b, const struct fk_flash_map *map);

#ifdef __cplusplus
}
#endif
#endif
