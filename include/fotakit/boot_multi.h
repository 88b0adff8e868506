/*
 * Multi-image boot (MCUboot's BOOT_IMAGE_NUMBER > 1): up to FK_IMAGE_MAX
 * images, each booted by fk_boot_go() on its own flash map view (its two
 * slots under FK_AREA_ID_PRIMARY / FK_AREA_ID_SECONDARY) with its own
 * strategy, after one dependency check across all images.
 *
 * Dependencies (TLV DEPENDENCY 0x40, protected; imgtool -d "(ID,VERSION)"):
 * 12 bytes {image_id u8, pad[3], min version major u8, minor u8, revision
 * u16 LE, build u32 LE}. As MCUboot's boot_verify_dependencies() (loader.c,
 * docs/design.md "Multiple image boot"): each image as it will be after
 * this boot (the secondary's image when a test, permanent or revert swap is
 * due, else the primary's) has each of its dependencies checked against
 * what the named image will be after this boot; versions compare as
 * fk_image_ver_cmp (major.minor.revision, build ignored, as MCUboot without
 * MCUBOOT_VERSION_CMP_USE_BUILD_NUMBER). When one is not met while an
 * upgrade is pending, no image is upgraded in this boot (every image gets
 * cfg->hold_upgrade): both slots of every image stay as they are, the
 * trailers too, so the check runs again at the next boot.
 */
#ifndef FOTAKIT_BOOT_MULTI_H
#define FOTAKIT_BOOT_MULTI_H

#include <stdbool.h>
#include <stdint.h>

#include "fotakit/boot.h"
#include "fotakit/flash.h"
#include "fotakit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_DEP_TLV_LEN 12u

/* One DEPENDENCY TLV value. */
struct fk_image_dep {
    uint8_t image_id;
    struct fk_image_version min;
};

/* The first dependency found not met (valid when the check failed). */
struct fk_boot_dep_fail {
    uint8_t image;                /* the image that depends */
    bool from_secondary;          /* its after-boot image is the secondary's */
    struct fk_image_dep dep;      /* what it needs */
    bool have;                    /* the named image exists (image_id < count) */
    struct fk_image_version got;  /* what the named image will be (when have) */
    int err;                      /* FK_OK, or the TLV / flash error that failed it */
};

/*
 * Check every image's dependencies. maps[i]: image i's map view (slots under
 * ids 1 and 2); n <= FK_IMAGE_MAX. *pending (may be NULL) gets bit i set
 * when image i has a test or permanent upgrade due. Returns FK_OK when all
 * are met, FK_EBOOT_DEPENDENCY when one is not (*fail says which), or a
 * flash error reading a trailer. A malformed DEPENDENCY TLV (length not 12),
 * one naming an image >= n, or more than 4 in one image count as not met
 * (MCUboot refuses the first two; the third is fotakit's bound, no buffer).
 */
int fk_boot_deps_check(const struct fk_flash_map *const *maps, unsigned n, unsigned *pending,
                       struct fk_boot_dep_fail *fail);

/* Read image `fa`+`off`'s DEPENDENCY TLVs (protected area) into deps[0..max):
 * *count = how many (also beyond max). FK_OK or an FK_EIMG_* / flash code. */
int fk_image_deps_read(const struct fk_flash_area *fa, uint32_t off, struct fk_image_dep *deps,
                       unsigned max, unsigned *count);

/*
 * Boot every image: the dependency check, then fk_boot_go(cfg[i], &rsp[i])
 * for i = 0..n-1, then (n > 1) the swaps' commits, in image order
 * (fk_boot_commit): each fk_boot_go runs with defer_commit, and with
 * hold_revert when a later image had a swap not yet committed at the
 * start of this boot (fk_boot_swap_unfinished): the application has not
 * run until every image's swap is committed, so a power cut before that
 * never makes an image revert (docs/boot.md "Two images"). Each
 * cfg[i]->map is image i's view. A commit that fails sets rsp[i].err and
 * is returned when image 0 booted (do not start: the run is not recorded).
 * When the check fails with an upgrade pending, each image runs with
 * hold_upgrade set. Returns image 0's fk_boot_go() result (the image the
 * port starts); the others' results are in rsp[i].err. *fail (may be NULL)
 * is filled when the check failed; *held (may be NULL) says whether
 * upgrades were held.
 */
int fk_boot_go_multi(const struct fk_boot_config *const *cfg, unsigned n, struct fk_boot_rsp *rsp,
                     struct fk_boot_dep_fail *fail, bool *held);

#ifdef __cplusplus
}
#endif
#endif
