/* fotakit CBOR codec: RFC 8949 examples, map field picking, nesting bound,
 * and a cross-check against libcbor on random items in both directions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>

#include "fotakit/cbor.h"

static size_t unhex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; s[0] && s[1]; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void expect_enc(const struct fk_cbor_enc *e, const char *hex)
{
    uint8_t want[64];
    size_t n = unhex(hex, want);
    size_t len;
    assert_int_equal(fk_cbor_enc_done(e, &len), FK_OK);
    assert_int_equal(len, n);
    assert_memory_equal(e->buf, want, n);
}

static void test_rfc_examples(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        const char *hex;
    } ints[] = {
        {0, "00"},           {1, "01"},          {23, "17"},           {24, "1818"},
        {100, "1864"},       {1000, "1903e8"},   {1000000, "1a000f4240"},
        {1000000000000, "1b000000e8d4a51000"},   {-1, "20"},           {-10, "29"},
        {-100, "3863"},      {-1000, "3903e7"},  {INT64_MIN, "3b7fffffffffffffff"},
    };
    uint8_t buf[64];
    struct fk_cbor_enc e;
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        fk_cbor_enc_init(&e, buf, sizeof buf);
        fk_cbor_int(&e, ints[i].v);
        expect_enc(&e, ints[i].hex);
        struct fk_cbor_item it;
        assert_int_equal(fk_cbor_decode(buf, e.len, &it), FK_OK);
        int64_t back;
        assert_true(fk_cbor_get_int(&it, &back));
        assert_true(back == ints[i].v);
    }
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_uint(&e, UINT64_MAX);
    expect_enc(&e, "1bffffffffffffffff");
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_tstr(&e, "IETF");
    expect_enc(&e, "6449455446");
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_bstr(&e, (const uint8_t *)"\x01\x02\x03\x04", 4);
    expect_enc(&e, "4401020304");
    /* {"a": 1, "b": [2, 3]} */
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_map(&e, 2);
    fk_cbor_tstr(&e, "a");
    fk_cbor_uint(&e, 1);
    fk_cbor_tstr(&e, "b");
    fk_cbor_array(&e, 2);
    fk_cbor_uint(&e, 2);
    fk_cbor_uint(&e, 3);
    expect_enc(&e, "a26161016162820203");
    /* [_ 1, [2, 3], [_ 4, 5]] */
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_array_indef(&e);
    fk_cbor_uint(&e, 1);
    fk_cbor_array(&e, 2);
    fk_cbor_uint(&e, 2);
    fk_cbor_uint(&e, 3);
    fk_cbor_array_indef(&e);
    fk_cbor_uint(&e, 4);
    fk_cbor_uint(&e, 5);
    fk_cbor_break(&e);
    fk_cbor_break(&e);
    expect_enc(&e, "9f018202039f0405ffff");
    fk_cbor_enc_init(&e, buf, sizeof buf);
    fk_cbor_bool(&e, false);
    fk_cbor_bool(&e, true);
    fk_cbor_null(&e);
    expect_enc(&e, "f4f5f6");
    /* overflow is sticky and reported */
    fk_cbor_enc_init(&e, buf, 3);
    fk_cbor_tstr(&e, "IETF");
    fk_cbor_uint(&e, 1);
    size_t len;
    assert_int_equal(fk_cbor_enc_done(&e, &len), FK_ENOMEM);

    /* (_ h'0102', h'030405') decodes as 5 bytes in 2 chunks */
    size_t n = unhex("5f42010243030405ff", buf);
    struct fk_cbor_item it;
    assert_int_equal(fk_cbor_check(buf, n, NULL), FK_OK);
    assert_int_equal(fk_cbor_decode(buf, n, &it), FK_OK);
    assert_int_equal(it.type, FK_CBOR_BSTR);
    assert_true(it.indef);
    assert_int_equal(it.len, 5);
    uint8_t out[8];
    size_t ol;
    assert_int_equal(fk_cbor_str_copy(&it, out, sizeof out, &ol), FK_OK);
    assert_int_equal(ol, 5);
    assert_memory_equal(out, "\x01\x02\x03\x04\x05", 5);
    assert_int_equal(fk_cbor_str_copy(&it, out, 4, &ol), FK_ENOMEM);
}

static void test_map_fields(void **state)
{
    (void)state;
    uint8_t buf[128];
    /* {_ 1: "x", "len": 10, "data": (_ h'01', h'02'), "zz": [1,2]} (keys in
     * any order, a non-text key, an indefinite string) */
    size_t n = unhex("bf016178" "6464617461" "5f41014102ff" "636c656e0a" "627a7a820102" "ff", buf);
    struct fk_cbor_field f[] = {
        {.key = "len", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        {.key = "data", .accept = FK_CBOR_ACCEPT(FK_CBOR_BSTR)},
        {.key = "off", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
    };
    const char *bad;
    assert_int_equal(fk_cbor_map_fields(buf, n, f, 3, &bad), FK_OK);
    assert_true(f[0].found);
    assert_int_equal(f[0].item.u, 10);
    assert_true(f[1].found);
    assert_int_equal(f[1].item.len, 2);
    assert_false(f[2].found);
    /* wrong type names the key */
    f[0].accept = FK_CBOR_ACCEPT(FK_CBOR_TSTR);
    assert_int_equal(fk_cbor_map_fields(buf, n, f, 3, &bad), FK_EINVAL);
    assert_string_equal(bad, "len");
    /* duplicate key */
    n = unhex("a2616101616102", buf);
    struct fk_cbor_field g[] = {{.key = "a", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)}};
    assert_int_equal(fk_cbor_map_fields(buf, n, g, 1, &bad), FK_EINVAL);
    /* empty payload = empty map; not a map; trailing bytes */
    assert_int_equal(fk_cbor_map_fields(buf, 0, g, 1, &bad), FK_OK);
    assert_false(g[0].found);
    n = unhex("820102", buf);
    assert_int_equal(fk_cbor_map_fields(buf, n, g, 1, &bad), FK_ESMP_CBOR);
    n = unhex("a0a0", buf);
    assert_int_equal(fk_cbor_map_fields(buf, n, g, 1, &bad), FK_ESMP_CBOR);
    /* text must be UTF-8: a stray continuation byte, an overlong '/', a
     * surrogate; valid two-, three- and four-byte forms pass */
    static const char *text[] = {"a1616162c328", "a1616162c0af", "a1616163eda080"};
    for (size_t i = 0; i < 3; i++) {
        n = unhex(text[i], buf);
        assert_int_equal(fk_cbor_map_fields(buf, n, g, 1, &bad), FK_ESMP_CBOR);
    }
    n = unhex("a1616169c3a9e282acf09d849e", buf);
    assert_int_equal(fk_cbor_map_fields(buf, n, NULL, 0, &bad), FK_OK);
}

static void test_nesting_bound(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (int d = 1; d <= FK_CBOR_MAX_DEPTH + 3; d++) {
        size_t n = 0;
        for (int i = 0; i < d; i++) {
            buf[n++] = 0x81;
        }
        buf[n++] = 0x00;
        int rc = fk_cbor_check(buf, n, NULL);
        assert_int_equal(rc, d <= FK_CBOR_MAX_DEPTH ? FK_OK : FK_ESMP_CBOR_DEPTH);
        /* indefinite form too */
        n = 0;
        for (int i = 0; i < d; i++) {
            buf[n++] = 0x9f;
        }
        for (int i = 0; i < d; i++) {
            buf[n++] = 0xff;
        }
        rc = fk_cbor_check(buf, n, NULL);
        assert_int_equal(rc, d <= FK_CBOR_MAX_DEPTH ? FK_OK : FK_ESMP_CBOR_DEPTH);
    }
    /* a definite count far beyond the input fails fast */
    size_t n = unhex("9bffffffffffffffff", buf);
    assert_int_equal(fk_cbor_check(buf, n, NULL), FK_ESMP_CBOR);
    n = unhex("bbffffffffffffffff", buf);
    assert_int_equal(fk_cbor_check(buf, n, NULL), FK_ESMP_CBOR);
}

/* ---- libcbor cross-check ------------------------------------------------------ */

static uint32_t rnd_state = 1;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* Random item with fotakit's encoder, mixing definite and indefinite forms. */
static void gen(struct fk_cbor_enc *e, int depth)
{
    unsigned k = rnd() % (depth < 5 ? 9 : 6);
    uint8_t blob[300];
    switch (k) {
    case 0: {
        static const uint64_t vals[] = {0, 23, 24, 255, 256, 65535, 65536, 0xffffffffu,
                                        0x100000000ull, UINT64_MAX};
        fk_cbor_uint(e, vals[rnd() % 10]);
        break;
    }
    case 1:
        fk_cbor_int(e, -(int64_t)(rnd() % 100000) - 1);
        break;
    case 2: {
        size_t n = rnd() % sizeof blob;
        for (size_t i = 0; i < n; i++) {
            blob[i] = (uint8_t)rnd();
        }
        fk_cbor_bstr(e, blob, n);
        break;
    }
    case 3: {
        size_t n = rnd() % 40;
        for (size_t i = 0; i < n; i++) {
            blob[i] = (uint8_t)('a' + rnd() % 26);
        }
        fk_cbor_tstrn(e, (const char *)blob, n);
        break;
    }
    case 4:
        fk_cbor_bool(e, rnd() & 1);
        break;
    case 5:
        fk_cbor_null(e);
        break;
    case 6:
    case 7: {
        size_t n = rnd() % 6;
        bool indef = rnd() & 1;
        if (indef) {
            fk_cbor_array_indef(e);
        } else {
            fk_cbor_array(e, n);
        }
        for (size_t i = 0; i < n; i++) {
            gen(e, depth + 1);
        }
        if (indef) {
            fk_cbor_break(e);
        }
        break;
    }
    default: {
        size_t n = rnd() % 6;
        bool indef = rnd() & 1;
        if (indef) {
            fk_cbor_map_indef(e);
        } else {
            fk_cbor_map(e, n);
        }
        for (size_t i = 0; i < n; i++) {
            char key[16];
            snprintf(key, sizeof key, "k%u", (unsigned)i);
            fk_cbor_tstr(e, key);
            gen(e, depth + 1);
        }
        if (indef) {
            fk_cbor_break(e);
        }
        break;
    }
    }
}

/* Compare fotakit's view of an item with libcbor's. */
static void same(const struct fk_cbor_item *a, cbor_item_t *b)
{
    switch (a->type) {
    case FK_CBOR_UINT:
        assert_true(cbor_isa_uint(b));
        assert_true(cbor_get_int(b) == a->u);
        break;
    case FK_CBOR_NINT:
        assert_true(cbor_isa_negint(b));
        assert_true(cbor_get_int(b) == a->u);
        break;
    case FK_CBOR_BSTR:
    case FK_CBOR_TSTR: {
        bool bs = a->type == FK_CBOR_BSTR;
        assert_true(bs ? cbor_isa_bytestring(b) : cbor_isa_string(b));
        uint8_t *mine = malloc(a->len + 1);
        size_t ml;
        assert_int_equal(fk_cbor_str_copy(a, mine, a->len + 1, &ml), FK_OK);
        /* libcbor keeps chunks of indefinite strings */
        size_t at = 0;
        bool definite = bs ? cbor_bytestring_is_definite(b) : cbor_string_is_definite(b);
        assert_int_equal(definite, !a->indef);
        if (definite) {
            size_t l = bs ? cbor_bytestring_length(b) : cbor_string_length(b);
            assert_int_equal(l, ml);
            assert_memory_equal(bs ? cbor_bytestring_handle(b) : cbor_string_handle(b), mine, l);
        } else {
            size_t nc = bs ? cbor_bytestring_chunk_count(b) : cbor_string_chunk_count(b);
            cbor_item_t **ch = bs ? cbor_bytestring_chunks_handle(b) : cbor_string_chunks_handle(b);
            for (size_t i = 0; i < nc; i++) {
                size_t l = bs ? cbor_bytestring_length(ch[i]) : cbor_string_length(ch[i]);
                assert_memory_equal(bs ? cbor_bytestring_handle(ch[i]) : cbor_string_handle(ch[i]),
                                    mine + at, l);
                at += l;
            }
            assert_int_equal(at, ml);
        }
        free(mine);
        break;
    }
    case FK_CBOR_ARRAY: {
        assert_true(cbor_isa_array(b));
        assert_int_equal(cbor_array_is_indefinite(b), a->indef);
        struct fk_cbor_iter it;
        struct fk_cbor_item c;
        size_t i = 0;
        assert_int_equal(fk_cbor_iter_begin(&it, a), FK_OK);
        while (fk_cbor_iter_next(&it, &c) == 1) {
            assert_true(i < cbor_array_size(b));
            same(&c, cbor_array_handle(b)[i++]);
        }
        assert_int_equal(i, cbor_array_size(b));
        break;
    }
    case FK_CBOR_MAP: {
        assert_true(cbor_isa_map(b));
        assert_int_equal(cbor_map_is_indefinite(b), a->indef);
        struct fk_cbor_iter it;
        struct fk_cbor_item k, v;
        size_t i = 0;
        assert_int_equal(fk_cbor_iter_begin(&it, a), FK_OK);
        while (fk_cbor_iter_next(&it, &k) == 1) {
            assert_int_equal(fk_cbor_iter_next(&it, &v), 1);
            assert_true(i < cbor_map_size(b));
            same(&k, cbor_map_handle(b)[i].key);
            same(&v, cbor_map_handle(b)[i].value);
            i++;
        }
        assert_int_equal(i, cbor_map_size(b));
        break;
    }
    case FK_CBOR_TRUE:
    case FK_CBOR_FALSE:
        assert_true(cbor_is_bool(b));
        assert_int_equal(cbor_get_bool(b), a->type == FK_CBOR_TRUE);
        break;
    case FK_CBOR_NULL:
        assert_true(cbor_is_null(b));
        break;
    default:
        fail_msg("unexpected type %d", a->type);
    }
}

static void test_libcbor_crosscheck(void **state)
{
    (void)state;
    static uint8_t buf[1 << 16];
    for (int round = 0; round < 600; round++) {
        struct fk_cbor_enc e;
        fk_cbor_enc_init(&e, buf, sizeof buf);
        gen(&e, 0);
        size_t len;
        assert_int_equal(fk_cbor_enc_done(&e, &len), FK_OK);
        /* fotakit -> libcbor */
        struct cbor_load_result lr;
        cbor_item_t *b = cbor_load(buf, len, &lr);
        assert_non_null(b);
        assert_int_equal(lr.read, len);
        size_t used;
        assert_int_equal(fk_cbor_check(buf, len, &used), FK_OK);
        assert_int_equal(used, len);
        struct fk_cbor_item a;
        assert_int_equal(fk_cbor_decode(buf, len, &a), FK_OK);
        same(&a, b);
        /* libcbor's own serialization (definite forms) -> fotakit */
        unsigned char *ser;
        size_t ser_cap;
        size_t sl = cbor_serialize_alloc(b, &ser, &ser_cap);
        assert_true(sl > 0);
        if (!a.indef && a.type != FK_CBOR_ARRAY && a.type != FK_CBOR_MAP) {
            /* scalars: identical bytes (both use the shortest form) */
            assert_int_equal(sl, len);
            assert_memory_equal(ser, buf, len);
        }
        struct fk_cbor_item a2;
        assert_int_equal(fk_cbor_check(ser, sl, &used), FK_OK);
        assert_int_equal(used, sl);
        assert_int_equal(fk_cbor_decode(ser, sl, &a2), FK_OK);
        same(&a2, b);
        /* every proper prefix is rejected by both */
        for (size_t k = 0; k < len; k += 1 + len / 50) {
            assert_int_not_equal(fk_cbor_check(buf, k, NULL), FK_OK);
            cbor_item_t *p = cbor_load(buf, k, &lr);
            assert_null(p);
        }
        free(ser);
        cbor_decref(&b);
    }
}

/* Random bytes: never a crash; whatever fotakit accepts libcbor accepts with
 * the same length. */
static void test_garbage(void **state)
{
    (void)state;
    uint8_t buf[64];
    unsigned accepted = 0;
    for (int round = 0; round < 200000; round++) {
        size_t n = 1 + rnd() % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            /* bias towards interesting heads */
            buf[i] = (rnd() & 3) ? (uint8_t)rnd() : (uint8_t)(0x5f + (rnd() % 4) * 0x20);
        }
        size_t used;
        if (fk_cbor_check(buf, n, &used) == FK_OK) {
            accepted++;
            struct cbor_load_result lr;
            cbor_item_t *b = cbor_load(buf, used, &lr);
            if (b) {
                assert_int_equal(lr.read, used);
                struct fk_cbor_item a;
                assert_int_equal(fk_cbor_decode(buf, used, &a), FK_OK);
                assert_int_equal(a.raw_len, used);
                cbor_decref(&b);
            }
        }
    }
    assert_true(accepted > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_map_fields),
        cmocka_unit_test(test_nesting_bound),
        cmocka_unit_test(test_libcbor_crosscheck),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
