/*
 * fotakit layout (host only; library fotakit_layout_host).
 *
 * Reads an nRF Connect SDK partition-manager static file (pm_static.yml, see
 * docs/layout-file.md) and a board file (*.board.yml, docs/board-file.md),
 * checks them against each other (docs/layout.md), builds a struct
 * fk_flash_map for a set of flash devices, and writes the generated C header
 * and the SVG map.
 *
 * All structs are plain fixed-size data (no pointers into heap memory), so a
 * layout or board can be copied, zeroed, or kept on the stack of a host tool.
 *
 * Loading errors: every load function returns FK_OK or a negative fk_err code
 * and, on error, writes one message into `err` (always NUL-terminated when
 * errlen > 0) naming the file, line:column, the key and what is wrong, e.g.
 *   "x.yml:12:9: partition 'app', key 'size': '-0x10' is not a number
 *    (expected hex 0x... or decimal, 0 .. 0xffffffff)".
 *   FK_EIO                  the file cannot be opened/read
 *   FK_ELAYOUT_SYNTAX       not YAML, or not the expected structure/keys
 *   FK_ELAYOUT_LIMIT        beyond a fotakit bound (file size, partitions,
 *                           alias expansion, nesting, name length)
 */
#ifndef FOTAKIT_LAYOUT_H
#define FOTAKIT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fotakit/board.h"
#include "fotakit/err.h"
#include "fotakit/flash.h"
#include "fotakit/mcuboot_mode.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits (inputs beyond them are rejected with FK_ELAYOUT_LIMIT) ---- */
#define FK_LAYOUT_MAX_PARTS 64       /* partitions in one pm_static.yml */
#define FK_LAYOUT_NAME_LEN 48        /* partition/region/device names incl. NUL */
#define FK_LAYOUT_MAX_SPAN 16        /* members of one span */
#define FK_LAYOUT_MAX_SHARE 4        /* entries of one share_size list */
#define FK_LAYOUT_PATH_LEN 256       /* file name kept for messages */
#define FK_LAYOUT_MAX_FILE (1u << 20) /* input files larger than 1 MiB are refused */

/* ---- pm_static.yml ------------------------------------------------------ */

struct fk_layout_part {
    char name[FK_LAYOUT_NAME_LEN];
    uint32_t address;     /* offset within its region/device */
    uint32_t size;
    uint32_t end_address; /* as written (checked against address + size) */
    bool has_end;         /* end_address was present */
    char region[FK_LAYOUT_NAME_LEN]; /* "flash_primary" when absent */
    char device[FK_LAYOUT_NAME_LEN]; /* as written, e.g. "DT_CHOSEN(nordic_pm_ext_flash)"; "" if absent */
    unsigned span_count;  /* 0: a leaf partition */
    char span[FK_LAYOUT_MAX_SPAN][FK_LAYOUT_NAME_LEN];
    unsigned share_count;
    char share_size[FK_LAYOUT_MAX_SHARE][FK_LAYOUT_NAME_LEN];
    unsigned line, col;   /* 1-based position of the partition's key */
};

struct fk_layout {
    char path[FK_LAYOUT_PATH_LEN];
    unsigned count;
    struct fk_layout_part part[FK_LAYOUT_MAX_PARTS]; /* file order */
};

int fk_layout_load(const char *path, struct fk_layout *out, char *err, size_t errlen);
/* Same from memory; `name` is used in messages. */
int fk_layout_load_mem(const char *name, const void *buf, size_t len, struct fk_layout *out,
                       char *err, size_t errlen);

/* Index of partition `name`, or -1. */
int fk_layout_find(const struct fk_layout *l, const char *name);

/* ---- board file ------------------------------------------------------- */

int fk_board_load(const char *path, struct fk_board *out, char *err, size_t errlen);
int fk_board_load_mem(const char *name, const void *buf, size_t len, struct fk_board *out,
                      char *err, size_t errlen);
/* Index of the board device called `name` (a region name), or -1. */
int fk_board_find(const struct fk_board *b, const char *name);
/* "internal", "spi-nor", "qspi-nor". */
const char *fk_board_kind_name(enum fk_dev_kind kind);

/*
 * Board device a partition lives on: the device named by its region; when
 * the partition also names a `device` (DT_CHOSEN(x), DT_NODELABEL(x), or a
 * plain label), that device must carry the chosen node / label. Returns the
 * board device index, or -1 when the board has no such device (the -19
 * class; fk_layout_check explains it).
 */
int fk_layout_part_dev(const struct fk_layout *l, const struct fk_board *b, unsigned part);

/* ---- flash map ------------------------------------------------------------ */

/*
 * Area ids: mcuboot = FK_AREA_ID_BOOTLOADER (0), mcuboot_primary = 1,
 * mcuboot_secondary = 2, mcuboot_scratch = 3, fotakit_counters = 4; every
 * other leaf partition (no `span`) gets 5, 6, ... in strcmp order of names.
 * Containers other than the two slots (e.g. mcuboot_primary_app) are not areas.
 */
#define FK_LAYOUT_FIRST_FREE_ID 5

/* Number of areas fk_layout_flash_map() produces (size of the storage). */
size_t fk_layout_area_count(const struct fk_layout *l);
/* The area id partition `part` gets, or -1 if it is not an area. */
int fk_layout_area_id(const struct fk_layout *l, unsigned part);

/*
 * Build a flash map. devs[0..ndevs-1]: one device per board device; an area
 * goes on the device whose `name` equals the partition's region. An area
 * whose region has no device gets dev = NULL: fk_flash_open() then answers
 * FK_ENODEV for it, exactly as Zephyr's flash_area_open() answers -19.
 * areas: caller storage of max_areas entries (fk_layout_area_count()), sorted
 * by id. Area names point into *l, which must outlive the map.
 * FK_ENOMEM if max_areas is too small, FK_ERANGE if there are more than 255 ids.
 */
int fk_layout_flash_map(const struct fk_layout *l, struct fk_flash_dev *const *devs,
                        size_t ndevs, struct fk_flash_area *areas, size_t max_areas,
                        struct fk_flash_map *out);

/* ---- check ------------------------------------------------------------ */

enum fk_layout_sev {
    FK_LAYOUT_NOTE = 0,
    FK_LAYOUT_WARNING = 1,
    FK_LAYOUT_ERROR = 2,
};

enum fk_layout_rule {
    FK_RULE_ERASE_ALIGN = 0,    /* erase unit not on its device's erase boundary */
    FK_RULE_END_ADDRESS,        /* end_address != address + size */
    FK_RULE_OVERLAP,            /* two leaf partitions overlap */
    FK_RULE_SPAN_COVER,         /* a container does not cover its members exactly */
    FK_RULE_SPAN_MISSING,       /* a span names a partition that does not exist */
    FK_RULE_SPAN_GAP,           /* span members not contiguous */
    FK_RULE_BEYOND_DEVICE,      /* partition past the end of its device */
    FK_RULE_REGION_OVERFLOW,    /* a region's partitions need more than its device */
    FK_RULE_NO_DEVICE,          /* the -19 class: device not on the board / not drivable */
    FK_RULE_BOOTLOADER_START,   /* bootloader not at the start of internal flash */
    FK_RULE_SLOT_SIZE,          /* secondary smaller than primary */
    FK_RULE_SHARE_SIZE,         /* share_size partner of a different size */
    FK_RULE_MISSING_PART,       /* a partition fotakit needs is absent */
    FK_RULE_STRATEGY,           /* --strategy names a strategy the layout cannot run */
    FK_RULE_COUNTERS,           /* no fotakit_counters: downgrade protection off */
    FK_RULE_BOARD,              /* the board file itself is incomplete (e.g. a NOR without bus) */
    FK_RULE_PRIMARY_INTERNAL,   /* primary slot not on internal (execute-in-place) flash */
    FK_RULE_COUNT
};

/* Short rule name, e.g. "erase-align". */
const char *fk_layout_rule_name(enum fk_layout_rule rule);

#define FK_LAYOUT_MSG_LEN 640
#define FK_LAYOUT_MAX_FINDINGS 96

struct fk_layout_finding {
    enum fk_layout_sev sev;
    enum fk_layout_rule rule;
    char part[FK_LAYOUT_NAME_LEN];  /* partition concerned ("" if none) */
    char part2[FK_LAYOUT_NAME_LEN]; /* the other partition, for pair rules */
    char msg[FK_LAYOUT_MSG_LEN];    /* names partitions, addresses, rule and fix */
};

/* Upgrade strategies: fotakit's bootloader (swap, overwrite) and each stock
 * MCUboot mode. The index is the row of the one table of bootloader modes
 * (enum fk_bl, fotakit/mcuboot_mode.h): FK_STRATEGY_MCUBOOT + k is
 * FK_BL_MCUBOOT_OVERWRITE_ONLY + k. */
enum fk_layout_strategy {
    FK_STRATEGY_SWAP = FK_BL_FOTAKIT,                 /* revertible swap ("swap") */
    FK_STRATEGY_OVERWRITE = FK_BL_FOTAKIT_OVERWRITE,  /* overwrite-only ("overwrite") */
    FK_STRATEGY_MCUBOOT = FK_BL_MCUBOOT_OVERWRITE_ONLY, /* first stock MCUboot row */
    FK_STRATEGY_COUNT = FK_BL_COUNT
};

struct fk_layout_strategy_row {
    const char *name;     /* "swap", "overwrite", "mcuboot:swap-move", ... */
    bool supported;
    uint32_t trailer;     /* bytes reserved at the end of a slot (trailer, whole sectors where the mode rounds) */
    uint32_t max_image;   /* largest image (header+payload+TLVs); 0 if unsupported */
    char reason[512];     /* why (not) supported / how the size follows */
};

struct fk_layout_report {
    unsigned count;      /* findings stored */
    unsigned dropped;    /* findings beyond FK_LAYOUT_MAX_FINDINGS (counted in errors/...) */
    unsigned errors, warnings, notes;
    struct fk_layout_finding f[FK_LAYOUT_MAX_FINDINGS];
    struct fk_layout_strategy_row strat[FK_STRATEGY_COUNT];
};

/* "swap" / "overwrite" (also "swap-revertible", "overwrite-only") -> strategy;
 * "mcuboot:<mode>" (fk_bl_parse's names) -> that stock MCUboot row; else -1. */
int fk_layout_strategy_parse(const char *s);

/*
 * Slot geometry of fotakit's bootloader, computed by its own
 * fk_boot_geometry() (fotakit/boot.h, docs/layout.md): the swap unit is
 * the larger erase size of the two slots; the secondary keeps one spare unit
 * at its start (uploads go to sec_image_off = one unit in) and
 * sec_trailer_units at its end; the primary keeps pri_trailer_units at its
 * end (64 B + 16 B per swapped unit + 16 B, rounded up to units). Both strategies
 * use this geometry. FK_OK, or FK_ENOENT / FK_ENODEV / FK_EINVAL with a
 * sentence in why.
 */
struct fk_layout_geometry {
    uint32_t unit;
    uint32_t pri_units, sec_units;
    uint32_t pri_trailer_units, sec_trailer_units;
    uint32_t max_units;     /* largest swap, in units */
    uint32_t sec_image_off; /* where uploads go in the secondary */
    uint32_t max_image;     /* = max_units * unit */
    uint32_t trailer_bytes; /* primary trailer bytes used at most */
};
int fk_layout_geometry(const struct fk_layout *l, const struct fk_board *b,
                       struct fk_layout_geometry *g, char *why, size_t whylen);

/*
 * Check a layout against a board (every rule of docs/layout.md). board_name
 * (e.g. the board file's path; NULL: "this board") is used in messages. Fills *r
 * (all findings, not just the first) and the strategy table. `strategy` < 0:
 * none required; else an error is added if the layout cannot run it.
 * Returns the number of errors (0 = clean; warnings/notes allowed).
 */
int fk_layout_check(const struct fk_layout *l, const struct fk_board *b, const char *board_name,
                    int strategy, struct fk_layout_report *r);

/* Images the layout describes: 2 when it has mcuboot_primary_1 or
 * mcuboot_secondary_1 (NCS's names for image 1's slots), else 1. */
unsigned fk_layout_image_count(const struct fk_layout *l);

/* Print the device/partition table, the findings and the strategy table. */
void fk_layout_print_report(FILE *out, const struct fk_layout *l, const struct fk_board *b,
                            const char *board_name, const struct fk_layout_report *r);

/* Partition roles (table, header, picture colours). */
enum fk_layout_role {
    FK_ROLE_BOOTLOADER = 0, /* mcuboot */
    FK_ROLE_PRIMARY,        /* mcuboot_primary and what lies inside it (pad, app) */
    FK_ROLE_SECONDARY,      /* mcuboot_secondary */
    FK_ROLE_SCRATCH,        /* mcuboot_scratch */
    FK_ROLE_COUNTERS,       /* fotakit_counters */
    FK_ROLE_SETTINGS,       /* settings_storage, nvs_storage, littlefs_storage, ... */
    FK_ROLE_OTHER,          /* anything else, e.g. the pm's 'external_flash' remainder */
    FK_ROLE_PRIMARY_1,      /* mcuboot_primary_1 (image 1, e.g. the nRF5340 network core) */
    FK_ROLE_SECONDARY_1,    /* mcuboot_secondary_1 */
    FK_ROLE_COUNT
};
enum fk_layout_role fk_layout_part_role(const struct fk_layout *l, unsigned part);
const char *fk_layout_role_name(enum fk_layout_role role);

/* ---- generated header and picture ------------------------------------------ */

/* The generated C header (deterministic: same inputs, same bytes). layout_name
 * and board_name are what the header's comment names as its sources (pass
 * base names, so the bytes do not depend on the build directory).
 * FK_EINVAL if two partition names collide once upper-cased (macro names). */
int fk_layout_write_header(FILE *out, const struct fk_layout *l, const struct fk_board *b,
                           const char *layout_name, const char *board_name);

/* SVG map, one column per board device (and one for regions the board
 * lacks); problems from `r` (may be NULL) drawn in red. */
int fk_layout_write_svg(FILE *out, const struct fk_layout *l, const struct fk_board *b,
                        const char *board_name, const struct fk_layout_report *r);

#ifdef __cplusplus
}
#endif
#endif
