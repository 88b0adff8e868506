/* Internal interfaces of the SMP server (device code). */
#ifndef FOTAKIT_SMP_PRIV_H
#define FOTAKIT_SMP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/cbor.h"
#include "fotakit/smp.h"

#define FK_SMP_RSN_LEN FK_SMP_REASON_MAX

/* One request being answered. Handlers either encode a complete response
 * map into `enc` and return FK_SMP_R_OK, or set an error and return
 * FK_SMP_R_MGMT (SMP-level: rc = mgmt_rc) / FK_SMP_R_GROUP (group_rc in the
 * command's group); the dispatcher then encodes the error answer. */
enum { FK_SMP_R_OK = 0, FK_SMP_R_MGMT = 1, FK_SMP_R_GROUP = 2 };

struct fk_smp_req {
    struct fk_smp_server *s;
    struct fk_smp_hdr hdr;
    const uint8_t *payload;
    size_t plen;
    struct fk_cbor_enc enc;
    int mgmt_rc;
    int group_rc;
    char rsn[FK_SMP_RSN_LEN];
};

int fk_smp_mgmt_fail(struct fk_smp_req *r, int mgmt_rc, const char *fmt, ...);
int fk_smp_group_fail(struct fk_smp_req *r, int group_rc, const char *fmt, ...);
/* Bad request payload (fk_cbor_map_fields result): malformed CBOR or a
 * field of the wrong type, answered as MGMT_ERR_EINVAL with a reason. */
int fk_smp_payload_fail(struct fk_smp_req *r, int cbor_rc, const char *bad_key);

/* Small heap-free formatting (no stdio on the device): %s %u %d %x (32-bit),
 * always NUL-terminated. */
void fk_smp_fmt(char *out, size_t cap, const char *fmt, ...);
void fk_smp_log(struct fk_smp_server *s, const char *fmt, ...);

/* "1.2.3" or "1.2.3.4" (build number only when non-zero), as Zephyr. */
void fk_smp_ver_str(const struct fk_image_version *v, char *out, size_t cap);

int fk_smp_os_handle(struct fk_smp_req *r);
/* Bootloader info "mode" (config, else fotakit's swap = swap-using-offset). */
int fk_smp_mcuboot_mode(const struct fk_smp_server *s);
int fk_smp_img_handle(struct fk_smp_req *r);
int fk_smp_img_upload(struct fk_smp_req *r);

/* Image group helpers shared by state/erase/upload. */
struct fk_smp_slot_info {
    bool valid;              /* header + TLVs inspected, hash known */
    uint32_t off;            /* where in the slot the image was looked for */
    struct fk_image_info info;
    int img_rc;              /* IMG_MGMT_ERR_* why not valid */
};
void fk_smp_read_slot(struct fk_smp_server *s, int slot, struct fk_smp_slot_info *out);
/* The bootloader the server runs under (img_state.c): its row, the running
 * slot, the slot uploads go to, a slot's area id, the mode's space on this
 * map, where a slot's image header is. */
const struct fk_bl_mode *fk_smp_bl(const struct fk_smp_server *s);
/* The flash map of image s->img (image 1: s->img1_map) and how many images
 * the server serves. */
const struct fk_flash_map *fk_smp_map(const struct fk_smp_server *s);
unsigned fk_smp_images(const struct fk_smp_server *s);
int fk_smp_active_slot(const struct fk_smp_server *s);
int fk_smp_upload_slot(const struct fk_smp_server *s);
bool fk_smp_recovery(const struct fk_smp_server *s); /* FK_SMP_F_RECOVERY */
uint8_t fk_smp_slot_area(int slot);
int fk_smp_space(const struct fk_smp_server *s, struct fk_bl_space *sp, char *why, size_t n);
uint32_t fk_smp_slot_image_off(struct fk_smp_server *s, int slot);
/* Perform a test / permanent / confirm step for `slot` as the row says. */
int fk_smp_mark(struct fk_smp_server *s, int slot, enum fk_bl_op op);
/* Zephyr's img_mgmt_state_read() flags for slot 0/1 in this mode. */
#define FK_SMP_F_PENDING 0x01u
#define FK_SMP_F_CONFIRMED 0x02u
#define FK_SMP_F_ACTIVE 0x04u
#define FK_SMP_F_PERMANENT 0x08u
unsigned fk_smp_slot_flags(struct fk_smp_server *s, int slot);
/* Why a slot may not be overwritten (Zephyr's img_mgmt_slot_in_use()):
 * FK_SMP_F_ACTIVE (it runs), FK_SMP_F_PENDING / FK_SMP_F_CONFIRMED (next
 * boot / revert target; not in direct-xip / RAM load without revert), 0. */
unsigned fk_smp_slot_in_use(struct fk_smp_server *s, int slot);
/* Prepare [from, to) of an area for programming (fk_flash_prepare; offsets
 * area-relative and sector aligned), adding the sectors erased to
 * stats.erases. FK_ERASE_PROVEN only with the background erase's
 * done-record (fk_smp_slot_pre_erased): reading erased proves nothing. */
int fk_smp_erase(struct fk_smp_server *s, const struct fk_flash_area *fa, uint32_t from,
                 uint32_t to, enum fk_erase_proof proof);
/* Upload session cleanup (erase command, new upload). */
void fk_smp_upload_abort(struct fk_smp_server *s);

#endif
