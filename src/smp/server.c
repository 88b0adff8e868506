/*
 * SMP server core: header handling, version rules, dispatch and the two
 * error answer forms (Zephyr's rules, see smp.h).
 */
#include <stdarg.h>
#include <string.h>

#include "fotakit/str_buf.h"
#include "smp_priv.h"

int fk_smp_hdr_decode(const uint8_t *buf, size_t len, struct fk_smp_hdr *h)
{
    if (!buf || len < FK_SMP_HDR_SIZE) {
        return FK_ESMP_SHORT;
    }
    h->op = buf[0] & 0x07;
    h->version = (uint8_t)((buf[0] >> 3) & 0x03);
    h->flags = buf[1];
    h->len = (uint16_t)((buf[2] << 8) | buf[3]);
    h->group = (uint16_t)((buf[4] << 8) | buf[5]);
    h->seq = buf[6];
    h->id = buf[7];
    return FK_OK;
}

void fk_smp_hdr_encode(const struct fk_smp_hdr *h, uint8_t out[FK_SMP_HDR_SIZE])
{
    out[0] = (uint8_t)(((h->version & 0x03) << 3) | (h->op & 0x07));
    out[1] = h->flags;
    out[2] = (uint8_t)(h->len >> 8);
    out[3] = (uint8_t)h->len;
    out[4] = (uint8_t)(h->group >> 8);
    out[5] = (uint8_t)h->group;
    out[6] = h->seq;
    out[7] = h->id;
}

/* ---- formatting without stdio ------------------------------------------ */

/* A tiny printf (%s %u %x %d) over fotakit/str_buf.h's builder: truncates,
 * always NUL-terminates. */
static void vfmt(char *out, size_t cap, const char *fmt, va_list ap)
{
    struct fk_sb b;
    if (!cap) {
        return;
    }
    fk_sb_init(&b, out, cap);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%' || !p[1]) {
            fk_sb_putc(&b, *p);
            continue;
        }
        p++;
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            fk_sb_puts(&b, s ? s : "(null)");
            break;
        }
        case 'u':
            fk_sb_dec(&b, va_arg(ap, unsigned));
            break;
        case 'x':
            fk_sb_hex(&b, va_arg(ap, unsigned), 0);
            break;
        case 'd':
            fk_sb_dec_signed(&b, va_arg(ap, int));
            break;
        default:
            fk_sb_putc(&b, *p);
            break;
        }
    }
}

void fk_smp_fmt(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfmt(out, cap, fmt, ap);
    va_end(ap);
}

void fk_smp_log(struct fk_smp_server *s, const char *fmt, ...)
{
    if (!s->cfg->log) {
        return;
    }
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vfmt(line, sizeof line, fmt, ap);
    va_end(ap);
    s->cfg->log(s->cfg->ctx, line);
}

void fk_smp_ver_str(const struct fk_image_version *v, char *out, size_t cap)
{
    if (v->build) {
        fk_smp_fmt(out, cap, "%u.%u.%u.%u", v->major, v->minor, v->revision, (unsigned)v->build);
    } else {
        fk_smp_fmt(out, cap, "%u.%u.%u", v->major, v->minor, v->revision);
    }
}

int fk_smp_mgmt_fail(struct fk_smp_req *r, int mgmt_rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfmt(r->rsn, sizeof r->rsn, fmt, ap);
    va_end(ap);
    r->mgmt_rc = mgmt_rc;
    return FK_SMP_R_MGMT;
}

int fk_smp_group_fail(struct fk_smp_req *r, int group_rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfmt(r->rsn, sizeof r->rsn, fmt, ap);
    va_end(ap);
    r->group_rc = group_rc;
    return FK_SMP_R_GROUP;
}

int fk_smp_payload_fail(struct fk_smp_req *r, int cbor_rc, const char *bad_key)
{
    if (cbor_rc == FK_EINVAL && bad_key) {
        return fk_smp_mgmt_fail(r, FK_MGMT_ERR_EINVAL,
                                "field \"%s\" has the wrong type or appears twice", bad_key);
    }
    if (cbor_rc == FK_ESMP_CBOR_DEPTH) {
        return fk_smp_mgmt_fail(r, FK_MGMT_ERR_EINVAL, "CBOR payload nests deeper than %u levels",
                                (unsigned)FK_CBOR_MAX_DEPTH);
    }
    return fk_smp_mgmt_fail(r, FK_MGMT_ERR_EINVAL,
                            "payload is not one well-formed CBOR map (%u bytes)", (unsigned)r->plen);
}

/* ---- server ---------------------------------------------------------------- */

/* Image 1's map: its slots under image 0's ids, plus the shared areas. */
static void img1_view(struct fk_smp_server *s)
{
    s->img1_map.areas = s->img1_areas;
    s->img1_map.count = 0;
    if (s->cfg->image_count >= 2) {
        (void)fk_flash_map_image(s->cfg->map, 1, s->img1_areas,
                                 sizeof s->img1_areas / sizeof s->img1_areas[0], &s->img1_map);
    }
}

int fk_smp_init(struct fk_smp_server *s, const struct fk_smp_config *cfg)
{
    if (!s || !cfg || !cfg->map) {
        return FK_EINVAL;
    }
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    img1_view(s);
    return FK_OK;
}

void fk_smp_sent(struct fk_smp_server *s)
{
    if (s && s->reset_pending) {
        s->reset_pending = false;
        if (s->cfg->reset) {
            s->cfg->reset(s->cfg->ctx);
        }
    }
}

bool fk_smp_reset_pending(const struct fk_smp_server *s)
{
    return s && s->reset_pending;
}

void fk_smp_forget_upload(struct fk_smp_server *s)
{
    memset(&s->up, 0, sizeof s->up);
}

/* fotakit's group: the last group error's reason (see FK_SMP_GROUP_FOTAKIT). */
static int fk_group_handle(struct fk_smp_req *r)
{
    const struct fk_smp_last_error *le = &r->s->last_err;
    if (r->hdr.id != FK_SMP_FK_LAST_REASON || r->hdr.op != FK_SMP_OP_READ) {
        return fk_smp_mgmt_fail(r, FK_MGMT_ERR_ENOTSUP, "fotakit group: command %u (op %u) "
                                "is not supported", (unsigned)r->hdr.id, (unsigned)r->hdr.op);
    }
    struct fk_cbor_enc *e = &r->enc;
    if (!le->valid) {
        fk_cbor_map(e, 0);
        return FK_SMP_R_OK;
    }
    fk_cbor_map(e, 5);
    fk_cbor_tstr(e, "seq");
    fk_cbor_uint(e, le->seq);
    fk_cbor_tstr(e, "group");
    fk_cbor_uint(e, le->group);
    fk_cbor_tstr(e, "id");
    fk_cbor_uint(e, le->id);
    fk_cbor_tstr(e, "code"); /* not "rc": that key means the answer failed */
    fk_cbor_uint(e, le->group_rc);
    fk_cbor_tstr(e, "rsn");
    fk_cbor_tstr(e, le->rsn);
    return FK_SMP_R_OK;
}

/* Encode the error answer for r into its (reset) encoder. */
static void encode_error(struct fk_smp_req *r, int kind)
{
    struct fk_cbor_enc *e = &r->enc;
    bool rsn = r->rsn[0] != '\0';
    if (kind == FK_SMP_R_GROUP && r->hdr.version >= FK_SMP_V2 &&
        !(r->s->cfg->flags & FK_SMP_F_RSN_V2)) {
        rsn = false; /* exactly Zephyr's {"err": {...}} */
    }
    e->len = 0;
    e->overflow = false;
    if (kind == FK_SMP_R_GROUP && r->hdr.version >= FK_SMP_V2) {
        fk_cbor_map(e, rsn ? 2 : 1);
        fk_cbor_tstr(e, "err");
        fk_cbor_map(e, 2);
        fk_cbor_tstr(e, "group");
        fk_cbor_uint(e, r->hdr.group);
        fk_cbor_tstr(e, "rc");
        fk_cbor_uint(e, (uint64_t)r->group_rc);
    } else {
        int rc = r->mgmt_rc;
        if (kind == FK_SMP_R_GROUP) {
            rc = r->hdr.group == FK_SMP_GROUP_IMAGE ? fk_smp_img_err_to_mgmt(r->group_rc)
                                                    : fk_smp_os_err_to_mgmt(r->group_rc);
        }
        fk_cbor_map(e, rsn ? 2 : 1);
        fk_cbor_tstr(e, "rc");
        fk_cbor_uint(e, (uint64_t)rc);
    }
    if (rsn) {
        fk_cbor_tstr(e, "rsn");
        if (kind == FK_SMP_R_GROUP && r->hdr.version < FK_SMP_V2) {
            /* v1 loses the group's own code: keep its name in the reason */
            char tmp[FK_SMP_RSN_LEN + 48];
            fk_smp_fmt(tmp, sizeof tmp, "%s: %s", fk_smp_group_err_name(r->hdr.group, r->group_rc),
                       r->rsn);
            fk_cbor_tstr(e, tmp);
        } else {
            fk_cbor_tstr(e, r->rsn);
        }
    }
}

int fk_smp_handle(struct fk_smp_server *s, const uint8_t *req, size_t len, uint8_t *rsp,
                  size_t rsp_cap, size_t *rsp_len)
{
    if (!s || !s->cfg || !rsp || !rsp_len || (!req && len)) {
        return FK_EINVAL;
    }
    *rsp_len = 0;
    s->img = 0; /* handlers addressing image 1 switch (img_grp.c, img_upload.c) */
    struct fk_smp_req r;
    memset(&r, 0, sizeof r);
    r.s = s;
    if (fk_smp_hdr_decode(req, len, &r.hdr) != FK_OK) {
        s->stats.dropped++;
        return FK_ESMP_SHORT;
    }
    if (r.hdr.op != FK_SMP_OP_READ && r.hdr.op != FK_SMP_OP_WRITE) {
        /* a response (or an unknown op): answering could start a loop */
        s->stats.dropped++;
        return FK_OK;
    }
    /* room for the largest answer without a reason: {"err": {"group": G, "rc": R}} */
    if (rsp_cap < FK_SMP_HDR_SIZE + 32) {
        return FK_ENOMEM;
    }
    s->stats.requests++;
    r.payload = req + FK_SMP_HDR_SIZE;
    r.plen = len - FK_SMP_HDR_SIZE;
    fk_cbor_enc_init(&r.enc, rsp + FK_SMP_HDR_SIZE,
                     rsp_cap - FK_SMP_HDR_SIZE > 0xffff ? 0xffff : rsp_cap - FK_SMP_HDR_SIZE);

    int kind;
    uint32_t buf_size = s->cfg->buf_size ? s->cfg->buf_size : 1024;
    if (r.hdr.version > FK_SMP_V2) {
        r.hdr.version = FK_SMP_V2; /* answer in the newest version we speak */
        kind = fk_smp_mgmt_fail(&r, FK_MGMT_ERR_UNSUPPORTED_TOO_NEW,
                                "SMP version %u is newer than this server's (2)",
                                (unsigned)(((req[0] >> 3) & 3) + 1));
    } else if ((size_t)r.hdr.len != r.plen) {
        kind = fk_smp_mgmt_fail(&r, FK_MGMT_ERR_ECORRUPT,
                                "header says %u payload bytes, packet carries %u",
                                (unsigned)r.hdr.len, (unsigned)r.plen);
    } else if (len > buf_size) {
        kind = fk_smp_mgmt_fail(&r, FK_MGMT_ERR_EMSGSIZE,
                                "request of %u bytes exceeds the buffer size %u", (unsigned)len,
                                (unsigned)buf_size);
    } else if (r.hdr.group == FK_SMP_GROUP_OS) {
        kind = fk_smp_os_handle(&r);
    } else if (r.hdr.group == FK_SMP_GROUP_IMAGE) {
        kind = fk_smp_img_handle(&r);
    } else if (r.hdr.group == FK_SMP_GROUP_FOTAKIT) {
        kind = fk_group_handle(&r);
    } else {
        kind = fk_smp_mgmt_fail(&r, FK_MGMT_ERR_ENOTSUP, "group %u is not supported",
                                (unsigned)r.hdr.group);
    }
    if (kind == FK_SMP_R_OK && r.enc.overflow) {
        kind = fk_smp_mgmt_fail(&r, FK_MGMT_ERR_EMSGSIZE,
                                "the answer does not fit the %u-byte response buffer",
                                (unsigned)rsp_cap);
    }
    if (kind != FK_SMP_R_OK) {
        s->stats.errors++;
        if (kind == FK_SMP_R_GROUP) {
            fk_smp_log(s, "group %u command %u: %s: %s", (unsigned)r.hdr.group,
                       (unsigned)r.hdr.id, fk_smp_group_err_name(r.hdr.group, r.group_rc), r.rsn);
            struct fk_smp_last_error *le = &s->last_err;
            le->valid = true;
            le->seq = r.hdr.seq;
            le->id = r.hdr.id;
            le->group = r.hdr.group;
            le->group_rc = (uint16_t)r.group_rc;
            memcpy(le->rsn, r.rsn, sizeof le->rsn);
        }
        encode_error(&r, kind);
        if (r.enc.overflow) {
            /* even the reason did not fit: drop it */
            r.rsn[0] = '\0';
            encode_error(&r, kind);
        }
    }
    struct fk_smp_hdr h = r.hdr;
    h.op = (uint8_t)(r.hdr.op + 1);
    h.flags = 0;
    h.len = (uint16_t)r.enc.len;
    fk_smp_hdr_encode(&h, rsp);
    *rsp_len = FK_SMP_HDR_SIZE + r.enc.len;
    return FK_OK;
}
