/*
 * Test helper for cbor_crosscheck.py: reads one hex-encoded CBOR item per
 * line on stdin and prints, per line, either
 *   ok <hex>      the item as fotakit decoded it, re-encoded with fotakit's
 *                 encoder in definite-length form (floats and simple values
 *                 copied as they came)
 *   err <name>    fotakit's decoder rejected it
 * The script then compares with what python3-cbor2 makes of the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/cbor.h"

static int reencode(const struct fk_cbor_item *it, struct fk_cbor_enc *e)
{
    switch (it->type) {
    case FK_CBOR_UINT:
        fk_cbor_uint(e, it->u);
        return 0;
    case FK_CBOR_NINT: {
        /* head of major type 1 with argument u */
        uint8_t tmp[9];
        struct fk_cbor_enc h;
        fk_cbor_enc_init(&h, tmp, sizeof tmp);
        fk_cbor_uint(&h, it->u);
        tmp[0] |= 0x20;
        fk_cbor_raw(e, tmp, h.len);
        return 0;
    }
    case FK_CBOR_BSTR:
    case FK_CBOR_TSTR: {
        if (it->type == FK_CBOR_BSTR) {
            fk_cbor_bstr_head(e, it->len);
        } else {
            fk_cbor_tstr_head(e, it->len);
        }
        struct fk_cbor_chunks c;
        const uint8_t *p;
        size_t n;
        fk_cbor_chunks_begin(&c, it);
        while (fk_cbor_chunks_next(&c, &p, &n) == 1) {
            fk_cbor_raw(e, p, n);
        }
        return 0;
    }
    case FK_CBOR_ARRAY:
    case FK_CBOR_MAP:
    case FK_CBOR_TAG: {
        struct fk_cbor_iter i;
        struct fk_cbor_item child;
        size_t count = 0;
        int rc = fk_cbor_iter_begin(&i, it);
        if (rc) {
            return rc;
        }
        while ((rc = fk_cbor_iter_next(&i, &child)) == 1) {
            count++;
        }
        if (rc < 0) {
            return rc;
        }
        if (it->type == FK_CBOR_ARRAY) {
            fk_cbor_array(e, count);
        } else if (it->type == FK_CBOR_MAP) {
            fk_cbor_map(e, count / 2);
        } else {
            uint8_t tmp[9];
            struct fk_cbor_enc h;
            fk_cbor_enc_init(&h, tmp, sizeof tmp);
            fk_cbor_uint(&h, it->u);
            tmp[0] |= 0xc0;
            fk_cbor_raw(e, tmp, h.len);
        }
        fk_cbor_iter_begin(&i, it);
        while (fk_cbor_iter_next(&i, &child) == 1) {
            rc = reencode(&child, e);
            if (rc) {
                return rc;
            }
        }
        return 0;
    }
    case FK_CBOR_FALSE:
        fk_cbor_bool(e, false);
        return 0;
    case FK_CBOR_TRUE:
        fk_cbor_bool(e, true);
        return 0;
    case FK_CBOR_NULL:
        fk_cbor_null(e);
        return 0;
    default:
        fk_cbor_raw(e, it->raw, it->raw_len);
        return 0;
    }
}

int main(void)
{
    static char line[1 << 20];
    static uint8_t in[1 << 19], out[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        size_t l = strcspn(line, "\r\n");
        size_t n = 0;
        for (size_t i = 0; i + 1 < l; i += 2) {
            unsigned v;
            sscanf(line + i, "%2x", &v);
            in[n++] = (uint8_t)v;
        }
        size_t used;
        int rc = fk_cbor_check(in, n, &used);
        if (rc == FK_OK && used != n) {
            rc = FK_ESMP_CBOR; /* one item per line: trailing bytes are an error */
        }
        struct fk_cbor_item it;
        if (rc == FK_OK) {
            rc = fk_cbor_decode(in, n, &it);
        }
        struct fk_cbor_enc e;
        fk_cbor_enc_init(&e, out, sizeof out);
        if (rc == FK_OK) {
            rc = reencode(&it, &e);
        }
        if (rc == FK_OK) {
            rc = fk_cbor_enc_done(&e, NULL);
        }
        if (rc) {
            printf("err %s\n", fk_err_name(rc));
        } else {
            printf("ok ");
            for (size_t i = 0; i < e.len; i++) {
                printf("%02x", out[i]);
            }
            printf("\n");
        }
        fflush(stdout);
    }
    return 0;
}
