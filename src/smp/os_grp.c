/* OS management group: echo, reset, mcumgr_params, info, bootloader info. */
#include <string.h>

#include "smp_priv.h"

#ifndef FOTAKIT_VERSION_STR
#define FOTAKIT_VERSION_STR "0.1.0"
#endif

#define ACCEPT_TSTR FK_CBOR_ACCEPT(FK_CBOR_TSTR)

static int os_echo(struct fk_smp_req *r)
{
    struct fk_cbor_field f[] = {{.key = "d", .accept = ACCEPT_TSTR}};
    const char *bad;
    int rc = fk_cbor_map_fields(r->payload, r->plen, f, 1, &bad);
    if (rc) {
        return fk_smp_payload_fail(r, rc, bad);
    }
    if (!f[0].found) {
        return fk_smp_mgmt_fail(r, FK_MGMT_ERR_EINVAL, "echo needs a text field \"d\"");
    }
    fk_cbor_map(&r->enc, 1);
    fk_cbor_tstr(&r->enc, "r");
    /* a chunked (indefinite) text string is echoed as one definite string */
    struct fk_cbor_chunks c;
    const uint8_t *p;
    size_t n;
    fk_cbor_tstr_head(&r->enc, f[0].item.len);
    fk_cbor_chunks_begin(&c, &f[0].item);
    while (fk_cbor_chunks_next(&c, &p, &n) == 1) {
        fk_cbor_raw(&r->enc, p, n);
    }
    return FK_SMP_R_OK;
}

static int os_reset(struct fk_smp_req *r)
{
    /* {"force": bool} is optional; anything decodable is accepted, as Zephyr.
     * "boot_mode" (Zephyr's CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE; 1 =
     * bootloader recovery): handed to cfg.set_boot_mode, ignored without it
     * (as Zephyr without that option). */
    struct fk_cbor_field f[] = {{.key = "force", .accept = ~0u},
                                {.key = "boot_mode", .accept = ~0u}};
    (void)fk_cbor_map_fields(r->payload, r->plen, f, 2, NULL);
    const struct fk_smp_config *cfg = r->s->cfg;
    if (f[1].found && cfg->set_boot_mode) {
        if (f[1].item.type != FK_CBOR_UINT || f[1].item.u > 255u) {
            return fk_smp_mgmt_fail(r, FK_MGMT_ERR_EINVAL, "boot_mode must be 0 .. 255");
        }
        int rc = cfg->set_boot_mode(cfg->ctx, (uint8_t)f[1].item.u);
        if (rc != FK_OK) {
            return fk_smp_mgmt_fail(r, FK_MGMT_ERR_ENOTSUP, "boot_mode %u not supported",
                                    (unsigned)f[1].item.u);
        }
        fk_smp_log(r->s, "boot mode %u set for the next boot", (unsigned)f[1].item.u);
    }
    r->s->reset_pending = true;
    fk_smp_log(r->s, "reset requested: resetting once the answer is sent");
    fk_cbor_map(&r->enc, 0);
    return FK_SMP_R_OK;
}

static int os_params(struct fk_smp_req *r)
{
    const struct fk_smp_config *cfg = r->s->cfg;
    fk_cbor_map(&r->enc, 2);
    fk_cbor_tstr(&r->enc, "buf_size");
    fk_cbor_uint(&r->enc, cfg->buf_size ? cfg->buf_size : 1024);
    fk_cbor_tstr(&r->enc, "buf_count");
    fk_cbor_uint(&r->enc, cfg->buf_count ? cfg->buf_count : 4);
    return FK_SMP_R_OK;
}

/* Running image version ("v" of info): the primary slot's header. */
static void running_version(struct fk_smp_server *s, char *out, size_t cap)
{
    struct fk_smp_slot_info si;
    fk_smp_read_slot(s, 0, &si);
    if (si.valid || si.img_rc != FK_IMG_MGMT_ERR_NO_IMAGE) {
        fk_smp_ver_str(&si.info.hdr.ver, out, cap);
    } else {
        fk_smp_fmt(out, cap, "none");
    }
}

static int os_info(struct fk_smp_req *r)
{
    struct fk_cbor_field f[] = {{.key = "format", .accept = ACCEPT_TSTR}};
    const char *bad;
    int rc = fk_cbor_map_fields(r->payload, r->plen, f, 1, &bad);
    if (rc) {
        return fk_smp_payload_fail(r, rc, bad);
    }
    /* Zephyr's letters, in its output order: s n r v b m p i o */
    static const char order[] = "snrvbmpio";
    unsigned mask = 0;
    char fmt[24];
    size_t flen = 0;
    if (f[0].found) {
        if (fk_cbor_str_copy(&f[0].item, (uint8_t *)fmt, sizeof fmt - 1, &flen)) {
            return fk_smp_group_fail(r, FK_OS_MGMT_ERR_INVALID_FORMAT, "format string too long");
        }
    }
    fmt[flen] = '\0';
    for (size_t i = 0; i < flen; i++) {
        if (fmt[i] == 'a') {
            mask = 0x1ff;
            continue;
        }
        const char *at = memchr(order, fmt[i], sizeof order - 1);
        if (!at) {
            return fk_smp_group_fail(r, FK_OS_MGMT_ERR_INVALID_FORMAT,
                                     "format character '%s' is not one of a s n r v b m p i o",
                                     (char[2]){fmt[i], 0});
        }
        mask |= 1u << (at - order);
    }
    if (flen == 0) {
        mask = 1; /* kernel name, as Zephyr */
    }
    const struct fk_smp_config *cfg = r->s->cfg;
    char ver[24];
    running_version(r->s, ver, sizeof ver);
    const char *vals[9] = {
        "fotakit",
        cfg->node_name ? cfg->node_name : "fotakit-device",
        FOTAKIT_VERSION_STR,
        ver,
        cfg->build_time ? cfg->build_time : "unknown",
        cfg->machine ? cfg->machine : "unknown",
        cfg->machine ? cfg->machine : "unknown",
        cfg->platform ? cfg->platform : "unknown",
        "fotakit",
    };
    char out[160];
    size_t ol = 0;
    out[0] = '\0';
    for (int i = 0; i < 9; i++) {
        if (!(mask & (1u << i))) {
            continue;
        }
        size_t vl = strlen(vals[i]);
        if (ol + vl + 2 > sizeof out) {
            return fk_smp_mgmt_fail(r, FK_MGMT_ERR_EMSGSIZE, "info output too long");
        }
        if (ol) {
            out[ol++] = ' ';
        }
        memcpy(out + ol, vals[i], vl);
        ol += vl;
        out[ol] = '\0';
    }
    fk_cbor_map(&r->enc, 1);
    fk_cbor_tstr(&r->enc, "output");
    fk_cbor_tstrn(&r->enc, out, ol);
    return FK_SMP_R_OK;
}

int fk_smp_mcuboot_mode(const struct fk_smp_server *s)
{
    if (s->cfg->mcuboot_mode_set) {
        return s->cfg->mcuboot_mode;
    }
    /* the bootloader row's mode: fotakit's swap is MCUboot's swap-using-offset
     * slot use (9), its overwrite strategy 2 (docs/boot.md); a stock
     * MCUboot row its own number */
    return fk_smp_bl(s)->mcuboot_mode;
}

static int os_bootloader_info(struct fk_smp_req *r)
{
    struct fk_cbor_field f[] = {{.key = "query", .accept = ACCEPT_TSTR}};
    const char *bad;
    int rc = fk_cbor_map_fields(r->payload, r->plen, f, 1, &bad);
    if (rc) {
        return fk_smp_payload_fail(r, rc, bad);
    }
    if (!f[0].found) {
        bool extra = !(r->s->cfg->flags & FK_SMP_F_NO_FOTAKIT_FIELD);
        fk_cbor_map(&r->enc, extra ? 2 : 1);
        fk_cbor_tstr(&r->enc, "bootloader");
        fk_cbor_tstr(&r->enc, "MCUboot");
        if (extra) {
            /* which implementation actually answers */
            fk_cbor_tstr(&r->enc, "fotakit");
            fk_cbor_tstr(&r->enc, "fotakit " FOTAKIT_VERSION_STR);
        }
        return FK_SMP_R_OK;
    }
    if (fk_cbor_str_eq(&f[0].item, "mode")) {
        /* configured, or implied by the mode (direct-xip never boots an
         * older version: Zephyr selects MCUBOOT_BOOTLOADER_NO_DOWNGRADE) */
        bool nd = r->s->cfg->no_downgrade || (fk_smp_bl(r->s)->flags & FK_BL_F_NO_DOWNGRADE);
        fk_cbor_map(&r->enc, nd ? 2 : 1);
        fk_cbor_tstr(&r->enc, "mode");
        fk_cbor_int(&r->enc, fk_smp_mcuboot_mode(r->s));
        if (nd) {
            fk_cbor_tstr(&r->enc, "no-downgrade");
            fk_cbor_bool(&r->enc, true);
        }
        return FK_SMP_R_OK;
    }
    return fk_smp_group_fail(r, FK_OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER,
                             "bootloader info knows the query \"mode\" only");
}

int fk_smp_os_handle(struct fk_smp_req *r)
{
    bool wr = r->hdr.op == FK_SMP_OP_WRITE;
    switch (r->hdr.id) {
    case FK_SMP_OS_ECHO:
        return os_echo(r); /* read and write, as Zephyr */
    case FK_SMP_OS_RESET:
        if (wr) {
            return os_reset(r);
        }
        break;
    case FK_SMP_OS_MCUMGR_PARAMS:
        if (!wr) {
            return os_params(r);
        }
        break;
    case FK_SMP_OS_INFO:
        if (!wr) {
            return os_info(r);
        }
        break;
    case FK_SMP_OS_BOOTLOADER_INFO:
        if (!wr) {
            return os_bootloader_info(r);
        }
        break;
    default:
        break;
    }
    return fk_smp_mgmt_fail(r, FK_MGMT_ERR_ENOTSUP, "OS group has no %s command %u",
                            wr ? "write" : "read", (unsigned)r->hdr.id);
}
