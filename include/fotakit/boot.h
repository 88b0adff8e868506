/*
 * fotakit boot: the bootloader core (fk_boot_go) and the application-side
 * calls that drive it (set pending, confirm, read state), MCUboot-compatible.
 *
 * Contract between components: the SMP server and the virtual device call the
 * application-side functions below. Extend, but keep their meaning.
 */
#ifndef FOTAKIT_BOOT_H
#define FOTAKIT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/flash.h"
#include "fotakit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the application sees of one slot's trailer, decoded. */
struct fk_boot_slot_state {
    bool magic_good;  /* trailer magic present */
    uint8_t image_ok; /* raw value: 0x01 set, 0xff unset, other = corrupt */
    uint8_t copy_done;
    uint8_t swap_type; /* low nibble of swap_info */
};

/* Swap the bootloader will perform at next reset, as MCUboot names them. */
enum fk_swap_type {
    FK_SWAP_NONE = 1,
    FK_SWAP_TEST = 2,
    FK_SWAP_PERM = 3,
    FK_SWAP_REVERT = 4,
    FK_SWAP_FAIL = 5,
};

/* Offset inside the secondary slot at which an uploaded image must start
 * (0, or one sector in for a swap-offset style design). The SMP server writes
 * uploads there; fk_boot_go() reads the new image there. */
uint32_t fk_boot_secondary_image_off(const struct fk_flash_map *map);

/* Largest image (header + payload + TLVs) an update can carry with this map,
 * once the trailer and any spare sector are reserved. */
uint32_t fk_boot_max_image_size(const struct fk_flash_map *map);

/* Mark the image in the secondary slot for the next reset: a test upgrade
 * (reverted unless confirmed) or, with permanent, a permanent one. Writes
 * the secondary trailer exactly as MCUboot's boot_set_pending() does. */
int fk_boot_set_pending(const struct fk_flash_map *map, bool permanent);

/* Confirm the running (primary) image: writes image_ok = 0x01 in the primary
 * trailer, as MCUboot's boot_set_confirmed() does. Idempotent. */
int fk_boot_confirm(const struct fk_flash_map *map);

/* Decode a slot's trailer (FK_AREA_ID_PRIMARY or FK_AREA_ID_SECONDARY). */
int fk_boot_read_slot_state(const struct fk_flash_map *map, uint8_t area_id,
                            struct fk_boot_slot_state *out);

/* The swap type the bootloader would choose at the next reset, from both
 * trailers (MCUboot's boot_swap_type()). */
int fk_boot_swap_type(const struct fk_flash_map *map);

/* ======================================================================
 * Extensions (boot engineer). Everything below is fotakit-specific.
 * ====================================================================== */

/* Trailer layout (MCUboot, BOOT_MAX_ALIGN 8), offsets from the slot end. */
#define FK_BOOT_MAX_ALIGN 8u
#define FK_BOOT_MAGIC_LEN 16u
#define FK_BOOT_OFF_MAGIC 16u     /* magic at size - 16 */
#define FK_BOOT_OFF_IMAGE_OK 24u  /* image_ok at size - 24 */
#define FK_BOOT_OFF_COPY_DONE 32u /* copy_done at size - 32 */
#define FK_BOOT_OFF_SWAP_INFO 40u /* swap_info at size - 40 */
#define FK_BOOT_OFF_SWAP_SIZE 48u /* swap_size (u32 LE) at size - 48 */
/* fotakit's own records, below MCUboot's fields (MCUboot ignores them):
 * primary: swap start record at size - 64 (16 B), then 2 status markers per
 * swapped sector at size - 64 - 8*(j+1); secondary: up to 8 swap "begin"
 * records at size - 64 - 16*j. See docs/boot.md. */
#define FK_BOOT_OFF_REC 64u
#define FK_BOOT_REC_LEN 16u
#define FK_BOOT_BEGIN_SLOTS 8u

#define FK_BOOT_FLAG_SET 0x01u
/* MCUboot's magic, as stored at the end of a slot. */
extern const uint8_t fk_boot_magic[FK_BOOT_MAGIC_LEN];

/* Decoded magic / flag, as MCUboot's boot_read_swap_state() classifies. */
enum fk_boot_magic_state { FK_MAGIC_GOOD = 1, FK_MAGIC_BAD = 2, FK_MAGIC_UNSET = 3 };
enum fk_boot_flag_state { FK_FLAG_SET = 1, FK_FLAG_BAD = 2, FK_FLAG_UNSET = 3 };

/* Pure MCUboot swap-type table (boot_swap_tables): primary magic, secondary
 * magic, primary/secondary image_ok and primary copy_done, each decoded.
 * Returns FK_SWAP_TEST / PERM / REVERT or FK_SWAP_NONE. */
int fk_boot_swap_type_decide(enum fk_boot_magic_state magic_pri, enum fk_boot_magic_state magic_sec,
                             enum fk_boot_flag_state ok_pri, enum fk_boot_flag_state ok_sec,
                             enum fk_boot_flag_state copy_done_pri);
/* Classify raw trailer bytes (erased value `ev`). */
enum fk_boot_magic_state fk_boot_magic_decode(const uint8_t magic[FK_BOOT_MAGIC_LEN], uint8_t ev);
enum fk_boot_flag_state fk_boot_flag_decode(uint8_t raw, uint8_t ev);

/* The MCUboot mode number (mcuboot_mode, as reported by the SMP bootloader
 * info command) whose slot use each fotakit strategy matches. */
#define FK_BOOT_MCUBOOT_MODE_UPGRADE_ONLY 2
#define FK_BOOT_MCUBOOT_MODE_SWAP_USING_OFFSET 9

/* Upgrade strategy of the bootloader. */
enum fk_boot_strategy {
    FK_BOOT_STRATEGY_SWAP = 0,      /* revertible, swap-offset slot use (MCUboot mode 9) */
    FK_BOOT_STRATEGY_OVERWRITE = 1, /* overwrite-only, erases only what the image covers */
};

/* Slot geometry fotakit derives from a map (both strategies). `unit` is the
 * swap sector: the larger erase size of the two slots' devices. */
struct fk_boot_geometry {
    uint32_t unit;
    uint32_t pri_units, sec_units;   /* slot sizes in units */
    uint32_t pri_trailer_units;      /* units at the end of the primary kept for the trailer */
    uint32_t sec_trailer_units;
    uint32_t max_units;              /* largest swap, in units */
    uint32_t sec_image_off;          /* where uploads go in the secondary (one unit in) */
    uint32_t max_image;              /* largest image, bytes */
    uint32_t trailer_bytes;          /* primary trailer bytes fotakit uses at most */
};
/* FK_ENOENT/FK_ENODEV when a slot is missing, FK_EINVAL for geometry fotakit
 * cannot swap (units not a multiple of both erase sizes, write size > 8,
 * slots too small). Uses only the map (works with the secondary's device down).
 * When FK_EINVAL is for slots too small, unit, pri_units, sec_units and
 * sec_trailer_units are already filled in (the layout checker's message
 * uses them); otherwise *g is zeroed. */
int fk_boot_geometry(const struct fk_flash_map *map, struct fk_boot_geometry *g);

/* Why fk_boot_go() chose what it booted. */
enum fk_boot_reason {
    FK_BOOT_R_NONE = 0,          /* no update pending: primary booted */
    FK_BOOT_R_UPGRADED_TEST = 1, /* test upgrade performed: reverts unless confirmed */
    FK_BOOT_R_UPGRADED_PERM = 2, /* permanent upgrade performed */
    FK_BOOT_R_REVERTED = 3,      /* unconfirmed test image reverted */
    FK_BOOT_R_OVERWRITTEN = 4,   /* overwrite-only upgrade performed */
    FK_BOOT_R_SEC_INVALID = 5,   /* pending secondary image invalid: erased, primary booted */
    FK_BOOT_R_SEC_DOWNGRADE = 6, /* pending secondary refused (version / security counter) */
    FK_BOOT_R_SEC_DEAD = 7,      /* secondary's device unusable, no swap in progress: primary booted */
    FK_BOOT_R_REVERT_IMPOSSIBLE = 8, /* revert due but the old image in the secondary is invalid */
    FK_BOOT_R_STUCK = 9,         /* swap in progress but the secondary stays unusable: nothing booted */
    FK_BOOT_R_NO_IMAGE = 10,     /* primary invalid and nothing to swap in: nothing booted */
    FK_BOOT_R_COUNTER = 11,      /* security counter store unreadable: fail closed, nothing
                                    booted (and no pending image started) */
    FK_BOOT_R_HELD = 12,         /* pending upgrade held (cfg->hold_upgrade: an image dependency
                                    is not met, boot_multi.h): both slots left as they are */
};
const char *fk_boot_reason_name(enum fk_boot_reason r);

/* Work done by one fk_boot_go() call. `data_*` are the swap's own sector
 * operations; `status_progs` trailer/status programs into erased bytes;
 * `trailer_erases` trailer-sector erases. */
struct fk_boot_stats {
    uint32_t data_erases_pri, data_erases_sec;
    uint32_t data_progs_pri, data_progs_sec;
    uint32_t data_bytes_pri, data_bytes_sec;
    uint32_t skipped_units;  /* moves found already in place (no erase, no program) */
    uint32_t status_progs;
    uint32_t trailer_erases;
    uint32_t units;          /* sectors the swap covered */
    uint32_t verify_retries; /* units written again because they did not read back right */
};

#define FK_BOOT_WHY_LEN 160

struct fk_boot_rsp {
    uint8_t area_id;                 /* FK_AREA_ID_PRIMARY */
    const struct fk_flash_area *area;
    uint32_t off;                    /* image header offset within the area */
    struct fk_image_header hdr;
    enum fk_boot_reason reason;
    int swap_type;                   /* FK_SWAP_* performed (FK_SWAP_NONE if none) */
    bool resumed;                    /* an interrupted swap was finished */
    int secondary_err;               /* FK_OK, or why the secondary could not be used */
    int err;                         /* fk_boot_go()'s return value */
    bool commit_due;                 /* cfg->defer_commit: a swap completed and its commit
                                        write is left to fk_boot_commit() */
    int counter_err;                 /* FK_OK, or why raising the security counter for the
                                        booted (confirmed) image failed; the image still boots,
                                        `why` says so */
    char why[FK_BOOT_WHY_LEN];       /* one sentence: the decision and its reason */
    struct fk_boot_stats stats;
};

/* A record the port keeps in RAM that survives the jump (e.g. .noinit) so
 * the application can read why the bootloader did what it did. */
#define FK_BOOT_RETAINED_MAGIC 0x464b4252u /* "RBKF" */
struct fk_boot_retained {
    uint32_t magic;
    uint32_t reason;
    int32_t swap_type;
    int32_t secondary_err;
    int32_t counter_err; /* rsp->counter_err */
    char why[FK_BOOT_WHY_LEN];
    uint32_t crc;
};
void fk_boot_retained_store(struct fk_boot_retained *r, const struct fk_boot_rsp *rsp);
/* FK_OK if *r holds a valid record (magic + CRC), else FK_ECORRUPT. */
int fk_boot_retained_check(const struct fk_boot_retained *r);

/* Bootloader configuration: one struct of data + callbacks (littlefs style).
 * Every callback is optional. */
struct fk_boot_config {
    const struct fk_flash_map *map;
    const struct fk_image_keyring *keys;  /* for the default validate */
    enum fk_boot_strategy strategy;
    bool skip_primary_verify;   /* don't verify the primary on every boot */
    bool downgrade_prevention;  /* refuse a pending image with a lower version */
    /* Multi-image (boot_multi.h): leave a pending test/permanent upgrade in
     * place and boot the primary (reason FK_BOOT_R_HELD). Reverts and
     * interrupted swaps still run. */
    bool hold_upgrade;
    /* Multi-image (set by fk_boot_go_multi for n > 1; docs/boot.md "Two
     * images"). defer_commit: a swap this call completes (fresh, resumed, or
     * a torn copy_done's first boot) leaves its commit write (copy_done, or
     * the commit-retry marker) undone and sets rsp->commit_due; the caller
     * writes it with fk_boot_commit() once every image's swap is done, so a
     * cut before then leaves the swap "complete, not committed", which the
     * next boot finishes as an interrupted swap (the image never ran).
     * hold_revert: a revert that is due is not performed and the test image
     * boots (reason FK_BOOT_R_UPGRADED_TEST, resumed): its commit was written
     * by a boot a power cut ended before a later image's commit, so it has
     * not run. Both false: fk_boot_go behaves exactly as with one image. */
    bool defer_commit;
    bool hold_revert;
    uint8_t retries;            /* secondary re-open attempts during a swap (0: 3) */
    void *ctx;                  /* passed to every callback */
    /* Full image check (hash + signature). NULL: fk_image_verify(fa, off, keys, info)
     * with keys->enc_plaintext set for the primary only. An encrypted image
     * (flag ENCRYPTED_AES128/256) is CIPHERTEXT when fa is the secondary
     * and plaintext (the flag kept, as MCUboot leaves it) when fa is the
     * primary; a callback that calls fk_image_verify itself must do the
     * same: a keyring with `enc` (the bootloader's private key) and
     * enc_plaintext = (fa is the FK_AREA_ID_PRIMARY area). Hashing the
     * secondary's bytes as they are fails every encrypted image
     * (FK_EIMG_HASH); giving no `enc` refuses it (FK_EIMG_ENCRYPTED). */
    int (*validate)(void *ctx, const struct fk_flash_area *fa, uint32_t off,
                    struct fk_image_info *info);
    void (*watchdog)(void *ctx);
    void (*progress)(void *ctx, uint32_t done, uint32_t total);
    void (*log)(void *ctx, const char *line);
    /* Called between secondary re-open attempts (e.g. re-probe the chip). */
    void (*reinit)(void *ctx, uint8_t area_id);
    /* Security counter store. Both NULL: the default store in area
     * FK_AREA_ID_COUNTERS (fotakit_counters, two sectors) when the map has
     * it; else the counter feature is off. read returns FK_ENOENT when no
     * value was ever stored (= 0). */
    int (*counter_read)(void *ctx, uint32_t *val);
    int (*counter_write)(void *ctx, uint32_t val);
    /* Work buffer of at least one swap sector (e.g. 4 KB of RAM), optional.
     * With it, and the slots on two devices, the swap runs two halves of its
     * chain side by side so the external chip's erase/program time overlaps
     * internal-flash work (docs/boot.md). Without it the swap is serial. */
    void *buf;
    uint32_t buf_size;
    /* Overwrite-only: called once the new image is copied into the primary
     * (every unit read back), before the request is dropped: MCUboot's
     * boot_copy_region_post_hook, where NCS hands the nRF5340 network core's
     * image over through PCD. `len` = bytes copied (whole units). Anything
     * but FK_OK leaves the request (secondary trailer) in place and
     * fk_boot_go returns that code; the next boot repeats the copy and the
     * call. NULL: nothing to hand over. */
    int (*copied)(void *ctx, const struct fk_flash_area *pri, uint32_t len);
    /* Start the image (port). fk_boot_run() calls it; fk_boot_go() never does. */
    void (*jump)(void *ctx, const struct fk_boot_rsp *rsp);
};

/* Decide what to boot, perform any pending upgrade or revert (or finish an
 * interrupted one), validate, and describe the image to start in *rsp.
 * Returns FK_OK when rsp names a bootable image; otherwise a negative code
 * and rsp->reason/why say why nothing can be booted (stay in the bootloader). */
int fk_boot_go(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp);
/* Write the commit that fk_boot_go() with cfg->defer_commit left undone
 * (rsp->commit_due): copy_done once the primary's status records prove
 * every move of the swap done, or for a torn copy_done the commit-retry
 * marker. Nothing when there is nothing to commit. FK_ECORRUPT when a
 * swap's moves are not all proven done; else FK_OK or a flash code. */
int fk_boot_commit(const struct fk_boot_config *cfg);
/* True when image cfg->map has a swap that is not committed: in progress,
 * or complete with its copy_done (or a torn copy_done's retry marker) not
 * yet written. Reads only; a trailer that cannot be read counts as true. */
bool fk_boot_swap_unfinished(const struct fk_boot_config *cfg);
/* fk_boot_go() and, on success, cfg->jump(). Returns only if nothing was started. */
int fk_boot_run(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp);

/* Where an image sits in the secondary: tries the upload offset, then 0
 * (after a swap the previous image sits at 0). FK_ENOENT if neither has a
 * valid header. */
int fk_boot_secondary_find(const struct fk_flash_map *map, uint32_t *off);

/* Default security-counter store over an area of >= 2 erase sectors
 * (alternating sectors, sequence number, CRC). read: FK_ENOENT if empty. */
int fk_boot_counter_read(const struct fk_flash_area *fa, uint32_t *val);
/* Raises the stored value to `val` (never lowers it; equal is a no-op). */
int fk_boot_counter_write(const struct fk_flash_area *fa, uint32_t val);

/* CRC-32 (IEEE, reflected) used by fotakit's boot records. */
uint32_t fk_boot_crc32(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
