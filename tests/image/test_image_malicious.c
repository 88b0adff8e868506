/*
 * Malicious and malformed images against the device verifier. Every case
 * lives in a RAM area of exactly the image's size, so under ASan any read
 * past a bound the verifier should have checked is caught; each case must be
 * rejected with its specific reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fotakit/le.h"
#include "test_util.h"

static struct test_key ecdsa, other, ed;
static uint8_t *vec_ecdsa, *vec_prot, *vec_hash;
static size_t vec_ecdsa_len, vec_prot_len, vec_hash_len;

#define TLV_OFF 20512u /* unprotected TLV area of the plain 20000-byte vectors */

static int setup(void **state)
{
    (void)state;
    test_key_load(&ecdsa, "ecdsa-p256", FK_KEY_ECDSA_P256);
    test_key_load(&other, "ecdsa-p256-other", FK_KEY_ECDSA_P256);
    test_key_load(&ed, "ed25519", FK_KEY_ED25519);
    vec_ecdsa = vec_read("img-ecdsa-p256-v1.2.3+4.bin", &vec_ecdsa_len);
    vec_prot = vec_read("img-ecdsa-p256-prot-tlvs.bin", &vec_prot_len);
    vec_hash = vec_read("img-hashonly-v1.0.0.bin", &vec_hash_len);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ecdsa.der);
    free(other.der);
    free(ed.der);
    free(vec_ecdsa);
    free(vec_prot);
    free(vec_hash);
    return 0;
}

static uint8_t *dup(const uint8_t *b, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    memcpy(d, b, n);
    return d;
}

/* Verify `img` (taken over) in an exact-size RAM area with the given ring. */
static int run(uint8_t *img, size_t len, const struct fk_image_key *k, size_t nk, bool hash_only,
               struct fk_image_info *info)
{
    struct ram_area r;
    struct fk_image_keyring ring = {.keys = k, .count = nk, .allow_hash_only = hash_only};
    struct fk_image_info tmp;
    ram_area_init(&r, img, (uint32_t)len);
    int rc = fk_image_verify(&r.fa, 0, &ring, info ? info : &tmp);
    free(img);
    return rc;
}

#define EXPECT(want, expr)                                                                            \
    do {                                                                                              \
        int rc_ = (expr);                                                                             \
        if (rc_ != (want)) fail_msg("%s: got %s, want %s", #expr, fk_err_name(rc_), fk_err_name(want)); \
    } while (0)

/* ---- a small TLV builder ---- */
struct tb {
    uint8_t b[1024];
    size_t n;
};
static void tb_add(struct tb *t, uint16_t type, const uint8_t *v, uint16_t len)
{
    fk_put_le16(t->b + t->n, type);
    fk_put_le16(t->b + t->n + 2, len);
    memcpy(t->b + t->n + 4, v, len);
    t->n += 4u + len;
}
/* The ECDSA vector with its unprotected area replaced by `t`. */
static uint8_t *with_tlvs(const struct tb *t, size_t *len)
{
    *len = TLV_OFF + 4 + t->n;
    uint8_t *img = malloc(*len);
    memcpy(img, vec_ecdsa, TLV_OFF);
    fk_put_le16(img + TLV_OFF, FK_IMAGE_TLV_INFO_MAGIC);
    fk_put_le16(img + TLV_OFF + 2, (uint16_t)(t->n + 4));
    memcpy(img + TLV_OFF + 4, t->b, t->n);
    return img;
}
/* Verify the vector with its unprotected area replaced by `t`. */
static int run_tlvs(const struct tb *t, const struct fk_image_key *k, size_t nk, bool hash_only,
                    struct fk_image_info *info)
{
    size_t len;
    uint8_t *img = with_tlvs(t, &len);
    return run(img, len, k, nk, hash_only, info);
}

/* Values of the vector's TLVs. */
static const uint8_t *v_sha(void) { return vec_ecdsa + 20516 + 4; }
static const uint8_t *v_keyhash(void) { return vec_ecdsa + 20552 + 4; }
static const uint8_t *v_sig(void) { return vec_ecdsa + 20588 + 4; }
#define V_SIG_LEN 71

static void test_header_sizes(void **state)
{
    (void)state;
    uint8_t *img;
    /* img_size that overflows 32 bits with hdr_size */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le32(img + 12, 0xffffff00u);
    EXPECT(FK_EIMG_OVERFLOW, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* hdr + img fits 32 bits, + protected TLV size does not */
    img = dup(vec_prot, vec_prot_len);
    fk_put_le32(img + 12, 0xffffffffu - 0x200u - 20u);
    EXPECT(FK_EIMG_OVERFLOW, run(img, vec_prot_len, &ecdsa.key, 1, false, NULL));
    /* ... and + the 4-byte TLV info header */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le32(img + 12, 0xffffffffu - 0x200u - 2u);
    EXPECT(FK_EIMG_OVERFLOW, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* no overflow, but past the area */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le32(img + 12, 20000 + 200);
    EXPECT(FK_EIMG_TOO_BIG, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* header size below 32 */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + 8, 16);
    EXPECT(FK_EIMG_HDR_SIZE, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* an area smaller than a header */
    EXPECT(FK_EIMG_TOO_BIG, run(dup(vec_ecdsa, 20), 20, &ecdsa.key, 1, false, NULL));
    /* encrypted images are refused, not mis-hashed */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le32(img + 16, FK_IMAGE_F_ENCRYPTED_AES128);
    EXPECT(FK_EIMG_ENCRYPTED, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
}

static void test_tlv_area_bounds(void **state)
{
    (void)state;
    uint8_t *img;
    /* a TLV length past its area: KEYHASH len 0xffff, and the signature one byte too long */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + 20552 + 2, 0xffff);
    EXPECT(FK_EIMG_TLV_BOUNDS, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + 20588 + 2, V_SIG_LEN + 1);
    EXPECT(FK_EIMG_TLV_BOUNDS, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* the area's total past the flash area */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + TLV_OFF + 2, 152);
    EXPECT(FK_EIMG_TLV_BOUNDS, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* a total that ends inside a TLV header */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + TLV_OFF + 2, 4 + 36 + 2);
    EXPECT(FK_EIMG_TLV_BOUNDS, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* a total smaller than its own header */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + TLV_OFF + 2, 3);
    EXPECT(FK_EIMG_TLV_BOUNDS, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    /* wrong info magics */
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + TLV_OFF, 0x6906);
    EXPECT(FK_EIMG_TLV_INFO, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    img = dup(vec_ecdsa, vec_ecdsa_len);
    fk_put_le16(img + TLV_OFF, FK_IMAGE_TLV_PROT_INFO_MAGIC); /* protected magic where none is declared */
    EXPECT(FK_EIMG_TLV_INFO, run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL));
    img = dup(vec_prot, vec_prot_len);
    fk_put_le16(img + 20512, FK_IMAGE_TLV_INFO_MAGIC);
    EXPECT(FK_EIMG_TLV_INFO, run(img, vec_prot_len, &ecdsa.key, 1, false, NULL));
    /* protected area total disagreeing with the header */
    img = dup(vec_prot, vec_prot_len);
    fk_put_le16(img + 20512 + 2, 36);
    EXPECT(FK_EIMG_PROT_SIZE, run(img, vec_prot_len, &ecdsa.key, 1, false, NULL));
    /* a protected TLV running into the unprotected area */
    img = dup(vec_prot, vec_prot_len);
    fk_put_le16(img + 20540 + 2, 9);
    EXPECT(FK_EIMG_TLV_BOUNDS, run(img, vec_prot_len, &ecdsa.key, 1, false, NULL));
    /* truncated image: the unprotected info header itself missing */
    EXPECT(FK_EIMG_TOO_BIG, run(dup(vec_ecdsa, TLV_OFF + 2), TLV_OFF + 2, &ecdsa.key, 1, false, NULL));
}

static void test_tlv_contents(void **state)
{
    (void)state;
    struct tb t;
    uint8_t big[200] = {0};
    /* hash TLV of the wrong length */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 31);
    EXPECT(FK_EIMG_HASH_LEN, run_tlvs(&t, NULL, 0, true, NULL));
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, big, 33);
    EXPECT(FK_EIMG_HASH_LEN, run_tlvs(&t, NULL, 0, true, NULL));
    /* two hash TLVs */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    EXPECT(FK_EIMG_HASH_DUP, run_tlvs(&t, NULL, 0, true, NULL));
    /* no hash TLV: a signature alone is never enough */
    t.n = 0;
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_EIMG_NO_HASH, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* SEC_CNT outside the hash */
    uint8_t sc[4] = {9, 9, 9, 9};
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_SEC_CNT, sc, 4);
    EXPECT(FK_EIMG_TLV_UNPROT, run_tlvs(&t, NULL, 0, true, NULL));
    /* KEYHASH of the wrong length */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 31);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_EIMG_TLV_LEN, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* an Ed25519 signature claimed by an ECDSA key */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ED25519, big, 64);
    EXPECT(FK_EIMG_SIG_TYPE, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* an ECDSA signature longer than DER allows */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, big, 200);
    EXPECT(FK_EIMG_SIG_LEN, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* an empty signature */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, big, 0);
    EXPECT(FK_EIMG_SIG_LEN, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* SIG_PURE with an ECDSA signature */
    uint8_t one = 1;
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_SIG_PURE, &one, 1);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_EIMG_SIG_TYPE, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* the unmodified rebuild is accepted (the builder itself is right) */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_OK, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
}

static void test_two_signatures(void **state)
{
    (void)state;
    struct tb t;
    uint8_t bad[V_SIG_LEN];
    struct fk_image_info info;
    memcpy(bad, v_sig(), V_SIG_LEN);
    bad[V_SIG_LEN - 5] ^= 0x80;
    /* first invalid, second valid, both by the trusted key: rejected */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, bad, V_SIG_LEN);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_EIMG_SIG, run_tlvs(&t, &ecdsa.key, 1, false, &info));
    assert_int_equal(info.bad_off, TLV_OFF + 4 + 36 + 36); /* names the first signature */
    /* valid first, invalid second: also rejected */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, bad, V_SIG_LEN);
    EXPECT(FK_EIMG_SIG, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* a signature with no key TLV before it, then a valid one: the first
     * cannot be attributed to a ring key and is skipped */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, bad, V_SIG_LEN);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_OK, run_tlvs(&t, &ecdsa.key, 1, false, NULL));
    /* an untrusted key's (garbage) signature, then the trusted valid one: OK */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, other.key.der, 32); /* not other's hash: an unknown key */
    tb_add(&t, FK_TLV_ECDSA_SIG, bad, V_SIG_LEN);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_OK, run_tlvs(&t, &ecdsa.key, 1, false, &info));
    assert_int_equal(info.key_index, 0);
    /* only the untrusted one: no trusted key */
    t.n = 0;
    tb_add(&t, FK_TLV_SHA256, v_sha(), 32);
    tb_add(&t, FK_TLV_KEYHASH, v_keyhash(), 32);
    tb_add(&t, FK_TLV_ECDSA_SIG, v_sig(), V_SIG_LEN);
    EXPECT(FK_EIMG_NO_KEY, run_tlvs(&t, &other.key, 1, false, NULL));
}

/* Every bit of the header and of the unprotected TLV area flipped, one at a
 * time: never accepted, never a crash or an out-of-bounds read. */
static void test_bitflip_sweep(void **state)
{
    (void)state;
    uint32_t spans[2][2] = {{0, FK_IMAGE_HEADER_SIZE}, {TLV_OFF, (uint32_t)vec_ecdsa_len}};
    unsigned cases = 0;
    for (int s = 0; s < 2; s++) {
        for (uint32_t off = spans[s][0]; off < spans[s][1]; off++) {
            for (int bit = 0; bit < 8; bit++) {
                uint8_t *img = dup(vec_ecdsa, vec_ecdsa_len);
                img[off] ^= (uint8_t)(1u << bit);
                int rc = run(img, vec_ecdsa_len, &ecdsa.key, 1, false, NULL);
                if (rc == FK_OK) fail_msg("bit %d of byte 0x%x flipped: accepted", bit, off);
                cases++;
            }
        }
    }
    assert_int_equal(cases, (32 + 151) * 8);
}

/* Truncated images (the area ends early): rejected at every cut near the
 * header and the TLVs. */
static void test_truncation(void **state)
{
    (void)state;
    for (size_t n = 0; n < vec_ecdsa_len; n++) {
        if (n > 64 && n < TLV_OFF - 8) continue;
        int rc = run(dup(vec_ecdsa, n), n, &ecdsa.key, 1, false, NULL);
        if (rc == FK_OK) fail_msg("truncated to %zu bytes: accepted", n);
    }
}

/* An image at an offset inside a bigger area; and offsets past the area. */
static void test_offsets(void **state)
{
    (void)state;
    size_t len = 0x1000 + vec_ecdsa_len + 0x100;
    uint8_t *area = malloc(len);
    memset(area, 0xff, len);
    memcpy(area + 0x1000, vec_ecdsa, vec_ecdsa_len);
    struct ram_area r;
    struct fk_image_keyring ring = {.keys = &ecdsa.key, .count = 1, .allow_hash_only = false};
    struct fk_image_info info;
    ram_area_init(&r, area, (uint32_t)len);
    assert_int_equal(fk_image_verify(&r.fa, 0x1000, &ring, &info), FK_OK);
    assert_int_equal(info.end_off, vec_ecdsa_len);
    assert_int_equal(fk_image_verify(&r.fa, 0, &ring, &info), FK_EIMG_MAGIC); /* erased */
    assert_int_equal(fk_image_verify(&r.fa, (uint32_t)len, &ring, &info), FK_EIMG_TOO_BIG);
    assert_int_equal(fk_image_verify(&r.fa, 0xfffffff0u, &ring, &info), FK_EIMG_TOO_BIG);
    free(area);
}

/* Reason codes have names and sentences in err.c. */
static void test_reason_names(void **state)
{
    (void)state;
    for (int c = FK_EIMG_SEC_CNT; c <= FK_EIMG_MAGIC; c++) {
        assert_string_not_equal(fk_err_name(c), "FK_E?");
        assert_int_equal(strncmp(fk_err_name(c), "FK_EIMG_", 8), 0);
    }
    assert_string_equal(fk_err_name(FK_EIMG_HASH), "FK_EIMG_HASH");
    assert_string_equal(fk_err_name(FK_EIMG_TLV_BOUNDS), "FK_EIMG_TLV_BOUNDS");
    assert_string_equal(fk_err_name(FK_EIMG_SEC_CNT), "FK_EIMG_SEC_CNT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_sizes),    cmocka_unit_test(test_tlv_area_bounds),
        cmocka_unit_test(test_tlv_contents),    cmocka_unit_test(test_two_signatures),
        cmocka_unit_test(test_bitflip_sweep),   cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_offsets),         cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
