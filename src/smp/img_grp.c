/*
 * Image management group: state read/write, erase, slot info (upload is in
 * img_upload.c). Slot 0 = primary, slot 1 = secondary. Which slot runs,
 * where a slot's image header is, the flags `image list` reports and the
 * trailer fields test / confirm write follow the bootloader the server runs
 * under (img_state.c, the table in fotakit/mcuboot_mode.h).
 */
#include <string.h>

#include "smp_priv.h"
#include "upload_priv.h"

static const struct fk_flash_area *open_slot(struct fk_smp_server *s, int slot, int *err)
{
    const struct fk_flash_area *fa = NULL;
    *err = fk_flash_open(fk_smp_map(s), slot == 0 ? FK_AREA_ID_PRIMARY : FK_AREA_ID_SECONDARY, &fa);
    return *err == FK_OK ? fa : NULL;
}

/* IMG_MGMT code for an image-inspection failure. */
static int img_rc_of(int err)
{
    switch (err) {
    case FK_EIMG_MAGIC:
        return FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC;
    case FK_EIMG_HDR_SIZE:
    case FK_EIMG_OVERFLOW:
    case FK_EIMG_TOO_BIG:
        return FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER;
    case FK_EIMG_TLV_INFO:
    case FK_EIMG_PROT_SIZE:
        return FK_IMG_MGMT_ERR_NO_TLVS;
    case FK_EIMG_NO_HASH:
        return FK_IMG_MGMT_ERR_HASH_NOT_FOUND;
    case FK_EIMG_HASH_DUP:
        return FK_IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND;
    case FK_EIMG_HASH_LEN:
        return FK_IMG_MGMT_ERR_TLV_INVALID_SIZE;
    case FK_EIMG_TLV_BOUNDS:
    case FK_EIMG_TLV_LEN:
    case FK_EIMG_TLV_UNPROT:
        return FK_IMG_MGMT_ERR_INVALID_TLV;
    case FK_EIO:
    case FK_ETIMEDOUT:
    case FK_ERANGE:
        return FK_IMG_MGMT_ERR_FLASH_READ_FAILED;
    case FK_ENOENT:
    case FK_ENODEV:
        return FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED;
    default:
        return FK_IMG_MGMT_ERR_UNKNOWN;
    }
}

void fk_smp_read_slot(struct fk_smp_server *s, int slot, struct fk_smp_slot_info *out)
{
    memset(out, 0, sizeof *out);
    int err;
    const struct fk_flash_area *fa = open_slot(s, slot, &err);
    if (!fa) {
        out->img_rc = FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED;
        return;
    }
    uint32_t off = fk_smp_slot_image_off(s, slot);
    out->off = off;
    uint8_t magic[4];
    if (fk_flash_read(fa, off, magic, sizeof magic) != FK_OK) {
        out->img_rc = FK_IMG_MGMT_ERR_FLASH_READ_FAILED;
        return;
    }
    uint8_t ev = fk_flash_erased_val(fa);
    if (magic[0] == ev && magic[1] == ev && magic[2] == ev && magic[3] == ev) {
        out->img_rc = FK_IMG_MGMT_ERR_NO_IMAGE;
        return;
    }
    err = fk_image_inspect(fa, off, &out->info);
    if (err == FK_OK && out->info.has_hash) {
        out->valid = true;
        return;
    }
    out->img_rc = err == FK_OK ? FK_IMG_MGMT_ERR_HASH_NOT_FOUND : img_rc_of(err);
}

int fk_smp_erase(struct fk_smp_server *s, const struct fk_flash_area *fa, uint32_t from,
                 uint32_t to, enum fk_erase_proof proof)
{
    uint32_t n = 0;
    int rc = fk_flash_prepare(fa, from, to - from, proof, &n);
    s->stats.erases += n;
    return rc;
}

static void put_flag(struct fk_cbor_enc *e, const char *k, bool v)
{
    fk_cbor_tstr(e, k);
    fk_cbor_bool(e, v);
}

/* The state read answer (also the answer to a successful state write): every
 * valid slot of every image, image by image (Zephyr's img_mgmt_state_read). */
static int state_answer(struct fk_smp_req *r)
{
    struct fk_smp_slot_info si[FK_IMAGE_MAX * 2];
    unsigned n = 0, ni = fk_smp_images(r->s);
    for (unsigned g = 0; g < 2 * ni; g++) {
        r->s->img = (uint8_t)(g / 2);
        fk_smp_read_slot(r->s, (int)(g % 2), &si[g]);
        n += si[g].valid;
    }
    struct fk_cbor_enc *e = &r->enc;
    fk_cbor_map(e, 2);
    fk_cbor_tstr(e, "images");
    fk_cbor_array(e, n);
    for (unsigned g = 0; g < 2 * ni; g++) {
        int slot = (int)(g % 2);
        if (!si[g].valid) {
            continue;
        }
        r->s->img = (uint8_t)(g / 2);
        const struct fk_image_info *in = &si[g].info;
        unsigned fl = fk_smp_slot_flags(r->s, slot);
        char ver[32];
        fk_smp_ver_str(&in->hdr.ver, ver, sizeof ver);
        fk_cbor_map(e, 9);
        fk_cbor_tstr(e, "image");
        fk_cbor_uint(e, g / 2);
        fk_cbor_tstr(e, "slot");
        fk_cbor_uint(e, (uint64_t)slot);
        fk_cbor_tstr(e, "version");
        fk_cbor_tstr(e, ver);
        fk_cbor_tstr(e, "hash");
        fk_cbor_bstr(e, in->hash, sizeof in->hash);
        put_flag(e, "bootable", !(in->hdr.flags & FK_IMAGE_F_NON_BOOTABLE));
        put_flag(e, "pending", fl & FK_SMP_F_PENDING);
        put_flag(e, "confirmed", fl & FK_SMP_F_CONFIRMED);
        put_flag(e, "active", fl & FK_SMP_F_ACTIVE);
        put_flag(e, "permanent", fl & FK_SMP_F_PERMANENT);
    }
    r->s->img = 0;
    fk_cbor_tstr(e, "splitStatus");
    fk_cbor_uint(e, 0);
    return FK_SMP_R_OK;
}

static int state_write(struct fk_smp_req *r)
{
    struct fk_cbor_field f[] = {
        /* null: the Go mcumgr CLI sends {"hash": null, "confirm": true} for
         * `image confirm` without a hash; it means no hash (Zephyr refuses it) */
        {.key = "hash", .accept = FK_CBOR_ACCEPT(FK_CBOR_BSTR) | FK_CBOR_ACCEPT(FK_CBOR_NULL)},
        {.key = "confirm", .accept = FK_CBOR_ACCEPT(FK_CBOR_TRUE) | FK_CBOR_ACCEPT(FK_CBOR_FALSE)},
    };
    const char *bad;
    int rc = fk_cbor_map_fields(r->payload, r->plen, f, 2, &bad);
    if (rc) {
        return fk_smp_payload_fail(r, rc, bad);
    }
    bool confirm = f[1].found && f[1].item.type == FK_CBOR_TRUE;
    struct fk_smp_server *s = r->s;
    int slot;
    if (!f[0].found || f[0].item.type == FK_CBOR_NULL || f[0].item.len == 0) {
        if (!confirm) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_HASH,
                                     "marking an image for test needs its hash");
        }
        slot = fk_smp_active_slot(s); /* image 0's running image */
    } else {
        uint8_t want[32];
        size_t wl;
        if (f[0].item.len != 32 || fk_cbor_str_copy(&f[0].item, want, sizeof want, &wl)) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_HASH,
                                     "hash has %u bytes, a SHA256 TLV value has 32",
                                     (unsigned)f[0].item.len);
        }
        /* the image whose slot holds that hash (Zephyr's img_mgmt_find_by_hash) */
        slot = -1;
        for (unsigned g = 0; g < 2 * fk_smp_images(s) && slot < 0; g++) {
            struct fk_smp_slot_info si;
            s->img = (uint8_t)(g / 2);
            fk_smp_read_slot(s, (int)(g % 2), &si);
            if (si.valid && memcmp(si.info.hash, want, 32) == 0) {
                slot = (int)(g % 2);
            }
        }
        if (slot < 0) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_HASH_NOT_FOUND,
                                     "no slot holds an image with that hash (the hash is the "
                                     "image's SHA256 TLV, as `image list` shows it)");
        }
    }
    int act = fk_smp_active_slot(s), other = 1 - act;
    if (slot == act && !confirm) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED,
                                 "that image is already running; test applies to slot %u",
                                 (unsigned)other);
    }
    bool equal = fk_smp_bl(s)->kind == FK_BL_KIND_EQUAL;
    unsigned flo = fk_smp_slot_flags(s, other);
    if (slot == act) {
        /* confirm the running image; refused while an update is pending
         * (Zephyr: img_mgmt_state_confirm) */
        if (!equal && (flo & FK_SMP_F_PENDING)) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_IMAGE_ALREADY_PENDING,
                                     "slot %u is pending; confirm it by hash or erase it first",
                                     (unsigned)other);
        }
        /* slot 1 holds the previous image, due back at the next reset: once
         * this confirm lands, nobody can go back to it */
        bool revert_was_due = !equal && other == 1 && (flo & FK_SMP_F_CONFIRMED);
        rc = fk_smp_mark(s, slot, FK_BL_OP_CONFIRM);
        if (rc) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED,
                                     "confirming failed: %s", fk_err_name(rc));
        }
        fk_smp_log(s, "image %u: running image confirmed", (unsigned)s->img);
        if (revert_was_due && s->img == 0 && (s->cfg->flags & FK_SMP_F_FAST_ERASE)) {
            (void)fk_smp_bg_erase_begin(s); /* erase it while idle */
        }
        return state_answer(r);
    }
    /* the other slot: test (or permanent with confirm) */
    if (!equal && (flo & FK_SMP_F_CONFIRMED)) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_IMAGE_ALREADY_PENDING,
                                 "slot %u holds the previous image, due to be restored at the "
                                 "next reset; confirm the running image first",
                                 (unsigned)other);
    }
    if (s->up.active) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_NO_FREE_SLOT,
                                 "an upload to slot %u is in progress (%u of %u bytes)",
                                 (unsigned)other, (unsigned)s->up.off, (unsigned)s->up.len);
    }
    if (s->cfg->keys) {
        int err;
        const struct fk_flash_area *fa = open_slot(s, other, &err);
        struct fk_image_info info;
        struct fk_smp_slot_info sio;
        fk_smp_read_slot(s, other, &sio);
        err = fa ? fk_image_verify(fa, sio.off, s->cfg->keys, &info) : err;
        /* An encrypted image and no decryption key here (an application
         * does not hold the bootloader's private key, as with MCUboot): its
         * header and TLV bounds passed (fk_image_verify scans them first);
         * the hash and signature cover the plaintext, which only the
         * bootloader can check, and does before it swaps. */
        if (err == FK_EIMG_ENCRYPTED) {
            fk_smp_log(s, "image %u: slot %u is encrypted: hash and signature left to the "
                          "bootloader", (unsigned)s->img, (unsigned)other);
            err = FK_OK;
        }
        if (err) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_TLV,
                                     "slot %u image fails verification: %s: %s", (unsigned)other,
                                     fk_err_name(err), fk_err_str(err));
        }
    }
    rc = fk_smp_mark(s, other, confirm ? FK_BL_OP_PERM : FK_BL_OP_TEST);
    if (rc) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED,
                                 "marking slot %u pending failed: %s", (unsigned)other,
                                 fk_err_name(rc));
    }
    fk_smp_log(s, "image %u: slot %u marked for %s", (unsigned)s->img, (unsigned)other,
               confirm ? "permanent upgrade" : "test");
    return state_answer(r);
}

static int img_erase(struct fk_smp_req *r)
{
    struct fk_cbor_field f[] = {{.key = "slot", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)}};
    const char *bad;
    int rc = fk_cbor_map_fields(r->payload, r->plen, f, 1, &bad);
    if (rc) {
        return fk_smp_payload_fail(r, rc, bad);
    }
    struct fk_smp_server *s = r->s;
    /* "slot" numbers every image's slots as Zephyr's img_mgmt does: image N
     * has slots 2N (primary) and 2N+1 (secondary) */
    unsigned ni = fk_smp_images(s);
    uint64_t slot = f[0].found ? f[0].item.u : (uint64_t)(1 - fk_smp_active_slot(s));
    if (slot >= 2u * ni) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_SLOT,
                                 "slot %u does not exist (%s)",
                                 (unsigned)(slot > 0xffffffffu ? 0xffffffffu : slot),
                                 ni > 1 ? "image 0 has slots 0 and 1, image 1 slots 2 and 3"
                                        : "image 0 has slots 0 and 1");
    }
    s->img = (uint8_t)(slot / 2);
    int act = fk_smp_active_slot(s), other = 1 - act;
    if (slot % 2 == (uint64_t)act) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_NO_FREE_SLOT,
                                 "slot %u holds image %u's running image and is never erased",
                                 (unsigned)slot, (unsigned)s->img);
    }
    struct fk_smp_slot_info si;
    fk_smp_read_slot(s, other, &si);
    if (si.valid && fk_smp_slot_in_use(s, other)) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_NO_FREE_SLOT,
                                 "slot %u is in use (pending, or the image a revert restores)",
                                 (unsigned)other);
    }
    int err;
    const struct fk_flash_area *fa = open_slot(s, other, &err);
    if (!fa) {
        char why[FK_SMP_RSN_LEN];
        fk_flash_explain(fk_smp_map(s), fk_smp_slot_area(other), err, why, sizeof why);
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED, "%s", why);
    }
    fk_smp_upload_abort(s);
    err = fk_smp_erase_slot(s, fa); /* bg_erase.c: erase, or check the proof */
    if (err) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED, "erasing slot %u: %s",
                                 (unsigned)other, fk_err_name(err));
    }
    fk_smp_log(s, "image %u: slot %u erased", (unsigned)s->img, (unsigned)other);
    fk_cbor_map(&r->enc, 0);
    return FK_SMP_R_OK;
}

/* One image's entry of the slot info answer (image s->img). */
static void slot_info_image(struct fk_smp_req *r)
{
    struct fk_smp_server *s = r->s;
    struct fk_cbor_enc *e = &r->enc;
    int e0, e1;
    const struct fk_flash_area *f0 = open_slot(s, 0, &e0);
    const struct fk_flash_area *f1 = open_slot(s, 1, &e1);
    fk_cbor_map(e, 3);
    fk_cbor_tstr(e, "image");
    fk_cbor_uint(e, s->img);
    fk_cbor_tstr(e, "slots");
    fk_cbor_array(e, 2);
    int up = fk_smp_upload_slot(s);
    for (int k = 0; k < 2; k++) {
        const struct fk_flash_area *fk = k ? f1 : f0;
        /* upload_image_id on the slot uploads go to */
        fk_cbor_map(e, fk && k == up ? 3 : 2);
        fk_cbor_tstr(e, "slot");
        fk_cbor_uint(e, (uint64_t)k);
        if (fk) {
            fk_cbor_tstr(e, "size");
            fk_cbor_uint(e, fk->size);
            if (k == up) {
                fk_cbor_tstr(e, "upload_image_id");
                fk_cbor_uint(e, s->img);
            }
        } else {
            fk_cbor_tstr(e, "rc");
            fk_cbor_int(e, k ? e1 : e0);
        }
    }
    fk_cbor_tstr(e, "max_image_size");
    struct fk_bl_space sp;
    fk_cbor_uint(e, fk_smp_space(s, &sp, NULL, 0) == FK_OK ? sp.max_image : 0);
}

static int slot_info(struct fk_smp_req *r)
{
    struct fk_smp_server *s = r->s;
    struct fk_cbor_enc *e = &r->enc;
    unsigned ni = fk_smp_images(s);
    fk_cbor_map(e, 1);
    fk_cbor_tstr(e, "images");
    fk_cbor_array(e, ni);
    for (unsigned im = 0; im < ni; im++) {
        s->img = (uint8_t)im;
        slot_info_image(r);
    }
    s->img = 0;
    return FK_SMP_R_OK;
}

int fk_smp_img_handle(struct fk_smp_req *r)
{
    bool wr = r->hdr.op == FK_SMP_OP_WRITE;
    switch (r->hdr.id) {
    case FK_SMP_IMG_STATE:
        if (!wr) {
            /* a read carries no fields; an unreadable payload is still an error */
            int rc = fk_cbor_map_fields(r->payload, r->plen, NULL, 0, NULL);
            return rc ? fk_smp_payload_fail(r, rc, NULL) : state_answer(r);
        }
        return state_write(r);
    case FK_SMP_IMG_UPLOAD:
        if (wr) {
            return fk_smp_img_upload(r);
        }
        break;
    case FK_SMP_IMG_ERASE:
        if (wr) {
            return img_erase(r);
        }
        break;
    case FK_SMP_IMG_SLOT_INFO:
        if (!wr) {
            return slot_info(r);
        }
        break;
    default:
        break;
    }
    return fk_smp_mgmt_fail(r, FK_MGMT_ERR_ENOTSUP, "image group has no %s command %u",
                            wr ? "write" : "read", (unsigned)r->hdr.id);
}
