/*
 * fk_port_sha256_compress (src/port/cortex-m/sha256_cm.c) under the
 * verifier's buffering and padding (src/image/sha256.c with
 * FK_IMAGE_SHA256_PORT): the FIPS 180-2 examples, then BearSSL's digest for
 * every length 0..300 and a 100 KB input fed in uneven pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "image_priv.h"

static void digest(const uint8_t *p, size_t len, size_t piece, uint8_t out[32])
{
    struct fk_sha256 s;
    fk_sha256_init(&s);
    for (size_t done = 0; done < len;) {
        size_t n = len - done < piece ? len - done : piece;
        fk_sha256_update(&s, p + done, n);
        done += n;
    }
    fk_sha256_out(&s, out);
}

static void bearssl(const uint8_t *p, size_t len, uint8_t out[32])
{
    br_sha256_context c;
    br_sha256_init(&c);
    br_sha256_update(&c, p, len);
    br_sha256_out(&c, out);
}

static void test_fips_examples(void **state)
{
    (void)state;
    /* FIPS 180-2 appendix B.1 and B.2 */
    static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    static const uint8_t two[32] = {0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8, 0xe5, 0xc0, 0x26,
                                    0x93, 0x0c, 0x3e, 0x60, 0x39, 0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff,
                                    0x21, 0x67, 0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1};
    uint8_t out[32];
    digest((const uint8_t *)"abc", 3, 3, out);
    assert_memory_equal(out, abc, 32);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    digest((const uint8_t *)m, strlen(m), 7, out);
    assert_memory_equal(out, two, 32);
}

static uint8_t big[100000];

static void test_against_bearssl(void **state)
{
    (void)state;
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < sizeof big; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = (uint8_t)(x >> 16);
    }
    uint8_t want[32], got[32];
    for (size_t len = 0; len <= 300; len++) {
        bearssl(big, len, want);
        digest(big, len, len ? len : 1, got);
        assert_memory_equal(got, want, 32);
        digest(big, len, 13, got); /* pieces that straddle the block buffer */
        assert_memory_equal(got, want, 32);
    }
    bearssl(big, sizeof big, want);
    static const size_t pieces[] = {1, 63, 64, 65, 512, 4096, sizeof big};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        digest(big, sizeof big, pieces[i], got);
        assert_memory_equal(got, want, 32);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_examples),
        cmocka_unit_test(test_against_bearssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
