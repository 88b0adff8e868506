/*
 * Image header decoding, TLV iteration with strict bounds, and inspection.
 *
 * Invariant: every offset handed out by this file is relative to the image
 * start and is < it->end, and it->base + it->end <= fa->size has been checked
 * without overflow. So callers may read [tlv.off, tlv.off + tlv.len) from the
 * area without further checks.
 */
#include <string.h>

#include "image_priv.h"

/* a + b into *out; false on 32-bit overflow. */
static bool add_u32(uint32_t a, uint32_t b, uint32_t *out)
{
    if (a > UINT32_MAX - b) {
        return false;
    }
    *out = a + b;
    return true;
}

const char *fk_image_tlv_name(uint16_t type)
{
    switch (type) {
    case FK_TLV_KEYHASH: return "KEYHASH";
    case FK_TLV_PUBKEY: return "PUBKEY";
    case 0x03: return "KEYID";
    case FK_TLV_SHA256: return "SHA256";
    case FK_TLV_SHA384: return "SHA384";
    case FK_TLV_SHA512: return "SHA512";
    case FK_TLV_RSA2048_PSS: return "RSA2048_PSS";
    case 0x21: return "ECDSA224";
    case FK_TLV_ECDSA_SIG: return "ECDSA_SIG";
    case 0x23: return "RSA3072_PSS";
    case FK_TLV_ED25519: return "ED25519";
    case FK_TLV_SIG_PURE: return "SIG_PURE";
    case 0x30: return "ENC_RSA2048";
    case 0x31: return "ENC_KW";
    case 0x32: return "ENC_EC256";
    case 0x33: return "ENC_X25519";
    case 0x34: return "ENC_X25519_SHA512";
    case FK_TLV_DEPENDENCY: return "DEPENDENCY";
    case FK_TLV_SEC_CNT: return "SEC_CNT";
    case 0x60: return "BOOT_RECORD";
    case 0x70: return "DECOMP_SIZE";
    case 0x71: return "DECOMP_SHA";
    case 0x72: return "DECOMP_SIGNATURE";
    case 0x73: return "COMP_DEC_SIZE";
    case 0x74: return "UUID_VID";
    case 0x75: return "UUID_CID";
    default: return type >= 0xa0 ? "vendor/unknown" : "unknown";
    }
}

int fk_image_decode_header(const uint8_t b[FK_IMAGE_HEADER_SIZE], struct fk_image_header *out)
{
    if (b == NULL || out == NULL) {
        return FK_EINVAL;
    }
    out->magic = fk_le32(b + 0);
    out->load_addr = fk_le32(b + 4);
    out->hdr_size = fk_le16(b + 8);
    out->protect_tlv_size = fk_le16(b + 10);
    out->img_size = fk_le32(b + 12);
    out->flags = fk_le32(b + 16);
    out->ver.major = b[20];
    out->ver.minor = b[21];
    out->ver.revision = fk_le16(b + 22);
    out->ver.build = fk_le32(b + 24);
    if (out->magic != FK_IMAGE_MAGIC) {
        return FK_EIMG_MAGIC;
    }
    if (out->hdr_size < FK_IMAGE_HEADER_SIZE) {
        return FK_EIMG_HDR_SIZE;
    }
    return FK_OK;
}

int fk_image_ver_cmp(const struct fk_image_version *a, const struct fk_image_version *b)
{
    if (a->major != b->major) {
        return a->major < b->major ? -1 : 1;
    }
    if (a->minor != b->minor) {
        return a->minor < b->minor ? -1 : 1;
    }
    if (a->revision != b->revision) {
        return a->revision < b->revision ? -1 : 1;
    }
    return 0;
}

int fk_image_read_header(const struct fk_flash_area *fa, uint32_t off, struct fk_image_header *out)
{
    uint8_t b[FK_IMAGE_HEADER_SIZE];
    uint32_t sum;
    int rc;

    if (fa == NULL || out == NULL) {
        return FK_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (off > fa->size || fa->size - off < FK_IMAGE_HEADER_SIZE) {
        return FK_EIMG_TOO_BIG;
    }
    rc = fk_flash_read(fa, off, b, sizeof b);
    if (rc != FK_OK) {
        return rc;
    }
    rc = fk_image_decode_header(b, out);
    if (rc != FK_OK) {
        return rc;
    }
    /* header + payload + protected TLVs + the 4-byte unprotected info header */
    if (!add_u32(out->hdr_size, out->img_size, &sum) || !add_u32(sum, out->protect_tlv_size, &sum) ||
        !add_u32(sum, 4, &sum)) {
        return FK_EIMG_OVERFLOW;
    }
    if (sum > fa->size - off) {
        return FK_EIMG_TOO_BIG;
    }
    return FK_OK;
}

/* Read a TLV info header {u16 magic, u16 tot} at image offset `at`. */
static int read_info(const struct fk_flash_area *fa, uint32_t base, uint32_t at, uint16_t *magic,
                     uint16_t *tot)
{
    uint8_t b[4];
    int rc = fk_flash_read(fa, base + at, b, sizeof b);
    if (rc != FK_OK) {
        return rc;
    }
    *magic = fk_le16(b);
    *tot = fk_le16(b + 2);
    return FK_OK;
}

int fk_image_tlv_begin(struct fk_image_tlv_iter *it, const struct fk_flash_area *fa, uint32_t off,
                       const struct fk_image_header *hdr)
{
    uint32_t prot_start, unprot_start, end;
    uint16_t magic, tot;
    int rc;

    if (it == NULL || fa == NULL || hdr == NULL) {
        return FK_EINVAL;
    }
    memset(it, 0, sizeof *it);
    it->fa = fa;
    it->base = off;
    /* fk_image_read_header checked these sums and that the unprotected info
     * header lies inside the area; re-check cheaply for callers that built
     * `hdr` themselves. */
    if (off > fa->size || !add_u32(hdr->hdr_size, hdr->img_size, &prot_start) ||
        !add_u32(prot_start, hdr->protect_tlv_size, &unprot_start) ||
        !add_u32(unprot_start, 4, &end)) {
        return FK_EIMG_OVERFLOW;
    }
    if (end > fa->size - off) {
        return FK_EIMG_TOO_BIG;
    }
    if (hdr->protect_tlv_size != 0) {
        rc = read_info(fa, off, prot_start, &magic, &tot);
        if (rc != FK_OK) {
            return rc;
        }
        if (magic != FK_IMAGE_TLV_PROT_INFO_MAGIC) {
            it->pos = prot_start;
            return FK_EIMG_TLV_INFO;
        }
        /* tot counts its own 4 bytes and must equal the header's field */
        if (tot != hdr->protect_tlv_size || tot < 4) {
            it->pos = prot_start;
            return FK_EIMG_PROT_SIZE;
        }
    }
    rc = read_info(fa, off, unprot_start, &magic, &tot);
    if (rc != FK_OK) {
        return rc;
    }
    if (magic != FK_IMAGE_TLV_INFO_MAGIC) {
        it->pos = unprot_start;
        return FK_EIMG_TLV_INFO;
    }
    if (tot < 4) {
        it->pos = unprot_start;
        return FK_EIMG_TLV_BOUNDS;
    }
    if (!add_u32(unprot_start, tot, &end)) {
        return FK_EIMG_OVERFLOW;
    }
    if (end > fa->size - off) {
        it->pos = unprot_start;
        return FK_EIMG_TLV_BOUNDS;
    }
    it->prot_end = unprot_start; /* == prot_start when there is no protected area */
    it->unprot_start = unprot_start;
    it->end = end;
    it->pos = hdr->protect_tlv_size != 0 ? prot_start + 4 : unprot_start + 4;
    return FK_OK;
}

int fk_image_tlv_next(struct fk_image_tlv_iter *it, struct fk_image_tlv *out)
{
    uint8_t b[4];
    uint32_t area_end;
    uint16_t len;
    int rc;

    /* Defined on every path: GCC -O3 cannot see that a read error is never 1. */
    *out = (struct fk_image_tlv){0};
    /* Step over the unprotected info header when the protected area ends.
     * pos < prot_end exactly while inside the protected area; without one,
     * pos starts past prot_end (== unprot_start) and only grows. */
    if (it->pos == it->prot_end) {
        it->pos = it->unprot_start + 4;
    }
    if (it->pos == it->end) {
        return 0;
    }
    area_end = it->pos < it->prot_end ? it->prot_end : it->end;
    if (it->pos > area_end || area_end - it->pos < 4) {
        return FK_EIMG_TLV_BOUNDS;
    }
    rc = fk_flash_read(it->fa, it->base + it->pos, b, sizeof b);
    if (rc != FK_OK) {
        return rc;
    }
    len = fk_le16(b + 2);
    if (len > area_end - it->pos - 4) {
        return FK_EIMG_TLV_BOUNDS;
    }
    out->type = fk_le16(b);
    out->len = len;
    out->off = it->pos + 4;
    out->prot = it->pos < it->prot_end;
    it->pos += 4u + len;
    return 1;
}

/* TLV types MCUboot accepts outside the protected area: they are either
 * checked against the hash/signature or only select a key. Anything else
 * (SEC_CNT, DEPENDENCY, vendor TLVs) must be covered by the hash. */
static bool allowed_unprot(uint16_t type)
{
    switch (type) {
    case FK_TLV_KEYHASH:
    case FK_TLV_PUBKEY:
    case 0x03: /* KEYID (imgtool multi-signature): selects a key, like KEYHASH */
    case FK_TLV_SHA256:
    case 0x11: /* SHA384 */
    case 0x12: /* SHA512 */
    case FK_TLV_RSA2048_PSS:
    case 0x21: /* ECDSA224 */
    case FK_TLV_ECDSA_SIG:
    case 0x23: /* RSA3072 */
    case FK_TLV_ED25519:
    case FK_TLV_SIG_PURE:
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: /* encryption key TLVs */
        return true;
    default:
        return false;
    }
}

/* Structural pass shared by inspect and verify: header, both TLV areas,
 * every TLV's bounds and the lengths of the TLVs we interpret. */
int fk_image_scan(const struct fk_flash_area *fa, uint32_t off, struct fk_image_info *info)
{
    struct fk_image_tlv_iter it;
    struct fk_image_tlv t;
    int rc;

    memset(info, 0, sizeof *info);
    info->key_index = -1;
    rc = fk_image_read_header(fa, off, &info->hdr);
    if (rc != FK_OK) {
        return rc;
    }
    /* Encrypted images have a clear header and TLVs: scanning needs no key. */
    info->encrypted = (info->hdr.flags & (FK_IMAGE_F_ENCRYPTED_AES128 | FK_IMAGE_F_ENCRYPTED_AES256)) != 0;
    info->compressed = (info->hdr.flags & FK_IMAGE_F_COMPRESSED) != 0;
    rc = fk_image_tlv_begin(&it, fa, off, &info->hdr);
    if (rc != FK_OK) {
        info->bad_off = it.pos;
        return rc;
    }
    info->prot_tlv_off = info->hdr.protect_tlv_size ? info->hdr.hdr_size + info->hdr.img_size : 0;
    info->tlv_off = it.unprot_start;
    info->end_off = it.end;
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (!t.prot && !allowed_unprot(t.type)) {
            info->bad_off = t.off - 4;
            return FK_EIMG_TLV_UNPROT;
        }
        switch (t.type) {
        case FK_TLV_SHA256:
        case FK_TLV_SHA384:
        case FK_TLV_SHA512:
            /* length by algorithm, whether or not this build can compute it:
             * an unsupported hash is reported by the verifier as such */
            if (t.len != fk_image_hash_len(t.type)) {
                info->bad_off = t.off - 4;
                return FK_EIMG_HASH_LEN;
            }
            if (info->has_hash) {
                info->bad_off = t.off - 4;
                return FK_EIMG_HASH_DUP;
            }
            rc = fk_flash_read(fa, off + t.off, info->hash_full, t.len);
            if (rc != FK_OK) {
                return rc;
            }
            memcpy(info->hash, info->hash_full, sizeof info->hash);
            info->hash_type = t.type;
            info->hash_len = (uint8_t)t.len;
            info->hash_tlv_off = t.off - 4;
            info->has_hash = true;
            break;
        case FK_TLV_SEC_CNT: {
            uint8_t v[4];
            if (t.len != 4) {
                info->bad_off = t.off - 4;
                return FK_EIMG_TLV_LEN;
            }
            if (info->has_sec_cnt) {
                info->bad_off = t.off - 4;
                return FK_EIMG_SEC_CNT;
            }
            rc = fk_flash_read(fa, off + t.off, v, 4);
            if (rc != FK_OK) {
                return rc;
            }
            info->sec_cnt = fk_le32(v);
            info->has_sec_cnt = true;
            break;
        }
        case FK_TLV_KEYHASH:
            if (t.len != 32 && t.len != 48 && t.len != 64) {
                info->bad_off = t.off - 4;
                return FK_EIMG_TLV_LEN;
            }
            break;
        case FK_TLV_DEPENDENCY:
            if (t.len != 12) { /* image id, 3 pad bytes, minimum version */
                info->bad_off = t.off - 4;
                return FK_EIMG_TLV_LEN;
            }
            break;
        case FK_TLV_SIG_PURE:
            if (t.len != 1) {
                info->bad_off = t.off - 4;
                return FK_EIMG_TLV_LEN;
            }
            break;
        default:
            break;
        }
    }
    if (rc < 0) {
        info->bad_off = it.pos;
        return rc;
    }
    if (!info->has_hash) {
        return FK_EIMG_NO_HASH;
    }
    return FK_OK;
}

int fk_image_inspect(const struct fk_flash_area *fa, uint32_t off, struct fk_image_info *info)
{
    struct fk_image_info tmp;
    if (fa == NULL) {
        return FK_EINVAL;
    }
    return fk_image_scan(fa, off, info ? info : &tmp);
}
