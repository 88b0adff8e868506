/*
 * fotakit-boot with two images (FOTAKIT_FW_IMAGES=2): fk_boot_go_multi over
 * image 0 (the application, started) and image 1 (the layout's
 * mcuboot_primary_1 / mcuboot_secondary_1, updated and verified, never
 * started here: it stands in for a second core's firmware). One dependency
 * check across both (DEPENDENCY TLVs, fotakit/boot_multi.h); an update
 * whose dependency is not met is held: both images stay as they are and
 * the bootloader says which dependency failed. Image 1 uses image 0's keys
 * and strategy; its lines read "boot: image 1: ...".
 */
#include <string.h>

#include "fotakit/boot_multi.h"
#include "fotakit/err.h"
#include "fotakit/port.h"
#include "fw.h"

#define TAG "boot"

static void img1_log(void *ctx, const char *line)
{
    (void)ctx;
    fk_fw_log(TAG, "image 1: ", line);
}

static void img1_progress(void *ctx, uint32_t done, uint32_t total)
{
    (void)ctx;
    fk_fw_swap_step("image 1: ", done, total);
}

/* "update held: image 0 v2.0.0+0 (secondary) needs image 1 >= 2.0.0+0, which
 * will be v1.0.0+0; both images left as they are" */
static void say_held(const struct fk_boot_dep_fail *f)
{
    char line[160], n[11], v[48];
    line[0] = '\0';
    strcat(line, "update held: image ");
    strcat(line, fk_fw_dec(f->image, n));
    strcat(line, f->from_secondary ? " (pending)" : " (running)");
    if (f->err != FK_OK) {
        strcat(line, ": its dependencies cannot be read: ");
        strcat(line, fk_err_name(f->err));
    } else {
        strcat(line, " needs image ");
        strcat(line, fk_fw_dec(f->dep.image_id, n));
        strcat(line, " >= ");
        strcat(line, fk_fw_ver(&f->dep.min, v));
        if (f->have) {
            strcat(line, ", which will be ");
            strcat(line, fk_fw_ver(&f->got, v));
        } else {
            strcat(line, ", which does not exist");
        }
    }
    fk_fw_log(TAG, line, "; both images left as they are");
}

int fk_fw_boot_images(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp)
{
    static struct fk_flash_area img1_areas[8];
    static struct fk_flash_map img1_map;
    static struct fk_boot_rsp r[2];
    struct fk_boot_config c1 = *cfg;
    int rc = fk_flash_map_image(cfg->map, 1, img1_areas, sizeof img1_areas / sizeof img1_areas[0],
                                &img1_map);
    if (rc != FK_OK) {
        fk_fw_log(TAG, "image 1: no view of the layout: ", fk_err_name(rc));
        return fk_boot_go(cfg, rsp); /* image 0 alone, as a one-image build */
    }
    c1.map = &img1_map;
    c1.log = img1_log;
    c1.progress = img1_progress;
    const struct fk_boot_config *cfgs[2] = {cfg, &c1};
    struct fk_boot_dep_fail fail;
    bool held = false;
    rc = fk_boot_go_multi(cfgs, 2, r, &fail, &held);
    if (held) {
        say_held(&fail);
    }
    if (r[1].err != FK_OK) {
        /* the core's sentence is written for the image it would start */
        fk_fw_log(TAG, "image 1: nothing valid in its primary; image 0 starts regardless", NULL);
    }
    *rsp = r[0];
    return rc;
}
