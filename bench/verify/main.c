/*
 * bench/verify: what the image verifier costs.
 *
 *  - host instructions, counted with valgrind's callgrind: the bench re-runs
 *    itself under `valgrind --tool=callgrind --collect-atstart=no` in a
 *    measuring mode that switches collection on (CALLGRIND_TOGGLE_COLLECT)
 *    around exactly one workload, then reads the "totals:" line;
 *  - Cortex-M4 text size: links bench/verify/m4_entry.c (one call of
 *    fk_image_verify) against the libraries of a cortex-m4 build folder with
 *    --gc-sections and sizes the ELF, split by library via the link map.
 *
 * usage: verify [--json] [--m4-dir DIR] [--no-callgrind]
 * Host x86-64 instruction counts are not Cortex-M4 counts; the MCUboot and
 * BearSSL reference figures (QEMU, Cortex-M4) are printed beside them for
 * orientation only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>
#ifdef FK_HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT /* no valgrind headers: counts come out as n/a */
#endif

#include "../../src/image/image_priv.h"
#include "fotakit/host/image.h"
#include "fotakit/image_enc.h"

/* Reference figures from issue 4 (Cortex-M4, QEMU instruction counts). */
#define REF_MCUBOOT_SHA_PER_BYTE 71.0
#define REF_MCUBOOT_ECDSA 14.0e6
#define REF_MCUBOOT_TEXT 11.3e3
#define REF_BEARSSL_SHA_PER_BYTE 39.6
#define REF_BEARSSL_ECDSA 11.4e6
#define REF_BEARSSL_TEXT 10.9e3
#define REF_SODIUM_ED25519 1.3e6

#define VEC FOTAKIT_SHARED_DIR "/vectors/imgtool/"
#define EXT FOTAKIT_SHARED_DIR "/vectors/imgtool-ext/"


static uint8_t *load(const char *name, size_t *len)
{
    char err[256];
    uint8_t *d;
    if (fk_file_read(name, &d, len, err, sizeof err) != FK_OK) {
        fprintf(stderr, "verify bench: %s\n", err);
        exit(2);
    }
    return d;
}

static void key(const char *file, enum fk_key_type t, struct fk_image_key *k, struct fk_key_view *kv)
{
    size_t len;
    k->der = load(file, &len);
    k->der_len = len;
    k->type = t;
    if (kv && fk_key_parse(k, kv) != FK_OK) {
        fprintf(stderr, "verify bench: %s: bad key\n", file);
        exit(2);
    }
}

/* DER bytes of an `imgtool getpriv` C array (the key MCUboot builds in). */
static size_t lang_c(const char *name, uint8_t *out, size_t cap)
{
    size_t len, n = 0;
    uint8_t *t = load(name, &len);
    t = realloc(t, len + 1);
    t[len] = 0;
    for (const char *p = strchr((char *)t, '{'); p && (p = strstr(p, "0x")) != NULL && n < cap; p += 4) {
        unsigned v;
        if (sscanf(p, "0x%2x", &v) == 1) out[n++] = (uint8_t)v;
    }
    free(t);
    return n;
}

/* The last TLV of `type` and the digest of an image. */
static void sig_of(const char *file, uint16_t type, uint8_t *sig, size_t cap, size_t *sl, uint8_t d[32])
{
    size_t len;
    uint8_t *img = load(file, &len);
    int rc = fk_image_buf_tlv(img, len, type, sig, cap, sl, d);
    if (rc != FK_OK) {
        fprintf(stderr, "verify bench: %s: no usable TLV 0x%x: %s\n", file, type, fk_err_name(rc));
        exit(2);
    }
    free(img);
}

#define SHA_BYTES (1u << 20)

/* One workload, with callgrind collecting only inside it. */
static int measure(const char *what)
{
    int rc = -1;
    if (!strcmp(what, "sha256")) {
        uint8_t *buf = malloc(SHA_BYTES), out[32];
        br_sha256_context c;
        for (size_t i = 0; i < SHA_BYTES; i++) buf[i] = (uint8_t)(i * 7 + 3);
        CALLGRIND_TOGGLE_COLLECT;
        br_sha256_init(&c);
        for (size_t i = 0; i < SHA_BYTES; i += 4096) br_sha256_update(&c, buf + i, 4096);
        br_sha256_out(&c, out);
        CALLGRIND_TOGGLE_COLLECT;
        free(buf);
        rc = out[0] == 0x5a ? 1 : 0; /* use the result */
        rc = 0;
    } else if (!strcmp(what, "sha384") || !strcmp(what, "sha512")) {
        uint8_t *buf = malloc(SHA_BYTES), out[64];
        struct fk_img_hash h;
        for (size_t i = 0; i < SHA_BYTES; i++) buf[i] = (uint8_t)(i * 7 + 3);
        CALLGRIND_TOGGLE_COLLECT;
        rc = fk_img_hash_init(&h, !strcmp(what, "sha384") ? FK_TLV_SHA384 : FK_TLV_SHA512);
        for (size_t i = 0; i < SHA_BYTES; i += 4096) fk_img_hash_update(&h, buf + i, 4096);
        fk_img_hash_out(&h, out);
        CALLGRIND_TOGGLE_COLLECT;
        free(buf);
    } else if (!strcmp(what, "aes128_ctr") || !strcmp(what, "aes256_ctr")) {
        /* the payload decryption as the verifier and a swap do it: 128-B pieces */
        uint8_t *buf = malloc(SHA_BYTES), key[32] = {1, 2, 3};
        struct fk_image_cipher c;
        for (size_t i = 0; i < SHA_BYTES; i++) buf[i] = (uint8_t)(i * 7 + 3);
        CALLGRIND_TOGGLE_COLLECT;
        fk_image_cipher_init(&c, key, !strcmp(what, "aes128_ctr") ? 16 : 32);
        for (size_t i = 0; i < SHA_BYTES; i += FK_IMAGE_CHUNK) {
            fk_image_cipher_run(&c, (uint32_t)i, buf + i, FK_IMAGE_CHUNK);
        }
        CALLGRIND_TOGGLE_COLLECT;
        free(buf);
        rc = FK_OK;
    } else if (!strncmp(what, "unwrap_", 7) || !strcmp(what, "enc_image")) {
        /* image key recovery (ECDH + HKDF + HMAC, RSA-OAEP) on imgtool's vectors */
        const char *kind = !strcmp(what, "enc_image") ? "ec256" : what + 7;
        char f[256], kf[256];
        uint8_t der[1400], k[32];
        size_t len, kl;
        snprintf(f, sizeof f, EXT "enc-%s-aes128-ed25519-v2.0.0.bin", kind);
        snprintf(kf, sizeof kf, EXT "enc-%s-priv.lang-c.txt", kind);
        uint8_t *img = load(f, &len);
        struct fk_image_enc_key ek = {!strcmp(kind, "ec256") ? FK_TLV_ENC_EC256
                                      : !strcmp(kind, "x25519") ? FK_TLV_ENC_X25519
                                                                : FK_TLV_ENC_RSA2048,
                                      der, lang_c(kf, der, sizeof der)};
        struct fk_flash_dev dev;
        struct fk_flash_area fa;
        struct fk_image_header hdr;
        fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
        if (fk_image_read_header(&fa, 0, &hdr) != FK_OK) exit(2);
        if (!strcmp(what, "enc_image")) {
            struct fk_image_key sk;
            struct fk_image_info info;
            key(VEC "ed25519.pub.der", FK_KEY_ED25519, &sk, NULL);
            struct fk_image_keyring ring = {.keys = &sk, .count = 1, .enc = &ek};
            CALLGRIND_TOGGLE_COLLECT;
            rc = fk_image_verify(&fa, 0, &ring, &info);
            CALLGRIND_TOGGLE_COLLECT;
            free((void *)sk.der);
        } else {
            CALLGRIND_TOGGLE_COLLECT;
            rc = fk_image_enc_unwrap(&fa, 0, &hdr, &ek, k, &kl);
            CALLGRIND_TOGGLE_COLLECT;
        }
        free(img);
    } else if (!strcmp(what, "ecdsa_p384")) {
        struct fk_image_key k;
        struct fk_key_view kv;
        struct fk_host_key hk;
        uint8_t sig[128], d[32], img_hash[48];
        size_t sl = 0, len;
        char err[256];
        if (fk_host_key_load(EXT "ecdsa-p384.pub.pem", &hk, err, sizeof err) != FK_OK) exit(2);
        k.type = FK_KEY_ECDSA_P384;
        k.der = hk.der;
        k.der_len = hk.der_len;
        if (fk_key_parse(&k, &kv) != FK_OK) exit(2);
        sig_of(EXT "img-ecdsa-p384-v1.0.0.bin", FK_TLV_ECDSA_SIG, sig, sizeof sig, &sl, d);
        uint8_t *img = load(EXT "img-ecdsa-p384-v1.0.0.bin", &len);
        size_t hl;
        if (fk_image_buf_tlv(img, len, FK_TLV_SHA384, img_hash, sizeof img_hash, &hl, NULL) != FK_OK) exit(2);
        CALLGRIND_TOGGLE_COLLECT;
        rc = fk_sig_ecdsa(&kv, img_hash, 48, sig, sl);
        CALLGRIND_TOGGLE_COLLECT;
        free(img);
        fk_host_key_free(&hk);
    } else if (!strcmp(what, "hashonly20k") || !strcmp(what, "hashonly100k") || !strcmp(what, "ecdsa_image")) {
        const char *f = !strcmp(what, "hashonly20k") ? VEC "img-hashonly-v1.0.0.bin"
                        : !strcmp(what, "hashonly100k") ? VEC "img-hashonly-100k-v1.0.0.bin"
                                                        : VEC "img-ecdsa-p256-v1.2.3+4.bin";
        size_t len;
        uint8_t *img = load(f, &len);
        struct fk_flash_dev dev;
        struct fk_flash_area fa;
        struct fk_image_key k;
        struct fk_image_info info;
        key(VEC "ecdsa-p256.pub.der", FK_KEY_ECDSA_P256, &k, NULL);
        struct fk_image_keyring ring = {.keys = &k, .count = 1, .allow_hash_only = strstr(what, "hashonly") != NULL};
        fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
        CALLGRIND_TOGGLE_COLLECT;
        rc = fk_image_verify(&fa, 0, &ring, &info);
        CALLGRIND_TOGGLE_COLLECT;
        free((void *)k.der);
        free(img);
    } else if (!strcmp(what, "ecdsa") || !strcmp(what, "ed25519") || !strcmp(what, "rsa")) {
        struct fk_image_key k;
        struct fk_key_view kv;
        uint8_t sig[256], d[32];
        size_t sl = 0;
        if (!strcmp(what, "ecdsa")) {
            key(VEC "ecdsa-p256.pub.der", FK_KEY_ECDSA_P256, &k, &kv);
            sig_of(VEC "img-ecdsa-p256-v1.2.3+4.bin", FK_TLV_ECDSA_SIG, sig, sizeof sig, &sl, d);
            CALLGRIND_TOGGLE_COLLECT;
            rc = fk_sig_ecdsa(&kv, d, 32, sig, sl);
            CALLGRIND_TOGGLE_COLLECT;
        } else if (!strcmp(what, "ed25519")) {
            key(VEC "ed25519.pub.der", FK_KEY_ED25519, &k, &kv);
            sig_of(VEC "img-ed25519-v2.0.0.bin", FK_TLV_ED25519, sig, sizeof sig, &sl, d);
            CALLGRIND_TOGGLE_COLLECT;
            rc = fk_sig_ed25519(&kv, d, 32, sig, sl);
            CALLGRIND_TOGGLE_COLLECT;
        } else {
            key(VEC "rsa-2048.pub.der", FK_KEY_RSA2048, &k, &kv);
            sig_of(VEC "img-rsa2048-v1.0.1.bin", FK_TLV_RSA2048_PSS, sig, sizeof sig, &sl, d);
            CALLGRIND_TOGGLE_COLLECT;
            rc = fk_sig_rsa2048_pss(&kv, d, sig, sl);
            CALLGRIND_TOGGLE_COLLECT;
        }
        free((void *)k.der);
    } else {
        fprintf(stderr, "verify bench: unknown workload %s\n", what);
        return 2;
    }
    if (rc != FK_OK) {
        fprintf(stderr, "verify bench: workload %s failed: %s\n", what, fk_err_name(rc));
        return 1;
    }
    return 0;
}

/* Instructions of one workload: run ourselves under callgrind. -1 on failure. */
static double count(const char *self, const char *what)
{
    char out[256], cmd[1024], line[512];
    double total = -1;
    snprintf(out, sizeof out, "/tmp/fk-verify-bench.%d.%s.cg", (int)getpid(), what);
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file=%s '%s' --measure %s "
             ">/dev/null 2>&1",
             out, self, what);
    if (system(cmd) != 0) {
        remove(out);
        return -1;
    }
    FILE *f = fopen(out, "r");
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8)) {
            total = strtod(strchr(line, ':') + 1, NULL);
        }
    }
    fclose(f);
    remove(out);
    return total;
}

/* ---- Cortex-M4 size ---- */

static bool find_file(const char *dir, const char *pattern, char *out, size_t outlen)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "find -L '%s' -name '%s' -type f 2>/dev/null | sort | head -n 1", dir, pattern);
    FILE *p = popen(cmd, "r");
    if (p == NULL) return false;
    bool ok = fgets(out, (int)outlen, p) != NULL;
    pclose(p);
    if (ok) out[strcspn(out, "\n")] = 0;
    return ok && out[0];
}

struct m4size {
    bool built, have_bearssl, have_sodium;
    long text;             /* arm-none-eabi-size text (code + rodata) of the ELF */
    long fotakit, bearssl, sodium, libc, other;
    char note[300];
};

static const char *bucket(const char *file)
{
    if (strstr(file, "fotakit") || strstr(file, "m4_entry")) return "fotakit";
    if (strstr(file, "bearssl")) return "bearssl";
    if (strstr(file, "sodium")) return "sodium";
    if (strstr(file, "libc") || strstr(file, "libgcc") || strstr(file, "libm")) return "libc";
    return "other";
}

static void m4_size(const char *dir, struct m4size *m)
{
    char img[512], flash[512], common[512], bssl[512] = "", sod[512] = "", cmd[4096], elf[256], map[256];
    memset(m, 0, sizeof *m);
    if (!find_file(dir, "libfotakit_image.a", img, sizeof img) ||
        !find_file(dir, "libfotakit_flash.a", flash, sizeof flash) ||
        !find_file(dir, "libfotakit_common.a", common, sizeof common)) {
        snprintf(m->note, sizeof m->note, "%s has no cortex-m4 fotakit_image/flash/common libraries; build the "
                 "cortex-m4 preset or pass --m4-dir", dir);
        return;
    }
    m->have_bearssl = find_file(dir, "*bearssl*.a", bssl, sizeof bssl);
    m->have_sodium = find_file(dir, "*sodium*.a", sod, sizeof sod);
    snprintf(elf, sizeof elf, "/tmp/fk-verify-m4.%d.elf", (int)getpid());
    snprintf(map, sizeof map, "/tmp/fk-verify-m4.%d.map", (int)getpid());
    snprintf(cmd, sizeof cmd,
             "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections "
             "-I'%s/include' -nostartfiles --specs=nano.specs -Wl,--gc-sections -Wl,-e,fk_m4_entry "
             "-Wl,-Map='%s' %s '%s/m4_entry.c' '%s' '%s' '%s' %s%s%s %s%s%s -lc -lgcc -o '%s' 2>/dev/null",
             FOTAKIT_SOURCE_DIR, map, m->have_bearssl ? "" : "-Wl,--unresolved-symbols=ignore-all", FK_BENCH_DIR,
             img, flash, common, m->have_bearssl ? "'" : "", bssl, m->have_bearssl ? "'" : "",
             m->have_sodium ? "'" : "", sod, m->have_sodium ? "'" : "", elf);
    if (system(cmd) != 0) {
        snprintf(m->note, sizeof m->note, "linking the cortex-m4 test program failed (arm-none-eabi-gcc)");
        return;
    }
    snprintf(cmd, sizeof cmd, "arm-none-eabi-size '%s'", elf);
    FILE *p = popen(cmd, "r");
    char line[1024], prev[1024] = "";
    if (p && fgets(line, sizeof line, p) && fgets(line, sizeof line, p)) {
        m->text = strtol(line, NULL, 10);
    }
    if (p) pclose(p);
    /* split .text/.rodata input sections by the archive they came from */
    FILE *f = fopen(map, "r");
    bool in_mem = false;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "Linker script and memory map", 28)) in_mem = true;
        if (!in_mem) continue;
        char *s = line;
        unsigned long addr, size;
        char file[700];
        /* " .text.name 0xaddr 0xsize file" or name on the previous line */
        if ((!strncmp(s, " .text", 6) || !strncmp(s, " .rodata", 8)) &&
            sscanf(s, " %*s 0x%lx 0x%lx %699s", &addr, &size, file) == 3) {
        } else if ((!strncmp(prev, " .text", 6) || !strncmp(prev, " .rodata", 8)) && strchr(prev, ' ') &&
                   sscanf(s, " 0x%lx 0x%lx %699s", &addr, &size, file) == 3) {
        } else {
            snprintf(prev, sizeof prev, "%s", line);
            continue;
        }
        prev[0] = 0;
        if (addr == 0 && size == 0) continue;
        const char *b = bucket(file);
        if (!strcmp(b, "fotakit")) m->fotakit += (long)size;
        else if (!strcmp(b, "bearssl")) m->bearssl += (long)size;
        else if (!strcmp(b, "sodium")) m->sodium += (long)size;
        else if (!strcmp(b, "libc")) m->libc += (long)size;
        else m->other += (long)size;
    }
    if (f) fclose(f);
    remove(elf);
    remove(map);
    m->built = true;
    if (!m->have_bearssl) {
        snprintf(m->note, sizeof m->note, "no BearSSL archive for cortex-m4 in %s: verifier only, crypto "
                 "missing (cmake/debsrc.cmake builds it)", dir);
    }
}

int main(int argc, char **argv)
{
    bool json = false, use_cg = true;
    const char *m4dir = FOTAKIT_SOURCE_DIR "/build/cortex-m4";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--measure") && i + 1 < argc) return measure(argv[i + 1]);
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--no-callgrind")) use_cg = false;
        else if (!strcmp(argv[i], "--m4-dir") && i + 1 < argc) m4dir = argv[++i];
        else {
            printf("usage: verify [--json] [--m4-dir DIR] [--no-callgrind]\n"
                   "  host instruction counts (valgrind callgrind) of SHA-256 and the signature checks,\n"
                   "  and the Cortex-M4 text size of the verifier with its crypto (from DIR, default\n"
                   "  build/cortex-m4). --json: one JSON object per row.\n");
            return strcmp(argv[i], "--help") ? 2 : 0;
        }
    }
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 2;
    self[n] = 0;
    if (use_cg && system("valgrind --version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "verify bench: valgrind not found: skipping instruction counts\n");
        use_cg = false;
    }

    double sha = -1, h20 = -1, h100 = -1, ec = -1, ed = -1, rs = -1, full = -1;
    double s384 = -1, s512 = -1, p384 = -1, ctr128 = -1, ctr256 = -1, uw_ec = -1, uw_x = -1, uw_rsa = -1,
           encimg = -1;
    if (use_cg) {
        s384 = count(self, "sha384");
        s512 = count(self, "sha512");
        p384 = count(self, "ecdsa_p384");
        ctr128 = count(self, "aes128_ctr");
        ctr256 = count(self, "aes256_ctr");
        uw_ec = count(self, "unwrap_ec256");
        uw_x = count(self, "unwrap_x25519");
        uw_rsa = count(self, "unwrap_rsa2048");
        encimg = count(self, "enc_image");
        sha = count(self, "sha256");
        h20 = count(self, "hashonly20k");
        h100 = count(self, "hashonly100k");
        ec = count(self, "ecdsa");
        ed = count(self, "ed25519");
        rs = count(self, "rsa");
        full = count(self, "ecdsa_image");
    }
    double sha_pb = sha > 0 ? sha / SHA_BYTES : -1;
    double ver_pb = (h20 > 0 && h100 > 0) ? (h100 - h20) / 80000.0 : -1;
    struct m4size m;
    m4_size(m4dir, &m);

    struct row {
        const char *name, *what, *unit;
        double host, ref_mcuboot, ref_bearssl;
    } rows[] = {
        {"sha256", "SHA-256 (BearSSL br_sha256, 1 MiB)", "instr/byte", sha_pb, REF_MCUBOOT_SHA_PER_BYTE,
         REF_BEARSSL_SHA_PER_BYTE},
        {"verify_hash_per_byte", "fk_image_verify hash-only, streamed 128-B chunks (100k-20k slope)",
         "instr/byte", ver_pb, REF_MCUBOOT_SHA_PER_BYTE, REF_BEARSSL_SHA_PER_BYTE},
        {"ecdsa_p256", "ECDSA P-256 verify (BearSSL i31/m31, DER sig)", "instr", ec, REF_MCUBOOT_ECDSA,
         REF_BEARSSL_ECDSA},
        {"ed25519", "Ed25519 verify over the 32-B digest (libsodium)", "instr", ed, -1, REF_SODIUM_ED25519},
        {"rsa2048_pss", "RSA-2048 PSS verify (BearSSL i31 public op + fotakit EMSA-PSS)", "instr", rs, -1, -1},
        {"verify_ecdsa_image", "fk_image_verify, 20000-B ECDSA image (hash + keyhash + sig)", "instr", full, -1,
         -1},
        {"sha384", "SHA-384 (BearSSL br_sha384, 1 MiB)", "instr/byte", s384 > 0 ? s384 / SHA_BYTES : -1, -1, -1},
        {"sha512", "SHA-512 (BearSSL br_sha512, 1 MiB)", "instr/byte", s512 > 0 ? s512 / SHA_BYTES : -1, -1, -1},
        {"ecdsa_p384", "ECDSA P-384 verify (BearSSL i31 generic prime curves)", "instr", p384, -1, -1},
        {"aes128_ctr", "payload decryption AES-128-CTR (BearSSL aes_ct, 128-B pieces)", "instr/byte",
         ctr128 > 0 ? ctr128 / SHA_BYTES : -1, -1, -1},
        {"aes256_ctr", "payload decryption AES-256-CTR (BearSSL aes_ct, 128-B pieces)", "instr/byte",
         ctr256 > 0 ? ctr256 / SHA_BYTES : -1, -1, -1},
        {"unwrap_ec256", "image key from ENC_EC256 (P-256 ECDH, HKDF, HMAC, AES)", "instr", uw_ec, -1, -1},
        {"unwrap_x25519", "image key from ENC_X25519 (X25519, HKDF, HMAC, AES)", "instr", uw_x, -1, -1},
        {"unwrap_rsa2048", "image key from ENC_RSA2048 (RSA-2048 OAEP private op)", "instr", uw_rsa, -1, -1},
        {"verify_enc_image", "fk_image_verify, 20000-B ECIES-P256 encrypted Ed25519 image", "instr", encimg, -1,
         -1},
    };
    const char *method = use_cg ? "callgrind (x86-64 host instructions)" : "not measured";
    if (json) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            printf("{\"row\": \"%s\", \"what\": \"%s\", \"unit\": \"%s\", \"host\": ", rows[i].name, rows[i].what,
                   rows[i].unit);
            if (rows[i].host >= 0) printf("%.1f", rows[i].host); else printf("null");
            printf(", \"method\": \"%s\", \"ref_mcuboot_tinycrypt_m4\": ", method);
            if (rows[i].ref_mcuboot > 0) printf("%.1f", rows[i].ref_mcuboot); else printf("null");
            printf(", \"ref_debian_lib_m4\": ");
            if (rows[i].ref_bearssl > 0) printf("%.1f", rows[i].ref_bearssl); else printf("null");
            printf("}\n");
        }
        printf("{\"row\": \"m4_text\", \"what\": \"Cortex-M4 -Os text of one fk_image_verify call with its "
               "crypto (gc-sections)\", \"unit\": \"bytes\", \"built\": %s, \"text\": ",
               m.built ? "true" : "false");
        if (m.built) printf("%ld", m.text); else printf("null");
        printf(", \"fotakit\": %ld, \"bearssl\": %ld, \"sodium\": %ld, \"libc\": %ld, \"crypto_linked\": %s, "
               "\"m4_dir\": \"%s\", \"ref_mcuboot_tinycrypt_m4\": %.0f, \"ref_bearssl_m4\": %.0f, \"note\": \"%s\"}\n",
               m.fotakit, m.bearssl, m.sodium, m.libc, m.have_bearssl ? "true" : "false", m4dir, REF_MCUBOOT_TEXT,
               REF_BEARSSL_TEXT, m.note);
        return 0;
    }
    printf("fotakit image verifier cost; method: %s\n", method);
    printf("(host counts are x86-64 instructions: compare trends, not absolute values, with the\n"
           " reference columns, which are Cortex-M4 QEMU instruction counts from issue 4)\n\n");
    printf("%-22s %-14s %14s %16s %16s\n", "row", "unit", "host", "MCUboot+TinyCrypt", "Debian lib (M4)");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char h[32] = "n/a", r1[32] = "-", r2[32] = "-";
        if (rows[i].host >= 0) snprintf(h, sizeof h, rows[i].host < 1000 ? "%.1f" : "%.0f", rows[i].host);
        if (rows[i].ref_mcuboot > 0) snprintf(r1, sizeof r1, rows[i].ref_mcuboot < 1000 ? "%.1f" : "%.0f", rows[i].ref_mcuboot);
        if (rows[i].ref_bearssl > 0) snprintf(r2, sizeof r2, rows[i].ref_bearssl < 1000 ? "%.1f" : "%.0f", rows[i].ref_bearssl);
        printf("%-22s %-14s %14s %16s %16s\n", rows[i].name, rows[i].unit, h, r1, r2);
    }
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) printf("  %-22s %s\n", rows[i].name, rows[i].what);
    printf("\nCortex-M4 text (one fk_image_verify call, -Os, --gc-sections), from %s:\n", m4dir);
    if (m.built) {
        printf("  total %ld B (fotakit %ld, BearSSL %ld, libsodium %ld, libc %ld, test entry/other %ld)\n", m.text, m.fotakit,
               m.bearssl, m.sodium, m.libc, m.other);
    }
    if (m.note[0]) printf("  %s\n", m.note);
    printf("  reference: MCUboot v2.4.0 bootutil + TinyCrypt 11.3 KB; BearSSL 0.6 SHA-256 + ECDSA P-256 10.9 KB\n");
    return 0;
}
