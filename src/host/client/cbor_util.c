/* libcbor helpers: map lookups that accept definite and indefinite strings. */
#include "client_priv.h"

#include <string.h>

static bool key_is(cbor_item_t *k, const char *name)
{
    if (!cbor_isa_string(k) || !cbor_string_is_definite(k)) {
        return false;
    }
    size_t n = strlen(name);
    return cbor_string_length(k) == n && !memcmp(cbor_string_handle(k), name, n);
}

cbor_item_t *fk_cl_map_get(cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map)) {
        return NULL;
    }
    size_t n = cbor_map_size(map);
    struct cbor_pair *p = cbor_map_handle(map);
    for (size_t i = 0; i < n; i++) {
        if (key_is(p[i].key, key)) {
            return p[i].value;
        }
    }
    return NULL;
}

bool fk_cl_int(cbor_item_t *it, int64_t *out)
{
    if (!it) {
        return false;
    }
    if (cbor_isa_uint(it)) {
        *out = (int64_t)cbor_get_int(it);
        return true;
    }
    if (cbor_isa_negint(it)) {
        *out = -1 - (int64_t)cbor_get_int(it);
        return true;
    }
    return false;
}

bool fk_cl_map_int(cbor_item_t *map, const char *key, int64_t *out)
{
    return fk_cl_int(fk_cl_map_get(map, key), out);
}

bool fk_cl_map_bool(cbor_item_t *map, const char *key, bool *out)
{
    cbor_item_t *it = fk_cl_map_get(map, key);
    if (!it || !cbor_is_bool(it)) {
        return false;
    }
    *out = cbor_get_bool(it);
    return true;
}

/* Copy a (definite or indefinite) text/byte string; returns its length or -1. */
long fk_cl_str(cbor_item_t *it, void *out, size_t cap)
{
    if (!it || !(cbor_isa_string(it) || cbor_isa_bytestring(it))) {
        return -1;
    }
    bool text = cbor_isa_string(it);
    size_t o = 0;
    if (text ? cbor_string_is_definite(it) : cbor_bytestring_is_definite(it)) {
        size_t n = text ? cbor_string_length(it) : cbor_bytestring_length(it);
        const uint8_t *h = text ? cbor_string_handle(it) : cbor_bytestring_handle(it);
        if (n > cap) {
            n = cap;
        }
        memcpy(out, h, n);
        o = n;
    } else {
        size_t cnt = text ? cbor_string_chunk_count(it) : cbor_bytestring_chunk_count(it);
        cbor_item_t **ch = text ? cbor_string_chunks_handle(it) : cbor_bytestring_chunks_handle(it);
        for (size_t i = 0; i < cnt; i++) {
            long r = fk_cl_str(ch[i], (uint8_t *)out + o, cap - o);
            if (r < 0) {
                return -1;
            }
            o += (size_t)r;
        }
    }
    return (long)o;
}

bool fk_cl_map_str(cbor_item_t *map, const char *key, char *out, size_t cap)
{
    if (!cap) {
        return false;
    }
    long n = fk_cl_str(fk_cl_map_get(map, key), out, cap - 1);
    if (n < 0) {
        out[0] = 0;
        return false;
    }
    out[n] = 0;
    return true;
}

void fk_cl_put(cbor_item_t *map, const char *key, cbor_item_t *val)
{
    cbor_map_add(map, (struct cbor_pair){.key = cbor_move(cbor_build_string(key)),
                                         .value = cbor_move(val)});
}

cbor_item_t *fk_cl_uint(uint64_t v)
{
    return cbor_build_uint64(v);
}

int fk_cl_encode(cbor_item_t *item, uint8_t **out, size_t *len)
{
    size_t cap = 0;
    *out = NULL;
    *len = cbor_serialize_alloc(item, out, &cap);
    return *len ? 0 : FK_ENOMEM;
}

