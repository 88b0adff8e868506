/*
 * bench/powerfail, two-image rows: the virtual device on the repo's seed
 * layout with the nRF5340 network core (boards/nrf5340-spi-nor-2mb.*):
 * image 0 (fotakit swap) and image 1 (overwrite-only, handed over to the
 * network core through PCD, docs/device.md) both pending, image 0 v2
 * depending on image 1 >= 2.0.0. For every program/erase call k of the boot
 * that updates both, a fresh device, power cut in the middle of call k (the
 * call torn, as fk_device_power_cut_after does), power back, the
 * bootloader runs again. The cuts fall in image 0's swap, image 1's copy
 * into the RAM partition, the network core's erase/program/record (PCD)
 * and the trailer writes after it. Then double cuts: for every 7th call k,
 * the bootloader's restart is cut again at its call 2, 9, 31 or 97
 * (fk_device_power_cut_again; counted when the restart got that far).
 *
 * Oracle: after the boot that follows the cut, image 0 runs v2 (test: not
 * confirmed; perm: confirmed), b0n starts network-core v2 (intact: its
 * SHA-256 matches), no update is left pending for either image; for "test",
 * one more reset reverts image 0 to v1 while the network core stays at v2
 * (overwrite-only: nothing to revert to). Image 0 is never reverted by the
 * boot after the cut: its test image has not run yet (the commits of a
 * multi-image boot are written after every image's swap, docs/boot.md
 * "Two images"; before that, a cut in image 1's hand-over reverted it, as
 * MCUboot does, and the "reverted image 0" count showed how often).
 */
#include "two_images.h"

#include "fotakit/host/powerfail.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef FK_PF_HAVE_DEVICE
#include "fotakit/boot.h"
#include "fotakit/host/device.h"
#include "fotakit/host/image.h"

#define SEED FOTAKIT_SOURCE_DIR "/boards/nrf5340-spi-nor-2mb"
#define KEY FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem"

struct img {
    uint8_t *b;
    size_t len;
};

static int sign(int major, size_t len, uint32_t slot, const struct fk_dependency *dep, struct img *out)
{
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    o.key_path = KEY;
    o.version.major = (uint8_t)major;
    o.header_size = 0x200;
    o.pad_header = true;
    o.align = 4;
    o.slot_size = slot;
    o.deps = dep;
    o.ndeps = dep ? 1 : 0;
    uint8_t *p = malloc(len);
    if (p == NULL) {
        return -1;
    }
    uint32_t x = (uint32_t)major * 2654435761u + (uint32_t)len;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    struct fk_sign_result r;
    char err[256];
    int rc = fk_image_sign_ex(&o, p, len, &out->b, &out->len, &r, err, sizeof err);
    free(p);
    if (rc) {
        fprintf(stderr, "powerfail: signing: %s\n", err);
    }
    return rc;
}

static void rm_dir(const char *dir)
{
    DIR *dd = opendir(dir);
    struct dirent *e;
    char p[320];
    while (dd != NULL && (e = readdir(dd)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    if (dd != NULL) {
        closedir(dd);
    }
    rmdir(dir);
}

struct set {
    struct img a1, a2, n1, n2;
};

/* One trial: a fresh device with v1 on both cores and both v2 staged; cut
 * at call k of the update boot (0: no cut). Fills *rep; returns NULL when
 * the oracle holds, else what failed. */
static const char *trial(const struct set *s, bool test, uint32_t k, uint32_t j,
                         struct fk_device_boot_report *rep)
{
    static char why[1024];
    /* tmpfs when there is one: the chips' files are rewritten every trial */
    char dir[64], err[512];
    snprintf(dir, sizeof dir, "%s/fotakit-pf2-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) {
        return "mkdtemp failed";
    }
    struct fk_device_cfg cfg = {.layout = SEED ".pm_static.yml", .board = SEED ".board.yml",
                                .state_dir = dir, .nkeys = 1, .quiet = true};
    cfg.keys[0] = KEY;
    struct fk_device *d = NULL;
    const char *bad = NULL;
    if (fk_device_open(&d, &cfg, err, sizeof err) || fk_device_flash_image(d, s->a1.b, s->a1.len, err, sizeof err) ||
        fk_device_flash_netcore(d, s->n1.b, s->n1.len, err, sizeof err) ||
        fk_device_boot(d, rep) != FK_OK ||
        fk_device_stage(d, 0, s->a2.b, s->a2.len, !test, err, sizeof err) ||
        fk_device_stage(d, 1, s->n2.b, s->n2.len, true, err, sizeof err)) {
        snprintf(why, sizeof why, "setup: %s", err);
        bad = why;
    }
    if (!bad) {
        fk_device_power_cut_after(d, k);
        fk_device_power_cut_again(d, j);
        fk_device_boot(d, rep);
        /* a cut after image 0's swap completed (during image 1's
         * hand-over) must not revert image 0: it never ran */
        if (rep->reason == FK_BOOT_R_REVERTED || strcmp(rep->version, "2.0.0+0") != 0 || !rep->net_running ||
            strcmp(rep->net_version, "2.0.0+0") != 0 || (k && !rep->after_power_cut)) {
            snprintf(why, sizeof why, "cut at call %u (then %u): image 0 v%s (%s), network core %s v%s (%s)", k, j,
                     rep->version, rep->decision, rep->net_running ? "running" : "not running",
                     rep->net_version, rep->decision1);
            bad = why;
        }
    }
    struct fk_device_boot_report r2;
    if (!bad) {
        fk_device_boot(d, &r2); /* no update left pending: test reverts image 0, nothing else */
        const char *want0 = test ? "1.0.0+0" : "2.0.0+0";
        if (strcmp(r2.version, want0) != 0 || r2.reason1 != FK_BOOT_R_NO_IMAGE ||
            !r2.net_running || strcmp(r2.net_version, "2.0.0+0") != 0 ||
            r2.reason != (test ? FK_BOOT_R_REVERTED : FK_BOOT_R_NONE)) {
            snprintf(why, sizeof why, "cut at call %u (then %u), next boot: image 0 v%s (%s), image 1: %s, "
                                      "network core v%s", k, j, r2.version, r2.decision, r2.decision1, r2.net_version);
            bad = why;
        }
    }
    fk_device_close(d);
    rm_dir(dir);
    return bad;
}

int fk_pf_two_images_rows(bool json, uint32_t stride, struct fk_pf_totals *all)
{
    struct set s = {0};
    const struct fk_dependency need_net2 = {.image_id = 1, .min_ver = {.major = 2}};
    if (sign(1, 20000, 0xe8000, NULL, &s.a1) || sign(2, 22000, 0xe8000, &need_net2, &s.a2) ||
        sign(1, 12000, 0x40000, NULL, &s.n1) || sign(2, 14000, 0x40000, NULL, &s.n2)) {
        return 1;
    }
    int ret = 0;
    for (int scn = 0; scn < 2; scn++) {
        bool test = scn == 0;
        clock_t t0 = clock();
        struct fk_device_boot_report ref;
        const char *bad = trial(&s, test, 0, 0, &ref);
        uint64_t trials = 0, failures = 0, in_pcd = 0, reverted = 0;
        char first[1024] = "";
        if (bad) {
            failures++;
            snprintf(first, sizeof first, "uncut: %s", bad);
        }
        uint32_t n = ref.flash_ops, pf = ref.net_copy_first, pn = ref.net_copy_ops;
        /* single cuts at every stride-th call; then double cuts: every
         * 7th call, and the restart cut again at its call 2, 9, 31 or 97 */
        static const uint32_t again[] = {2, 9, 31, 97};
        uint64_t doubles = 0;
        for (uint32_t pass = 0; !bad && pass < 1 + sizeof again / sizeof again[0]; pass++) {
            uint32_t j = pass ? again[pass - 1] : 0;
            for (uint32_t k = 1; k <= n; k += pass ? 7 * stride : stride) {
                struct fk_device_boot_report rep;
                const char *b = trial(&s, test, k, j, &rep);
                trials++;
                doubles += rep.cuts >= 2;
                in_pcd += k >= pf && k < pf + pn;
                reverted += test && rep.reason == FK_BOOT_R_REVERTED;
                if (b) {
                    failures++;
                    if (!first[0]) {
                        snprintf(first, sizeof first, "%s", b);
                    }
                }
            }
        }
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        const char *name = test ? "two-test" : "two-perm";
        if (json) {
            printf("{\"layout\":\"nrf5340-spi-nor-2mb+netcore\",\"scenario\":\"%s\",\"images\":2,"
                   "\"cut\":\"torn\",\"boot_calls\":%u,\"pcd_calls\":%u,\"trials\":%llu,\"cuts\":%llu,"
                   "\"double_cuts\":%llu,\"cuts_in_pcd\":%llu,\"image0_reverted\":%llu,\"failures\":%llu,"
                   "\"first_failure\":\"%s\"}\n",
                   name, n, pn, (unsigned long long)trials, (unsigned long long)(trials + doubles),
                   (unsigned long long)doubles, (unsigned long long)in_pcd, (unsigned long long)reverted,
                   (unsigned long long)failures, failures ? "see text output" : "");
        } else {
            printf("%-24s %-6s %-12s %9llu %8llu %9llu %7.1f  (%u boot calls, %llu first cuts in the PCD copy",
                   "nrf5340+netcore", "board", name, (unsigned long long)trials, (unsigned long long)doubles,
                   (unsigned long long)failures, secs, n, (unsigned long long)in_pcd);
            printf(test ? ", %llu reverted image 0)\n" : ")\n", (unsigned long long)reverted);
            if (failures) {
                printf("  first failure: %s\n", first);
            }
        }
        fflush(stdout);
        all->trials += trials;
        all->doubles += doubles;
        all->failures += failures;
        if (failures && all->first_failure[0] == '\0') {
            size_t cap = sizeof all->first_failure - 1; /* the first failure, cut to fit */
            memcpy(all->first_failure, first, cap);
            all->first_failure[cap] = '\0';
        }
        ret |= failures != 0;
    }
    free(s.a1.b);
    free(s.a2.b);
    free(s.n1.b);
    free(s.n2.b);
    return ret;
}
#else
int fk_pf_two_images_rows(bool json, uint32_t stride, struct fk_pf_totals *all)
{
    (void)json;
    (void)stride;
    (void)all;
    fprintf(stderr, "powerfail: two-image rows need the virtual device (fotakit_host_device not built)\n");
    return 0;
}
#endif
