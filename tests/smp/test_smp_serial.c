/* Serial console framing: captured lines reassemble, the encoder reproduces
 * the captures byte for byte, round trips, and malformed frames are dropped
 * with the right error while the decoder keeps going. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/smp.h"
#include "smp_test_util.h"

#define VEC FOTAKIT_SHARED_DIR "/vectors/smp/"

static const char *serial_vectors[] = {
    "mcumgr-go_serial_echo_hello",
    "mcumgr-go_serial_upload",
    "smpclient_serial_echo_hello",
    "smpclient_serial_upload",
};

/* Feed a stream in pieces of `step` bytes (0: all at once); collect packets
 * and errors. */
struct collected {
    uint8_t *pkt[16];
    size_t len[16];
    size_t n;
    int errs[16];
    size_t nerr;
};

static void feed_all(struct fk_smp_serial_dec *d, const uint8_t *s, size_t n, size_t step,
                     struct collected *c)
{
    size_t at = 0;
    while (at < n) {
        size_t piece = step ? (n - at < step ? n - at : step) : n - at;
        size_t pos = 0;
        while (pos < piece) {
            size_t used;
            const uint8_t *pkt;
            int rc = fk_smp_serial_dec_feed(d, s + at + pos, piece - pos, &used, &pkt);
            /* the contract: no event means every byte was taken; an event
             * comes at a byte, which was taken */
            assert_true(used <= piece - pos);
            if (rc == 0) {
                assert_int_equal(used, piece - pos);
            } else {
                assert_true(used >= 1);
            }
            pos += used;
            if (rc > 0) {
                assert_true(c->n < 16);
                c->pkt[c->n] = malloc((size_t)rc);
                memcpy(c->pkt[c->n], pkt, (size_t)rc);
                c->len[c->n++] = (size_t)rc;
            } else if (rc < 0) {
                assert_true(c->nerr < 16);
                c->errs[c->nerr++] = rc;
            }
        }
        at += piece;
    }
}

static void collected_free(struct collected *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->pkt[i]);
    }
    memset(c, 0, sizeof *c);
}

static void test_captured_lines_reassemble(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    for (size_t v = 0; v < sizeof serial_vectors / sizeof *serial_vectors; v++) {
        char path[512];
        uint8_t *lines[64], *pkts[16];
        size_t llen[64], plen[16];
        snprintf(path, sizeof path, VEC "%s_lines.hex", serial_vectors[v]);
        size_t nl = read_hex_lines(path, lines, llen, 64);
        snprintf(path, sizeof path, VEC "%s.hex", serial_vectors[v]);
        size_t np = read_hex_lines(path, pkts, plen, 16);
        assert_true(nl > 0);
        assert_true(np > 0);
        size_t total = 0;
        for (size_t i = 0; i < nl; i++) {
            total += llen[i];
        }
        uint8_t *stream = malloc(total);
        total = 0;
        for (size_t i = 0; i < nl; i++) {
            memcpy(stream + total, lines[i], llen[i]);
            total += llen[i];
        }
        const size_t steps[] = {0, 1, 7, 127};
        for (size_t k = 0; k < 4; k++) {
            struct fk_smp_serial_dec d;
            struct collected c = {0};
            fk_smp_serial_dec_init(&d, buf, sizeof buf);
            feed_all(&d, stream, total, steps[k], &c);
            assert_int_equal(c.nerr, 0);
            assert_int_equal(c.n, np);
            for (size_t i = 0; i < np; i++) {
                assert_int_equal(c.len[i], plen[i]);
                assert_memory_equal(c.pkt[i], pkts[i], plen[i]);
            }
            assert_int_equal(d.frames, np);
            collected_free(&c);
        }
        /* the encoder writes exactly what the clients wrote */
        size_t li = 0;
        for (size_t i = 0; i < np; i++) {
            uint8_t out[4096];
            size_t ol;
            assert_int_equal(fk_smp_serial_encode(pkts[i], plen[i], out, sizeof out, &ol), FK_OK);
            assert_int_equal(ol, fk_smp_serial_frame_size(plen[i]));
            size_t at = 0;
            while (li < nl && at < ol) {
                assert_true(llen[li] <= FK_SMP_SERIAL_LINE_MAX);
                assert_memory_equal(out + at, lines[li], llen[li]);
                at += llen[li++];
            }
            assert_int_equal(at, ol);
        }
        assert_int_equal(li, nl);
        free(stream);
        free_pkts(lines, nl);
        free_pkts(pkts, np);
    }
}

static void test_roundtrip_sizes(void **state)
{
    (void)state;
    static uint8_t pkt[5000], out[8000], buf[5100];
    uint32_t x = 12345;
    for (size_t n = 1; n < sizeof pkt; n += (n < 300 ? 1 : 97)) {
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            pkt[i] = (uint8_t)(x >> 16);
        }
        size_t ol;
        assert_int_equal(fk_smp_serial_encode(pkt, n, out, sizeof out, &ol), FK_OK);
        /* every line: marker, <= 127 bytes, '\n' */
        size_t ls = 0;
        for (size_t i = 0; i < ol; i++) {
            if (out[i] == '\n') {
                assert_true(i + 1 - ls <= FK_SMP_SERIAL_LINE_MAX);
                assert_true((out[ls] == 0x06 && out[ls + 1] == 0x09) ||
                            (out[ls] == 0x04 && out[ls + 1] == 0x14));
                assert_true(ls == 0 ? out[ls] == 0x06 : out[ls] == 0x04);
                ls = i + 1;
            }
        }
        assert_int_equal(ls, ol);
        struct fk_smp_serial_dec d;
        fk_smp_serial_dec_init(&d, buf, sizeof buf);
        size_t used;
        const uint8_t *p;
        int rc = fk_smp_serial_dec_feed(&d, out, ol, &used, &p);
        assert_int_equal(rc, (int)n);
        assert_int_equal(used, ol);
        assert_memory_equal(p, pkt, n);
    }
    /* too small an output buffer, too long a packet */
    size_t ol;
    assert_int_equal(fk_smp_serial_encode(pkt, 100, out, 50, &ol), FK_ENOMEM);
    assert_int_equal(fk_smp_serial_encode(pkt, 70000, out, sizeof out, &ol), FK_EINVAL);
}

/* ---- hand-made frames ---------------------------------------------------- */

static const char b64c[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= in[i + 2];
        }
        out[o++] = b64c[(v >> 18) & 63];
        out[o++] = b64c[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64c[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64c[v & 63] : '=';
    }
    return o;
}

/* A frame whose length field and CRC are given explicitly (one line per 124
 * base64 characters). Appends to s. */
static size_t frame(uint8_t *s, uint16_t lenfield, const uint8_t *pkt, size_t n, uint16_t crc)
{
    uint8_t body[600];
    body[0] = (uint8_t)(lenfield >> 8);
    body[1] = (uint8_t)lenfield;
    memcpy(body + 2, pkt, n);
    body[2 + n] = (uint8_t)(crc >> 8);
    body[3 + n] = (uint8_t)crc;
    char t[1000];
    size_t tl = b64(body, n + 4, t), o = 0;
    for (size_t i = 0; i < tl; i += 124) {
        s[o++] = i ? 0x04 : 0x06;
        s[o++] = i ? 0x14 : 0x09;
        size_t k = tl - i < 124 ? tl - i : 124;
        memcpy(s + o, t + i, k);
        o += k;
        s[o++] = '\n';
    }
    return o;
}

static const uint8_t good_pkt[] = {0x02, 0, 0, 9, 0, 0, 0x42, 0, 0xa1, 0x61, 0x64, 0x65,
                                   'h',  'e', 'l', 'l', 'o'};

static size_t good_frame(uint8_t *s)
{
    return frame(s, sizeof good_pkt + 2, good_pkt, sizeof good_pkt,
                 fk_smp_crc16(0, good_pkt, sizeof good_pkt));
}

/* Run `bad` then a good frame through a fresh decoder: exactly the expected
 * error, then the good packet. */
static void expect_drop(const uint8_t *bad, size_t n, int want_err, size_t cap)
{
    uint8_t stream[2000], buf[600];
    memcpy(stream, bad, n);
    size_t total = n + good_frame(stream + n);
    for (size_t step = 0; step <= 1; step++) {
        struct fk_smp_serial_dec d;
        struct collected c = {0};
        fk_smp_serial_dec_init(&d, buf, cap);
        feed_all(&d, stream, total, step, &c);
        assert_int_equal(c.nerr, 1);
        assert_int_equal(c.errs[0], want_err);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.len[0], sizeof good_pkt);
        assert_memory_equal(c.pkt[0], good_pkt, sizeof good_pkt);
        assert_int_equal(d.errors, 1);
        collected_free(&c);
    }
}

static void test_malformed_frames(void **state)
{
    (void)state;
    uint8_t s[1200];
    size_t n;
    uint8_t big[300];
    memset(big, 0x5a, sizeof big);

    /* bad CRC */
    n = frame(s, sizeof good_pkt + 2, good_pkt, sizeof good_pkt,
              (uint16_t)(fk_smp_crc16(0, good_pkt, sizeof good_pkt) ^ 1));
    expect_drop(s, n, FK_ESMP_CRC, 600);

    /* truncated base64: a line that stops mid-group */
    n = good_frame(s);
    s[n - 2] = '\n';
    expect_drop(s, n - 1, FK_ESMP_BASE64, 600);

    /* not base64 */
    n = good_frame(s);
    s[5] = '*';
    expect_drop(s, n, FK_ESMP_BASE64, 600);

    /* length field larger than the data (the frame never completes; the next
     * start line drops it) */
    n = frame(s, 200, big, 50, fk_smp_crc16(0, big, 50));
    expect_drop(s, n, FK_ESMP_FRAME_LEN, 600);

    /* length field smaller than the data */
    n = frame(s, 10, big, 50, fk_smp_crc16(0, big, 50));
    expect_drop(s, n, FK_ESMP_FRAME_LEN, 600);

    /* length field too small to hold a CRC */
    n = frame(s, 1, big, 0, 0);
    expect_drop(s, n, FK_ESMP_FRAME_LEN, 600);

    /* larger than the receive buffer */
    n = frame(s, sizeof big + 2, big, sizeof big, fk_smp_crc16(0, big, sizeof big));
    expect_drop(s, n, FK_ESMP_TOO_BIG, 200);

    /* a continuation line with no frame started */
    memcpy(s, "\x04\x14QUJD\n", 7);
    expect_drop(s, 7, FK_ESMP_FRAME, 600);

    /* data after the final padding (22 body bytes end in "xx==") */
    n = frame(s, 20, big, 18, fk_smp_crc16(0, big, 18));
    assert_int_equal(s[n - 2], '=');
    memcpy(s + n - 1, "AAAA\n", 5);
    expect_drop(s, n + 4, FK_ESMP_BASE64, 600);
}

static void test_console_noise_and_crlf(void **state)
{
    (void)state;
    uint8_t s[2000], buf[600];
    size_t n = 0;
    const char *noise = "uart:~$ hello\r\n\x06 not a frame\n\x04 nor this\n";
    memcpy(s, noise, strlen(noise));
    n += strlen(noise);
    size_t g = good_frame(s + n);
    /* CRLF line ending */
    s[n + g - 1] = '\r';
    s[n + g] = '\n';
    n += g + 1;
    n += good_frame(s + n);
    struct fk_smp_serial_dec d;
    struct collected c = {0};
    fk_smp_serial_dec_init(&d, buf, sizeof buf);
    feed_all(&d, s, n, 3, &c);
    assert_int_equal(c.nerr, 0);
    assert_int_equal(c.n, 2);
    assert_memory_equal(c.pkt[1], good_pkt, sizeof good_pkt);
    collected_free(&c);
}

static int put_count(void *arg, const uint8_t *line, size_t n)
{
    (void)line;
    size_t *lines = arg;
    (*lines)++;
    return n <= FK_SMP_SERIAL_LINE_MAX ? 0 : FK_EINVAL;
}

/* The 127-byte line limit is the encoder's (Zephyr's default); the decoder
 * keeps no line buffer and takes a frame as one line of any length, e.g. a
 * client with a 512-character MTU: a 290-byte packet on one 395-byte line. */
static void test_long_lines_decode(void **state)
{
    (void)state;
    uint8_t pkt[290];
    for (size_t i = 0; i < sizeof pkt; i++) {
        pkt[i] = (uint8_t)(i * 13 + 5);
    }
    static uint8_t lines[1024], one[1024];
    size_t ln = 0;
    assert_int_equal(fk_smp_serial_encode(pkt, sizeof pkt, lines, sizeof lines, &ln), FK_OK);
    /* join: drop every line's marker and newline, keep one start marker */
    size_t o = 0;
    one[o++] = FK_SMP_SERIAL_START0;
    one[o++] = FK_SMP_SERIAL_START1;
    for (size_t i = 0; i < ln;) {
        size_t e = i;
        while (lines[e] != '\n') {
            e++;
        }
        memcpy(one + o, lines + i + 2, e - i - 2);
        o += e - i - 2;
        i = e + 1;
    }
    one[o++] = '\n';
    assert_int_equal(o, 395); /* 2 + base64 of 2 + 290 + 2 bytes (392) + newline */
    uint8_t buf[512];
    struct fk_smp_serial_dec d;
    fk_smp_serial_dec_init(&d, buf, sizeof buf);
    struct collected c = {0};
    feed_all(&d, one, o, 0, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.nerr, 0);
    assert_int_equal(c.len[0], sizeof pkt);
    assert_memory_equal(c.pkt[0], pkt, sizeof pkt);
    collected_free(&c);
}

static void test_encode_callback(void **state)
{
    (void)state;
    uint8_t pkt[400];
    memset(pkt, 7, sizeof pkt);
    size_t lines = 0;
    assert_int_equal(fk_smp_serial_encode_cb(pkt, sizeof pkt, put_count, &lines), FK_OK);
    /* 404 body bytes -> 540 base64 characters -> 5 lines of <= 124 */
    assert_int_equal(lines, 5);
}

/* Mutated captured streams: the decoder never reads or writes outside its
 * buffer (ASan in the asan preset), always makes progress, every packet it
 * returns has a correct CRC, and a clean frame after the garbage decodes. */
static void test_mutated_streams(void **state)
{
    (void)state;
    uint8_t *lines[64];
    size_t llen[64];
    size_t nl = read_hex_lines(VEC "smpclient_serial_upload_lines.hex", lines, llen, 64);
    assert_true(nl > 3);
    static uint8_t stream[8000], buf[700];
    uint32_t x = 7;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        for (size_t i = 0; i < nl; i++) {
            memcpy(stream + n, lines[i], llen[i]);
            n += llen[i];
        }
        int muts = 1 + round % 6;
        for (int k = 0; k < muts && n > 0; k++) {
            x = x * 1664525u + 1013904223u;
            size_t at = (x >> 8) % n;
            switch (x >> 30) {
            case 0:
                stream[at] ^= (uint8_t)(1u << ((x >> 4) & 7));
                break;
            case 1:
                stream[at] = "\n\x06\x09\x04\x14=A/"[(x >> 4) & 7];
                break;
            case 2:
                memmove(stream + at, stream + at + 1, n - at - 1); /* drop a byte */
                n--;
                break;
            default:
                n = at; /* cut */
                break;
            }
        }
        n += good_frame(stream + n);
        struct fk_smp_serial_dec d;
        fk_smp_serial_dec_init(&d, buf, round & 1 ? sizeof buf : 100);
        size_t pos = 0, step = 1 + round % 50;
        bool last_good = false;
        while (pos < n) {
            size_t piece = n - pos < step ? n - pos : step, used;
            const uint8_t *pkt;
            int rc = fk_smp_serial_dec_feed(&d, stream + pos, piece, &used, &pkt);
            assert_true(used > 0 && used <= piece);
            pos += used;
            if (rc > 0) {
                assert_true(rc <= (int)d.cap - 4);
                last_good = pos == n && (size_t)rc == sizeof good_pkt &&
                            memcmp(pkt, good_pkt, sizeof good_pkt) == 0;
            }
        }
        assert_true(last_good);
    }
    free_pkts(lines, nl);
}


/* The console loop body (fk_smp_console_feed): a byte stream with console
 * noise, a corrupt frame, an echo and an OS reset, fed one byte at a time,
 * gives exactly two framed answers, and the reset runs after its answer went
 * out, once. */
struct console_out {
    uint8_t buf[4096];
    size_t len;
    size_t len_at_reset;
    int resets;
};

static int console_put(void *arg, const uint8_t *line, size_t n)
{
    struct console_out *o = arg;
    assert_true(n <= FK_SMP_SERIAL_LINE_MAX && o->len + n <= sizeof o->buf);
    memcpy(o->buf + o->len, line, n);
    o->len += n;
    return FK_OK;
}

static void console_reset(void *ctx)
{
    struct console_out *o = ctx;
    o->resets++;
    o->len_at_reset = o->len;
}

static size_t frame_req(uint8_t *out, size_t cap, uint8_t seq, uint8_t id, const uint8_t *pl,
                        size_t pn)
{
    uint8_t pkt[64];
    size_t n = make_req(pkt, 1, FK_SMP_OP_WRITE, FK_SMP_GROUP_OS, seq, id, pl, pn);
    size_t fl = 0;
    assert_int_equal(fk_smp_serial_encode(pkt, n, out, cap, &fl), FK_OK);
    return fl;
}

static void test_console_feed(void **state)
{
    (void)state;
    struct testdev t;
    testdev_init(&t);
    struct console_out o = {.len = 0};
    struct fk_smp_config cfg = {.map = &t.map, .reset = console_reset, .ctx = &o};
    static struct fk_smp_server srv;
    assert_int_equal(fk_smp_init(&srv, &cfg), FK_OK);
    static struct fk_smp_console con;
    static uint8_t rx[1028], tx[1024];
    fk_smp_console_init(&con, &srv, rx, sizeof rx, tx, sizeof tx, console_put, &o);

    static const uint8_t echo[] = {0xa1, 0x61, 'd', 0x65, 'h', 'e', 'l', 'l', 'o'};
    uint8_t in[1024];
    size_t n = 0;
    const char noise[] = "boot: nothing bootable\r\n";
    memcpy(in, noise, sizeof noise - 1);
    n += sizeof noise - 1;
    size_t bad = frame_req(in + n, sizeof in - n, 1, FK_SMP_OS_ECHO, echo, sizeof echo);
    in[n + 5] = in[n + 5] == 'A' ? 'B' : 'A'; /* a corrupted frame: CRC error, dropped */
    n += bad;
    n += frame_req(in + n, sizeof in - n, 2, FK_SMP_OS_ECHO, echo, sizeof echo);
    n += frame_req(in + n, sizeof in - n, 3, FK_SMP_OS_RESET, NULL, 0);
    int answers = 0;
    for (size_t i = 0; i < n; i++) {
        answers += fk_smp_console_feed(&con, in + i, 1);
    }
    assert_int_equal(answers, 2);
    assert_int_equal(con.answered, 2);
    assert_int_equal(o.resets, 1);
    assert_int_equal(o.len_at_reset, o.len); /* the reset answer went out first */
    assert_int_equal(con.dec.errors, 1);

    /* decode what was sent: echo "hello" (seq 2), then the reset answer (seq 3) */
    struct fk_smp_serial_dec d;
    uint8_t dbuf[1028];
    fk_smp_serial_dec_init(&d, dbuf, sizeof dbuf);
    size_t at = 0;
    int seen = 0;
    while (at < o.len) {
        size_t used;
        const uint8_t *pkt;
        int k = fk_smp_serial_dec_feed(&d, o.buf + at, o.len - at, &used, &pkt);
        at += used;
        if (k <= 0) {
            assert_int_equal(k, 0);
            continue;
        }
        struct rsp r;
        assert_true(rsp_parse(&r, pkt, (size_t)k));
        assert_int_equal(r.hdr.op, FK_SMP_OP_WRITE_RSP);
        if (seen == 0) {
            char txt[16];
            assert_int_equal(r.hdr.seq, 2);
            assert_true(map_str(r.root, "r", txt, sizeof txt));
            assert_string_equal(txt, "hello");
        } else {
            assert_int_equal(r.hdr.seq, 3);
            assert_int_equal(r.hdr.id, FK_SMP_OS_RESET);
        }
        rsp_free(&r);
        seen++;
    }
    assert_int_equal(seen, 2);
    testdev_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captured_lines_reassemble),
        cmocka_unit_test(test_roundtrip_sizes),
        cmocka_unit_test(test_malformed_frames),
        cmocka_unit_test(test_console_noise_and_crlf),
        cmocka_unit_test(test_encode_callback),
        cmocka_unit_test(test_long_lines_decode),
        cmocka_unit_test(test_mutated_streams),
        cmocka_unit_test(test_console_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
