/* SMP server: the captured client sessions, protocol and error rules, OS and
 * image groups, uploads (pipelined, resumed, after a reset, under power
 * cuts) on RAM flash with the real image and boot libraries. Responses are
 * decoded with libcbor, independently of fotakit's decoder. */
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
#include "fotakit/smp.h"
#include "smp_test_util.h"

#define VEC FOTAKIT_SHARED_DIR "/vectors/smp/"
#define RSP_CAP 2048

struct fx {
    struct testdev t;
    struct fk_smp_config cfg;
    struct fk_smp_server srv;
    uint8_t *primary_img;
    size_t primary_len;
    uint8_t primary_hash[32];
    uint8_t *primary_copy; /* the primary area as programmed */
    int resets;
    char last_log[200];
};

/* Whether v2 group errors carry "rsn" in the fixture at hand. */
static bool g_rsn_v2;

static void on_reset(void *ctx)
{
    ((struct fx *)ctx)->resets++;
}

static void on_log(void *ctx, const char *line)
{
    struct fx *f = ctx;
    snprintf(f->last_log, sizeof f->last_log, "%s", line);
}

static struct fx *fx_new(uint32_t flags)
{
    struct fx *f = calloc(1, sizeof *f);
    testdev_init(&f->t);
    f->primary_img = make_image(1, 0, 0, 5000, 1, &f->primary_len, f->primary_hash);
    testdev_flash_primary(&f->t, f->primary_img, f->primary_len);
    f->primary_copy = malloc(f->t.in.dev.size);
    memcpy(f->primary_copy, f->t.in.mem, f->t.in.dev.size);
    f->cfg = (struct fk_smp_config){.map = &f->t.map, .buf_size = 2048, .buf_count = 4,
                                    .flags = flags, .reset = on_reset, .log = on_log,
                                    .ctx = f};
    g_rsn_v2 = flags & FK_SMP_F_RSN_V2;
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    return f;
}

static void fx_free(struct fx *f)
{
    /* whatever happened, the running image was never touched */
    assert_memory_equal(f->t.in.mem, f->primary_copy, 60 * 1024);
    free(f->primary_img);
    free(f->primary_copy);
    testdev_free(&f->t);
    free(f);
}

/* Send one packet, parse the answer (must exist and be CBOR). */
static void call(struct fx *f, const uint8_t *req, size_t len, struct rsp *r)
{
    static uint8_t out[RSP_CAP];
    size_t ol;
    assert_int_equal(fk_smp_handle(&f->srv, req, len, out, sizeof out, &ol), FK_OK);
    assert_true(ol >= 8);
    assert_true(rsp_parse(r, out, ol));
    struct fk_smp_hdr h;
    fk_smp_hdr_decode(req, len, &h);
    assert_int_equal(r->hdr.op, h.op + 1);
    assert_int_equal(r->hdr.seq, h.seq);
    assert_int_equal(r->hdr.group, h.group);
    assert_int_equal(r->hdr.id, h.id);
    assert_int_equal(r->hdr.version, h.version > 1 ? 1 : h.version);
}

/* Build a request from an fk_cbor encoder's contents. */
static void call_enc(struct fx *f, int ver, int op, uint16_t group, uint8_t id,
                     const struct fk_cbor_enc *e, struct rsp *r)
{
    static uint8_t req[4096];
    static uint8_t seq;
    size_t n = make_req(req, ver, op, group, seq++, id, e ? e->buf : NULL, e ? e->len : 0);
    call(f, req, n, r);
}

static void expect_group_err(const struct rsp *r, int ver, int group, int code)
{
    int rc, g, grc;
    rsp_err(r, &rc, &g, &grc);
    if (ver == 1) {
        assert_int_equal(g, group);
        assert_int_equal(grc, code);
        assert_int_equal(rc, 0);
        /* exactly Zephyr's {"err": {"group", "rc"}} unless asked for more */
        assert_int_equal(cbor_map_size(r->root), g_rsn_v2 ? 2 : 1);
        assert_int_equal(cbor_map_size(map_get(r->root, "err")), 2);
    } else {
        assert_int_equal(g, -1);
        int want = group == FK_SMP_GROUP_IMAGE ? fk_smp_img_err_to_mgmt(code)
                                               : fk_smp_os_err_to_mgmt(code);
        assert_int_equal(rc, want);
        char rsn[200];
        assert_true(map_str(r->root, "rsn", rsn, sizeof rsn));
        /* v1 keeps the group's own code name in the reason */
        assert_non_null(strstr(rsn, fk_smp_group_err_name(group, code)));
    }
}

static void expect_mgmt_err(const struct rsp *r, int code)
{
    int rc, g, grc;
    rsp_err(r, &rc, &g, &grc);
    assert_int_equal(rc, code);
    assert_int_equal(g, -1);
    char rsn[200];
    assert_true(map_str(r->root, "rsn", rsn, sizeof rsn));
    assert_true(strlen(rsn) > 5);
}

static void expect_ok(const struct rsp *r)
{
    int rc, g, grc;
    rsp_err(r, &rc, &g, &grc);
    assert_int_equal(rc, 0);
    assert_int_equal(g, -1);
}

/* ---- captured sessions ----------------------------------------------------- */

static const char *vectors[] = {
    "mcumgr-go_serial_echo_hello", "mcumgr-go_serial_upload", "mcumgr-go_udp_echo_hello",
    "mcumgr-go_udp_upload",        "smpclient_serial_echo_hello", "smpclient_serial_upload",
    "smpclient_udp_echo_hello",    "smpclient_udp_upload",
};

static void slot_flags(struct fx *f, int slot, const uint8_t *hash, bool pending, bool confirmed,
                       bool active);

static void run_vectors(bool header_check)
{
    for (size_t v = 0; v < sizeof vectors / sizeof *vectors; v++) {
        struct fx *f = fx_new(header_check ? 0 : FK_SMP_F_NO_HEADER_CHECK);
        char path[512];
        uint8_t *pkts[16];
        size_t lens[16];
        snprintf(path, sizeof path, VEC "%s.hex", vectors[v]);
        size_t np = read_hex_lines(path, pkts, lens, 16);
        assert_true(np > 0);
        uint32_t expect_off = 0;
        for (size_t i = 0; i < np; i++) {
            struct rsp r;
            struct fk_smp_hdr h;
            assert_int_equal(fk_smp_hdr_decode(pkts[i], lens[i], &h), FK_OK);
            call(f, pkts[i], lens[i], &r);
            if (h.group == 0 && h.id == FK_SMP_OS_ECHO) {
                char s[32];
                assert_true(map_str(r.root, "r", s, sizeof s));
                assert_string_equal(s, "hello");
            } else if (h.group == 0 && h.id == FK_SMP_OS_MCUMGR_PARAMS) {
                int64_t bs, bc;
                assert_true(map_int(r.root, "buf_size", &bs));
                assert_true(map_int(r.root, "buf_count", &bc));
                assert_int_equal(bs, 2048);
                assert_int_equal(bc, 4);
            } else if (h.group == 1 && h.id == FK_SMP_IMG_UPLOAD) {
                /* what the chunk carries (decoded with libcbor) */
                struct cbor_load_result lr;
                cbor_item_t *req = cbor_load(pkts[i] + 8, lens[i] - 8, &lr);
                int64_t off;
                assert_true(map_int(req, "off", &off));
                cbor_item_t *data = map_get(req, "data");
                size_t dl = cbor_bytestring_length(data);
                int64_t got;
                if (header_check) {
                    if (off == 0) {
                        /* not an MCUboot image: invalid header magic, as Zephyr */
                        expect_group_err(&r, h.version, FK_SMP_GROUP_IMAGE,
                                         FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
                    } else {
                        /* no upload in progress: the server asks for the start */
                        assert_true(map_int(r.root, "off", &got));
                        assert_int_equal(got, 0);
                    }
                } else {
                    expect_ok(&r);
                    assert_int_equal(off, expect_off);
                    assert_true(map_int(r.root, "off", &got));
                    expect_off = (uint32_t)(off + (int64_t)dl);
                    assert_int_equal(got, expect_off);
                    bool match;
                    if (expect_off == 1000) {
                        assert_true(map_bool(r.root, "match", &match));
                        assert_true(match);
                    } else {
                        assert_false(map_bool(r.root, "match", &match));
                    }
                }
                cbor_decref(&req);
            } else {
                fail_msg("unexpected request in %s", vectors[v]);
            }
            rsp_free(&r);
        }
        if (!header_check && strstr(vectors[v], "upload")) {
            assert_int_equal(expect_off, 1000);
            uint32_t base = fk_boot_secondary_image_off(&f->t.map);
            for (uint32_t i = 0; i < 1000; i++) {
                assert_int_equal(f->t.ext.mem[base + i], i & 0xff);
            }
        }
        if (header_check) {
            /* a refused upload wrote nothing */
            assert_int_equal(f->t.ext.prog_calls, 0);
            assert_int_equal(f->t.ext.erase_calls, 0);
        }
        free_pkts(pkts, np);
        fx_free(f);
    }
}

static void test_vectors_conforming(void **state)
{
    (void)state;
    run_vectors(true);
}

static void test_vectors_no_header_check(void **state)
{
    (void)state;
    run_vectors(false);
}

/* The captured upload sessions with a real image in place of the capture's
 * 1000 bytes of i & 0xff: each chunk keeps its keys, order, offset and size;
 * only "data" (and the first chunk's "sha") change. With the header check on,
 * every chunk is taken, the last one matches, and the slot then lists the
 * image by its hash. */
static void test_vectors_real_image(void **state)
{
    (void)state;
    size_t img_len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(3, 1, 4, 1000 - 32 - 40, 77, &img_len, hash);
    assert_int_equal(img_len, 1000);
    sha256(img, img_len, sha);
    for (size_t v = 0; v < sizeof vectors / sizeof *vectors; v++) {
        if (!strstr(vectors[v], "upload")) {
            continue;
        }
        struct fx *f = fx_new(0);
        char path[512];
        uint8_t *pkts[16];
        size_t lens[16];
        snprintf(path, sizeof path, VEC "%s.hex", vectors[v]);
        size_t np = read_hex_lines(path, pkts, lens, 16);
        uint32_t expect_off = 0;
        unsigned chunks = 0;
        for (size_t i = 0; i < np; i++) {
            struct fk_smp_hdr h;
            assert_int_equal(fk_smp_hdr_decode(pkts[i], lens[i], &h), FK_OK);
            struct rsp r;
            if (!(h.group == 1 && h.id == FK_SMP_IMG_UPLOAD)) {
                call(f, pkts[i], lens[i], &r); /* echo / params as captured */
                rsp_free(&r);
                continue;
            }
            struct cbor_load_result lr;
            cbor_item_t *req = cbor_load(pkts[i] + 8, lens[i] - 8, &lr);
            assert_non_null(req);
            int64_t off;
            assert_true(map_int(req, "off", &off));
            assert_int_equal(off, expect_off);
            size_t dl = cbor_bytestring_length(map_get(req, "data"));
            /* the same map, key by key, with the image's bytes */
            cbor_item_t *m = cbor_new_definite_map(cbor_map_size(req));
            struct cbor_pair *kv = cbor_map_handle(req);
            for (size_t k = 0; k < cbor_map_size(req); k++) {
                const char *key = (const char *)cbor_string_handle(kv[k].key);
                size_t kl = cbor_string_length(kv[k].key);
                /* cbor_map_add takes its own references */
                cbor_item_t *val = kv[k].value;
                if (kl == 4 && !memcmp(key, "data", 4)) {
                    val = cbor_move(cbor_build_bytestring(img + off, dl));
                } else if (kl == 3 && !memcmp(key, "sha", 3)) {
                    val = cbor_move(cbor_build_bytestring(sha, 32));
                }
                cbor_map_add(m, (struct cbor_pair){kv[k].key, val});
            }
            static uint8_t body[4096], pk[4200];
            size_t bl = cbor_serialize(m, body, sizeof body);
            assert_true(bl > 0);
            size_t pl = make_req(pk, h.version, h.op, h.group, h.seq, h.id, body, bl);
            call(f, pk, pl, &r);
            expect_ok(&r);
            int64_t got;
            assert_true(map_int(r.root, "off", &got));
            expect_off = (uint32_t)(off + (int64_t)dl);
            assert_int_equal(got, expect_off);
            bool match;
            if (expect_off == 1000) {
                assert_true(map_bool(r.root, "match", &match));
                assert_true(match);
            } else {
                assert_false(map_bool(r.root, "match", &match));
            }
            chunks++;
            rsp_free(&r);
            cbor_decref(&m);
            cbor_decref(&req);
        }
        assert_int_equal(expect_off, 1000);
        /* the captures' chunking: Go 4 (serial) / 2 (UDP), smpclient 8 / 1 */
        unsigned want = !strcmp(vectors[v], "mcumgr-go_serial_upload")   ? 4
                        : !strcmp(vectors[v], "mcumgr-go_udp_upload")    ? 2
                        : !strcmp(vectors[v], "smpclient_serial_upload") ? 8
                                                                         : 1;
        assert_int_equal(chunks, want);
        uint32_t base = fk_boot_secondary_image_off(&f->t.map);
        assert_memory_equal(f->t.ext.mem + base, img, img_len);
        slot_flags(f, 1, hash, false, false, false);
        free_pkts(pkts, np);
        fx_free(f);
    }
    free(img);
}

/* ---- SMP-level rules -------------------------------------------------------- */

static void test_smp_level_errors(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    uint8_t req[4200], out[RSP_CAP];
    struct rsp r;
    size_t n, ol;
    for (int ver = 0; ver <= 1; ver++) {
        /* unknown group / command: answered, never silence */
        n = make_req(req, ver, FK_SMP_OP_READ, 63, 1, 0, (const uint8_t *)"\xa0", 1);
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_ENOTSUP);
        rsp_free(&r);
        n = make_req(req, ver, FK_SMP_OP_WRITE, 0, 2, 99, (const uint8_t *)"\xa0", 1);
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_ENOTSUP);
        rsp_free(&r);
        n = make_req(req, ver, FK_SMP_OP_READ, 1, 3, FK_SMP_IMG_UPLOAD, NULL, 0);
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_ENOTSUP);
        rsp_free(&r);
        /* malformed CBOR payloads */
        static const struct {
            const char *p;
            size_t n;
        } bad[] = {
            {"\xa1\x61\x64", 3},                 /* truncated map */
            {"\xff", 1},                         /* stray break */
            {"\xa1\x61\x64\x65hello\x00", 10},   /* trailing byte */
            {"\x83\x01\x02\x03", 4},             /* not a map */
            {"\xa1\x61\x64\x7f\x61h\x41x\xff", 9},/* bstr chunk in a tstr */
            {"\xbf\x61\x64\xff", 4},             /* break where a value belongs */
            {"\xa1\x61\x64\x5b\xff\xff\xff\xff\xff\xff\xff\xff", 12}, /* huge length */
            {"\xa1\x61\x64\x1c", 4},             /* reserved additional info */
            {"\xa1\x61\x64\xf8\x10", 5},         /* two-byte simple < 32 */
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            n = make_req(req, ver, FK_SMP_OP_WRITE, 0, (uint8_t)i, FK_SMP_OS_ECHO,
                         (const uint8_t *)bad[i].p, bad[i].n);
            call(f, req, n, &r);
            expect_mgmt_err(&r, FK_MGMT_ERR_EINVAL);
            rsp_free(&r);
        }
        /* nesting beyond the bound */
        uint8_t deep[40];
        size_t dl = 0;
        deep[dl++] = 0xa1;
        deep[dl++] = 0x61;
        deep[dl++] = 'x';
        for (int i = 0; i < FK_CBOR_MAX_DEPTH + 2; i++) {
            deep[dl++] = 0x81;
        }
        deep[dl++] = 0x00;
        n = make_req(req, ver, FK_SMP_OP_WRITE, 0, 9, FK_SMP_OS_ECHO, deep, dl);
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_EINVAL);
        rsp_free(&r);
        /* wrong type for a known field */
        n = make_req(req, ver, FK_SMP_OP_WRITE, 0, 9, FK_SMP_OS_ECHO,
                     (const uint8_t *)"\xa1\x61\x64\x05", 4);
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_EINVAL);
        rsp_free(&r);
        /* header length that lies (both ways) */
        n = make_req(req, ver, FK_SMP_OP_WRITE, 0, 5, FK_SMP_OS_ECHO,
                     (const uint8_t *)"\xa1\x61\x64\x61x", 5);
        req[3] = 9;
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_ECORRUPT);
        rsp_free(&r);
        req[3] = 2;
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_ECORRUPT);
        rsp_free(&r);
        /* larger than the advertised buffer */
        static const uint8_t zeros[2100];
        n = make_req(req, ver, FK_SMP_OP_WRITE, 0, 6, FK_SMP_OS_ECHO, zeros, sizeof zeros);
        call(f, req, n, &r);
        expect_mgmt_err(&r, FK_MGMT_ERR_EMSGSIZE);
        rsp_free(&r);
    }
    /* a newer protocol version: answered in v2 with TOO_NEW */
    n = make_req(req, 2, FK_SMP_OP_READ, 0, 7, FK_SMP_OS_MCUMGR_PARAMS, NULL, 0);
    call(f, req, n, &r);
    expect_mgmt_err(&r, FK_MGMT_ERR_UNSUPPORTED_TOO_NEW);
    rsp_free(&r);
    /* too short to answer; responses are never answered */
    assert_int_equal(fk_smp_handle(&f->srv, req, 7, out, sizeof out, &ol), FK_ESMP_SHORT);
    assert_int_equal(ol, 0);
    n = make_req(req, 0, FK_SMP_OP_WRITE_RSP, 0, 7, 0, NULL, 0);
    assert_int_equal(fk_smp_handle(&f->srv, req, n, out, sizeof out, &ol), FK_OK);
    assert_int_equal(ol, 0);
    /* a response buffer that cannot hold any answer */
    n = make_req(req, 1, FK_SMP_OP_READ, 1, 8, FK_SMP_IMG_STATE, NULL, 0);
    assert_int_equal(fk_smp_handle(&f->srv, req, n, out, 39, &ol), FK_ENOMEM);
    assert_int_equal(ol, 0);
    /* an answer that does not fit the response buffer */
    n = make_req(req, 1, FK_SMP_OP_READ, 1, 8, FK_SMP_IMG_STATE, NULL, 0);
    assert_int_equal(fk_smp_handle(&f->srv, req, n, out, 100, &ol), FK_OK);
    assert_true(rsp_parse(&r, out, ol));
    expect_mgmt_err(&r, FK_MGMT_ERR_EMSGSIZE);
    rsp_free(&r);
    /* the server still serves */
    n = make_req(req, 1, FK_SMP_OP_WRITE, 0, 9, FK_SMP_OS_ECHO,
                 (const uint8_t *)"\xa1\x61\x64\x62ok", 6);
    call(f, req, n, &r);
    char s[8];
    assert_true(map_str(r.root, "r", s, sizeof s));
    assert_string_equal(s, "ok");
    rsp_free(&r);
    fx_free(f);
}

/* ---- OS group --------------------------------------------------------------- */

static void test_os_group(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    uint8_t buf[256];
    struct fk_cbor_enc e;
    struct rsp r;
    char s[200];
    int64_t v;
    bool b;

    /* echo with an indefinite-length text string, keys in any order */
    static const uint8_t indef[] = {0xbf, 0x61, 'z', 0x01, 0x61, 'd', 0x7f, 0x62, 'h', 'e',
                                    0x63, 'l', 'l', 'o', 0xff, 0xff};
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_raw(&e, indef, sizeof indef);
    call_enc(f, 1, FK_SMP_OP_WRITE, 0, FK_SMP_OS_ECHO, &e, &r);
    assert_true(map_str(r.root, "r", s, sizeof s));
    assert_string_equal(s, "hello");
    rsp_free(&r);

    /* echo without "d" */
    call_enc(f, 1, FK_SMP_OP_WRITE, 0, FK_SMP_OS_ECHO, NULL, &r);
    expect_mgmt_err(&r, FK_MGMT_ERR_EINVAL);
    rsp_free(&r);

    /* info: default (kernel name), all, bad letter */
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_INFO, NULL, &r);
    assert_true(map_str(r.root, "output", s, sizeof s));
    assert_string_equal(s, "fotakit");
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "format");
    fk_cbor_tstr(&e, "rv");
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_INFO, &e, &r);
    assert_true(map_str(r.root, "output", s, sizeof s));
    assert_string_equal(s, "0.1.0 1.0.0"); /* fotakit release, running image version */
    rsp_free(&r);
    for (int ver = 0; ver <= 1; ver++) {
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "format");
        fk_cbor_tstr(&e, "sq");
        call_enc(f, ver, FK_SMP_OP_READ, 0, FK_SMP_OS_INFO, &e, &r);
        expect_group_err(&r, ver, FK_SMP_GROUP_OS, FK_OS_MGMT_ERR_INVALID_FORMAT);
        rsp_free(&r);
    }

    /* params */
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_MCUMGR_PARAMS, NULL, &r);
    assert_true(map_int(r.root, "buf_size", &v));
    assert_int_equal(v, 2048);
    rsp_free(&r);

    /* bootloader info */
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_BOOTLOADER_INFO, NULL, &r);
    assert_true(map_str(r.root, "bootloader", s, sizeof s));
    assert_string_equal(s, "MCUboot");
    assert_true(map_str(r.root, "fotakit", s, sizeof s));
    assert_non_null(strstr(s, "fotakit"));
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "query");
    fk_cbor_tstr(&e, "mode");
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_BOOTLOADER_INFO, &e, &r);
    assert_true(map_int(r.root, "mode", &v));
    assert_int_equal(v, FK_MCUBOOT_MODE_SWAP_USING_OFFSET);
    assert_int_equal(v, FK_BOOT_MCUBOOT_MODE_SWAP_USING_OFFSET); /* the boot design's own number */
    assert_false(map_bool(r.root, "no-downgrade", &b));
    rsp_free(&r);
    f->cfg.flags |= FK_SMP_F_NO_FOTAKIT_FIELD;
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_BOOTLOADER_INFO, NULL, &r);
    assert_int_equal(cbor_map_size(r.root), 1);
    assert_true(map_str(r.root, "bootloader", s, sizeof s));
    rsp_free(&r);
    f->cfg.no_downgrade = true;
    f->cfg.mcuboot_mode_set = true;
    f->cfg.mcuboot_mode = FK_MCUBOOT_MODE_UPGRADE_ONLY;
    call_enc(f, 1, FK_SMP_OP_READ, 0, FK_SMP_OS_BOOTLOADER_INFO, &e, &r);
    assert_true(map_int(r.root, "mode", &v));
    assert_int_equal(v, 2);
    assert_true(map_bool(r.root, "no-downgrade", &b));
    assert_true(b);
    rsp_free(&r);
    for (int ver = 0; ver <= 1; ver++) {
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "query");
        fk_cbor_tstr(&e, "colour");
        call_enc(f, ver, FK_SMP_OP_READ, 0, FK_SMP_OS_BOOTLOADER_INFO, &e, &r);
        expect_group_err(&r, ver, FK_SMP_GROUP_OS, FK_OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER);
        rsp_free(&r);
        /* the reason always reaches the device log */
        assert_non_null(strstr(f->last_log, "OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER"));
        assert_non_null(strstr(f->last_log, "mode"));
    }

    /* reset: answered first, the callback runs only once the answer is sent */
    call_enc(f, 1, FK_SMP_OP_WRITE, 0, FK_SMP_OS_RESET, NULL, &r);
    expect_ok(&r);
    rsp_free(&r);
    assert_true(fk_smp_reset_pending(&f->srv));
    assert_int_equal(f->resets, 0);
    fk_smp_sent(&f->srv);
    assert_int_equal(f->resets, 1);
    fk_smp_sent(&f->srv);
    assert_int_equal(f->resets, 1);
    assert_false(fk_smp_reset_pending(&f->srv));
    fx_free(f);
}

/* ---- uploads ---------------------------------------------------------------- */

/* Encode one upload chunk. */
static void chunk_enc(struct fk_cbor_enc *e, uint8_t *buf, size_t cap, const uint8_t *img,
                      size_t total, const uint8_t *sha, uint32_t off, uint32_t n, bool upgrade)
{
    fk_cbor_enc_init(e, buf, cap);
    fk_cbor_map(e, off == 0 ? 6 : 3);
    fk_cbor_tstr(e, "image");
    fk_cbor_uint(e, 0);
    fk_cbor_tstr(e, "off");
    fk_cbor_uint(e, off);
    if (off == 0) {
        fk_cbor_tstr(e, "len");
        fk_cbor_uint(e, total);
        fk_cbor_tstr(e, "sha");
        fk_cbor_bstr(e, sha, 32);
        fk_cbor_tstr(e, "upgrade");
        fk_cbor_bool(e, upgrade);
    }
    fk_cbor_tstr(e, "data");
    fk_cbor_bstr(e, img + off, n);
}

/* Send the chunk at `off`; returns the answered off (or -1 on an error
 * answer, with its group code in *grc). */
static int64_t send_chunk(struct fx *f, const uint8_t *img, size_t total, const uint8_t *sha,
                          uint32_t off, uint32_t n, int *grc, int *match)
{
    static uint8_t buf[4096];
    struct fk_cbor_enc e;
    struct rsp r;
    chunk_enc(&e, buf, sizeof buf, img, total, sha, off, n, false);
    assert_false(e.overflow);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    int rc, g, gr;
    rsp_err(&r, &rc, &g, &gr);
    int64_t got = -1;
    if (g >= 0 || rc) {
        *grc = gr;
    } else {
        assert_true(map_int(r.root, "off", &got));
        bool m;
        *match = map_bool(r.root, "match", &m) ? m : -1;
    }
    rsp_free(&r);
    return got;
}

/* A client: first chunk, then follow the device's offsets. Returns the final
 * match (1/0), or -(group code) on a refusal, or -1000 on a power cut. */
static int client_upload(struct fx *f, const uint8_t *img, size_t total, uint32_t chunk,
                         uint32_t *resumed_at)
{
    uint8_t sha[32];
    sha256(img, total, sha);
    uint32_t off = 0;
    int grc = 0, match = -1;
    for (int guard = 0; guard < 10000; guard++) {
        uint32_t n = total - off < chunk ? (uint32_t)(total - off) : chunk;
        int64_t got = send_chunk(f, img, total, sha, off, n, &grc, &match);
        if (got < 0) {
            return grc == FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED ||
                           grc == FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED
                       ? -1000
                       : -grc;
        }
        if (off == 0 && resumed_at) {
            *resumed_at = (uint32_t)got > n ? (uint32_t)got : 0;
        }
        if ((uint64_t)got == total) {
            return match;
        }
        if (guard > 9990) {
            fprintf(stderr, "off %u -> %d (grc %d)\n", off, (int)got, grc);
        }
        off = (uint32_t)got;
    }
    fail_msg("upload did not converge");
    return -1;
}

static void assert_slot1_holds(struct fx *f, const uint8_t *img, size_t len)
{
    uint32_t base = fk_boot_secondary_image_off(&f->t.map);
    assert_memory_equal(f->t.ext.mem + base, img, len);
}

static void test_upload_state_and_refusals(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 1, 3, 20000, 7, &len, hash);
    struct rsp r;
    uint8_t buf[256];
    struct fk_cbor_enc e;

    /* state read before: the running image only */
    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_STATE, NULL, &r);
    cbor_item_t *imgs = map_get(r.root, "images");
    assert_int_equal(cbor_array_size(imgs), 1);
    cbor_item_t *s0 = cbor_array_get(imgs, 0);
    char ver[32];
    bool b;
    int64_t v;
    assert_true(map_str(s0, "version", ver, sizeof ver));
    assert_string_equal(ver, "1.0.0");
    assert_true(map_int(s0, "slot", &v) && v == 0);
    assert_true(map_bool(s0, "active", &b) && b);
    assert_true(map_bool(s0, "confirmed", &b) && b);
    assert_true(map_bool(s0, "pending", &b) && !b);
    assert_true(map_bool(s0, "bootable", &b) && b);
    cbor_item_t *h = map_get(s0, "hash");
    assert_int_equal(cbor_bytestring_length(h), 32);
    assert_memory_equal(cbor_bytestring_handle(h), f->primary_hash, 32);
    cbor_decref(&s0);
    rsp_free(&r);

    /* upload with a chunk size that is not a multiple of the write size */
    assert_int_equal(client_upload(f, img, len, 1001, NULL), 1);
    assert_slot1_holds(f, img, len);

    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_STATE, NULL, &r);
    imgs = map_get(r.root, "images");
    assert_int_equal(cbor_array_size(imgs), 2);
    cbor_item_t *s1 = cbor_array_get(imgs, 1);
    assert_true(map_str(s1, "version", ver, sizeof ver));
    assert_string_equal(ver, "2.1.3");
    assert_true(map_bool(s1, "pending", &b) && !b);
    assert_true(map_bool(s1, "active", &b) && !b);
    assert_memory_equal(cbor_bytestring_handle(map_get(s1, "hash")), hash, 32);
    cbor_decref(&s1);
    rsp_free(&r);

    for (int ver_ = 0; ver_ <= 1; ver_++) {
        /* test without a hash; with a short hash; an unknown hash; the running image */
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "confirm");
        fk_cbor_bool(&e, false);
        call_enc(f, ver_, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
        expect_group_err(&r, ver_, 1, FK_IMG_MGMT_ERR_INVALID_HASH);
        rsp_free(&r);
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "hash");
        fk_cbor_bstr(&e, hash, 16);
        call_enc(f, ver_, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
        expect_group_err(&r, ver_, 1, FK_IMG_MGMT_ERR_INVALID_HASH);
        rsp_free(&r);
        uint8_t other[32];
        memset(other, 0x11, 32);
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "hash");
        fk_cbor_bstr(&e, other, 32);
        call_enc(f, ver_, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
        expect_group_err(&r, ver_, 1, FK_IMG_MGMT_ERR_HASH_NOT_FOUND);
        rsp_free(&r);
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "hash");
        fk_cbor_bstr(&e, f->primary_hash, 32);
        call_enc(f, ver_, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
        expect_group_err(&r, ver_, 1, FK_IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
        rsp_free(&r);
    }
    /* slot 0 is never erased; slot 7 does not exist */
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "slot");
    fk_cbor_uint(&e, 0);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "slot");
    fk_cbor_uint(&e, 7);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_INVALID_SLOT);
    rsp_free(&r);

    /* mark for test by hash: pending */
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 2);
    fk_cbor_tstr(&e, "confirm");
    fk_cbor_bool(&e, false);
    fk_cbor_tstr(&e, "hash");
    fk_cbor_bstr(&e, hash, 32);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
    expect_ok(&r);
    imgs = map_get(r.root, "images");
    assert_int_equal(cbor_array_size(imgs), 2);
    s1 = cbor_array_get(imgs, 1);
    assert_true(map_bool(s1, "pending", &b) && b);
    assert_true(map_bool(s1, "permanent", &b) && !b);
    cbor_decref(&s1);
    rsp_free(&r);
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_TEST);

    /* while pending: no confirm of the running image, no erase, no upload */
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "confirm");
    fk_cbor_bool(&e, true);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_IMAGE_ALREADY_PENDING);
    rsp_free(&r);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, NULL, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    rsp_free(&r);
    assert_int_equal(client_upload(f, img, len, 1024, NULL), -FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    assert_slot1_holds(f, img, len);

    /* slot info */
    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_SLOT_INFO, NULL, &r);
    cbor_item_t *i0 = cbor_array_get(map_get(r.root, "images"), 0);
    assert_true(map_int(i0, "max_image_size", &v));
    assert_int_equal(v, fk_boot_max_image_size(&f->t.map));
    assert_int_equal(cbor_array_size(map_get(i0, "slots")), 2);
    cbor_decref(&i0);
    rsp_free(&r);
    free(img);
    fx_free(f);
}

/* An imgtool-encrypted image uploads as any other and `image list` shows it
 * as MCUboot's img_mgmt does: version and the hash TLV (of the plaintext). */
static void test_upload_encrypted(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    FILE *fp = fopen(FOTAKIT_SHARED_DIR "/vectors/imgtool-ext/enc-ec256-aes128-ed25519-v2.0.0.bin", "rb");
    assert_non_null(fp);
    uint8_t *img = malloc(65536);
    size_t len = fread(img, 1, 65536, fp);
    fclose(fp);
    assert_true(len > 20000 && len < 30000);
    assert_int_equal(client_upload(f, img, len, 512, NULL), 1);
    assert_slot1_holds(f, img, len);
    struct rsp r;
    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_STATE, NULL, &r);
    cbor_item_t *imgs = map_get(r.root, "images");
    assert_int_equal(cbor_array_size(imgs), 2);
    cbor_item_t *s1 = cbor_array_get(imgs, 1);
    char ver[32];
    assert_true(map_str(s1, "version", ver, sizeof ver));
    assert_string_equal(ver, "2.0.0");
    cbor_item_t *h = map_get(s1, "hash");
    /* the SHA256 TLV sits first in the unprotected area: header 0x200 + img_size + 4 + 4 */
    uint32_t isz = (uint32_t)img[12] | (uint32_t)img[13] << 8 | (uint32_t)img[14] << 16 | (uint32_t)img[15] << 24;
    assert_int_equal(cbor_bytestring_length(h), 32);
    assert_memory_equal(cbor_bytestring_handle(h), img + 0x200 + isz + 8, 32);
    cbor_decref(&s1);
    rsp_free(&r);

    /* `image test` with a signing key ring but no decryption key (an
     * application, which never holds the bootloader's private key): header
     * and TLV bounds are checked, hash and signature are left to the
     * bootloader (without that, FK_EIMG_ENCRYPTED refused every encrypted
     * image: INVALID_TLV). */
    static const struct fk_image_keyring ring = {.keys = NULL, .count = 0};
    f->cfg.keys = &ring;
    uint8_t buf[128];
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "hash");
    fk_cbor_bstr(&e, img + 0x200 + isz + 8, 32);
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_NONE);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
    expect_ok(&r);
    rsp_free(&r);
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_TEST);
    free(img);
    fx_free(f);
}

static void test_upload_refusals(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 9000, 3, &len, hash);
    sha256(img, len, sha);
    uint8_t buf[4096];
    struct fk_cbor_enc e;
    struct rsp r;
    int grc = 0, match;

    /* bad magic */
    uint8_t *bad = malloc(len);
    memcpy(bad, img, len);
    bad[0] ^= 0xff;
    assert_int_equal(send_chunk(f, bad, len, sha, 0, 512, &grc, &match), -1);
    assert_int_equal(grc, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    /* inconsistent header: payload larger than the upload */
    memcpy(bad, img, len);
    bad[14] = 0x10;
    assert_int_equal(send_chunk(f, bad, len, sha, 0, 512, &grc, &match), -1);
    assert_int_equal(grc, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    /* header not whole in the first chunk */
    assert_int_equal(send_chunk(f, img, len, sha, 0, 20, &grc, &match), -1);
    assert_int_equal(grc, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    /* too large for the slot */
    size_t big_len;
    uint8_t big_hash[32];
    uint8_t *big = make_image(2, 0, 0, 60000, 4, &big_len, big_hash);
    assert_int_equal(send_chunk(f, big, big_len, sha, 0, 512, &grc, &match), -1);
    assert_int_equal(grc, FK_IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
    free(big);
    /* more data than len */
    assert_int_equal(send_chunk(f, img, 100, sha, 0, 512, &grc, &match), -1);
    assert_int_equal(grc, FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    /* missing off / len, bad image number, over-long sha */
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, img, 64);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_INVALID_OFFSET);
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 2);
    fk_cbor_tstr(&e, "off");
    fk_cbor_uint(&e, 0);
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, img, 64);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_INVALID_LENGTH);
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 4);
    fk_cbor_tstr(&e, "image");
    fk_cbor_uint(&e, 1);
    fk_cbor_tstr(&e, "off");
    fk_cbor_uint(&e, 0);
    fk_cbor_tstr(&e, "len");
    fk_cbor_uint(&e, len);
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, img, 64);
    call_enc(f, 0, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 0, 1, FK_IMG_MGMT_ERR_INVALID_SLOT);
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 4);
    fk_cbor_tstr(&e, "off");
    fk_cbor_uint(&e, 0);
    fk_cbor_tstr(&e, "len");
    fk_cbor_uint(&e, len);
    fk_cbor_tstr(&e, "sha");
    fk_cbor_bstr(&e, buf + 1000, 33);
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, img, 64);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_INVALID_HASH);
    rsp_free(&r);
    /* upgrade-only refuses an older (or equal) version */
    size_t old_len;
    uint8_t old_hash[32], old_sha[32];
    uint8_t *old = make_image(1, 0, 0, 3000, 5, &old_len, old_hash);
    sha256(old, old_len, old_sha);
    chunk_enc(&e, buf, sizeof buf, old, old_len, old_sha, 0, 512, true);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER);
    rsp_free(&r);
    free(old);
    /* nothing was written by any refusal */
    assert_int_equal(f->t.ext.prog_calls, 0);
    /* a valid upload still works; a chunk past the end is an overrun */
    uint32_t off = 0;
    while (len - off > 1500) {
        int64_t got = send_chunk(f, img, len, sha, off, 1500, &grc, &match);
        assert_int_equal(got, off + 1500);
        off += 1500;
    }
    uint8_t *tmp = calloc(1, 2000);
    uint8_t enc[2100];
    fk_cbor_enc_init(&e, enc, sizeof enc);
    fk_cbor_map(&e, 2);
    fk_cbor_tstr(&e, "off");
    fk_cbor_uint(&e, off);
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, tmp, len - off + 1);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    rsp_free(&r);
    free(tmp);
    /* the session survived the bad chunk */
    int64_t got = send_chunk(f, img, len, sha, off, (uint32_t)(len - off), &grc, &match);
    assert_int_equal(got, (int64_t)len);
    assert_int_equal(match, 1);
    assert_slot1_holds(f, img, len);
    free(bad);
    free(img);
    fx_free(f);
}

static void test_upload_pipelining(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(3, 0, 0, 12000, 9, &len, hash);
    sha256(img, len, sha);
    int grc, match;
    const uint32_t C = 700;
    assert_int_equal(send_chunk(f, img, len, sha, 0, C, &grc, &match), C);
    /* a window of chunks arriving out of order: 2C first, then C, dup of C,
     * then an overlapping one */
    assert_int_equal(send_chunk(f, img, len, sha, 2 * C, C, &grc, &match), C);
    assert_int_equal(send_chunk(f, img, len, sha, C, C, &grc, &match), 2 * C);
    assert_int_equal(send_chunk(f, img, len, sha, C, C, &grc, &match), 2 * C);
    assert_int_equal(send_chunk(f, img, len, sha, 2 * C - 10, C, &grc, &match), 2 * C);
    assert_int_equal(send_chunk(f, img, len, sha, 3 * C, C, &grc, &match), 2 * C);
    assert_int_equal(send_chunk(f, img, len, sha, 2 * C, C, &grc, &match), 3 * C);
    /* a window of 5 in flight, the third lost: the rest answered with 6C */
    uint32_t off = 3 * C;
    int64_t answers[5];
    for (int i = 0; i < 5; i++) {
        if (i == 2) {
            answers[i] = -2;
            continue;
        }
        answers[i] = send_chunk(f, img, len, sha, off + (uint32_t)i * C, C, &grc, &match);
    }
    assert_int_equal(answers[0], 4 * C);
    assert_int_equal(answers[1], 5 * C);
    assert_int_equal(answers[3], 5 * C);
    assert_int_equal(answers[4], 5 * C);
    assert_true(f->srv.stats.upload_rewinds >= 5);
    /* the client rewinds to 5C and finishes */
    off = 5 * C;
    while (off < len) {
        uint32_t n = len - off < C ? (uint32_t)(len - off) : C;
        off = (uint32_t)send_chunk(f, img, len, sha, off, n, &grc, &match);
    }
    assert_int_equal(match, 1);
    assert_slot1_holds(f, img, len);
    free(img);
    fx_free(f);
}

static void test_progressive_erase(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    /* a dirty secondary: stale data everywhere */
    memset(f->t.ext.mem, 0x00, f->t.ext.dev.size);
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(3, 0, 0, 40000, 11, &len, hash);
    sha256(img, len, sha);
    int grc, match;
    const uint32_t es = 4096, C = 1024;
    uint32_t base = fk_boot_secondary_image_off(&f->t.map);
    /* first chunk: the record sector, the trailer sector and one data sector,
     * not the slot */
    assert_int_equal(send_chunk(f, img, len, sha, 0, C, &grc, &match), C);
    assert_int_equal(f->t.ext.erase_calls, 3);
    uint32_t off = C;
    while (off < len) {
        uint32_t n = len - off < C ? (uint32_t)(len - off) : C;
        off = (uint32_t)send_chunk(f, img, len, sha, off, n, &grc, &match);
        /* erased just ahead: the sectors the data reached so far */
        uint32_t data_sectors = (off + es - 1) / es;
        uint32_t extra = off == len ? 1 : 0; /* the record is cleared at the end */
        assert_int_equal(f->t.ext.erase_calls, 2 + data_sectors + extra);
    }
    assert_int_equal(match, 1);
    assert_slot1_holds(f, img, len);
    /* the header sector before the image and the sectors past it untouched */
    assert_int_equal(f->t.ext.sector_erases[0], 0);
    assert_int_equal(f->t.ext.mem[0], 0x00);
    /* no sector erased twice */
    for (uint32_t s = 0; s < f->t.ext.dev.size / es; s++) {
        assert_true(f->t.ext.sector_erases[s] <= 2);
    }
    /* the record sector was cleared: erased and nothing behind the image
     * claims a session */
    (void)base;
    free(img);
    fx_free(f);
}

static void test_resume_ram_and_reset(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(4, 0, 0, 30000, 13, &len, hash);
    sha256(img, len, sha);
    int grc, match;
    const uint32_t C = 1000;
    uint32_t off = 0;
    while (off < 14000) {
        off = (uint32_t)send_chunk(f, img, len, sha, off, C, &grc, &match);
    }
    /* link dropped; the client starts over with the same sha: resumed in RAM */
    assert_int_equal(send_chunk(f, img, len, sha, 0, C, &grc, &match), off);
    assert_int_equal(f->srv.stats.upload_resumes, 1);

    /* device reset: a new server over the same flash */
    struct fk_smp_server s2;
    assert_int_equal(fk_smp_init(&s2, &f->cfg), FK_OK);
    f->srv = s2;
    /* a continuation first: no session, the server asks for off 0 */
    assert_int_equal(send_chunk(f, img, len, sha, off, C, &grc, &match), 0);
    int64_t resumed = send_chunk(f, img, len, sha, 0, C, &grc, &match);
    /* resumed at a sector boundary the markers vouch for, not from scratch */
    assert_true(resumed > 0);
    assert_true(resumed <= off);
    assert_int_equal(resumed % 4096, 0);
    assert_true(resumed >= 8192);
    off = (uint32_t)resumed;
    while (off < len) {
        uint32_t n = len - off < C ? (uint32_t)(len - off) : C;
        off = (uint32_t)send_chunk(f, img, len, sha, off, n, &grc, &match);
    }
    assert_int_equal(match, 1);
    assert_slot1_holds(f, img, len);

    /* after completion the record is gone: the same sha starts from 0 */
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    assert_int_equal(send_chunk(f, img, len, sha, 0, C, &grc, &match), C);
    /* and a different image after a reset never resumes the old one */
    fk_smp_forget_upload(&f->srv);
    size_t len2;
    uint8_t h2[32], sha2[32];
    uint8_t *img2 = make_image(4, 0, 1, 30000, 14, &len2, h2);
    sha256(img2, len2, sha2);
    assert_int_equal(send_chunk(f, img2, len2, sha2, 0, C, &grc, &match), C);
    free(img2);
    free(img);
    fx_free(f);
}

/* Power cut at every flash operation of an upload: after the "reboot" the
 * same client resumes (or restarts) and always ends with the exact image;
 * the primary slot is never touched. */
static void test_power_cut_sweep(void **state)
{
    (void)state;
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(5, 0, 0, 18000, 17, &len, hash);
    /* count the operations of an undisturbed upload */
    struct fx *f = fx_new(0);
    assert_int_equal(client_upload(f, img, len, 900, NULL), 1);
    long ops = (long)(f->t.ext.prog_calls + f->t.ext.erase_calls);
    fx_free(f);
    assert_true(ops > 20);
    unsigned resumed_some = 0;
    for (long k = 0; k < ops; k++) {
        f = fx_new(0);
        f->t.ext.cut_after = k;
        int rc = client_upload(f, img, len, 900, NULL);
        assert_int_equal(rc, -1000); /* cut: answered with a flash error */
        /* reboot */
        f->t.ext.cut_after = -1;
        assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
        uint32_t resumed_at = 0;
        assert_int_equal(client_upload(f, img, len, 900, &resumed_at), 1);
        resumed_some += resumed_at > 0;
        assert_slot1_holds(f, img, len);
        fx_free(f);
    }
    assert_true(resumed_some > 0);
    free(img);
}


/* Erase: the whole slot, in one erase call, every sector once, also when it
 * already reads erased (a torn erase reads erased too); the slot then lists
 * nothing. */
static void test_erase_command(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 20000, 23, &len, hash);
    assert_int_equal(client_upload(f, img, len, 1500, NULL), 1);
    struct rsp r;
    uint32_t e0 = f->t.ext.erase_calls, ns = f->t.ext.dev.size / 4096;
    uint32_t *before = malloc(ns * sizeof *before);
    memcpy(before, f->t.ext.sector_erases, ns * sizeof *before);
    call_enc(f, 0, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, NULL, &r);
    expect_ok(&r);
    rsp_free(&r);
    assert_int_equal(f->t.ext.erase_calls - e0, 1);
    for (uint32_t i = 0; i < ns; i++) {
        assert_int_equal(f->t.ext.sector_erases[i] - before[i], 1);
    }
    for (uint32_t i = 0; i < f->t.ext.dev.size; i++) {
        assert_int_equal(f->t.ext.mem[i], 0xff);
    }
    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_STATE, NULL, &r);
    assert_int_equal(cbor_array_size(map_get(r.root, "images")), 1);
    rsp_free(&r);
    e0 = f->t.ext.erase_calls;
    memcpy(before, f->t.ext.sector_erases, ns * sizeof *before);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, NULL, &r);
    expect_ok(&r);
    rsp_free(&r);
    assert_int_equal(f->t.ext.erase_calls - e0, 1);
    for (uint32_t i = 0; i < ns; i++) {
        assert_int_equal(f->t.ext.sector_erases[i] - before[i], 1);
    }
    free(before);
    free(img);
    fx_free(f);
}

/* The secondary's chip does not answer: uploads and erase are refused with
 * the flash layer's explanation, everything else keeps working. */
static void test_secondary_down(void **state)
{
    (void)state;
    struct fx *f = fx_new(FK_SMP_F_RSN_V2);
    f->t.ext.dev.state = FK_DEV_FAILED;
    snprintf(f->t.ext.dev.why, sizeof f->t.ext.dev.why, "JEDEC ID read ff ff ff");
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 5000, 24, &len, hash);
    sha256(img, len, sha);
    uint8_t buf[2100];
    struct fk_cbor_enc e;
    struct rsp r;
    char rsn[200];
    chunk_enc(&e, buf, sizeof buf, img, len, sha, 0, 1000, false);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_UPLOAD, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED);
    assert_true(map_str(r.root, "rsn", rsn, sizeof rsn));
    assert_non_null(strstr(rsn, "external"));
    rsp_free(&r);
    call_enc(f, 0, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, NULL, &r);
    expect_group_err(&r, 0, 1, FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED);
    rsp_free(&r);
    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_STATE, NULL, &r);
    assert_int_equal(cbor_array_size(map_get(r.root, "images")), 1);
    rsp_free(&r);
    free(img);
    fx_free(f);
}

/* Without FK_SMP_F_RSN_V2 a v2 group error is exactly Zephyr's {"err"}; the
 * reason is there for the asking in fotakit's group (fotakit's client asks). */
static void test_last_reason(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    struct rsp r;
    int64_t v;
    char rsn[200];
    /* nothing failed yet: an empty map */
    call_enc(f, 1, FK_SMP_OP_READ, FK_SMP_GROUP_FOTAKIT, FK_SMP_FK_LAST_REASON, NULL, &r);
    expect_ok(&r);
    assert_int_equal(cbor_map_size(r.root), 0);
    rsp_free(&r);
    f->t.ext.dev.state = FK_DEV_FAILED;
    snprintf(f->t.ext.dev.why, sizeof f->t.ext.dev.why, "JEDEC ID read ff ff ff");
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 5000, 24, &len, hash);
    sha256(img, len, sha);
    uint8_t buf[2100], req[2200];
    struct fk_cbor_enc e;
    chunk_enc(&e, buf, sizeof buf, img, len, sha, 0, 1000, false);
    size_t n = make_req(req, 1, FK_SMP_OP_WRITE, 1, 0x5a, FK_SMP_IMG_UPLOAD, e.buf, e.len);
    call(f, req, n, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED);
    assert_false(map_str(r.root, "rsn", rsn, sizeof rsn)); /* Zephyr's bare form */
    rsp_free(&r);
    call_enc(f, 1, FK_SMP_OP_READ, FK_SMP_GROUP_FOTAKIT, FK_SMP_FK_LAST_REASON, NULL, &r);
    expect_ok(&r);
    assert_int_equal(cbor_map_size(r.root), 5);
    assert_true(map_int(r.root, "seq", &v) && v == 0x5a);
    assert_true(map_int(r.root, "group", &v) && v == FK_SMP_GROUP_IMAGE);
    assert_true(map_int(r.root, "id", &v) && v == FK_SMP_IMG_UPLOAD);
    assert_true(map_int(r.root, "code", &v) && v == FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED);
    assert_true(map_str(r.root, "rsn", rsn, sizeof rsn));
    assert_string_equal(rsn, "mcuboot_secondary: device external (RAM NOR (test)) is not ready: JEDEC "
                             "ID read ff ff ff; is the chip powered and its bus driver built into "
                             "this image?");
    rsp_free(&r);
    /* other commands of the group: not supported, with a reason */
    call_enc(f, 1, FK_SMP_OP_WRITE, FK_SMP_GROUP_FOTAKIT, FK_SMP_FK_LAST_REASON, NULL, &r);
    expect_mgmt_err(&r, FK_MGMT_ERR_ENOTSUP);
    rsp_free(&r);
    free(img);
    fx_free(f);
}

/* Mutated requests (captured packets, valid upload chunks, state writes):
 * every one with a header is answered with well-formed CBOR, nothing
 * crashes (ASan/UBSan in the asan preset), the primary stays untouched. */
static void test_mutation_fuzz(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    uint8_t *pkts[64];
    size_t lens[64], np = 0;
    for (size_t v = 0; v < sizeof vectors / sizeof *vectors; v++) {
        char path[512];
        snprintf(path, sizeof path, VEC "%s.hex", vectors[v]);
        np += read_hex_lines(path, pkts + np, lens + np, 64 - np);
    }
    /* seeds of our own: upload chunks of a real image, state/erase/info */
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 6000, 25, &len, hash);
    sha256(img, len, sha);
    for (uint32_t off = 0; off < len && np < 60; off += 1500) {
        uint8_t buf[2100];
        struct fk_cbor_enc e;
        uint32_t n = len - off < 1500 ? (uint32_t)(len - off) : 1500;
        chunk_enc(&e, buf, sizeof buf, img, len, sha, off, n, false);
        pkts[np] = malloc(e.len + 8);
        lens[np] = make_req(pkts[np], 1, FK_SMP_OP_WRITE, 1, 0, FK_SMP_IMG_UPLOAD, buf, e.len);
        np++;
    }
    static const uint8_t st[] = {0xa2, 0x64, 'h', 'a', 's', 'h', 0x42, 1, 2,
                                 0x67, 'c', 'o', 'n', 'f', 'i', 'r', 'm', 0xf5};
    pkts[np] = malloc(sizeof st + 8);
    lens[np] = make_req(pkts[np], 1, FK_SMP_OP_WRITE, 1, 0, FK_SMP_IMG_STATE, st, sizeof st);
    np++;
    static uint8_t m[2200], out[RSP_CAP];
    uint32_t x = 99;
    unsigned answered = 0;
    for (int round = 0; round < 30000; round++) {
        x = x * 1664525u + 1013904223u;
        size_t k = (x >> 8) % np;
        size_t n = lens[k];
        memcpy(m, pkts[k], n);
        int flips = 1 + (int)((x >> 20) % 4);
        for (int i = 0; i < flips; i++) {
            x = x * 1664525u + 1013904223u;
            size_t at = (x >> 4) % n;
            switch ((x >> 28) & 3) {
            case 0:
                m[at] ^= (uint8_t)(1u << ((x >> 16) & 7));
                break;
            case 1:
                m[at] = (uint8_t)(x >> 12);
                break;
            case 2:
                n = at + 1; /* truncate */
                break;
            default:
                m[at] = (uint8_t)(0x5f + ((x >> 13) % 4) * 0x20); /* indefinite heads */
                break;
            }
        }
        if (n >= 8 && (round & 1)) {
            /* keep the header's length honest half the time so payloads get parsed */
            m[2] = (uint8_t)((n - 8) >> 8);
            m[3] = (uint8_t)(n - 8);
            m[0] &= (uint8_t)~0x01; /* a request op */
        }
        size_t ol;
        int rc = fk_smp_handle(&f->srv, m, n, out, sizeof out, &ol);
        if (n < 8) {
            assert_int_equal(rc, FK_ESMP_SHORT);
            continue;
        }
        assert_int_equal(rc, FK_OK);
        if ((m[0] & 7) != 0 && (m[0] & 7) != 2) {
            assert_int_equal(ol, 0);
            continue;
        }
        struct rsp r;
        if (!rsp_parse(&r, out, ol)) {
            fprintf(stderr, "req:");
            for (size_t i = 0; i < n; i++) {
                fprintf(stderr, "%02x", m[i]);
            }
            fprintf(stderr, "\nrsp:");
            for (size_t i = 0; i < ol; i++) {
                fprintf(stderr, "%02x", out[i]);
            }
            fprintf(stderr, "\n");
            fail();
        }
        assert_true(cbor_isa_map(r.root));
        rsp_free(&r);
        fk_smp_sent(&f->srv);
        answered++;
    }
    assert_true(answered > 10000);
    free_pkts(pkts, np);
    free(img);
    fx_free(f);
}

/* The whole cycle with fotakit's bootloader: upload, test, swap (the old
 * image moves to secondary offset 0), the flags Zephyr reports while a
 * revert is due, confirm, and the next upload. */
static void boot_now(struct fx *f)
{
    static const struct fk_image_keyring ring = {.keys = NULL, .count = 0, .allow_hash_only = true};
    struct fk_boot_config bc = {.map = &f->t.map, .keys = &ring, .strategy = FK_BOOT_STRATEGY_SWAP};
    struct fk_boot_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&bc, &rsp), FK_OK);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK); /* application RAM starts afresh */
}

static void slot_flags(struct fx *f, int slot, const uint8_t *hash, bool pending, bool confirmed,
                       bool active)
{
    struct rsp r;
    call_enc(f, 1, FK_SMP_OP_READ, 1, FK_SMP_IMG_STATE, NULL, &r);
    cbor_item_t *imgs = map_get(r.root, "images");
    bool seen = false;
    for (size_t i = 0; i < cbor_array_size(imgs); i++) {
        cbor_item_t *it = cbor_array_get(imgs, i);
        int64_t sl;
        bool b;
        assert_true(map_int(it, "slot", &sl));
        if (sl == slot) {
            seen = true;
            assert_memory_equal(cbor_bytestring_handle(map_get(it, "hash")), hash, 32);
            assert_true(map_bool(it, "pending", &b) && b == pending);
            assert_true(map_bool(it, "confirmed", &b) && b == confirmed);
            assert_true(map_bool(it, "active", &b) && b == active);
        }
        cbor_decref(&it);
    }
    assert_true(seen);
    rsp_free(&r);
}

/* Upload an image into slot 1 and mark it for a test swap. */
static void upload_and_test(struct fx *f, const uint8_t *img, size_t len, const uint8_t hash[32])
{
    uint8_t buf[128];
    struct fk_cbor_enc e;
    struct rsp r;
    assert_int_equal(client_upload(f, img, len, 1500, NULL), 1);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "hash");
    fk_cbor_bstr(&e, hash, 32);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
    expect_ok(&r);
    rsp_free(&r);
}

static void test_full_cycle_with_boot(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len;
    uint8_t hash[32];
    uint8_t *img = make_image(2, 0, 0, 15000, 21, &len, hash);
    uint8_t buf[128];
    struct fk_cbor_enc e;
    struct rsp r;
    upload_and_test(f, img, len, hash);
    slot_flags(f, 1, hash, true, false, false);

    /* reset: the bootloader swaps; the new image runs on test */
    memcpy(f->primary_copy, f->t.in.mem, f->t.in.dev.size);
    boot_now(f);
    memcpy(f->primary_copy, f->t.in.mem, f->t.in.dev.size); /* the boot may write the primary */
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_REVERT);
    slot_flags(f, 0, hash, false, false, true);
    slot_flags(f, 1, f->primary_hash, false, true, false);
    /* slot 1 holds what a revert restores: no upload, no erase, no test */
    assert_int_equal(client_upload(f, img, len, 1500, NULL), -FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_ERASE, NULL, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_NO_FREE_SLOT);
    rsp_free(&r);
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 1);
    fk_cbor_tstr(&e, "hash");
    fk_cbor_bstr(&e, f->primary_hash, 32);
    call_enc(f, 1, FK_SMP_OP_WRITE, 1, FK_SMP_IMG_STATE, &e, &r);
    expect_group_err(&r, 1, 1, FK_IMG_MGMT_ERR_IMAGE_ALREADY_PENDING);
    rsp_free(&r);

    /* confirm the running image without a hash, as the Go mcumgr CLI sends
     * `image confirm`: v1 write, group 1, id 0, {"hash": null, "confirm": true}.
     * The revert is off. */
    static const uint8_t mcumgr_confirm[] = {
        0x02, 0x00, 0x00, 0x10, 0x00, 0x01, 0x07, 0x00, /* header: len 16, seq 7 */
        0xa2, 0x64, 'h', 'a', 's', 'h', 0xf6,          /* "hash": null */
        0x67, 'c', 'o', 'n', 'f', 'i', 'r', 'm', 0xf5, /* "confirm": true */
    };
    call(f, mcumgr_confirm, sizeof mcumgr_confirm, &r);
    expect_ok(&r);
    assert_int_equal(r.hdr.seq, 7);
    rsp_free(&r);
    memcpy(f->primary_copy, f->t.in.mem, f->t.in.dev.size);
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_NONE);
    slot_flags(f, 0, hash, false, true, true);
    slot_flags(f, 1, f->primary_hash, false, false, false);

    /* the next upload is accepted again, and the old image's sector 0 copy
     * does not confuse the listing once the new one is complete */
    size_t len3;
    uint8_t hash3[32];
    uint8_t *img3 = make_image(3, 0, 0, 9000, 22, &len3, hash3);
    assert_int_equal(client_upload(f, img3, len3, 1500, NULL), 1);
    slot_flags(f, 1, hash3, false, false, false);
    free(img3);
    free(img);
    fx_free(f);
}


/* Serial recovery (FK_SMP_F_RECOVERY): the upload goes to the primary at 0,
 * nothing is "active", and the next boot starts the recovered image without
 * a swap, even when the trailers said a revert was due and the secondary
 * kept the swap's begin record (which alone means "start the swap over"). */
static void test_recovery_upload(void **state)
{
    (void)state;
    struct fx *f = fx_new(0);
    size_t len2, len3;
    uint8_t hash2[32], hash3[32];
    uint8_t *img2 = make_image(2, 0, 0, 15000, 31, &len2, hash2);
    uint8_t *img3 = make_image(3, 1, 0, 11000, 32, &len3, hash3);
    /* the application installs v2 on test; the bootloader swaps it in */
    upload_and_test(f, img2, len2, hash2);
    boot_now(f);
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_REVERT);

    /* reset into recovery: the bootloader serves SMP itself */
    f->cfg.flags |= FK_SMP_F_RECOVERY;
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    slot_flags(f, 0, hash2, false, false, false); /* nothing runs: not active */
    assert_int_equal(client_upload(f, img3, len3, 700, NULL), 1);
    assert_memory_equal(f->t.in.mem, img3, len3); /* primary slot, offset 0 */
    slot_flags(f, 0, hash3, false, true, false);
    assert_int_equal(fk_boot_swap_type(&f->t.map), FK_SWAP_NONE);
    /* the secondary's image is kept, only its trailer went */
    uint32_t off1;
    assert_int_equal(fk_boot_secondary_find(&f->t.map, &off1), FK_OK);

    /* normal boot: v3 starts, nothing swapped */
    static const struct fk_image_keyring ring = {.keys = NULL, .count = 0, .allow_hash_only = true};
    struct fk_boot_config bc = {.map = &f->t.map, .keys = &ring, .strategy = FK_BOOT_STRATEGY_SWAP};
    struct fk_boot_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&bc, &rsp), FK_OK);
    assert_int_equal(rsp.reason, FK_BOOT_R_NONE);
    assert_false(rsp.resumed);
    assert_int_equal(rsp.stats.units, 0);
    assert_int_equal(rsp.off, 0);
    assert_int_equal(rsp.hdr.ver.major, 3);
    assert_int_equal(rsp.hdr.ver.minor, 1);
    assert_memory_equal(f->t.in.mem, img3, len3);

    /* a corrupt upload (wrong sha) is answered "match": false, and the boot
     * refuses the image: recovery never makes a bad image bootable */
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    img2[100] ^= 1; /* payload byte: the SHA256 TLV no longer matches */
    assert_int_equal(client_upload(f, img2, len2, 1500, NULL), 1);
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&bc, &rsp), FK_EBOOT_NOIMAGE);
    assert_int_equal(rsp.reason, FK_BOOT_R_NO_IMAGE);

    memcpy(f->primary_copy, f->t.in.mem, f->t.in.dev.size);
    free(img2);
    free(img3);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_conforming),
        cmocka_unit_test(test_vectors_no_header_check),
        cmocka_unit_test(test_vectors_real_image),
        cmocka_unit_test(test_smp_level_errors),
        cmocka_unit_test(test_os_group),
        cmocka_unit_test(test_upload_state_and_refusals),
        cmocka_unit_test(test_upload_refusals),
        cmocka_unit_test(test_upload_encrypted),
        cmocka_unit_test(test_upload_pipelining),
        cmocka_unit_test(test_progressive_erase),
        cmocka_unit_test(test_resume_ram_and_reset),
        cmocka_unit_test(test_power_cut_sweep),
        cmocka_unit_test(test_full_cycle_with_boot),
        cmocka_unit_test(test_recovery_upload),
        cmocka_unit_test(test_erase_command),
        cmocka_unit_test(test_secondary_down),
        cmocka_unit_test(test_last_reason),
        cmocka_unit_test(test_mutation_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
