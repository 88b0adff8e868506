/* The SMP server on the seed layout (nrf5340-spi-nor-2mb) over the simulated
 * chips: NVMC-model internal flash for the primary, a SPI NOR chip model for
 * the secondary. Checks what the RAM tests cannot: chip physics (no program
 * over unerased bits, nWRITE), the modeled time of the first chunk against a
 * whole-slot erase, and resumption after torn power cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/boot.h"
#include "fotakit/cbor.h"
#include "fotakit/host/layout.h"
#include "fotakit/host/sim.h"
#include "fotakit/smp.h"
#include "smp_test_util.h"

#define LAYOUTS FOTAKIT_SHARED_DIR "/layouts/"

struct simfx {
    struct fk_layout layout;
    struct fk_board board;
    struct fk_sim_board sb;
    struct fk_flash_area *areas;
    struct fk_flash_map map;
    struct fk_smp_config cfg;
    struct fk_smp_server srv;
    const struct fk_flash_area *pri;
    uint8_t *pri_mem;
    uint8_t *pri_copy;
};

static const char *g_layout = LAYOUTS "nrf5340-spi-nor-2mb.pm_static.yml";
static const char *g_board = LAYOUTS "nrf5340-spi-nor-2mb.board.yml";

static struct simfx *simfx_new(void)
{
    struct simfx *f = calloc(1, sizeof *f);
    char err[256];
    assert_int_equal(fk_layout_load(g_layout, &f->layout, err, sizeof err), FK_OK);
    assert_int_equal(fk_board_load(g_board, &f->board, err, sizeof err), FK_OK);
    assert_int_equal(fk_sim_board_build(&f->sb, &f->board, NULL), FK_OK);
    struct fk_flash_dev *devs[FK_BOARD_MAX_DEVS];
    size_t nd = fk_sim_board_devs(&f->sb, devs);
    size_t na = fk_layout_area_count(&f->layout);
    f->areas = calloc(na, sizeof *f->areas);
    assert_int_equal(fk_layout_flash_map(&f->layout, devs, nd, f->areas, na, &f->map), FK_OK);
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_PRIMARY, &f->pri), FK_OK);
    /* factory-programmed running image */
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(1, 0, 0, 100000, 31, &len, hash);
    size_t msz;
    uint8_t *mem = fk_sim_dev_mem(f->pri->dev, &msz);
    f->pri_mem = mem + f->pri->off;
    memcpy(f->pri_mem, img, len);
    free(img);
    f->pri_copy = malloc(f->pri->size);
    memcpy(f->pri_copy, f->pri_mem, f->pri->size);
    f->cfg = (struct fk_smp_config){.map = &f->map, .buf_size = 2048, .buf_count = 4};
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    return f;
}

static uint64_t violations(struct simfx *f)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < f->sb.count; i++) {
        v += f->sb.dev[i]->stats.violations;
    }
    return v;
}

static void simfx_free(struct simfx *f)
{
    assert_int_equal(violations(f), 0);
    assert_memory_equal(f->pri_mem, f->pri_copy, f->pri->size); /* never touched */
    fk_sim_board_free(&f->sb);
    free(f->areas);
    free(f->pri_copy);
    free(f);
}

/* One chunk; returns the answered off, or -1 (group code in *grc). */
static int64_t chunk(struct simfx *f, const uint8_t *img, size_t len, const uint8_t *sha,
                     uint32_t off, uint32_t n, int *grc, int *match)
{
    static uint8_t buf[2100], req[2200], out[512];
    static uint8_t seq;
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, off == 0 ? 4 : 2);
    fk_cbor_tstr(&e, "off");
    fk_cbor_uint(&e, off);
    if (off == 0) {
        fk_cbor_tstr(&e, "len");
        fk_cbor_uint(&e, len);
        fk_cbor_tstr(&e, "sha");
        fk_cbor_bstr(&e, sha, 32);
    }
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, img + off, n);
    assert_false(e.overflow);
    size_t rl = make_req(req, 1, FK_SMP_OP_WRITE, 1, seq++, FK_SMP_IMG_UPLOAD, buf, e.len);
    size_t ol;
    assert_int_equal(fk_smp_handle(&f->srv, req, rl, out, sizeof out, &ol), FK_OK);
    struct rsp r;
    assert_true(rsp_parse(&r, out, ol));
    int rc, g, gr;
    rsp_err(&r, &rc, &g, &gr);
    int64_t got = -1;
    *match = -1;
    if (g >= 0 || rc) {
        *grc = gr;
    } else {
        bool m;
        assert_true(map_int(r.root, "off", &got));
        if (map_bool(r.root, "match", &m)) {
            *match = m;
        }
    }
    rsp_free(&r);
    return got;
}

/* Client loop; 1/0 = final match, -1000 = a flash error answer. */
static int upload(struct simfx *f, const uint8_t *img, size_t len, uint32_t *resumed_at)
{
    const uint32_t C = 1900;
    uint8_t sha[32];
    sha256(img, len, sha);
    uint32_t off = 0;
    int grc = 0, match;
    for (int guard = 0; guard < 100000; guard++) {
        uint32_t n = len - off < C ? (uint32_t)(len - off) : C;
        int64_t got = chunk(f, img, len, sha, off, n, &grc, &match);
        if (got < 0) {
            return -1000;
        }
        if (off == 0 && resumed_at) {
            *resumed_at = (uint32_t)got > n ? (uint32_t)got : 0;
        }
        if ((uint64_t)got == len) {
            return match;
        }
        off = (uint32_t)got;
    }
    fail_msg("no convergence");
    return -1;
}

static void test_seed_layout_upload(void **state)
{
    (void)state;
    struct simfx *f = simfx_new();
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 300000, 32, &len, hash);
    sha256(img, len, sha);
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    struct fk_sim_dev *nor = fk_sim_dev_of(sec->dev);
    assert_non_null(nor);

    /* first chunk: three erase calls (the resume record's sector, the
     * trailer sectors, the first data sector: erased although the chips
     * start erased, since reading erased proves nothing), modeled time far
     * below what erasing the whole slot would take */
    fk_sim_board_reset_stats(&f->sb);
    int grc, match;
    assert_int_equal(chunk(f, img, len, sha, 0, 1900, &grc, &match), 1900);
    fk_sim_board_sync(&f->sb);
    double first_us = f->sb.clock.sum_us;
    assert_int_equal(nor->stats.erase_calls, 3);
    double slot_erase_us = (double)(sec->size / sec->dev->erase_size) * FK_SIM_NOR_SE_MS * 1000.0;
    assert_true(first_us * 20 < slot_erase_us);

    /* the rest */
    uint32_t off = 1900;
    while (off < len) {
        uint32_t n = len - off < 1900 ? (uint32_t)(len - off) : 1900;
        off = (uint32_t)chunk(f, img, len, sha, off, n, &grc, &match);
    }
    assert_int_equal(match, 1);
    size_t msz;
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
    assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
    /* each sector the image covers erased once, plus the resume record's
     * sector at the start and at the end, plus the trailer at the start */
    uint32_t es = sec->dev->erase_size;
    assert_int_equal(nor->stats.erase_calls, (len + es - 1) / es + 3);
    free(img);
    simfx_free(f);
}

/* FK_SMP_F_FAST_ERASE on the seed's NOR: an upload into a dirty slot erases
 * ahead with 32/64 KB block erases (docs/ble.md), not sector by sector. */
static void test_seed_layout_fast_erase(void **state)
{
    (void)state;
    struct simfx *f = simfx_new();
    f->cfg.flags |= FK_SMP_F_FAST_ERASE;
    size_t len, msz;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 300000, 33, &len, hash);
    sha256(img, len, sha);
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    struct fk_sim_dev *nor = fk_sim_dev_of(sec->dev);
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
    memset(mem + sec->off, 0x00, sec->size); /* a dirty slot */
    fk_sim_board_reset_stats(&f->sb);
    int grc, match = -1;
    uint32_t off = 0;
    while (off < len) {
        uint32_t n = len - off < 1900 ? (uint32_t)(len - off) : 1900;
        off = (uint32_t)chunk(f, img, len, sha, off, n, &grc, &match);
    }
    assert_int_equal(match, 1);
    assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
    /* the image's 74 sectors: 7 sectors up to the first 32 KB boundary, one
     * 32 KB block, then 64 KB blocks */
    uint32_t es = sec->dev->erase_size;
    assert_int_equal(sec->off % 0x10000, 0);
    uint32_t end = fk_boot_secondary_image_off(&f->map) + (uint32_t)len;
    assert_int_equal(nor->stats.cmd_be32, 1);
    assert_int_equal(nor->stats.cmd_be64, (end - 0x10000 + 0xffff) / 0x10000);
    assert_true(nor->stats.erase_calls < (len + es - 1) / es);
    free(img);
    simfx_free(f);
}

/* Torn power cuts at spread-out points of an upload: after power returns, a
 * new server (application RAM is lost) resumes and the image ends intact,
 * with no physics violation (nothing programmed over unerased bits). */
static void test_seed_layout_power_cuts(void **state)
{
    (void)state;
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 120000, 33, &len, hash);
    struct simfx *f = simfx_new();
    fk_sim_power_arm(&f->sb, 0, FK_SIM_CUT_NONE, 0);
    assert_int_equal(upload(f, img, len, NULL), 1);
    uint32_t calls = fk_sim_power_count(&f->sb);
    simfx_free(f);
    assert_true(calls > 50);
    unsigned resumed = 0;
    for (uint32_t k = 1; k <= calls; k += calls / 23 + 1) {
        f = simfx_new();
        fk_sim_power_arm(&f->sb, k, k & 1 ? FK_SIM_CUT_TEAR : FK_SIM_CUT_BEFORE, k);
        assert_int_equal(upload(f, img, len, NULL), -1000);
        assert_int_equal(fk_sim_power_restore(&f->sb), FK_OK);
        assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
        uint32_t at = 0;
        assert_int_equal(upload(f, img, len, &at), 1);
        resumed += at > 0;
        const struct fk_flash_area *sec;
        assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
        size_t msz;
        uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
        assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
        simfx_free(f);
    }
    assert_true(resumed >= 10);
    free(img);
}

/* The same on an internal-only layout: the secondary is NVMC-like internal
 * flash (word writes, nWRITE limit, the CPU halts during erases). */
static void test_internal_only_layout(void **state)
{
    (void)state;
    g_layout = LAYOUTS "nrf52840-internal-only.pm_static.yml";
    g_board = LAYOUTS "nrf52840.board.yml";
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 150001, 34, &len, hash);
    struct simfx *f = simfx_new();
    assert_int_equal(upload(f, img, len, NULL), 1);
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    assert_int_equal(fk_sim_dev_of(sec->dev)->kind, FK_KIND_INTERNAL);
    size_t msz;
    uint8_t *mem = fk_sim_dev_mem(sec->dev, &msz);
    assert_memory_equal(mem + sec->off + fk_boot_secondary_image_off(&f->map), img, len);
    simfx_free(f);
    /* a cut in the middle, then resume */
    f = simfx_new();
    fk_sim_power_arm(&f->sb, 20, FK_SIM_CUT_TEAR, 5);
    assert_int_equal(upload(f, img, len, NULL), -1000);
    assert_int_equal(fk_sim_power_restore(&f->sb), FK_OK);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    uint32_t at = 0;
    assert_int_equal(upload(f, img, len, &at), 1);
    assert_true(at > 0);
    simfx_free(f);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_layout_upload),
        cmocka_unit_test(test_seed_layout_fast_erase),
        cmocka_unit_test(test_seed_layout_power_cuts),
        cmocka_unit_test(test_internal_only_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
