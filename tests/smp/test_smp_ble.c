/* SMP over BLE (fotakit/smp_ble.h): reassembly and fragmentation at ATT_MTU
 * 23, 185, 247, 498 and 517 with packet sizes around every boundary, the
 * receive-buffer queue, notify retry, disconnects mid-packet and mid-upload
 * (then resume), MTU changes, and hostile writes. A fake BLE stack records
 * every notification; answers are decoded with libcbor. */
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
#include "fotakit/smp_ble.h"
#include "smp_test_util.h"

#define BUF_SIZE 2048
#define BUF_COUNT 4
#define NOTE_MAX 4096

/* The fake stack: MTU per connection, a notification log, a queue limit. */
struct stack {
    uint16_t mtu;
    unsigned room;       /* notifications the stack still accepts (refill by sent()) */
    bool unlimited;
    int hard_error;      /* notify returns this (0: none) */
    unsigned disconnects;
    uint16_t disc_conn;
    /* notifications, in order */
    uint8_t *data[NOTE_MAX];
    size_t len[NOTE_MAX];
    uint16_t conn[NOTE_MAX];
    unsigned n;
};

struct fx {
    struct testdev t;
    struct fk_smp_config cfg;
    struct fk_smp_server srv;
    uint8_t bufs[BUF_SIZE * BUF_COUNT];
    uint8_t rsp[BUF_SIZE];
    struct fk_smp_ble ble;
    struct stack st;
    int resets;
    uint8_t *img;
    size_t img_len;
};

static int st_notify(void *ctx, uint16_t conn, const uint8_t *data, size_t len)
{
    struct stack *s = ctx;
    if (s->hard_error) {
        return s->hard_error;
    }
    /* the transport must never exceed ATT_MTU - 3 */
    assert_true(len >= 1 && len <= (size_t)s->mtu - 3);
    if (!s->unlimited) {
        if (!s->room) {
            return FK_EBUSY;
        }
        s->room--;
    }
    assert_true(s->n < NOTE_MAX);
    s->data[s->n] = malloc(len);
    memcpy(s->data[s->n], data, len);
    s->len[s->n] = len;
    s->conn[s->n] = conn;
    s->n++;
    return FK_OK;
}

static uint16_t st_mtu(void *ctx, uint16_t conn)
{
    (void)conn;
    return ((struct stack *)ctx)->mtu;
}

static void st_disconnect(void *ctx, uint16_t conn)
{
    struct stack *s = ctx;
    s->disconnects++;
    s->disc_conn = conn;
}

static void st_clear(struct stack *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        free(s->data[i]);
    }
    s->n = 0;
}

static void on_reset(void *ctx)
{
    ((struct fx *)ctx)->resets++;
}

static struct fx *fx_new_flags(uint16_t mtu, uint32_t flags);
static struct fx *fx_new(uint16_t mtu)
{
    return fx_new_flags(mtu, 0);
}

static void ble_init(struct fx *f)
{
    struct fk_smp_ble_cfg bc = {
        .srv = &f->srv, .bufs = f->bufs, .buf_size = BUF_SIZE, .buf_count = BUF_COUNT,
        .rsp = f->rsp, .rsp_cap = sizeof f->rsp,
        .ops = {.notify = st_notify, .mtu = st_mtu, .disconnect = st_disconnect, .ctx = &f->st},
    };
    assert_int_equal(fk_smp_ble_init(&f->ble, &bc), FK_OK);
}

static struct fx *fx_new_flags(uint16_t mtu, uint32_t flags)
{
    struct fx *f = calloc(1, sizeof *f);
    testdev_init(&f->t);
    uint8_t hash[32];
    f->img = make_image(1, 0, 0, 5000, 1, &f->img_len, hash);
    testdev_flash_primary(&f->t, f->img, f->img_len);
    f->cfg = (struct fk_smp_config){.map = &f->t.map, .buf_size = BUF_SIZE, .buf_count = BUF_COUNT,
                                    .flags = flags, .reset = on_reset, .ctx = f};
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    f->st.mtu = mtu;
    f->st.unlimited = true;
    ble_init(f);
    return f;
}

static void fx_free(struct fx *f)
{
    st_clear(&f->st);
    free(f->img);
    testdev_free(&f->t);
    free(f);
}

/* Write one packet as the client does: chunks of `piece` bytes (0: MTU-3). */
static void write_pkt(struct fx *f, uint16_t conn, const uint8_t *p, size_t len, size_t piece)
{
    size_t w = piece ? piece : (size_t)f->st.mtu - 3;
    for (size_t off = 0; off < len; off += w) {
        size_t n = len - off < w ? len - off : w;
        assert_int_equal(fk_smp_ble_write(&f->ble, conn, p + off, n), FK_OK);
    }
}

static void run_all(struct fx *f)
{
    for (int i = 0; i < 100 && fk_smp_ble_process(&f->ble) > 0; i++) {
    }
}

/* Reassemble the notifications from index `from` into answers by their SMP
 * header length, checking fragment sizes: every fragment but an answer's
 * last is exactly mtu - 3. Returns the number of answers; their bytes land
 * in out[i] (malloc'd) / olen[i]. */
static unsigned collect(struct fx *f, unsigned from, uint8_t **out, size_t *olen, unsigned max,
                        uint16_t mtu)
{
    unsigned k = 0;
    size_t need = 0, have = 0;
    uint8_t *cur = NULL;
    for (unsigned i = from; i < f->st.n; i++) {
        if (!cur) {
            assert_true(f->st.len[i] >= 8);
            need = 8 + ((size_t)f->st.data[i][2] << 8 | f->st.data[i][3]);
            cur = malloc(need);
            have = 0;
        }
        assert_true(have + f->st.len[i] <= need);
        memcpy(cur + have, f->st.data[i], f->st.len[i]);
        have += f->st.len[i];
        if (have < need) {
            assert_int_equal(f->st.len[i], mtu - 3);
        } else {
            assert_true(k < max);
            out[k] = cur;
            olen[k] = need;
            k++;
            cur = NULL;
        }
    }
    assert_null(cur); /* no half answer left */
    return k;
}

/* An echo request of exactly `total` bytes (header included). */
static size_t echo_req(uint8_t *out, size_t total, uint8_t seq, char *text)
{
    for (size_t n = total > 16 ? total - 16 : 0; n <= total; n++) {
        uint8_t pay[BUF_SIZE];
        struct fk_cbor_enc e;
        memset(text, 'a' + seq % 26, n);
        text[n] = 0;
        fk_cbor_enc_init(&e, pay, sizeof pay);
        fk_cbor_map(&e, 1);
        fk_cbor_tstr(&e, "d");
        fk_cbor_tstr(&e, text);
        if (!e.overflow && 8 + e.len == total) {
            return make_req(out, 1, FK_SMP_OP_WRITE, 0, seq, FK_SMP_OS_ECHO, pay, e.len);
        }
    }
    fail_msg("no echo request of %zu bytes", total);
    return 0;
}

static void expect_echo(const uint8_t *a, size_t alen, uint8_t seq, const char *text)
{
    struct rsp r;
    assert_true(rsp_parse(&r, a, alen));
    assert_int_equal(r.hdr.op, FK_SMP_OP_WRITE_RSP);
    assert_int_equal(r.hdr.seq, seq);
    char got[BUF_SIZE];
    assert_true(map_str(r.root, "r", got, sizeof got));
    assert_string_equal(got, text);
    rsp_free(&r);
}

static void expect_mgmt(const uint8_t *a, size_t alen, uint8_t seq, int code)
{
    struct rsp r;
    assert_true(rsp_parse(&r, a, alen));
    assert_int_equal(r.hdr.seq, seq);
    int rc, g, grc;
    rsp_err(&r, &rc, &g, &grc);
    assert_int_equal(rc, code);
    rsp_free(&r);
}

static void free_answers(uint8_t **a, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        free(a[i]);
    }
}

static void test_uuids(void **state)
{
    (void)state;
    static const uint8_t svc[16] = FK_SMP_BLE_SVC_UUID_LE, chr[16] = FK_SMP_BLE_CHR_UUID_LE;
    const char *strs[2] = {FK_SMP_BLE_SVC_UUID_STR, FK_SMP_BLE_CHR_UUID_STR};
    const uint8_t *le[2] = {svc, chr};
    for (int u = 0; u < 2; u++) {
        uint8_t be[16];
        unsigned k = 0;
        for (const char *p = strs[u]; *p; p++) {
            if (*p == '-') {
                continue;
            }
            unsigned v;
            assert_int_equal(sscanf(p, "%2x", &v), 1);
            be[k++] = (uint8_t)v;
            p++;
        }
        assert_int_equal(k, 16);
        for (int i = 0; i < 16; i++) {
            assert_int_equal(le[u][i], be[15 - i]);
        }
    }
    assert_string_equal(FK_SMP_BLE_SVC_UUID_STR, "8D53DC1D-1DB7-4CD3-868B-8A527460AA84");
    assert_string_equal(FK_SMP_BLE_CHR_UUID_STR, "DA2E7828-FBCE-4E01-AE9E-261174997C48");
}

/* Echo packets of sizes around every multiple of MTU-3 up to the buffer
 * size, written in MTU-3 pieces and in odd pieces (a header split over
 * writes), answered in MTU-3 notifications. */
static void test_boundaries(void **state)
{
    (void)state;
    static const uint16_t mtus[] = {23, 185, 247, 498, 517};
    char text[BUF_SIZE];
    uint8_t req[BUF_SIZE];
    for (size_t m = 0; m < sizeof mtus / sizeof mtus[0]; m++) {
        struct fx *f = fx_new(mtus[m]);
        size_t p = mtus[m] - 3u;
        unsigned answers = 0;
        for (size_t k = 1; k * p <= BUF_SIZE + p; k++) {
            for (int d = -1; d <= 1; d++) {
                size_t total = k * p + (size_t)(long)d;
                if (total < 20 || total > BUF_SIZE) {
                    continue;
                }
                for (int style = 0; style < 2; style++) {
                    uint8_t seq = (uint8_t)(answers + 1);
                    size_t len = echo_req(req, total, seq, text);
                    assert_int_equal(len, total);
                    unsigned from = f->st.n;
                    /* style 1: pieces of 5 then the rest (header across writes) */
                    if (style) {
                        assert_int_equal(fk_smp_ble_write(&f->ble, 7, req, 5), FK_OK);
                        write_pkt(f, 7, req + 5, len - 5, 0);
                    } else {
                        write_pkt(f, 7, req, len, 0);
                    }
                    assert_int_equal(fk_smp_ble_process(&f->ble), 1);
                    uint8_t *a[2];
                    size_t al[2];
                    assert_int_equal(collect(f, from, a, al, 2, mtus[m]), 1);
                    /* an echo answer is as long as its request */
                    assert_int_equal(al[0], total);
                    assert_int_equal(f->st.n - from, (total + p - 1) / p);
                    expect_echo(a[0], al[0], seq, text);
                    free_answers(a, 1);
                    st_clear(&f->st);
                    answers++;
                }
            }
        }
        assert_int_equal(f->ble.stats.packets, answers);
        assert_int_equal(f->ble.stats.answered, answers);
        assert_true(fk_smp_ble_idle(&f->ble));
        fx_free(f);
    }
}

/* buf_count packets queue while none is processed; one more is ignored
 * whole (its continuation writes are skipped, not taken as a new packet). */
static void test_buffers_and_order(void **state)
{
    (void)state;
    struct fx *f = fx_new(185);
    char text[6][BUF_SIZE];
    uint8_t req[6][BUF_SIZE];
    size_t len[6];
    for (int i = 0; i < 6; i++) {
        len[i] = echo_req(req[i], 300 + (size_t)i * 50, (uint8_t)(10 + i), text[i]);
    }
    for (int i = 0; i < BUF_COUNT; i++) {
        write_pkt(f, 1, req[i], len[i], 0);
    }
    /* the 5th: first write refused, continuation skipped */
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, req[4], 182), FK_ENOMEM);
    write_pkt(f, 1, req[4] + 182, len[4] - 182, 0);
    assert_int_equal(f->ble.stats.no_buf, 1);
    run_all(f);
    /* the 6th arrives after the queue drained: served */
    write_pkt(f, 1, req[5], len[5], 0);
    run_all(f);
    uint8_t *a[8];
    size_t al[8];
    assert_int_equal(collect(f, 0, a, al, 8, 185), 5);
    for (int i = 0; i < 4; i++) {
        expect_echo(a[i], al[i], (uint8_t)(10 + i), text[i]);
    }
    expect_echo(a[4], al[4], 15, text[5]);
    free_answers(a, 5);
    fx_free(f);
}

/* The stack takes one notification at a time: the rest waits for sent(),
 * nothing is lost or reordered; process() does not start the next request
 * while an answer is still going out. */
static void test_notify_retry(void **state)
{
    (void)state;
    struct fx *f = fx_new(23);
    f->st.unlimited = false;
    f->st.room = 1;
    char text[2][BUF_SIZE];
    uint8_t req[2][BUF_SIZE];
    size_t len[2];
    for (int i = 0; i < 2; i++) {
        len[i] = echo_req(req[i], 100, (uint8_t)(1 + i), text[i]);
        write_pkt(f, 3, req[i], len[i], 0);
    }
    assert_int_equal(fk_smp_ble_process(&f->ble), 1);
    assert_int_equal(f->st.n, 1);
    assert_int_equal(fk_smp_ble_process(&f->ble), 0); /* answer 1 still pending */
    unsigned guard = 0;
    while (!fk_smp_ble_idle(&f->ble) && guard++ < 100) {
        f->st.room = 1;
        fk_smp_ble_sent(&f->ble, 3);
        fk_smp_ble_process(&f->ble);
    }
    assert_true(fk_smp_ble_idle(&f->ble));
    assert_true(f->ble.stats.notify_busy > 0);
    assert_int_equal(f->st.n, 2 * 5); /* 100 bytes in 20-byte notifications, twice */
    uint8_t *a[2];
    size_t al[2];
    assert_int_equal(collect(f, 0, a, al, 2, 23), 2);
    expect_echo(a[0], al[0], 1, text[0]);
    expect_echo(a[1], al[1], 2, text[1]);
    free_answers(a, 2);
    /* a hard notify error drops that answer only */
    f->st.unlimited = true;
    f->st.hard_error = FK_EIO;
    write_pkt(f, 3, req[0], len[0], 0);
    assert_int_equal(fk_smp_ble_process(&f->ble), 1);
    assert_int_equal(f->ble.stats.discarded, 1);
    f->st.hard_error = 0;
    write_pkt(f, 3, req[1], len[1], 0);
    assert_int_equal(fk_smp_ble_process(&f->ble), 1);
    assert_int_equal(collect(f, 10, a, al, 2, 23), 1);
    expect_echo(a[0], al[0], 2, text[1]);
    free_answers(a, 1);
    fx_free(f);
}

/* An MTU exchange between packets: the next answer uses the new size. */
static void test_mtu_change(void **state)
{
    (void)state;
    struct fx *f = fx_new(23);
    char text[BUF_SIZE];
    uint8_t req[BUF_SIZE];
    size_t len = echo_req(req, 600, 1, text);
    write_pkt(f, 1, req, len, 0);
    run_all(f);
    assert_int_equal(f->st.n, 30); /* 600 / 20 */
    f->st.mtu = 247;
    write_pkt(f, 1, req, len, 0);
    run_all(f);
    assert_int_equal(f->st.n, 30 + 3); /* 244 + 244 + 112 */
    uint8_t *a[2];
    size_t al[2];
    assert_int_equal(collect(f, 30, a, al, 2, 247), 1);
    expect_echo(a[0], al[0], 1, text);
    free_answers(a, 1);
    fx_free(f);
}

/* Disconnects: mid-packet, with requests queued, with an answer half sent.
 * The next connection starts clean. */
static void test_disconnects(void **state)
{
    (void)state;
    struct fx *f = fx_new(185);
    char text[BUF_SIZE];
    uint8_t req[BUF_SIZE];
    size_t len = echo_req(req, 500, 1, text);
    /* half a packet, then the link drops */
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, req, 182), FK_OK);
    fk_smp_ble_disconnected(&f->ble, 1);
    assert_true(fk_smp_ble_idle(&f->ble));
    /* a queued request and an answer half out */
    write_pkt(f, 2, req, len, 0);
    write_pkt(f, 2, req, len, 0);
    f->st.unlimited = false;
    f->st.room = 1;
    assert_int_equal(fk_smp_ble_process(&f->ble), 1);
    assert_int_equal(f->st.n, 1);
    fk_smp_ble_disconnected(&f->ble, 2);
    assert_true(fk_smp_ble_idle(&f->ble));
    assert_int_equal(f->ble.stats.discarded, 3); /* partial, queued, half-sent answer */
    /* a stale sent() for the old connection does nothing */
    f->st.unlimited = true;
    fk_smp_ble_sent(&f->ble, 2);
    assert_int_equal(f->st.n, 1);
    st_clear(&f->st);
    /* a new connection, a fresh packet: answered whole, on that connection */
    write_pkt(f, 9, req, len, 0);
    run_all(f);
    uint8_t *a[2];
    size_t al[2];
    assert_int_equal(collect(f, 0, a, al, 2, 185), 1);
    assert_int_equal(f->st.conn[0], 9);
    expect_echo(a[0], al[0], 1, text);
    free_answers(a, 1);
    fx_free(f);
}

/* Hostile writes: a header announcing more than buf_size, a write running
 * past its packet's end, a header that claims more than it sends, a write
 * longer than MTU-3, a second connection. Each gets an error answer or is
 * refused; the packet after each is served normally. */
static void test_hostile(void **state)
{
    (void)state;
    struct fx *f = fx_new(247);
    char text[BUF_SIZE];
    uint8_t req[BUF_SIZE], big[BUF_SIZE + 600];
    size_t len = echo_req(req, 300, 5, text);
    uint8_t *a[8];
    size_t al[8];

    /* 1. header says 2500 payload bytes (> buf_size): EMSGSIZE, rest skipped */
    memset(big, 0x41, sizeof big);
    make_req(big, 1, FK_SMP_OP_WRITE, 0, 21, FK_SMP_OS_ECHO, NULL, 0);
    big[2] = (uint8_t)(2500 >> 8);
    big[3] = (uint8_t)2500;
    write_pkt(f, 1, big, 1000, 0);
    assert_int_equal(f->ble.skip, 1508);
    write_pkt(f, 1, big + 1000, 1508, 0); /* the tail, skipped */
    assert_int_equal(f->ble.skip, 0);
    write_pkt(f, 1, req, len, 0);
    run_all(f);
    assert_int_equal(collect(f, 0, a, al, 8, 247), 2);
    expect_mgmt(a[0], al[0], 21, FK_MGMT_ERR_EMSGSIZE);
    expect_echo(a[1], al[1], 5, text);
    free_answers(a, 2);
    assert_int_equal(f->ble.stats.too_big, 1);
    st_clear(&f->st);

    /* 2. one write carries a packet plus 3 more bytes: EINVAL, packet dropped */
    uint8_t two[BUF_SIZE];
    size_t sl = echo_req(two, 40, 22, text);
    memcpy(two + sl, "xyz", 3);
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, two, sl + 3), FK_OK);
    /* 3. a header that claims 10 bytes more than its packet has: the next
     * packet's bytes complete it, and that write overruns: both answered
     * with errors, nothing else is taken from them */
    uint8_t lie[64];
    size_t ll = echo_req(lie, 40, 23, text);
    lie[3] = (uint8_t)(lie[3] + 10);
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, lie, ll), FK_OK);
    size_t nl = echo_req(req, 60, 24, text);
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, req, nl), FK_OK);
    len = echo_req(req, 300, 5, text);
    write_pkt(f, 1, req, len, 0);
    run_all(f);
    assert_int_equal(collect(f, 0, a, al, 8, 247), 3);
    expect_mgmt(a[0], al[0], 22, FK_MGMT_ERR_EINVAL);
    expect_mgmt(a[1], al[1], 23, FK_MGMT_ERR_EINVAL);
    expect_echo(a[2], al[2], 5, text);
    free_answers(a, 3);
    assert_int_equal(f->ble.stats.overrun, 2);
    st_clear(&f->st);

    /* 4. a write longer than MTU-3: refused, the peer disconnected */
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, big, 245), FK_EINVAL);
    assert_int_equal(f->st.disconnects, 1);
    assert_int_equal(f->st.disc_conn, 1);
    fk_smp_ble_disconnected(&f->ble, 1);

    /* 5. connection 1 owns the transport; connection 2's writes are refused */
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, req, 100), FK_OK);
    assert_int_equal(fk_smp_ble_write(&f->ble, 2, req, len > 244 ? 244 : len), FK_EBUSY);
    write_pkt(f, 1, req + 100, len - 100, 0);
    run_all(f);
    assert_int_equal(collect(f, 0, a, al, 8, 247), 1);
    for (unsigned i = 0; i < f->st.n; i++) {
        assert_int_equal(f->st.conn[i], 1);
    }
    expect_echo(a[0], al[0], 5, text);
    free_answers(a, 1);
    assert_int_equal(f->ble.stats.foreign, 1);
    /* an answer arriving as a request (op 1) is never answered */
    uint8_t rsp_op[8];
    make_req(rsp_op, 1, FK_SMP_OP_READ_RSP, 0, 1, 0, NULL, 0);
    unsigned before = f->st.n;
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, rsp_op, 8), FK_OK);
    run_all(f);
    assert_int_equal(f->st.n, before);
    fx_free(f);
}

/* ---- upload over BLE ---------------------------------------------------- */

static size_t chunk_req(uint8_t *buf, size_t cap, const uint8_t *img, size_t total,
                        const uint8_t *sha, uint32_t off, uint32_t n, uint8_t seq)
{
    uint8_t pay[BUF_SIZE];
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, pay, sizeof pay);
    fk_cbor_map(&e, off == 0 ? 5 : 3);
    fk_cbor_tstr(&e, "image");
    fk_cbor_uint(&e, 0);
    fk_cbor_tstr(&e, "off");
    fk_cbor_uint(&e, off);
    if (off == 0) {
        fk_cbor_tstr(&e, "len");
        fk_cbor_uint(&e, total);
        fk_cbor_tstr(&e, "sha");
        fk_cbor_bstr(&e, sha, 32);
    }
    fk_cbor_tstr(&e, "data");
    fk_cbor_bstr(&e, img + off, n);
    assert_false(e.overflow);
    assert_true(8 + e.len <= cap);
    return make_req(buf, 1, FK_SMP_OP_WRITE, FK_SMP_GROUP_IMAGE, seq, FK_SMP_IMG_UPLOAD, pay, e.len);
}

/* The answers' "off" values from notification index `from` on. */
static unsigned answered_offs(struct fx *f, unsigned from, int64_t *offs, unsigned max, int *match)
{
    uint8_t *a[16];
    size_t al[16];
    unsigned n = collect(f, from, a, al, 16, f->st.mtu);
    assert_true(n <= max);
    for (unsigned i = 0; i < n; i++) {
        struct rsp r;
        assert_true(rsp_parse(&r, a[i], al[i]));
        assert_true(map_int(r.root, "off", &offs[i]));
        bool m;
        if (match && map_bool(r.root, "match", &m)) {
            *match = m;
        }
        rsp_free(&r);
    }
    free_answers(a, n);
    return n;
}

/* A window of 3 chunks over BLE (reassembled from 498-byte MTU writes):
 * out of order and duplicated chunks answered with the expected offset; a
 * disconnect in the middle of a chunk, a reconnect, the first chunk again:
 * the device answers where it stands and the upload finishes. */
static void test_upload_disconnect_resume(void **state)
{
    (void)state;
    struct fx *f = fx_new(498);
    size_t len;
    uint8_t hash[32], sha[32];
    uint8_t *img = make_image(2, 0, 0, 20000, 7, &len, hash);
    sha256(img, len, sha);
    const uint32_t C = 1500;
    uint8_t pkt[3][BUF_SIZE];
    size_t pl[3];
    int64_t offs[16];
    int match = -1;

    /* chunk 0, then 2C before C, then C again */
    pl[0] = chunk_req(pkt[0], BUF_SIZE, img, len, sha, 0, C, 1);
    pl[1] = chunk_req(pkt[1], BUF_SIZE, img, len, sha, 2 * C, C, 2);
    pl[2] = chunk_req(pkt[2], BUF_SIZE, img, len, sha, C, C, 3);
    for (int i = 0; i < 3; i++) {
        write_pkt(f, 1, pkt[i], pl[i], 0);
    }
    run_all(f);
    write_pkt(f, 1, pkt[2], pl[2], 0); /* duplicate */
    run_all(f);
    assert_int_equal(answered_offs(f, 0, offs, 4, &match), 4);
    assert_int_equal(offs[0], C);
    assert_int_equal(offs[1], C);      /* 2C is ahead: the device wants C */
    assert_int_equal(offs[2], 2 * C);
    assert_int_equal(offs[3], 2 * C);  /* the duplicate: still 2C */
    st_clear(&f->st);

    /* 2C goes out, but the link drops in the middle of 3C's packet */
    pl[0] = chunk_req(pkt[0], BUF_SIZE, img, len, sha, 2 * C, C, 4);
    pl[1] = chunk_req(pkt[1], BUF_SIZE, img, len, sha, 3 * C, C, 5);
    write_pkt(f, 1, pkt[0], pl[0], 0);
    assert_int_equal(fk_smp_ble_write(&f->ble, 1, pkt[1], 495), FK_OK);
    run_all(f);
    assert_int_equal(answered_offs(f, 0, offs, 1, NULL), 1);
    assert_int_equal(offs[0], 3 * C);
    fk_smp_ble_disconnected(&f->ble, 1);
    st_clear(&f->st);

    /* next connection, a smaller MTU: the client restarts at 0 with the same
     * sha; the device answers 3C and the client continues from there */
    f->st.mtu = 185;
    pl[0] = chunk_req(pkt[0], BUF_SIZE, img, len, sha, 0, C, 6);
    write_pkt(f, 2, pkt[0], pl[0], 0);
    run_all(f);
    assert_int_equal(answered_offs(f, 0, offs, 1, NULL), 1);
    assert_int_equal(offs[0], 3 * C);
    st_clear(&f->st);
    uint32_t off = 3 * C;
    uint8_t seq = 7;
    while (off < len) {
        /* a window of up to 3 in flight */
        unsigned k = 0;
        for (uint32_t o = off; k < 3 && o < len; k++, o += C) {
            uint32_t n = len - o < C ? (uint32_t)(len - o) : C;
            pl[k] = chunk_req(pkt[k], BUF_SIZE, img, len, sha, o, n, seq++);
            write_pkt(f, 2, pkt[k], pl[k], 0);
        }
        run_all(f);
        assert_int_equal(answered_offs(f, 0, offs, 3, &match), k);
        off = (uint32_t)offs[k - 1];
        st_clear(&f->st);
    }
    assert_int_equal(off, len);
    assert_int_equal(match, 1);
    uint32_t base = fk_boot_secondary_image_off(&f->t.map);
    assert_memory_equal(f->t.ext.mem + base, img, len);
    assert_int_equal(f->srv.stats.upload_resumes, 1);
    free(img);
    fx_free(f);
}

/* ---- background erase and erase-ahead (FK_SMP_F_FAST_ERASE) ------------- */

/* Upload img over BLE, a window of 3 of 1500-byte chunks; returns match. */
static int ble_upload(struct fx *f, const uint8_t *img, size_t len)
{
    uint8_t sha[32];
    sha256(img, len, sha);
    const uint32_t C = 1500;
    uint8_t pkt[3][BUF_SIZE];
    int64_t offs[16];
    int match = -1;
    uint32_t off = 0;
    uint8_t seq = 1;
    st_clear(&f->st);
    for (int guard = 0; off < len && guard < 1000; guard++) {
        unsigned k = 0;
        for (uint32_t o = off; k < 3 && o < len; k++, o += C) {
            uint32_t n = len - o < C ? (uint32_t)(len - o) : C;
            size_t pl = chunk_req(pkt[k], BUF_SIZE, img, len, sha, o, n, seq++);
            write_pkt(f, 1, pkt[k], pl, 0);
        }
        run_all(f);
        assert_int_equal(answered_offs(f, 0, offs, 3, &match), k);
        off = (uint32_t)offs[k - 1];
        st_clear(&f->st);
    }
    assert_int_equal(off, len);
    return match;
}

/* image state write over BLE: test (hash) or confirm (no hash). */
static void state_write(struct fx *f, const uint8_t *hash, bool confirm)
{
    uint8_t pay[128], pkt[160];
    struct fk_cbor_enc e;
    fk_cbor_enc_init(&e, pay, sizeof pay);
    fk_cbor_map(&e, hash ? 2 : 1);
    if (hash) {
        fk_cbor_tstr(&e, "hash");
        fk_cbor_bstr(&e, hash, 32);
    }
    fk_cbor_tstr(&e, "confirm");
    fk_cbor_bool(&e, confirm);
    size_t n = make_req(pkt, 1, FK_SMP_OP_WRITE, FK_SMP_GROUP_IMAGE, 77, FK_SMP_IMG_STATE, pay, e.len);
    st_clear(&f->st);
    write_pkt(f, 1, pkt, n, 0);
    run_all(f);
    uint8_t *a[2];
    size_t al[2];
    assert_int_equal(collect(f, 0, a, al, 2, f->st.mtu), 1);
    struct rsp r;
    assert_true(rsp_parse(&r, a[0], al[0]));
    int rc, g, grc;
    rsp_err(&r, &rc, &g, &grc);
    assert_int_equal(rc, 0);
    assert_int_equal(g, -1);
    rsp_free(&r);
    free_answers(a, 1);
    st_clear(&f->st);
}

/* A reset: the bootloader runs, the application's RAM starts afresh. */
static void reboot(struct fx *f)
{
    static const struct fk_image_keyring ring = {.keys = NULL, .count = 0, .allow_hash_only = true};
    struct fk_boot_config bc = {.map = &f->t.map, .keys = &ring, .strategy = FK_BOOT_STRATEGY_SWAP};
    struct fk_boot_rsp rsp;
    memset(&rsp, 0, sizeof rsp);
    assert_int_equal(fk_boot_go(&bc, &rsp), FK_OK);
    assert_int_equal(fk_smp_init(&f->srv, &f->cfg), FK_OK);
    ble_init(f);
}

static uint32_t ext_sectors(struct fx *f)
{
    return f->t.ext.dev.size / f->t.ext.dev.erase_size;
}

/* Upload v2 into a dirty slot (64/32 KB erase-ahead), test, swap, confirm:
 * the old image in slot 1 is erased in the background, one block per idle
 * call, resumed across a reset, every sector erased exactly once whatever
 * it read; then v3's upload erases no data sector. */
static void test_fast_erase(void **state)
{
    (void)state;
    struct fx *f = fx_new_flags(247, FK_SMP_F_FAST_ERASE);
    memset(f->t.ext.mem, 0x00, f->t.ext.dev.size); /* a dirty secondary */
    size_t len2, len3;
    uint8_t h2[32], h3[32];
    uint8_t *v2 = make_image(2, 0, 0, 30000, 21, &len2, h2);
    uint8_t *v3 = make_image(3, 0, 0, 30000, 22, &len3, h3);
    assert_int_equal(ble_upload(f, v2, len2), 1);
    uint32_t es = f->t.ext.dev.erase_size;
    assert_int_equal(fk_smp_idle(&f->srv), 0); /* no background erase: the slot holds v2 */

    state_write(f, h2, false); /* test */
    reboot(f);                 /* swap: v2 runs, v1 in slot 1, revert due */
    assert_false(fk_smp_slot_pre_erased(&f->srv));
    uint32_t before[64];
    assert_true(ext_sectors(f) <= 64);
    memcpy(before, f->t.ext.sector_erases, ext_sectors(f) * sizeof before[0]);
    state_write(f, NULL, true); /* confirm: slot 1's v1 is now unused */
    assert_int_equal(f->srv.bg.state, FK_SMP_BG_RUNNING);
    uint32_t steps = f->srv.bg.steps;
    /* the slot's first 32 KB go in one block erase: fewer steps than sectors */
    const struct fk_flash_area *sec = &f->t.areas[1];
    assert_int_equal(sec->off % 0x8000, 0);
    assert_int_equal(steps, sec->size / es - 1 - 7);
    /* two steps, then a reset: the walk resumes at step 2 */
    assert_int_equal(fk_smp_idle(&f->srv), 1);
    assert_int_equal(fk_smp_idle(&f->srv), 1);
    reboot(f);
    assert_false(fk_smp_slot_pre_erased(&f->srv));
    assert_int_equal(f->srv.bg.step, 2);
    unsigned n = 0;
    while (fk_smp_idle(&f->srv) == 1 && n < 100) {
        n++;
    }
    assert_int_equal(n, steps - 2 + 1); /* the rest, then the "done" unit */
    assert_true(fk_smp_slot_pre_erased(&f->srv));
    /* every sector of slot 1 erased exactly once, also those that read erased */
    for (uint32_t i = sec->off / es; i < (sec->off + sec->size) / es; i++) {
        assert_int_equal(f->t.ext.sector_erases[i] - before[i], 1);
    }
    /* and it survives another reset */
    reboot(f);
    assert_true(fk_smp_slot_pre_erased(&f->srv));

    /* v3 goes into the pre-erased slot: no data sector is erased */
    memcpy(before, f->t.ext.sector_erases, ext_sectors(f) * sizeof before[0]);
    uint32_t base = fk_boot_secondary_image_off(&f->t.map);
    assert_int_equal(ble_upload(f, v3, len3), 1);
    for (uint32_t i = (sec->off + base) / es; i < (sec->off + base + (uint32_t)len3 + es - 1) / es; i++) {
        assert_int_equal(f->t.ext.sector_erases[i], before[i]);
    }
    assert_memory_equal(f->t.ext.mem + sec->off + base, v3, len3);
    assert_false(fk_smp_slot_pre_erased(&f->srv));
    assert_int_equal(fk_smp_idle(&f->srv), 0); /* v3 is not erased in the background */
    free(v2);
    free(v3);
    fx_free(f);
}

/* Without the flag, confirming leaves slot 1 alone (Zephyr's behaviour). */
static void test_no_fast_erase_by_default(void **state)
{
    (void)state;
    struct fx *f = fx_new(247);
    size_t len2;
    uint8_t h2[32];
    uint8_t *v2 = make_image(2, 0, 0, 9000, 21, &len2, h2);
    assert_int_equal(ble_upload(f, v2, len2), 1);
    state_write(f, h2, false);
    reboot(f);
    uint32_t calls = f->t.ext.erase_calls;
    state_write(f, NULL, true);
    assert_int_equal(fk_smp_idle(&f->srv), 0);
    assert_int_equal(f->t.ext.erase_calls, calls);
    assert_false(fk_smp_slot_pre_erased(&f->srv));
    free(v2);
    fx_free(f);
}

/* An OS reset over BLE: the reset runs once its answer is handed to the
 * stack, also when that takes a retry. */
static void test_reset_after_answer(void **state)
{
    (void)state;
    struct fx *f = fx_new(23);
    f->st.unlimited = false;
    f->st.room = 0;
    uint8_t req[16];
    size_t len = make_req(req, 1, FK_SMP_OP_WRITE, 0, 9, FK_SMP_OS_RESET, (const uint8_t *)"\xa0", 1);
    write_pkt(f, 1, req, len, 0);
    assert_int_equal(fk_smp_ble_process(&f->ble), 1);
    assert_int_equal(f->resets, 0); /* answer not out yet */
    f->st.room = 5;
    fk_smp_ble_sent(&f->ble, 1);
    assert_int_equal(f->resets, 1);
    assert_int_equal(f->st.n, 1);
    fx_free(f);
}

static void test_init_contract(void **state)
{
    (void)state;
    struct fx *f = fx_new(23);
    struct fk_smp_ble t;
    struct fk_smp_ble_cfg bc = f->ble.cfg;
    bc.buf_count = 3; /* the server tells clients 4 */
    assert_int_equal(fk_smp_ble_init(&t, &bc), FK_EINVAL);
    bc = f->ble.cfg;
    bc.ops.notify = NULL;
    assert_int_equal(fk_smp_ble_init(&t, &bc), FK_EINVAL);
    bc = f->ble.cfg;
    bc.buf_count = FK_SMP_BLE_MAX_BUFS + 1;
    assert_int_equal(fk_smp_ble_init(&t, &bc), FK_EINVAL);
    bc = f->ble.cfg;
    assert_int_equal(fk_smp_ble_init(&t, &bc), FK_OK);
    assert_int_equal(fk_smp_ble_write(&t, 1, NULL, 0), FK_EINVAL);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuids),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_buffers_and_order),
        cmocka_unit_test(test_notify_retry),
        cmocka_unit_test(test_mtu_change),
        cmocka_unit_test(test_disconnects),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_upload_disconnect_resume),
        cmocka_unit_test(test_reset_after_answer),
        cmocka_unit_test(test_fast_erase),
        cmocka_unit_test(test_no_fast_erase_by_default),
        cmocka_unit_test(test_init_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
