/*
 * CBOR decoder: validation with a nesting bound, then zero-copy views.
 *
 * Invariant: every function that walks items first has the item validated by
 * check_item() (directly or through its enclosing container), so the view and
 * iterator functions may trust lengths without re-checking them against the
 * buffer; they still stop at `end` defensively.
 */
#include <string.h>

#include "fotakit/cbor.h"

struct head {
    uint8_t major;
    uint8_t ai;
    bool indef;
    uint64_t arg;
    size_t hlen;
};

static int read_head(const uint8_t *p, const uint8_t *end, struct head *h)
{
    if (p >= end) {
        return FK_ESMP_CBOR;
    }
    h->major = (uint8_t)(p[0] >> 5);
    h->ai = (uint8_t)(p[0] & 0x1f);
    h->indef = false;
    h->arg = 0;
    size_t n;
    if (h->ai < 24) {
        h->arg = h->ai;
        h->hlen = 1;
        return FK_OK;
    }
    switch (h->ai) {
    case 24: n = 1; break;
    case 25: n = 2; break;
    case 26: n = 4; break;
    case 27: n = 8; break;
    case 31:
        /* indefinite length (strings, arrays, maps) or break (major 7) */
        if (h->major == 0 || h->major == 1 || h->major == 6) {
            return FK_ESMP_CBOR;
        }
        h->indef = true;
        h->hlen = 1;
        return FK_OK;
    default:
        return FK_ESMP_CBOR; /* 28..30 reserved */
    }
    if ((size_t)(end - p) < 1 + n) {
        return FK_ESMP_CBOR;
    }
    for (size_t i = 0; i < n; i++) {
        h->arg = (h->arg << 8) | p[1 + i];
    }
    h->hlen = 1 + n;
    /* Two-byte simple values below 32 are not well-formed (RFC 8949 3.3). */
    if (h->major == 7 && h->ai == 24 && h->arg < 32) {
        return FK_ESMP_CBOR;
    }
    return FK_OK;
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Text strings must be valid (RFC 8949 3.1); each chunk of an indefinite
 * text string on its own. */
static bool utf8_ok(const uint8_t *p, uint64_t n)
{
    uint64_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        uint32_t need, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (n - i - 1 < need) {
            return false;
        }
        for (uint32_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += need + 1;
    }
    return true;
}

static bool is_break(const struct head *h)
{
    return h->major == 7 && h->indef;
}

/* Validate one item at p (depth = nesting of its container). A break is
 * reported through *brk (and is an error unless the caller expects one). */
static int check_item(const uint8_t *p, const uint8_t *end, int depth, size_t *used, bool *brk)
{
    struct head h;
    int rc = read_head(p, end, &h);
    if (rc) {
        return rc;
    }
    *brk = false;
    const uint8_t *q = p + h.hlen;
    size_t avail = (size_t)(end - q);
    switch (h.major) {
    case 0:
    case 1:
        break;
    case 2:
    case 3:
        if (!h.indef) {
            if (h.arg > avail || (h.major == 3 && !utf8_ok(q, h.arg))) {
                return FK_ESMP_CBOR;
            }
            q += h.arg;
            break;
        }
        /* indefinite string: definite chunks of the same major type, then break */
        for (;;) {
            struct head c;
            rc = read_head(q, end, &c);
            if (rc) {
                return rc;
            }
            if (is_break(&c)) {
                q += 1;
                break;
            }
            if (c.major != h.major || c.indef) {
                return FK_ESMP_CBOR;
            }
            q += c.hlen;
            if (c.arg > (uint64_t)(end - q) || (h.major == 3 && !utf8_ok(q, c.arg))) {
                return FK_ESMP_CBOR;
            }
            q += c.arg;
        }
        break;
    case 4:
    case 5:
    case 6: {
        if (depth + 1 > FK_CBOR_MAX_DEPTH) {
            return FK_ESMP_CBOR_DEPTH;
        }
        uint64_t n = h.major == 6 ? 1 : h.arg;
        bool map = h.major == 5;
        if (h.indef) {
            for (uint64_t i = 0;; i++) {
                size_t u;
                bool b;
                rc = check_item(q, end, depth + 1, &u, &b);
                if (rc) {
                    return rc;
                }
                q += u;
                if (b) {
                    if (map && (i & 1)) {
                        return FK_ESMP_CBOR; /* break where a value belongs */
                    }
                    break;
                }
            }
            break;
        }
        /* Each item takes at least one byte: a count larger than what is
         * left fails fast instead of looping 2^64 times. */
        if (n > avail || (map && n > avail / 2)) {
            return FK_ESMP_CBOR;
        }
        if (map) {
            n *= 2;
        }
        for (uint64_t i = 0; i < n; i++) {
            size_t u;
            bool b;
            rc = check_item(q, end, depth + 1, &u, &b);
            if (rc) {
                return rc;
            }
            if (b) {
                return FK_ESMP_CBOR; /* break inside a definite container */
            }
            q += u;
        }
        break;
    }
    case 7:
        if (h.indef) {
            *brk = true;
        }
        /* simple values / floats: the head is the whole item */
        break;
    default:
        return FK_ESMP_CBOR;
    }
    *used = (size_t)(q - p);
    return FK_OK;
}

int fk_cbor_check(const uint8_t *buf, size_t len, size_t *item_len)
{
    if (!buf) {
        return FK_ESMP_CBOR;
    }
    size_t used;
    bool brk;
    int rc = check_item(buf, buf + len, 0, &used, &brk);
    if (rc) {
        return rc;
    }
    if (brk) {
        return FK_ESMP_CBOR; /* a stray break is not an item */
    }
    if (item_len) {
        *item_len = used;
    }
    return FK_OK;
}

int fk_cbor_decode(const uint8_t *buf, size_t len, struct fk_cbor_item *it)
{
    struct head h;
    memset(it, 0, sizeof *it);
    int rc = read_head(buf, buf + len, &h);
    if (rc) {
        return rc;
    }
    if (is_break(&h)) {
        return FK_ESMP_CBOR;
    }
    size_t used;
    bool brk;
    /* Depth 0 here: an item that was valid inside its container is valid
     * on its own (the bound only shrinks the deeper it sits). */
    rc = check_item(buf, buf + len, 0, &used, &brk);
    if (rc) {
        return rc;
    }
    it->raw = buf;
    it->raw_len = used;
    it->indef = h.indef;
    it->u = h.arg;
    switch (h.major) {
    case 0: it->type = FK_CBOR_UINT; break;
    case 1: it->type = FK_CBOR_NINT; break;
    case 2:
    case 3:
        it->type = h.major == 2 ? FK_CBOR_BSTR : FK_CBOR_TSTR;
        if (!h.indef) {
            it->str = buf + h.hlen;
            it->len = (size_t)h.arg;
        } else {
            struct fk_cbor_chunks c;
            const uint8_t *ptr;
            size_t n;
            fk_cbor_chunks_begin(&c, it);
            while (fk_cbor_chunks_next(&c, &ptr, &n) == 1) {
                it->len += n;
            }
        }
        it->u = it->len;
        break;
    case 4: it->type = FK_CBOR_ARRAY; break;
    case 5: it->type = FK_CBOR_MAP; break;
    case 6: it->type = FK_CBOR_TAG; break;
    default:
        if (h.ai == 20) {
            it->type = FK_CBOR_FALSE;
        } else if (h.ai == 21) {
            it->type = FK_CBOR_TRUE;
        } else if (h.ai == 22) {
            it->type = FK_CBOR_NULL;
        } else if (h.ai == 23) {
            it->type = FK_CBOR_UNDEF;
        } else if (h.ai >= 25 && h.ai <= 27) {
            it->type = FK_CBOR_FLOAT;
        } else {
            it->type = FK_CBOR_SIMPLE;
        }
        break;
    }
    if (h.indef) {
        it->u = it->type == FK_CBOR_BSTR || it->type == FK_CBOR_TSTR ? it->len : 0;
    }
    return FK_OK;
}

void fk_cbor_chunks_begin(struct fk_cbor_chunks *c, const struct fk_cbor_item *str)
{
    c->indef = str->indef;
    c->done = false;
    if (!str->indef) {
        c->p = str->str;
        c->end = str->str + str->len;
    } else {
        c->p = str->raw + 1;
        c->end = str->raw + str->raw_len;
    }
}

int fk_cbor_chunks_next(struct fk_cbor_chunks *c, const uint8_t **ptr, size_t *n)
{
    if (c->done) {
        return 0;
    }
    if (!c->indef) {
        c->done = true;
        *ptr = c->p;
        *n = (size_t)(c->end - c->p);
        return 1;
    }
    struct head h;
    if (read_head(c->p, c->end, &h) || is_break(&h) || h.arg > (uint64_t)(c->end - c->p - h.hlen)) {
        c->done = true;
        return 0;
    }
    *ptr = c->p + h.hlen;
    *n = (size_t)h.arg;
    c->p += h.hlen + (size_t)h.arg;
    return 1;
}

int fk_cbor_str_copy(const struct fk_cbor_item *str, uint8_t *out, size_t cap, size_t *n)
{
    if (str->type != FK_CBOR_BSTR && str->type != FK_CBOR_TSTR) {
        return FK_EINVAL;
    }
    if (str->len > cap) {
        return FK_ENOMEM;
    }
    struct fk_cbor_chunks c;
    const uint8_t *p;
    size_t k, at = 0;
    fk_cbor_chunks_begin(&c, str);
    while (fk_cbor_chunks_next(&c, &p, &k) == 1) {
        if (k) {
            memcpy(out + at, p, k);
        }
        at += k;
    }
    if (n) {
        *n = at;
    }
    return FK_OK;
}

bool fk_cbor_str_eq(const struct fk_cbor_item *str, const char *key)
{
    if (str->type != FK_CBOR_BSTR && str->type != FK_CBOR_TSTR) {
        return false;
    }
    size_t klen = strlen(key);
    if (str->len != klen) {
        return false;
    }
    struct fk_cbor_chunks c;
    const uint8_t *p;
    size_t k, at = 0;
    fk_cbor_chunks_begin(&c, str);
    while (fk_cbor_chunks_next(&c, &p, &k) == 1) {
        if (k && memcmp(key + at, p, k) != 0) {
            return false;
        }
        at += k;
    }
    return true;
}

bool fk_cbor_get_int(const struct fk_cbor_item *it, int64_t *out)
{
    if (it->type == FK_CBOR_UINT) {
        if (it->u > (uint64_t)INT64_MAX) {
            return false;
        }
        *out = (int64_t)it->u;
        return true;
    }
    if (it->type == FK_CBOR_NINT) {
        if (it->u > (uint64_t)INT64_MAX) {
            return false;
        }
        *out = -1 - (int64_t)it->u;
        return true;
    }
    return false;
}

int fk_cbor_iter_begin(struct fk_cbor_iter *i, const struct fk_cbor_item *container)
{
    struct head h;
    if (container->type != FK_CBOR_ARRAY && container->type != FK_CBOR_MAP &&
        container->type != FK_CBOR_TAG) {
        return FK_EINVAL;
    }
    int rc = read_head(container->raw, container->raw + container->raw_len, &h);
    if (rc) {
        return rc;
    }
    i->p = container->raw + h.hlen;
    i->end = container->raw + container->raw_len;
    i->indef = h.indef;
    i->left = container->type == FK_CBOR_MAP ? 2 * h.arg
              : container->type == FK_CBOR_TAG ? 1
                                               : h.arg;
    return FK_OK;
}

int fk_cbor_iter_next(struct fk_cbor_iter *i, struct fk_cbor_item *it)
{
    if (i->p >= i->end) {
        return 0;
    }
    if (i->indef) {
        if (*i->p == 0xff) {
            return 0;
        }
    } else if (i->left == 0) {
        return 0;
    }
    int rc = fk_cbor_decode(i->p, (size_t)(i->end - i->p), it);
    if (rc) {
        return rc;
    }
    i->p += it->raw_len;
    if (!i->indef) {
        i->left--;
    }
    return 1;
}

int fk_cbor_map_fields(const uint8_t *buf, size_t len, struct fk_cbor_field *f, size_t n,
                       const char **bad)
{
    for (size_t k = 0; k < n; k++) {
        f[k].found = false;
        memset(&f[k].item, 0, sizeof f[k].item);
    }
    if (bad) {
        *bad = NULL;
    }
    if (len == 0) {
        return FK_OK; /* empty payload = empty map */
    }
    size_t used;
    int rc = fk_cbor_check(buf, len, &used);
    if (rc) {
        return rc;
    }
    if (used != len) {
        return FK_ESMP_CBOR; /* bytes after the map */
    }
    struct fk_cbor_item map, key, val;
    rc = fk_cbor_decode(buf, len, &map);
    if (rc) {
        return rc;
    }
    if (map.type != FK_CBOR_MAP) {
        return FK_ESMP_CBOR;
    }
    struct fk_cbor_iter it;
    rc = fk_cbor_iter_begin(&it, &map);
    if (rc) {
        return rc;
    }
    for (;;) {
        rc = fk_cbor_iter_next(&it, &key);
        if (rc <= 0) {
            return rc;
        }
        rc = fk_cbor_iter_next(&it, &val);
        if (rc <= 0) {
            return rc < 0 ? rc : FK_ESMP_CBOR;
        }
        if (key.type != FK_CBOR_TSTR) {
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            if (!fk_cbor_str_eq(&key, f[k].key)) {
                continue;
            }
            if (f[k].found || !(f[k].accept & FK_CBOR_ACCEPT(val.type))) {
                if (bad) {
                    *bad = f[k].key;
                }
                return FK_EINVAL;
            }
            f[k].found = true;
            f[k].item = val;
            break;
        }
    }
}
