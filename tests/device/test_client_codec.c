/*
 * The client's serial framing against frames captured from real clients
 * (../shared/vectors/smp): the captured lines decode into the captured
 * packets, and encoding mcumgr-go's packets reproduces its lines byte for
 * byte (same 127-byte line limit). Plus the error-name table and the image
 * hash reader on a corrupted buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fotakit/client.h"
#include "fotakit/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void check_decode(const char *base)
{
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, VEC "%s.hex", base);
    snprintf(p2, sizeof p2, VEC "%s_lines.hex", base);
    int np = read_hex(p1, pk, pkl, 32);
    int nl = read_hex(p2, ln, lnl, 32);
    assert_true(np > 0 && nl >= np);
    struct fk_client_serial_dec dec;
    assert_int_equal(fk_client_serial_dec_init(&dec), 0);
    uint8_t out[4096];
    int got = 0;
    for (int i = 0; i < nl; i++) {
        for (size_t k = 0; k < lnl[i]; k++) {
            int r = fk_client_serial_dec_feed(&dec, ln[i][k], out, sizeof out);
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
    assert_int_equal(dec.dropped, 0);
    fk_client_serial_dec_free(&dec);
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
        int n = fk_client_serial_encode(pk[i], pkl[i], out, sizeof out);
        assert_true(n > 0);
        size_t o = 0;
        while (o < (size_t)n) {
            assert_true(li < nl);
            assert_memory_equal(out + o, ln[li], lnl[li]);
            assert_true(lnl[li] <= FK_CL_SERIAL_LINE_MAX);
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
    int n = fk_client_serial_encode(pkt, sizeof pkt, lines, sizeof lines);
    assert_true(n > 0);
    struct fk_client_serial_dec dec;
    assert_int_equal(fk_client_serial_dec_init(&dec), 0);
    /* flip one base64 character: CRC (or base64) must catch it */
    uint8_t bad[512];
    memcpy(bad, lines, (size_t)n);
    bad[5] = bad[5] == 'A' ? 'B' : 'A';
    int got = 0;
    for (int i = 0; i < n; i++) {
        got |= fk_client_serial_dec_feed(&dec, bad[i], out, sizeof out);
    }
    assert_int_equal(got, 0);
    assert_int_equal(dec.dropped, 1);
    /* truncated base64 (a line without its last character) */
    memcpy(bad, lines, (size_t)n);
    bad[n - 2] = '\n';
    for (int i = 0; i < n - 1; i++) {
        got |= fk_client_serial_dec_feed(&dec, bad[i], out, sizeof out);
    }
    assert_int_equal(got, 0);
    /* console text in between does not disturb the next good frame */
    const char *txt = "boot: hello\n";
    for (const char *c = txt; *c; c++) {
        assert_int_equal(fk_client_serial_dec_feed(&dec, (uint8_t)*c, out, sizeof out), 0);
    }
    int r = 0;
    for (int i = 0; i < n; i++) {
        r = fk_client_serial_dec_feed(&dec, lines[i], out, sizeof out);
    }
    assert_int_equal(r, (int)sizeof pkt);
    assert_memory_equal(out, pkt, sizeof pkt);
    fk_client_serial_dec_free(&dec);
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
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_image_hash_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
