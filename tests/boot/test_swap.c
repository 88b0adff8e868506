/*
 * fk_boot_go() on simulated boards built from the shared layouts: upgrade /
 * revert / permanent costs (each data sector erased at most once per swap,
 * no byte programmed twice), skipping sectors already in place, invalid
 * secondary, downgrade refusal, security counter (port hooks and the
 * default store), dead external chip (with and without a swap in progress),
 * overwrite-only, hooks and log lines, largest images per layout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fotakit/host/powerfail.h"

#define U 0x1000u

struct t {
    struct fk_env e;
    uint8_t *old_img, *new_img;
    uint32_t old_len, new_len;
    unsigned wd, prog_calls, reinits;
    uint32_t prog_done, prog_total;
    uint32_t counter;
    bool counter_set;
    int counter_read_err, counter_write_err; /* hooks fail with these when non-zero */
    int revive_after; /* reinit: revive the dead chip at this attempt (0: never) */
    int dead_dev;
};

static struct t T;

static void wd(void *ctx) { (void)ctx; T.wd++; }
static void prog(void *ctx, uint32_t d, uint32_t n) { (void)ctx; T.prog_calls++; T.prog_done = d; T.prog_total = n; }
static void logf_(void *ctx, const char *line)
{
    struct fk_env *e = ctx;
    snprintf(e->last_log, sizeof e->last_log, "%s", line);
    e->log_lines++;
}
static int cnt_read(void *ctx, uint32_t *v)
{
    (void)ctx;
    if (T.counter_read_err) {
        return T.counter_read_err;
    }
    if (!T.counter_set) {
        return FK_ENOENT;
    }
    *v = T.counter;
    return FK_OK;
}
static int cnt_write(void *ctx, uint32_t v)
{
    (void)ctx;
    if (T.counter_write_err) {
        return T.counter_write_err;
    }
    if (T.counter_set && v < T.counter) {
        return FK_EINVAL;
    }
    T.counter = v;
    T.counter_set = true;
    return FK_OK;
}
static void reinit(void *ctx, uint8_t id)
{
    (void)ctx;
    (void)id;
    T.reinits++;
    if (T.revive_after && (int)T.reinits >= T.revive_after) {
        T.e.chk[T.dead_dev].dev.state = FK_DEV_READY;
    }
}

static void open_env(const char *layout, uint32_t old_len, uint32_t new_len, uint8_t old_major,
                     uint8_t new_major)
{
    memset(&T, 0, sizeof T);
    char err[256];
    assert_int_equal(fk_env_open(&T.e, FOTAKIT_SHARED_DIR, layout, 0, err, sizeof err), FK_OK);
    T.e.cfg.watchdog = wd;
    T.e.cfg.progress = prog;
    T.e.cfg.log = logf_;
    T.e.cfg.reinit = reinit;
    T.old_len = old_len;
    T.new_len = new_len;
    T.old_img = fk_test_image(old_len, old_major, 11, 0);
    T.new_img = fk_test_image(new_len, new_major, 22, 0);
    assert_non_null(T.old_img);
    assert_non_null(T.new_img);
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_PRIMARY, 0, T.old_img, old_len), FK_OK);
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, fk_boot_secondary_image_off(&T.e.map),
                                  T.new_img, new_len), FK_OK);
}

static int teardown(void **s)
{
    (void)s;
    fk_env_close(&T.e);
    free(T.old_img);
    free(T.new_img);
    return 0;
}

static int primary_holds(const uint8_t *img, uint32_t len)
{
    uint8_t *b = malloc(len);
    assert_int_equal(fk_flash_read(fk_env_area(&T.e, FK_AREA_ID_PRIMARY), 0, b, len), FK_OK);
    int same = memcmp(b, img, len) == 0;
    free(b);
    return same;
}

static struct fk_sim_stats *stats_of(uint8_t area)
{
    const struct fk_flash_area *fa = fk_env_area(&T.e, area);
    struct fk_chk_dev *c = (struct fk_chk_dev *)fa->dev;
    return &fk_sim_dev_of(c->inner)->stats;
}

/* Most erases any sector of [off, off+len) of `area` received since the stats reset. */
static uint32_t max_erases(uint8_t area, uint32_t off, uint32_t len)
{
    const struct fk_flash_area *fa = fk_env_area(&T.e, area);
    struct fk_sim_stats *st = stats_of(area);
    uint32_t m = 0;
    for (uint32_t o = fa->off + off; o < fa->off + off + len; o += st->sector_size) {
        uint32_t v = st->sector_erases[o / st->sector_size];
        m = v > m ? v : m;
    }
    return m;
}

static struct fk_boot_rsp boot_ok(void)
{
    struct fk_boot_rsp rsp;
    unsigned lines = T.e.log_lines;
    int rc = fk_boot_go(&T.e.cfg, &rsp);
    if (rc != FK_OK) {
        fail_msg("boot failed: %s: %s", fk_err_name(rc), rsp.why);
    }
    assert_int_equal(T.e.log_lines, lines + 1); /* one line per decision */
    assert_string_equal(T.e.last_log, rsp.why);
    return rsp;
}

static void upgrade_revert_costs(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 5 * U + 100, 6 * U - 300, 1, 2);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    fk_sim_board_reset_stats(&T.e.sb);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_int_equal(r.hdr.ver.major, 2);
    assert_true(primary_holds(T.new_img, T.new_len));
    assert_int_equal(r.stats.units, 6);
    /* the physical floor: each data sector of each slot erased at most once */
    assert_int_equal(max_erases(FK_AREA_ID_PRIMARY, 0, 6 * U), 1);
    assert_int_equal(max_erases(FK_AREA_ID_SECONDARY, 0, 7 * U), 1);
    assert_int_equal(r.stats.data_erases_pri, 6);
    /* S[0] .. S[5] and the parking unit S[7]; S[6] keeps new[5]. S[7] and
     * the primary trailer read erased (never used) and are erased all the
     * same: reading erased does not prove erased (docs/boot.md "Weakly
     * erased cells"); before that rule S[7] was programmed without an
     * erase (then: at most 6 data erases, and 1 trailer erase) */
    assert_int_equal(r.stats.data_erases_sec, 7);
    assert_int_equal(r.stats.trailer_erases, 2);
    assert_int_equal(fk_env_reprogs(&T.e), 0);
    assert_int_equal(fk_env_violations(&T.e), 0);
    assert_true(T.wd > 0);
    assert_int_equal(T.prog_done, T.prog_total);
    /* 2 moves per sector + parking the unit where the two half-chains meet */
    assert_int_equal(T.prog_total, 13);
    /* the NOR chip's work overlapped internal-flash work */
    assert_true(fk_sim_board_overlap_us(&T.e.sb) < 0.85 * T.e.sb.clock.sum_us);
    /* the parking unit S[7] is erased at most once too */
    assert_true(max_erases(FK_AREA_ID_SECONDARY, 7 * U, U) <= 1);
    struct fk_boot_slot_state st;
    assert_int_equal(fk_boot_read_slot_state(&T.e.map, FK_AREA_ID_PRIMARY, &st), FK_OK);
    assert_true(st.magic_good);
    assert_int_equal(st.copy_done, 0x01);
    assert_int_equal(st.image_ok, 0xff);
    assert_int_equal(st.swap_type, FK_SWAP_TEST);
    assert_int_equal(fk_boot_swap_type(&T.e.map), FK_SWAP_REVERT);
    /* the old image now sits at secondary offset 0 */
    uint32_t off = 99;
    assert_int_equal(fk_boot_secondary_find(&T.e.map, &off), FK_OK);

    /* not confirmed: the next boot reverts */
    fk_sim_board_reset_stats(&T.e.sb);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(primary_holds(T.old_img, T.old_len));
    assert_int_equal(max_erases(FK_AREA_ID_PRIMARY, 0, 6 * U), 1);
    assert_int_equal(max_erases(FK_AREA_ID_SECONDARY, 0, 7 * U), 1);
    assert_true(r.stats.skipped_units >= 1); /* S[6] already held new[5] */
    assert_int_equal(fk_env_reprogs(&T.e), 0);
    assert_int_equal(fk_boot_swap_type(&T.e.map), FK_SWAP_NONE);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_NONE);
    assert_true(primary_holds(T.old_img, T.old_len));

    /* the new image is back at offset one sector: test it again; sectors
     * already in place are skipped */
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(primary_holds(T.new_img, T.new_len));
    assert_true(r.stats.skipped_units >= 1);
    /* confirmed: stays */
    assert_int_equal(fk_boot_confirm(&T.e.map), FK_OK);
    for (int i = 0; i < 2; i++) {
        r = boot_ok();
        assert_int_equal(r.reason, FK_BOOT_R_NONE);
        assert_true(primary_holds(T.new_img, T.new_len));
    }
}

static void serial_without_buffer(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 6 * U - 100, 6 * U - 300, 1, 2);
    T.e.cfg.buf = NULL;
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    fk_sim_board_reset_stats(&T.e.sb);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(primary_holds(T.new_img, T.new_len));
    assert_int_equal(T.prog_total, 12);
    assert_int_equal(max_erases(FK_AREA_ID_PRIMARY, 0, 6 * U), 1);
    assert_int_equal(max_erases(FK_AREA_ID_SECONDARY, 0, 8 * U), 1);
    /* revert with the buffer back: a swap keeps the schedule it started with,
     * a new one (the revert) may overlap */
    T.e.cfg.buf = T.e.work;
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(primary_holds(T.old_img, T.old_len));
    assert_int_equal(fk_env_reprogs(&T.e), 0);
}

static void park_in_primary(void **s)
{
    (void)s;
    open_env("tight-ext", 7 * U - 100, 7 * U - 700, 1, 2);
    assert_int_equal(fk_boot_max_image_size(&T.e.map), 7 * U);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    fk_sim_board_reset_stats(&T.e.sb);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(primary_holds(T.new_img, T.new_len));
    /* the start record names the schedule: two chains, parking unit P[7] */
    const struct fk_flash_area *p = fk_env_area(&T.e, FK_AREA_ID_PRIMARY);
    uint8_t rec[16];
    assert_int_equal(fk_flash_read(p, p->size - 64, rec, 16), FK_OK);
    assert_int_equal(rec[8], FK_SWAP_TEST);
    assert_int_equal(rec[9], 2);
    assert_int_equal(max_erases(FK_AREA_ID_PRIMARY, 0, 8 * U), 1);
    assert_int_equal(max_erases(FK_AREA_ID_SECONDARY, 0, 8 * U), 1);
    assert_int_equal(fk_env_reprogs(&T.e), 0);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(primary_holds(T.old_img, T.old_len));
}

static void permanent_never_reverts(void **s)
{
    (void)s;
    open_env("nrf5340-spi-nor-2mb", 4 * U, 7 * U - 64, 1, 3);
    assert_int_equal(fk_boot_set_pending(&T.e.map, true), FK_OK);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_PERM);
    assert_true(primary_holds(T.new_img, T.new_len));
    for (int i = 0; i < 3; i++) {
        r = boot_ok();
        assert_int_equal(r.reason, FK_BOOT_R_NONE);
        assert_true(primary_holds(T.new_img, T.new_len));
    }
    struct fk_boot_slot_state st;
    assert_int_equal(fk_boot_read_slot_state(&T.e.map, FK_AREA_ID_PRIMARY, &st), FK_OK);
    assert_int_equal(st.image_ok, 0x01);
}

static void invalid_secondary_erased(void **s)
{
    (void)s;
    open_env("nrf5340-spi-nor-2mb", 5 * U, 5 * U, 1, 2);
    /* flip one payload byte of the pending image */
    T.new_img[0x800] ^= 0x01;
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, U, T.new_img, T.new_len), FK_OK);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_INVALID);
    assert_true(r.secondary_err < 0);
    assert_non_null(strstr(r.why, "invalid"));
    assert_non_null(strstr(r.why, "erased"));
    assert_true(primary_holds(T.old_img, T.old_len));
    assert_int_equal(r.hdr.ver.major, 1);
    /* request gone, header erased */
    assert_int_equal(fk_boot_swap_type(&T.e.map), FK_SWAP_NONE);
    struct fk_image_header h;
    assert_int_not_equal(fk_image_read_header(fk_env_area(&T.e, FK_AREA_ID_SECONDARY), U, &h), FK_OK);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_NONE);
}

static void too_big_refused(void **s)
{
    (void)s;
    open_env("nrf52840-internal-only", 4 * U, 0x73000 + U, 1, 2);
    assert_int_equal(fk_boot_max_image_size(&T.e.map), 0x73000);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    /* with swap-offset slots an image past the largest size reaches into
     * the secondary's trailer sector: refused either way */
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_INVALID);
    assert_true(r.secondary_err < 0);
    assert_true(primary_holds(T.old_img, T.old_len));
}

static void downgrade_refused(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 3, 2);
    T.e.cfg.downgrade_prevention = true;
    assert_int_equal(fk_boot_set_pending(&T.e.map, true), FK_OK);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_DOWNGRADE);
    assert_int_equal(r.secondary_err, FK_EBOOT_DOWNGRADE);
    assert_non_null(strstr(r.why, "downgrade"));
    assert_true(primary_holds(T.old_img, T.old_len));
    assert_int_equal(fk_boot_swap_type(&T.e.map), FK_SWAP_NONE);
    /* without the option the same image is accepted */
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, U, T.new_img, T.new_len), FK_OK);
    assert_int_equal(fk_boot_set_pending(&T.e.map, true), FK_OK);
    T.e.cfg.downgrade_prevention = false;
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_PERM);
    assert_true(primary_holds(T.new_img, T.new_len));
}

static void security_counter_hooks(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 1, 2);
    free(T.old_img);
    free(T.new_img);
    T.old_img = fk_test_image(T.old_len, 1, 11, 5);
    T.new_img = fk_test_image(T.new_len, 2, 22, 3); /* higher version, lower counter */
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_PRIMARY, 0, T.old_img, T.old_len), FK_OK);
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, U, T.new_img, T.new_len), FK_OK);
    T.e.cfg.counter_read = cnt_read;
    T.e.cfg.counter_write = cnt_write;
    struct fk_boot_rsp r = boot_ok(); /* confirmed primary raises the counter to 5 */
    assert_true(T.counter_set);
    assert_int_equal(T.counter, 5);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_DOWNGRADE);
    assert_true(primary_holds(T.old_img, T.old_len));
    /* counter 9: a test upgrade does not raise it until confirmed */
    free(T.new_img);
    T.new_img = fk_test_image(T.new_len, 2, 23, 9);
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, U, T.new_img, T.new_len), FK_OK);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_int_equal(T.counter, 5);
    assert_int_equal(fk_boot_confirm(&T.e.map), FK_OK);
    r = boot_ok();
    assert_int_equal(T.counter, 9);
    /* now the old image (counter 5) is refused even as the primary */
    T.counter = 10;
    struct fk_boot_rsp rr;
    assert_int_equal(fk_boot_go(&T.e.cfg, &rr), FK_EBOOT_NOIMAGE);
}

static void security_counter_default_store(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 1, 2);
    /* give the map a fotakit_counters partition (two pages of internal flash) */
    struct fk_flash_area *a = &T.e.areas[T.e.map.count];
    *a = *fk_env_area(&T.e, FK_AREA_ID_PRIMARY);
    a->id = FK_AREA_ID_COUNTERS;
    a->name = "fotakit_counters";
    a->off = 0xf8000;
    a->size = 0x2000;
    T.e.map.count++;
    free(T.new_img);
    T.new_img = fk_test_image(T.new_len, 2, 22, 4);
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, U, T.new_img, T.new_len), FK_OK);
    assert_int_equal(fk_boot_set_pending(&T.e.map, true), FK_OK);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_PERM);
    uint32_t v = 0;
    assert_int_equal(fk_boot_counter_read(a, &v), FK_OK);
    assert_int_equal(v, 4);
    /* an image with counter 0 (no SEC_CNT) is now refused */
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_SECONDARY, U, T.old_img, T.old_len), FK_OK);
    assert_int_equal(fk_boot_set_pending(&T.e.map, true), FK_OK);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_DOWNGRADE);
    assert_true(primary_holds(T.new_img, T.new_len));
}

/* Fail closed: a counter that cannot be read refuses every image (the
 * pending one is kept, not erased); a failed raise is reported. */
static void security_counter_fail_closed(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 1, 2);
    free(T.old_img);
    T.old_img = fk_test_image(T.old_len, 1, 11, 5);
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_PRIMARY, 0, T.old_img, T.old_len), FK_OK);
    T.e.cfg.counter_read = cnt_read;
    T.e.cfg.counter_write = cnt_write;
    /* the raise to 5 fails: the image boots, and says so */
    T.counter_write_err = FK_EIO;
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.counter_err, FK_EIO);
    assert_false(T.counter_set);
    assert_non_null(strstr(r.why, "security counter NOT raised to 5 (FK_EIO"));
    struct fk_boot_retained ret;
    fk_boot_retained_store(&ret, &r);
    assert_int_equal(ret.counter_err, FK_EIO);
    T.counter_write_err = 0;
    /* the store cannot be read: nothing boots, the pending image stays */
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    T.counter_read_err = FK_EIO;
    assert_int_equal(fk_boot_go(&T.e.cfg, &r), FK_EBOOT_NOIMAGE);
    assert_int_equal(r.reason, FK_BOOT_R_COUNTER);
    assert_int_equal(r.secondary_err, FK_EIO);
    assert_non_null(strstr(r.why, "security counter cannot be read (FK_EIO"));
    assert_non_null(strstr(r.why, "security counter unreadable"));
    assert_int_equal(fk_boot_swap_type(&T.e.map), FK_SWAP_TEST);
    assert_true(primary_holds(T.old_img, T.old_len));
    fk_boot_retained_store(&ret, &r);
    assert_int_equal(ret.reason, FK_BOOT_R_COUNTER);
    /* readable again: the upgrade goes ahead */
    T.counter_read_err = 0;
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(primary_holds(T.new_img, T.new_len));
}

/* The default store on a device that is not ready is an unreadable store,
 * not a store that is absent: nothing boots. */
static void security_counter_store_dead(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 1, 2);
    /* the store lives on a device of its own whose probe failed */
    static struct fk_flash_dev dead;
    dead = *fk_env_area(&T.e, FK_AREA_ID_PRIMARY)->dev;
    dead.state = FK_DEV_FAILED;
    struct fk_flash_area *a = &T.e.areas[T.e.map.count];
    *a = *fk_env_area(&T.e, FK_AREA_ID_PRIMARY);
    a->id = FK_AREA_ID_COUNTERS;
    a->name = "fotakit_counters";
    a->dev = &dead;
    a->off = 0xf8000;
    a->size = 0x2000;
    T.e.map.count++;
    struct fk_boot_rsp r;
    assert_int_equal(fk_boot_go(&T.e.cfg, &r), FK_EBOOT_NOIMAGE);
    assert_int_equal(r.reason, FK_BOOT_R_COUNTER);
    assert_non_null(strstr(r.why, "security counter unreadable (FK_ENODEV"));
}

static struct fk_sim_dev *sim_dev_of_area(uint8_t id)
{
    const struct fk_flash_area *fa = fk_env_area(&T.e, id);
    for (unsigned i = 0; i < T.e.sb.count; i++) {
        if (&T.e.chk[i].dev == fa->dev) {
            return fk_sim_dev_of(T.e.chk[i].inner);
        }
    }
    return NULL;
}

/* A program that silently fails once in each slot during the swap: the unit
 * is read back, found wrong, erased and written again, so the new image
 * runs and the old one can still be swapped back. */
static void program_fault_read_back(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 6 * U, 6 * U, 1, 2);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    struct fk_sim_dev *p = sim_dev_of_area(FK_AREA_ID_PRIMARY);
    struct fk_sim_dev *q = sim_dev_of_area(FK_AREA_ID_SECONDARY);
    assert_non_null(p);
    assert_non_null(q);
    p->fault_off = fk_env_area(&T.e, FK_AREA_ID_PRIMARY)->off + 2 * U + 0x140;
    p->fault_len = 8;
    p->fault_count = 1;
    q->fault_off = fk_env_area(&T.e, FK_AREA_ID_SECONDARY)->off + 4 * U + 0x300;
    q->fault_len = 4;
    q->fault_count = 1;
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_int_equal(p->fault_count, 0);
    assert_int_equal(q->fault_count, 0);
    assert_int_equal(r.stats.verify_retries, 2);
    assert_true(primary_holds(T.new_img, T.new_len));
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(primary_holds(T.old_img, T.old_len));
    /* a unit that never takes what is programmed stops the swap with the
     * reason instead of marking it done */
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    p->fault_count = UINT32_MAX;
    struct fk_boot_rsp rr;
    assert_int_not_equal(fk_boot_go(&T.e.cfg, &rr), FK_OK);
    assert_int_equal(rr.reason, FK_BOOT_R_STUCK);
    assert_non_null(strstr(rr.why, "FK_EBOOT_VERIFY"));
}

static int ext_dev_index(void)
{
    for (unsigned i = 0; i < T.e.sb.count; i++) {
        if (T.e.sb.dev[i]->kind != FK_KIND_INTERNAL) {
            return (int)i;
        }
    }
    return -1;
}

static void dead_chip_no_swap(void **s)
{
    (void)s;
    open_env("nrf5340-spi-nor-2mb", 4 * U, 5 * U, 1, 2);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    int d = ext_dev_index();
    assert_true(d >= 0);
    T.e.chk[d].dev.state = FK_DEV_FAILED;
    snprintf(T.e.chk[d].dev.why, sizeof T.e.chk[d].dev.why, "JEDEC ID read ff ff ff, expected c2 28 15");
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_SEC_DEAD);
    assert_int_equal(r.secondary_err, FK_ENODEV);
    assert_non_null(strstr(r.why, "external_flash"));
    assert_true(primary_holds(T.old_img, T.old_len));
    /* the application can read why from the retained record */
    struct fk_boot_retained ret;
    fk_boot_retained_store(&ret, &r);
    assert_int_equal(fk_boot_retained_check(&ret), FK_OK);
    assert_int_equal(ret.reason, FK_BOOT_R_SEC_DEAD);
    assert_int_equal(ret.secondary_err, FK_ENODEV);
    /* chip back: the pending upgrade happens */
    T.e.chk[d].dev.state = FK_DEV_READY;
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(primary_holds(T.new_img, T.new_len));
}

struct boot_call {
    struct fk_boot_rsp *rsp;
};

static int call_boot(void *ctx)
{
    return fk_boot_go(&T.e.cfg, ((struct boot_call *)ctx)->rsp);
}

/* Boot as a powered device: 1 when the armed cut reset it midway. */
static int boot_cut(struct fk_boot_rsp *r)
{
    struct boot_call c = {r};
    int rc = FK_OK;
    return fk_sim_board_run(&T.e.sb, call_boot, &c, &rc);
}

static void dead_chip_mid_swap(void **s)
{
    (void)s;
    open_env("nrf5340-spi-nor-2mb", 6 * U, 6 * U, 1, 2);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    /* cut power in the middle of the swap */
    fk_sim_power_arm(&T.e.sb, 90, FK_SIM_CUT_BEFORE, 1);
    struct fk_boot_rsp r;
    assert_int_equal(boot_cut(&r), 1); /* a reset in the middle of the swap */
    fk_sim_power_restore(&T.e.sb);
    fk_sim_power_arm(&T.e.sb, 0, FK_SIM_CUT_NONE, 0);
    fk_env_resync(&T.e);
    /* the chip does not come back: stay in the bootloader, say why */
    int d = ext_dev_index();
    T.dead_dev = d;
    T.e.chk[d].dev.state = FK_DEV_FAILED;
    T.e.cfg.retries = 4;
    unsigned lines = T.e.log_lines;
    assert_int_equal(fk_boot_go(&T.e.cfg, &r), FK_EBOOT_STUCK);
    assert_int_equal(r.reason, FK_BOOT_R_STUCK);
    assert_int_equal(T.reinits, 4);
    assert_int_equal(T.e.log_lines, lines + 1);
    assert_non_null(strstr(r.why, "swap in progress"));
    /* it comes back on the second re-init attempt: the swap is finished */
    T.reinits = 0;
    T.revive_after = 2;
    r = boot_ok();
    assert_true(r.resumed);
    assert_int_equal(r.reason, FK_BOOT_R_UPGRADED_TEST);
    assert_true(primary_holds(T.new_img, T.new_len));
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_REVERTED);
    assert_true(primary_holds(T.old_img, T.old_len));
}

/* The chip dies in a way its driver cannot see: it reads all-ones (MISO
 * floats high) while the device still says ready. Resuming a swap from it
 * would copy erased data into the primary; the canary in the secondary
 * trailer catches it. */
static void dead_chip_reads_ones_mid_swap(void **s)
{
    (void)s;
    open_env("nrf5340-spi-nor-2mb", 6 * U, 6 * U, 1, 2);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    fk_sim_power_arm(&T.e.sb, 120, FK_SIM_CUT_BEFORE, 1);
    struct fk_boot_rsp r;
    assert_int_equal(boot_cut(&r), 1); /* a reset in the middle of the swap */
    fk_sim_power_restore(&T.e.sb);
    fk_sim_power_arm(&T.e.sb, 0, FK_SIM_CUT_NONE, 0);
    fk_env_resync(&T.e);
    int d = ext_dev_index();
    struct fk_sim_dev *sd = fk_sim_dev_of(T.e.chk[d].inner);
    sd->nchip.absent = 1;
    assert_int_equal(T.e.chk[d].dev.state, FK_DEV_READY);
    assert_int_equal(fk_boot_go(&T.e.cfg, &r), FK_EBOOT_STUCK);
    assert_int_equal(r.reason, FK_BOOT_R_STUCK);
    /* nothing from the dead chip reached the primary: once it answers again
     * the swap finishes with the right image */
    sd->nchip.absent = 0;
    uint8_t sr;
    /* what a port's reinit hook does: re-read the chip (the driver cached
     * the all-ones status it saw while the chip was gone) */
    assert_int_equal(fk_nor_read_sr(&sd->nor, &sr), FK_OK);
    fk_env_resync(&T.e);
    r = boot_ok();
    assert_true(r.resumed);
    assert_true(primary_holds(T.new_img, T.new_len));
}

static void overwrite_only(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 8 * U, 3 * U - 10, 1, 2);
    T.e.cfg.strategy = FK_BOOT_STRATEGY_OVERWRITE;
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    fk_sim_board_reset_stats(&T.e.sb);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_OVERWRITTEN);
    assert_true(primary_holds(T.new_img, T.new_len));
    /* only the 3 sectors the image covers were erased in the primary data area */
    assert_int_equal(max_erases(FK_AREA_ID_PRIMARY, 0, 3 * U), 1);
    assert_int_equal(max_erases(FK_AREA_ID_PRIMARY, 3 * U, 0x70000), 0);
    assert_int_equal(r.stats.data_erases_pri, 3);
    assert_int_equal(r.stats.data_erases_sec, 0);
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_NONE);
    assert_true(primary_holds(T.new_img, T.new_len));
}

static void revert_impossible(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 1, 2);
    assert_int_equal(fk_boot_set_pending(&T.e.map, false), FK_OK);
    boot_ok();
    /* someone erased the old image in the secondary before the reset */
    const struct fk_flash_area *sa = fk_env_area(&T.e, FK_AREA_ID_SECONDARY);
    assert_int_equal(fk_flash_erase(sa, 0, U), FK_OK);
    assert_int_equal(fk_flash_sync(sa), FK_OK);
    struct fk_boot_rsp r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_REVERT_IMPOSSIBLE);
    assert_true(primary_holds(T.new_img, T.new_len));
}

static void primary_invalid(void **s)
{
    (void)s;
    open_env("nrf52840-spi-nor-2mb", 4 * U, 4 * U, 1, 2);
    T.old_img[0x900] ^= 0x40;
    assert_int_equal(fk_env_write(&T.e, FK_AREA_ID_PRIMARY, 0, T.old_img, T.old_len), FK_OK);
    struct fk_boot_rsp r;
    assert_int_equal(fk_boot_go(&T.e.cfg, &r), FK_EBOOT_NOIMAGE);
    assert_int_equal(r.reason, FK_BOOT_R_NO_IMAGE);
    assert_non_null(strstr(r.why, "not bootable"));
    T.e.cfg.skip_primary_verify = true;
    r = boot_ok();
    assert_int_equal(r.reason, FK_BOOT_R_NONE);
}

static void largest_images(void **s)
{
    (void)s;
    static const struct {
        const char *layout;
        uint32_t max;
    } L[] = {
        {"nrf52840-spi-nor-2mb", 0x75000},   /* P 0x76000 - trailer; S 0x77000 - trailer - spare */
        {"nrf5340-spi-nor-2mb", 0xe6000},    /* S 0xe8000 - trailer - spare */
        {"nrf52840-internal-only", 0x73000}, /* S 0x75000 - trailer - spare */
    };
    for (size_t i = 0; i < 3; i++) {
        struct fk_env e;
        char err[256];
        assert_int_equal(fk_env_open(&e, FOTAKIT_SHARED_DIR, L[i].layout, 0, err, sizeof err), FK_OK);
        assert_int_equal(fk_boot_max_image_size(&e.map), L[i].max);
        assert_int_equal(fk_boot_secondary_image_off(&e.map), U);
        fk_env_close(&e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(upgrade_revert_costs, teardown),
        cmocka_unit_test_teardown(serial_without_buffer, teardown),
        cmocka_unit_test_teardown(park_in_primary, teardown),
        cmocka_unit_test_teardown(permanent_never_reverts, teardown),
        cmocka_unit_test_teardown(invalid_secondary_erased, teardown),
        cmocka_unit_test_teardown(too_big_refused, teardown),
        cmocka_unit_test_teardown(downgrade_refused, teardown),
        cmocka_unit_test_teardown(security_counter_hooks, teardown),
        cmocka_unit_test_teardown(security_counter_default_store, teardown),
        cmocka_unit_test_teardown(security_counter_fail_closed, teardown),
        cmocka_unit_test_teardown(program_fault_read_back, teardown),
        cmocka_unit_test_teardown(security_counter_store_dead, teardown),
        cmocka_unit_test_teardown(dead_chip_no_swap, teardown),
        cmocka_unit_test_teardown(dead_chip_mid_swap, teardown),
        cmocka_unit_test_teardown(dead_chip_reads_ones_mid_swap, teardown),
        cmocka_unit_test_teardown(overwrite_only, teardown),
        cmocka_unit_test_teardown(revert_impossible, teardown),
        cmocka_unit_test_teardown(primary_invalid, teardown),
        cmocka_unit_test(largest_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
