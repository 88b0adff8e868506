/*
 * fotakit flash layer: the flash-device interface and the flash map.
 *
 * A flash device is one struct of geometry + callbacks (in the spirit of
 * littlefs's config). Drivers fill it in; everything above (flash map, image
 * verifier, bootloader, SMP server) reaches hardware only through it.
 *
 * Device code: no heap, no OS calls. All state lives in caller-owned structs.
 */
#ifndef FOTAKIT_FLASH_H
#define FOTAKIT_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fk_flash_dev;

/*
 * Driver callbacks. `off` is relative to the start of the device. The flash
 * map has already checked bounds and alignment before calling them.
 *
 * prog/erase may return before the device has finished (a SPI NOR chip keeps
 * erasing on its own); the driver then waits for the device before its next
 * command. `sync` (optional, may be NULL) waits until the device is idle. This
 * is what lets the bootloader overlap an external chip's erase with work on
 * internal flash.
 */
struct fk_flash_ops {
    int (*read)(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len);
    int (*prog)(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len);
    int (*erase)(struct fk_flash_dev *dev, uint32_t off, size_t len);
    int (*sync)(struct fk_flash_dev *dev);
};

/* Device readiness, set by the driver's init/probe. */
enum fk_dev_state {
    FK_DEV_UNINIT = 0, /* never initialised (zeroed struct): not ready */
    FK_DEV_READY = 1,
    FK_DEV_FAILED = 2, /* probe failed; `why` says what was observed */
    FK_DEV_ABSENT = 3, /* the board/build has no driver for it; `why` says which */
};

#define FK_FLASH_WHY_LEN 96

struct fk_flash_dev {
    const char *name;        /* region name from the layout, e.g. "external_flash" */
    const char *desc;        /* what it is, e.g. "spi-nor on spi4" */
    uint32_t size;           /* bytes */
    uint32_t erase_size;     /* uniform erase sector size, bytes (power of two) */
    uint32_t write_size;     /* program granularity and alignment, bytes */
    uint8_t erased_val;      /* value of an erased byte (0xff for NOR) */
    const struct fk_flash_ops *ops;
    void *ctx;               /* driver state */
    enum fk_dev_state state; /* set by the driver */
    /* What was observed when not ready, e.g. "JEDEC ID read ff ff ff, expected
     * c2 28 15". Filled by the driver; used by fk_flash_explain(). */
    char why[FK_FLASH_WHY_LEN];
    /* Hint appended to explanations, e.g. "is the chip powered and its bus
     * driver built into this image?" (NULL: a generic hint is used). */
    const char *hint;
};

/* A flash area (partition) on one device. */
struct fk_flash_area {
    uint8_t id;
    const char *name;
    struct fk_flash_dev *dev;
    uint32_t off;  /* offset within dev */
    uint32_t size; /* bytes */
};

struct fk_flash_map {
    const struct fk_flash_area *areas;
    size_t count;
};

struct fk_flash_sector {
    uint32_t off;  /* offset within the area */
    uint32_t size;
};

/* MCUboot-compatible fixed area ids used by the boot and SMP cores. */
#define FK_AREA_ID_BOOTLOADER 0
#define FK_AREA_ID_PRIMARY 1   /* image 0 primary slot */
#define FK_AREA_ID_SECONDARY 2 /* image 0 secondary slot */
#define FK_AREA_ID_SCRATCH 3
#define FK_AREA_ID_COUNTERS 4  /* fotakit_counters (security counter store), optional */

/*
 * Multi-image: up to FK_IMAGE_MAX images, each with a primary (slot 0) and a
 * secondary (slot 1) area, named as NCS's Partition Manager names them:
 * image 0 "mcuboot_primary" / "mcuboot_secondary" (ids 1 and 2 above),
 * image 1 "mcuboot_primary_1" / "mcuboot_secondary_1" (any id; found by name).
 * FK_IMAGE_COUNT is the build-time number of images a build serves (1 or 2).
 */
#define FK_IMAGE_MAX 2
#ifndef FK_IMAGE_COUNT
#define FK_IMAGE_COUNT 2
#endif
#if FK_IMAGE_COUNT < 1 || FK_IMAGE_COUNT > FK_IMAGE_MAX
#error "FK_IMAGE_COUNT must be 1 or 2"
#endif

/* The partition name of image `image`'s slot `slot` (0 primary, 1 secondary),
 * or NULL when image >= FK_IMAGE_MAX or slot > 1. */
const char *fk_slot_name(unsigned image, unsigned slot);

/* fk_flash_open() for image `image`'s slot `slot`: FK_EINVAL for an image
 * >= FK_IMAGE_COUNT or slot > 1, FK_ENOENT when the map lacks that slot. */
int fk_flash_open_slot(const struct fk_flash_map *map, unsigned image, unsigned slot,
                       const struct fk_flash_area **out);

/* Image `image`'s view of `map`, for code that serves one image at a time
 * through the fixed ids (fk_boot_go, the SMP image commands): its two slots
 * under FK_AREA_ID_PRIMARY / FK_AREA_ID_SECONDARY (image 1: the areas named
 * mcuboot_primary_1 / mcuboot_secondary_1), plus the shared areas
 * (bootloader, scratch, counters); every other image's slot is left out.
 * The areas are copied into areas[0..cap) and *out points at them (keep
 * `areas` alive as long as *out). FK_OK; FK_EINVAL for image >= FK_IMAGE_MAX;
 * FK_ENOMEM when more than cap areas belong in the view (the first cap are
 * there). Image 0's view of a map without image 1 is the map itself. */
int fk_flash_map_image(const struct fk_flash_map *map, unsigned image, struct fk_flash_area *areas,
                       size_t cap, struct fk_flash_map *out);

/* Open: FK_ENOENT if the id/name is not in the map, FK_ENODEV if its device is
 * not ready. On error *out is set to the area when it exists (so callers can
 * explain), else NULL. */
int fk_flash_open(const struct fk_flash_map *map, uint8_t id, const struct fk_flash_area **out);
int fk_flash_open_name(const struct fk_flash_map *map, const char *name,
                       const struct fk_flash_area **out);

/* Read at any alignment. */
int fk_flash_read(const struct fk_flash_area *fa, uint32_t off, void *buf, size_t len);
/* off and len multiples of the device's write_size. */
int fk_flash_write(const struct fk_flash_area *fa, uint32_t off, const void *buf, size_t len);
/* off and len multiples of the device's erase_size. */
int fk_flash_erase(const struct fk_flash_area *fa, uint32_t off, size_t len);
/* Wait until the area's device is idle. */
int fk_flash_sync(const struct fk_flash_area *fa);
/* Sectors of the area: fills up to *count entries, sets *count to the number
 * of sectors; FK_ENOMEM if the array is too small (then *count is the need). */
int fk_flash_get_sectors(const struct fk_flash_area *fa, struct fk_flash_sector *out,
                         size_t *count);
uint32_t fk_flash_align(const struct fk_flash_area *fa);
uint8_t fk_flash_erased_val(const struct fk_flash_area *fa);

/* True when [off, off+len) of the area reads as the erased value. A read
 * error returns false and, when err is not NULL, sets *err (else *err is
 * left alone). For classifying what a region holds (no image, no record)
 * only: reading erased does not prove the cells are erased, so it is never
 * on its own a reason to program without erasing (see fk_flash_prepare). */
bool fk_flash_reads_erased(const struct fk_flash_area *fa, uint32_t off, uint32_t len, int *err);

/*
 * What a caller knows about a range before programming it (fk_flash_prepare).
 *
 * Why reading is not enough: on real NOR and on nRF NVMC, a reset in the
 * middle of an erase can leave cells that read as the erased value but are
 * only weakly erased: data programmed there may not hold (bits flip, at once
 * or later). No read can tell such cells from erased ones; only another
 * erase mends them. The chip models reproduce this (fotakit/host/sim.h).
 */
enum fk_erase_proof {
    /* Nothing proves the range erased: every sector is erased, whatever it
     * reads (what MCUboot does before it programs). The default. */
    FK_ERASE_UNPROVEN = 0,
    /* The caller holds a record, read back intact, that was written after
     * an erase of the whole range had completed (the device synced), and
     * everything programmed into the range since is what makes a sector
     * read dirty: e.g. the SMP background erase's done-record (smp/
     * bg_erase.c). Then a sector that reads erased is left alone (the
     * record proves it erased), and one that does not (programmed since)
     * is erased. Never pass this because the range merely reads erased. */
    FK_ERASE_PROVEN = 1,
};

/*
 * Prepare [off, off+len) for programming: the one "erase before program"
 * helper of the tree (bootloader trailers and counters, SMP slot erase and
 * upload start). off and len multiples of the device's erase_size, else
 * FK_EALIGN; FK_EINVAL for a NULL area.
 *   FK_ERASE_UNPROVEN: the whole range is erased by one fk_flash_erase()
 *     (the driver picks its largest aligned erase commands); *erased =
 *     len / erase_size on success, 0 on failure.
 *   FK_ERASE_PROVEN: each sector that does not read erased is erased, one
 *     fk_flash_erase() per sector; the others are left alone; *erased counts
 *     the sectors erased, also when an error stops the walk.
 * *erased may be NULL. Returns FK_OK, a read error or the failed erase's
 * code. The device may still be busy with the last erase on return
 * (fk_flash_sync waits; sync before writing a record that vouches for it).
 *
 * (Before issue 14 this was fk_flash_erase_dirty(fa, off, len, erased): it
 * skipped every sector that read erased, i.e. always assumed a proof.)
 */
int fk_flash_prepare(const struct fk_flash_area *fa, uint32_t off, uint32_t len,
                     enum fk_erase_proof proof, uint32_t *erased);

/* One sentence explaining `err` for area `id` of `map`: names the area, the
 * device, what was observed and what to check or change, e.g.
 * "mcuboot_secondary: device external_flash (spi-nor on spi4) is not ready:
 *  JEDEC ID read ff ff ff, expected c2 28 15; is the chip powered and its bus
 *  driver built into this image?". Writes into buf (always NUL-terminated) and
 * returns buf. */
const char *fk_flash_explain(const struct fk_flash_map *map, uint8_t id, int err, char *buf,
                             size_t buflen);

/* The same explanation for an area the caller already holds (e.g. from a
 * failed fk_flash_open, which sets *out when the area exists). */
const char *fk_flash_explain_area(const struct fk_flash_area *fa, int err, char *buf,
                                  size_t buflen);

#ifdef __cplusplus
}
#endif
#endif
