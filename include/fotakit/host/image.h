/*
 * fotakit image, host side: sign MCUboot images the way imgtool does, load
 * imgtool's PEM keys, make keys, read/write Intel HEX. Uses OpenSSL (keys,
 * signing) and the heap. Link fotakit_image_host. Not for device code.
 *
 * Errors: FK_E... codes (fotakit/err.h, fotakit/image.h); functions taking
 * `err, errlen` also write one sentence saying what went wrong and where
 * (always NUL-terminated when errlen > 0).
 */
#ifndef FOTAKIT_IMAGE_HOST_H
#define FOTAKIT_IMAGE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_TRAILER_MAGIC_LEN 16u
#define FK_DEFAULT_MAX_SECTORS 128u
#define FK_DEFAULT_MAX_ALIGN 8u

enum fk_pubkey_format {
    FK_PUBKEY_HASH = 0, /* KEYHASH TLV (imgtool's default) */
    FK_PUBKEY_FULL = 1, /* PUBKEY TLV with the whole public key */
};

struct fk_dependency {
    uint8_t image_id;
    struct fk_image_version min_ver;
};

/* A protected vendor TLV (imgtool --custom-tlv TAG VALUE). */
struct fk_custom_tlv {
    uint16_t tag;
    const uint8_t *val;
    uint16_t len;
};

/* imgtool sign options, same names and meanings. Start from
 * fk_sign_opts_init() and change what you need. */
struct fk_sign_opts {
    const char *key_path;       /* -k: PEM private key; NULL: unsigned (hash-only) image */
    struct fk_image_version version; /* -v */
    uint32_t header_size;       /* --header-size (default 32) */
    bool pad_header;            /* --pad-header: prepend header_size erased bytes */
    uint32_t align;             /* --align 1|2|4|8|16|32 (default 1) */
    uint32_t max_align;         /* --max-align; 0: max(8, align) */
    uint32_t slot_size;         /* --slot-size; 0: no fit check, no --pad */
    uint32_t max_sectors;       /* -M (default 128): sizes the swap-status trailer */
    bool pad;                   /* --pad: pad to slot_size with the trailer magic */
    bool confirm;               /* --confirm: image_ok = 0x01 (implies pad) */
    bool test;                  /* --test: pad without image_ok (implies pad; not with confirm) */
    bool overwrite_only;        /* --overwrite-only: small trailer (2*max_align + magic) */
    bool has_security_counter;  /* -s given */
    bool security_counter_auto; /* -s auto: (major << 24) | (minor << 16) | revision */
    uint32_t security_counter;  /* -s N */
    const struct fk_dependency *deps; /* -d "(id,ver), ..." */
    size_t ndeps;
    const struct fk_custom_tlv *custom; /* --custom-tlv, in order */
    size_t ncustom;
    uint32_t load_addr;         /* --load-addr (sets RAM_LOAD when non-zero) */
    bool rom_fixed;             /* --rom-fixed ADDR: ih_load_addr = ADDR, flag ROM_FIXED */
    uint32_t rom_fixed_addr;
    enum fk_pubkey_format pubkey_format; /* --public-key-format hash|full */
    uint8_t erased_val;         /* -R (default 0xff) */
    bool pure;                  /* --pure: Ed25519 over the whole hash region, SIG_PURE TLV,
                                   SHA512 hash TLV and a SHA-512 KEYHASH (imgtool's rule) */
    bool pad_sig;               /* --pad-sig: ECDSA DER signature zero-padded to 72 (P-256) or
                                   103 (P-384) bytes */
    unsigned sha;               /* --sha: 0 (auto: the key's hash, else 256), 256, 384, 512 */
    bool non_bootable;          /* --non-bootable: flag NON_BOOTABLE */
    const char *boot_record;    /* --boot-record SW_TYPE (<= 12 chars): protected CBOR BOOT_RECORD */
    const char *vid;            /* --vid: UUID (8-4-4-4-12 or 32 hex digits) or a domain name
                                   (UUIDv5 in the DNS namespace): protected UUID_VID */
    const char *cid;            /* --cid: UUID, or a class name (UUIDv5 in the --vid namespace) */
    enum fk_vector_to_sign {
        FK_VECTOR_NONE = 0,
        FK_VECTOR_PAYLOAD,      /* output = the bytes to sign (hash region; pure: the message) */
        FK_VECTOR_DIGEST,       /* output = their digest (what a digest signer signs) */
    } vector_to_sign;           /* --vector-to-sign: offline/HSM signing, step 1 */
    const uint8_t *fix_sig;     /* --fix-sig: a signature made elsewhere (decoded bytes) */
    size_t fix_sig_len;
    const char *fix_sig_pubkey; /* --fix-sig-pubkey: the PEM public key of fix_sig */
    /* encryption (-E): the payload is AES-CTR encrypted after hashing and
     * signing the plaintext; the image key goes in an ENC_* TLV */
    const char *enc_key_path;   /* -E: PEM public key (EC P-256, X25519, RSA-2048) or a 16/32-byte
                                   raw AES key-encryption key file (ENC_KW) */
    unsigned encrypt_keylen;    /* --encrypt-keylen 128 (default when 0) | 256 */
    bool clear;                 /* --clear: ENC TLV and flag, payload left in clear */
    bool save_enctlv;           /* --save-enctlv: trailer sized for the whole ENC TLV */
    unsigned hmac_sha;          /* --hmac-sha 0 (auto = 256) | 256 | 512 (X25519 only:
                                   ENC_X25519_SHA512) */
    const uint8_t *enc_plainkey; /* tests only: this AES key instead of a random one (NULL) */
};

/* What fk_image_sign_ex made. */
struct fk_sign_result {
    size_t image_len;      /* header + payload + TLVs (before --pad); with vector_to_sign the
                              vector's length */
    uint32_t trailer_size; /* the trailer reservation (0 if slot_size == 0) */
    uint8_t hash[32];      /* the first 32 bytes of the hash TLV (all of the SHA256 TLV) */
    enum fk_key_type key_type; /* 0 for unsigned images */
    uint16_t hash_type;    /* FK_TLV_SHA256/384/512 */
    size_t hash_len;
    uint8_t hash_full[FK_IMAGE_HASH_MAX];
    uint8_t sig[512];      /* the signature TLV's value (for --sig-out) */
    size_t sig_len;        /* 0: unsigned */
};

void fk_sign_opts_init(struct fk_sign_opts *opts);

/* imgtool's trailer reservation for these options:
 *   overwrite-only: 2*max_align + align_up(16, max_align)
 *   otherwise:      max_sectors*3*align + 4*max_align + align_up(16, max_align) */
uint32_t fk_image_trailer_size(const struct fk_sign_opts *opts);

/* Sign `payload` (raw bytes; Intel HEX: convert first). *out is malloc'ed
 * (free() it). FK_ENOSPC with "does not fit the slot by N bytes" when
 * header + payload + TLVs + trailer exceed slot_size. */
int fk_image_sign(const struct fk_sign_opts *opts, const uint8_t *payload, size_t len, uint8_t **out,
                  size_t *out_len, char *err, size_t errlen);
int fk_image_sign_ex(const struct fk_sign_opts *opts, const uint8_t *payload, size_t len,
                     uint8_t **out, size_t *out_len, struct fk_sign_result *res, char *err,
                     size_t errlen);

/* ---- keys ---------------------------------------------------------------- */

/* A key loaded from a PEM file (private or public). `der` holds the public
 * key as MCUboot embeds it (`imgtool getpub -e raw`): SPKI for ECDSA and
 * Ed25519, PKCS#1 RSAPublicKey for RSA. */
#define FK_KEY_DER_MAX 600u
struct fk_host_key {
    enum fk_key_type type;
    bool is_private;
    uint8_t der[FK_KEY_DER_MAX];
    size_t der_len;
    void *pkey; /* OpenSSL EVP_PKEY *, owned */
};

/* Load a PEM (PKCS#8 private key, traditional EC/RSA private key, or public
 * key). Accepts the types fotakit signs with (ECDSA P-256 and P-384,
 * Ed25519, RSA-2048) and X25519 (encryption only). */
int fk_host_key_load(const char *path, struct fk_host_key *key, char *err, size_t errlen);
void fk_host_key_free(struct fk_host_key *key);

/* Convenience for virtual devices and tests: load a PEM (private or public)
 * and fill `key` for a key ring, with its DER bytes copied into `buf`. */
int fk_image_key_load_pem(const char *path, struct fk_image_key *key, uint8_t *buf, size_t buflen,
                          char *err, size_t errlen);

/* Make a new key and write it as PKCS#8 PEM (as imgtool keygen). */
int fk_host_keygen(enum fk_key_type type, const char *path, char *err, size_t errlen);

/* `imgtool getpub -e lang-c` text for these DER bytes (malloc'ed string). */
char *fk_host_pub_lang_c(enum fk_key_type type, const uint8_t *der, size_t der_len);
/* `imgtool getpubhash -e lang-c` text (malloc'ed string). */
char *fk_host_pubhash_lang_c(enum fk_key_type type, const uint8_t hash[32]);
/* `imgtool getpriv` text (enc_priv_key[] and its length) for these DER bytes. */
char *fk_host_priv_lang_c(const uint8_t *der, size_t der_len);
/* The private key's DER as imgtool getpriv makes it (*der malloc'ed).
 * format: "pkcs8" | "openssl" | NULL (the key type's default: pkcs8 for EC
 * and X25519, openssl for RSA); minimal: imgtool's --minimal (P-256, RSA).
 * Ed25519 is refused as imgtool refuses it. */
int fk_host_priv_der(const struct fk_host_key *key, const char *format, bool minimal, uint8_t **der,
                     size_t *der_len, char *err, size_t errlen);
/* SPKI PEM of the public key (malloc'ed string), as `imgtool getpub -e pem`. */
char *fk_host_pub_pem(const struct fk_host_key *key);

/* Key type from imgtool's name ("ecdsa-p256", "ecdsa-p384", "ed25519",
 * "rsa-2048", "x25519"); 0 if unknown. */
enum fk_key_type fk_key_type_from_name(const char *name);
const char *fk_key_type_name(enum fk_key_type type);

/* ---- encryption ----------------------------------------------------------- */

enum fk_enc_kind {
    FK_ENC_NONE = 0,
    FK_ENC_EC256,   /* ECIES-P256: TLV ENC_EC256 */
    FK_ENC_X25519,  /* ECIES-X25519: TLV ENC_X25519 (ENC_X25519_SHA512 with HMAC-SHA512) */
    FK_ENC_RSA2048, /* RSA-2048 OAEP: TLV ENC_RSA2048 */
    FK_ENC_KW,      /* AES key wrap (RFC 3394) with a shared KEK: TLV ENC_KW */
};

/* An encryption key: a PEM key (public to encrypt, private to decrypt) or a
 * raw 16/32-byte AES key-encryption key file (ENC_KW; symmetric). */
struct fk_enc_key {
    enum fk_enc_kind kind;
    bool is_private;
    struct fk_host_key key; /* EC256, X25519, RSA2048 */
    uint8_t kek[32];        /* KW */
    size_t kek_len;
};
int fk_enc_key_load(const char *path, struct fk_enc_key *k, char *err, size_t errlen);
void fk_enc_key_free(struct fk_enc_key *k);
const char *fk_enc_kind_name(enum fk_enc_kind kind);
/* Which key kind reads an ENC_* TLV type; FK_ENC_NONE for other types. */
enum fk_enc_kind fk_enc_kind_of_tlv(uint16_t tlv_type);

/* Make the ENC_* TLV carrying `plainkey` (16 or 32 bytes) for key `k`:
 * *tlv_type and tlv[0..*tlv_len). hmac_sha 512: ENC_X25519_SHA512. */
int fk_enc_wrap(const struct fk_enc_key *k, const uint8_t *plainkey, size_t keylen, unsigned hmac_sha,
                uint16_t *tlv_type, uint8_t *tlv, size_t cap, size_t *tlv_len, char *err, size_t errlen);
/* Recover the image key from an ENC_* TLV with the private key (or KEK).
 * FK_OK; FK_EIMG_ENC_KEY when the key does not match (HMAC, OAEP or unwrap
 * integrity check); FK_EIMG_TLV_LEN for a TLV of the wrong size. */
int fk_enc_unwrap(const struct fk_enc_key *k, uint16_t tlv_type, const uint8_t *tlv, size_t tlv_len,
                  size_t keylen, uint8_t *plainkey, char *err, size_t errlen);
/* AES-CTR (MCUboot's: counter block = 16-byte big-endian block number from
 * 0) in place over data, which sits at byte `off` of the encrypted range. */
int fk_aes_ctr(const uint8_t *key, size_t keylen, uint64_t off, uint8_t *data, size_t len);
/* A copy of the image (malloc'ed, same length) with its payload decrypted;
 * header, TLVs and anything after them unchanged. */
int fk_image_decrypt_buf(const uint8_t *img, size_t len, const struct fk_enc_key *k, uint8_t **out,
                         char *err, size_t errlen);

/* ---- files --------------------------------------------------------------- */

/* Read a whole file (malloc'ed). At most FK_FILE_MAX bytes: anything longer
 * (a mistyped path, /dev/zero, /dev/urandom) is refused with FK_EOVERFLOW
 * after reading FK_FILE_MAX + 1 bytes, a directory with FK_EINVAL. An empty
 * file is read (len 0): the caller says whether that is wrong. */
#define FK_FILE_MAX (256u << 20) /* the largest slot a board can have: a whole 2 Gbit NOR */
int fk_file_read(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen);
int fk_file_write(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* Intel HEX. Read: the bytes from the lowest to the highest address, gaps
 * filled with `fill`, and the lowest address. Write: one or more segments. */
int fk_hex_read(const char *path, uint8_t fill, uint8_t **data, size_t *len, uint32_t *base,
                char *err, size_t errlen);
struct fk_hex_seg {
    uint32_t addr;
    const uint8_t *data;
    size_t len;
};
int fk_hex_write(const char *path, const struct fk_hex_seg *segs, size_t nsegs, char *err,
                 size_t errlen);
/* True if the path ends in ".hex" (case-insensitive), as imgtool decides. */
bool fk_path_is_hex(const char *path);

/* ---- RAM flash ------------------------------------------------------------ */

/* A flash device over a caller's buffer (read-only use: verify/info of a
 * file). Fills dev and area (area id FK_AREA_ID_SECONDARY, whole buffer). */
void fk_ram_flash_init(struct fk_flash_dev *dev, struct fk_flash_area *area, const uint8_t *buf,
                       uint32_t size);

/* The value of the LAST TLV of `type` in an image held in memory (copied to
 * val, at most cap bytes; its length in *vlen) and the image's stored SHA-256
 * (hash may be NULL). Walks the TLVs with fk_image_inspect() and the TLV
 * iterator. FK_OK; FK_ENOENT if there is no such TLV; FK_ENOMEM if it is
 * longer than cap; or the error fk_image_inspect() reports. */
int fk_image_buf_tlv(const uint8_t *img, size_t len, uint16_t type, uint8_t *val, size_t cap,
                     size_t *vlen, uint8_t hash[32]);

#ifdef __cplusplus
}
#endif
#endif
