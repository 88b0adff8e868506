/* fotakit image sign: imgtool sign's options and meanings. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli_image.h"

#define MAX_DEPS 16
#define MAX_CUSTOM 32

static void sign_usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit image sign [options] INFILE OUTFILE\n"
            "  INFILE: raw .bin or Intel .hex; OUTFILE: .bin, or .hex (needs an address: from a .hex\n"
            "  input or -x)\n"
            "options (as imgtool sign):\n"
            "  -k, --key FILE              PEM private key (ecdsa-p256, ecdsa-p384, ed25519, rsa-2048);\n"
            "                              without it the image carries only the hash TLV (hash-only)\n"
            "  --sha auto|256|384|512      image hash (auto: the key's: P-384 384, else 256; no key: 256)\n"
            "  --public-key-format hash|full  KEYHASH TLV (default) or the whole key (PUBKEY TLV)\n"
            "  -v, --version VER           MAJOR.MINOR.REVISION+BUILD (default 0.0.0+0)\n"
            "  -H, --header-size N         header size incl. padding (default 0x20)\n"
            "  --pad-header                prepend N erased bytes for the header (else the payload\n"
            "                              must start with N zero bytes)\n"
            "  --align N                   flash write alignment 1|2|4|8|16|32 (default 1)\n"
            "  --max-align N               trailer alignment 8|16|32 (default max(8, align))\n"
            "  -S, --slot-size N           slot size: refuse images that do not fit with their trailer\n"
            "  -M, --max-sectors N         sectors in the swap-status trailer (default 128; a\n"
            "                              0xe8000 slot of 4 KiB sectors has 232)\n"
            "  --pad                       pad to the slot size and write the trailer magic\n"
            "  --confirm                   with --pad: image_ok = 0x01 (permanent swap)\n"
            "  --test                      --pad without image_ok (test swap; the default of --pad)\n"
            "  --overwrite-only            small trailer: magic only (2*max_align + 16 bytes)\n"
            "  -s, --security-counter N|auto  protected SEC_CNT TLV (auto: major<<24|minor<<16|revision)\n"
            "  -d, --dependencies \"(ID,VER), ...\"  protected DEPENDENCY TLVs\n"
            "  --custom-tlv TAG VALUE      protected vendor TLV, TAG 0xa0..0xfffe, VALUE 0x<hex> or text\n"
            "  --custom-tlv-file TAG FILE  protected vendor TLV with FILE's bytes as its value\n"
            "  --boot-record SW_TYPE       protected CBOR BOOT_RECORD (measured boot), SW_TYPE <= 12 chars\n"
            "  --vid UUID|DOMAIN           protected UUID_VID (a name becomes a UUIDv5 in the DNS namespace)\n"
            "  --cid UUID|NAME             protected UUID_CID (a name: UUIDv5 in the --vid namespace)\n"
            "  --non-bootable              flag NON_BOOTABLE\n"
            "  -L, --load-addr ADDR        RAM load address (sets RAM_LOAD)\n"
            "  -F, --rom-fixed ADDR        fixed flash address (sets ROM_FIXED)\n"
            "  -x, --hex-addr ADDR         base address of a .hex output\n"
            "  -R, --erased-val 0|0xff     value of erased flash (default 0xff)\n"
            "  -e, --endian little         only little endian is supported\n"
            "  --pure                      Ed25519 over the whole image (SIG_PURE TLV, SHA512 hash TLV,\n"
            "                              64-byte KEYHASH), as imgtool since 2024\n"
            "  --pad-sig                   pad the ECDSA signature to 72 (P-256) / 103 (P-384) bytes\n"
            "offline / HSM signing (imgtool's flow):\n"
            "  --vector-to-sign payload|digest  write what is to be signed (the hash region, or its\n"
            "                              digest) to OUTFILE instead of an image; sign it elsewhere\n"
            "  --fix-sig FILE              the signature made elsewhere, base64 (as imgtool reads it)\n"
            "  --fix-sig-pubkey FILE       its public key (PEM): KEYHASH/PUBKEY and the signature type\n"
            "  --sig-out FILE              also write the image's signature, base64\n"
            "encryption (the hash and signature cover the plaintext):\n"
            "  -E, --encrypt KEY           PEM public key: EC P-256 (ENC_EC256), X25519 (ENC_X25519),\n"
            "                              RSA-2048 (ENC_RSA2048); or a raw 16/32-byte AES KEK file (ENC_KW)\n"
            "  --encrypt-keylen 128|256    AES-128 (default) or AES-256 image key\n"
            "  -c, --clear                 add the key TLV and flag but leave the payload clear\n"
            "  --save-enctlv               size the trailer for saved key TLVs (BOOT_SWAP_SAVE_ENCTLV)\n"
            "  --hmac-sha auto|256|512     ECIES HKDF/HMAC hash (512: X25519 only, ENC_X25519_SHA512)\n");
}

/* "(1,1.2.0+0), (2, 2.0.0)" */
static bool parse_deps(const char *s, struct fk_dependency *deps, size_t *n)
{
    const char *p = s;
    *n = 0;
    while (*p) {
        char ver[64];
        unsigned id;
        int used = 0;
        while (isspace((unsigned char)*p) || *p == ',') p++;
        if (*p == '\0') break;
        if (*n == MAX_DEPS) return false;
        if (sscanf(p, " ( %u , %63[0-9.+] )%n", &id, ver, &used) != 2 || used == 0 || id > 255) {
            return false;
        }
        if (!fk_cli_parse_version(ver, &deps[*n].min_ver)) return false;
        deps[*n].image_id = (uint8_t)id;
        (*n)++;
        p += used;
    }
    return *n > 0;
}

static bool parse_custom_value(const char *s, uint8_t **val, uint16_t *len)
{
    size_t n;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        const char *h = s + 2;
        n = strlen(h);
        if (n == 0 || n % 2 || n / 2 > 0xfff0) return false;
        *val = malloc(n / 2);
        for (size_t i = 0; i < n / 2; i++) {
            unsigned b;
            if (!isxdigit((unsigned char)h[2 * i]) || !isxdigit((unsigned char)h[2 * i + 1]) ||
                sscanf(h + 2 * i, "%2x", &b) != 1) {
                free(*val);
                return false;
            }
            (*val)[i] = (uint8_t)b;
        }
        *len = (uint16_t)(n / 2);
        return true;
    }
    n = strlen(s);
    if (n == 0 || n > 0xfff0) return false;
    *val = malloc(n);
    memcpy(*val, s, n);
    *len = (uint16_t)n;
    return true;
}

static bool parse_sha(const char *v, unsigned *out)
{
    if (v == NULL) return false;
    if (!strcmp(v, "auto")) *out = 0;
    else if (!strcmp(v, "256")) *out = 256;
    else if (!strcmp(v, "384")) *out = 384;
    else if (!strcmp(v, "512")) *out = 512;
    else return false;
    return true;
}

static int fk_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    char *t = malloc(n + 1);
    size_t m = 0, pad = 0;
    int r;
    if (t == NULL) return FK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!isspace((unsigned char)in[i])) t[m++] = in[i];
    }
    if (m == 0 || m % 4 || m / 4 * 3 > cap) {
        free(t);
        return FK_EINVAL;
    }
    pad = (t[m - 1] == '=') + (t[m - 2] == '=');
    r = EVP_DecodeBlock(out, (const unsigned char *)t, (int)m);
    free(t);
    if (r < 0 || (size_t)r < pad) return FK_EINVAL;
    *len = (size_t)r - pad;
    return FK_OK;
}

static size_t fk_b64_encode(const uint8_t *in, size_t n, char *out)
{
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* imgtool's signature files: base64 of the raw signature bytes. */
static int load_b64(const char *path, uint8_t **sig, size_t *len, char *err, size_t errlen)
{
    uint8_t *raw;
    size_t n;
    int rc = fk_file_read(path, &raw, &n, err, errlen);
    if (rc != FK_OK) {
        return rc;
    }
    *sig = malloc(n / 4 * 3 + 3);
    rc = *sig ? fk_b64_decode((const char *)raw, n, *sig, n / 4 * 3 + 3, len) : FK_ENOMEM;
    free(raw);
    if (rc != FK_OK) {
        snprintf(err, errlen, "%s: not base64 (imgtool writes signatures base64-encoded)", path);
        free(*sig);
        *sig = NULL;
    }
    return rc;
}

static int save_b64(const char *path, const uint8_t *sig, size_t len, char *err, size_t errlen)
{
    char *t = malloc(len / 3 * 4 + 8);
    if (t == NULL) {
        return FK_ENOMEM;
    }
    size_t n = fk_b64_encode(sig, len, t);
    int rc = fk_file_write(path, t, n, err, errlen);
    free(t);
    return rc;
}

int fk_cli_image_sign(int argc, char **argv)
{
    struct fk_sign_opts o;
    struct fk_dependency deps[MAX_DEPS];
    struct fk_custom_tlv custom[MAX_CUSTOM];
    size_t ncustom = 0;
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    bool test = false, have_hex_addr = false, bad = false;
    uint32_t hex_addr = 0;
    int ret = FK_EXIT_USAGE;
    uint8_t *in = NULL, *out = NULL;
    size_t in_len = 0, out_len = 0;
    uint32_t base = 0;
    bool have_base = false;
    const char *fix_sig_path = NULL, *sig_out = NULL;
    uint8_t *fix_sig = NULL;

    fk_sign_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        const char *a = argv[i];
#define OPT(s, l, hv) fk_cli_opt(argc, argv, &i, s, l, hv, &v, &bad)
#define NUM(dst)                                                                          \
    do {                                                                                  \
        if (!bad && !fk_cli_parse_u32(v, &(dst))) {                                       \
            fprintf(stderr, "fotakit image sign: %s '%s': not a number (decimal or 0x..)\n", a, v); \
            bad = true;                                                                   \
        }                                                                                 \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            sign_usage(stdout);
            return FK_EXIT_OK;
        } else if (OPT("-k", "--key", true)) {
            o.key_path = v;
        } else if (OPT(NULL, "--public-key-format", true)) {
            if (v && !strcmp(v, "hash")) o.pubkey_format = FK_PUBKEY_HASH;
            else if (v && !strcmp(v, "full")) o.pubkey_format = FK_PUBKEY_FULL;
            else if (!bad) {
                fprintf(stderr, "fotakit image sign: --public-key-format must be hash or full\n");
                bad = true;
            }
        } else if (OPT("-v", "--version", true)) {
            if (!bad && !fk_cli_parse_version(v, &o.version)) {
                fprintf(stderr, "fotakit image sign: --version '%s': expected MAJOR.MINOR.REVISION+BUILD\n", v);
                bad = true;
            }
        } else if (OPT("-H", "--header-size", true)) {
            NUM(o.header_size);
        } else if (OPT(NULL, "--pad-header", false)) {
            o.pad_header = true;
        } else if (OPT(NULL, "--align", true)) {
            NUM(o.align);
        } else if (OPT(NULL, "--max-align", true)) {
            NUM(o.max_align);
        } else if (OPT("-S", "--slot-size", true)) {
            NUM(o.slot_size);
        } else if (OPT("-M", "--max-sectors", true)) {
            NUM(o.max_sectors);
            if (!bad && o.max_sectors == 0) {
                fprintf(stderr, "fotakit image sign: --max-sectors must be at least 1\n");
                bad = true;
            }
        } else if (OPT(NULL, "--pad", false)) {
            o.pad = true;
        } else if (OPT(NULL, "--confirm", false)) {
            o.confirm = true;
        } else if (OPT(NULL, "--test", false)) {
            test = true;
        } else if (OPT(NULL, "--overwrite-only", false)) {
            o.overwrite_only = true;
        } else if (OPT("-s", "--security-counter", true)) {
            o.has_security_counter = true;
            if (v && !strcmp(v, "auto")) o.security_counter_auto = true;
            else NUM(o.security_counter);
        } else if (OPT("-d", "--dependencies", true)) {
            if (!bad && !parse_deps(v, deps, &o.ndeps)) {
                fprintf(stderr, "fotakit image sign: --dependencies '%s': expected \"(ID,VERSION), ...\" "
                                "e.g. \"(1,1.2.0+0)\"\n", v);
                bad = true;
            }
            o.deps = deps;
        } else if (!strcmp(a, "--custom-tlv") || !strcmp(a, "--custom-tlv-file")) {
            bool from_file = !strcmp(a, "--custom-tlv-file");
            uint32_t tag;
            if (i + 2 >= argc) {
                fprintf(stderr, "fotakit image sign: --custom-tlv needs TAG and VALUE\n");
                bad = true;
                break;
            }
            if (ncustom == MAX_CUSTOM) {
                fprintf(stderr, "fotakit image sign: at most %d --custom-tlv\n", MAX_CUSTOM);
                bad = true;
                break;
            }
            if (!fk_cli_parse_u32(argv[i + 1], &tag) || tag < 0xa0 || tag > 0xfffe) {
                fprintf(stderr, "fotakit image sign: --custom-tlv tag '%s': must be 0xa0..0xfffe\n", argv[i + 1]);
                bad = true;
                break;
            }
            uint8_t *val;
            uint16_t vlen;
            if (from_file) {
                char ferr[512];
                size_t flen;
                if (fk_file_read(argv[i + 2], &val, &flen, ferr, sizeof ferr) != FK_OK) {
                    fprintf(stderr, "fotakit image sign: --custom-tlv-file: %s\n", ferr);
                    bad = true;
                    break;
                }
                if (flen == 0 || flen > 0xfff0) {
                    fprintf(stderr, "fotakit image sign: --custom-tlv-file %s: %zu bytes; a TLV value holds 1 to 65520\n",
                            argv[i + 2], flen);
                    free(val);
                    bad = true;
                    break;
                }
                vlen = (uint16_t)flen;
            } else if (!parse_custom_value(argv[i + 2], &val, &vlen)) {
                fprintf(stderr, "fotakit image sign: --custom-tlv value '%s': 0x<even number of hex digits> "
                                "or non-empty text\n", argv[i + 2]);
                bad = true;
                break;
            }
            custom[ncustom].tag = (uint16_t)tag;
            custom[ncustom].val = val;
            custom[ncustom].len = vlen;
            ncustom++;
            i += 2;
        } else if (OPT("-L", "--load-addr", true)) {
            NUM(o.load_addr);
        } else if (OPT("-F", "--rom-fixed", true)) {
            o.rom_fixed = true;
            NUM(o.rom_fixed_addr);
        } else if (OPT("-x", "--hex-addr", true)) {
            have_hex_addr = true;
            NUM(hex_addr);
        } else if (OPT("-R", "--erased-val", true)) {
            uint32_t e = 0;
            NUM(e);
            if (!bad && e != 0 && e != 0xff) {
                fprintf(stderr, "fotakit image sign: --erased-val must be 0 or 0xff\n");
                bad = true;
            }
            o.erased_val = (uint8_t)e;
        } else if (OPT("-e", "--endian", true)) {
            if (!bad && strcmp(v, "little") != 0) {
                fprintf(stderr, "fotakit image sign: only --endian little is supported\n");
                bad = true;
            }
        } else if (OPT(NULL, "--pure", false)) {
            o.pure = true;
        } else if (OPT(NULL, "--sha", true)) {
            if (!bad && !parse_sha(v, &o.sha)) {
                fprintf(stderr, "fotakit image sign: --sha '%s': use auto, 256, 384 or 512\n", v);
                bad = true;
            }
        } else if (OPT(NULL, "--hmac-sha", true)) {
            if (!bad && (!parse_sha(v, &o.hmac_sha) || o.hmac_sha == 384)) {
                fprintf(stderr, "fotakit image sign: --hmac-sha '%s': use auto, 256 or 512\n", v);
                bad = true;
            }
        } else if (OPT(NULL, "--non-bootable", false)) {
            o.non_bootable = true;
        } else if (OPT(NULL, "--boot-record", true)) {
            o.boot_record = v;
        } else if (OPT(NULL, "--vid", true)) {
            o.vid = v;
        } else if (OPT(NULL, "--cid", true)) {
            o.cid = v;
        } else if (OPT(NULL, "--vector-to-sign", true)) {
            if (v && !strcmp(v, "payload")) o.vector_to_sign = FK_VECTOR_PAYLOAD;
            else if (v && !strcmp(v, "digest")) o.vector_to_sign = FK_VECTOR_DIGEST;
            else if (!bad) {
                fprintf(stderr, "fotakit image sign: --vector-to-sign must be payload or digest\n");
                bad = true;
            }
        } else if (OPT(NULL, "--fix-sig", true)) {
            fix_sig_path = v;
        } else if (OPT(NULL, "--fix-sig-pubkey", true)) {
            o.fix_sig_pubkey = v;
        } else if (OPT(NULL, "--sig-out", true)) {
            sig_out = v;
        } else if (OPT("-E", "--encrypt", true)) {
            o.enc_key_path = v;
        } else if (OPT(NULL, "--encrypt-keylen", true)) {
            NUM(o.encrypt_keylen);
            if (!bad && o.encrypt_keylen != 128 && o.encrypt_keylen != 256) {
                fprintf(stderr, "fotakit image sign: --encrypt-keylen must be 128 or 256\n");
                bad = true;
            }
        } else if (OPT("-c", "--clear", false)) {
            o.clear = true;
        } else if (OPT(NULL, "--save-enctlv", false)) {
            o.save_enctlv = true;
        } else if (OPT(NULL, "--pad-sig", false)) {
            o.pad_sig = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fotakit image sign: unknown option '%s'; run 'fotakit image sign --help'\n", a);
            bad = true;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "fotakit image sign: unexpected argument '%s'\n", a);
            bad = true;
        }
        if (bad) break;
#undef OPT
#undef NUM
    }
    o.custom = custom;
    o.ncustom = ncustom;
    if (!bad && npos != 2) {
        fprintf(stderr, "fotakit image sign: need INFILE and OUTFILE; run 'fotakit image sign --help'\n");
        bad = true;
    }
    if (!bad && test && o.confirm) {
        fprintf(stderr, "fotakit image sign: --test and --confirm contradict each other\n");
        bad = true;
    }
    if (!bad && (test || o.confirm)) {
        o.pad = true; /* both imply a padded image with a trailer */
    }
    if (!bad && fix_sig_path != NULL) {
        char ferr[512];
        if (load_b64(fix_sig_path, &fix_sig, &o.fix_sig_len, ferr, sizeof ferr) != FK_OK) {
            fprintf(stderr, "fotakit image sign: --fix-sig: %s\n", ferr);
            bad = true;
        }
        o.fix_sig = fix_sig;
    }
    if (!bad && sig_out != NULL && o.key_path == NULL && fix_sig_path == NULL) {
        fprintf(stderr, "fotakit image sign: --sig-out needs a signature: give -k or --fix-sig\n");
        bad = true;
    }
    if (!bad && o.pad && o.slot_size == 0) {
        fprintf(stderr, "fotakit image sign: --pad/--confirm/--test need --slot-size\n");
        bad = true;
    }
    if (bad) goto out;

    /* input */
    {
        char err[512];
        int rc;
        if (fk_path_is_hex(pos[0])) {
            rc = fk_hex_read(pos[0], o.erased_val, &in, &in_len, &base, err, sizeof err);
            have_base = rc == FK_OK;
            if (have_base && o.pad_header) {
                if (base < o.header_size) {
                    fprintf(stderr, "fotakit image sign: %s starts at 0x%x, below the 0x%x-byte header\n",
                            pos[0], base, o.header_size);
                    goto out;
                }
                base -= o.header_size; /* the header goes in front of the payload */
            }
        } else {
            rc = fk_file_read(pos[0], &in, &in_len, err, sizeof err);
        }
        if (rc != FK_OK) {
            fprintf(stderr, "fotakit image sign: %s\n", err);
            goto out;
        }
        struct fk_sign_result res;
        rc = fk_image_sign_ex(&o, in, in_len, &out, &out_len, &res, err, sizeof err);
        if (rc != FK_OK) {
            fprintf(stderr, "fotakit image sign: %s: %s\n", pos[0], err);
            ret = rc == FK_ENOSPC ? FK_EXIT_VERDICT : FK_EXIT_USAGE;
            goto out;
        }
        if (sig_out != NULL) {
            rc = save_b64(sig_out, res.sig, res.sig_len, err, sizeof err);
            if (rc != FK_OK) {
                fprintf(stderr, "fotakit image sign: --sig-out: %s\n", err);
                goto out;
            }
        }
        if (o.vector_to_sign != FK_VECTOR_NONE && fk_path_is_hex(pos[1])) {
            fprintf(stderr, "fotakit image sign: --vector-to-sign writes raw bytes; give a .bin OUTFILE\n");
            goto out;
        }
        if (fk_path_is_hex(pos[1])) {
            struct fk_hex_seg segs[3];
            size_t nseg = 1;
            if (have_hex_addr) {
                base = hex_addr;
                have_base = true;
            }
            if (!have_base) {
                fprintf(stderr, "fotakit image sign: %s: a .hex output needs an address: give -x ADDR "
                                "(or a .hex input)\n", pos[1]);
                goto out;
            }
            segs[0] = (struct fk_hex_seg){base, out, res.image_len};
            if (o.pad) {
                /* imgtool's HEX output: only the trailer bytes that carry
                 * information, the rest stays erased: with --confirm/--test
                 * the max_align-wide image_ok field (0x01 or erased), then
                 * the 16-byte magic at the slot's end. */
                uint32_t ma = o.max_align ? o.max_align : (o.align > 8 ? o.align : 8);
                uint32_t magic_align = (16 + ma - 1) / ma * ma;
                if ((o.confirm || test) && !o.overwrite_only) {
                    uint32_t ok = o.slot_size - magic_align - ma;
                    segs[nseg++] = (struct fk_hex_seg){base + ok, out + ok, ma};
                }
                segs[nseg++] = (struct fk_hex_seg){base + o.slot_size - 16, out + o.slot_size - 16, 16};
                /* adjacent fields are one run of records, as intelhex writes them */
                if (nseg == 3 && segs[1].addr + segs[1].len == segs[2].addr) {
                    segs[1].len += 16;
                    nseg = 2;
                }
            }
            rc = fk_hex_write(pos[1], segs, nseg, err, sizeof err);
        } else {
            rc = fk_file_write(pos[1], out, out_len, err, sizeof err);
        }
        if (rc != FK_OK) {
            fprintf(stderr, "fotakit image sign: %s\n", err);
            goto out;
        }
    }
    ret = FK_EXIT_OK;
out:
    free(fix_sig);
    for (size_t k = 0; k < ncustom; k++) {
        free((void *)custom[k].val);
    }
    free(in);
    free(out);
    return ret;
}
