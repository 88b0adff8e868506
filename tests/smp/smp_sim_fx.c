/* The sim fixture of tests/smp (smp_sim_fx.h). */
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
#include "smp_sim_fx.h"

const char *g_layout = LAYOUTS "nrf5340-spi-nor-2mb.pm_static.yml";
const char *g_board = LAYOUTS "nrf5340-spi-nor-2mb.board.yml";

struct simfx *simfx_new(void)
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

uint64_t violations(struct simfx *f)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < f->sb.count; i++) {
        v += f->sb.dev[i]->stats.violations;
    }
    return v;
}

uint64_t lost_bits(struct simfx *f)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < f->sb.count; i++) {
        v += f->sb.dev[i]->stats.weak_lost_bits;
    }
    return v - f->lost_base;
}

void simfx_free(struct simfx *f)
{
    assert_int_equal(violations(f), 0);
    assert_int_equal(lost_bits(f), 0); /* nothing programmed into weakly erased cells */
    assert_memory_equal(f->pri_mem, f->pri_copy, f->pri->size); /* never touched */
    fk_sim_board_free(&f->sb);
    free(f->areas);
    free(f->pri_copy);
    free(f);
}

/* One chunk; returns the answered off, or -1 (group code in *grc). */
int64_t chunk(struct simfx *f, const uint8_t *img, size_t len, const uint8_t *sha,
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
int upload(struct simfx *f, const uint8_t *img, size_t len, uint32_t *resumed_at)
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

void simfx_req(struct simfx *f, int op, uint8_t id, const uint8_t *payload, size_t plen,
               struct rsp *r)
{
    static uint8_t req[2200], out[2048];
    static uint8_t seq = 100;
    static const uint8_t empty[] = {0xa0};
    if (!payload) {
        payload = empty;
        plen = 1;
    }
    size_t rl = make_req(req, 1, op, FK_SMP_GROUP_IMAGE, seq++, id, payload, plen);
    size_t ol;
    assert_int_equal(fk_smp_handle(&f->srv, req, rl, out, sizeof out, &ol), FK_OK);
    assert_true(rsp_parse(r, out, ol));
}

const struct fk_flash_area *simfx_sec(struct simfx *f)
{
    const struct fk_flash_area *sec;
    assert_int_equal(fk_flash_open(&f->map, FK_AREA_ID_SECONDARY, &sec), FK_OK);
    return sec;
}
