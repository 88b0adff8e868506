/*
 * The nRF5340 network core on the virtual device (docs/device.md "The
 * network core"): the repo's seed layout with image 1 (boards/nrf5340-spi-
 * nor-2mb.*), served over SMP on UDP 127.0.0.1. Image 1 upload, test,
 * confirm, list flags before and after the reset that hands the image over
 * through PCD, erase; power cuts during the hand-over (the RAM copy, the
 * network core's erase, program and record) are retried from the intact
 * mcuboot_secondary_1; a network-core image that is not intact is not
 * started by b0n.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fotakit/boot.h"
#include "fotakit/err.h"
#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/host/image.h"
#include "fotakit/smp.h"
#include "dev_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAYOUT FOTAKIT_SOURCE_DIR "/boards/nrf5340-spi-nor-2mb.pm_static.yml"
#define BOARD FOTAKIT_SOURCE_DIR "/boards/nrf5340-spi-nor-2mb.board.yml"
#define KEY FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem"

struct img {
    uint8_t *b;
    size_t len;
    uint8_t hash[32];
};

struct fx {
    char dir[256];
    struct img app1, net1, net2, net3;
    struct fk_device *d;
    struct fk_device_run run;
    struct fk_device_thread *th;
    struct fk_client c;
};

static void sign_dep(int major, size_t len, uint32_t slot, const struct fk_dependency *dep,
                     struct img *out);

static void sign(int major, size_t len, uint32_t slot, struct img *out)
{
    sign_dep(major, len, slot, NULL, out);
}

static void sign_dep(int major, size_t len, uint32_t slot, const struct fk_dependency *dep,
                     struct img *out)
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
    o.ndeps = dep != NULL;
    uint8_t *p = malloc(len);
    assert_non_null(p);
    uint32_t x = (uint32_t)major * 2654435761u + (uint32_t)len;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    struct fk_sign_result r;
    char err[256];
    int rc = fk_image_sign_ex(&o, p, len, &out->b, &out->len, &r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "sign: %s\n", err);
    }
    assert_int_equal(rc, 0);
    memcpy(out->hash, r.hash, 32);
    free(p);
}

static void start(struct fx *f)
{
    memset(&f->run, 0, sizeof f->run);
    f->run.udp = "127.0.0.1:0";
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    char conn[64], err[256];
    snprintf(conn, sizeof conn, "udp:127.0.0.1:%u", f->run.udp_port);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_open(conn, &tp, err, sizeof err), 0);
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 3000;
    f->c.retries = 2;
}

static int setup_quiet(void **state); /* the device without its server thread */

static int setup(void **state)
{
    setup_quiet(state);
    start(*state);
    return 0;
}

static int setup_quiet(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fotakit-netcore-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    sign(1, 40000, 0xe8000, &f->app1);
    sign(1, 30000, 0x40000, &f->net1);
    sign(2, 36000, 0x40000, &f->net2);
    sign(3, 33000, 0x40000, &f->net3);
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1,
                                .quiet = true};
    cfg.keys[0] = KEY;
    char err[512];
    int rc = fk_device_open(&f->d, &cfg, err, sizeof err);
    if (rc) {
        fprintf(stderr, "device: %s\n", err);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(fk_device_flash_image(f->d, f->app1.b, f->app1.len, err, sizeof err), 0);
    assert_int_equal(fk_device_flash_netcore(f->d, f->net1.b, f->net1.len, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (f->th != NULL) {
        fk_client_close(&f->c);
        assert_int_equal(fk_device_join(f->th), 0);
    }
    fk_device_close(f->d);
    char cmd[320];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    struct img *all[] = {&f->app1, &f->net1, &f->net2, &f->net3};
    for (unsigned i = 0; i < 4; i++) {
        free(all[i]->b);
    }
    free(f);
    return 0;
}

static void list(struct fx *f, struct fk_client_image_list *l)
{
    struct fk_client_status st;
    assert_int_equal(fk_client_image_list(&f->c, l, &st), 0);
    assert_false(fk_client_status_failed(&st));
}

/* flags as a string: p(ending) c(onfirmed) a(ctive) P(ermanent) */
static const char *flags(const struct fk_client_slot *s)
{
    static char b[8];
    snprintf(b, sizeof b, "%s%s%s%s", s->pending ? "p" : "", s->confirmed ? "c" : "",
             s->active ? "a" : "", s->permanent ? "P" : "");
    return b;
}

static void upload1(struct fx *f, const struct img *m)
{
    struct fk_client_upload_opts o = {.window = 4, .image = 1};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    assert_int_equal(fk_client_upload(&f->c, m->b, m->len, &o, &s, &st), 0);
    assert_false(fk_client_status_failed(&st));
    assert_int_equal(s.done, (uint32_t)m->len);
}

static void expect_erase_refused(struct fx *f, int slot, int group_rc)
{
    struct fk_client_status st;
    assert_int_equal(fk_client_image_erase(&f->c, slot, &st), 0);
    assert_int_equal(st.group, FK_SMP_GROUP_IMAGE);
    assert_int_equal(st.group_rc, group_rc);
}

/* an upload to an image the device lacks: refused at the first chunk */
static void expect_upload_refused(struct fx *f, unsigned image, const struct img *m)
{
    struct fk_client_upload_opts o = {.window = 1, .image = image};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    (void)fk_client_upload(&f->c, m->b, m->len, &o, &s, &st);
    assert_int_equal(st.group, FK_SMP_GROUP_IMAGE);
    assert_int_equal(st.group_rc, FK_IMG_MGMT_ERR_INVALID_SLOT);
    assert_int_equal(s.done, 0);
}

static void state(struct fx *f, const uint8_t *hash, bool confirm)
{
    struct fk_client_status st;
    assert_int_equal(fk_client_image_state(&f->c, hash, confirm, NULL, &st), 0);
    assert_false(fk_client_status_failed(&st));
}

/* SMP reset, then wait (bounded by the client's timeout) for the boot. */
static void reset(struct fx *f, struct fk_device_boot_report *rep)
{
    fk_device_last_boot(f->d, rep);
    unsigned boots = rep->boot_no;
    struct fk_client_status st;
    assert_int_equal(fk_client_reset(&f->c, &st), 0);
    for (int waited = 0; waited < 3000; waited += 5) {
        fk_device_last_boot(f->d, rep);
        if (rep->boot_no > boots) {
            break;
        }
        usleep(5000);
    }
    char out[16];
    assert_int_equal(fk_client_echo(&f->c, "up", out, sizeof out, &st), 0);
    fk_device_last_boot(f->d, rep);
    assert_int_equal(rep->boot_no, boots + 1);
}

static void image1_upload_test_confirm_handover_erase(void **st)
{
    struct fx *f = *st;
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_int_equal(rep.images, 2);
    assert_true(rep.net);
    assert_true(rep.net_running);
    assert_string_equal(rep.net_version, "1.0.0+0");
    assert_int_equal(rep.reason1, FK_BOOT_R_NO_IMAGE); /* primary_1 is RAM: empty at boot */
    assert_false(rep.net_handover);

    struct fk_client_image_list l;
    list(f, &l);
    assert_int_equal(l.count, 1); /* image 1's RAM slot is never listed */
    assert_int_equal(l.slot[0].image, 0);
    assert_string_equal(flags(&l.slot[0]), "ca");

    expect_upload_refused(f, 2, &f->net2);
    upload1(f, &f->net2);
    list(f, &l);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.slot[1].image, 1);
    assert_int_equal(l.slot[1].slot, 1);
    assert_string_equal(l.slot[1].version, "2.0.0");
    assert_memory_equal(l.slot[1].hash, f->net2.hash, 32);
    assert_true(l.slot[1].bootable);
    assert_string_equal(flags(&l.slot[1]), "");

    state(f, f->net2.hash, false); /* test */
    list(f, &l);
    assert_string_equal(flags(&l.slot[1]), "p");
    /* refused, each by the image group's own code: the pending slot 3, the
     * RAM slot 2 (image 1's primary), a slot 4 this device lacks */
    expect_erase_refused(f, 3, FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    expect_erase_refused(f, 2, FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    expect_erase_refused(f, 4, FK_IMG_MGMT_ERR_INVALID_SLOT);
    list(f, &l);
    assert_int_equal(l.count, 2);
    assert_string_equal(flags(&l.slot[1]), "p");
    /* confirm with a hash after test: MCUboot's boot_set_next() leaves a
     * slot whose magic is already written as it is ("nothing to do"); with
     * overwrite-only, test and permanent do the same: no revert */
    state(f, f->net2.hash, true);
    list(f, &l);
    assert_string_equal(flags(&l.slot[1]), "p");
    assert_string_equal(flags(&l.slot[0]), "ca"); /* image 0 untouched */

    reset(f, &rep);
    assert_int_equal(rep.reason1, FK_BOOT_R_OVERWRITTEN);
    assert_true(rep.net_handover);
    assert_true(rep.net_running);
    assert_string_equal(rep.net_version, "2.0.0+0");
    assert_int_equal(rep.reason, FK_BOOT_R_NONE);
    assert_string_equal(rep.version, "1.0.0+0");
    /* 36000 + 0x200 header bytes: 9 units into RAM, then b0n: record page,
     * one erase call over the data's 18 pages, 18 page programs, record */
    assert_int_equal(rep.net_copy_ops, 1 + 1 + 18 + 1);
    list(f, &l);
    /* overwrite-only: the request is consumed, nothing to revert to */
    assert_int_equal(l.count, 2);
    assert_string_equal(flags(&l.slot[1]), "");
    assert_string_equal(l.slot[1].version, "2.0.0");

    reset(f, &rep); /* nothing pending: no hand-over, b0n keeps v2 */
    assert_false(rep.net_handover);
    assert_int_equal(rep.reason1, FK_BOOT_R_NO_IMAGE);
    assert_string_equal(rep.net_version, "2.0.0+0");

    struct fk_client_status cs;
    assert_int_equal(fk_client_image_erase(&f->c, 3, &cs), 0); /* mcuboot_secondary_1 */
    assert_false(fk_client_status_failed(&cs));
    list(f, &l);
    assert_int_equal(l.count, 1);
    assert_int_equal(l.slot[0].image, 0);
}

/* A cut at call k of the boot that hands net3 over; the device restarts
 * and the bootloader starts again: the hand-over is retried from the still
 * pending secondary_1 and v3 ends up running, the request consumed. */
static void cut_once(struct fx *f, uint32_t k, uint32_t again, const struct img *m, const char *want)
{
    upload1(f, m);
    state(f, m->hash, true); /* confirm of a fresh upload: permanent */
    struct fk_client_image_list l;
    list(f, &l);
    assert_string_equal(flags(&l.slot[1]), "pP");
    fk_device_power_cut_after(f->d, k);
    fk_device_power_cut_again(f->d, again);
    struct fk_device_boot_report rep;
    reset(f, &rep);
    assert_int_equal(rep.cuts, again ? 2 : 1);
    if (!rep.after_power_cut || !rep.net_running || strcmp(rep.net_version, want) != 0 ||
        rep.reason1 != FK_BOOT_R_OVERWRITTEN) {
        fail_msg("cut at call %u: after_cut %d, network core %s (%s), image 1: %s", k,
                 rep.after_power_cut, rep.net_running ? "running" : "not running",
                 rep.net_version, rep.decision1);
    }
    list(f, &l);
    assert_int_equal(l.count, 2);
    assert_string_equal(flags(&l.slot[1]), "");
}

static void cuts_during_the_handover_are_retried(void **st)
{
    struct fx *f = *st;
    /* reference: where the network core's copy falls in the boot */
    upload1(f, &f->net3);
    state(f, f->net3.hash, true);
    struct fk_device_boot_report rep;
    reset(f, &rep);
    assert_true(rep.net_handover);
    uint32_t first = rep.net_copy_first, n = rep.net_copy_ops;
    assert_int_equal(n, 1 + 1 + 17 + 1); /* 33000 + 0x200 bytes: 17 pages */
    assert_true(first > 9);               /* after image 1's copy into RAM */
    print_message("boot: %u flash calls, the network core's copy calls %u..%u\n", rep.flash_ops,
                  first, first + n - 1);
    assert_true(rep.flash_ops >= first + n); /* then the secondary_1 trailer erase */
    /* the RAM copy, the record erase, the data erase (torn), a page
     * program in the middle, the record write */
    const uint32_t at[] = {first - 3, first, first + 1, first + n / 2, first + n - 1};
    for (unsigned i = 0; i < sizeof at / sizeof at[0]; i++) {
        const struct img *m = i % 2 ? &f->net3 : &f->net2;
        cut_once(f, at[i], 0, m, i % 2 ? "3.0.0+0" : "2.0.0+0");
    }
    /* twice: in the middle of b0n's programs, then the restart's hand-over
     * again at its record erase (the RAM copy runs again first) */
    cut_once(f, first + n / 2, first, &f->net3, "3.0.0+0");
}

/* b0n starts only an intact image: one flipped byte in the network core's
 * application (the chip file) and it starts nothing. */
static void b0n_refuses_a_damaged_image(void **st)
{
    struct fx *f = *st;
    char path[320];
    snprintf(path, sizeof path, "%s/cpunet_flash.bin", f->dir);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0x8800 + 1000, SEEK_SET), 0);
    int c = fgetc(fp);
    assert_int_equal(fseek(fp, 0x8800 + 1000, SEEK_SET), 0);
    fputc(c ^ 0x01, fp);
    fclose(fp);
    struct fk_device_boot_report rep;
    reset(f, &rep);
    assert_true(rep.net);
    assert_false(rep.net_running);
    assert_string_equal(rep.net_version, "");
    assert_string_equal(rep.version, "1.0.0+0"); /* the application core boots regardless */
}

/* An image 1 larger than the network core's application area (0x37000
 * bytes after b0n's container, the last page kept for the record): b0n
 * refuses it before touching its flash, the request is dropped (chosen:
 * retrying cannot help, and a pending slot cannot be erased over SMP), and
 * the network core keeps v1. */
static void too_large_for_the_network_core(void **st)
{
    struct fx *f = *st;
    struct img big;
    sign(4, 0x37000 + 1000, 0x40000, &big);
    upload1(f, &big);
    state(f, big.hash, true);
    struct fk_device_boot_report rep;
    reset(f, &rep);
    assert_false(rep.net_handover);
    assert_int_equal(rep.reason1, FK_BOOT_R_OVERWRITTEN); /* it did reach the RAM partition */
    assert_non_null(strstr(rep.decision1, "the network core refused the image"));
    assert_true(rep.net_running);
    assert_string_equal(rep.net_version, "1.0.0+0");
    assert_int_equal(rep.net_copy_ops, 0); /* b0n wrote nothing */
    struct fk_client_image_list l;
    list(f, &l);
    assert_int_equal(l.count, 2);
    assert_string_equal(l.slot[1].version, "4.0.0");
    assert_string_equal(flags(&l.slot[1]), ""); /* no longer pending */
    reset(f, &rep); /* and no retry */
    assert_int_equal(rep.reason1, FK_BOOT_R_NO_IMAGE);
    assert_string_equal(rep.net_version, "1.0.0+0");
    free(big.b);
}

/* Image 0 v2 needs image 1 >= 2.0.0. The RAM primary holds no image, so
 * alone it is held (as NCS, whose hook reports primary_1 as 0.0.0); with
 * image 1 v2 pending too, both update in one boot. */
static void dependency_on_the_network_core(void **st)
{
    struct fx *f = *st;
    char err[256];
    const struct fk_dependency need = {.image_id = 1, .min_ver = {.major = 2}};
    struct img a2;
    sign_dep(2, 41000, 0xe8000, &need, &a2);
    struct fk_device_boot_report rep;
    assert_int_equal(fk_device_boot(f->d, &rep), FK_OK);
    assert_int_equal(fk_device_stage(f->d, 0, a2.b, a2.len, true, err, sizeof err), 0);
    assert_int_equal(fk_device_boot(f->d, &rep), FK_OK);
    assert_true(rep.held);
    assert_int_equal(rep.reason, FK_BOOT_R_HELD);
    assert_string_equal(rep.version, "1.0.0+0");
    assert_string_equal(rep.net_version, "1.0.0+0");
    assert_int_equal(fk_device_stage(f->d, 1, f->net2.b, f->net2.len, true, err, sizeof err), 0);
    assert_int_equal(fk_device_boot(f->d, &rep), FK_OK);
    assert_false(rep.held);
    assert_int_equal(rep.reason, FK_BOOT_R_UPGRADED_PERM);
    assert_string_equal(rep.version, "2.0.0+0");
    assert_true(rep.net_handover);
    assert_string_equal(rep.net_version, "2.0.0+0");
    assert_int_equal(fk_device_stage(f->d, 2, a2.b, a2.len, true, err, sizeof err), FK_EINVAL);
    free(a2.b);
}

/* `fotakit device flash --image 1` and `device run --boot-only` on the
 * repo's seed pair; the single-image seed has no network core. */
static void cli_flash_image_1(void **st)
{
    struct fx *f = *st;
    char path[320], args[1400], out[4096];
    snprintf(path, sizeof path, "%s/net1.bin", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(f->net1.b, 1, f->net1.len, fp), f->net1.len);
    fclose(fp);
    snprintf(args, sizeof args,
             "device flash --layout %s --board %s --state %s/cli --image 1 %s", LAYOUT, BOARD,
             f->dir, path);
    assert_int_equal(dev_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "into the network core's flash"));
    snprintf(args, sizeof args, "device run --layout %s --board %s --state %s/cli --key %s --boot-only",
             LAYOUT, BOARD, f->dir, KEY);
    assert_int_equal(dev_cli(args, out, sizeof out), 1); /* the application core has no image */
    assert_non_null(strstr(out, "network core: b0n starts v1.0.0+0"));
    snprintf(args, sizeof args,
             "device flash --layout %s/layouts/nrf5340-spi-nor-2mb.pm_static.yml --board "
             "%s/layouts/nrf5340-spi-nor-2mb.board.yml --state %s/cli1 --image 1 %s",
             FOTAKIT_SHARED_DIR, FOTAKIT_SHARED_DIR, f->dir, path);
    assert_int_equal(dev_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "this device has no network core"));
    snprintf(args, sizeof args, "device flash --layout %s --board %s --state %s/cli --image 2 %s",
             LAYOUT, BOARD, f->dir, path);
    assert_int_equal(dev_cli(args, out, sizeof out), 2);
    assert_non_null(strstr(out, "--image takes 0 or 1, not '2'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(image1_upload_test_confirm_handover_erase, setup, teardown),
        cmocka_unit_test_setup_teardown(cuts_during_the_handover_are_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(b0n_refuses_a_damaged_image, setup, teardown),
        cmocka_unit_test_setup_teardown(dependency_on_the_network_core, setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(too_large_for_the_network_core, setup, teardown),
        cmocka_unit_test_setup_teardown(cli_flash_image_1, setup_quiet, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
