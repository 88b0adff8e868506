/*
 * fotakit demo: a full update on a virtual device, end to end, on the seed
 * layout (nrf5340-spi-nor-2mb, the repo's copy in boards/ with the network
 * core as image 1): the application core's update (test, revert, confirm),
 * then the network core's, handed over through PCD. The device runs in this process, in a thread
 * serving SMP over UDP on 127.0.0.1 (an ephemeral port); the client side is
 * the same code as `fotakit smp`.
 */
#ifdef FK_HAVE_DEVICE_HOST
#include "cli_smp.h"

#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/err.h"
#include "fotakit/host/image.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEED "nrf5340-spi-nor-2mb"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit demo [--boards DIR] [--state DIR] [--keep] [--realtime] [--quiet]\n"
            "\n"
            "A full update on a virtual device (nRF5340 + SPI NOR, with its network core):\n"
            "makes a key, signs v1 and v2, flashes v1, boots it, uploads v2 over UDP\n"
            "(127.0.0.1), marks it for test, resets (the bootloader swaps), shows v2\n"
            "running, resets without confirming (revert to v1), uploads and confirms v2;\n"
            "then updates the network core (image 1: upload --image 1, confirm, reset: the\n"
            "bootloader hands it over through PCD) and prints a summary.\n"
            "\n"
            "  --boards DIR   where the seed layout and board files are (default: the\n"
            "                 boards/ folder of the source tree this fotakit was built from)\n"
            "  --state DIR    keep the device's files here (default: a fresh temporary folder,\n"
            "                 removed at the end)\n"
            "  --keep         keep the temporary folder\n"
            "  --realtime     flash operations take their modeled time (slower: ~30 s)\n"
            "  --quiet        only the summary\n");
}

static bool quiet;

static void step(const char *fmt, ...)
{
    if (quiet) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    printf("\n==> ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "fotakit demo: %s: %s\n", what, why);
    return 1;
}

static int fail_st(const char *what, int rc, const struct fk_client_status *st)
{
    char buf[512];
    if (rc) {
        snprintf(buf, sizeof buf, "%s (%s)", fk_err_str(rc), fk_err_name(rc));
    } else {
        fk_client_status_str(st, buf, sizeof buf);
    }
    return fail(what, buf);
}

/* A deterministic "firmware" payload: differs per version. */
static uint8_t *make_payload(size_t len, uint32_t seed)
{
    uint8_t *p = malloc(len);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; p && i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

static int sign_slot(const char *key, int major, const uint8_t *payload, size_t len, uint32_t slot,
                     uint8_t **out, size_t *out_len, struct fk_sign_result *res);

static int sign(const char *key, int major, const uint8_t *payload, size_t len, uint8_t **out,
                size_t *out_len, struct fk_sign_result *res)
{
    return sign_slot(key, major, payload, len, 0xe8000, out, out_len, res);
}

/* slot: the slot size the image is checked against (0xe8000 application,
 * 0x40000 the network core's mcuboot_primary_1) */
static int sign_slot(const char *key, int major, const uint8_t *payload, size_t len, uint32_t slot,
                     uint8_t **out, size_t *out_len, struct fk_sign_result *res)
{
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    o.key_path = key;
    o.version.major = (uint8_t)major;
    o.header_size = 0x200; /* the seed layout's mcuboot_pad */
    o.pad_header = true;
    o.align = 4;
    o.slot_size = slot;
    o.max_sectors = slot / 0x1000; /* size the trailer as the slot needs (232 sectors) */
    char err[512];
    int rc = fk_image_sign_ex(&o, payload, len, out, out_len, res, err, sizeof err);
    if (rc) {
        fprintf(stderr, "fotakit demo: signing v%d: %s\n", major, err);
    }
    return rc;
}

static void list(struct fk_client *c)
{
    struct fk_client_image_list l;
    struct fk_client_status st;
    if (fk_client_image_list(c, &l, &st) == 0 && !fk_client_status_failed(&st) && !quiet) {
        fk_cli_print_images(&l);
    }
}

static int running_version(struct fk_client *c, char *ver, size_t len, bool *confirmed)
{
    struct fk_client_image_list l;
    struct fk_client_status st;
    int rc = fk_client_image_list(c, &l, &st);
    if (rc || fk_client_status_failed(&st)) {
        return rc ? rc : FK_EIO;
    }
    for (unsigned i = 0; i < l.count; i++) {
        if (l.slot[i].active) {
            snprintf(ver, len, "%s", l.slot[i].version);
            *confirmed = l.slot[i].confirmed;
            return 0;
        }
    }
    return FK_ENOENT;
}

struct upload_total {
    uint64_t bytes, wire;
    double seconds;
    double flash_s; /* modeled flash time of the uploads (overlapped) */
};

static int upload(struct fk_client *c, struct fk_device *d, unsigned image, const uint8_t *img,
                  size_t len, struct upload_total *tot)
{
    struct fk_device_flash_stats f0, f1;
    fk_device_flash_stats(d, &f0);
    struct fk_cli_progress pr;
    fk_cli_progress_init(&pr, !quiet && isatty(STDOUT_FILENO));
    struct fk_client_upload_opts o = {.window = 4, .image = image, .progress = fk_cli_progress_cb,
                                      .arg = &pr};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    int rc = fk_client_upload(c, img, len, &o, &s, &st);
    fk_cli_progress_end(&pr);
    fk_device_flash_stats(d, &f1);
    if (rc || fk_client_status_failed(&st)) {
        return fail_st("upload", rc, &st);
    }
    tot->flash_s += f1.overlap_s - f0.overlap_s;
    if (!quiet) {
        printf("uploaded %u bytes in %.3f s (%.1f kB/s), %u requests of %u bytes, %llu bytes on the "
               "wire%s\n",
               s.done, s.seconds, s.seconds > 0 ? s.done / s.seconds / 1000 : 0, s.requests, s.chunk,
               (unsigned long long)s.tx_wire, s.match == 1 ? ", device: sha matches" : "");
    }
    tot->bytes += s.done;
    tot->wire += s.tx_wire;
    tot->seconds += s.seconds;
    return 0;
}

static int reset_and_wait(struct fk_client *c, struct fk_device *d, struct fk_device_boot_report *rep)
{
    struct fk_client_status st;
    fk_device_last_boot(d, rep);
    unsigned boots = rep->boot_no;
    int rc = fk_client_reset(c, &st);
    if (rc || fk_client_status_failed(&st)) {
        return fail_st("reset", rc, &st);
    }
    /* The device answers, then reboots; what is sent while it boots is lost
     * (as on a device), so wait until it is up (bounded by the client's
     * timeout), then check it serves. */
    for (int waited = 0; waited < c->timeout_ms; waited += 10) {
        fk_device_last_boot(d, rep);
        if (rep->boot_no > boots) {
            break;
        }
        usleep(10000);
    }
    char out[64];
    rc = fk_client_echo(c, "up?", out, sizeof out, &st);
    if (rc || fk_client_status_failed(&st)) {
        return fail_st("after reset", rc, &st);
    }
    fk_device_last_boot(d, rep);
    if (!quiet) {
        printf("bootloader: %s\n", rep->decision);
        printf("boot took %.3f s of modeled flash time (%.3f s with the NOR chip overlapped)\n",
               rep->modeled_sum_s, rep->modeled_overlap_s);
    }
    return 0;
}

static void rm_tree_files(const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd) {
        return;
    }
    struct dirent *e;
    char p[1024];
    while ((e = readdir(dd))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(dd);
    rmdir(dir);
}

/* want_confirmed: 0/1, or -1 for either */
static int expect_version(struct fk_client *c, const char *want, int want_confirmed)
{
    char ver[32];
    bool conf = false;
    int rc = running_version(c, ver, sizeof ver, &conf);
    if (rc) {
        return fail("image list", fk_err_str(rc));
    }
    if (strncmp(ver, want, strlen(want)) || (want_confirmed >= 0 && conf != (want_confirmed == 1))) {
        char why[128];
        snprintf(why, sizeof why, "expected %s%s running, the device reports %s%s", want,
                 want_confirmed == 1 ? " (confirmed)" : want_confirmed == 0 ? " (not confirmed)" : "", ver, conf ? " (confirmed)" : "");
        return fail("check", why);
    }
    return 0;
}

int fk_cli_demo(int argc, char **argv)
{
    const char *boards = FOTAKIT_SOURCE_DIR "/boards", *state = NULL;
    bool keep = false, realtime = false;
    quiet = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--boards") && i + 1 < argc) {
            boards = argv[++i];
        } else if (!strcmp(argv[i], "--state") && i + 1 < argc) {
            state = argv[++i];
        } else if (!strcmp(argv[i], "--keep")) {
            keep = true;
        } else if (!strcmp(argv[i], "--realtime")) {
            realtime = true;
        } else if (!strcmp(argv[i], "--quiet")) {
            quiet = true;
        } else {
            fprintf(stderr, "fotakit demo: unexpected '%s' (fotakit demo --help)\n", argv[i]);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN); /* `fotakit demo | head` must still clean up */
    char layout[1024], board[1024], dir[512], key[600], chips[600];
    snprintf(layout, sizeof layout, "%s/" SEED ".pm_static.yml", boards);
    snprintf(board, sizeof board, "%s/" SEED ".board.yml", boards);
    if (access(layout, R_OK) || access(board, R_OK)) {
        fprintf(stderr, "fotakit demo: cannot read %s (and its board file); point --boards at the "
                        "source tree's boards/ folder\n", layout);
        return 2;
    }
    bool tmp = !state;
    if (tmp) {
        snprintf(dir, sizeof dir, "%s/fotakit-demo-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "fotakit demo: cannot create a temporary folder: %s\n", strerror(errno));
            return 2;
        }
    } else {
        snprintf(dir, sizeof dir, "%s", state);
        if (mkdir(dir, 0777) && errno != EEXIST) {
            fprintf(stderr, "fotakit demo: --state %s: %s\n", dir, strerror(errno));
            return 2;
        }
    }
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(chips, sizeof chips, "%s/chips", dir);
    int ret = 1;
    uint8_t *p1 = NULL, *p2 = NULL, *v1 = NULL, *v2 = NULL, *pn = NULL, *n1 = NULL, *n2 = NULL;
    size_t v1_len = 0, v2_len = 0, n1_len = 0, n2_len = 0;
    struct fk_device *d = NULL;
    struct fk_device_thread *th = NULL;
    struct fk_client cl;
    fk_client_init(&cl, NULL);
    char err[1024], hex[65];
    struct fk_sign_result r1, r2, rn1, rn2;
    struct upload_total tot = {0};
    struct fk_device_boot_report swap_rep = {0}, revert_rep = {0}, rep;

    step("a virtual device on the seed layout " SEED " (state in %s)", dir);
    if (!quiet && !realtime) {
        printf("flash work is simulated at host speed; the times below are the modeled ones\n"
               "(fotakit demo --realtime makes the device take them, about 30 s)\n");
    }
    step("make a key (ECDSA P-256) and sign v1.0.0 and v2.0.0 for both cores");
    if (fk_host_keygen(FK_KEY_ECDSA_P256, key, err, sizeof err)) {
        fail("keygen", err);
        goto out;
    }
    const size_t l1 = 120 * 1024, l2 = 150 * 1024;
    p1 = make_payload(l1, 1);
    p2 = make_payload(l2, 2);
    if (!p1 || !p2 || sign(key, 1, p1, l1, &v1, &v1_len, &r1) || sign(key, 2, p2, l2, &v2, &v2_len, &r2)) {
        goto out;
    }
    /* the network core's firmware (image 1): 40 KB, v1.0.0 and v2.0.0 */
    const size_t ln = 40 * 1024;
    pn = make_payload(ln, 3);
    if (!pn || sign_slot(key, 1, pn, ln, 0x40000, &n1, &n1_len, &rn1)) {
        goto out;
    }
    pn[0] ^= 0x5a; /* v2's payload differs */
    if (sign_slot(key, 2, pn, ln, 0x40000, &n2, &n2_len, &rn2)) {
        goto out;
    }
    if (!quiet) {
        fk_client_hex(r1.hash, 32, hex);
        printf("v1.0.0: %zu bytes, hash %s\n", v1_len, hex);
        fk_client_hex(r2.hash, 32, hex);
        printf("v2.0.0: %zu bytes, hash %s\n", v2_len, hex);
        fk_client_hex(rn2.hash, 32, hex);
        printf("network core v1.0.0: %zu bytes; v2.0.0: %zu bytes, hash %s\n", n1_len, n2_len, hex);
    }

    step("flash v1 into the primary slot and network-core v1 into the network core (factory)");
    struct fk_device_cfg cfg = {.layout = layout, .board = board, .state_dir = chips, .nkeys = 1,
                                .realtime = realtime, .log = stdout, .quiet = true};
    cfg.keys[0] = key;
    if (fk_device_open(&d, &cfg, err, sizeof err)) {
        fail("device", err);
        goto out;
    }
    if (fk_device_flash_image(d, v1, v1_len, err, sizeof err) ||
        fk_device_flash_netcore(d, n1, n1_len, err, sizeof err)) {
        fail("flash", err);
        goto out;
    }

    step("power on: the bootloader checks v1 and starts it; SMP over UDP on 127.0.0.1");
    struct fk_device_run run = {.udp = "127.0.0.1:0"};
    int rc = fk_device_spawn(d, &run, &th);
    if (rc) {
        fail("device", "could not start serving UDP on 127.0.0.1 (see above)");
        goto out;
    }
    fk_device_last_boot(d, &rep);
    if (!quiet) {
        printf("bootloader: %s\n", rep.decision);
    }
    char conn[64];
    snprintf(conn, sizeof conn, "udp:127.0.0.1:%u", run.udp_port);
    struct fk_client_tp *tp;
    if (fk_client_tp_open(conn, &tp, err, sizeof err)) {
        fail("client", err);
        goto out;
    }
    cl.tp = tp;
    cl.timeout_ms = realtime ? 20000 : 5000; /* a --realtime swap takes ~7 s */
    cl.retries = 2;
    if (!quiet) {
        printf("fotakit smp --conn %s image list\n", conn);
    }
    list(&cl);
    if (expect_version(&cl, "1.0.0", -1)) {
        goto out;
    }

    step("upload v2 (fotakit smp image upload v2.bin)");
    if (upload(&cl, d, 0, v2, v2_len, &tot)) {
        goto out;
    }
    struct fk_client_status st;
    step("mark v2 for test (image test <hash>) and reset: the bootloader swaps");
    if ((rc = fk_client_image_state(&cl, r2.hash, false, NULL, &st)) || fk_client_status_failed(&st)) {
        fail_st("image test", rc, &st);
        goto out;
    }
    if (reset_and_wait(&cl, d, &swap_rep)) {
        goto out;
    }
    list(&cl);
    if (expect_version(&cl, "2.0.0", 0)) {
        goto out;
    }

    step("reset without confirming: the bootloader reverts to v1");
    if (reset_and_wait(&cl, d, &revert_rep)) {
        goto out;
    }
    list(&cl);
    if (expect_version(&cl, "1.0.0", -1)) {
        goto out;
    }

    step("upload v2 again, test, reset, and confirm it");
    if (upload(&cl, d, 0, v2, v2_len, &tot)) {
        goto out;
    }
    if ((rc = fk_client_image_state(&cl, r2.hash, false, NULL, &st)) || fk_client_status_failed(&st)) {
        fail_st("image test", rc, &st);
        goto out;
    }
    if (reset_and_wait(&cl, d, &rep)) {
        goto out;
    }
    if ((rc = fk_client_image_state(&cl, NULL, true, NULL, &st)) || fk_client_status_failed(&st)) {
        fail_st("image confirm", rc, &st);
        goto out;
    }
    step("reset once more: v2 is confirmed and stays");
    if (reset_and_wait(&cl, d, &rep)) {
        goto out;
    }
    list(&cl);
    if (expect_version(&cl, "2.0.0", 1)) {
        goto out;
    }

    step("update the network core (image 1, overwrite-only: no test, no revert): upload --image 1,\n"
         "    confirm, reset: the bootloader copies it into the RAM partition mcuboot_primary_1 and\n"
         "    hands it to the network core (PCD), whose bootloader writes its own flash");
    if (upload(&cl, d, 1, n2, n2_len, &tot)) {
        goto out;
    }
    if ((rc = fk_client_image_state(&cl, rn2.hash, true, NULL, &st)) || fk_client_status_failed(&st)) {
        fail_st("image confirm (image 1)", rc, &st);
        goto out;
    }
    list(&cl);
    struct fk_device_boot_report net_rep;
    if (reset_and_wait(&cl, d, &net_rep)) {
        goto out;
    }
    if (!net_rep.net_handover || strcmp(net_rep.net_version, "2.0.0+0") != 0) {
        char why[512];
        snprintf(why, sizeof why, "expected network core v2.0.0 after the hand-over, the device "
                                  "reports %s (%s)",
                 net_rep.net_running ? net_rep.net_version : "nothing running", net_rep.decision1);
        fail("check", why);
        goto out;
    }
    if (!quiet) {
        printf("bootloader, image 1: %s\n", net_rep.decision1);
        printf("network core: b0n starts v%s (it wrote its flash in %u erase/program calls and\n"
               "              checked the SHA-256 the PCD command carries)\n",
               net_rep.net_version, net_rep.net_copy_ops);
    }
    if (expect_version(&cl, "2.0.0", 1)) { /* the application is unchanged */
        goto out;
    }

    struct fk_device_flash_stats fs;
    fk_device_flash_stats(d, &fs);
    printf("\n== summary\n");
    uint32_t units = (uint32_t)((v2_len + 4095) / 4096);
    printf("uploads:       %llu image bytes in 3 uploads, %llu bytes on the wire (SMP over UDP)\n",
           (unsigned long long)tot.bytes, (unsigned long long)tot.wire);
    printf("upload rate:   %.1f kB/s over loopback UDP (wall clock%s); the device's flash work took\n"
           "               %.2f s modeled: %.1f kB/s at the flash's pace\n",
           tot.seconds > 0 ? tot.bytes / tot.seconds / 1000 : 0, realtime ? ", --realtime" : ", no --realtime",
           tot.flash_s, tot.flash_s > 0 ? tot.bytes / tot.flash_s / 1000 : 0);
    printf("swap (test):   %.2f s modeled flash time (plain sum), %.2f s with the NOR chip's work\n"
           "               overlapped; revert: %.2f s (sum), %.2f s overlapped\n",
           swap_rep.modeled_sum_s, swap_rep.modeled_overlap_s, revert_rep.modeled_sum_s,
           revert_rep.modeled_overlap_s);
    printf("erases/page:   in the test swap of v2 (%u 4 KB sectors): %s %llu erases (%.2f per page),\n"
           "               %s %llu erases (%.2f per sector)\n",
           units, fs.name[0], (unsigned long long)swap_rep.erases[0], (double)swap_rep.erases[0] / units,
           fs.ndevs > 1 ? fs.name[1] : "-", (unsigned long long)swap_rep.erases[1],
           (double)swap_rep.erases[1] / units);
    for (unsigned i = 0; i < fs.ndevs; i++) {
        printf("               whole demo, %s: %llu erase calls, at most %u erases of any one %u-byte "
               "sector\n",
               fs.name[i], (unsigned long long)fs.erase_calls[i], fs.max_sector_erases[i], fs.sector_size[i]);
    }
    printf("network core:  v1.0.0 -> v2.0.0 handed over through PCD at boot: %.2f s of modeled flash\n"
           "               time in that boot (%.2f s as the application core waits: it polls the\n"
           "               network core once a second)\n",
           net_rep.modeled_sum_s, net_rep.modeled_overlap_s);
    printf("whole demo:    %.2f s of modeled flash time (sum), %.2f s overlapped; 3 swaps (test, revert,\n"
           "               test), 1 network-core hand-over and 3 uploads\n",
           fs.sum_s, fs.overlap_s);
    printf("result:        v2.0.0 running and confirmed; network core v2.0.0\n");
    ret = 0;
out:
    if (cl.tp) {
        fk_client_close(&cl);
    }
    if (th) {
        fk_device_join(th);
    }
    fk_device_close(d);
    free(p1);
    free(p2);
    free(v1);
    free(v2);
    free(pn);
    free(n1);
    free(n2);
    if (tmp && !keep) {
        rm_tree_files(chips);
        rm_tree_files(dir);
    } else if (!quiet) {
        printf("state kept in %s\n", dir);
    }
    return ret;
}
#else /* fotakit_host_device not built (a component it needs is missing) */
#include <stdio.h>
int fk_cli_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fotakit demo: this build has no virtual device (a component it needs was not "
                    "built; see the cmake output)\n");
    return 2;
}
#endif
