/*
 * fotakit CBOR (RFC 8949): the small, heap-free codec the SMP server uses.
 *
 * Only what SMP needs: unsigned/negative integers, byte and text strings
 * (definite and indefinite length), arrays and maps (definite and indefinite),
 * false/true/null; tags, other simple values and floats are decoded only to be
 * skipped. Nesting is bounded by FK_CBOR_MAX_DEPTH. Device code: no heap, no
 * stdio; the decoder never reads outside the buffer it was given.
 *
 * Encoder: write into a caller buffer; an overflow is sticky and reported by
 * fk_cbor_enc_done().
 *
 *     uint8_t buf[64]; struct fk_cbor_enc e;
 *     fk_cbor_enc_init(&e, buf, sizeof buf);
 *     fk_cbor_map(&e, 1); fk_cbor_tstr(&e, "r"); fk_cbor_tstr(&e, "hello");
 *     size_t n; int rc = fk_cbor_enc_done(&e, &n);
 *
 * Decoder: fk_cbor_check() validates one whole item (well-formed, nesting
 * bound, ends inside the buffer); fk_cbor_map_fields() then picks the wanted
 * keys of a top-level map, in any order, skipping the others.
 */
#ifndef FOTAKIT_CBOR_H
#define FOTAKIT_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef FK_CBOR_MAX_DEPTH
#define FK_CBOR_MAX_DEPTH 8 /* containers (and tags) nested at most this deep */
#endif

/* ---- encoder ----------------------------------------------------------- */

struct fk_cbor_enc {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow; /* sticky: something did not fit */
};

void fk_cbor_enc_init(struct fk_cbor_enc *e, uint8_t *buf, size_t cap);
void fk_cbor_uint(struct fk_cbor_enc *e, uint64_t v);
void fk_cbor_int(struct fk_cbor_enc *e, int64_t v);
void fk_cbor_bool(struct fk_cbor_enc *e, bool v);
void fk_cbor_null(struct fk_cbor_enc *e);
void fk_cbor_tstr(struct fk_cbor_enc *e, const char *s); /* NUL-terminated */
void fk_cbor_tstrn(struct fk_cbor_enc *e, const char *s, size_t n);
void fk_cbor_bstr(struct fk_cbor_enc *e, const uint8_t *b, size_t n);
void fk_cbor_map(struct fk_cbor_enc *e, size_t pairs);
void fk_cbor_array(struct fk_cbor_enc *e, size_t items);
void fk_cbor_map_indef(struct fk_cbor_enc *e);
void fk_cbor_array_indef(struct fk_cbor_enc *e);
void fk_cbor_break(struct fk_cbor_enc *e); /* ends an indefinite container */
/* Heads only: the content follows with fk_cbor_raw() (e.g. piece by piece). */
void fk_cbor_tstr_head(struct fk_cbor_enc *e, size_t n);
void fk_cbor_bstr_head(struct fk_cbor_enc *e, size_t n);
/* Raw bytes (an already-encoded item). */
void fk_cbor_raw(struct fk_cbor_enc *e, const uint8_t *b, size_t n);
/* FK_OK and *len (may be NULL), or FK_ENOMEM if anything did not fit. */
int fk_cbor_enc_done(const struct fk_cbor_enc *e, size_t *len);

/* ---- decoder ----------------------------------------------------------- */

enum fk_cbor_type {
    FK_CBOR_NONE = 0,
    FK_CBOR_UINT,   /* u = value */
    FK_CBOR_NINT,   /* value = -1 - u (u up to 2^64-1) */
    FK_CBOR_BSTR,   /* len = total length; chunked when indefinite */
    FK_CBOR_TSTR,
    FK_CBOR_ARRAY,  /* u = item count (0 when indefinite: see `indef`) */
    FK_CBOR_MAP,    /* u = pair count */
    FK_CBOR_TAG,    /* u = tag number (the tagged item follows) */
    FK_CBOR_FALSE,
    FK_CBOR_TRUE,
    FK_CBOR_NULL,
    FK_CBOR_UNDEF,
    FK_CBOR_SIMPLE, /* other simple value, u = value */
    FK_CBOR_FLOAT,  /* half/single/double: not interpreted */
};

/* One decoded item: a view into the input buffer (nothing is copied). */
struct fk_cbor_item {
    enum fk_cbor_type type;
    bool indef;          /* indefinite-length string/array/map */
    uint64_t u;
    const uint8_t *str;  /* definite string: its bytes; indefinite: NULL */
    size_t len;          /* string: total content length (all chunks) */
    const uint8_t *raw;  /* the whole encoded item (head + content) */
    size_t raw_len;
};

/* Validate exactly one item at buf: well formed, nesting <= FK_CBOR_MAX_DEPTH,
 * indefinite strings made of definite chunks of their own major type, text
 * strings (each chunk) valid UTF-8, no stray break. *item_len (may be NULL) = its encoded length (bytes after it
 * are not examined). FK_ESMP_CBOR / FK_ESMP_CBOR_DEPTH otherwise. */
int fk_cbor_check(const uint8_t *buf, size_t len, size_t *item_len);

/* Decode the item at buf (must have passed fk_cbor_check, directly or as part
 * of an enclosing item). Fills *it; returns FK_OK or FK_ESMP_CBOR. */
int fk_cbor_decode(const uint8_t *buf, size_t len, struct fk_cbor_item *it);

/* Strings: iterate over the contiguous pieces of a string item (one piece
 * for a definite string, one per chunk for an indefinite one). */
struct fk_cbor_chunks {
    const uint8_t *p, *end;
    bool indef, done;
};
void fk_cbor_chunks_begin(struct fk_cbor_chunks *c, const struct fk_cbor_item *str);
/* 1: *ptr and *n set; 0: no more. */
int fk_cbor_chunks_next(struct fk_cbor_chunks *c, const uint8_t **ptr, size_t *n);
/* Copy a string item's content; FK_ENOMEM if it does not fit cap. */
int fk_cbor_str_copy(const struct fk_cbor_item *str, uint8_t *out, size_t cap, size_t *n);
/* True if a text/byte string item equals the NUL-terminated key. */
bool fk_cbor_str_eq(const struct fk_cbor_item *str, const char *key);
/* int64 value of an UINT/NINT item; false if not an integer or out of range. */
bool fk_cbor_get_int(const struct fk_cbor_item *it, int64_t *out);

/* Iterate a container's children. For maps, each pair is two calls (key,
 * then value). The container must have passed fk_cbor_check. */
struct fk_cbor_iter {
    const uint8_t *p, *end;
    uint64_t left; /* definite: items left; indefinite: unused */
    bool indef;
};
int fk_cbor_iter_begin(struct fk_cbor_iter *i, const struct fk_cbor_item *container);
/* 1: *it filled (and the iterator advanced past it); 0: end; <0 error. */
int fk_cbor_iter_next(struct fk_cbor_iter *i, struct fk_cbor_item *it);

/* Pick fields out of a top-level map, keys in any order (like zcbor's bulk
 * map decode). Each field names a text key and the type(s) it accepts; found
 * fields get their item and found=true. Keys that are not text or not listed
 * are skipped. A listed key present twice, or with a type it does not accept,
 * is an error: FK_EINVAL (and *bad, may be NULL, names the key). A buffer
 * that is not one well-formed map: FK_ESMP_CBOR (or FK_ESMP_CBOR_DEPTH).
 * An empty buffer (len 0) is accepted as an empty map (SMP allows empty
 * payloads). */
#define FK_CBOR_ACCEPT(t) (1u << (t))
struct fk_cbor_field {
    const char *key;
    uint32_t accept;  /* OR of FK_CBOR_ACCEPT(FK_CBOR_...) */
    bool found;
    struct fk_cbor_item item;
};
int fk_cbor_map_fields(const uint8_t *buf, size_t len, struct fk_cbor_field *f, size_t n,
                       const char **bad);

#ifdef __cplusplus
}
#endif
#endif
