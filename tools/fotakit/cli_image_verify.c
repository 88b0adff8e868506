/* fotakit image verify | info: the device verifier over a file's bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cli_image.h"
#include "fotakit/le.h"

#define MAX_KEYS 16

static void ver_str(const struct fk_image_version *v, char *out, size_t n)
{
    snprintf(out, n, "%u.%u.%u+%u", v->major, v->minor, v->revision, (unsigned)v->build);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
    out[2 * n] = '\0';
}

static void verify_usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit image verify [-k KEY]... [--enc-key PRIV] IMAGE\n"
            "  IMAGE: .bin or .hex. KEY: a PEM private or public key (repeatable).\n"
            "  Without -k: integrity only (header, TLV bounds, SHA-256); no signature is checked,\n"
            "  and the output says so. With -k: a valid signature by one of the keys is required\n"
            "  (found by the KEYHASH TLV, or by a PUBKEY TLV equal to a key); a signature by a\n"
            "  given key that does not verify rejects the image.\n"
            "  --enc-key PRIV: an encrypted image is decrypted with PRIV (the private key matching\n"
            "  sign -E: EC P-256, X25519, RSA-2048, or the raw AES KEK file) by the device\n"
            "  verifier's own decryption, and its plaintext hash and signature are checked.\n"
            "  Without it, an image flagged encrypted is valid only if stored in clear (--clear).\n"
            "  exit: 0 valid, 1 invalid or not decryptable with PRIV (the reason is printed),\n"
            "  2 bad usage or unreadable input\n");
}

int fk_cli_image_verify(int argc, char **argv)
{
    struct fk_host_key hk[MAX_KEYS];
    const char *key_paths[MAX_KEYS];
    struct fk_image_key keys[MAX_KEYS];
    size_t nkeys = 0;
    const char *path = NULL, *enc_path = NULL;
    bool bad = false, have_ek = false;
    int ret = FK_EXIT_USAGE;
    uint8_t *img = NULL;
    size_t len;
    struct fk_enc_key ek;
    struct fk_image_enc_key dek = {0};
    uint8_t *dek_der = NULL;

    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            verify_usage(stdout);
            return FK_EXIT_OK;
        } else if (fk_cli_opt(argc, argv, &i, "-k", "--key", true, &v, &bad)) {
            if (bad) break;
            if (nkeys == MAX_KEYS) {
                fprintf(stderr, "fotakit image verify: at most %d keys\n", MAX_KEYS);
                bad = true;
                break;
            }
            key_paths[nkeys++] = v;
        } else if (fk_cli_opt(argc, argv, &i, NULL, "--enc-key", true, &v, &bad)) {
            enc_path = v;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "fotakit image verify: unknown option '%s'; run 'fotakit image verify --help'\n",
                    argv[i]);
            bad = true;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "fotakit image verify: one IMAGE only ('%s')\n", argv[i]);
            bad = true;
        }
    }
    if (!bad && path == NULL) {
        fprintf(stderr, "fotakit image verify: need an IMAGE; run 'fotakit image verify --help'\n");
        bad = true;
    }
    if (bad) {
        return FK_EXIT_USAGE;
    }
    size_t loaded = 0;
    for (; loaded < nkeys; loaded++) {
        char err[512];
        if (fk_host_key_load(key_paths[loaded], &hk[loaded], err, sizeof err) != FK_OK) {
            fprintf(stderr, "fotakit image verify: %s\n", err);
            goto out;
        }
        keys[loaded].type = hk[loaded].type;
        keys[loaded].der = hk[loaded].der;
        keys[loaded].der_len = hk[loaded].der_len;
    }
    if (enc_path != NULL) {
        char err[512];
        if (fk_cli_load_enc_key(enc_path, &ek, &dek, &dek_der, err, sizeof err) != FK_OK) {
            fprintf(stderr, "fotakit image verify: --enc-key %s\n", err);
            goto out;
        }
        have_ek = true;
    }
    if (fk_cli_load_image(path, &img, &len) != FK_OK) {
        goto out;
    }
    {
        struct fk_flash_dev dev;
        struct fk_flash_area fa;
        struct fk_image_keyring ring = {.keys = keys, .count = nkeys, .allow_hash_only = nkeys == 0,
                                        .enc = have_ek ? &dek : NULL};
        struct fk_image_info info;
        char vs[48], hs[2 * FK_IMAGE_HASH_MAX + 1];
        bool clear = false;
        fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
        int rc = fk_image_verify(&fa, 0, &ring, &info);
        if (rc == FK_EIMG_ENCRYPTED) {
            /* no decryption key: valid only if the payload is stored in clear */
            struct fk_image_info ci;
            ring.enc_plaintext = true;
            if (fk_image_verify(&fa, 0, &ring, &ci) == FK_OK) {
                info = ci;
                rc = FK_OK;
                clear = true;
            }
        }
        if (rc != FK_OK) {
            printf("Image is invalid: %s (%s)", fk_err_str(rc), fk_err_name(rc));
            if (info.bad_off) {
                printf(" at offset 0x%x", info.bad_off);
            }
            printf("\n");
            if (rc == FK_EIMG_NO_SIG || rc == FK_EIMG_NO_KEY) {
                printf("(with -k a valid signature by one of the given keys is required)\n");
            }
            ret = FK_EXIT_VERDICT;
            goto out;
        }
        ver_str(&info.hdr.ver, vs, sizeof vs);
        hex(info.hash_full, info.hash_len, hs);
        printf("Image was correctly validated\nImage version: %s\nImage digest: %s\n", vs, hs);
        if (info.decrypted) {
            printf("Encrypted: AES-%u, decrypted with %s; hash and signature checked over the plaintext\n",
                   (info.hdr.flags & FK_IMAGE_F_ENCRYPTED_AES256) ? 256 : 128, enc_path);
        } else if (clear) {
            printf("Flagged encrypted, but the payload is stored in clear (imgtool --clear): valid as "
                   "stored; do not put it in a slot the bootloader decrypts\n");
        }
        if (info.key_index >= 0) {
            printf("Signature: %s%s by %s (%s)\n", fk_image_tlv_name(info.sig_type),
                   info.sig_pure ? " (pure)" : "", key_paths[info.key_index],
                   fk_key_type_name(keys[info.key_index].type));
        } else {
            printf("Integrity only: no signature was checked (no -k given); the image is NOT "
                   "authenticated\n");
        }
        ret = FK_EXIT_OK;
    }
out:
    for (size_t k = 0; k < loaded; k++) {
        fk_host_key_free(&hk[k]);
    }
    if (have_ek) {
        fk_enc_key_free(&ek);
    }
    free(dek_der);
    free(img);
    return ret;
}

int fk_cli_load_enc_key(const char *path, struct fk_enc_key *ek, struct fk_image_enc_key *dek, uint8_t **der,
                        char *err, size_t errlen)
{
    size_t n = 0;
    int rc = fk_enc_key_load(path, ek, err, errlen);
    *der = NULL;
    if (rc != FK_OK) {
        return rc;
    }
    if (!ek->is_private) {
        snprintf(err, errlen, "%s: is a public key; decrypting needs the private key", path);
        fk_enc_key_free(ek);
        return FK_EINVAL;
    }
    switch (ek->kind) {
    case FK_ENC_KW:
        dek->tlv_type = FK_TLV_ENC_KW;
        *der = malloc(ek->kek_len);
        if (*der == NULL) {
            fk_enc_key_free(ek);
            return FK_ENOMEM;
        }
        memcpy(*der, ek->kek, ek->kek_len);
        n = ek->kek_len;
        break;
    default:
        dek->tlv_type = ek->kind == FK_ENC_EC256 ? FK_TLV_ENC_EC256
                      : ek->kind == FK_ENC_X25519 ? FK_TLV_ENC_X25519
                                                  : FK_TLV_ENC_RSA2048;
        /* what MCUboot builds in: imgtool getpriv's default form */
        rc = fk_host_priv_der(&ek->key, NULL, false, der, &n, err, errlen);
        if (rc != FK_OK) {
            fk_enc_key_free(ek);
            return rc;
        }
        break;
    }
    dek->der = *der;
    dek->der_len = n;
    return FK_OK;
}

static void decrypt_usage(FILE *f)
{
    fprintf(f, "usage: fotakit image decrypt --enc-key PRIV IN OUT\n"
               "  writes IN with its payload decrypted (AES-CTR with the image key recovered with\n"
               "  PRIV); header, TLVs and anything after them (a padded trailer) are copied as they\n"
               "  are, so OUT keeps the ENCRYPTED flag and the key TLV: check it with 'fotakit image\n"
               "  verify', which then reports it as stored in clear.\n"
               "  exit: 0 written, 1 the key does not open the image, 2 bad usage or unreadable input\n");
}

int fk_cli_image_decrypt(int argc, char **argv)
{
    const char *enc_path = NULL, *pos[2] = {NULL, NULL};
    int npos = 0;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            decrypt_usage(stdout);
            return FK_EXIT_OK;
        } else if (fk_cli_opt(argc, argv, &i, NULL, "--enc-key", true, &v, &bad)) {
            enc_path = v;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "fotakit image decrypt: unknown option '%s'\n", argv[i]);
            bad = true;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            fprintf(stderr, "fotakit image decrypt: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || enc_path == NULL || npos != 2) {
        if (!bad) decrypt_usage(stderr);
        return FK_EXIT_USAGE;
    }
    struct fk_enc_key ek;
    char err[512];
    uint8_t *img = NULL, *out = NULL;
    size_t len;
    int ret = FK_EXIT_USAGE;
    if (fk_enc_key_load(enc_path, &ek, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image decrypt: --enc-key %s\n", err);
        return FK_EXIT_USAGE;
    }
    if (fk_cli_load_image(pos[0], &img, &len) != FK_OK) {
        goto done;
    }
    int rc = fk_image_decrypt_buf(img, len, &ek, &out, err, sizeof err);
    if (rc != FK_OK) {
        fprintf(stderr, "fotakit image decrypt: %s: %s\n", pos[0], err);
        ret = rc == FK_EIMG_ENC_KEY ? FK_EXIT_VERDICT : FK_EXIT_USAGE;
        goto done;
    }
    if (fk_file_write(pos[1], out, len, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image decrypt: %s\n", err);
        goto done;
    }
    ret = FK_EXIT_OK;
done:
    fk_enc_key_free(&ek);
    free(img);
    free(out);
    return ret;
}

/* ------------------------------------------------------------------ info */

static const uint8_t magic8[16] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
                                   0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};
static const uint8_t magic_tail[14] = {0x2d, 0xe1, 0x5d, 0x29, 0x41, 0x0b, 0x8d,
                                       0x77, 0x67, 0x9c, 0x11, 0x0f, 0x1f, 0x8a};

struct tlv_rec {
    struct fk_image_tlv t;
};

#define MAX_TLVS 64

struct decoded {
    struct fk_image_header hdr;
    int hdr_rc;
    int tlv_rc;        /* first structural error while walking TLVs */
    uint32_t bad_off;
    bool have_areas;
    uint32_t prot_off, unprot_off, end;
    uint16_t prot_tot, unprot_tot;
    struct fk_image_tlv tlvs[MAX_TLVS];
    size_t ntlv;
    bool tlvs_truncated;
    int integrity;     /* fk_image_verify with hash-only allowed */
    uint8_t region_sha[32];
    bool have_trailer;
    uint32_t max_align;
    bool compressed; /* integrity OK, but compressed: the device verifier refuses it */
};

static void decode(const uint8_t *img, size_t len, struct decoded *d)
{
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    struct fk_image_tlv_iter it;
    struct fk_image_keyring none = {.keys = NULL, .count = 0, .allow_hash_only = true};
    struct fk_image_info vi;
    memset(d, 0, sizeof *d);
    fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
    d->hdr_rc = fk_image_read_header(&fa, 0, &d->hdr);
    d->integrity = fk_image_verify(&fa, 0, &none, &vi);
    if (d->integrity == FK_EIMG_COMPRESSED) {
        d->compressed = true; /* the hash matched; only the device refuses it */
        d->integrity = FK_OK;
    }
    d->bad_off = vi.bad_off;
    if (d->hdr_rc != FK_OK && d->hdr_rc != FK_EIMG_MAGIC) {
        return; /* sizes unusable */
    }
    d->tlv_rc = fk_image_tlv_begin(&it, &fa, 0, &d->hdr);
    if (d->tlv_rc != FK_OK) {
        d->bad_off = it.pos;
        return;
    }
    d->have_areas = true;
    d->prot_off = d->hdr.protect_tlv_size ? d->hdr.hdr_size + d->hdr.img_size : 0;
    d->prot_tot = d->hdr.protect_tlv_size;
    d->unprot_off = it.unprot_start;
    d->end = it.end;
    d->unprot_tot = (uint16_t)(it.end - it.unprot_start);
    SHA256(img, it.unprot_start, d->region_sha);
    int rc;
    struct fk_image_tlv t;
    while ((rc = fk_image_tlv_next(&it, &t)) == 1) {
        if (d->ntlv == MAX_TLVS) {
            d->tlvs_truncated = true;
            break;
        }
        d->tlvs[d->ntlv++] = t;
    }
    if (rc < 0) {
        d->tlv_rc = rc;
        d->bad_off = it.pos;
    }
    /* a trailer is recognisable by its magic in the file's last 16 bytes */
    if (len >= 16 && len > d->end) {
        const uint8_t *m = img + len - 16;
        if (!memcmp(m, magic8, 16)) {
            d->have_trailer = true;
            d->max_align = 8;
        } else if (!memcmp(m + 2, magic_tail, 14)) {
            d->have_trailer = true;
            d->max_align = (uint32_t)(m[0] | m[1] << 8);
        }
        if (d->have_trailer && (d->max_align == 0 || d->max_align > 1024 || len < 16 + 5 * d->max_align)) {
            d->have_trailer = false;
        }
    }
}

static const char *flag_names[] = {"PIC",       NULL,      "ENCRYPTED_AES128", "ENCRYPTED_AES256",
                                   "NON_BOOTABLE", "RAM_LOAD", NULL,              NULL,
                                   "ROM_FIXED", "COMPRESSED_LZMA1", "COMPRESSED_LZMA2", "COMPRESSED_ARM_THUMB"};

static void json_str_hex(const uint8_t *b, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    putchar('"');
}

static void print_json(const char *path, const uint8_t *img, size_t len, const struct decoded *d)
{
    char vs[48];
    const struct fk_image_header *h = &d->hdr;
    ver_str(&h->ver, vs, sizeof vs);
    printf("{\n \"file\": \"");
    for (const char *c = path; *c; c++) {
        if (*c == '"' || *c == '\\') printf("\\%c", *c);
        else if ((unsigned char)*c < 0x20) printf("\\u%04x", *c);
        else putchar(*c);
    }
    printf("\",\n \"file_size\": %zu,\n", len);
    if (len >= 32) {
        printf(" \"header\": {\n  \"ih_magic\": \"0x%08x\",\n  \"ih_load_addr\": \"0x%08x\",\n"
               "  \"ih_hdr_size\": %u,\n  \"ih_protect_tlv_size\": %u,\n  \"ih_img_size\": %u,\n"
               "  \"ih_flags\": \"0x%08x\",\n  \"ih_flags_decoded\": [",
               h->magic, h->load_addr, h->hdr_size, h->protect_tlv_size, h->img_size, h->flags);
        bool first = true;
        for (unsigned b = 0; b < sizeof flag_names / sizeof flag_names[0]; b++) {
            if ((h->flags & (1u << b)) && flag_names[b]) {
                printf("%s\"%s\"", first ? "" : ", ", flag_names[b]);
                first = false;
            }
        }
        printf("],\n  \"ih_ver\": {\"iv_major\": %u, \"iv_minor\": %u, \"iv_revision\": %u, "
               "\"iv_build_num\": %u, \"string\": \"%s\"},\n",
               h->ver.major, h->ver.minor, h->ver.revision, (unsigned)h->ver.build, vs);
        printf("  \"_pad1\": %u,\n  \"header_bytes_hex\": ",
               (unsigned)fk_le32(img + 28));
        json_str_hex(img, 32);
        printf("\n },\n");
    }
    if (d->have_areas) {
        printf(" \"tlv_areas\": [");
        if (d->prot_tot) {
            printf("\n  {\"kind\": \"protected\", \"offset\": %u, \"info_magic\": \"0x%04x\", \"it_tlv_tot\": %u},",
                   d->prot_off, FK_IMAGE_TLV_PROT_INFO_MAGIC, d->prot_tot);
        }
        printf("\n  {\"kind\": \"unprotected\", \"offset\": %u, \"info_magic\": \"0x%04x\", \"it_tlv_tot\": %u}\n ],\n",
               d->unprot_off, FK_IMAGE_TLV_INFO_MAGIC, d->unprot_tot);
        printf(" \"tlvs\": [");
        for (size_t i = 0; i < d->ntlv; i++) {
            const struct fk_image_tlv *t = &d->tlvs[i];
            printf("%s\n  {\"area\": \"%s\", \"offset\": %u, \"type\": %u, \"type_hex\": \"0x%02x\", "
                   "\"name\": \"%s\", \"len\": %u, \"value_hex\": ",
                   i ? "," : "", t->prot ? "protected" : "unprotected", t->off - 4, t->type, t->type,
                   fk_image_tlv_name(t->type), t->len);
            json_str_hex(img + t->off, t->len);
            printf("}");
        }
        printf("\n ],\n");
        if (d->tlvs_truncated) {
            printf(" \"tlvs_truncated\": true,\n");
        }
        printf(" \"image_end_offset\": %u,\n", d->end);
        printf(" \"hash_region\": {\"start\": 0, \"end_exclusive\": %u, \"sha256\": ", d->unprot_off);
        json_str_hex(d->region_sha, 32);
        printf("},\n");
    }
    if (d->have_trailer) {
        uint32_t ma = d->max_align, ma16 = (16 + ma - 1) / ma * ma;
        uint32_t ok = (uint32_t)len - ma16 - ma, cd = ok - ma, si = cd - ma, ss = si - ma;
        printf(" \"trailer\": {\"slot_size\": %zu, \"max_align\": %u, \"magic_offset\": %zu, \"magic_hex\": ",
               len, ma, len - 16);
        json_str_hex(img + len - 16, 16);
        printf(", \"image_ok_offset\": %u, \"image_ok\": \"0x%02x\", \"copy_done_offset\": %u, "
               "\"copy_done\": \"0x%02x\", \"swap_info_offset\": %u, \"swap_info\": \"0x%02x\", "
               "\"swap_size_offset\": %u, \"swap_size_hex\": ",
               ok, img[ok], cd, img[cd], si, img[si], ss);
        json_str_hex(img + ss, 4);
        printf("},\n");
    }
    int st = d->hdr_rc != FK_OK ? d->hdr_rc : d->tlv_rc != FK_OK ? d->tlv_rc : d->integrity;
    printf(" \"integrity\": {\"code\": \"%s\", \"ok\": %s, \"message\": \"%s\"", fk_err_name(st),
           st == FK_OK ? "true" : "false", fk_err_str(st));
    if (st != FK_OK && d->bad_off) {
        printf(", \"offset\": %u", d->bad_off);
    }
    if (d->compressed) {
        printf(", \"compressed\": true, \"device_verdict\": \"FK_EIMG_COMPRESSED\"");
    }
    printf(", \"signature_checked\": false}\n}\n");
}

static void dump_bytes(const uint8_t *b, size_t n)
{
    printf("        data: ");
    for (size_t i = 0; i < n; i++) {
        if (i && i % 8 == 0) printf("\n              ");
        printf("0x%02x ", b[i]);
    }
    printf("\n");
}

static void print_human(const char *path, const uint8_t *img, size_t len, const struct decoded *d)
{
    const struct fk_image_header *h = &d->hdr;
    char vs[48];
    ver_str(&h->ver, vs, sizeof vs);
    printf("Printing content of signed image: %s\n\n", path);
    printf("#### Image header (offset: 0x0) ############################\n");
    printf("magic:              0x%08x%s\n", h->magic, h->magic == FK_IMAGE_MAGIC ? "" : "  (NOT the MCUboot magic 0x96f3b83d)");
    printf("load_addr:          0x%x\n", h->load_addr);
    printf("hdr_size:           0x%x\n", h->hdr_size);
    printf("protected_tlv_size: 0x%x\n", h->protect_tlv_size);
    printf("img_size:           0x%x\n", h->img_size);
    printf("flags:              0x%x", h->flags);
    for (unsigned b = 0; b < sizeof flag_names / sizeof flag_names[0]; b++) {
        if ((h->flags & (1u << b)) && flag_names[b]) printf(" %s", flag_names[b]);
    }
    printf("\nversion:            %s\n", vs);
    printf("############################################################\n");
    if (!d->have_areas) {
        printf("(TLV areas not decodable: %s)\n", fk_err_str(d->hdr_rc != FK_OK && d->hdr_rc != FK_EIMG_MAGIC ? d->hdr_rc : d->tlv_rc));
    } else {
        printf("#### Payload (offset: 0x%x) ###############################\n", h->hdr_size);
        printf("|              FW image (size: 0x%x Bytes)\n", h->img_size);
        printf("############################################################\n");
        bool prot_hdr = false, unprot_hdr = false;
        for (size_t i = 0; i < d->ntlv; i++) {
            const struct fk_image_tlv *t = &d->tlvs[i];
            if (t->prot && !prot_hdr) {
                printf("#### Protected TLV area (offset: 0x%x) ###################\nmagic:     0x6908\narea size: 0x%x\n",
                       d->prot_off, d->prot_tot);
                prot_hdr = true;
            }
            if (!t->prot && !unprot_hdr) {
                if (prot_hdr) printf("############################################################\n");
                printf("#### TLV area (offset: 0x%x) #############################\nmagic:     0x6907\narea size: 0x%x\n",
                       d->unprot_off, d->unprot_tot);
                unprot_hdr = true;
            }
            printf("        ---------------------------------------------\n");
            printf("        type: %s (0x%x)\n        len:  0x%x\n", fk_cli_imgtool_tlv_name(t->type), t->type, t->len);
            dump_bytes(img + t->off, t->len);
            if (t->type == FK_TLV_SEC_CNT && t->len == 4) {
                unsigned sc = (unsigned)fk_le32(img + t->off);
                printf("        (security counter %u = 0x%08x)\n", sc, sc);
            } else if ((t->type == FK_TLV_DECOMP_SIZE || t->type == FK_TLV_COMP_DEC_SIZE) && t->len == 4) {
                printf("        (decompressed image: %u bytes)\n", (unsigned)fk_le32(img + t->off));
            } else if (t->type == FK_TLV_DECOMP_SHA) {
                printf("        (hash of the decompressed image)\n");
            } else if (t->type == FK_TLV_DECOMP_SIGNATURE) {
                printf("        (signature of the decompressed image)\n");
            } else if (t->type == FK_TLV_DEPENDENCY && t->len == 12) {
                const uint8_t *v = img + t->off;
                printf("        (image %u needs version >= %u.%u.%u+%u)\n", v[0], v[4], v[5], fk_le16(v + 6),
                       (unsigned)fk_le32(v + 8));
            }
        }
        printf("############################################################\n");
    }
    if (d->have_trailer) {
        uint32_t ma = d->max_align, ma16 = (16 + ma - 1) / ma * ma;
        uint32_t ok = (uint32_t)len - ma16 - ma, cd = ok - ma, si = cd - ma;
        printf("#### Image trailer (offset: 0x%zx) #######################\n", len - 16);
        printf("swap_info:   %s (0x%x)\n", img[si] == 0xff ? "INVALID" : "set", img[si]);
        printf("copy_done:   %s (0x%x)\n", img[cd] == 0x01 ? "SET" : img[cd] == 0xff ? "INVALID" : "BAD", img[cd]);
        printf("image_ok:    %s (0x%x)\n", img[ok] == 0x01 ? "SET" : img[ok] == 0xff ? "INVALID" : "BAD", img[ok]);
        printf("boot magic:  ");
        for (int i = 0; i < 16; i++) printf("0x%02x%s", img[len - 16 + i], i == 7 ? "\n             " : " ");
        printf("\n");
    }
    int st = d->hdr_rc != FK_OK ? d->hdr_rc : d->tlv_rc != FK_OK ? d->tlv_rc : d->integrity;
    if (st == FK_OK) {
        printf("#### Integrity: OK (hash matches); no signature was checked: use 'fotakit image verify -k KEY'\n");
        if (d->compressed) {
            printf("#### Compressed (LZMA2): fotakit's bootloader refuses it (FK_EIMG_COMPRESSED)\n");
        }
    } else {
        printf("#### Integrity: FAILED: %s (%s)", fk_err_str(st), fk_err_name(st));
        if (d->bad_off) printf(" at offset 0x%x", d->bad_off);
        printf("\n");
    }
}

int fk_cli_image_info(int argc, char **argv)
{
    bool json = false;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: fotakit image info [--json] IMAGE\n"
                   "  decodes the header, both TLV areas and a trailer (padded images), and checks\n"
                   "  integrity (hash and bounds; no signature). --json: one JSON object with the\n"
                   "  field names of the vectors' manifest.json.\n"
                   "  exit: 0 well-formed and hash OK, 1 malformed or hash mismatch, 2 unreadable\n");
            return FK_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "fotakit image info: unknown option '%s'\n", argv[i]);
            return FK_EXIT_USAGE;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "fotakit image info: one IMAGE only\n");
            return FK_EXIT_USAGE;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "fotakit image info: need an IMAGE\n");
        return FK_EXIT_USAGE;
    }
    uint8_t *img;
    size_t len;
    if (fk_cli_load_image(path, &img, &len) != FK_OK) {
        return FK_EXIT_USAGE;
    }
    struct decoded *d = malloc(sizeof *d);
    if (d == NULL) {
        free(img);
        return FK_EXIT_USAGE;
    }
    decode(img, len, d);
    if (json) {
        print_json(path, img, len, d);
    } else {
        print_human(path, img, len, d);
    }
    int st = d->hdr_rc != FK_OK ? d->hdr_rc : d->tlv_rc != FK_OK ? d->tlv_rc : d->integrity;
    free(d);
    free(img);
    return st == FK_OK ? FK_EXIT_OK : FK_EXIT_VERDICT;
}
