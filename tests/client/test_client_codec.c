/*
 * The serial framing the client uses (fotakit_smp's codec, fk_smp_serial_*)
 * against frames captured from real clients (../shared/vectors/smp), fed one
 * byte at a time (the transport feeds whole reads; device_e2e covers that):
 * the captured lines decode into the captured packets, and encoding
 * mcumgr-go's packets reproduces its lines byte for byte (same 127-byte line
 * limit). The serial transport on a pipe: broken frames dropped and counted,
 * the next good one received. Plus the error-name table and the image hash
 * reader on a corrupted buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fotakit/host/client.h"
#include "fotakit/err.h"
#include "fotakit/smp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VEC FOTAKIT_SHARED_DIR "/vectors/smp/"

/* Read a hex file: one record per line. Returns the number of records. */
static int read_hex(const char *path, uint8_t recs[][4096], size_t *lens, int max)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[16384];
    int n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        size_t l = strcspn(line, "\r\n");
        line[l] = 0;
        if (!l) {
            continue;
        }
        int r = fk_client_unhex(line, recs[n], 4096);
        assert_true(r > 0);
        lens[n++] = (size_t)r;
    }
    fclose(f);
    return n;
}

static uint8_t pk[32][4096], ln[32][4096];
static size_t pkl[32], lnl[32];
/* the decoder's frame buffer: as large as the serial transport's */
static uint8_t frame[8192 + 4];

/* Feed one byte: a packet's length (copied to out) when it completes one,
 * 0, or the negative code of a dropped frame. */
static int feed(struct fk_smp_serial_dec *d, uint8_t byte, uint8_t *out, size_t cap)
{
    size_t used = 0;
    const uint8_t *p = NULL;
    int r = fk_smp_serial_dec_feed(d, &byte, 1, &used, &p);
    assert_int_equal(used, 1);
    if (r > 0) {
        assert_non_null(p);
        assert_true((size_t)r <= cap);
        memcpy(out, p, (size_t)r);
    }
    return r;
}

static void check_decode(const char *base)
{
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, VEC "%s.hex", base);
    snprintf(p2, sizeof p2, VEC "%s_lines.hex", base);
    int np = read_hex(p1, pk, pkl, 32);
    int nl = read_hex(p2, ln, lnl, 32);
    assert_true(np > 0 && nl >= np);
    struct fk_smp_serial_dec dec;
    fk_smp_serial_dec_init(&dec, frame, sizeof frame);
    uint8_t out[4096];
    int got = 0;
    for (int i = 0; i < nl; i++) {
        for (size_t k = 0; k < lnl[i]; k++) {
            int r = feed(&dec, ln[i][k], out, sizeof out);
            assert_true(r >= 0);
            if (r > 0) {
                assert_true(got < np);
                assert_int_equal((size_t)r, pkl[got]);
                assert_memory_equal(out, pk[got], pkl[got]);
                got++;
            }
        }
    }
    assert_int_equal(got, np);
    assert_int_equal(dec.errors, 0);
    assert_int_equal(dec.frames, (uint32_t)np);
}

static void test_decode_go(void **s)
{
    (void)s;
    check_decode("mcumgr-go_serial_echo_hello");
    check_decode("mcumgr-go_serial_upload");
}

static void test_decode_smpclient(void **s)
{
    (void)s;
    check_decode("smpclient_serial_echo_hello");
    check_decode("smpclient_serial_upload");
}

static void test_encode_matches_go(void **s)
{
    (void)s;
    int np = read_hex(VEC "mcumgr-go_serial_upload.hex", pk, pkl, 32);
    int nl = read_hex(VEC "mcumgr-go_serial_upload_lines.hex", ln, lnl, 32);
    uint8_t out[8192];
    int li = 0;
    for (int i = 0; i < np; i++) {
        size_t nz = 0;
        assert_int_equal(fk_smp_serial_encode(pk[i], pkl[i], out, sizeof out, &nz), 0);
        assert_int_equal(nz, fk_smp_serial_frame_size(pkl[i]));
        int n = (int)nz;
        assert_true(n > 0);
        size_t o = 0;
        while (o < (size_t)n) {
            assert_true(li < nl);
            assert_memory_equal(out + o, ln[li], lnl[li]);
            assert_true(lnl[li] <= FK_SMP_SERIAL_LINE_MAX);
            o += lnl[li++];
        }
        assert_int_equal(o, (size_t)n);
    }
    assert_int_equal(li, nl);
}

static void test_corrupt_frames_dropped(void **s)
{
    (void)s;
    uint8_t pkt[] = {0x0a, 0, 0, 1, 0, 0, 7, 0, 0xa1, 0x61, 0x64, 0x61, 0x78};
    uint8_t lines[512], out[256];
    size_t nz = 0;
    assert_int_equal(fk_smp_serial_encode(pkt, sizeof pkt, lines, sizeof lines, &nz), 0);
    int n = (int)nz;
    assert_true(n > 0);
    struct fk_smp_serial_dec dec;
    fk_smp_serial_dec_init(&dec, frame, sizeof frame);
    /* flip one base64 character: CRC (or base64) must catch it */
    uint8_t bad[512];
    memcpy(bad, lines, (size_t)n);
    bad[5] = bad[5] == 'A' ? 'B' : 'A';
    int got = 0, drops = 0;
    for (int i = 0; i < n; i++) {
        int r = feed(&dec, bad[i], out, sizeof out);
        got += r > 0;
        drops += r < 0;
    }
    assert_int_equal(got, 0);
    assert_int_equal(drops, 1);
    assert_int_equal(dec.errors, 1);
    /* truncated base64 (a line without its last character) */
    memcpy(bad, lines, (size_t)n);
    bad[n - 2] = '\n';
    for (int i = 0; i < n - 1; i++) {
        int r = feed(&dec, bad[i], out, sizeof out);
        got += r > 0;
        drops += r < 0;
    }
    assert_int_equal(got, 0);
    assert_int_equal(drops, 2);
    assert_int_equal(dec.errors, 2);
    /* console text in between does not disturb the next good frame */
    const char *txt = "boot: hello\n";
    for (const char *c = txt; *c; c++) {
        assert_int_equal(feed(&dec, (uint8_t)*c, out, sizeof out), 0);
    }
    int r = 0;
    for (int i = 0; i < n; i++) {
        r = feed(&dec, lines[i], out, sizeof out);
    }
    assert_int_equal(r, (int)sizeof pkt);
    assert_memory_equal(out, pkt, sizeof pkt);
    assert_int_equal(dec.errors, 2);
}

/* The transport's receive path (whole reads into the decoder): a frame with
 * a bad CRC, console text, a packet too big for the caller's buffer, then a
 * good frame, all in one write. */
static void test_transport_drops_and_resyncs(void **s)
{
    (void)s;
    uint8_t pkt[] = {0x0a, 0, 0, 1, 0, 0, 7, 0, 0xa1, 0x61, 0x64, 0x61, 0x78};
    uint8_t wire[1024], out[sizeof pkt];
    size_t n = 0, o = 0;
    assert_int_equal(fk_smp_serial_encode(pkt, sizeof pkt, wire, sizeof wire, &n), 0);
    wire[5] = wire[5] == 'A' ? 'B' : 'A'; /* bad CRC */
    o = n;
    memcpy(wire + o, "boot: hello\n", 12);
    o += 12;
    uint8_t big[sizeof pkt + 1] = {0};
    assert_int_equal(fk_smp_serial_encode(big, sizeof big, wire + o, sizeof wire - o, &n), 0);
    o += n;
    assert_int_equal(fk_smp_serial_encode(pkt, sizeof pkt, wire + o, sizeof wire - o, &n), 0);
    o += n;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], wire, o), (ssize_t)o);
    struct fk_client_tp *tp;
    assert_int_equal(fk_client_tp_serial_from_fd(fds[0], &tp), 0);
    memset(out, 0, sizeof out);
    assert_int_equal(tp->recv(tp, out, sizeof out, 1000), (int)sizeof pkt);
    assert_memory_equal(out, pkt, sizeof pkt);
    assert_int_equal(tp->dropped, 2); /* the bad CRC and the oversized packet */
    assert_int_equal(tp->rx_packets, 1);
    assert_int_equal(tp->rx_wire, o);
    assert_int_equal(tp->recv(tp, out, sizeof out, 10), 0); /* nothing more */
    tp->close(tp);
    close(fds[1]);
}

static void test_error_names(void **s)
{
    (void)s;
    assert_string_equal(fk_client_mgmt_err_name(7), "MGMT_ERR_EMSGSIZE");
    assert_string_equal(fk_client_group_err_name(1, 23), "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC");
    assert_string_equal(fk_client_group_err_name(1, 30), "IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE");
    struct fk_client_status st = {.rc = 0, .group = 1, .group_rc = 23};
    char buf[256];
    assert_true(fk_client_status_failed(&st));
    assert_non_null(strstr(fk_client_status_str(&st, buf, sizeof buf), "INVALID_IMAGE_HEADER_MAGIC"));
    struct fk_client_status ok = {.group = -1};
    assert_false(fk_client_status_failed(&ok));
}

static void test_image_hash_reader(void **s)
{
    (void)s;
    FILE *f = fopen(FOTAKIT_SHARED_DIR "/vectors/imgtool/img-ecdsa-p256-100k-v1.2.3+4.bin", "rb");
    assert_non_null(f);
    static uint8_t img[200000];
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    uint8_t h[32];
    assert_int_equal(fk_client_image_file_hash(img, n, h), 0);
    /* the dumpinfo lists the SHA256 TLV value; check it appears there */
    char hex[65];
    fk_client_hex(h, 32, hex);
    f = fopen(FOTAKIT_SHARED_DIR "/vectors/imgtool/img-ecdsa-p256-100k-v1.2.3+4.bin.dumpinfo.txt", "r");
    assert_non_null(f);
    static char txt[65536];
    size_t tl = fread(txt, 1, sizeof txt - 1, f);
    txt[tl] = 0;
    fclose(f);
    /* dumpinfo prints bytes as "0xc2 0x92 ...": collect every 0xNN byte */
    static char flat[65536];
    size_t o = 0;
    for (size_t i = 0; i + 4 <= tl; i++) {
        if (txt[i] == '0' && txt[i + 1] == 'x' && isxdigit((unsigned char)txt[i + 2]) &&
            isxdigit((unsigned char)txt[i + 3]) && (i + 4 == tl || !isxdigit((unsigned char)txt[i + 4]))) {
            flat[o++] = (char)tolower((unsigned char)txt[i + 2]);
            flat[o++] = (char)tolower((unsigned char)txt[i + 3]);
        }
    }
    flat[o] = 0;
    assert_non_null(strstr(flat, hex));
    /* truncated image: an error, not a crash */
    assert_int_not_equal(fk_client_image_file_hash(img, 100, h), 0);
    img[0] ^= 1;
    assert_int_equal(fk_client_image_file_hash(img, n, h), FK_ECORRUPT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_go),
        cmocka_unit_test(test_decode_smpclient),
        cmocka_unit_test(test_encode_matches_go),
        cmocka_unit_test(test_corrupt_frames_dropped),
        cmocka_unit_test(test_transport_drops_and_resyncs),
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_image_hash_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
