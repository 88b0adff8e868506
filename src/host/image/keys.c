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
    return (enum fk_key_type)0;
}

const char *fk_key_type_name(enum fk_key_type type)
{
    switch (type) {
    case FK_KEY_ECDSA_P256: return "ecdsa-p256";
    case FK_KEY_ED25519: return "ed25519";
    case FK_KEY_RSA2048: return "rsa-2048";
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
            strcmp(curve, "prime256v1") != 0) {
            fk_seterr(err, errlen, "%s: EC key on curve '%s'; MCUboot images use P-256 (prime256v1)", path, curve);
            return FK_ENOTSUP;
        }
        *type = FK_KEY_ECDSA_P256;
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
        fk_seterr(err, errlen, "%s: unsupported key type; use ecdsa-p256, ed25519 or rsa-2048", path);
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
    default:
        fk_seterr(err, errlen, "unknown key type; use ecdsa-p256, ed25519 or rsa-2048");
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

char *fk_host_pub_lang_c(enum fk_key_type type, const uint8_t *der, size_t der_len)
{
    switch (type) {
    case FK_KEY_ECDSA_P256: return c_array("ecdsa_pub_key", der, der_len, "ecdsa_pub_key_len");
    case FK_KEY_ED25519: return c_array("ed25519_pub_key", der, der_len, "ed25519_pub_key_len");
    case FK_KEY_RSA2048: return c_array("rsa_pub_key", der, der_len, "rsa_pub_key_len");
    default: return NULL;
    }
}

char *fk_host_pubhash_lang_c(enum fk_key_type type, const uint8_t hash[32])
{
    switch (type) {
    case FK_KEY_ECDSA_P256: return c_array("ecdsa_pub_key_hash", hash, 32, "ecdsa_pub_key_hash_len");
    case FK_KEY_ED25519: return c_array("ed25519_pub_key_hash", hash, 32, "ed25519_pub_key_hash_len");
    case FK_KEY_RSA2048: return c_array("rsa_pub_key_hash", hash, 32, "rsa_pub_key_hash_len");
    default: return NULL;
    }
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
