/* libFuzzer: fotakit's heap-free CBOR decoder. */
#include <stddef.h>
#include <stdint.h>

#include "fotakit/cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct fk_cbor_item *it, int depth)
{
    uint8_t tmp[64];
    size_t n;
    if (it->type == FK_CBOR_BSTR || it->type == FK_CBOR_TSTR) {
        fk_cbor_str_copy(it, tmp, sizeof tmp, &n);
        fk_cbor_str_eq(it, "data");
        return;
    }
    if ((it->type != FK_CBOR_ARRAY && it->type != FK_CBOR_MAP) || depth > 40) {
        int64_t v;
        fk_cbor_get_int(it, &v);
        return;
    }
    struct fk_cbor_iter i;
    struct fk_cbor_item c;
    if (fk_cbor_iter_begin(&i, it) != FK_OK) {
        return;
    }
    while (fk_cbor_iter_next(&i, &c) == 1) {
        walk(&c, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    if (fk_cbor_check(data, size, &len) == FK_OK) {
        if (len > size) {
            __builtin_trap();
        }
        struct fk_cbor_item it;
        if (fk_cbor_decode(data, len, &it) == FK_OK) {
            walk(&it, 0);
        }
    }
    struct fk_cbor_field f[] = {
        {.key = "off", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        {.key = "data", .accept = FK_CBOR_ACCEPT(FK_CBOR_BSTR)},
        {.key = "hash", .accept = FK_CBOR_ACCEPT(FK_CBOR_BSTR) | FK_CBOR_ACCEPT(FK_CBOR_NULL)},
        {.key = "confirm", .accept = FK_CBOR_ACCEPT(FK_CBOR_TRUE) | FK_CBOR_ACCEPT(FK_CBOR_FALSE)},
    };
    const char *bad;
    fk_cbor_map_fields(data, size, f, 4, &bad);
    return 0;
}
