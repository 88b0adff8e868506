/*
 * fotakit-bench: instruction counts on the emulated Cortex-M4, for
 * scripts/firmware-bench (which prepares the backing file and runs QEMU
 * with -icount shift=0: one instruction = 1 ns of virtual time).
 *
 * Counts come from SysTick on the processor clock (25 MHz: one tick = 40 ns
 * = 40 instructions under -icount shift=0), calibrated at run time by a loop
 * of known length (2 instructions per iteration), and printed as
 * "bench: <measure> <ticks> <instructions> [<bytes>]" lines, then
 * "bench: done". The scripts divides; this program formats integers only.
 *
 * Measures:
 *   calibrate           subs/bne loop, 2 * 4,000,000 instructions
 *   sha256_port         fk_port_sha256_compress over BENCH_BYTES (if built)
 *   sha256_bearssl      br_sha256_update over the same bytes
 *   ecdsa_p256_verify   br_ecdsa_i31_vrfy_asn1 of the small image's signature
 *                       (br_ec_p256_m31, the default FOTAKIT_P256)
 *   ecdsa_p256_verify_m15, ecdsa_p256_verify_i31  the same with
 *                       br_ec_p256_m15 / br_ec_prime_i31 (FOTAKIT_P256=m15/i31)
 *   boot_check_460k     fk_image_verify of the 471,040-byte image (hash + ECDSA)
 *   swap_cpu            fk_boot_go performing the pending test swap, minus its
 *                       image validations (counted apart); bytes = units swapped
 *                       (scripts/firmware-bench runs the program twice: plain
 *                       images, then encrypted ones: swap_cpu_enc)
 *   aes_ctr             fk_image_cipher_run (BearSSL br_aes_ct_ctr, AES-128) over
 *                       BENCH_AES_BYTES in RAM, the decryption of an encrypted
 *                       swap (FOTAKIT_DEVICE_ENC builds)
 * Images (written by the script into flash_secondary, beyond the secondary
 * slot): the large one at BENCH_BIG_OFF, the small one at BENCH_SMALL_OFF.
 */
#include <string.h>

#include <bearssl.h>

#include "fotakit/boot.h"
#include "fotakit/image.h"
#include "fotakit/image_enc.h"
#include "fotakit/port.h"
#include "fotakit_layout.h"
#include "fw.h"

#include "../port/cortex-m/cortex_m.h"
#include "../port/qemu-mps2-an386/mps2_port.h"

#define TAG "bench"
#define BENCH_BIG_OFF 0x48000u
#define BENCH_SMALL_OFF 0xC0000u
#define BENCH_BYTES 471040u
#define CAL_ITERS 4000000u
#define BENCH_AES_BYTES 65536u

/* SysTick counts down from 0xFFFFFF; the handler (cortex_m.c) counts wraps. */
static uint64_t now(void)
{
    uint32_t w, v;
    do {
        w = fk_cm_ms();
        v = FK_CM_REG(FK_CM_SYST_CVR);
    } while (fk_cm_ms() != w);
    return (uint64_t)w * 0x1000000u + (0xFFFFFFu - v);
}

static void put_u64(char *out, uint64_t v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    for (int i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    out[n] = '\0';
}

static void report(const char *name, uint64_t ticks, uint64_t bytes)
{
    char line[96] = "";
    char num[21];
    strcat(line, name);
    strcat(line, " ");
    put_u64(num, ticks);
    strcat(line, num);
    if (bytes != 0) {
        strcat(line, " ");
        put_u64(num, bytes);
        strcat(line, num);
    }
    fk_fw_log(TAG, line, NULL);
}

static void calibrate(void)
{
    uint32_t n = CAL_ITERS;
    uint64_t t0 = now();
    __asm volatile("1: subs %0, %0, #1\n\t"
                   "bne 1b\n\t"
                   : "+r"(n)
                   :
                   : "cc");
    report("calibrate", now() - t0, 2ull * CAL_ITERS);
}

static const uint8_t *big_data(void)
{
    return (const uint8_t *)(fk_port_flash_xip(FK_LAYOUT_DEV_FLASH_SECONDARY) + BENCH_BIG_OFF);
}

static void sha_bench(void)
{
#ifdef FK_BENCH_SHA256_PORT
    uint32_t st[8] = {0};
    uint64_t t0 = now();
    fk_port_sha256_compress(st, big_data(), BENCH_BYTES / 64u);
    report("sha256_port", now() - t0, BENCH_BYTES);
#endif
    br_sha256_context c;
    uint64_t t1 = now();
    br_sha256_init(&c);
    br_sha256_update(&c, big_data(), BENCH_BYTES);
    report("sha256_bearssl", now() - t1, BENCH_BYTES);
}

static struct fk_flash_area bench_area;

static void ecdsa_bench(void)
{
    struct fk_image_info info;
    struct fk_image_tlv_iter it;
    struct fk_image_tlv t;
    uint8_t hash[32], sig[72];
    size_t siglen = 0;
    int rc = fk_image_inspect(&bench_area, BENCH_SMALL_OFF - BENCH_BIG_OFF, &info);
    if (rc == FK_OK) {
        rc = fk_image_tlv_begin(&it, &bench_area, BENCH_SMALL_OFF - BENCH_BIG_OFF, &info.hdr);
    }
    while (rc == FK_OK && fk_image_tlv_next(&it, &t) == 1) {
        uint32_t at = BENCH_SMALL_OFF - BENCH_BIG_OFF + t.off;
        if (t.type == 0x10 && t.len == 32) {
            rc = fk_flash_read(&bench_area, at, hash, 32);
        } else if (t.type == 0x22 && t.len <= sizeof sig) {
            siglen = t.len;
            rc = fk_flash_read(&bench_area, at, sig, t.len);
        }
    }
    if (rc != FK_OK || siglen == 0) {
        fk_fw_log(TAG, "small image unreadable: ", fk_err_name(rc));
        return;
    }
    /* The key: the last 65 bytes of the SPKI DER (uncompressed point). */
    const struct fk_image_key *k = &fk_fw_keyring.keys[0];
    br_ec_public_key pk = {
        .curve = BR_EC_secp256r1,
        .q = (unsigned char *)(uintptr_t)(k->der + k->der_len - 65),
        .qlen = 65,
    };
    static const char *const names[] = {"ecdsa_p256_verify", "ecdsa_p256_verify_m15",
                                        "ecdsa_p256_verify_i31"};
    for (unsigned i = 0; i < 3; i++) {
        uint64_t t0 = now();
        uint32_t ok = i == 0   ? br_ecdsa_i31_vrfy_asn1(&br_ec_p256_m31, hash, 32, &pk, sig, siglen)
                      : i == 1 ? br_ecdsa_i15_vrfy_asn1(&br_ec_p256_m15, hash, 32, &pk, sig, siglen)
                               : br_ecdsa_i31_vrfy_asn1(&br_ec_prime_i31, hash, 32, &pk, sig, siglen);
        uint64_t dt = now() - t0;
        if (ok != 1) {
            fk_fw_log(TAG, names[i], ": signature did not verify");
            return;
        }
        report(names[i], dt, 0);
    }
}

static void boot_check_bench(void)
{
    struct fk_image_info info;
    uint64_t t0 = now();
    int rc = fk_image_verify(&bench_area, 0, &fk_fw_keyring, &info);
    uint64_t dt = now() - t0;
    if (rc != FK_OK) {
        fk_fw_log(TAG, "boot_check_460k: image did not verify: ", fk_err_name(rc));
        return;
    }
    report("boot_check_460k", dt, (uint64_t)info.hdr.hdr_size + info.hdr.img_size);
}

static uint64_t validate_ticks;

static int timed_validate(void *ctx, const struct fk_flash_area *fa, uint32_t off,
                          struct fk_image_info *info)
{
    (void)ctx;
    uint64_t t0 = now();
    /* as boot_go.c's default: the primary holds plaintext */
    struct fk_image_keyring k = *fk_fw_boot_keyring();
    k.enc_plaintext = fa->id == FK_AREA_ID_PRIMARY;
    int rc = fk_image_verify(fa, off, &k, info);
    validate_ticks += now() - t0;
    return rc;
}

static void swap_bench(void)
{
    static struct fk_boot_rsp rsp;
    const struct fk_boot_config cfg = {
        .map = fk_fw_map(),
        .keys = fk_fw_boot_keyring(),
        .strategy = FK_BOOT_STRATEGY_SWAP,
        .validate = timed_validate,
    };
    validate_ticks = 0;
    uint64_t t0 = now();
    int rc = fk_boot_go(&cfg, &rsp);
    uint64_t dt = now() - t0;
    if (rc != FK_OK || rsp.swap_type != FK_SWAP_TEST) {
        fk_fw_log(TAG, "swap_cpu: no test swap happened: ", rsp.why);
        return;
    }
    report("swap_cpu", dt - validate_ticks, (uint64_t)rsp.stats.units * FK_LAYOUT_SWAP_UNIT);
    report("swap_validate", validate_ticks, 0);
}

static void aes_bench(void)
{
#ifdef FK_IMAGE_ENC
    static uint8_t buf[4096];
    static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    static struct fk_image_cipher c;
    uint64_t t0 = now();
    fk_image_cipher_init(&c, key, sizeof key);
    for (uint32_t pos = 0; pos < BENCH_AES_BYTES; pos += sizeof buf) {
        fk_image_cipher_run(&c, pos, buf, sizeof buf);
    }
    report("aes_ctr", now() - t0, BENCH_AES_BYTES);
#endif
}

int main(void)
{
    (void)fk_port_init();
    fk_mps2_erase_pacing = false;
    /* SysTick free-running over its whole 24-bit range; wraps counted. */
    FK_CM_REG(FK_CM_SYST_CSR) = 0;
    FK_CM_REG(FK_CM_SYST_RVR) = 0xFFFFFFu;
    FK_CM_REG(FK_CM_SYST_CVR) = 0;
    FK_CM_REG(FK_CM_SYST_CSR) =
        FK_CM_SYST_CSR_ENABLE | FK_CM_SYST_CSR_TICKINT | FK_CM_SYST_CSR_CLKSOURCE;
    struct fk_flash_dev *dev = fk_port_flash(FK_LAYOUT_DEV_FLASH_SECONDARY);
    bench_area = (struct fk_flash_area){
        .id = 0xF0, .name = "bench", .dev = dev, .off = BENCH_BIG_OFF,
        .size = dev->size - BENCH_BIG_OFF};
    fk_fw_log(TAG, "start", NULL);
    calibrate();
    sha_bench();
    ecdsa_bench();
    boot_check_bench();
    aes_bench();
    swap_bench();
    fk_fw_log(TAG, "done", NULL);
    for (;;) {
        __asm volatile("wfi");
    }
}
