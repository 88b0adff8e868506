/*
 * fk_image_sign: build an MCUboot image exactly as imgtool sign does.
 *
 * Layout: [header (32 B) | header padding to header_size | payload |
 * protected TLVs (0x6908: SEC_CNT, DEPENDENCY..., custom...) |
 * unprotected TLVs (0x6907: SHA256, KEYHASH or PUBKEY, signature)]
 * then, with --pad, erased bytes up to slot_size with the trailer at the end.
 * The hash covers everything before the unprotected TLV area.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "fotakit/host/image.h"
#include "fotakit/le.h"
#include "host_priv.h"

/* imgtool's trailer magic for max_align 8, and the variant for others. */
static const uint8_t boot_magic8[16] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                        0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
static const uint8_t boot_magic_tail[14] = {0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d,
                                            0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a};

void fk_sign_opts_init(struct fk_sign_opts *o)
{
    memset(o, 0, sizeof *o);
    o->header_size = FK_IMAGE_HEADER_SIZE;
    o->align = 1;
    o->max_sectors = FK_DEFAULT_MAX_SECTORS;
    o->erased_val = 0xff;
    o->pubkey_format = FK_PUBKEY_HASH;
}

static uint32_t max_align_of(const struct fk_sign_opts *o)
{
    if (o->max_align != 0) {
        return o->max_align;
    }
    return o->align > FK_DEFAULT_MAX_ALIGN ? o->align : FK_DEFAULT_MAX_ALIGN;
}

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

uint32_t fk_image_trailer_size(const struct fk_sign_opts *o)
{
    uint32_t ma = max_align_of(o);
    uint32_t magic = align_up(FK_TRAILER_MAGIC_LEN, ma);
    uint32_t m = o->max_sectors ? o->max_sectors : FK_DEFAULT_MAX_SECTORS;
    if (o->overwrite_only) {
        return ma * 2 + magic;
    }
    return m * 3 * (o->align ? o->align : 1) + ma * 4 + magic;
}

/* A growable byte buffer. */
struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

static void put(struct buf *b, const void *d, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->len + n) {
            nc *= 2;
        }
        uint8_t *np = realloc(b->p, nc);
        if (np == NULL) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void put_le16(struct buf *b, uint16_t v)
{
    uint8_t x[2];
    fk_put_le16(x, v);
    put(b, x, 2);
}

static void put_le32(struct buf *b, uint32_t v)
{
    uint8_t x[4];
    fk_put_le32(x, v);
    put(b, x, 4);
}

static void put_tlv(struct buf *b, uint16_t type, const void *v, uint16_t len)
{
    put_le16(b, type);
    put_le16(b, len);
    put(b, v, len);
}

/* Sign `msg` with the key; DER for ECDSA, PSS for RSA, raw for Ed25519. */
static int do_sign(const struct fk_host_key *k, const uint8_t digest[32], const uint8_t *msg,
                   size_t msglen, uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
    EVP_PKEY *pk = (EVP_PKEY *)k->pkey;
    int ok = 0;
    if (k->type == FK_KEY_ED25519) {
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        ok = mc != NULL && EVP_DigestSignInit(mc, NULL, NULL, NULL, pk) == 1 &&
             EVP_DigestSign(mc, sig, siglen, msg, msglen) == 1;
        EVP_MD_CTX_free(mc);
    } else {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
        ok = c != NULL && EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) == 1;
        if (ok && k->type == FK_KEY_RSA2048) {
            ok = EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(c, 32) == 1;
        }
        ok = ok && EVP_PKEY_sign(c, sig, siglen, digest, 32) == 1;
        EVP_PKEY_CTX_free(c);
    }
    if (!ok) {
        fk_seterr(err, errlen, "signing with the %s key failed", fk_key_type_name(k->type));
        return FK_EIO;
    }
    return FK_OK;
}

int fk_image_sign(const struct fk_sign_opts *opts, const uint8_t *payload, size_t len, uint8_t **out,
                  size_t *out_len, char *err, size_t errlen)
{
    return fk_image_sign_ex(opts, payload, len, out, out_len, NULL, err, errlen);
}

int fk_image_sign_ex(const struct fk_sign_opts *o, const uint8_t *payload, size_t len,
                     uint8_t **out, size_t *out_len, struct fk_sign_result *res, char *err,
                     size_t errlen)
{
    struct fk_host_key key;
    bool have_key = false;
    struct buf img = {0};
    struct buf prot = {0};
    struct buf tlv = {0};
    uint8_t digest[32];
    uint32_t ma, trailer = 0;
    size_t body;
    int rc = FK_OK;

    *out = NULL;
    *out_len = 0;
    if (err && errlen) {
        err[0] = '\0';
    }
    /* ---- option checks (imgtool refuses the same things) ---- */
    if (o->align != 1 && o->align != 2 && o->align != 4 && o->align != 8 && o->align != 16 &&
        o->align != 32) {
        fk_seterr(err, errlen, "--align %u: must be 1, 2, 4, 8, 16 or 32", o->align);
        return FK_EINVAL;
    }
    ma = max_align_of(o);
    if (o->max_align != 0 && o->max_align != 8 && o->max_align != 16 && o->max_align != 32) {
        fk_seterr(err, errlen, "--max-align %u: must be 8, 16 or 32", o->max_align);
        return FK_EINVAL;
    }
    if (o->header_size < FK_IMAGE_HEADER_SIZE || o->header_size > 0xffff) {
        fk_seterr(err, errlen, "--header-size 0x%x: must be between 0x20 and 0xffff", o->header_size);
        return FK_EINVAL;
    }
    if (o->rom_fixed && o->load_addr != 0) {
        fk_seterr(err, errlen, "--rom-fixed and --load-addr cannot be used together");
        return FK_EINVAL;
    }
    if (o->test && o->confirm) {
        fk_seterr(err, errlen, "--test and --confirm contradict each other");
        return FK_EINVAL;
    }
    const bool pad = o->pad || o->confirm || o->test; /* both imply a padded image */
    if (pad && o->slot_size == 0) {
        fk_seterr(err, errlen, "--pad/--confirm/--test need --slot-size");
        return FK_EINVAL;
    }
    if (!o->pad_header) {
        /* the payload must already start with header_size zero bytes */
        for (size_t i = 0; i < o->header_size; i++) {
            if (i >= len || payload[i] != 0) {
                fk_seterr(err, errlen,
                          "the payload does not start with 0x%x zero bytes for the header; add --pad-header",
                          o->header_size);
                return FK_EINVAL;
            }
        }
    }
    body = (o->pad_header ? o->header_size : 0) + len;
    if (body - o->header_size > UINT32_MAX - 0x20000u) {
        fk_seterr(err, errlen, "payload of %zu bytes is too large for an MCUboot image", len);
        return FK_EOVERFLOW;
    }
    if (o->key_path != NULL) {
        rc = fk_host_key_load(o->key_path, &key, err, errlen);
        if (rc != FK_OK) {
            return rc;
        }
        have_key = true;
        if (!key.is_private) {
            fk_seterr(err, errlen, "%s: is a public key; signing needs the private key", o->key_path);
            rc = FK_EINVAL;
            goto out;
        }
        if (o->pure && key.type != FK_KEY_ED25519) {
            fk_seterr(err, errlen, "--pure is for Ed25519 keys; %s is %s", o->key_path,
                      fk_key_type_name(key.type));
            rc = FK_EINVAL;
            goto out;
        }
    } else if (o->pure) {
        fk_seterr(err, errlen, "--pure needs a key (-k)");
        return FK_EINVAL;
    }

    /* ---- protected TLVs, in imgtool's order ---- */
    if (o->has_security_counter) {
        uint32_t sc = o->security_counter;
        uint8_t v[4];
        if (o->security_counter_auto) {
            sc = ((uint32_t)o->version.major << 24) + ((uint32_t)o->version.minor << 16) + o->version.revision;
        }
        v[0] = (uint8_t)sc;
        v[1] = (uint8_t)(sc >> 8);
        v[2] = (uint8_t)(sc >> 16);
        v[3] = (uint8_t)(sc >> 24);
        put_tlv(&prot, FK_TLV_SEC_CNT, v, 4);
    }
    for (size_t i = 0; i < o->ndeps; i++) {
        const struct fk_dependency *d = &o->deps[i];
        uint8_t v[12] = {d->image_id, 0, 0, 0, d->min_ver.major, d->min_ver.minor,
                         (uint8_t)d->min_ver.revision, (uint8_t)(d->min_ver.revision >> 8),
                         (uint8_t)d->min_ver.build, (uint8_t)(d->min_ver.build >> 8),
                         (uint8_t)(d->min_ver.build >> 16), (uint8_t)(d->min_ver.build >> 24)};
        put_tlv(&prot, FK_TLV_DEPENDENCY, v, sizeof v);
    }
    for (size_t i = 0; i < o->ncustom; i++) {
        const struct fk_custom_tlv *c = &o->custom[i];
        if (c->tag < 0xa0 || c->tag == 0xffff) {
            fk_seterr(err, errlen, "--custom-tlv 0x%x: vendor TLV tags are 0xa0..0xfffe", c->tag);
            rc = FK_EINVAL;
            goto out;
        }
        for (size_t j = 0; j < i; j++) {
            if (o->custom[j].tag == c->tag) {
                fk_seterr(err, errlen, "--custom-tlv 0x%x given twice", c->tag);
                rc = FK_EINVAL;
                goto out;
            }
        }
        put_tlv(&prot, c->tag, c->val, c->len);
    }
    if (prot.len + 4 > 0xffff) {
        fk_seterr(err, errlen, "protected TLVs total %zu bytes; at most 65535 fit", prot.len + 4);
        rc = FK_EINVAL;
        goto out;
    }

    /* ---- header + padding + payload + protected area ---- */
    {
        uint8_t h[FK_IMAGE_HEADER_SIZE] = {0};
        uint32_t flags = 0;
        uint32_t load = o->rom_fixed ? o->rom_fixed_addr : o->load_addr;
        uint16_t ptlv = prot.len ? (uint16_t)(prot.len + 4) : 0;
        uint32_t img_size = (uint32_t)(body - o->header_size);
        if (o->load_addr != 0) {
            flags |= FK_IMAGE_F_RAM_LOAD;
        }
        if (o->rom_fixed) {
            flags |= FK_IMAGE_F_ROM_FIXED;
        }
        struct buf hb = {h, 0, sizeof h, false};
        put_le32(&hb, FK_IMAGE_MAGIC);
        put_le32(&hb, load);
        put_le16(&hb, (uint16_t)o->header_size);
        put_le16(&hb, ptlv);
        put_le32(&hb, img_size);
        put_le32(&hb, flags);
        put(&hb, &o->version.major, 1);
        put(&hb, &o->version.minor, 1);
        put_le16(&hb, o->version.revision);
        put_le32(&hb, o->version.build);
        put_le32(&hb, 0);
        put(&img, h, sizeof h);
        if (o->pad_header) {
            for (uint32_t i = FK_IMAGE_HEADER_SIZE; i < o->header_size; i++) {
                put(&img, &o->erased_val, 1);
            }
            put(&img, payload, len);
        } else {
            put(&img, payload + FK_IMAGE_HEADER_SIZE, len - FK_IMAGE_HEADER_SIZE);
        }
        if (prot.len) {
            put_le16(&img, FK_IMAGE_TLV_PROT_INFO_MAGIC);
            put_le16(&img, ptlv);
            put(&img, prot.p, prot.len);
        }
    }
    if (img.oom || prot.oom) {
        rc = FK_ENOMEM;
        goto out;
    }
    SHA256(img.p, img.len, digest);

    /* ---- unprotected TLVs: SHA256, [SIG_PURE], KEYHASH|PUBKEY, signature ---- */
    put_tlv(&tlv, FK_TLV_SHA256, digest, 32);
    if (have_key) {
        uint8_t sig[512];
        size_t siglen = sizeof sig;
        uint16_t sigtype = key.type == FK_KEY_ECDSA_P256 ? FK_TLV_ECDSA_SIG
                         : key.type == FK_KEY_ED25519  ? FK_TLV_ED25519
                                                       : FK_TLV_RSA2048_PSS;
        if (o->pure) {
            uint8_t one = 1;
            put_tlv(&tlv, FK_TLV_SIG_PURE, &one, 1);
        }
        if (o->pubkey_format == FK_PUBKEY_FULL) {
            put_tlv(&tlv, FK_TLV_PUBKEY, key.der, (uint16_t)key.der_len);
        } else {
            uint8_t kh[32];
            SHA256(key.der, key.der_len, kh);
            put_tlv(&tlv, FK_TLV_KEYHASH, kh, 32);
        }
        if (key.type == FK_KEY_ED25519) {
            rc = o->pure ? do_sign(&key, digest, img.p, img.len, sig, &siglen, err, errlen)
                         : do_sign(&key, digest, digest, 32, sig, &siglen, err, errlen);
        } else {
            rc = do_sign(&key, digest, NULL, 0, sig, &siglen, err, errlen);
        }
        if (rc != FK_OK) {
            goto out;
        }
        if (o->pad_sig && key.type == FK_KEY_ECDSA_P256) {
            while (siglen < 72) {
                sig[siglen++] = 0;
            }
        }
        put_tlv(&tlv, sigtype, sig, (uint16_t)siglen);
    }
    if (tlv.len + 4 > 0xffff) {
        fk_seterr(err, errlen, "TLV area too large");
        rc = FK_EINVAL;
        goto out;
    }
    put_le16(&img, FK_IMAGE_TLV_INFO_MAGIC);
    put_le16(&img, (uint16_t)(tlv.len + 4));
    put(&img, tlv.p, tlv.len);
    if (img.oom || tlv.oom) {
        rc = FK_ENOMEM;
        goto out;
    }

    /* ---- fit and trailer ---- */
    if (o->slot_size != 0) {
        trailer = fk_image_trailer_size(o);
        if ((uint64_t)img.len + trailer > o->slot_size) {
            fk_seterr(err, errlen,
                      "the image (0x%zx bytes) plus its trailer (0x%x bytes) does not fit the slot "
                      "(0x%x bytes) by %llu bytes; use a bigger slot or a smaller image (-M sets the "
                      "trailer's sector count)",
                      img.len, trailer, o->slot_size,
                      (unsigned long long)((uint64_t)img.len + trailer - o->slot_size));
            rc = FK_ENOSPC;
            goto out;
        }
    }
    if (res != NULL) {
        res->image_len = img.len;
        res->trailer_size = trailer;
        memcpy(res->hash, digest, 32);
        res->key_type = have_key ? key.type : (enum fk_key_type)0;
    }
    if (pad) {
        size_t image_len = img.len;
        uint8_t magic[16];
        uint32_t magic_align = align_up(FK_TRAILER_MAGIC_LEN, ma);
        if (ma == FK_DEFAULT_MAX_ALIGN) {
            memcpy(magic, boot_magic8, 16);
        } else {
            fk_put_le16(magic, (uint16_t)ma);
            memcpy(magic + 2, boot_magic_tail, sizeof boot_magic_tail);
        }
        while (img.len < o->slot_size - 16 && !img.oom) {
            size_t n = o->slot_size - 16 - img.len;
            uint8_t ff[4096];
            memset(ff, o->erased_val, sizeof ff);
            put(&img, ff, n < sizeof ff ? n : sizeof ff);
        }
        put(&img, magic, 16);
        if (img.oom) {
            rc = FK_ENOMEM;
            goto out;
        }
        /* image_ok: first byte of the max_align field just before the
         * (aligned) magic. overwrite-only images never set it. */
        if (o->confirm && !o->overwrite_only) {
            img.p[o->slot_size - magic_align - ma] = 0x01;
        }
        (void)image_len;
    }
    *out = img.p;
    *out_len = img.len;
    img.p = NULL;
out:
    free(img.p);
    free(prot.p);
    free(tlv.p);
    if (have_key) {
        fk_host_key_free(&key);
    }
    return rc;
}
