/*
 * fk_image_sign: build an MCUboot image exactly as imgtool sign does.
 *
 * Layout: [header (32 B) | header padding to header_size | payload |
 * protected TLVs (0x6908: SEC_CNT, BOOT_RECORD, DEPENDENCY..., UUID_VID,
 * UUID_CID, custom...) | unprotected TLVs (0x6907: hash (SHA256/384/512),
 * [SIG_PURE], KEYHASH or PUBKEY, signature, [ENC_*])]
 * then, with --pad, erased bytes up to slot_size with the trailer at the end.
 * The hash covers everything before the unprotected TLV area, in plaintext;
 * with -E the payload is then AES-CTR encrypted (imgtool's order).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
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


/* The hash imgtool picks (key_and_user_sha_to_alg_and_tlv): the key's hash
 * (P-384: 384; P-256 private, RSA: 256; Ed25519: 256 or 512, auto 256; P-256
 * public, for --fix-sig: 256 or 512), pure Ed25519: 512; no key: --sha. */
static int pick_hash(const struct fk_sign_opts *o, enum fk_key_type kt, bool is_private, uint16_t *tlv,
                     char *err, size_t errlen)
{
    unsigned want = o->sha;
    unsigned allowed[2] = {0, 0};
    if (o->sha != 0 && o->sha != 256 && o->sha != 384 && o->sha != 512) {
        fk_seterr(err, errlen, "--sha %u: must be auto, 256, 384 or 512", o->sha);
        return FK_EINVAL;
    }
    if (o->pure && o->sha != 0) {
        fk_seterr(err, errlen, "--pure chooses the hash itself (SHA-512); do not give --sha");
        return FK_EINVAL;
    }
    switch ((int)kt) {
    case 0: allowed[0] = want ? want : 256; break;
    case FK_KEY_ECDSA_P384: allowed[0] = 384; break;
    case FK_KEY_ECDSA_P256: allowed[0] = 256; allowed[1] = is_private ? 0 : 512; break;
    case FK_KEY_RSA2048: allowed[0] = 256; break;
    case FK_KEY_ED25519: allowed[0] = o->pure ? 512 : 256; allowed[1] = o->pure ? 0 : 512; break;
    default:
        fk_seterr(err, errlen, "a %s key cannot sign images", fk_key_type_name(kt));
        return FK_EINVAL;
    }
    if (o->pure && (kt != FK_KEY_ED25519 || !is_private)) {
        fk_seterr(err, errlen, "--pure is for Ed25519 private keys; this key is %s%s", fk_key_type_name(kt),
                  is_private ? "" : " (public)");
        return FK_EINVAL;
    }
    if (want == 0) {
        want = allowed[0];
    } else if (want != allowed[0] && want != allowed[1]) {
        fk_seterr(err, errlen, "a %s key cannot be used with --sha %u; allowed: %u%s%s", fk_key_type_name(kt), want,
                  allowed[0], allowed[1] ? " or " : "", allowed[1] == 512 ? "512" : "");
        return FK_EINVAL;
    }
    *tlv = want == 512 ? FK_TLV_SHA512 : want == 384 ? FK_TLV_SHA384 : FK_TLV_SHA256;
    return FK_OK;
}

static const EVP_MD *md_of(uint16_t hash_tlv)
{
    return hash_tlv == FK_TLV_SHA512 ? EVP_sha512() : hash_tlv == FK_TLV_SHA384 ? EVP_sha384() : EVP_sha256();
}

static void digest_of(uint16_t hash_tlv, const void *d, size_t n, uint8_t *out)
{
    unsigned int ol = 0;
    EVP_Digest(d, n, out, &ol, md_of(hash_tlv), NULL);
}

/* Sign as imgtool does: ECDSA and RSA-PSS sign the payload with their own
 * hash (= the digest's), Ed25519 signs the digest bytes, or with --pure the
 * payload itself. */
static int do_sign(const struct fk_host_key *k, bool pure, const uint8_t *digest, size_t dlen,
                   const uint8_t *msg, size_t msglen, uint8_t *sig, size_t *siglen, char *err, size_t errlen)
{
    EVP_PKEY *pk = (EVP_PKEY *)k->pkey;
    int ok = 0;
    if (k->type == FK_KEY_ED25519) {
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        ok = mc != NULL && EVP_DigestSignInit(mc, NULL, NULL, NULL, pk) == 1 &&
             (pure ? EVP_DigestSign(mc, sig, siglen, msg, msglen) : EVP_DigestSign(mc, sig, siglen, digest, dlen)) == 1;
        EVP_MD_CTX_free(mc);
    } else {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
        const EVP_MD *md = k->type == FK_KEY_ECDSA_P384 ? EVP_sha384() : EVP_sha256();
        ok = c != NULL && EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_CTX_set_signature_md(c, md) == 1;
        if (ok && k->type == FK_KEY_RSA2048) {
            ok = EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(c, 32) == 1;
        }
        ok = ok && EVP_PKEY_sign(c, sig, siglen, digest, dlen) == 1;
        EVP_PKEY_CTX_free(c);
    }
    if (!ok) {
        fk_seterr(err, errlen, "signing with the %s key failed", fk_key_type_name(k->type));
        return FK_EIO;
    }
    return FK_OK;
}

/* imgtool parse_uuid: 8-4-4-4-12 or 32 hex digits as they are; otherwise a
 * printable name hashed into a version-5 UUID in `ns` (NULL: refused). */
static int parse_uuid(const char *s, const uint8_t *ns, uint8_t out[16])
{
    size_t n = strlen(s), j = 0;
    bool dashed = n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-';
    if (dashed || n == 32) {
        bool hex = true;
        for (size_t i = 0; i < n && hex; i++) {
            if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
            hex = isxdigit((unsigned char)s[i]) != 0;
        }
        if (hex) {
            for (size_t i = 0; i < n; i++) {
                if (s[i] == '-') continue;
                unsigned v;
                sscanf(s + i, "%1x", &v);
                if (j % 2 == 0) out[j / 2] = (uint8_t)(v << 4);
                else out[j / 2] |= (uint8_t)v;
                j++;
            }
            return FK_OK;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return FK_EINVAL;
    }
    if (ns == NULL) return FK_ENOENT;
    {
        uint8_t h[20];
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        unsigned int hl = 0;
        int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 && EVP_DigestUpdate(c, ns, 16) == 1 &&
                 EVP_DigestUpdate(c, s, n) == 1 && EVP_DigestFinal_ex(c, h, &hl) == 1;
        EVP_MD_CTX_free(c);
        if (!ok) return FK_EIO;
        memcpy(out, h, 16);
        out[6] = (uint8_t)((out[6] & 0x0f) | 0x50); /* version 5 */
        out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    }
    return FK_OK;
}

/* CBOR head (major type, length) into b; returns its size. */
static size_t cbor_head(uint8_t *b, uint8_t major, size_t len)
{
    if (len < 24) {
        b[0] = (uint8_t)(major << 5 | len);
        return 1;
    }
    if (len < 256) {
        b[0] = (uint8_t)(major << 5 | 24);
        b[1] = (uint8_t)len;
        return 2;
    }
    b[0] = (uint8_t)(major << 5 | 25);
    b[1] = (uint8_t)(len >> 8);
    b[2] = (uint8_t)len;
    return 3;
}

/* imgtool's BOOT_RECORD: cbor2.dumps({1: sw_type, 4: "M.m.r", 5: signer id
 * (KEYHASH bytes, 32 zero bytes without a key), 6: hash TLV name, 2: zero
 * digest}) in that order; the bootloader fills the measurement (key 2). */
static size_t boot_record(uint8_t *b, const char *sw_type, const struct fk_image_version *v,
                          const uint8_t *signer, size_t slen, uint16_t hash_tlv, size_t hlen)
{
    char ver[32];
    const char *hname = fk_image_tlv_name(hash_tlv);
    size_t n = 0;
    snprintf(ver, sizeof ver, "%u.%u.%u", v->major, v->minor, v->revision);
    b[n++] = 0xa5;
    b[n++] = 0x01;
    n += cbor_head(b + n, 3, strlen(sw_type));
    memcpy(b + n, sw_type, strlen(sw_type));
    n += strlen(sw_type);
    b[n++] = 0x04;
    n += cbor_head(b + n, 3, strlen(ver));
    memcpy(b + n, ver, strlen(ver));
    n += strlen(ver);
    b[n++] = 0x05;
    n += cbor_head(b + n, 2, slen);
    memcpy(b + n, signer, slen);
    n += slen;
    b[n++] = 0x06;
    n += cbor_head(b + n, 3, strlen(hname));
    memcpy(b + n, hname, strlen(hname));
    n += strlen(hname);
    b[n++] = 0x02;
    n += cbor_head(b + n, 2, hlen);
    memset(b + n, 0, hlen);
    return n + hlen;
}

int fk_image_sign(const struct fk_sign_opts *opts, const uint8_t *payload, size_t len, uint8_t **out,
                  size_t *out_len, char *err, size_t errlen)
{
    return fk_image_sign_ex(opts, payload, len, out, out_len, NULL, err, errlen);
}

/* imgtool _trailer_size with the encryption key slots. */
static uint32_t trailer_size(const struct fk_sign_opts *o, size_t enctlv_len)
{
    uint32_t t = fk_image_trailer_size(o);
    if (o->enc_key_path != NULL && !o->overwrite_only) {
        uint32_t ma = max_align_of(o);
        t += 2 * align_up(o->save_enctlv ? (uint32_t)enctlv_len : 16u, ma);
    }
    return t;
}

int fk_image_sign_ex(const struct fk_sign_opts *o, const uint8_t *payload, size_t len,
                     uint8_t **out, size_t *out_len, struct fk_sign_result *res, char *err,
                     size_t errlen)
{
    struct fk_host_key key, fkey;
    struct fk_enc_key ek;
    bool have_key = false, have_fkey = false, have_ek = false;
    const struct fk_host_key *signer = NULL; /* key or fix-sig public key */
    struct buf img = {0};
    struct buf prot = {0};
    struct buf tlv = {0};
    uint8_t digest[FK_IMAGE_HASH_MAX];
    size_t dlen;
    uint16_t hash_tlv = FK_TLV_SHA256;
    uint8_t sig[512];
    size_t siglen = 0;
    uint8_t plainkey[32];
    size_t keylen = o->encrypt_keylen == 256 ? 32 : 16;
    size_t enctlv_len = 0;
    uint32_t ma, trailer = 0;
    size_t body, body_end;
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
    if (o->encrypt_keylen != 0 && o->encrypt_keylen != 128 && o->encrypt_keylen != 256) {
        fk_seterr(err, errlen, "--encrypt-keylen %u: must be 128 or 256", o->encrypt_keylen);
        return FK_EINVAL;
    }
    if (o->hmac_sha != 0 && o->hmac_sha != 256 && o->hmac_sha != 512) {
        fk_seterr(err, errlen, "--hmac-sha %u: must be auto, 256 or 512", o->hmac_sha);
        return FK_EINVAL;
    }
    if (o->boot_record != NULL && (strlen(o->boot_record) > 12 || o->boot_record[0] == '\0')) {
        fk_seterr(err, errlen, "--boot-record '%s': 1 to 12 characters (imgtool's limit)", o->boot_record);
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
    if (o->key_path != NULL && o->fix_sig != NULL) {
        fk_seterr(err, errlen, "-k and --fix-sig cannot be used together: the signature is either made here or given");
        return FK_EINVAL;
    }
    if (o->fix_sig != NULL && o->fix_sig_pubkey == NULL) {
        fk_seterr(err, errlen, "--fix-sig needs --fix-sig-pubkey (the public key of the fixed signature)");
        return FK_EINVAL;
    }
    if (o->key_path != NULL) {
        rc = fk_host_key_load(o->key_path, &key, err, errlen);
        if (rc != FK_OK) {
            return rc;
        }
        have_key = true;
        signer = &key;
        if (!key.is_private) {
            fk_seterr(err, errlen, "%s: is a public key; signing needs the private key (or use --fix-sig)",
                      o->key_path);
            rc = FK_EINVAL;
            goto out;
        }
    } else if (o->fix_sig != NULL) {
        rc = fk_host_key_load(o->fix_sig_pubkey, &fkey, err, errlen);
        if (rc != FK_OK) {
            return rc;
        }
        have_fkey = true;
        signer = &fkey;
        if (o->fix_sig_len == 0 || o->fix_sig_len > sizeof sig) {
            fk_seterr(err, errlen, "--fix-sig: a signature of %zu bytes is not plausible", o->fix_sig_len);
            rc = FK_EINVAL;
            goto out;
        }
    }
    if (o->pure && signer == NULL) {
        fk_seterr(err, errlen, "--pure needs a key (-k)");
        rc = FK_EINVAL;
        goto out;
    }
    rc = pick_hash(o, signer ? signer->type : (enum fk_key_type)0, signer ? signer->is_private : false, &hash_tlv,
                   err, errlen);
    if (rc != FK_OK) {
        goto out;
    }
    if (o->pure && have_fkey) {
        fk_seterr(err, errlen, "--pure with --fix-sig: imgtool has no pure fixed signature");
        rc = FK_EINVAL;
        goto out;
    }
    dlen = fk_image_hash_len(hash_tlv);
    if (o->enc_key_path != NULL) {
        rc = fk_enc_key_load(o->enc_key_path, &ek, err, errlen);
        if (rc != FK_OK) {
            goto out;
        }
        have_ek = true;
        /* imgtool: an ECDSA or RSA signing key needs an encryption key of its
         * kind (P-384 cannot encrypt); Ed25519 works with any */
        if (signer != NULL && ((signer->type == FK_KEY_ECDSA_P256 && ek.kind != FK_ENC_EC256) ||
                               signer->type == FK_KEY_ECDSA_P384 ||
                               (signer->type == FK_KEY_RSA2048 && ek.kind != FK_ENC_RSA2048))) {
            fk_seterr(err, errlen, "signing and encryption must use the same type of key (as imgtool): a %s "
                                   "signing key needs %s",
                      fk_key_type_name(signer->type),
                      signer->type == FK_KEY_ECDSA_P256 ? "an EC P-256 encryption key"
                      : signer->type == FK_KEY_RSA2048  ? "an RSA-2048 encryption key"
                                                        : "an encryption key type MCUboot does not have");
            rc = FK_EINVAL;
            goto out;
        }
    }

    /* ---- protected TLVs, in imgtool's order ---- */
    if (o->has_security_counter) {
        uint32_t sc = o->security_counter;
        uint8_t v[4];
        if (o->security_counter_auto) {
            sc = ((uint32_t)o->version.major << 24) + ((uint32_t)o->version.minor << 16) + o->version.revision;
        }
        fk_put_le32(v, sc);
        put_tlv(&prot, FK_TLV_SEC_CNT, v, 4);
    }
    if (o->boot_record != NULL) {
        uint8_t rec[160], signer_id[FK_IMAGE_HASH_MAX] = {0};
        size_t sid_len = 32;
        if (signer != NULL) {
            digest_of(hash_tlv, signer->der, signer->der_len, signer_id);
            sid_len = dlen;
        }
        put_tlv(&prot, FK_TLV_BOOT_RECORD, rec,
                (uint16_t)boot_record(rec, o->boot_record, &o->version, signer_id, sid_len, hash_tlv, dlen));
    }
    for (size_t i = 0; i < o->ndeps; i++) {
        const struct fk_dependency *d = &o->deps[i];
        uint8_t v[12] = {d->image_id, 0, 0, 0, d->min_ver.major, d->min_ver.minor};
        fk_put_le16(v + 6, d->min_ver.revision);
        fk_put_le32(v + 8, d->min_ver.build);
        put_tlv(&prot, FK_TLV_DEPENDENCY, v, sizeof v);
    }
    {
        uint8_t vid[16], cid[16];
        static const uint8_t ns_dns[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                           0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
        if (o->vid != NULL) {
            if (parse_uuid(o->vid, ns_dns, vid) != FK_OK) {
                fk_seterr(err, errlen, "--vid '%s': not a UUID or a printable name", o->vid);
                rc = FK_EINVAL;
                goto out;
            }
            put_tlv(&prot, FK_TLV_UUID_VID, vid, 16);
        }
        if (o->cid != NULL) {
            rc = parse_uuid(o->cid, o->vid ? vid : NULL, cid);
            if (rc != FK_OK) {
                fk_seterr(err, errlen, rc == FK_ENOENT ? "--cid '%s': a class name needs --vid (its namespace)"
                                                       : "--cid '%s': not a UUID or a printable name",
                          o->cid);
                rc = FK_EINVAL;
                goto out;
            }
            put_tlv(&prot, FK_TLV_UUID_CID, cid, 16);
        }
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

    /* ---- header + padding + payload (+ zeros to 16 when encrypting) + protected area ---- */
    {
        uint8_t h[FK_IMAGE_HEADER_SIZE] = {0};
        uint32_t flags = 0;
        uint32_t load = o->rom_fixed ? o->rom_fixed_addr : o->load_addr;
        uint16_t ptlv = prot.len ? (uint16_t)(prot.len + 4) : 0;
        size_t encpad = have_ek && body % 16 ? 16 - body % 16 : 0;
        uint32_t img_size = (uint32_t)(body + encpad - o->header_size);
        if (have_ek) {
            flags |= keylen == 32 ? FK_IMAGE_F_ENCRYPTED_AES256 : FK_IMAGE_F_ENCRYPTED_AES128;
        }
        if (o->load_addr != 0) {
            flags |= FK_IMAGE_F_RAM_LOAD;
        }
        if (o->rom_fixed) {
            flags |= FK_IMAGE_F_ROM_FIXED;
        }
        if (o->non_bootable) {
            flags |= FK_IMAGE_F_NON_BOOTABLE;
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
        for (size_t i = 0; i < encpad; i++) {
            static const uint8_t zero = 0;
            put(&img, &zero, 1);
        }
        body_end = img.len;
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
    digest_of(hash_tlv, img.p, img.len, digest);

    /* ---- offline signing: hand out what is to be signed and stop ---- */
    if (o->vector_to_sign != FK_VECTOR_NONE) {
        if (res != NULL) {
            memset(res, 0, sizeof *res);
            res->hash_type = hash_tlv;
            res->hash_len = dlen;
            memcpy(res->hash_full, digest, dlen);
            memcpy(res->hash, digest, 32);
        }
        if (o->vector_to_sign == FK_VECTOR_DIGEST) {
            img.len = 0;
            put(&img, digest, dlen);
        }
        if (res != NULL) {
            res->image_len = img.len;
        }
        *out = img.p;
        *out_len = img.len;
        img.p = NULL;
        goto out;
    }

    /* ---- unprotected TLVs: hash, [SIG_PURE], KEYHASH|PUBKEY, signature, [ENC] ---- */
    put_tlv(&tlv, hash_tlv, digest, (uint16_t)dlen);
    if (o->pure) {
        uint8_t one = 1;
        put_tlv(&tlv, FK_TLV_SIG_PURE, &one, 1);
    }
    if (signer != NULL) {
        uint16_t sigtype = signer->type == FK_KEY_ED25519   ? FK_TLV_ED25519
                         : signer->type == FK_KEY_RSA2048 ? FK_TLV_RSA2048_PSS
                                                          : FK_TLV_ECDSA_SIG;
        if (o->pubkey_format == FK_PUBKEY_FULL) {
            put_tlv(&tlv, FK_TLV_PUBKEY, signer->der, (uint16_t)signer->der_len);
        } else {
            uint8_t kh[FK_IMAGE_HASH_MAX];
            digest_of(hash_tlv, signer->der, signer->der_len, kh); /* KEYHASH: the image's hash */
            put_tlv(&tlv, FK_TLV_KEYHASH, kh, (uint16_t)dlen);
        }
        if (have_key) {
            siglen = sizeof sig;
            rc = do_sign(&key, o->pure, digest, dlen, img.p, img.len, sig, &siglen, err, errlen);
            if (rc != FK_OK) {
                goto out;
            }
            if (o->pad_sig && (key.type == FK_KEY_ECDSA_P256 || key.type == FK_KEY_ECDSA_P384)) {
                size_t want = key.type == FK_KEY_ECDSA_P384 ? 103 : 72;
                while (siglen < want) {
                    sig[siglen++] = 0;
                }
            }
        } else {
            memcpy(sig, o->fix_sig, o->fix_sig_len);
            siglen = o->fix_sig_len;
        }
        put_tlv(&tlv, sigtype, sig, (uint16_t)siglen);
    }
    if (have_ek) {
        uint8_t et[512];
        uint16_t et_type = 0;
        if (o->enc_plainkey != NULL) {
            memcpy(plainkey, o->enc_plainkey, keylen);
        } else if (RAND_bytes(plainkey, (int)keylen) != 1) {
            fk_seterr(err, errlen, "no random bytes for the image key");
            rc = FK_EIO;
            goto out;
        }
        rc = fk_enc_wrap(&ek, plainkey, keylen, o->hmac_sha, &et_type, et, sizeof et, &enctlv_len, err, errlen);
        if (rc != FK_OK) {
            goto out;
        }
        put_tlv(&tlv, et_type, et, (uint16_t)enctlv_len);
        if (!o->clear) {
            rc = fk_aes_ctr(plainkey, keylen, 0, img.p + o->header_size, body_end - o->header_size);
            if (rc != FK_OK) {
                goto out;
            }
        }
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
        trailer = trailer_size(o, enctlv_len);
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
        res->hash_type = hash_tlv;
        res->hash_len = dlen;
        memcpy(res->hash_full, digest, dlen);
        res->key_type = signer != NULL ? signer->type : (enum fk_key_type)0;
        memcpy(res->sig, sig, siglen);
        res->sig_len = siglen;
    }
    if (pad) {
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
    }
    *out = img.p;
    *out_len = img.len;
    img.p = NULL;
out:
    OPENSSL_cleanse(plainkey, sizeof plainkey);
    free(img.p);
    free(prot.p);
    free(tlv.p);
    if (have_key) {
        fk_host_key_free(&key);
    }
    if (have_fkey) {
        fk_host_key_free(&fkey);
    }
    if (have_ek) {
        fk_enc_key_free(&ek);
    }
    return rc;
}
