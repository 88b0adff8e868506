/*
 * The image digest: SHA-256 always; SHA-384 and SHA-512 when FK_IMAGE_SHA512
 * is defined (host always, device option FOTAKIT_DEVICE_SHA512). BearSSL's
 * SHA-384 and SHA-512 share one compression function, so the option adds
 * both at once.
 */
#include <string.h>

#include "fotakit/image_enc.h"
#include "image_priv.h"

bool fk_image_hash_supported(uint16_t tlv_type)
{
    switch (tlv_type) {
    case FK_TLV_SHA256:
        return true;
    case FK_TLV_SHA384:
    case FK_TLV_SHA512:
#ifdef FK_IMAGE_SHA512
        return true;
#else
        return false;
#endif
    default:
        return false;
    }
}

size_t fk_image_hash_len(uint16_t tlv_type)
{
    switch (tlv_type) {
    case FK_TLV_SHA256: return 32;
    case FK_TLV_SHA384: return 48;
    case FK_TLV_SHA512: return 64;
    default: return 0;
    }
}

int fk_img_hash_init(struct fk_img_hash *h, uint16_t tlv_type)
{
    if (!fk_image_hash_supported(tlv_type)) {
        return FK_EIMG_HASH_UNSUP;
    }
    h->type = tlv_type;
    switch (tlv_type) {
#ifdef FK_IMAGE_SHA512
    case FK_TLV_SHA384:
        br_sha384_init(&h->u.s512);
        break;
    case FK_TLV_SHA512:
        br_sha512_init(&h->u.s512);
        break;
#endif
    default:
        fk_sha256_init(&h->u.s256);
        break;
    }
    return FK_OK;
}

void fk_img_hash_update(struct fk_img_hash *h, const void *data, size_t len)
{
#ifdef FK_IMAGE_SHA512
    if (h->type != FK_TLV_SHA256) {
        br_sha512_update(&h->u.s512, data, len); /* also SHA-384's update */
        return;
    }
#endif
    fk_sha256_update(&h->u.s256, data, len);
}

void fk_img_hash_out(struct fk_img_hash *h, uint8_t *out)
{
#ifdef FK_IMAGE_SHA512
    if (h->type == FK_TLV_SHA384) {
        br_sha384_out(&h->u.s512, out);
        return;
    }
    if (h->type == FK_TLV_SHA512) {
        br_sha512_out(&h->u.s512, out);
        return;
    }
#endif
    fk_sha256_out(&h->u.s256, out);
}

int fk_img_read(const struct fk_img_src *s, uint32_t pos, uint8_t *buf, size_t n)
{
    int rc = fk_flash_read(s->fa, s->off + pos, buf, n);
    if (rc != FK_OK || s->cipher == NULL) {
        return rc;
    }
    /* decrypt the part of [pos, pos + n) that is payload */
    uint32_t a = pos > s->pay_start ? pos : s->pay_start;
    uint32_t b = pos + (uint32_t)n < s->pay_end ? pos + (uint32_t)n : s->pay_end;
    if (a < b) {
        fk_image_cipher_run(s->cipher, a - s->pay_start, buf + (a - pos), b - a);
    }
    return FK_OK;
}

int fk_img_hash_stream(struct fk_img_hash *h, const struct fk_img_src *s, uint32_t len)
{
    uint8_t buf[FK_IMAGE_CHUNK];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < sizeof buf ? len - done : (uint32_t)sizeof buf;
        int rc = fk_img_read(s, done, buf, n);
        if (rc != FK_OK) {
            return rc;
        }
        fk_img_hash_update(h, buf, n);
        done += n;
    }
    return FK_OK;
}

int fk_img_hash_src(const struct fk_img_src *s, uint32_t len, uint16_t tlv_type, uint8_t *out)
{
    struct fk_img_hash h;
    int rc = fk_img_hash_init(&h, tlv_type);
    if (rc == FK_OK) {
        rc = fk_img_hash_stream(&h, s, len);
    }
    if (rc == FK_OK) {
        fk_img_hash_out(&h, out);
    }
    return rc;
}
