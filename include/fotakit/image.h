/*
 * fotakit image: the MCUboot image format (header, TLVs, trailer) and the
 * heap-free streaming verifier used by the bootloader, the SMP server and the
 * host tool. Format facts: ../shared/vectors/imgtool/README.md, docs/image.md.
 *
 * This header is a contract between components: extend it, but keep these
 * declarations' meaning (boot, smp and device code call them).
 */
#ifndef FOTAKIT_IMAGE_H
#define FOTAKIT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/flash.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_IMAGE_MAGIC 0x96f3b83du
#define FK_IMAGE_MAGIC_V1 0x96f3b83cu
#define FK_IMAGE_HEADER_SIZE 32u
#define FK_IMAGE_TLV_INFO_MAGIC 0x6907u
#define FK_IMAGE_TLV_PROT_INFO_MAGIC 0x6908u

/* Header flags */
#define FK_IMAGE_F_PIC 0x00000001u
#define FK_IMAGE_F_ENCRYPTED_AES128 0x00000004u
#define FK_IMAGE_F_ENCRYPTED_AES256 0x00000008u
#define FK_IMAGE_F_NON_BOOTABLE 0x00000010u
#define FK_IMAGE_F_RAM_LOAD 0x00000020u
#define FK_IMAGE_F_ROM_FIXED 0x00000100u
#define FK_IMAGE_F_COMPRESSED_LZMA1 0x00000200u
#define FK_IMAGE_F_COMPRESSED_LZMA2 0x00000400u
#define FK_IMAGE_F_COMPRESSED_ARM_THUMB 0x00000800u
#define FK_IMAGE_F_COMPRESSED                                                                     \
    (FK_IMAGE_F_COMPRESSED_LZMA1 | FK_IMAGE_F_COMPRESSED_LZMA2 | FK_IMAGE_F_COMPRESSED_ARM_THUMB)

/* TLV types */
#define FK_TLV_KEYHASH 0x01
#define FK_TLV_PUBKEY 0x02
#define FK_TLV_SHA256 0x10
#define FK_TLV_SHA384 0x11
#define FK_TLV_SHA512 0x12
#define FK_TLV_RSA2048_PSS 0x20
#define FK_TLV_ECDSA_SIG 0x22
#define FK_TLV_ED25519 0x24
#define FK_TLV_SIG_PURE 0x25
#define FK_TLV_DEPENDENCY 0x40
#define FK_TLV_ENC_RSA2048 0x30
#define FK_TLV_ENC_KW 0x31
#define FK_TLV_ENC_EC256 0x32
#define FK_TLV_ENC_X25519 0x33
#define FK_TLV_ENC_X25519_SHA512 0x34
#define FK_TLV_SEC_CNT 0x50
#define FK_TLV_BOOT_RECORD 0x60
#define FK_TLV_DECOMP_SIZE 0x70
#define FK_TLV_DECOMP_SHA 0x71
#define FK_TLV_DECOMP_SIGNATURE 0x72
#define FK_TLV_COMP_DEC_SIZE 0x73
#define FK_TLV_UUID_VID 0x74
#define FK_TLV_UUID_CID 0x75

/* Longest image digest (SHA-512) and KEYHASH. */
#define FK_IMAGE_HASH_MAX 64u

/* Image verifier reason codes (err.h range -60 .. -99). Names and sentences
 * are in src/common/err.c; docs/image.md lists them. */
enum fk_image_err {
    FK_EIMG_MAGIC = -60,      /* header magic is not 0x96f3b83d */
    FK_EIMG_HDR_SIZE = -61,   /* ih_hdr_size < 32 */
    FK_EIMG_OVERFLOW = -62,   /* hdr_size + img_size + protected TLV size (+ TLV area) overflows 32 bits */
    FK_EIMG_TOO_BIG = -63,    /* the image (header, payload, TLV areas) extends past the flash area */
    FK_EIMG_TLV_INFO = -64,   /* a TLV area's info magic is wrong (0x6908 protected / 0x6907) */
    FK_EIMG_PROT_SIZE = -65,  /* protected TLV area size disagrees with ih_protect_tlv_size */
    FK_EIMG_TLV_BOUNDS = -66, /* a TLV's length runs past its TLV area (or the area past the flash area) */
    FK_EIMG_TLV_LEN = -67,    /* a TLV has a length that is invalid for its type (KEYHASH, SEC_CNT, ...) */
    FK_EIMG_TLV_UNPROT = -68, /* a TLV that must be protected (SEC_CNT, DEPENDENCY, vendor) is unprotected */
    FK_EIMG_NO_HASH = -69,    /* no hash TLV (SHA256, SHA384 or SHA512) */
    FK_EIMG_HASH_LEN = -70,   /* hash TLV length is not its algorithm's (32, 48, 64) */
    FK_EIMG_HASH_DUP = -71,   /* more than one hash TLV */
    FK_EIMG_HASH = -72,       /* the digest of the hash region differs from the hash TLV */
    FK_EIMG_NO_SIG = -73,     /* no signature TLV, and hash-only images are not accepted */
    FK_EIMG_NO_KEY = -74,     /* signatures present, but none by a trusted key (KEYHASH/PUBKEY unknown) */
    FK_EIMG_SIG = -75,        /* a signature by a trusted key is invalid */
    FK_EIMG_SIG_LEN = -76,    /* signature TLV length invalid for its algorithm */
    FK_EIMG_SIG_TYPE = -77,   /* signature TLV type does not match the key's type (or SIG_PURE misuse) */
    FK_EIMG_SIG_UNSUP = -78,  /* this build cannot check this signature type (e.g. Ed25519 off) */
    FK_EIMG_KEY = -79,        /* a trusted key in the key ring is malformed */
    FK_EIMG_ENCRYPTED = -80,  /* encrypted, and the verifier was given no decryption key */
    FK_EIMG_SEC_CNT = -81,    /* SEC_CNT TLV duplicated */
    FK_EIMG_HASH_UNSUP = -82, /* hashed with SHA-384/512, which this build cannot compute */
    FK_EIMG_COMPRESSED = -83, /* compressed (LZMA) image: this verifier does not decompress */
    FK_EIMG_ENC_KEY = -84,    /* the image key cannot be recovered with this key (wrong key,
                                 HMAC or unwrap check failed, no or several ENC TLVs) */
    FK_EIMG_ENC_UNSUP = -85,  /* this build cannot decrypt this image (scheme not built in) */
};

/* Bytes read from flash per step by the verifier (stack buffer). */
#ifndef FK_IMAGE_CHUNK
#define FK_IMAGE_CHUNK 128u
#endif

struct fk_image_version {
    uint8_t major;
    uint8_t minor;
    uint16_t revision;
    uint32_t build;
};

/* The 32-byte header, decoded (host byte order). */
struct fk_image_header {
    uint32_t magic;
    uint32_t load_addr;
    uint16_t hdr_size;
    uint16_t protect_tlv_size;
    uint32_t img_size;
    uint32_t flags;
    struct fk_image_version ver;
};

enum fk_key_type {
    FK_KEY_ECDSA_P256 = 1,
    FK_KEY_ED25519 = 2,
    FK_KEY_RSA2048 = 3,
    FK_KEY_ECDSA_P384 = 4,
    FK_KEY_X25519 = 5, /* encryption only (ENC_X25519); never in a signing key ring */
};

/* A trusted public key, as MCUboot embeds it in bootutil_keys[]: the bytes
 * `imgtool getpub -e raw` prints (SPKI DER for ECDSA/Ed25519, PKCS#1
 * RSAPublicKey DER for RSA). KEYHASH = the image's hash algorithm (SHA-256,
 * -384 or -512, as its hash TLV) over exactly these bytes. */
struct fk_image_key {
    enum fk_key_type type;
    const uint8_t *der;
    size_t der_len;
};

/* The bootloader's image decryption key, as MCUboot builds it in
 * (`imgtool getpriv` prints it as enc_priv_key[]). */
struct fk_image_enc_key {
    uint16_t tlv_type;  /* the ENC TLV it opens: FK_TLV_ENC_EC256, FK_TLV_ENC_X25519 (also
                           FK_TLV_ENC_X25519_SHA512 images), FK_TLV_ENC_RSA2048, FK_TLV_ENC_KW */
    const uint8_t *der; /* EC256: PKCS#8 (with or without the public key, as getpriv --minimal)
                           or RFC 5915 ECPrivateKey; X25519: PKCS#8; RSA: PKCS#1
                           RSAPrivateKey with its CRT values (not --minimal); KW: the raw
                           16- or 32-byte key-encryption key */
    size_t der_len;
};

struct fk_image_keyring {
    const struct fk_image_key *keys;
    size_t count;
    /* Development option: accept images that carry only a hash TLV. Off in
     * production: then a signature by one of `keys` is required. */
    bool allow_hash_only;
    /* Encrypted images (flag ENCRYPTED_AES128/256): decrypted with `enc`
     * while hashing (NULL: refused with FK_EIMG_ENCRYPTED), unless
     * `enc_plaintext` says this copy is already plaintext (the primary slot,
     * a --clear image, a decrypted file). Hash and signature always cover
     * the plaintext. */
    const struct fk_image_enc_key *enc;
    bool enc_plaintext;
};

/* What the verifier learned. Valid fields depend on how far it got. */
struct fk_image_info {
    struct fk_image_header hdr;
    uint32_t end_off;       /* hdr_size + img_size + protect_tlv_size + unprotected TLV total:
                               the bytes an update must move (MCUboot's swap size) */
    uint8_t hash[32];       /* first 32 bytes of the hash TLV (the SHA256 TLV's value, as
                               `mcumgr image list` shows it); all of it is in hash_full */
    bool has_sec_cnt;
    uint32_t sec_cnt;       /* SEC_CNT TLV value */
    int key_index;          /* which keyring entry signed it, -1 if none (hash-only) */
    /* Extensions (filled by fk_image_verify and fk_image_inspect): */
    uint32_t prot_tlv_off;  /* offset (from the image start) of the protected TLV area, 0 if none */
    uint32_t tlv_off;       /* offset (from the image start) of the unprotected TLV area */
    bool has_hash;          /* a hash TLV was found (hash[], hash_full[] valid) */
    bool hash_ok;           /* the computed digest equals the hash TLV (verify only) */
    bool sig_pure;          /* the signature was a SIG_PURE (Ed25519 over the whole hash region) */
    uint8_t sig_type;       /* type of the signature TLV that was accepted, 0 if none */
    uint32_t bad_off;       /* for TLV errors: offset (from the image start) of the offending
                               TLV or info header, else 0 */
    uint16_t hash_type;     /* FK_TLV_SHA256/384/512: the image's hash TLV, 0 if none */
    uint8_t hash_len;       /* 32, 48 or 64 */
    uint8_t hash_full[FK_IMAGE_HASH_MAX]; /* the hash TLV's value (hash_len bytes) */
    uint32_t hash_tlv_off;  /* offset (from the image start) of the hash TLV's header */
    bool encrypted;         /* flag ENCRYPTED_AES128/256 set */
    bool decrypted;         /* verify decrypted the payload to hash it */
    bool compressed;        /* a COMPRESSED_* flag is set */
};

/* TLV names as the vectors' manifest spells them ("SHA256", "ECDSA_SIG",
 * "RSA2048_PSS", ...); "vendor/unknown" for types >= 0xa0, else "unknown". */
const char *fk_image_tlv_name(uint16_t type);

/*
 * TLV iteration (used by the verifier; boot and SMP may use it to find their
 * own TLVs). Begin validates both TLV info headers against the header and the
 * area; next returns each TLV in file order (protected area first) with every
 * length checked against its TLV area before it is returned.
 */
struct fk_image_tlv_iter {
    const struct fk_flash_area *fa;
    uint32_t base;     /* image start in the area */
    uint32_t prot_end; /* end of the protected area (relative to base) */
    uint32_t pos;      /* next TLV header (relative to base) */
    uint32_t end;      /* end of the unprotected area (relative to base) */
    uint32_t unprot_start; /* first TLV header of the unprotected area */
};

struct fk_image_tlv {
    uint16_t type;
    uint16_t len;
    uint32_t off;   /* offset of the value, relative to the image start */
    bool prot;      /* in the protected area */
};

int fk_image_tlv_begin(struct fk_image_tlv_iter *it, const struct fk_flash_area *fa, uint32_t off,
                       const struct fk_image_header *hdr);
/* 1: *out filled; 0: no more TLVs; <0: reason code (FK_EIMG_TLV_BOUNDS, I/O).
 * *out is zeroed first, so it is defined whatever the result. */
int fk_image_tlv_next(struct fk_image_tlv_iter *it, struct fk_image_tlv *out);

/* Cheap inspection without hashing or signature checks: header, TLV bounds,
 * the stored SHA256 TLV value, SEC_CNT and end_off. What the SMP server needs
 * for `image list` and the bootloader for the swap size. It does not say the
 * image is authentic; use fk_image_verify for that. */
int fk_image_inspect(const struct fk_flash_area *fa, uint32_t off, struct fk_image_info *info);

/* Whether this build can check a signature of this TLV type (Ed25519 is a
 * build option on the device: FOTAKIT_DEVICE_ED25519). */
bool fk_image_sig_supported(uint16_t tlv_type);
/* Whether this build can compute this hash TLV's digest (SHA-384/512 are the
 * device build option FOTAKIT_DEVICE_SHA512; the host has all three). */
bool fk_image_hash_supported(uint16_t tlv_type);
/* Digest length of a hash TLV type: 32, 48, 64; 0 if not a hash TLV. */
size_t fk_image_hash_len(uint16_t tlv_type);

/* Decode the 32 header bytes `b` into *out (every field, also on error)
 * and check the magic (FK_EIMG_MAGIC) and ih_hdr_size >= 32
 * (FK_EIMG_HDR_SIZE), in that order. For a header held in RAM, e.g. the
 * first chunk of an upload; fk_image_read_header adds the area checks. */
int fk_image_decode_header(const uint8_t b[FK_IMAGE_HEADER_SIZE], struct fk_image_header *out);

/* Order of two image versions: <0, 0, >0 as a is older, the same, newer
 * than b. major, minor, revision compared in turn; the build number is not
 * compared (as MCUboot's downgrade prevention and Zephyr's img_mgmt). The
 * one comparison the bootloader and the SMP server use. */
int fk_image_ver_cmp(const struct fk_image_version *a, const struct fk_image_version *b);

/* Decode and sanity-check the header at `off` in `fa` (magic, sizes that fit
 * the area without overflow). Returns FK_OK or a specific FK_E... code. */
int fk_image_read_header(const struct fk_flash_area *fa, uint32_t off, struct fk_image_header *out);

/* Verify the image at `off` in `fa`: header, TLV bounds, hash, signature by a
 * key in `keys`. Streams from flash in small chunks; uses no heap. Fills
 * `info` as far as it got. Returns FK_OK or the specific reason code. */
int fk_image_verify(const struct fk_flash_area *fa, uint32_t off, const struct fk_image_keyring *keys,
                    struct fk_image_info *info);

#ifdef __cplusplus
}
#endif
#endif
