/* fotakit image sign: imgtool sign's options and meanings. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
            "  -k, --key FILE              PEM private key (ecdsa-p256, ed25519, rsa-2048); without it\n"
            "                              the image carries only the SHA256 TLV (hash-only)\n"
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
            "  -L, --load-addr ADDR        RAM load address (sets RAM_LOAD)\n"
            "  --rom-fixed ADDR            fixed flash address (sets ROM_FIXED)\n"
            "  -x, --hex-addr ADDR         base address of a .hex output\n"
            "  -R, --erased-val 0|0xff     value of erased flash (default 0xff)\n"
            "  -e, --endian little         only little endian is supported\n"
            "  --pure                      Ed25519 over the whole image (SIG_PURE TLV)\n"
            "  --pad-sig                   pad the ECDSA signature to 72 bytes (old MCUboot)\n");
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
        } else if (!strcmp(a, "--custom-tlv")) {
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
            if (!parse_custom_value(argv[i + 2], &val, &vlen)) {
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
        } else if (OPT(NULL, "--rom-fixed", true)) {
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
        if (fk_path_is_hex(pos[1])) {
            struct fk_hex_seg segs[2];
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
                /* Only the trailer bytes that carry information: image_ok
                 * (with --confirm) and the magic; the rest stays erased. */
                uint32_t ma = o.max_align ? o.max_align : (o.align > 8 ? o.align : 8);
                uint32_t magic_align = (16 + ma - 1) / ma * ma;
                uint32_t tail = (o.confirm && !o.overwrite_only) ? magic_align + ma : 16;
                segs[1] = (struct fk_hex_seg){base + o.slot_size - tail, out + o.slot_size - tail, tail};
                nseg = 2;
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
    for (size_t k = 0; k < ncustom; k++) {
        free((void *)custom[k].val);
    }
    free(in);
    free(out);
    return ret;
}
