/*
 * bench/swap: what fotakit's bootloader costs for a test upgrade, its
 * revert and a permanent upgrade (and an overwrite-only upgrade), on the
 * simulated chips of the shared layouts: erases / programs / bytes per
 * device, the most erases any internal page received, and modeled seconds
 * as the plain sum of every operation and with the NOR chip's busy time
 * overlapped (the flash layer's rule). MCUboot v2.4.0 reference figures of
 * the same model are printed beside.
 *
 * "swap" seconds exclude image verification (a header-only validate hook);
 * "boot" seconds are the whole fk_boot_go() with full verification.
 * "cpu" is this host's CPU time for the swap boot (the model's seconds
 * count flash operations only, not the CPU). With --enc both images are
 * encrypted (ENC_KW, AES-128): the swap decrypts what enters the primary
 * and encrypts what leaves it; the rows are printed beside the plain ones.
 *
 *   swap [--json] [--enc]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fotakit/host/powerfail.h"

static bool g_enc; /* --enc: encrypted images */

struct ref {
    uint32_t bytes;
    double move, offset, overwrite;
};
/* MCUboot v2.4.0, plain sums, nrf52840-spi-nor-2mb (issue 5). */
static const struct ref refs[] = {
    {64 * 1024, 5.2, 3.2, 2.3},
    {460 * 1024, 36.9, 22.3, 15.7},
};

static const struct ref *ref_for(const char *layout, uint32_t bytes)
{
    if (strcmp(layout, "nrf52840-spi-nor-2mb") != 0) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        if (refs[i].bytes == bytes) {
            return &refs[i];
        }
    }
    return NULL;
}

/* Header-only validate: the swap's own cost without hashing. */
static int quick_validate(void *ctx, const struct fk_flash_area *fa, uint32_t off, struct fk_image_info *info)
{
    (void)ctx;
    int rc = fk_image_read_header(fa, off, &info->hdr);
    if (rc != FK_OK) {
        return rc;
    }
    uint32_t t = info->hdr.hdr_size + info->hdr.img_size + info->hdr.protect_tlv_size;
    uint8_t b[4];
    rc = fk_flash_read(fa, off + t, b, 4);
    if (rc != FK_OK) {
        return rc;
    }
    info->end_off = t + (uint32_t)(b[2] | b[3] << 8);
    return FK_OK;
}

struct dev_fig {
    char name[FK_BOARD_NAME_LEN];
    uint64_t erases, progs, bytes, reads_bytes;
};

struct row {
    const char *layout;
    uint32_t bytes;
    const char *scenario, *strategy;
    struct dev_fig d[2];
    unsigned nd;
    uint32_t max_page_erases;
    double sum_s, ovl_s, boot_sum_s, boot_ovl_s;
    double cpu_s; /* host CPU seconds of the swap boot (no verification) */
    bool enc;
    struct fk_boot_stats st;
    int ok;
};

static void collect(struct fk_env *e, struct row *r)
{
    r->nd = 0;
    r->max_page_erases = 0;
    for (unsigned i = 0; i < e->sb.count && r->nd < 2; i++) {
        struct fk_sim_dev *sd = e->sb.dev[i];
        struct dev_fig *f = &r->d[r->nd++];
        snprintf(f->name, sizeof f->name, "%s", sd->name);
        f->erases = sd->stats.erase_calls;
        f->progs = sd->stats.prog_calls;
        f->bytes = sd->stats.prog_bytes;
        f->reads_bytes = sd->stats.read_bytes;
        if (sd->kind == FK_KIND_INTERNAL && sd->stats.max_sector_erases > r->max_page_erases) {
            r->max_page_erases = sd->stats.max_sector_erases;
        }
    }
}

enum scn { S_TEST, S_REVERT, S_PERM, S_OVERWRITE };

/* Prepare the state before the measured boot, run it, fill the row. */
static int run(const char *layout, uint32_t bytes, enum scn scn, bool full_verify, struct row *r)
{
    struct fk_env e;
    char err[256];
    int rc = fk_env_open(&e, FOTAKIT_SHARED_DIR, layout, 0, err, sizeof err);
    if (rc != FK_OK) {
        fprintf(stderr, "swap: %s\n", err);
        return rc;
    }
    uint8_t *old_img = NULL, *new_img = NULL, *old_pt = NULL, *new_pt = NULL;
    uint32_t old_len = bytes, new_len = bytes;
    struct fk_image_enc_key dkey;
    if (g_enc) {
        static const uint8_t k1[16] = "bench-old-key-01", k2[16] = "bench-new-key-02";
        const char *kek_path = NULL;
        const uint8_t *kek = fk_test_kek(&kek_path);
        if (kek != NULL) {
            old_img = fk_test_image_enc(&old_len, 1, 7, kek_path, k1, &old_pt);
            new_img = fk_test_image_enc(&new_len, 2, 8, kek_path, k2, &new_pt);
        }
        /* the old image runs from the primary: plaintext there */
        free(old_img);
        old_img = old_pt;
        dkey = (struct fk_image_enc_key){FK_TLV_ENC_KW, kek, 16};
        e.keys.enc = &dkey;
    } else {
        old_img = fk_test_image(bytes, 1, 7, 0);
        new_img = fk_test_image(bytes, 2, 8, 0);
    }
    if (old_img == NULL || new_img == NULL) {
        fprintf(stderr, "swap: cannot make a %u-byte image\n", bytes);
        return FK_ENOMEM;
    }
    if (!full_verify) {
        e.cfg.validate = quick_validate;
    }
    if (scn == S_OVERWRITE) {
        e.cfg.strategy = FK_BOOT_STRATEGY_OVERWRITE;
    }
    struct fk_boot_rsp rsp;
    rc = fk_env_write(&e, FK_AREA_ID_PRIMARY, 0, old_img, old_len);
    if (rc == FK_OK) {
        rc = fk_env_write(&e, FK_AREA_ID_SECONDARY, fk_boot_secondary_image_off(&e.map), new_img, new_len);
    }
    if (rc == FK_OK) {
        rc = fk_boot_set_pending(&e.map, scn == S_PERM || scn == S_OVERWRITE);
    }
    if (rc == FK_OK && scn == S_REVERT) {
        rc = fk_boot_go(&e.cfg, &rsp);
    }
    if (rc == FK_OK) {
        fk_sim_board_sync(&e.sb);
        fk_sim_board_reset_stats(&e.sb);
        clock_t t0 = clock();
        rc = fk_boot_go(&e.cfg, &rsp);
        if (!full_verify) {
            r->cpu_s = (double)(clock() - t0) / CLOCKS_PER_SEC;
        }
        fk_sim_board_sync(&e.sb);
    }
    if (rc != FK_OK) {
        fprintf(stderr, "swap: %s %u: %s: %s\n", layout, bytes, fk_err_name(rc), rsp.why);
    }
    double sum = e.sb.clock.sum_us / 1e6, ovl = fk_sim_board_overlap_us(&e.sb) / 1e6;
    if (full_verify) {
        r->boot_sum_s = sum;
        r->boot_ovl_s = ovl;
    } else {
        r->sum_s = sum;
        r->ovl_s = ovl;
        collect(&e, r);
        r->st = rsp.stats;
    }
    r->ok = rc == FK_OK && fk_env_violations(&e) == 0 && fk_env_reprogs(&e) == 0;
    free(old_img);
    free(new_img);
    free(new_pt);
    fk_env_close(&e);
    return rc;
}

int main(int argc, char **argv)
{
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--enc") == 0) {
            g_enc = true;
        } else {
            fprintf(stderr, "usage: swap [--json] [--enc]\n");
            return 2;
        }
    }
    static const char *layouts[] = {"nrf52840-spi-nor-2mb", "nrf5340-spi-nor-2mb"};
    static const uint32_t sizes[] = {64 * 1024, 256 * 1024, 460 * 1024};
    static const char *scn_name[] = {"test", "revert", "permanent", "permanent"};
    static const char *strat[] = {"swap-offset", "swap-offset", "swap-offset", "overwrite-only"};
    if (!json) {
        printf("fotakit bootloader swap cost (simulated chips; 'swap' = without image verification,\n"
               "'boot' = whole fk_boot_go with hash+signature checks). MCUboot v2.4.0 plain sums on\n"
               "nrf52840-spi-nor-2mb: swap-move / swap-offset / overwrite-only-fast.\n\n");
        printf("%-22s %6s %-9s %-14s %-5s %6s %6s %9s %6s %6s %9s %4s %7s %7s %7s %7s %6s  %s\n", "layout", "KB",
               "scenario", "strategy", "enc", "i.ers", "i.prg", "i.bytes", "x.ers", "x.prg", "x.bytes", "maxE",
               "sum_s", "ovl_s", "boot_s", "bootovl", "cpu_s", "MCUboot move/offset/overwrite");
    }
    int fails = 0;
    for (size_t l = 0; l < 2; l++) {
        for (size_t z = 0; z < 3; z++) {
            for (int s = S_TEST; s <= S_OVERWRITE; s++)
            for (int en = 0; en <= (g_enc ? 1 : 0); en++) {
                struct row r;
                memset(&r, 0, sizeof r);
                bool want_enc = g_enc;
                g_enc = en != 0; /* plain row, then (--enc) the encrypted one */
                r.enc = g_enc;
                r.layout = layouts[l];
                r.bytes = sizes[z];
                r.scenario = scn_name[s];
                r.strategy = strat[s];
                if (run(layouts[l], sizes[z], (enum scn)s, false, &r) != FK_OK ||
                    run(layouts[l], sizes[z], (enum scn)s, true, &r) != FK_OK || !r.ok) {
                    fails++;
                }
                g_enc = want_enc;
                const struct ref *ref = ref_for(layouts[l], sizes[z]);
                const struct dev_fig *in = &r.d[0], *ex = r.nd > 1 ? &r.d[1] : NULL;
                if (json) {
                    printf("{\"layout\":\"%s\",\"image_bytes\":%u,\"scenario\":\"%s\",\"strategy\":\"%s\","
                           "\"encrypted\":%s,\"host_cpu_s\":%.4f", r.layout, r.bytes, r.scenario, r.strategy,
                           r.enc ? "true" : "false", r.cpu_s);
                    printf(",\"erases\":{");
                    for (unsigned i = 0; i < r.nd; i++) {
                        printf("%s\"%s\":%llu", i ? "," : "", r.d[i].name, (unsigned long long)r.d[i].erases);
                    }
                    printf("},\"programs\":{");
                    for (unsigned i = 0; i < r.nd; i++) {
                        printf("%s\"%s\":%llu", i ? "," : "", r.d[i].name, (unsigned long long)r.d[i].progs);
                    }
                    printf("},\"bytes\":{");
                    for (unsigned i = 0; i < r.nd; i++) {
                        printf("%s\"%s\":%llu", i ? "," : "", r.d[i].name, (unsigned long long)r.d[i].bytes);
                    }
                    printf("},\"int_erases\":%llu,\"int_programs\":%llu,\"ext_erases\":%llu,\"ext_programs\":%llu",
                           (unsigned long long)in->erases, (unsigned long long)in->progs,
                           (unsigned long long)(ex ? ex->erases : 0), (unsigned long long)(ex ? ex->progs : 0));
                    printf(",\"status_programs\":%u,\"trailer_erases\":%u,\"skipped_sectors\":%u,\"sectors\":%u",
                           r.st.status_progs, r.st.trailer_erases, r.st.skipped_units, r.st.units);
                    printf(",\"max_page_erases\":%u,\"seconds_sum\":%.3f,\"seconds_overlap\":%.3f", r.max_page_erases,
                           r.sum_s, r.ovl_s);
                    printf(",\"boot_seconds_sum\":%.3f,\"boot_seconds_overlap\":%.3f", r.boot_sum_s, r.boot_ovl_s);
                    if (ref) {
                        printf(",\"mcuboot_swap_move_s\":%.1f,\"mcuboot_swap_offset_s\":%.1f,"
                               "\"mcuboot_overwrite_only_fast_s\":%.1f",
                               ref->move, ref->offset, ref->overwrite);
                    }
                    printf(",\"ok\":%s}\n", r.ok ? "true" : "false");
                } else {
                    char refs_s[48] = "-";
                    if (ref) {
                        snprintf(refs_s, sizeof refs_s, "%.1f / %.1f / %.1f", ref->move, ref->offset, ref->overwrite);
                    }
                    printf("%-22s %6u %-9s %-14s %-5s %6llu %6llu %9llu %6llu %6llu %9llu %4u %7.2f %7.2f %7.2f %7.2f %6.3f  %s%s\n",
                           r.layout, r.bytes / 1024, r.scenario, r.strategy, r.enc ? "aes" : "-",
                           (unsigned long long)in->erases,
                           (unsigned long long)in->progs, (unsigned long long)in->bytes,
                           (unsigned long long)(ex ? ex->erases : 0), (unsigned long long)(ex ? ex->progs : 0),
                           (unsigned long long)(ex ? ex->bytes : 0), r.max_page_erases, r.sum_s, r.ovl_s,
                           r.boot_sum_s, r.boot_ovl_s, r.cpu_s, refs_s, r.ok ? "" : "  FAILED");
                }
            }
        }
    }
    if (!json) {
        printf("\ni.* internal flash (flash_primary), x.* SPI NOR (external_flash); maxE: most erases of any internal page.\n"
               "Counts include the trailer/status writes (a few per swap plus 2 markers per sector).\n");
    }
    return fails ? 1 : 0;
}
