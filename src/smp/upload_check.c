/*
 * The first chunk of an upload: what is checked before anything is erased
 * (Zephyr's img_mgmt order: header, length, hash, slot, size, version).
 * The header is decoded by src/image (fk_image_decode_header) and versions
 * are ordered by the bootloader's own comparison (fk_image_ver_cmp), so the
 * server refuses exactly what the bootloader would call a downgrade.
 */
#include <string.h>

#include "upload_priv.h"

/* Gather the 32 header bytes from the (possibly chunked) data string. */
static void gather_header(const struct fk_cbor_item *data, uint8_t h[FK_IMAGE_HEADER_SIZE])
{
    struct fk_cbor_chunks c;
    const uint8_t *p;
    size_t n, hl = 0;
    fk_cbor_chunks_begin(&c, data);
    while (hl < FK_IMAGE_HEADER_SIZE && fk_cbor_chunks_next(&c, &p, &n) == 1) {
        size_t k = n < FK_IMAGE_HEADER_SIZE - hl ? n : FK_IMAGE_HEADER_SIZE - hl;
        memcpy(h + hl, p, k);
        hl += k;
    }
}

static int check_version(struct fk_smp_req *r, const struct fk_image_header *hdr)
{
    struct fk_smp_slot_info run;
    fk_smp_read_slot(r->s, fk_smp_active_slot(r->s), &run);
    if (!run.valid && run.img_rc != FK_IMG_MGMT_ERR_HASH_NOT_FOUND) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_VERSION_GET_FAILED,
                                 "cannot read the running image's version");
    }
    const struct fk_image_version *a = &run.info.hdr.ver, *b = &hdr->ver;
    if (fk_image_ver_cmp(a, b) >= 0) {
        char va[32], vb[32];
        fk_smp_ver_str(a, va, sizeof va);
        fk_smp_ver_str(b, vb, sizeof vb);
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER,
                                 "upgrade only: running %s, uploaded %s", va, vb);
    }
    return FK_SMP_R_OK;
}

int fk_upl_first_chunk_checks(struct fk_smp_req *r, const struct fk_upl_geom *g, uint64_t len,
                              const struct fk_cbor_item *data, bool upgrade)
{
    struct fk_smp_server *s = r->s;
    bool check = !(s->cfg->flags & FK_SMP_F_NO_HEADER_CHECK);
    struct fk_image_header hdr;
    memset(&hdr, 0, sizeof hdr);
    if (check) {
        uint8_t h[FK_IMAGE_HEADER_SIZE];
        if (data->len < FK_IMAGE_HEADER_SIZE) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
                                     "first chunk has %u data bytes; the 32-byte image header "
                                     "must come whole",
                                     (unsigned)data->len);
        }
        gather_header(data, h);
        /* FK_EIMG_HDR_SIZE is answered below, after the length check */
        if (fk_image_decode_header(h, &hdr) == FK_EIMG_MAGIC) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC,
                                     "not an MCUboot image: header magic is 0x%x, expected "
                                     "0x96f3b83d (sign it with imgtool / fotakit image sign)",
                                     (unsigned)hdr.magic);
        }
    }
    if (len == 0 || len > 0xffffffffu) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_LENGTH,
                                 "image length must be 1 .. 4294967295 bytes");
    }
    if (check) {
        uint64_t need = (uint64_t)hdr.hdr_size + hdr.img_size + hdr.protect_tlv_size;
        if (hdr.hdr_size < FK_IMAGE_HEADER_SIZE || need > len) {
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
                                     "header is inconsistent: header %u + payload %u + protected "
                                     "TLVs %u bytes against an upload of %u bytes",
                                     (unsigned)hdr.hdr_size, (unsigned)hdr.img_size,
                                     (unsigned)hdr.protect_tlv_size, (unsigned)len);
        }
        /* Encrypted images are accepted as Zephyr's img_mgmt accepts them: the
         * header and TLVs are clear, the payload is stored as it comes, and
         * the bootloader decrypts it (or `image test` verifies it when the
         * key ring has a decryption key). */
    }
    if (data->len > len) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN,
                                 "first chunk has %u bytes, more than the image length %u",
                                 (unsigned)data->len, (unsigned)len);
    }
    struct fk_smp_slot_info si;
    fk_smp_read_slot(s, g->slot, &si);
    unsigned fl = fk_smp_slot_in_use(s, g->slot);
    if (si.valid && fl) {
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_NO_FREE_SLOT,
                                 (fl & FK_SMP_F_PENDING)
                                     ? "slot %u holds an image pending for the next reset; "
                                       "erase it first"
                                     : "slot %u holds the previous image a revert restores; "
                                       "confirm the running image first",
                                 (unsigned)g->slot);
    }
    if (len > g->max) {
        /* the numbers: what the mode leaves (design.md's rule for it,
         * docs/smp.md "MCUboot modes") */
        if (g->max == 0) {
            char why[FK_SMP_RSN_LEN];
            struct fk_bl_space sp;
            (void)fk_smp_space(s, &sp, why, sizeof why); /* why the mode cannot run here */
            return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE, "%s", why);
        }
        return fk_smp_group_fail(r, FK_IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE,
                                 "%u B > %u B, the most %s leaves (slot 0x%x, sector 0x%x, "
                                 "%u B kept at the end)",
                                 (unsigned)len, (unsigned)g->max, fk_smp_bl(s)->name,
                                 (unsigned)g->fa->size, (unsigned)g->sp.sector,
                                 (unsigned)g->sp.reserved_bytes);
    }
    if (upgrade && check) {
        return check_version(r, &hdr);
    }
    return FK_SMP_R_OK;
}
