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


/* TLVs of an in-memory image, via the device iterator. */
struct tlvlist {
    size_t n;
    struct fk_image_tlv t[16];
    struct fk_image_info info;
};

static void list_tlvs(const uint8_t *img, size_t len, struct tlvlist *l)
{
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    struct fk_image_tlv_iter it;
    fk_ram_flash_init(&dev, &fa, img, (uint32_t)len);
    assert_int_equal(fk_image_inspect(&fa, 0, &l->info), FK_OK);
    assert_int_equal(fk_image_tlv_begin(&it, &fa, 0, &l->info.hdr), FK_OK);
    l->n = 0;
    while (fk_image_tlv_next(&it, &l->t[l->n]) == 1) {
        l->n++;
        assert_true(l->n < 16);
    }
}

/* Our image vs imgtool's for the same inputs: identical header, hash region,
 * TLV types/order and the deterministic TLV values; the signature differs
 * (randomized) but verifies with the device verifier. */
static void same_layout(const uint8_t *ours, size_t olen, const char *vecname, const char *pub,
                        enum fk_key_type kt)
{
    size_t vlen;
    uint8_t *vec = vec_read(vecname, &vlen);
    struct tlvlist a, b;
    list_tlvs(ours, olen, &a);
    list_tlvs(vec, vlen, &b);
    assert_memory_equal(ours, vec, FK_IMAGE_HEADER_SIZE);
    assert_int_equal(a.info.tlv_off, b.info.tlv_off);
    assert_memory_equal(ours, vec, a.info.tlv_off); /* the whole hash region */
    assert_memory_equal(a.info.hash, b.info.hash, 32);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.t[i].type, b.t[i].type);
        assert_int_equal(a.t[i].prot, b.t[i].prot);
        if (a.t[i].type != FK_TLV_ECDSA_SIG && a.t[i].type != FK_TLV_RSA2048_PSS) {
            assert_int_equal(a.t[i].len, b.t[i].len);
            assert_memory_equal(ours + a.t[i].off, vec + b.t[i].off, a.t[i].len);
        }
    }
    /* and it verifies with the key imgtool's image verifies with */
    if (pub != NULL) {
        struct test_key k;
        struct ram_area r;
        struct fk_image_keyring ring = {.keys = &k.key, .count = 1, .allow_hash_only = false};
        struct fk_image_info info;
        uint8_t *copy = malloc(olen);
        memcpy(copy, ours, olen);
        test_key_load(&k, pub, kt);
        ram_area_init(&r, copy, (uint32_t)olen);
        assert_int_equal(fk_image_verify(&r.fa, 0, &ring, &info), FK_OK);
        free(k.der);
        free(copy);
    }
    free(vec);
}

static void test_ecdsa_rsa_layout(void **state)
{
    (void)state;
    struct fk_sign_opts o;
    size_t len;
    uint8_t *img;
    vec_opts(&o, "ecdsa-p256.pem", 1, 2, 3, 4);
    img = sign_ok(&o, &len);
    same_layout(img, len, "img-ecdsa-p256-v1.2.3+4.bin", "ecdsa-p256", FK_KEY_ECDSA_P256);
    free(img);
    vec_opts(&o, "rsa-2048.pem", 1, 0, 1, 0);
    img = sign_ok(&o, &len);
    assert_int_equal(len, 20848); /* RSA signatures have a fixed length */
    same_layout(img, len, "img-rsa2048-v1.0.1.bin", "rsa-2048", FK_KEY_RSA2048);
    free(img);
    vec_opts(&o, "ecdsa-p256.pem", 1, 2, 3, 4);
    o.pubkey_format = FK_PUBKEY_FULL;
    img = sign_ok(&o, &len);
    same_layout(img, len, "img-ecdsa-p256-pubkey-full.bin", "ecdsa-p256", FK_KEY_ECDSA_P256);
    free(img);
    /* -s auto -d "(1,1.2.0+0)" --custom-tlv 0xa0 0x0102030405060708 */
    static const uint8_t cv[] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct fk_dependency dep = {1, {1, 2, 0, 0}};
    struct fk_custom_tlv ct = {0xa0, cv, sizeof cv};
    vec_opts(&o, "ecdsa-p256.pem", 1, 2, 3, 4);
    o.has_security_counter = true;
    o.security_counter_auto = true;
    o.deps = &dep;
    o.ndeps = 1;
    o.custom = &ct;
    o.ncustom = 1;
    img = sign_ok(&o, &len);
    same_layout(img, len, "img-ecdsa-p256-prot-tlvs.bin", "ecdsa-p256", FK_KEY_ECDSA_P256);
    free(img);
}

/* Padded images: everything but the signature bytes is imgtool's. */
static void padded_like(const char *vecname, bool confirm, bool overwrite_only)
{
    struct fk_sign_opts o;
    size_t len, vlen;
    struct tlvlist a, b;
    vec_opts(&o, "ecdsa-p256.pem", 1, 2, 3, 4);
    o.pad = true;
    o.confirm = confirm;
    o.overwrite_only = overwrite_only;
    uint8_t *img = sign_ok(&o, &len);
    uint8_t *vec = vec_read(vecname, &vlen);
    assert_int_equal(len, 0x74000);
    assert_int_equal(len, vlen);
    list_tlvs(img, len, &a);
    list_tlvs(vec, vlen, &b);
    assert_memory_equal(img, vec, a.info.tlv_off);
    uint32_t hi = a.info.end_off > b.info.end_off ? a.info.end_off : b.info.end_off;
    /* erased between the TLVs and the slot end, then the same trailer */
    for (uint32_t i = a.info.end_off; i < hi; i++) assert_int_equal(img[i], 0xff);
    for (uint32_t i = b.info.end_off; i < hi; i++) assert_int_equal(vec[i], 0xff);
    assert_memory_equal(img + hi, vec + hi, len - hi);
    assert_int_equal(img[0x74000 - 24], confirm ? 0x01 : 0xff);
    free(img);
    free(vec);
}

static void test_padded_trailers(void **state)
{
    (void)state;
    padded_like("img-ecdsa-p256-pad-confirm.bin", true, false);
    padded_like("img-ecdsa-p256-pad-test.bin", false, false);
    /* opts.test alone (no pad flag) makes the same padded test image */
    struct fk_sign_opts o;
    size_t len;
    vec_opts(&o, NULL, 1, 0, 0, 0);
    o.test = true;
    uint8_t *img = sign_ok(&o, &len);
    assert_int_equal(len, 0x74000);
    assert_int_equal(img[0x74000 - 24], 0xff);
    assert_int_equal(img[0x74000 - 16], 0x77);
    free(img);
    uint8_t *out;
    char e[200];
    o.confirm = true;
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_EINVAL);
    padded_like("img-ecdsa-p256-overwrite-only-pad.bin", false, true);
}

/* The trailer reservation depends on -M: the seed's 0xe8000 slot has 232
 * sectors of 4 KiB. And the refusal says by how many bytes. */
static void test_max_sectors_fit(void **state)
{
    (void)state;
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    o.align = 4;
    assert_int_equal(fk_image_trailer_size(&o), 128 * 3 * 4 + 4 * 8 + 16); /* 1584 = 0x630 */
    o.max_sectors = 232;
    assert_int_equal(fk_image_trailer_size(&o), 232 * 3 * 4 + 4 * 8 + 16); /* 2832 */
    o.overwrite_only = true;
    assert_int_equal(fk_image_trailer_size(&o), 2 * 8 + 16);
    o.overwrite_only = false;
    o.align = 8;
    o.max_align = 16;
    assert_int_equal(fk_image_trailer_size(&o), 232 * 3 * 8 + 4 * 16 + 16);

    /* a hash-only image whose TLVs end 2832 - 5 bytes before 0xe8000 ... */
    const uint32_t slot = 0xe8000, hdr = 0x200, tlvs = 4 + 36;
    size_t plen = slot - 2832 - hdr - tlvs + 5;
    uint8_t *pl = malloc(plen), *out = NULL;
    size_t olen;
    char err[300];
    memset(pl, 0x5a, plen);
    fk_sign_opts_init(&o);
    o.header_size = hdr;
    o.pad_header = true;
    o.align = 4;
    o.slot_size = slot;
    o.pad = true;
    o.confirm = true;
    o.max_sectors = 232;
    /* ... does not fit with -M 232, by exactly 5 bytes */
    assert_int_equal(fk_image_sign(&o, pl, plen, &out, &olen, err, sizeof err), FK_ENOSPC);
    assert_null(out);
    assert_non_null(strstr(err, "by 5 bytes"));
    /* fits with the default 128 sectors (which would be wrong for this slot) */
    o.max_sectors = 128;
    assert_int_equal(fk_image_sign(&o, pl, plen, &out, &olen, err, sizeof err), FK_OK);
    assert_int_equal(olen, slot);
    free(out);
    /* with -M 232 and 5 bytes less it fits; trailer at the slot end */
    o.max_sectors = 232;
    assert_int_equal(fk_image_sign(&o, pl, plen - 5, &out, &olen, err, sizeof err), FK_OK);
    assert_int_equal(olen, slot);
    assert_int_equal(out[slot - 24], 0x01);
    assert_memory_equal(out + slot - 16, "\x77\xc2\x95\xf3\x60\xd2\xef\x7f\x35\x52\x50\x0f\x2c\xb6\x79\x80", 16);
    for (uint32_t i = slot - 2832; i < slot - 24; i++) assert_int_equal(out[i], 0xff);
    free(out);
    free(pl);
}

/* Keys: private and public PEM give imgtool's .pub.der; lang-c is imgtool's text. */
static void test_keys_match_imgtool(void **state)
{
    (void)state;
    static const struct {
        const char *stem;
        enum fk_key_type t;
    } ks[] = {{"ecdsa-p256", FK_KEY_ECDSA_P256}, {"ecdsa-p256-other", FK_KEY_ECDSA_P256},
              {"ed25519", FK_KEY_ED25519}, {"rsa-2048", FK_KEY_RSA2048}};
    for (size_t i = 0; i < 4; i++) {
        char p[512], e[256];
        size_t dl, tl;
        struct fk_host_key priv, pub;
        char name[128];
        snprintf(name, sizeof name, "%s.pub.der", ks[i].stem);
        uint8_t *der = vec_read(name, &dl);
        snprintf(name, sizeof name, "%s.pub.lang-c.txt", ks[i].stem);
        uint8_t *txt = vec_read(name, &tl);
        snprintf(p, sizeof p, "%s%s.pem", VEC_DIR, ks[i].stem);
        assert_int_equal(fk_host_key_load(p, &priv, e, sizeof e), FK_OK);
        snprintf(p, sizeof p, "%s%s.pub.pem", VEC_DIR, ks[i].stem);
        assert_int_equal(fk_host_key_load(p, &pub, e, sizeof e), FK_OK);
        assert_true(priv.is_private);
        assert_false(pub.is_private);
        assert_int_equal(priv.type, ks[i].t);
        assert_int_equal(priv.der_len, dl);
        assert_memory_equal(priv.der, der, dl);
        assert_int_equal(pub.der_len, dl);
        assert_memory_equal(pub.der, der, dl);
        char *c = fk_host_pub_lang_c(priv.type, priv.der, priv.der_len);
        assert_int_equal(strlen(c), tl);
        assert_memory_equal(c, txt, tl);
        free(c);
        fk_host_key_free(&priv);
        fk_host_key_free(&pub);
        free(der);
        free(txt);
    }
}

/* keygen -> sign -> verify with the device verifier, for every type. */
static void test_keygen_sign_verify(void **state)
{
    (void)state;
    static const enum fk_key_type types[] = {FK_KEY_ECDSA_P256, FK_KEY_ED25519, FK_KEY_RSA2048};
    for (size_t i = 0; i < 3; i++) {
        char path[256], e[256];
        snprintf(path, sizeof path, "%s/image_keygen_%s.pem", FOTAKIT_BINARY_DIR, fk_key_type_name(types[i]));
        assert_int_equal(fk_host_keygen(types[i], path, e, sizeof e), FK_OK);
        struct fk_sign_opts o;
        size_t len;
        vec_opts(&o, NULL, 3, 1, 4, 1);
        o.key_path = path;
        uint8_t *img = sign_ok(&o, &len);
        uint8_t kbuf[FK_KEY_DER_MAX];
        struct fk_image_key key;
        assert_int_equal(fk_image_key_load_pem(path, &key, kbuf, sizeof kbuf, e, sizeof e), FK_OK);
        assert_int_equal(key.type, types[i]);
        struct ram_area r;
        struct fk_image_keyring ring = {.keys = &key, .count = 1, .allow_hash_only = false};
        struct fk_image_info info;
        ram_area_init(&r, img, (uint32_t)len);
        assert_int_equal(fk_image_verify(&r.fa, 0, &ring, &info), FK_OK);
        assert_int_equal(info.key_index, 0);
        /* a vector key does not verify it */
        struct test_key other;
        test_key_load(&other, "ecdsa-p256-other", FK_KEY_ECDSA_P256);
        ring.keys = &other.key;
        assert_int_equal(fk_image_verify(&r.fa, 0, &ring, &info), FK_EIMG_NO_KEY);
        free(other.der);
        free(img);
        remove(path);
    }
}

/* Pure Ed25519 (SIG_PURE): signed by fotakit, checked by the streaming path. */
static void test_pure_ed25519(void **state)
{
    (void)state;
    struct fk_sign_opts o;
    size_t len;
    vec_opts(&o, "ed25519.pem", 2, 0, 0, 0);
    o.pure = true;
    uint8_t *img = sign_ok(&o, &len);
    struct test_key k;
    test_key_load(&k, "ed25519", FK_KEY_ED25519);
    struct ram_area r;
    struct fk_image_keyring ring = {.keys = &k.key, .count = 1, .allow_hash_only = false};
    struct fk_image_info info;
    ram_area_init(&r, img, (uint32_t)len);
    assert_int_equal(fk_image_verify(&r.fa, 0, &ring, &info), FK_OK);
    assert_true(info.sig_pure);
    /* the pure signature is not the digest signature of the vector */
    size_t vlen;
    uint8_t *vec = vec_read("img-ed25519-v2.0.0.bin", &vlen);
    assert_memory_not_equal(img + len - 64, vec + vlen - 64, 64);
    free(vec);
    /* dropping SIG_PURE's meaning (value 0x01 -> 0x00) is refused */
    struct tlvlist l;
    list_tlvs(img, len, &l);
    for (size_t i = 0; i < l.n; i++) {
        if (l.t[i].type == FK_TLV_SIG_PURE) img[l.t[i].off] = 0;
    }
    assert_int_equal(fk_image_verify(&r.fa, 0, &ring, &info), FK_EIMG_TLV_LEN);
    free(k.der);
    free(img);
}

/* Intel HEX: write two segments, read them back with the gap filled. */
static void test_hex_roundtrip(void **state)
{
    (void)state;
    char path[256], e[256];
    uint8_t a[40], b[7];
    for (int i = 0; i < 40; i++) a[i] = (uint8_t)(i * 3);
    memset(b, 0x11, sizeof b);
    struct fk_hex_seg segs[2] = {{0x0800fff0, a, sizeof a}, {0x08010100, b, sizeof b}};
    snprintf(path, sizeof path, "%s/image_hex_rt.hex", FOTAKIT_BINARY_DIR);
    assert_int_equal(fk_hex_write(path, segs, 2, e, sizeof e), FK_OK);
    uint8_t *d;
    size_t n;
    uint32_t base;
    assert_int_equal(fk_hex_read(path, 0xff, &d, &n, &base, e, sizeof e), FK_OK);
    assert_int_equal(base, 0x0800fff0);
    assert_int_equal(n, 0x08010107 - 0x0800fff0);
    assert_memory_equal(d, a, sizeof a);
    for (size_t i = sizeof a; i < 0x110; i++) assert_int_equal(d[i], 0xff);
    assert_memory_equal(d + 0x110, b, sizeof b);
    free(d);
    /* a corrupt checksum is named */
    FILE *f = fopen(path, "w");
    fputs(":10000000000102030405060708090A0B0C0D0E0F00\n:00000001FF\n", f);
    fclose(f);
    assert_int_equal(fk_hex_read(path, 0xff, &d, &n, &base, e, sizeof e), FK_ECORRUPT);
    assert_non_null(strstr(e, "line 1"));
    remove(path);
}

/* Bad options are refused with a message, never a crash. */
static void test_sign_refusals(void **state)
{
    (void)state;
    struct fk_sign_opts o;
    uint8_t *out;
    size_t len;
    char e[300];
    vec_opts(&o, NULL, 1, 0, 0, 0);
    o.align = 3;
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_EINVAL);
    assert_non_null(strstr(e, "--align"));
    vec_opts(&o, NULL, 1, 0, 0, 0);
    o.pad_header = false; /* payload does not start with zeros */
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_EINVAL);
    assert_non_null(strstr(e, "--pad-header"));
    vec_opts(&o, "ecdsa-p256.pub.pem", 1, 0, 0, 0); /* a public key cannot sign */
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_EINVAL);
    vec_opts(&o, "no-such-key.pem", 1, 0, 0, 0);
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_ENOENT);
    assert_non_null(strstr(e, "no-such-key.pem"));
    vec_opts(&o, "ecdsa-p256.pem", 1, 0, 0, 0);
    o.pure = true;
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_EINVAL);
    vec_opts(&o, NULL, 1, 0, 0, 0);
    o.load_addr = 0x20000000;
    o.rom_fixed = true;
    o.rom_fixed_addr = 0x08000000;
    assert_int_equal(fk_image_sign(&o, payload20k, payload20k_len, &out, &len, e, sizeof e), FK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ed25519_identical),
        cmocka_unit_test(test_hashonly_identical),
        cmocka_unit_test(test_ecdsa_rsa_layout),
        cmocka_unit_test(test_padded_trailers),
        cmocka_unit_test(test_max_sectors_fit),
        cmocka_unit_test(test_keys_match_imgtool),
        cmocka_unit_test(test_keygen_sign_verify),
        cmocka_unit_test(test_pure_ed25519),
        cmocka_unit_test(test_hex_roundtrip),
        cmocka_unit_test(test_sign_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
