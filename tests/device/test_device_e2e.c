/*
 * End to end: the host client against the virtual device (fotakit's
 * bootloader + SMP server on simulated chips of the seed layout), over UDP on
 * 127.0.0.1 and over a serial pseudo-terminal. Upload, test, reset (swap),
 * revert, confirm; an interrupted upload resumes, also across a device reset;
 * malformed input gets an error answer (or, for a broken serial frame, is
 * dropped) and the server keeps serving; the running image is never touched.
 */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/err.h"
#include "fotakit/host/image.h"
#include "fotakit/smp.h"
#include "dev_cli.h"

#include <cbor.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define LAYOUT FOTAKIT_SHARED_DIR "/layouts/nrf5340-spi-nor-2mb.pm_static.yml"
#define BOARD FOTAKIT_SHARED_DIR "/layouts/nrf5340-spi-nor-2mb.board.yml"
#define KEY FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem"
#define PRIMARY_OFF 0xc000u /* mcuboot_primary in flash_primary */

struct fx {
    char dir[256];
    uint8_t *v1, *v2;
    size_t v1_len, v2_len;
    uint8_t h1[32], h2[32];
    struct fk_device *d;
    struct fk_device_run run;
    struct fk_device_thread *th;
    struct fk_client c;
    int serial_fd;
};

static uint8_t *payload(size_t len, uint32_t seed)
{
    uint8_t *p = malloc(len);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
    return p;
}

static void sign_with(const char *key, int major, size_t len, uint8_t **out, size_t *out_len, uint8_t hash[32])
{
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    o.key_path = key;
    o.version.major = (uint8_t)major;
    o.header_size = 0x200;
    o.pad_header = true;
    o.align = 4;
    o.slot_size = 0xe8000;
    o.max_sectors = 0xe8000 / 0x1000; /* the seed slot's real trailer */
    uint8_t *p = payload(len, (uint32_t)major);
    struct fk_sign_result r;
    char err[256];
    int rc = fk_image_sign_ex(&o, p, len, out, out_len, &r, err, sizeof err);
    if (rc) {
        fprintf(stderr, "sign: %s\n", err);
    }
    assert_int_equal(rc, 0);
    memcpy(hash, r.hash, 32);
    free(p);
}

static void sign(int major, size_t len, uint8_t **out, size_t *out_len, uint8_t hash[32])
{
    sign_with(KEY, major, len, out, out_len, hash);
}

/* serial_recovery / recovery_button: the bootloader's serial recovery
 * (docs/recovery.md) */
static void dev_open_rec(struct fx *f, bool serial_recovery, bool recovery_button)
{
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1,
                                .quiet = true, .serial_recovery = serial_recovery,
                                .recovery_button = recovery_button};
    cfg.keys[0] = KEY;
    char err[512];
    int rc = fk_device_open(&f->d, &cfg, err, sizeof err);
    if (rc) {
        fprintf(stderr, "device: %s\n", err);
    }
    assert_int_equal(rc, 0);
}

static void dev_open(struct fx *f)
{
    dev_open_rec(f, false, false);
}

/* Spawn the device on UDP (booted: its after-every-boot hook, may be NULL)
 * and connect the client to it. */
static void start_udp_hook(struct fx *f, void (*booted)(void *, const struct fk_device_boot_report *),
                           void *arg)
{
    memset(&f->run, 0, sizeof f->run);
    f->run.udp = "127.0.0.1:0";
    f->run.booted = booted;
    f->run.booted_arg = arg;
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    char conn[64], err[256];
    snprintf(conn, sizeof conn, "udp:127.0.0.1:%u", f->run.udp_port);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_open(conn, &tp, err, sizeof err), 0);
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 3000;
    f->c.retries = 2;
}

static void start_udp(struct fx *f)
{
    start_udp_hook(f, NULL, NULL);
}

static void stop(struct fx *f)
{
    if (f->c.tp) {
        fk_client_close(&f->c);
    }
    if (f->th) {
        assert_int_equal(fk_device_join(f->th), 0);
        f->th = NULL;
    }
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fotakit-e2e-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    sign(1, 20000, &f->v1, &f->v1_len, f->h1);
    sign(2, 30011, &f->v2, &f->v2_len, f->h2);
    dev_open(f);
    char err[256];
    assert_int_equal(fk_device_flash_image(f->d, f->v1, f->v1_len, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    stop(f);
    fk_device_close(f->d);
    DIR *dd = opendir(f->dir);
    struct dirent *e;
    char p[512];
    while (dd && (e = readdir(dd))) {
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
    }
    if (dd) {
        closedir(dd);
    }
    rmdir(f->dir);
    free(f->v1);
    free(f->v2);
    free(f);
    return 0;
}

/* The running image: what the primary slot's chip file holds. */
static void assert_primary_holds(struct fx *f, const uint8_t *img, size_t len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/flash_primary.bin", f->dir);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    uint8_t *buf = malloc(len);
    assert_int_equal(fseek(fp, PRIMARY_OFF, SEEK_SET), 0);
    assert_int_equal(fread(buf, 1, len, fp), len);
    fclose(fp);
    assert_memory_equal(buf, img, len);
    free(buf);
}

static void ok(int rc, const struct fk_client_status *st)
{
    char buf[256];
    if (rc || fk_client_status_failed(st)) {
        fprintf(stderr, "rc %d, status %s\n", rc, fk_client_status_str(st, buf, sizeof buf));
    }
    assert_int_equal(rc, 0);
    assert_false(fk_client_status_failed(st));
}

/* The slot entry of the image list, or NULL. */
static const struct fk_client_slot *slot(const struct fk_client_image_list *l, int s)
{
    for (unsigned i = 0; i < l->count; i++) {
        if (l->slot[i].slot == s) {
            return &l->slot[i];
        }
    }
    return NULL;
}

static void list(struct fx *f, struct fk_client_image_list *l)
{
    struct fk_client_status st;
    ok(fk_client_image_list(&f->c, l, &st), &st);
}

static void upload(struct fx *f, const uint8_t *img, size_t len, unsigned window, unsigned chunk,
                   uint32_t stop_after, struct fk_client_upload_stats *s)
{
    struct fk_client_upload_opts o = {.window = window, .chunk = chunk, .stop_after = stop_after};
    struct fk_client_status st;
    ok(fk_client_upload(&f->c, img, len, &o, s, &st), &st);
}

/* Wait (bounded, 10 s) until the device has booted more than `boots` times:
 * requests sent while it resets are lost, as on a device. */
static void wait_boot(struct fx *f, unsigned boots)
{
    struct fk_device_boot_report rep;
    for (int i = 0; i < 1000; i++) {
        fk_device_last_boot(f->d, &rep);
        if (rep.boot_no > boots) {
            return;
        }
        usleep(10000);
    }
    fail_msg("the device did not come back after the reset");
}

static void reset(struct fx *f, struct fk_device_boot_report *rep)
{
    struct fk_client_status st;
    fk_device_last_boot(f->d, rep);
    unsigned boots = rep->boot_no;
    ok(fk_client_reset(&f->c, &st), &st);
    wait_boot(f, boots);
    char out[16];
    ok(fk_client_echo(&f->c, "x", out, sizeof out, &st), &st); /* answered after the reboot */
    fk_device_last_boot(f->d, rep);
}

static void expect_running(struct fx *f, const uint8_t hash[32], int confirmed)
{
    struct fk_client_image_list l;
    list(f, &l);
    const struct fk_client_slot *s0 = slot(&l, 0);
    assert_non_null(s0);
    assert_true(s0->active);
    assert_true(s0->has_hash);
    assert_memory_equal(s0->hash, hash, 32);
    if (confirmed >= 0) {
        assert_int_equal(s0->confirmed, confirmed);
    }
}

static void update_cycle(struct fx *f, unsigned window)
{
    struct fk_client_image_list l;
    struct fk_client_status st;
    struct fk_device_boot_report rep;
    struct fk_client_upload_stats s;
    expect_running(f, f->h1, -1);

    upload(f, f->v2, f->v2_len, window, 0, 0, &s);
    assert_int_equal(s.done, f->v2_len);
    assert_int_equal(s.match, 1);
    assert_primary_holds(f, f->v1, f->v1_len); /* upload never touches the running image */
    list(f, &l);
    assert_non_null(slot(&l, 1));
    assert_memory_equal(slot(&l, 1)->hash, f->h2, 32);
    assert_false(slot(&l, 1)->pending);

    ok(fk_client_image_state(&f->c, f->h2, false, &l, &st), &st); /* test */
    list(f, &l);
    assert_true(slot(&l, 1)->pending);
    assert_false(slot(&l, 1)->permanent);

    reset(f, &rep); /* the bootloader swaps */
    assert_true(rep.running);
    assert_string_equal(rep.version, "2.0.0+0");
    expect_running(f, f->h2, 0);
    assert_primary_holds(f, f->v2, f->v2_len);

    reset(f, &rep); /* not confirmed: reverted */
    assert_string_equal(rep.version, "1.0.0+0");
    expect_running(f, f->h1, -1);
    assert_primary_holds(f, f->v1, f->v1_len);

    /* the old v2 is back in the secondary after the revert: test it again, confirm */
    list(f, &l);
    if (!slot(&l, 1) || memcmp(slot(&l, 1)->hash, f->h2, 32)) {
        upload(f, f->v2, f->v2_len, window, 0, 0, &s);
    }
    ok(fk_client_image_state(&f->c, f->h2, false, &l, &st), &st);
    reset(f, &rep);
    assert_string_equal(rep.version, "2.0.0+0");
    ok(fk_client_image_state(&f->c, NULL, true, &l, &st), &st); /* confirm the running one */
    expect_running(f, f->h2, 1);
    reset(f, &rep); /* confirmed: stays */
    assert_string_equal(rep.version, "2.0.0+0");
    expect_running(f, f->h2, 1);
    assert_primary_holds(f, f->v2, f->v2_len);
}

static void test_udp_update_cycle(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    update_cycle(f, 4);
}

static void start_serial(struct fx *f)
{
    memset(&f->run, 0, sizeof f->run);
    char link[300];
    snprintf(link, sizeof link, "%s/tty", f->dir);
    f->run.serial = link;
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    char conn[400], err[256];
    snprintf(conn, sizeof conn, "serial:%s,baud=115200", link); /* through the symlink */
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_open(conn, &tp, err, sizeof err), 0);
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 3000;
    f->c.retries = 2;
}

static void test_serial_update_cycle(void **state)
{
    struct fx *f = *state;
    start_serial(f);
    update_cycle(f, 5); /* the Go client keeps 5 requests in flight */
}

/* Serial recovery, no valid image: the primary's header is erased behind
 * the device's back; the bootloader (built with serial recovery) serves SMP
 * itself; an upload over the serial line goes straight into the primary;
 * the reset boots it, verified. */
static void test_recovery_no_image(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    char p[512];
    snprintf(p, sizeof p, "%s/flash_primary.bin", f->dir);
    FILE *fp = fopen(p, "r+b");
    assert_non_null(fp);
    uint8_t ff[4096];
    memset(ff, 0xff, sizeof ff);
    assert_int_equal(fseek(fp, PRIMARY_OFF, SEEK_SET), 0);
    assert_int_equal(fwrite(ff, 1, sizeof ff, fp), sizeof ff); /* one erased sector */
    fclose(fp);
    dev_open_rec(f, true, false);
    start_serial(f);
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_true(rep.recovery);
    assert_false(rep.running);
    assert_int_equal(rep.rc, FK_EBOOT_NOIMAGE);
    struct fk_client_status st;
    char node[64];
    ok(fk_client_simple(&f->c, FK_SMP_OP_READ, FK_SMP_GROUP_OS, FK_SMP_OS_INFO, "format", "n", node,
                        sizeof node, &st),
       &st);
    assert_string_equal(node, "output: fotakit-boot-recovery\n"); /* the OS info answer */
    struct fk_client_upload_stats us;
    upload(f, f->v2, f->v2_len, 5, 0, 0, &us);
    assert_int_equal(us.done, f->v2_len);
    assert_primary_holds(f, f->v2, f->v2_len);
    struct fk_client_image_list l;
    list(f, &l);
    assert_non_null(slot(&l, 0));
    assert_memory_equal(slot(&l, 0)->hash, f->h2, 32);
    assert_false(slot(&l, 0)->active); /* the bootloader runs, no image */
    reset(f, &rep);
    assert_false(rep.recovery);
    assert_true(rep.running);
    assert_string_equal(rep.version, "2.0.0+0");
    assert_int_equal(rep.reason, FK_BOOT_R_NONE);
    expect_running(f, f->h2, 1);
}

/* Serial recovery on request (`fotakit device run --recovery`: the button
 * held at power-on): nothing is booted or changed until an image comes;
 * the valid v1 in the primary is replaced by v2 over serial; the reset
 * (button released) boots v2 without a swap. */
static void test_recovery_button(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    dev_open_rec(f, false, true);
    start_serial(f);
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_true(rep.recovery);
    assert_false(rep.running);
    assert_int_equal(rep.version[0], 0);
    assert_primary_holds(f, f->v1, f->v1_len);
    struct fk_client_image_list l;
    list(f, &l);
    assert_non_null(slot(&l, 0));
    assert_memory_equal(slot(&l, 0)->hash, f->h1, 32);
    assert_false(slot(&l, 0)->active);
    struct fk_client_upload_stats us;
    upload(f, f->v2, f->v2_len, 5, 0, 0, &us);
    assert_primary_holds(f, f->v2, f->v2_len);
    reset(f, &rep);
    assert_false(rep.recovery);
    assert_string_equal(rep.version, "2.0.0+0");
    assert_int_equal(rep.reason, FK_BOOT_R_NONE);
    expect_running(f, f->h2, 1);
}

/* Serial recovery asked for by the application: an SMP reset with
 * {"boot_mode": 1} (Zephyr's CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE) keeps the
 * mode in retained RAM; the bootloader enters recovery at that reset only.
 * A mode the device cannot keep is refused and does not reset. */
static void test_recovery_boot_mode(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    dev_open_rec(f, true, false);
    start_serial(f);
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_false(rep.recovery);
    assert_string_equal(rep.version, "1.0.0+0");
    static const uint8_t mode2[] = {0xa1, 0x69, 'b', 'o', 'o', 't', '_', 'm', 'o', 'd', 'e', 0x02};
    static const uint8_t mode1[] = {0xa1, 0x69, 'b', 'o', 'o', 't', '_', 'm', 'o', 'd', 'e', 0x01};
    struct fk_client_status st;
    uint8_t *rsp = NULL;
    size_t rl = 0;
    assert_int_equal(fk_client_call(&f->c, FK_SMP_OP_WRITE, FK_SMP_GROUP_OS, FK_SMP_OS_RESET, mode2,
                                    sizeof mode2, &rsp, &rl, &st),
                     0);
    free(rsp);
    assert_int_equal(st.rc, FK_MGMT_ERR_ENOTSUP);
    assert_false(fk_device_reset_pending(f->d));
    rsp = NULL;
    ok(fk_client_call(&f->c, FK_SMP_OP_WRITE, FK_SMP_GROUP_OS, FK_SMP_OS_RESET, mode1,
                      sizeof mode1, &rsp, &rl, &st),
       &st);
    free(rsp);
    wait_boot(f, rep.boot_no);
    char out[16];
    ok(fk_client_echo(&f->c, "x", out, sizeof out, &st), &st);
    fk_device_last_boot(f->d, &rep);
    assert_true(rep.recovery);
    assert_false(rep.running);
    struct fk_client_upload_stats us;
    upload(f, f->v2, f->v2_len, 5, 0, 0, &us);
    assert_primary_holds(f, f->v2, f->v2_len);
    reset(f, &rep); /* the mode was cleared: a normal boot */
    assert_false(rep.recovery);
    assert_string_equal(rep.version, "2.0.0+0");
    expect_running(f, f->h2, 1);
}

/* SMP over the virtual device's BLE link (blesim socket, the device running
 * fotakit_smp's GATT transport): upload, test, reset, swap, revert, confirm. */
static void test_blesim_update_cycle(void **state)
{
    struct fx *f = *state;
    memset(&f->run, 0, sizeof f->run);
    char sock[300];
    snprintf(sock, sizeof sock, "%s/ble.sock", f->dir);
    f->run.ble = sock;
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    char conn[400], err[512];
    snprintf(conn, sizeof conn, "blesim:%s", sock);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_open(conn, &tp, err, sizeof err), 0);
    assert_string_equal(tp->kind, "blesim");
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 3000;
    f->c.retries = 2;
    update_cycle(f, 4);
    /* requests were written in ATT_MTU-3 (495-byte) pieces: more bytes on
     * the link than packets would need if they fit one write */
    assert_true(tp->tx_packets > 0 && tp->tx_wire > 0);
    /* a second client is refused while the first one is connected */
    struct fk_client_tp *tp2 = NULL;
    assert_int_equal(fk_client_tp_open(conn, &tp2, err, sizeof err), FK_EIO);
    assert_non_null(strstr(err, "another client"));
}

static void test_resume_across_reset(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    struct fk_client_upload_stats s;
    upload(f, f->v2, f->v2_len, 1, 512, 12000, &s); /* interrupted */
    assert_true(s.done >= 12000 && s.done < f->v2_len);
    /* resume in the same session */
    upload(f, f->v2, f->v2_len, 1, 512, 20000, &s);
    assert_true(s.resumed_at >= 12000);
    uint32_t had = s.done;
    /* a device reset in between: RAM is gone, the upload record is in flash */
    struct fk_device_boot_report rep;
    reset(f, &rep);
    assert_string_equal(rep.version, "1.0.0+0");
    upload(f, f->v2, f->v2_len, 4, 0, 0, &s);
    assert_true(s.resumed_at > 0);
    assert_true(s.resumed_at <= had);
    assert_int_equal(s.done, f->v2_len);
    assert_int_equal(s.match, 1);
    struct fk_client_image_list l;
    list(f, &l);
    assert_non_null(slot(&l, 1));
    assert_memory_equal(slot(&l, 1)->hash, f->h2, 32);
    /* and it boots */
    struct fk_client_status st;
    ok(fk_client_image_state(&f->c, f->h2, false, &l, &st), &st);
    reset(f, &rep);
    assert_string_equal(rep.version, "2.0.0+0");
}

/* Send a raw packet over the client's link and decode the status of the answer. */
/* Send one raw packet; the answer must come, belong to it (op + 1, same
 * group, command and sequence) and carry exactly its length field. */
static int raw(struct fx *f, const uint8_t *pkt, size_t len, struct fk_client_status *st, int *got_op)
{
    assert_int_equal(f->c.tp->send(f->c.tp, pkt, len), 0);
    uint8_t buf[4096];
    int n = f->c.tp->recv(f->c.tp, buf, sizeof buf, 2000);
    assert_true(n >= 8);
    *got_op = buf[0] & 7;
    assert_int_equal(*got_op, (pkt[0] & 7) + 1);
    assert_memory_equal(buf + 4, pkt + 4, 4); /* group, sequence, command */
    assert_int_equal(buf[2] << 8 | buf[3], n - 8);
    memset(st, 0, sizeof *st);
    st->group = -1;
    struct cbor_load_result lr;
    cbor_item_t *root = cbor_load(buf + 8, (size_t)n - 8, &lr);
    assert_non_null(root); /* answers are always valid CBOR */
    assert_true(cbor_isa_map(root));
    struct cbor_pair *p = cbor_map_handle(root);
    for (size_t i = 0; i < cbor_map_size(root); i++) {
        if (cbor_string_length(p[i].key) == 2 && !memcmp(cbor_string_handle(p[i].key), "rc", 2)) {
            st->rc = (int)cbor_get_int(p[i].value);
        }
        if (cbor_string_length(p[i].key) == 3 && !memcmp(cbor_string_handle(p[i].key), "rsn", 3)) {
            size_t l = cbor_string_length(p[i].value);
            l = l < sizeof st->rsn - 1 ? l : sizeof st->rsn - 1;
            memcpy(st->rsn, cbor_string_handle(p[i].value), l);
            st->rsn[l] = 0;
        }
        if (cbor_string_length(p[i].key) == 3 && !memcmp(cbor_string_handle(p[i].key), "err", 3)) {
            struct cbor_pair *q = cbor_map_handle(p[i].value);
            for (size_t k = 0; k < cbor_map_size(p[i].value); k++) {
                size_t kl = cbor_string_length(q[k].key);
                if (kl == 5 && !memcmp(cbor_string_handle(q[k].key), "group", 5)) {
                    st->group = (int)cbor_get_int(q[k].value);
                } else if (kl == 2 && !memcmp(cbor_string_handle(q[k].key), "rc", 2)) {
                    st->group_rc = (int)cbor_get_int(q[k].value);
                }
            }
        }
    }
    cbor_decref(&root);
    return n;
}

static size_t pkt(uint8_t *out, int op, uint16_t group, uint8_t cmd, uint16_t len_field, const uint8_t *pl,
                  size_t pl_len)
{
    out[0] = (uint8_t)(1 << 3 | op);
    out[1] = 0;
    out[2] = (uint8_t)(len_field >> 8);
    out[3] = (uint8_t)len_field;
    out[4] = (uint8_t)(group >> 8);
    out[5] = (uint8_t)group;
    out[6] = 0x77;
    out[7] = cmd;
    memcpy(out + 8, pl, pl_len);
    return 8 + pl_len;
}

static void still_serving(struct fx *f)
{
    struct fk_client_status st;
    char out[32];
    ok(fk_client_echo(&f->c, "still here", out, sizeof out, &st), &st);
    assert_string_equal(out, "still here");
}

/* First upload chunk {image 0, len L, off 0, sha, data} with the given data. */
static size_t first_chunk(uint8_t *out, uint32_t len, const uint8_t *data, size_t dlen)
{
    cbor_item_t *m = cbor_new_definite_map(5);
    uint8_t sha[32] = {1, 2, 3};
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("image")), cbor_move(cbor_build_uint8(0))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("len")), cbor_move(cbor_build_uint32(len))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("off")), cbor_move(cbor_build_uint8(0))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("sha")), cbor_move(cbor_build_bytestring(sha, 32))});
    cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("data")), cbor_move(cbor_build_bytestring(data, dlen))});
    uint8_t body[2048];
    size_t n = cbor_serialize(m, body, sizeof body);
    cbor_decref(&m);
    return pkt(out, 2, 1, 1, (uint16_t)n, body, n);
}

static void test_malformed_udp(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    struct fk_client_status st;
    int op;
    uint8_t p[4096];
    /* CBOR garbage */
    static const uint8_t garbage[] = {0xff, 0xfe, 0x1f, 0x5b, 0x00};
    size_t n = pkt(p, 2, 0, 0, sizeof garbage, garbage, sizeof garbage);
    raw(f, p, n, &st, &op);
    assert_int_equal(op, 3);
    assert_int_equal(st.rc, 3); /* MGMT_ERR_EINVAL */
    assert_string_equal(st.rsn, "payload is not one well-formed CBOR map (5 bytes)");
    still_serving(f);
    /* a length field that lies (says more than there is) */
    static const uint8_t echo[] = {0xa1, 0x61, 0x64, 0x61, 0x61};
    n = pkt(p, 2, 0, 0, 200, echo, sizeof echo);
    raw(f, p, n, &st, &op);
    assert_int_equal(st.rc, 9); /* MGMT_ERR_ECORRUPT */
    assert_string_equal(st.rsn, "header says 200 payload bytes, packet carries 5");
    still_serving(f);
    /* unknown group */
    n = pkt(p, 0, 77, 0, 1, (const uint8_t[]){0xa0}, 1);
    raw(f, p, n, &st, &op);
    assert_int_equal(st.rc, 8); /* MGMT_ERR_ENOTSUP */
    assert_string_equal(st.rsn, "group 77 is not supported");
    still_serving(f);
    /* an image that does not fit the slot */
    n = first_chunk(p, 0x200000, f->v2, 512);
    raw(f, p, n, &st, &op);
    assert_int_equal(st.rc, 0);
    assert_int_equal(st.group, 1);
    assert_int_equal(st.group_rc, 30); /* IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE */
    still_serving(f);
    /* a bad header in the first chunk */
    uint8_t bad[512];
    memcpy(bad, f->v2, sizeof bad);
    bad[0] ^= 0xff;
    n = first_chunk(p, (uint32_t)f->v2_len, bad, sizeof bad);
    raw(f, p, n, &st, &op);
    assert_int_equal(st.rc, 0);
    assert_int_equal(st.group, 1);
    assert_int_equal(st.group_rc, 23); /* IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC */
    still_serving(f);
    /* the whole thing through the client API: a refusal with a name */
    struct fk_client_upload_opts o = {.window = 4};
    struct fk_client_upload_stats s;
    uint8_t *copy = malloc(f->v2_len);
    memcpy(copy, f->v2, f->v2_len);
    copy[1] ^= 0x55;
    assert_int_equal(fk_client_upload(&f->c, copy, f->v2_len, &o, &s, &st), 0);
    free(copy);
    assert_true(fk_client_status_failed(&st));
    char buf[256];
    assert_non_null(strstr(fk_client_status_str(&st, buf, sizeof buf), "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC"));
    /* too big for the server's buffer */
    static uint8_t big[3000];
    memset(big, 0x61, sizeof big);
    big[0] = 0xa1;
    big[1] = 0x61;
    big[2] = 0x64;
    big[3] = 0x79;
    big[4] = (uint8_t)((sizeof big - 5) >> 8);
    big[5] = (uint8_t)(sizeof big - 5);
    n = pkt(p, 2, 0, 0, sizeof big, big, sizeof big);
    raw(f, p, n, &st, &op);
    assert_int_equal(st.rc, 7); /* MGMT_ERR_EMSGSIZE */
    assert_string_equal(st.rsn, "request of 3008 bytes exceeds the buffer size 2048");
    still_serving(f);
    /* SMP v1 requests are answered in v1 */
    f->c.version = 1;
    still_serving(f);
    f->c.version = 2;
    stop(f);
    assert_primary_holds(f, f->v1, f->v1_len);
}

static void test_malformed_serial(void **state)
{
    struct fx *f = *state;
    memset(&f->run, 0, sizeof f->run);
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    int fd = open(f->run.serial_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    struct termios t;
    assert_int_equal(tcgetattr(fd, &t), 0);
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_serial_from_fd(fd, &tp), 0);
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 2000;
    f->c.retries = 1;
    still_serving(f);
    /* a frame with a bad CRC, one with truncated base64, one whose length
     * field lies, a continuation line out of nowhere, console noise */
    uint8_t echo_pkt[64];
    static const uint8_t echo[] = {0xa1, 0x61, 0x64, 0x61, 0x61};
    size_t n = pkt(echo_pkt, 2, 0, 0, sizeof echo, echo, sizeof echo);
    uint8_t lines[256];
    size_t lnz = 0;
    assert_int_equal(fk_smp_serial_encode(echo_pkt, n, lines, sizeof lines, &lnz), 0);
    int ln = (int)lnz;
    assert_true(ln > 4);
    uint8_t bad[256];
    memcpy(bad, lines, (size_t)ln);
    bad[4] = bad[4] == 'A' ? 'B' : 'A'; /* bad CRC (or length) */
    assert_int_equal(write(fd, bad, (size_t)ln), ln);
    memcpy(bad, lines, (size_t)ln);
    bad[ln - 3] = '\n'; /* truncated base64 */
    assert_int_equal(write(fd, bad, (size_t)ln - 2), ln - 2);
    static const char junk[] = "\x04\x14" "QUJD\nhello console\n\x06\x09" "AAA\n";
    assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)(sizeof junk - 1));
    /* a frame whose SMP length field lies */
    n = pkt(echo_pkt, 2, 0, 0, 100, echo, sizeof echo);
    struct fk_client_status st;
    int op;
    raw(f, echo_pkt, n, &st, &op);
    assert_int_equal(st.rc, 9); /* MGMT_ERR_ECORRUPT */
    assert_string_equal(st.rsn, "header says 100 payload bytes, packet carries 5");
    still_serving(f);
    /* an upload over serial still works */
    struct fk_client_upload_stats s;
    upload(f, f->v2, f->v2_len, 8, 0, 0, &s); /* mcumgr-web's fast mode: 8 in flight */
    assert_int_equal(s.done, f->v2_len);
    stop(f);
    assert_primary_holds(f, f->v1, f->v1_len);
}

static void slurp_log(FILE *log, char *buf, size_t cap)
{
    fflush(log);
    rewind(log);
    size_t n = fread(buf, 1, cap - 1, log);
    buf[n] = 0;
}

/* The device log as a user reads it: -v gives one line per request; the
 * boot line says "flash work" only when the boot did some; requests that
 * arrive while the device resets are lost, as on a device, and said so. */
static void test_device_log_and_reset(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    FILE *log = tmpfile();
    assert_non_null(log);
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1,
                                .log = log, .verbose = true, .smp_rsn_v2 = true};
    cfg.keys[0] = KEY;
    char err[512];
    assert_int_equal(fk_device_open(&f->d, &cfg, err, sizeof err), 0);
    start_udp(f);
    struct fk_client_status st;
    int op;
    uint8_t p[64];
    static const uint8_t echo[] = {0xa1, 0x61, 0x64, 0x61, 0x61};
    size_t n = pkt(p, 2, 0, 0, sizeof echo, echo, sizeof echo);
    raw(f, p, n, &st, &op);
    assert_int_equal(st.rc, 0);
    n = pkt(p, 0, 77, 3, 1, (const uint8_t[]){0xa0}, 1);
    raw(f, p, n, &st, &op);
    /* --rsn-v2: the v2 group error carries its reason itself */
    uint8_t bad[512], big[1024];
    memcpy(bad, f->v2, sizeof bad);
    bad[0] ^= 0xff;
    n = first_chunk(big, (uint32_t)f->v2_len, bad, sizeof bad);
    raw(f, big, n, &st, &op);
    assert_int_equal(st.group, 1);
    assert_int_equal(st.group_rc, 23); /* IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC */
    assert_string_equal(st.rsn, "not an MCUboot image: header magic is 0x96f3b8c2, expected "
                                "0x96f3b83d (sign it with imgtool / fotakit image sign)");
    static char text[16384];
    slurp_log(log, text, sizeof text);
    assert_non_null(strstr(text, "[device] smp: v2 write os/echo seq 119, 13 B -> 13 B: ok\n"));
    assert_non_null(strstr(text, "[device] smp: v2 read group 77 cmd 3 seq 119, 9 B -> 44 B: "
                                 "MGMT_ERR_ENOTSUP (8)\n"));
    /* the first boot had nothing to do: no "flash work ... 0.000 s" */
    assert_non_null(strstr(text, "[device] boot 1 ["));
    assert_null(strstr(text, "flash work during boot 0.000"));
    stop(f);
    /* A reset and an echo written in one go on the serial line: the echo
     * arrives while the device resets and is lost (deterministic: both
     * frames come in one read). */
    memset(&f->run, 0, sizeof f->run);
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    int fd = open(f->run.serial_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    struct termios tio;
    assert_int_equal(tcgetattr(fd, &tio), 0);
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_serial_from_fd(fd, &tp), 0);
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 2000;
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    uint8_t rst[16], two[256];
    size_t rn = pkt(rst, 2, 0, 5, 1, (const uint8_t[]){0xa0}, 1);
    size_t l1 = 0, l2 = 0;
    assert_int_equal(fk_smp_serial_encode(rst, rn, two, sizeof two, &l1), 0);
    n = pkt(p, 2, 0, 0, sizeof echo, echo, sizeof echo);
    assert_int_equal(fk_smp_serial_encode(p, n, two + l1, sizeof two - l1, &l2), 0);
    assert_int_equal(write(fd, two, l1 + l2), (ssize_t)(l1 + l2));
    uint8_t buf[512];
    int got = f->c.tp->recv(f->c.tp, buf, sizeof buf, 2000);
    assert_true(got >= 8);
    assert_int_equal(buf[7], 5); /* the reset's answer */
    wait_boot(f, rep.boot_no);
    assert_int_equal(f->c.tp->recv(f->c.tp, buf, sizeof buf, 300), 0); /* the echo's: never */
    slurp_log(log, text, sizeof text);
    char lost[160];
    snprintf(lost, sizeof lost, "[device] serial: %zu byte(s) arrived while the device was resetting: "
                                "lost, as on a device\n", l2);
    assert_non_null(strstr(text, lost));
    still_serving(f);
    stop(f);
    /* --realtime on a pty: the pacing line right after the pty line */
    fk_device_close(f->d);
    rewind(log);
    assert_int_equal(ftruncate(fileno(log), 0), 0);
    cfg.realtime = true;
    cfg.verbose = false;
    assert_int_equal(fk_device_open(&f->d, &cfg, err, sizeof err), 0);
    memset(&f->run, 0, sizeof f->run);
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    stop(f);
    slurp_log(log, text, sizeof text);
    char want[1024];
    snprintf(want, sizeof want, "[device] serial: pseudo-terminal %s; try: fotakit smp --conn serial:%s "
                                "image list\n[device] serial: --realtime paces the pseudo-terminal at "
                                "115200 baud (10 bits a byte)\n",
             f->run.serial_path, f->run.serial_path);
    assert_non_null(strstr(text, want));
    fclose(log);
}

/* The same over UDP. The echo is sent from the device's "booted" hook,
 * which runs after the reset's boot and before the device serves again: so
 * it deterministically arrives while the device resets, and is lost, as a
 * device's radio is off then (the client retransmits). */
struct echo_on_boot {
    int fd;
    atomic_int armed;
};

static void echo_on_boot(void *arg, const struct fk_device_boot_report *rep)
{
    (void)rep;
    struct echo_on_boot *e = arg;
    if (atomic_exchange(&e->armed, 0)) {
        static const uint8_t echo[] = {0xa1, 0x61, 0x64, 0x61, 0x61};
        uint8_t p[64];
        size_t n = pkt(p, 2, 0, 0, sizeof echo, echo, sizeof echo);
        if (send(e->fd, p, n, 0) != (ssize_t)n) {
            atomic_store(&e->armed, 2); /* reported by the test */
        }
    }
}

static void test_udp_lost_during_reset(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    FILE *log = tmpfile();
    assert_non_null(log);
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1, .log = log};
    cfg.keys[0] = KEY;
    char err[512];
    assert_int_equal(fk_device_open(&f->d, &cfg, err, sizeof err), 0);
    static struct echo_on_boot e;
    e.fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(e.fd >= 0);
    atomic_store(&e.armed, 0);
    start_udp_hook(f, echo_on_boot, &e);
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(f->run.udp_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(e.fd, (struct sockaddr *)&to, sizeof to), 0);
    uint8_t rst[16];
    size_t rn = pkt(rst, 2, 0, 5, 1, (const uint8_t[]){0xa0}, 1);
    atomic_store(&e.armed, 1);
    assert_int_equal(send(e.fd, rst, rn, 0), (ssize_t)rn);
    uint8_t buf[512];
    struct pollfd pf = {.fd = e.fd, .events = POLLIN};
    assert_int_equal(poll(&pf, 1, 3000), 1);
    ssize_t got = recv(e.fd, buf, sizeof buf, 0);
    assert_true(got >= 8);
    assert_int_equal(buf[7], 5); /* the reset's answer */
    wait_boot(f, rep.boot_no);
    assert_int_equal(poll(&pf, 1, 300), 0); /* the echo's: never */
    assert_int_equal(atomic_load(&e.armed), 0); /* the hook sent it */
    close(e.fd);
    static char text[16384];
    slurp_log(log, text, sizeof text);
    assert_non_null(strstr(text, "[device] udp: 1 request(s) arrived while the device was resetting: "
                                 "lost, as on a device\n"));
    still_serving(f);
    stop(f);
    fclose(log);
}

/* Power off, power on with the application confirming itself: the chips'
 * files carry the pending test upgrade across the restart. */
static void test_persist_confirm_on_boot(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    struct fk_client_image_list l;
    upload(f, f->v2, f->v2_len, 4, 0, 0, &s);
    ok(fk_client_image_state(&f->c, f->h2, false, &l, &st), &st);
    stop(f);
    fk_device_close(f->d);
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1, .quiet = true,
                                .confirm_on_boot = true};
    cfg.keys[0] = KEY;
    char err[512];
    assert_int_equal(fk_device_open(&f->d, &cfg, err, sizeof err), 0);
    start_udp(f); /* power on: the bootloader swaps, the application confirms */
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_string_equal(rep.version, "2.0.0+0");
    assert_true(rep.modeled_sum_s > 0);
    expect_running(f, f->h2, 1);
    reset(f, &rep);
    assert_string_equal(rep.version, "2.0.0+0"); /* confirmed: no revert */
    stop(f);
}

/* Captured real-client sessions (../shared/vectors/smp) through the device's
 * transports, header checking off (their payload is not an image). */
static int read_hex(const char *name, uint8_t recs[][2048], size_t *lens, int max)
{
    char path[512];
    snprintf(path, sizeof path, FOTAKIT_SHARED_DIR "/vectors/smp/%s", name);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[8192];
    int n = 0;
    while (n < max && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0]) {
            int r = fk_client_unhex(line, recs[n], 2048);
            assert_true(r > 0);
            lens[n++] = (size_t)r;
        }
    }
    fclose(fp);
    return n;
}

static void check_answer(const uint8_t *a, int n, const uint8_t *req, uint32_t *off)
{
    assert_true(n >= 8);
    assert_int_equal(a[0] & 7, (req[0] & 7) + 1);       /* response op */
    assert_int_equal((a[0] >> 3) & 3, (req[0] >> 3) & 3); /* answered in the version asked */
    assert_int_equal(a[6], req[6]);                       /* sequence echoed */
    struct cbor_load_result lr;
    cbor_item_t *root = cbor_load(a + 8, (size_t)n - 8, &lr);
    assert_non_null(root);
    struct cbor_pair *p = cbor_map_handle(root);
    for (size_t i = 0; i < cbor_map_size(root); i++) {
        size_t kl = cbor_string_length(p[i].key);
        const unsigned char *k = cbor_string_handle(p[i].key);
        if (kl == 2 && !memcmp(k, "rc", 2)) {
            assert_int_equal(cbor_get_int(p[i].value), 0);
        }
        assert_false(kl == 3 && !memcmp(k, "err", 3));
        if (kl == 3 && !memcmp(k, "off", 3)) {
            *off = (uint32_t)cbor_get_int(p[i].value);
        }
        if (kl == 1 && k[0] == 'r') {
            assert_int_equal(cbor_string_length(p[i].value), 5);
            assert_memory_equal(cbor_string_handle(p[i].value), "hello", 5);
        }
    }
    cbor_decref(&root);
}

static void vector_session(struct fx *f, const char *name, bool serial_lines)
{
    static uint8_t recs[32][2048];
    static size_t lens[32];
    static uint8_t pk[32][2048];
    static size_t pkl[32];
    struct fk_client_status st;
    ok(fk_client_image_erase(&f->c, -1, &st), &st); /* a fresh session */
    char pname[256];
    snprintf(pname, sizeof pname, "%s.hex", name);
    int np = read_hex(pname, pk, pkl, 32);
    int nl = 0;
    if (serial_lines) {
        snprintf(pname, sizeof pname, "%s_lines.hex", name);
        nl = read_hex(pname, recs, lens, 32);
    }
    uint32_t off = 0;
    int li = 0;
    uint8_t a[4096];
    for (int i = 0; i < np; i++) {
        if (serial_lines) {
            /* the lines of packet i: from its 06 09 line up to the next one */
            struct fk_client_tp *tp = f->c.tp;
            do {
                assert_true(li < nl);
                assert_int_equal(write(f->serial_fd, recs[li], lens[li]), (ssize_t)lens[li]);
                li++;
            } while (li < nl && !(recs[li][0] == 0x06 && recs[li][1] == 0x09));
            int n = tp->recv(tp, a, sizeof a, 3000);
            check_answer(a, n, pk[i], &off);
        } else {
            assert_int_equal(f->c.tp->send(f->c.tp, pk[i], pkl[i]), 0);
            int n = f->c.tp->recv(f->c.tp, a, sizeof a, 3000);
            check_answer(a, n, pk[i], &off);
        }
    }
    if (strstr(name, "upload")) {
        assert_int_equal(off, 1000); /* the whole 1000-byte file accepted */
    }
}

static void test_vectors_through_transports(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1, .quiet = true,
                                .smp_no_header_check = true};
    cfg.keys[0] = KEY;
    char err[512];
    assert_int_equal(fk_device_open(&f->d, &cfg, err, sizeof err), 0);
    start_udp(f);
    vector_session(f, "mcumgr-go_udp_echo_hello", false);
    vector_session(f, "smpclient_udp_echo_hello", false);
    vector_session(f, "mcumgr-go_udp_upload", false);
    vector_session(f, "smpclient_udp_upload", false);
    stop(f);
    memset(&f->run, 0, sizeof f->run);
    assert_int_equal(fk_device_spawn(f->d, &f->run, &f->th), 0);
    f->serial_fd = open(f->run.serial_path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(f->serial_fd >= 0);
    struct termios t;
    assert_int_equal(tcgetattr(f->serial_fd, &t), 0);
    cfmakeraw(&t);
    tcsetattr(f->serial_fd, TCSANOW, &t);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_serial_from_fd(f->serial_fd, &tp), 0);
    fk_client_init(&f->c, tp);
    f->c.timeout_ms = 3000;
    vector_session(f, "mcumgr-go_serial_echo_hello", true);
    vector_session(f, "smpclient_serial_echo_hello", true);
    vector_session(f, "mcumgr-go_serial_upload", true);
    vector_session(f, "smpclient_serial_upload", true);
    stop(f);
    assert_primary_holds(f, f->v1, f->v1_len);
}

static void write_file(const char *path, const uint8_t *d, size_t n);

/* A dead external chip: the device still boots its primary and serves SMP;
 * an upload gets a named refusal. */
static void test_dead_external_chip(void **state)
{
    struct fx *f = *state;
    fk_device_close(f->d);
    struct fk_device_cfg cfg = {.layout = LAYOUT, .board = BOARD, .state_dir = f->dir, .nkeys = 1, .quiet = true,
                                .dead = "external_flash"};
    cfg.keys[0] = KEY;
    char err[512];
    assert_int_equal(fk_device_open(&f->d, &cfg, err, sizeof err), 0);
    start_udp(f);
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_true(rep.running);
    assert_string_equal(rep.version, "1.0.0+0");
    assert_non_null(strstr(rep.decision, "secondary"));
    expect_running(f, f->h1, -1);
    struct fk_client_upload_opts o = {.window = 4};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    assert_int_equal(f->c.version, 2);
    assert_int_equal(fk_client_upload(&f->c, f->v2, f->v2_len, &o, &s, &st), 0);
    assert_true(fk_client_status_failed(&st));
    /* over SMP v2 the device answers Zephyr's bare {"err"}; the client asks
     * for the reason and shows the whole sentence */
    assert_int_equal(st.group, FK_SMP_GROUP_IMAGE);
    assert_int_equal(st.group_rc, FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED);
    assert_string_equal(st.rsn, "mcuboot_secondary: device external_flash (spi-nor on spi4) is not "
                                "ready: JEDEC ID read ff ff ff, expected c2 28 15; is the chip "
                                "powered and its bus driver built into this image?");
    /* the same through the CLI a user runs (SMP v2, its default): exit 1 and
     * the device's whole sentence, fetched after the bare v2 error */
    static char out[16384];
    char args[1024], v2[300];
    snprintf(v2, sizeof v2, "%s/v2.bin", f->dir);
    write_file(v2, f->v2, f->v2_len);
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image upload %s", f->run.udp_port, v2);
    assert_int_equal(dev_cli(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "IMG_MGMT_ERR_FLASH_OPEN_FAILED"));
    assert_non_null(strstr(out, "mcuboot_secondary: device external_flash (spi-nor on spi4) is not "
                                "ready: JEDEC ID read ff ff ff, expected c2 28 15; is the chip "
                                "powered and its bus driver built into this image?"));
    still_serving(f);
    stop(f);
    assert_primary_holds(f, f->v1, f->v1_len);
}

/* Power cuts on the virtual device: one in the middle of an upload (the
 * device restarts; the upload resumes from what the server recorded in
 * flash), one in the middle of the swap at the next reset (the bootloader
 * resumes it). The running image is intact throughout. */
static void test_power_cuts(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    f->c.timeout_ms = 500;
    fk_device_power_cut_after(f->d, 15);
    struct fk_client_upload_opts o = {.window = 4};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    int rc = fk_client_upload(&f->c, f->v2, f->v2_len, &o, &s, &st);
    f->c.timeout_ms = 3000;
    still_serving(f); /* answered once the device is back */
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    assert_true(rep.after_power_cut); /* the cut happened and the device came back */
    assert_int_equal(rep.boot_no, 2);
    assert_string_equal(rep.version, "1.0.0+0");
    assert_primary_holds(f, f->v1, f->v1_len);
    if (rc || fk_client_status_failed(&st) || s.done != f->v2_len) {
        upload(f, f->v2, f->v2_len, 4, 0, 0, &s); /* again: resumes */
        assert_true(s.resumed_at > 0);
    }
    assert_int_equal(s.done, f->v2_len);
    struct fk_client_image_list l;
    list(f, &l);
    assert_non_null(slot(&l, 1));
    assert_memory_equal(slot(&l, 1)->hash, f->h2, 32);
    /* a cut in the middle of the swap */
    ok(fk_client_image_state(&f->c, f->h2, false, &l, &st), &st);
    fk_device_power_cut_after(f->d, 12);
    reset(f, &rep);
    assert_true(rep.after_power_cut);
    assert_string_equal(rep.version, "2.0.0+0");
    expect_running(f, f->h2, 0);
    stop(f);
    assert_primary_holds(f, f->v2, f->v2_len);
}

/* A power cut tears the slot erase (`image erase`; the chip models leave
 * weakly erased cells that read 0xff). The device comes back, the client
 * erases again and uploads: the server erased every sector whatever it
 * read, so the image the bootloader swaps in is exact (it checks hash and
 * signature) and runs. */
static void test_power_cut_during_erase(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    struct fk_client_upload_stats s;
    upload(f, f->v2, f->v2_len, 4, 0, 0, &s); /* slot 1 holds data */
    struct fk_client_status st;
    struct fk_device_boot_report rep;
    fk_device_last_boot(f->d, &rep);
    unsigned boots = rep.boot_no;
    f->c.timeout_ms = 500;
    f->c.slow_timeout_ms = 500; /* an erase is waited for 40 s by default */
    fk_device_power_cut_after(f->d, 1);
    (void)fk_client_image_erase(&f->c, -1, &st); /* no answer: the power went */
    f->c.timeout_ms = 3000;
    f->c.slow_timeout_ms = 40000;
    wait_boot(f, boots);
    fk_device_last_boot(f->d, &rep);
    assert_true(rep.after_power_cut);
    ok(fk_client_image_erase(&f->c, -1, &st), &st);
    upload(f, f->v2, f->v2_len, 4, 0, 0, &s);
    assert_int_equal(s.done, f->v2_len);
    struct fk_client_image_list l;
    ok(fk_client_image_state(&f->c, f->h2, false, &l, &st), &st);
    reset(f, &rep);
    assert_string_equal(rep.version, "2.0.0+0");
    expect_running(f, f->h2, 0);
    stop(f);
    assert_primary_holds(f, f->v2, f->v2_len);
}

/* An image signed by a key the device does not trust: it uploads (the bytes
 * are fine), but marking it for test is refused with a name, and even if a
 * trailer said "test" the bootloader would not swap it in. v1 keeps running. */
static void test_untrusted_image(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    uint8_t *v3, h3[32];
    size_t v3_len;
    sign_with(FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256-other.pem", 3, 12345, &v3, &v3_len, h3);
    struct fk_client_upload_stats s;
    upload(f, v3, v3_len, 4, 0, 0, &s);
    assert_int_equal(s.done, v3_len);
    struct fk_client_status st;
    struct fk_client_image_list l;
    assert_int_equal(fk_client_image_state(&f->c, h3, false, &l, &st), 0);
    assert_true(fk_client_status_failed(&st));
    assert_int_equal(st.group, 1); /* an image-group refusal */
    struct fk_device_boot_report rep;
    reset(f, &rep);
    assert_string_equal(rep.version, "1.0.0+0");
    expect_running(f, f->h1, -1);
    stop(f);
    assert_primary_holds(f, f->v1, f->v1_len);
    free(v3);
}

/* The client explains numbers from any device with its own table (with
 * what-to-do hints, and codes fotakit's server never sends); its names must
 * agree with the server's for every number both know. */
static void test_error_tables_agree(void **state)
{
    (void)state;
    for (int rc = 0; rc <= 13; rc++) {
        assert_string_equal(fk_client_mgmt_err_name(rc), fk_smp_mgmt_err_name(rc));
    }
    for (int rc = 0; rc <= 33; rc++) {
        assert_string_equal(fk_client_group_err_name(1, rc), fk_smp_group_err_name(1, rc));
    }
    for (int rc = 0; rc <= 3; rc++) {
        assert_string_equal(fk_client_group_err_name(0, rc), fk_smp_group_err_name(0, rc));
    }
}

static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(d, 1, n, fp), n);
    fclose(fp);
}

static void test_cli_smp(void **state)
{
    struct fx *f = *state;
    start_udp(f);
    static char out[16384];
    char args[1024], v2[300], bad[300];
    snprintf(v2, sizeof v2, "%s/v2.bin", f->dir);
    snprintf(bad, sizeof bad, "%s/bad.bin", f->dir);
    write_file(v2, f->v2, f->v2_len);
    uint8_t *b = malloc(f->v2_len);
    memcpy(b, f->v2, f->v2_len);
    b[0] = 0;
    write_file(bad, b, f->v2_len);
    free(b);
    /* a refusal: exit 1, the error by name and meaning */
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image upload %s", f->run.udp_port, bad);
    assert_int_equal(dev_cli(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC"));
    /* an upload prints the SHA256 TLV that image list then shows */
    char hex[65];
    fk_client_hex(f->h2, 32, hex);
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image upload %s --window 3", f->run.udp_port, v2);
    assert_int_equal(dev_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, hex));
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image list", f->run.udp_port);
    assert_int_equal(dev_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, hex));
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image test %.63s", f->run.udp_port, hex);
    assert_int_equal(dev_cli(args, out, sizeof out), 2); /* a 63-digit hash is bad usage */
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image test %s", f->run.udp_port, hex);
    assert_int_equal(dev_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "pending"));
    /* testing an unknown hash: a refusal with a name */
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u image test %064d", f->run.udp_port, 0);
    assert_int_equal(dev_cli(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "ERR"));
    /* bootloader info: existing clients must see MCUboot and a mode number */
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u bootloader", f->run.udp_port);
    assert_int_equal(dev_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "bootloader: MCUboot"));
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u bootloader mode", f->run.udp_port);
    assert_int_equal(dev_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "mode: "));
    snprintf(args, sizeof args, "smp --conn udp:127.0.0.1:%u info x", f->run.udp_port);
    assert_int_equal(dev_cli(args, out, sizeof out), 1);
    assert_non_null(strstr(out, "OS_MGMT_ERR_INVALID_FORMAT"));
    /* nobody answering: bounded, exit 1 */
    assert_int_equal(dev_cli("smp --conn udp:127.0.0.1:9 --timeout 50 --retries 1 echo x", out, sizeof out), 1);
    assert_string_equal(out, "fotakit smp: echo: connection refused by udp:127.0.0.1:9: nothing listens "
                             "on that port; is the device (fotakit device run) running, and is the port "
                             "in --conn right?\n");
    assert_int_equal(dev_cli("smp --conn tcp:1.2.3.4 echo x", out, sizeof out), 2);
    stop(f);
    assert_primary_holds(f, f->v1, f->v1_len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_udp_update_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serial_update_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_no_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_button, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery_boot_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blesim_update_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_across_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_serial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_smp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persist_confirm_on_boot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vectors_through_transports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_external_chip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cuts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_during_erase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_device_log_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_lost_during_reset, setup, teardown),
        cmocka_unit_test(test_error_tables_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
