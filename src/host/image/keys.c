/*
 * PEM keys as imgtool reads and writes them (OpenSSL 3):
 *   private: PKCS#8 "BEGIN PRIVATE KEY" (also traditional EC/RSA PEM),
 *   public:  SPKI "BEGIN PUBLIC KEY".
 * The public bytes MCUboot embeds: SPKI DER for ECDSA P-256 and Ed25519,
 * PKCS#1 RSAPublicKey DER for RSA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fotakit/host/image.h"
#include "host_priv.h"

enum fk_key_type fk_key_type_from_name(const char *name)
{
    if (!strcmp(name, "ecdsa-p256")) return FK_KEY_ECDSA_P256;
    if (!strcmp(name, "ed25519")) return FK_KEY_ED25519;
    if (!strcmp(name, "rsa-2048")) return FK_KEY_RSA2048;
    if (!strcmp(name, "ecdsa-p384")) return FK_KEY_ECDSA_P384;
    if (!strcmp(name, "x25519")) return FK_KEY_X25519;
    return (enum fk_key_type)0;
}

const char *fk_key_type_name(enum fk_key_type type)
{
    switch (type) {
    case FK_KEY_ECDSA_P256: return "ecdsa-p256";
    case FK_KEY_ED25519: return "ed25519";
    case FK_KEY_RSA2048: return "rsa-2048";
    case FK_KEY_ECDSA_P384: return "ecdsa-p384";
    case FK_KEY_X25519: return "x25519";
    default: return "none";
    }
}

static const char *ossl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "not a PEM key";
}

/* Public DER as MCUboot embeds it; type from the key. */
static int pub_der(EVP_PKEY *pk, enum fk_key_type *type, uint8_t *der, size_t *der_len,
                   const char *path, char *err, size_t errlen)
{
    int id = EVP_PKEY_get_base_id(pk);
    unsigned char *p = NULL;
    int n;
    if (id == EVP_PKEY_EC) {
        char curve[64] = "";
        size_t cl = 0;
        if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, &cl) ||
            (strcmp(curve, "prime256v1") != 0 && strcmp(curve, "secp384r1") != 0)) {
            fk_seterr(err, errlen, "%s: EC key on curve '%s'; MCUboot images use P-256 (prime256v1) or P-384 (secp384r1)",
                      path, curve);
            return FK_ENOTSUP;
        }
        *type = strcmp(curve, "secp384r1") == 0 ? FK_KEY_ECDSA_P384 : FK_KEY_ECDSA_P256;
        n = i2d_PUBKEY(pk, &p);
    } else if (id == EVP_PKEY_X25519) {
        *type = FK_KEY_X25519;
        n = i2d_PUBKEY(pk, &p);
    } else if (id == EVP_PKEY_ED25519) {
        *type = FK_KEY_ED25519;
        n = i2d_PUBKEY(pk, &p);
    } else if (id == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(pk) != 2048) {
            fk_seterr(err, errlen, "%s: RSA key of %d bits; fotakit signs with RSA-2048 only", path,
                      EVP_PKEY_get_bits(pk));
            return FK_ENOTSUP;
        }
        *type = FK_KEY_RSA2048;
        n = i2d_PublicKey(pk, &p); /* PKCS#1 RSAPublicKey */
    } else {
        fk_seterr(err, errlen, "%s: unsupported key type; use ecdsa-p256, ecdsa-p384, ed25519, rsa-2048 (or x25519 to encrypt)", path);
        return FK_ENOTSUP;
    }
    if (n <= 0 || (size_t)n > FK_KEY_DER_MAX) {
        OPENSSL_free(p);
        fk_seterr(err, errlen, "%s: cannot encode the public key", path);
        return FK_EINVAL;
    }
    memcpy(der, p, (size_t)n);
    *der_len = (size_t)n;
    OPENSSL_free(p);
    return FK_OK;
}

int fk_host_key_load(const char *path, struct fk_host_key *key, char *err, size_t errlen)
{
    FILE *f;
    EVP_PKEY *pk;
    int rc;

    memset(key, 0, sizeof *key);
    f = fopen(path, "r");
    if (f == NULL) {
        fk_seterr(err, errlen, "%s: cannot open the key file", path);
        return FK_ENOENT;
    }
    ERR_clear_error();
    pk = PEM_read_PrivateKey(f, NULL, NULL, (void *)"");
    if (pk != NULL) {
        key->is_private = true;
    } else {
        rewind(f);
        ERR_clear_error();
        pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    }
    fclose(f);
    if (pk == NULL) {
        fk_seterr(err, errlen,
                  "%s: not a readable PEM private or public key (%s); password-protected keys are not supported",
                  path, ossl_reason());
        return FK_EINVAL;
    }
    rc = pub_der(pk, &key->type, key->der, &key->der_len, path, err, errlen);
    if (rc != FK_OK) {
        EVP_PKEY_free(pk);
        return rc;
    }
    key->pkey = pk;
    return FK_OK;
}

void fk_host_key_free(struct fk_host_key *key)
{
    if (key != NULL) {
        EVP_PKEY_free((EVP_PKEY *)key->pkey);
        key->pkey = NULL;
    }
}

int fk_image_key_load_pem(const char *path, struct fk_image_key *key, uint8_t *buf, size_t buflen,
                          char *err, size_t errlen)
{
    struct fk_host_key hk;
    int rc = fk_host_key_load(path, &hk, err, errlen);
    if (rc != FK_OK) {
        return rc;
    }
    if (hk.der_len > buflen) {
        fk_seterr(err, errlen, "%s: public key is %zu bytes, buffer holds %zu", path, hk.der_len, buflen);
        fk_host_key_free(&hk);
        return FK_ENOMEM;
    }
    memcpy(buf, hk.der, hk.der_len);
    key->type = hk.type;
    key->der = buf;
    key->der_len = hk.der_len;
    fk_host_key_free(&hk);
    return FK_OK;
}

int fk_host_keygen(enum fk_key_type type, const char *path, char *err, size_t errlen)
{
    EVP_PKEY *pk = NULL;
    FILE *f;
    int ok;
    switch (type) {
    case FK_KEY_ECDSA_P256: pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
    case FK_KEY_ED25519: pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
    case FK_KEY_RSA2048: pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
    case FK_KEY_ECDSA_P384: pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
    case FK_KEY_X25519: pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519"); break;
    default:
        fk_seterr(err, errlen, "unknown key type; use ecdsa-p256, ecdsa-p384, ed25519, rsa-2048 or x25519");
        return FK_EINVAL;
    }
    if (pk == NULL) {
        fk_seterr(err, errlen, "key generation failed (%s)", ossl_reason());
        return FK_EIO;
    }
    f = fopen(path, "w");
    if (f == NULL) {
        EVP_PKEY_free(pk);
        fk_seterr(err, errlen, "%s: cannot create the key file", path);
        return FK_EIO;
    }
    ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL); /* PKCS#8, unencrypted */
    ok = (fclose(f) == 0) && ok;
    EVP_PKEY_free(pk);
    if (!ok) {
        fk_seterr(err, errlen, "%s: cannot write the key", path);
        return FK_EIO;
    }
    return FK_OK;
}

static char *c_array(const char *name, const uint8_t *b, size_t n, const char *len_name)
{
    size_t cap = 128 + n * 6 + n / 8 * 6 + 64;
    char *s = malloc(cap), *p = s;
    if (s == NULL) {
        return NULL;
    }
    p += sprintf(p, "/* Autogenerated by imgtool.py, do not edit. */\nconst unsigned char %s[] = {", name);
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0) {
            p += sprintf(p, "\n   ");
        }
        p += sprintf(p, " 0x%02x,", b[i]);
    }
    p += sprintf(p, "\n};\n");
    if (len_name != NULL) {
        p += sprintf(p, "const unsigned int %s = %zu;\n", len_name, n);
    }
    return s;
}

/* imgtool's shortname(): the C identifiers' prefix. */
static const char *shortname(enum fk_key_type type)
{
    switch (type) {
    case FK_KEY_ECDSA_P256: return "ecdsa";
    case FK_KEY_ECDSA_P384: return "ecdsap384";
    case FK_KEY_ED25519: return "ed25519";
    case FK_KEY_RSA2048: return "rsa";
    case FK_KEY_X25519: return "x25519";
    default: return NULL;
    }
}

static char *named_array(enum fk_key_type type, const char *suffix, const uint8_t *b, size_t n)
{
    char name[64], len_name[80];
    if (shortname(type) == NULL) {
        return NULL;
    }
    snprintf(name, sizeof name, "%s%s", shortname(type), suffix);
    snprintf(len_name, sizeof len_name, "%s_len", name);
    return c_array(name, b, n, len_name);
}

char *fk_host_pub_lang_c(enum fk_key_type type, const uint8_t *der, size_t der_len)
{
    return named_array(type, "_pub_key", der, der_len);
}

char *fk_host_pubhash_lang_c(enum fk_key_type type, const uint8_t hash[32])
{
    return named_array(type, "_pub_key_hash", hash, 32);
}

char *fk_host_priv_lang_c(const uint8_t *der, size_t der_len)
{
    return c_array("enc_priv_key", der, der_len, "enc_priv_key_len");
}

/* imgtool getpriv --minimal, on the DER in place (*len shrinks): the same
 * fixed-layout edits imgtool makes, so the same inputs are accepted.
 *   EC pkcs8: drop the [1] public key inside the ECPrivateKey at offset 68
 *   and fix the three enclosing lengths; EC openssl: drop [1] at offset 51;
 *   RSA: keep n, e, d, p, q (drop the CRT values). P-256 layouts only. */
static int fk_host_priv_minimal(enum fk_key_type type, const char *fmt, uint8_t *b, size_t *len)
{
    size_t n = *len;
    if (type == FK_KEY_ECDSA_P256 && !strcmp(fmt, "pkcs8")) {
        if (n < 70 || b[68] != 0xa1 || b[29] != 0x30 || b[27] != 0x04 || b[0] != 0x30 || b[1] != 0x81) {
            return FK_EINVAL;
        }
        size_t lp = (size_t)b[69] + 2;
        n = 68;
        b[30] = (uint8_t)(b[30] - lp);
        b[28] = (uint8_t)(b[28] - lp);
        b[2] = (uint8_t)(b[2] - lp);
        if (b[2] < 0x80) {
            memmove(b + 1, b + 2, n - 2);
            n--;
        }
    } else if (type == FK_KEY_ECDSA_P256) { /* openssl */
        if (n < 53 || b[51] != 0xa1) {
            return FK_EINVAL;
        }
        size_t lp = (size_t)b[52] + 2;
        n = 51;
        b[1] = (uint8_t)(b[1] - lp);
    } else if (type == FK_KEY_RSA2048) {
        size_t off = 7, l;
        if (n < 12 || b[off + 1] != 0x82) return FK_EINVAL;
        l = ((size_t)b[off + 2] << 8) + b[off + 3] + 4;
        off += l;
        if (off + 3 >= n || b[off + 1] != 0x03) return FK_EINVAL;
        off += (size_t)b[off + 2] + 4;
        if (off + 3 >= n || b[off + 1] != 0x82) return FK_EINVAL;
        off += ((size_t)b[off + 2] << 8) + b[off + 3] + 4;
        if (off + 2 >= n || b[off + 1] != 0x81) return FK_EINVAL;
        off += (size_t)b[off + 2] + 3;
        if (off + 2 >= n || b[off + 1] != 0x81) return FK_EINVAL;
        off += (size_t)b[off + 2] + 3;
        if (off > n) return FK_EINVAL;
        b[2] = (uint8_t)((off - 4) >> 8);
        b[3] = (uint8_t)((off - 4) & 0xff);
        n = off;
    } else {
        return FK_ENOTSUP;
    }
    *len = n;
    return FK_OK;
}

/* DER of the private key as imgtool getpriv writes it:
 *   ECDSA: PKCS#8 (default) or "openssl" (RFC 5915 ECPrivateKey); minimal
 *          drops the optional public key;
 *   RSA:   "openssl" (PKCS#1 RSAPrivateKey) only; minimal keeps n, e, d, p, q;
 *   X25519: PKCS#8 only; Ed25519: refused (imgtool: not supported). */
int fk_host_priv_der(const struct fk_host_key *key, const char *format, bool minimal, uint8_t **der,
                     size_t *der_len, char *err, size_t errlen)
{
    EVP_PKEY *pk = (EVP_PKEY *)key->pkey;
    const char *fmt = format;
    const char *structure;
    OSSL_ENCODER_CTX *ec;
    unsigned char *out = NULL;
    size_t outlen = 0;

    *der = NULL;
    *der_len = 0;
    if (!key->is_private) {
        fk_seterr(err, errlen, "getpriv needs a private key; this is a public key");
        return FK_EINVAL;
    }
    switch (key->type) {
    case FK_KEY_ECDSA_P256:
    case FK_KEY_ECDSA_P384:
        if (fmt == NULL) fmt = "pkcs8";
        if (strcmp(fmt, "pkcs8") && strcmp(fmt, "openssl")) goto badfmt;
        break;
    case FK_KEY_RSA2048:
        if (fmt == NULL) fmt = "openssl";
        if (strcmp(fmt, "openssl")) goto badfmt;
        break;
    case FK_KEY_X25519:
        if (fmt == NULL) fmt = "pkcs8";
        if (strcmp(fmt, "pkcs8")) goto badfmt;
        break;
    default:
        fk_seterr(err, errlen, "getpriv is not supported for %s keys (as in imgtool)", fk_key_type_name(key->type));
        return FK_ENOTSUP;
    }
    structure = !strcmp(fmt, "pkcs8") ? "PrivateKeyInfo" : "type-specific";
    ec = OSSL_ENCODER_CTX_new_for_pkey(pk, OSSL_KEYMGMT_SELECT_KEYPAIR | OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS,
                                       "DER", structure, NULL);
    if (ec == NULL || OSSL_ENCODER_to_data(ec, &out, &outlen) != 1) {
        OSSL_ENCODER_CTX_free(ec);
        fk_seterr(err, errlen, "cannot encode the private key (%s)", ossl_reason());
        return FK_EIO;
    }
    OSSL_ENCODER_CTX_free(ec);
    if (minimal) {
        int rc = fk_host_priv_minimal(key->type, fmt, out, &outlen);
        if (rc != FK_OK) {
            OPENSSL_free(out);
            fk_seterr(err, errlen, "cannot make the minimal form of this key");
            return rc;
        }
    }
    *der = malloc(outlen);
    if (*der == NULL) {
        OPENSSL_free(out);
        return FK_ENOMEM;
    }
    memcpy(*der, out, outlen);
    *der_len = outlen;
    OPENSSL_free(out);
    return FK_OK;
badfmt:
    fk_seterr(err, errlen, "%s does not support format %s", shortname(key->type), fmt);
    return FK_EINVAL;
}

char *fk_host_pub_pem(const struct fk_host_key *key)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *s = NULL;
    long n;
    if (b == NULL) {
        return NULL;
    }
    if (PEM_write_bio_PUBKEY(b, (EVP_PKEY *)key->pkey)) {
        n = BIO_get_mem_data(b, &data);
        s = malloc((size_t)n + 1);
        if (s != NULL) {
            memcpy(s, data, (size_t)n);
            s[n] = '\0';
        }
    }
    BIO_free(b);
    return s;
}
