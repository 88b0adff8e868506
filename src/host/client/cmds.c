/* OS and image group commands (everything but upload). */
#include "client_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Call with a request map, decode the answer; *root is the decoded answer
 * (caller decrefs) when 0 is returned and the status is not a failure. */
static int call_map(struct fk_client *c, int op, uint16_t group, uint8_t cmd, cbor_item_t *req,
                    cbor_item_t **root, struct fk_client_status *st)
{
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    *root = NULL;
    if (req) {
        int e = fk_cl_encode(req, &enc, &enc_len);
        if (e) {
            return e;
        }
    }
    uint8_t *rsp = NULL;
    size_t rsp_len = 0;
    int rc = fk_client_call(c, op, group, cmd, enc, enc_len, &rsp, &rsp_len, st);
    free(enc);
    if (rc) {
        return rc;
    }
    if (rsp_len) {
        struct cbor_load_result lr;
        *root = cbor_load(rsp, rsp_len, &lr);
    }
    free(rsp);
    return 0;
}

int fk_client_echo(struct fk_client *c, const char *text, char *out, size_t outlen,
                   struct fk_client_status *st)
{
    cbor_item_t *req = cbor_new_definite_map(1);
    fk_cl_put(req, "d", cbor_build_string(text));
    cbor_item_t *root;
    int rc = call_map(c, FK_CL_OP_WRITE, FK_CL_GROUP_OS, 0, req, &root, st);
    cbor_decref(&req);
    if (rc == 0 && !fk_client_status_failed(st)) {
        if (!fk_cl_map_str(root, "r", out, outlen)) {
            rc = FK_ECORRUPT;
        }
    }
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

int fk_client_params(struct fk_client *c, struct fk_client_status *st)
{
    cbor_item_t *root;
    int rc = call_map(c, FK_CL_OP_READ, FK_CL_GROUP_OS, 6, NULL, &root, st);
    if (rc == 0 && !fk_client_status_failed(st)) {
        int64_t v;
        if (fk_cl_map_int(root, "buf_size", &v) && v > 0 && v < (1 << 24)) {
            c->buf_size = (uint32_t)v;
        } else {
            rc = FK_ECORRUPT;
        }
        if (fk_cl_map_int(root, "buf_count", &v) && v > 0 && v < (1 << 24)) {
            c->buf_count = (uint32_t)v;
        }
    }
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

int fk_client_reset(struct fk_client *c, struct fk_client_status *st)
{
    return fk_client_reset_mode(c, -1, st);
}

int fk_client_reset_mode(struct fk_client *c, int boot_mode, struct fk_client_status *st)
{
    cbor_item_t *req = NULL, *root;
    if (boot_mode >= 0) {
        req = cbor_new_definite_map(1);
        fk_cl_put(req, "boot_mode", cbor_build_uint8((uint8_t)boot_mode));
    }
    int rc = call_map(c, FK_CL_OP_WRITE, FK_CL_GROUP_OS, 5, req, &root, st);
    if (req) {
        cbor_decref(&req);
    }
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

static void fmt_item(cbor_item_t *it, char *out, size_t len)
{
    int64_t v;
    bool b;
    if (fk_cl_int(it, &v)) {
        snprintf(out, len, "%lld", (long long)v);
    } else if (cbor_is_bool(it)) {
        b = cbor_get_bool(it);
        snprintf(out, len, "%s", b ? "true" : "false");
    } else if (cbor_isa_string(it)) {
        long n = fk_cl_str(it, out, len - 1);
        out[n < 0 ? 0 : n] = 0;
    } else if (cbor_isa_bytestring(it)) {
        uint8_t tmp[64];
        long n = fk_cl_str(it, tmp, sizeof tmp);
        if (n < 0 || (size_t)n * 2 + 1 > len) {
            snprintf(out, len, "(bytes)");
        } else {
            fk_client_hex(tmp, (size_t)n, out);
        }
    } else {
        snprintf(out, len, "(%s)", cbor_isa_map(it) ? "map" : cbor_isa_array(it) ? "array" : "value");
    }
}

int fk_client_simple(struct fk_client *c, int op, uint16_t group, uint8_t cmd, const char *key,
                     const char *val, char *out, size_t outlen, struct fk_client_status *st)
{
    cbor_item_t *req = cbor_new_definite_map(1);
    if (key) {
        fk_cl_put(req, key, cbor_build_string(val));
    }
    cbor_item_t *root;
    int rc = call_map(c, op, group, cmd, req, &root, st);
    cbor_decref(&req);
    size_t o = 0;
    if (outlen) {
        out[0] = 0;
    }
    if (rc == 0 && root && cbor_isa_map(root)) {
        struct cbor_pair *p = cbor_map_handle(root);
        for (size_t i = 0; i < cbor_map_size(root); i++) {
            char k[64], v[256];
            fmt_item(p[i].key, k, sizeof k);
            fmt_item(p[i].value, v, sizeof v);
            int n = snprintf(out + o, outlen - o, "%s: %s\n", k, v);
            if (n < 0 || (size_t)n >= outlen - o) {
                break;
            }
            o += (size_t)n;
        }
    }
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

static int parse_images(cbor_item_t *root, struct fk_client_image_list *out)
{
    memset(out, 0, sizeof *out);
    cbor_item_t *imgs = fk_cl_map_get(root, "images");
    if (!imgs || !cbor_isa_array(imgs)) {
        return FK_ECORRUPT;
    }
    size_t n = cbor_array_size(imgs);
    cbor_item_t **h = cbor_array_handle(imgs);
    for (size_t i = 0; i < n && out->count < FK_CL_MAX_SLOTS; i++) {
        struct fk_client_slot *s = &out->slot[out->count++];
        int64_t v = 0;
        s->image = fk_cl_map_int(h[i], "image", &v) ? (int)v : 0;
        s->slot = fk_cl_map_int(h[i], "slot", &v) ? (int)v : -1;
        fk_cl_map_str(h[i], "version", s->version, sizeof s->version);
        long hl = fk_cl_str(fk_cl_map_get(h[i], "hash"), s->hash, sizeof s->hash);
        s->has_hash = hl == 32;
        fk_cl_map_bool(h[i], "bootable", &s->bootable);
        fk_cl_map_bool(h[i], "pending", &s->pending);
        fk_cl_map_bool(h[i], "confirmed", &s->confirmed);
        fk_cl_map_bool(h[i], "active", &s->active);
        fk_cl_map_bool(h[i], "permanent", &s->permanent);
    }
    int64_t v;
    out->split_status = fk_cl_map_int(root, "splitStatus", &v) ? (int)v : 0;
    return 0;
}

int fk_client_image_list(struct fk_client *c, struct fk_client_image_list *out,
                         struct fk_client_status *st)
{
    cbor_item_t *root;
    int rc = call_map(c, FK_CL_OP_READ, FK_CL_GROUP_IMAGE, 0, NULL, &root, st);
    if (rc == 0 && !fk_client_status_failed(st)) {
        rc = parse_images(root, out);
    }
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

int fk_client_image_state(struct fk_client *c, const uint8_t *hash, bool confirm,
                          struct fk_client_image_list *out, struct fk_client_status *st)
{
    cbor_item_t *req = cbor_new_definite_map(2);
    if (hash) {
        fk_cl_put(req, "hash", cbor_build_bytestring(hash, 32));
    }
    fk_cl_put(req, "confirm", cbor_build_bool(confirm));
    cbor_item_t *root;
    int rc = call_map(c, FK_CL_OP_WRITE, FK_CL_GROUP_IMAGE, 0, req, &root, st);
    cbor_decref(&req);
    if (rc == 0 && !fk_client_status_failed(st) && out) {
        if (parse_images(root, out)) {
            memset(out, 0, sizeof *out); /* answer without a list: fine */
        }
    }
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

int fk_client_image_erase(struct fk_client *c, int slot, struct fk_client_status *st)
{
    cbor_item_t *req = cbor_new_definite_map(1);
    if (slot >= 0) {
        fk_cl_put(req, "slot", fk_cl_uint((uint64_t)slot));
    }
    cbor_item_t *root;
    /* the device answers when the erase is done: wait for it rather than
     * retransmitting (each retransmission would queue another erase) */
    int saved = c->timeout_ms;
    c->timeout_ms = fk_cl_slow_timeout(c);
    int rc = call_map(c, FK_CL_OP_WRITE, FK_CL_GROUP_IMAGE, 5, req, &root, st);
    c->timeout_ms = saved;
    cbor_decref(&req);
    if (root) {
        cbor_decref(&root);
    }
    return rc;
}

/* The SHA256 TLV of an MCUboot image file: header -> hdr_size + img_size ->
 * optional protected TLV area (0x6908) -> TLV area (0x6907) -> type 0x10. */
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

int fk_client_image_file_hash(const uint8_t *d, size_t len, uint8_t hash[32])
{
    if (len < 32 || le32(d) != 0x96f3b83du) {
        return FK_ECORRUPT;
    }
    uint64_t off = (uint64_t)le16(d + 8) + le32(d + 12);
    for (int area = 0; area < 2; area++) {
        if (off + 4 > len) {
            return FK_ECORRUPT;
        }
        uint16_t magic = le16(d + off);
        uint64_t end = off + le16(d + off + 2);
        if (end > len || end < off + 4) {
            return FK_ECORRUPT;
        }
        if (magic == 0x6908) {
            off = end;
            continue;
        }
        if (magic != 0x6907) {
            return FK_ECORRUPT;
        }
        for (uint64_t p = off + 4; p + 4 <= end;) {
            uint16_t type = le16(d + p), l = le16(d + p + 2);
            if (p + 4 + l > end) {
                return FK_ECORRUPT;
            }
            if (type == 0x10 && l == 32) {
                memcpy(hash, d + p + 4, 32);
                return 0;
            }
            p += 4u + l;
        }
        return FK_ENOENT;
    }
    return FK_ENOENT;
}
